"""Participation hours (001): weekly totals against the required hours, and
the work-search weeks of the trailing months counted against their limit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Client, HoursEntry
from caseterm.vocabulary import Activity, VerifiedBy
from caseterm.services.records import Errors, parse_date, parse_enum, parse_float

#: Defaults used only when the policy module is missing a value (policy.toml has them all).
_FALLBACK = {"weekly_hours": 40, "work_search_warn_weeks": 10, "work_search_limit_weeks": 12, "work_search_window_months": 12}


def _participation(name: str) -> Any:
    try:
        from caseterm.policy import load_policy

        return getattr(load_policy().participation, name)
    except (ImportError, AttributeError):
        return _FALLBACK[name]


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def required_hours(client: Client) -> float:
    """The client's weekly requirement: exempt clients have their allowed hours."""
    if client.exempt_hours is not None:
        return float(client.exempt_hours)
    return float(_participation("weekly_hours"))


@dataclass
class WeekHours:
    week: dt.date
    by_activity: dict[Activity, float] = field(default_factory=dict)
    entries: list[HoursEntry] = field(default_factory=list)
    required: float = 0.0

    @property
    def total(self) -> float:
        return sum(self.by_activity.values())

    @property
    def short(self) -> bool:
        return self.total < self.required


@dataclass
class WorkSearchCount:
    weeks: int
    warn_at: int
    limit: int
    window_start: dt.date

    @property
    def level(self) -> str:
        """"ok", "warn" or "limit" — for the styling of the count."""
        if self.weeks >= self.limit:
            return "limit"
        if self.weeks >= self.warn_at:
            return "warn"
        return "ok"


def weekly_hours(session: Session, client: Client, weeks: int | None = None) -> list[WeekHours]:
    """Every week with hours, newest first (the last `weeks` if given)."""
    entries = session.exec(
        select(HoursEntry).where(HoursEntry.client_id == client.id).order_by(col(HoursEntry.week).desc())
    ).all()
    required = required_hours(client)
    by_week: dict[dt.date, WeekHours] = {}
    for entry in entries:
        wk = by_week.setdefault(entry.week, WeekHours(week=entry.week, required=required))
        wk.by_activity[entry.activity] = wk.by_activity.get(entry.activity, 0.0) + entry.hours
        wk.entries.append(entry)
    result = sorted(by_week.values(), key=lambda w: w.week, reverse=True)
    return result[:weeks] if weeks else result


def work_search_weeks(session: Session, client: Client, day: dt.date | None = None) -> WorkSearchCount:
    """Weeks with work-search hours in the trailing window (001: 12 weeks in 12 months).

    Counted as the work-search-limit rule counts them: weeks whose Monday is
    after the day the window opens and not after `day`.
    """
    from caseterm.rules.calendar import add_months

    day = day or clock.today()
    start = add_months(day, -int(_participation("work_search_window_months")))
    weeks = session.exec(
        select(HoursEntry.week)
        .where(HoursEntry.client_id == client.id, HoursEntry.activity == Activity.WORK_SEARCH, HoursEntry.hours > 0)
        .where(HoursEntry.week > start, HoursEntry.week <= day)
        .distinct()
    ).all()
    return WorkSearchCount(
        weeks=len(set(weeks)),
        warn_at=int(_participation("work_search_warn_weeks")),
        limit=int(_participation("work_search_limit_weeks")),
        window_start=start,
    )


def save_hours(session: Session, client: Client, values: dict[str, Any], record_id: int | None = None) -> HoursEntry:
    """Add or edit one activity's hours in one week. Keys: week, activity, hours, verified_by.

    Any date in the week is accepted and stored as that week's Monday.
    """
    errors = Errors()
    week = parse_date(errors, "week", values.get("week"), required=True)
    activity = parse_enum(errors, "activity", values.get("activity"), Activity, required=True)
    hours = parse_float(errors, "hours", values.get("hours"), lo=0, hi=168, required=True)
    # The record standard (001: hours are verified): one rule for the Hours tab and the grid (23.6).
    verified = parse_enum(errors, "verified by", values.get("verified_by"), VerifiedBy, required=True)
    if week is not None and week > clock.today():
        errors.add("week", "hours cannot be entered for a future week")
    errors.raise_if_any()
    assert client.id is not None and week is not None and activity is not None and hours is not None
    if record_id:
        entry = session.get(HoursEntry, record_id)
        if entry is None or entry.client_id != client.id:
            raise BadInput(f"hours entry {record_id}: not found for case {client.case_number}")
    else:
        entry = HoursEntry(client_id=client.id, week=monday(week), activity=activity, hours=hours)
    entry.week, entry.activity, entry.hours, entry.verified_by = monday(week), activity, hours, verified
    session.add(entry)
    session.flush()
    return entry


def get_entry(session: Session, entry_id: int) -> HoursEntry | None:
    return session.get(HoursEntry, entry_id)


# --------------------------------------------------------------------------
# The month grid: last month's hours for every client who owes them
# --------------------------------------------------------------------------


@dataclass
class GridRow:
    """One client of the month grid: what is entered per week, and what the row
    saves new hours with (one activity and one verification source per row)."""

    case_number: str
    name: str
    required: float
    """Weekly requirement (exempt clients: their allowed hours)."""
    activity: Activity
    source: VerifiedBy | None
    entered: dict[dt.date, float] = field(default_factory=dict)
    """Hours already in the database, by week (Monday)."""

    def total(self) -> float:
        return sum(self.entered.values())


