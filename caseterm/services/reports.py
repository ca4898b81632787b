"""The caseload report (001's Monday check), the monthly participation summary,
and the csv / ics / html exports. Every file is CONFIDENTIAL and 0600.

Why one module: the Monday "print caseload" action, `caseterm export --format
csv|ics|html` and the tests all need the same rows, built from a handful of
bulk queries (no per-client query: a caseload of 10,000 costs the same dozen
statements as one of 20).

Decisions the issue left open (also in the report to the lead):
- "Hours last month" and the participation summary cover the *summary month*:
  last month until the verification deadline day of the policy (the 20th:
  last month's hours are still being verified), this month after it.
  A week belongs to the month of its Monday (hours are keyed by Monday).
- The calendar export uses floating local times (no TZID): appointments are
  stored as naive office wall-clock times and no time zone is recorded
  anywhere, so inventing one from the machine's zone could shift every
  appointment when the export is opened elsewhere; a floating 08:30 shows as
  08:30 in the case manager's own calendar.
- The CSV export is a zip whose README says CONFIDENTIAL (and the zip comment);
  the CSVs themselves keep the interchange field names and no marker line, so
  `clients.csv` still imports with `caseterm import`.
- Every CSV cell a spreadsheet would run as a formula (= + - @, tab, CR) is
  written with a leading ' (`_safe_row`); the import strips it again.
- The printed caseload shows "no home visits" rather than naming domestic
  violence: paper lies on desks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from caseterm import clock, paths
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client, HoursEntry
from caseterm.vocabulary import Activity, AppointmentKind, AppointmentStatus, AuditAction, ClientStatus, Place
from caseterm.services.caseload_csv import CASELOAD_CSV_COLUMNS
from caseterm.services.interchange import csv_safe
from caseterm.confidential import CONFIDENTIAL, CONFIDENTIAL_LINE, CONFIDENTIAL_NOTICE
from caseterm.services.letters import render

#: CSV rows end in CRLF (RFC 4180): the csv module quotes a cell only when it
#: holds a character of the line end, so with "\n" alone a cell holding a lone
#: CR was written unquoted and read back as two rows.
CSV_LINE_END = "\r\n"

#: The one-line marking of a CSV or text export.


class ExportFormat(StrEnum):
    """The formats this module writes (json is the interchange module's)."""

    CSV = "csv"
    ICS = "ics"
    HTML = "html"


STATUS_LABELS: dict[ClientStatus, str] = {
    ClientStatus.NOT_INITIALIZED: "not initialized",
    ClientStatus.OPEN: "open",
    ClientStatus.PENDED: "pended",
    ClientStatus.CLOSED: "closed",
    ClientStatus.DENIED: "denied",
}

KIND_LABELS: dict[AppointmentKind, str] = {
    AppointmentKind.EA: "EA",
    AppointmentKind.FSSP: "FSSP",
    AppointmentKind.DEBRIEFING: "Debriefing",
    AppointmentKind.INITIAL_INTERVIEW: "Initial interview",
    AppointmentKind.HOME_VISIT: "Home visit",
    AppointmentKind.CASE_PLAN_REVIEW: "Case plan review",
    AppointmentKind.RE_ENGAGEMENT_STAFFING: "Re-engagement staffing",
    AppointmentKind.CASE_CONFERENCE: "Case conference",
    AppointmentKind.OTHER: "Appointment",
}

PLACE_LABELS: dict[Place, str] = {
    Place.OFFICE: "Office",
    Place.HOME: "Client's home",
    Place.NEUTRAL: "Neutral location",
    Place.PHONE: "Phone",
}

ACTIVITY_LABELS: dict[Activity, str] = {
    Activity.EMPLOYMENT: "Employment",
    Activity.WORK_SEARCH: "Work search",
    Activity.WORK_EXPERIENCE: "Work exp. (CWE)",
    Activity.EDUCATION: "Education / school",
    Activity.BARRIER_RESOLUTION: "Barrier res. (B codes)",
}

#: The record kinds of the interchange format, in its order (one CSV each).
RECORD_KINDS: tuple[str, ...] = (
    "clients", "appointments", "notes", "case_plans", "assessments", "hours", "releases", "referrals", "tasks",
)


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    first = _first_of_month(day)
    return (first + dt.timedelta(days=32)).replace(day=1)


def summary_month(today: dt.date) -> dt.date:
    """The first day of the month the report sums: last month until the policy's verification deadline."""
    from caseterm.policy import load_policy

    deadline = load_policy().monthly.verification_deadline_day
    first = _first_of_month(today)
    if today.day <= deadline:
        return _first_of_month(first - dt.timedelta(days=1))
    return first


def month_weeks(month: dt.date) -> list[dt.date]:
    """The Mondays that fall in `month` (a week belongs to the month of its Monday)."""
    day = _first_of_month(month)
    day += dt.timedelta(days=(7 - day.weekday()) % 7)
    end = _next_month(month)
    weeks = []
    while day < end:
        weeks.append(day)
        day += dt.timedelta(days=7)
    return weeks


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DueLine:
    """One due item as the report prints it."""

    rule: str
    title: str
    due: dt.date
    overdue: bool
    priority: int


#: Short labels of DOMAIN.md's rule ids, for the printed list (the CSV keeps full titles).
RULE_LABELS: dict[str, str] = {
    "reminder-call": "Reminder call",
    "finish-note": "Finish note",
    "missed-activity": "No-show: engagement contact",
    "engagement": "Engagement attempts",
    "re-engagement": "Begin re-engagement",
    "good-cause": "Determine good cause",
    "not-initialized": "Initialize case",
    "caseload-print": "Check caseload list",
    "work-verification": "Verify last month's hours",
    "close-case": "Close case",
    "childcare": "Childcare request",
    "participation": "Debrief hours",
    "work-search-limit": "Work-search weeks",
    "penalty": "Penalty: re-engage",
    "initial-interview": "First interview",
    "vi-spdat": "VI-SPDAT / SPDAT",
    "case-plan-review": "Case plan review",
    "release": "Release of information",
    "home-visits": "Schedule home visit",
    "dv-home-visit": "Move home visit to the office",
    "follow-up": "Follow-up contact",
    "referral-follow-up": "Referral follow-up",
    "plan-date": "FSSP / FPR date",
}


@dataclass(frozen=True)
class DueGroup:
    """The due items of one rule for one client, as one printed line."""

    label: str
    count: int
    overdue: bool
    first_due: dt.date
    titles: tuple[str, ...]


def group_due(items: list[DueLine]) -> list[DueGroup]:
    """One line per rule (manual tasks keep their own titles), overdue first, in order of due date."""
    groups: dict[str, list[DueLine]] = {}
    for d in items:
        key = f"manual:{d.title}" if d.rule == "manual" else d.rule
        groups.setdefault(key, []).append(d)
    out = [
        DueGroup(
            label=ds[0].title if key.startswith("manual:") else RULE_LABELS.get(key, key),
            count=len(ds),
            overdue=any(d.overdue for d in ds),
            first_due=min(d.due for d in ds),
            titles=tuple(d.title for d in ds),
        )
        for key, ds in groups.items()
    ]
    return sorted(out, key=lambda g: (not g.overdue, g.first_due, g.label))


@dataclass
class WeekColumn:
    week: dt.date
    by_activity: dict[Activity, float] = field(default_factory=dict)
    #: "past" (counted), "current" (in progress), "future" (not yet)
    state: str = "past"

    @property
    def total(self) -> float:
        return sum(self.by_activity.values())


@dataclass
class ParticipationSummary:
    """One client's month: hours by activity and week, against the required hours."""

    case_number: str
    name: str
    required_weekly: float
    exempt: bool
    weeks: list[WeekColumn]

    @property
    def activities(self) -> list[Activity]:
        seen = {a for w in self.weeks for a in w.by_activity}
        return [a for a in Activity if a in seen]

    def activity_total(self, activity: Activity) -> float:
        return sum(w.by_activity.get(activity, 0.0) for w in self.weeks)

    @property
    def counted_weeks(self) -> list[WeekColumn]:
        return [w for w in self.weeks if w.state == "past"]

    @property
    def total(self) -> float:
        return sum(w.total for w in self.weeks)

    @property
    def required_total(self) -> float:
        return self.required_weekly * len(self.counted_weeks)

    @property
    def short_weeks(self) -> int:
        return sum(1 for w in self.counted_weeks if w.total < self.required_weekly)


@dataclass
class CaseloadLine:
    """One client on the Monday caseload list (001)."""

    case_number: str
    name: str
    legal_name: str
    status: ClientStatus
    program: str
    flags: list[str]
    required_hours: float
    hours_last_week: float
    hours_month: float
    next_appointment: dt.datetime | None
    next_kind: AppointmentKind | None
    due: list[DueLine] = field(default_factory=list)
    #: The program has participation hours (policy), or the client is exempt with allowed hours.
    participation_required: bool = True
    #: The day of the newest note that reached the client (`services.reached.last_contact_sql`); None: never.
    last_contact: dt.date | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, str(self.status))

    @property
    def next_label(self) -> str:
        if self.next_appointment is None:
            return ""
        kind = KIND_LABELS.get(self.next_kind, "") if self.next_kind else ""
        return f"{self.next_appointment:%a %m/%d %H:%M} {kind}".strip()

    @property
    def due_groups(self) -> list[DueGroup]:
        return group_due(self.due)

    @property
    def next_kind_label(self) -> str:
        return KIND_LABELS.get(self.next_kind, "") if self.next_kind else ""

    @property
    def short_last_week(self) -> bool:
        return self.participation_required and self.hours_last_week < self.required_hours


@dataclass
class CaseloadReport:
    today: dt.date
    month: dt.date
    last_week: dt.date
    lines: list[CaseloadLine]
    caseload_due: list[DueLine]
    summaries: list[ParticipationSummary]

    @property
    def counts(self) -> list[tuple[str, int]]:
        """001: identify exemptions, penalties, open/closed/pended/denied cases, 2P families."""
        by_status = {s: 0 for s in ClientStatus}
        for line in self.lines:
            by_status[line.status] = by_status.get(line.status, 0) + 1
        out = [("clients", len(self.lines))]
        out += [(STATUS_LABELS[s], n) for s, n in by_status.items() if n]
        for label, prefix in (("in penalty", "penalty"), ("exempt", "exempt"), ("two-parent", "2P"),
                              ("child care", "child care"), ("remote", "remote")):
            n = sum(1 for line in self.lines if any(f.startswith(prefix) for f in line.flags))
            if n:
                out.append((label, n))
        return out


def _flags(client: Client, today: dt.date) -> list[str]:
    flags: list[str] = []
    if client.penalty_start is not None:
        months = (today.year - client.penalty_start.year) * 12 + today.month - client.penalty_start.month + 1
        flags.append(f"penalty month {max(months, 1)}")
    if client.exempt_hours is not None:
        flags.append(f"exempt {client.exempt_hours:g} h")
    if client.two_parent:
        flags.append("2P")
    if client.needs_childcare:
        flags.append("child care")
    if client.remote:
        flags.append("remote: mail")
    if client.dv_in_home:
        flags.append("no home visits")
    if client.close_pending:
        flags.append("to close")
    if client.months_used:
        flags.append(f"{client.months_used} mo TA")
    return flags