def week_share(week: dt.date, month_first: dt.date) -> float:
    """The part of the week of Monday `week` that belongs to a month: its workdays
    (Monday to Friday) in the month over its five.

    Why: the requirement is hours a week (001: 40 "to mimic the workplace"); a week
    that straddles the month's start or end is counted in each month by its
    workdays there, so the week of Nov 30 is a fifth of a November week (23.7)."""
    workdays = [week + dt.timedelta(days=i) for i in range(7) if (week + dt.timedelta(days=i)).weekday() < 5]
    inside = [d for d in workdays if (d.year, d.month) == (month_first.year, month_first.month)]
    return len(inside) / len(workdays)


@dataclass
class MonthGrid:
    month: dt.date
    """First day of the month whose hours are entered (last month)."""
    weeks: tuple[dt.date, ...]
    """Mondays of that month: the weeks the work-verification rule asks for."""
    deadline: dt.date
    rows: list[GridRow]
    lead_in: dt.date | None = None
    """The week of the Monday before the 1st when it has workdays in the month: its hours
    are entered with last month's grid (its Monday's), but its share counts in this month."""

    def counted_weeks(self) -> tuple[dt.date, ...]:
        """Every week with workdays in the month, the lead-in week first."""
        return ((self.lead_in,) if self.lead_in else ()) + self.weeks

    def share(self, week: dt.date) -> float:
        return week_share(week, self.month)

    def required_total(self, row: GridRow) -> float:
        """The month's requirement: the weekly hours of every week by its share of the month."""
        return sum(row.required * self.share(w) for w in self.counted_weeks())

    def hours_total(self, row: GridRow) -> float:
        """The month's hours: each week's entered hours by its share of the month (as the requirement)."""
        return sum(row.entered.get(w, 0.0) * self.share(w) for w in self.counted_weeks())

    def week_met(self, row: GridRow, week: dt.date) -> bool | None:
        """Met (True) or short (False) of the weekly requirement; None while the week is not entered.
        A week's hours are the whole week's, so they meet the whole week's requirement."""
        if week not in row.entered:
            return None
        return row.entered[week] >= row.required

    def month_met(self, row: GridRow) -> bool:
        return self.hours_total(row) >= self.required_total(row) - 1e-9


def month_grid(session: Session, day: dt.date | None = None) -> MonthGrid:
    """Every client the work-verification rule lists on `day` (TANF/SNAP E&T
    clients with weeks of last month missing), with what is entered so far.

    The rows are the rule's own items, so a row complete here is an item
    cleared from the due list. Each row starts with the activity and source
    the client's last hours were saved with.
    """
    from caseterm.policy import load_policy
    from caseterm.rules.calendar import previous_month
    from caseterm.rules.common import business_calendar
    from caseterm.rules.monthly import verification_month, weeks_of_month, work_verification
    from caseterm.services.due import load_snapshot

    day = day or clock.today()
    policy = load_policy()
    month = previous_month(verification_month(day, business_calendar(policy)))
    weeks = weeks_of_month(month)
    lead_in = monday(month) if monday(month) < month and week_share(monday(month), month) > 0 else None
    counted = set(weeks) | ({lead_in} if lead_in else set())
    deadline = verification_month(day, business_calendar(policy)).replace(day=policy.monthly.verification_deadline_day)
    owed = [i.case_number for i in work_verification(load_snapshot(session, day, policy), policy, day) if i.case_number]
    if not owed:
        return MonthGrid(month, weeks, deadline, [], lead_in)
    clients = {c.case_number: c for c in session.exec(select(Client).where(col(Client.case_number).in_(owed))).all()}
    ids = {c.id: c.case_number for c in clients.values()}
    entries = session.exec(
        select(HoursEntry).where(col(HoursEntry.client_id).in_(list(ids))).order_by(col(HoursEntry.week), col(HoursEntry.id))
    ).all()
    entered: dict[str, dict[dt.date, float]] = {cn: {} for cn in owed}
    last: dict[str, HoursEntry] = {}
    for e in entries:
        cn = ids[e.client_id]
        last[cn] = e
        if e.week in counted:
            entered[cn][e.week] = entered[cn].get(e.week, 0.0) + e.hours
    rows = []
    for cn in sorted(owed, key=lambda n: (clients[n].display_name.casefold(), n)):
        client = clients[cn]
        previous = last.get(cn)
        rows.append(
            GridRow(
                case_number=cn,
                name=client.display_name,
                required=required_hours(client),
                activity=previous.activity if previous else Activity.EMPLOYMENT,
                source=previous.verified_by if previous else None,
                entered=entered[cn],
            )
        )
    return MonthGrid(month, weeks, deadline, rows, lead_in)


def save_grid_hours(
    session: Session,
    case_number: str,
    week: dt.date,
    hours: str,
    activity: Activity,
    source: VerifiedBy | None,
    record_id: int | None = None,
) -> HoursEntry:
    """One cell of the month grid: save_hours (the hours dialog's save), with the
    verification source required. `record_id` edits the entry the cell saved before."""
    from caseterm.services.clients import get_client

    if source is None:  # said in the grid's words; save_hours requires it too
        raise BadInput("verification source: required (paystub, timesheet, employer call or other)")
    client = get_client(session, case_number)
    values = {"week": week.isoformat(), "activity": activity, "hours": hours, "verified_by": source}
    return save_hours(session, client, values, record_id)