def _due_lines(session: Session, today: dt.date) -> dict[str | None, list[DueLine]]:
    """Due items by case number (None = caseload-wide), from the same engine as the sidebar."""
    from caseterm.services.due import due_items

    grouped: dict[str | None, list[DueLine]] = defaultdict(list)
    for item in due_items(session, today):
        grouped[item.case_number].append(
            DueLine(item.rule, item.title, item.due, bool(item.overdue), int(item.priority))
        )
    for items in grouped.values():
        items.sort(key=lambda d: (not d.overdue, d.priority, d.due, d.rule))
    return grouped


def _last_contacts(session: Session) -> dict[int, dt.date]:
    """Each client's last contact day, by the caseload's one definition (its column, sort and filter)."""
    from sqlalchemy import text

    from caseterm.services.reached import last_contact_sql

    out: dict[int, dt.date] = {}
    for client_id, last in session.execute(text(last_contact_sql())):
        if isinstance(last, dt.datetime):
            out[client_id] = last.date()
        elif last is not None:  # SQLite: the stored text
            out[client_id] = dt.date.fromisoformat(str(last)[:10])
    return out


def caseload_report(session: Session, today: dt.date) -> CaseloadReport:
    """Every client with status, program, hours, next appointment and due items; bulk queries only."""
    from caseterm.policy import load_policy
    from caseterm.services.hours import required_hours

    policy = load_policy()
    last_week = monday(today) - dt.timedelta(days=7)
    month = summary_month(today)
    weeks = month_weeks(month)
    this_week = monday(today)

    clients = session.exec(select(Client).order_by(Client.case_number)).all()

    week_hours = dict(
        session.exec(
            select(HoursEntry.client_id, func.sum(HoursEntry.hours))
            .where(HoursEntry.week == last_week)
            .group_by(HoursEntry.client_id)
        ).all()
    )
    month_rows = session.exec(
        select(HoursEntry.client_id, HoursEntry.week, HoursEntry.activity, func.sum(HoursEntry.hours))
        .where(HoursEntry.week >= month, HoursEntry.week < _next_month(month))
        .group_by(HoursEntry.client_id, HoursEntry.week, HoursEntry.activity)
    ).all()
    month_by_client: dict[int, dict[dt.date, dict[Activity, float]]] = defaultdict(lambda: defaultdict(dict))
    for client_id, week, activity, hours in month_rows:
        month_by_client[client_id][week][Activity(activity)] = float(hours or 0)

    start_of_today = dt.datetime.combine(today, dt.time.min)
    next_start = (
        select(Appointment.client_id, func.min(Appointment.start).label("next"))
        .where(Appointment.start >= start_of_today, Appointment.status == AppointmentStatus.SCHEDULED)
        .group_by(Appointment.client_id)
        .subquery()
    )
    next_rows = session.exec(
        select(Appointment.client_id, Appointment.start, Appointment.kind)
        .join(next_start, (next_start.c.client_id == Appointment.client_id) & (next_start.c.next == Appointment.start))
        .where(Appointment.status == AppointmentStatus.SCHEDULED)
        .order_by(Appointment.client_id, Appointment.id)
    ).all()
    next_of: dict[int, tuple[dt.datetime, AppointmentKind]] = {}
    for client_id, start, kind in next_rows:
        next_of.setdefault(client_id, (start, AppointmentKind(kind)))

    due = _due_lines(session, today)
    programs = set(policy.participation.programs)
    last_contact = _last_contacts(session)

    lines: list[CaseloadLine] = []
    summaries: list[ParticipationSummary] = []
    for client in clients:
        required = required_hours(client)
        nxt = next_of.get(client.id)  # type: ignore[arg-type]
        month_data = month_by_client.get(client.id, {})  # type: ignore[arg-type]
        lines.append(
            CaseloadLine(
                case_number=client.case_number,
                name=client.display_name,
                legal_name=client.legal_name,
                status=ClientStatus(client.status),
                program=client.program,
                flags=_flags(client, today),
                required_hours=required,
                hours_last_week=float(week_hours.get(client.id, 0) or 0),
                hours_month=sum(sum(a.values()) for a in month_data.values()),
                next_appointment=nxt[0] if nxt else None,
                next_kind=nxt[1] if nxt else None,
                due=due.get(client.case_number, []),
                participation_required=client.program in programs or client.exempt_hours is not None,
                last_contact=last_contact.get(client.id),  # type: ignore[arg-type]
            )
        )
        participating = client.program in programs and client.status in (ClientStatus.OPEN, ClientStatus.PENDED)
        if participating or month_data:
            columns = []
            for wk in weeks:
                state = "past" if wk < this_week else ("current" if wk == this_week else "future")
                columns.append(WeekColumn(wk, dict(month_data.get(wk, {})), state))
            summaries.append(
                ParticipationSummary(client.case_number, client.display_name, required, client.exempt_hours is not None, columns)
            )
    return CaseloadReport(
        today=today,
        month=month,
        last_week=last_week,
        lines=lines,
        caseload_due=due.get(None, []),
        summaries=summaries,
    )


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------


def _default_dest(stem: str, today: dt.date, suffix: str) -> Path:
    return Path.cwd() / f"caseterm-{stem}-{today.isoformat()}{suffix}"


def _check_dest(dest: Path) -> Path:
    dest = Path(dest)
    if dest.is_dir():
        raise BadInput(f"-o {dest}: is a folder; name a file")
    return dest


def _write(dest: Path, data: bytes | str) -> Path:
    """Write (or replace: a re-print of the same day) a report file: temp, fsync, rename;
    never through a symbolic link (`paths.write_output`)."""
    return paths.write_output(dest, data, force=True)




def caseload_csv_text(report: CaseloadReport) -> str:
    """The caseload as CSV: a CONFIDENTIAL line first (a spreadsheet shows it as row 1), then a header."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=CSV_LINE_END)
    writer.writerow([CONFIDENTIAL_LINE])
    month = f"{report.month:%Y-%m}"
    writer.writerow(CASELOAD_CSV_COLUMNS)
    for line in report.lines:
        _safe_row(writer, [
            line.case_number, line.name, line.legal_name, line.status.value, line.program,
            "; ".join(line.flags), f"{line.required_hours:g}" if line.participation_required else "",
            report.last_week.isoformat(), f"{line.hours_last_week:g}", month, f"{line.hours_month:g}",
            line.last_contact.isoformat() if line.last_contact else "",
            line.next_appointment.isoformat(timespec="minutes") if line.next_appointment else "",
            line.next_kind.value if line.next_kind else "",
            len(line.due),
            "; ".join(f"{d.rule}: {d.title} ({'overdue ' if d.overdue else ''}due {d.due.isoformat()})" for d in line.due),
        ])
    return buf.getvalue()


def write_caseload_csv(session: Session, dest: Path | None, today: dt.date,
                       report: CaseloadReport | None = None) -> Path:
    """The Monday caseload list as CSV (0600); `report` if the caller built it already."""
    dest = _check_dest(dest or _default_dest("caseload", today, ".csv"))
    return _write(dest, caseload_csv_text(report or caseload_report(session, today)))


def caseload_html_text(report: CaseloadReport) -> str:
    from caseterm.config import load_settings

    settings = load_settings()
    return render(
        "reports/caseload.html.j2",
        {
            "report": report,
            "cm": {"name": settings.full_name or settings.user, "agency": settings.agency, "phone": settings.phone},
            "generated": clock.now(),
            "activity_labels": ACTIVITY_LABELS,
        },
    )


def write_caseload_html(session: Session, dest: Path | None, today: dt.date,
                        report: CaseloadReport | None = None) -> Path:
    """The printable caseload report (letter paper) with the monthly participation summary (0600)."""
    dest = _check_dest(dest or _default_dest("caseload", today, ".html"))
    return _write(dest, caseload_html_text(report or caseload_report(session, today)))


# --------------------------------------------------------------------------
# CSV export: one CSV per record kind, in a zip
# --------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def records_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """One record kind as CSV; nested values (plan goals) as JSON text in their cell."""
    columns = columns or (list(rows[0]) if rows else ["case_number"])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=CSV_LINE_END)
    writer.writerow(columns)
    for row in rows:
        _safe_row(writer, [_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _safe_row(writer: Any, cells: list[Any]) -> None:
    """Write one data row with every cell a spreadsheet would evaluate neutralised.

    A cell starting with = + - @, tab or CR gets a leading ' (OWASP CSV
    injection); `caseterm import` reads it back to the original text (see
    `interchange.csv_safe` / `csv_restore`).
    """
    writer.writerow([csv_safe(cell if isinstance(cell, str) else str(cell)) for cell in cells])


_RECORD_MODELS = {
    "clients": "ClientRecord", "appointments": "AppointmentRecord", "notes": "NoteRecord",
    "case_plans": "CasePlanRecord", "assessments": "AssessmentRecord", "hours": "HoursRecord",
    "releases": "ReleaseRecord", "referrals": "ReferralRecord", "tasks": "TaskRecord",
}


def _columns(kind: str, rows: list[dict[str, Any]]) -> list[str]:
    """The interchange field names of a kind (so an empty CSV still has its header), then any extra keys."""
    from caseterm.services import interchange

    model = getattr(interchange, _RECORD_MODELS[kind], None)
    columns = list(getattr(model, "model_fields", {})) if model is not None else []
    if "case_number" in columns:
        columns.remove("case_number")
    columns.insert(0, "case_number")
    for row in rows[:1]:
        columns += [key for key in row if key not in columns]
    return columns


def _readme(today: dt.date) -> str:
    return (
        f"{CONFIDENTIAL}\n\n{CONFIDENTIAL_NOTICE}\n\n"
        f"caseterm export, {today.isoformat()}: one CSV per record kind, with the field names of the\n"
        "caseterm/1 interchange format (clients.csv imports with `caseterm import clients.csv`).\n"
        "Times are the office's local time. Case plans' goals are JSON text in the `goals` column.\n\n"
        + "\n".join(f"- {kind}.csv" for kind in RECORD_KINDS)
        + "\n"
    )


def export_csv_zip(session: Session, dest: Path, today: dt.date) -> Path:
    """All records, one CSV per kind, plus README-CONFIDENTIAL.txt, in one zip (0600)."""
    return _write(dest, csv_zip_bytes(session, today))


def csv_zip_bytes(session: Session, today: dt.date) -> bytes:
    """The CSV export's zip, in memory."""
    from caseterm.services.interchange import export_data

    data = export_data(session)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.comment = CONFIDENTIAL_LINE.encode("utf-8")
        zf.writestr("README-CONFIDENTIAL.txt", _readme(today))
        for kind in RECORD_KINDS:
            rows = data.get(kind, [])
            zf.writestr(f"{kind}.csv", records_csv(rows, _columns(kind, rows)))
    return buf.getvalue()


# --------------------------------------------------------------------------
# ICS export
# --------------------------------------------------------------------------


def initials(name: str) -> str:
    """"Kemp Tan" -> "K.T.": the first letter of each word (words start at a letter or digit)."""
    letters = [m.group(0).upper() for m in re.finditer(r"(?<![\w'])\w", name)]
    return "".join(f"{letter}." for letter in letters) or "?"


def appointments_ics(session: Session, today: dt.date, names: bool = False) -> bytes:
    """Every appointment as a VEVENT, floating local times, CLASS:CONFIDENTIAL.

    Calendars are synced to someone else's server, so by default an event
    carries the case number and the client's initials only ("FSSP: K.T.
    (A-KEPT)"); `names` puts the name in. Never an address, a note or a flag.
    The UID is the appointment's own uid, so a re-export (on this machine or
    another after an import) updates the events instead of duplicating them.
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//caseterm//appointments//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"caseterm appointments ({CONFIDENTIAL})")
    cal.add("x-caseterm-classification", CONFIDENTIAL)
    stamp = clock.now().astimezone(dt.timezone.utc)
    rows = session.exec(
        select(Appointment, Client.case_number, Client.preferred_name, Client.legal_name)
        .join(Client, col(Client.id) == Appointment.client_id)
        .order_by(Appointment.start, Appointment.id)
    ).all()
    for appt, case_number, preferred, legal in rows:
        name = preferred or legal
        shown = name if names else initials(name)
        kind = KIND_LABELS.get(AppointmentKind(appt.kind), "Appointment")
        event = Event()
        event.add("uid", f"{appt.uid}@caseterm")
        event.add("dtstamp", stamp)
        event.add("dtstart", appt.start)  # naive datetime: a floating local time
        event.add("dtend", appt.start + dt.timedelta(minutes=appt.minutes))
        event.add("summary", f"{kind}: {shown} ({case_number})")
        event.add("location", PLACE_LABELS.get(Place(appt.place), ""))
        event.add(
            "description",
            f"{CONFIDENTIAL}. Case {case_number}; status {AppointmentStatus(appt.status).value}"
            f"{'; reminder call logged' if appt.reminder_called else ''}.",
        )
        event.add("class", "CONFIDENTIAL")
        event.add("status", "CANCELLED" if appt.status == AppointmentStatus.CANCELLED else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()


def export_ics(session: Session, dest: Path, today: dt.date, names: bool = False) -> Path:
    return _write(dest, appointments_ics(session, today, names=names))


# --------------------------------------------------------------------------
# The contract of `caseterm export`
# --------------------------------------------------------------------------

_DEFAULT_NAMES: dict[ExportFormat, tuple[str, str]] = {
    ExportFormat.CSV: ("export", ".zip"),
    ExportFormat.ICS: ("appointments", ".ics"),
    ExportFormat.HTML: ("caseload", ".html"),
}


@dataclass(frozen=True)
class RenderedExport:
    """An export built in memory, not yet written: what `caseterm export` checks, audits, then writes."""

    fmt: ExportFormat
    data: bytes | str
    clients: int
    default_name: str


def render_export(session: Session, fmt: str, today: dt.date, names: bool = False) -> RenderedExport:
    """One export (csv: a zip of CSVs; ics; html: the caseload report) as bytes, nothing written.

    `names` (ics only) puts clients' names in the calendar instead of initials.
    """
    try:
        kind = ExportFormat(str(fmt).strip().lower())
    except ValueError:
        choices = ", ".join(f.value for f in ExportFormat)
        raise BadInput(f"--format {fmt}: not a report format (choose {choices}, or json)") from None
    stem, suffix = _DEFAULT_NAMES[kind]
    if kind is ExportFormat.CSV:
        data: bytes | str = csv_zip_bytes(session, today)
        clients = session.exec(select(func.count()).select_from(Client)).one()
    elif kind is ExportFormat.ICS:
        data = appointments_ics(session, today, names=names)
        clients = session.exec(select(func.count(func.distinct(Appointment.client_id)))).one()
    else:
        report = caseload_report(session, today)
        data = caseload_html_text(report)
        clients = len(report.lines)
    return RenderedExport(kind, data, clients, f"caseterm-{stem}-{today.isoformat()}{suffix}")


def export(session: Session, fmt: str, dest: Path | None, today: dt.date, names: bool = False,
           force: bool = False) -> Path:
    """Write one export and its audit entry: built in memory, audited, written through a temp,
    renamed into place. Returns its path."""
    rendered = render_export(session, fmt, today, names=names)
    target = Path(dest) if dest is not None else Path.cwd() / rendered.default_name
    paths.check_output(target, force=force)
    audit_export(session, AuditAction.EXPORT, rendered.fmt.value, rendered.clients, target, names=names or None)
    return paths.write_output(target, rendered.data, force=force, commit=session.commit)


def audit_export(session: Session, action: AuditAction, fmt: str, clients: int, path: Path | str,
                 **more: Any) -> None:
    """The audit entry of an export or a print: format, how many clients, the file."""
    from caseterm.services import audit

    where = Path(path).absolute() if str(path) != "-" else "-"
    audit.record(session, action, None, audit.detail_of(format=fmt, clients=clients, file=where, **more))
