"""Letters to clients, from templates, each one logged as a written contact attempt.

Why: 000 asks for "multiple attempts to contact clients", one of them in
writing (003), and 001 makes mail the norm for remote clients. A letter is
rendered from a Jinja2 template (the shipped ones in `caseterm/templates/
letters/`, or an agency's same-named file under the config dir's
`templates/letters/`, which wins), written as plain text and as printable
HTML (both 0600, both marked CONFIDENTIAL), and a `letter` note is added in
the caller's transaction, so the engagement rule sees the written attempt.

Why one module of 700 lines: choosing the template, its context (missed dates, worker, client),
rendering both forms and logging the note are one act; splitting it would split the context.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from sqlmodel import Session, select

from caseterm import clock, paths
from caseterm.confidential import CONFIDENTIAL, CONFIDENTIAL_NOTICE, LETTER_NOTICE
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client, Note
from caseterm.text import a_an, plural
from caseterm.services import audit
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, AuditAction, ContactMethod, NoteType, Place

WRAP_WIDTH = 72


class LetterTemplate(StrEnum):
    """The letters caseterm ships; an agency may override any of them."""

    ENGAGEMENT = "engagement"
    APPOINTMENT = "appointment"
    RE_ENGAGEMENT = "re_engagement"

    @property
    def title(self) -> str:
        return {
            LetterTemplate.ENGAGEMENT: "engagement letter",
            LetterTemplate.APPOINTMENT: "appointment letter",
            LetterTemplate.RE_ENGAGEMENT: "re-engagement notice",
        }[self]

    @classmethod
    def parse(cls, text: str, where: str = "--template") -> LetterTemplate:
        """Accept `re-engagement` as well as `re_engagement` (CLI spelling)."""
        value = text.strip().lower().replace("-", "_")
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(t.value.replace("_", "-") for t in cls)
            raise BadInput(f"{where}: unknown letter template {text!r} (choose {choices})") from None


#: How an appointment kind reads in a letter to the client.
KIND_WORDS: dict[AppointmentKind, str] = {
    AppointmentKind.EA: "eligibility appointment",
    AppointmentKind.FSSP: "family plan (FSSP) meeting",
    AppointmentKind.DEBRIEFING: "check-in meeting",
    AppointmentKind.INITIAL_INTERVIEW: "first meeting",
    AppointmentKind.HOME_VISIT: "home visit",
    AppointmentKind.CASE_PLAN_REVIEW: "case plan review",
    AppointmentKind.RE_ENGAGEMENT_STAFFING: "re-engagement meeting",
    AppointmentKind.CASE_CONFERENCE: "case conference",
    AppointmentKind.OTHER: "appointment",
}


#: How an appointment's place reads in a letter.
PLACE_WORDS: dict[Place, str] = {
    Place.OFFICE: "at the office",
    Place.HOME: "at your home",
    Place.NEUTRAL: "at a place close and convenient for you",
    Place.PHONE: "by phone",
}


@dataclass(frozen=True)
class LetterResult:
    """What producing a letter left behind: the two files and the logged note."""

    template: LetterTemplate
    text_path: Path
    html_path: Path
    note: Note


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------


def _autoescape(name: str | None) -> bool:
    """HTML templates escape every value; text templates must not."""
    return bool(name) and (name.endswith(".html.j2") or name.endswith(".html"))  # type: ignore[union-attr]


def template_environment() -> jinja2.Environment:
    """Agency templates (config dir) first, then the shipped ones; undefined is an error.

    Not cached: the override folder is looked up through platformdirs each
    time, so a test or an agency that adds a file sees it at once.
    """
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(str(paths.templates_override_dir())),
            jinja2.PackageLoader("caseterm", "templates"),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["longdate"] = long_date
    env.filters["clocktime"] = clock_time
    env.filters["hours"] = format_hours
    env.globals["CONFIDENTIAL"] = CONFIDENTIAL
    env.filters["wraptext"] = wrap_text
    env.filters["css_string"] = css_string
    env.filters["plural"] = plural
    env.filters["a_an"] = a_an
    env.globals["CONFIDENTIAL_NOTICE"] = CONFIDENTIAL_NOTICE
    env.globals["LETTER_NOTICE"] = LETTER_NOTICE
    return env


def render(name: str | list[str], context: dict[str, Any]) -> str:
    """Render one template (the first of a list that exists), template mistakes as BadInput naming the file."""
    env = template_environment()
    names = [name] if isinstance(name, str) else name
    try:
        template = env.select_template(names)
    except jinja2.TemplatesNotFound:
        raise BadInput(f"template {names[0]}: not found in {paths.templates_override_dir()} or the shipped templates") from None
    except jinja2.TemplateSyntaxError as err:
        raise BadInput(f"template {err.filename or name}:{err.lineno}: {err.message}") from None
    try:
        return template.render(**context)
    except jinja2.UndefinedError as err:
        raise BadInput(f"template {template.filename or name}: {err.message}") from None


def css_string(value: object) -> Markup:
    """Text safe inside a double-quoted CSS string in a <style> block (page headers)."""
    text = str(value)
    for char, escaped in (("\\", "\\5C "), ('"', "\\22 "), ("<", "\\3C "), (">", "\\3E "), ("&", "\\26 "), ("\n", " ")):
        text = text.replace(char, escaped)
    return Markup(text)


def long_date(value: dt.date | dt.datetime | None) -> str:
    """`Tuesday, November 17, 2026`: how a date reads in a letter."""
    if value is None:
        return ""
    return f"{value:%A}, {value:%B} {value.day}, {value.year}"


def clock_time(value: dt.datetime | dt.time | None) -> str:
    """`8:30 a.m.`: how a time of day reads in a letter."""
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    suffix = "a.m." if value.hour < 12 else "p.m."
    return f"{hour}:{value.minute:02d} {suffix}"


def paragraphs(body: str) -> list[list[str]]:
    """Blank lines separate paragraphs; lines inside one (a list, a signature) stay lines."""
    paras: list[list[str]] = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if lines:
            paras.append(lines)
    return paras


def wrap_text(body: str, width: int = WRAP_WIDTH) -> str:
    """Wrap each line of a letter body for plain text; list items get a hanging indent."""
    out: list[str] = []
    for para in paragraphs(body):
        for line in para:
            indent = "  " if line.startswith("- ") else ""
            out.append(textwrap.fill(line, width=width, subsequent_indent=indent, break_on_hyphens=False))
        out.append("")
    return "\n".join(out).rstrip("\n")


def format_hours(value: float | None) -> str:
    """`40` rather than `40.0`; `37.5` stays."""
    if value is None:
        return ""
    return f"{value:g}"


# --------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------


def required_weekly_hours(client: Client) -> float:
    """Hours a week the client is expected to participate (001): the exempt allowance, else the policy's."""
    from caseterm.services.hours import required_hours

    return required_hours(client)


#: The settings a letter cannot do without, and why (the message names the file).
SIGNATURE_SETTINGS: dict[str, tuple[str, str]] = {
    "full_name": ("a letter is signed with your name, never your login", "Jo Smith"),
    "phone": ("a letter must tell the client how to reach you", "503-555-0100"),
}


def missing_signature() -> list[str]:
    """The signature settings (`full_name`, `phone`) not set yet in settings.toml."""
    from caseterm.config import load_settings

    s = load_settings()
    return [key for key in SIGNATURE_SETTINGS if not getattr(s, key).strip()]


def save_signature(values: dict[str, Any]) -> Path:
    """Save the case manager's name and phone (asked for in the app) to settings.toml.

    Both are required: each missing one is named and nothing is written.
    """
    from caseterm.config import save_settings

    clean = {key: " ".join(str(values.get(key) or "").split()) for key in SIGNATURE_SETTINGS}
    errors = [f"{key}: required ({why})" for key, (why, _example) in SIGNATURE_SETTINGS.items() if not clean[key]]
    if errors:
        raise BadInput(*errors)
    return save_settings(clean)


def _agency_signature(session: Session) -> dict[str, str] | None:
    """Agency mode: the name and phone from the login's worker record (`worker add --name --phone`),
    not settings.toml; None in solo mode."""
    from caseterm.services import workers

    if not workers.is_agency(session):
        return None
    me = workers.current_worker(session)
    login = workers.current_login(session)
    missing = []
    if me is None or not me.full_name.strip():
        missing.append("name")
    if me is None or not (me.phone or "").strip():
        missing.append("phone")
    if missing:
        raise BadInput(f"letter: worker {login!r} has no {' and no '.join(missing)} on file; a letter is signed "
                       "from the worker record in agency mode (an admin sets it: caseterm worker add "
                       f"{login} --name ... --role ... --phone ...)")
    assert me is not None
    return {"name": me.full_name.strip(), "user": me.login, "phone": (me.phone or "").strip()}


def _case_manager(session: Session | None = None) -> dict[str, str]:
    """The case manager's own details: the name signs the letter, the phone ends it. Solo mode:
    settings.toml; agency mode: the worker record (the rest of the letterhead still from settings)."""
    from caseterm.config import load_settings

    signed = _agency_signature(session) if session is not None else None
    if signed is not None:
        s = load_settings()
        return {**signed, "email": s.email, "agency": s.agency, "office_address": s.office_address,
                "work_hours": s.work_hours}
    missing = missing_signature()
    if missing:
        raise BadInput(
            *(
                f"{paths.settings_path()}: {key} is not set; {SIGNATURE_SETTINGS[key][0]} "
                f"(add {key} = \"{SIGNATURE_SETTINGS[key][1]}\")"
                for key in missing
            )
        )
    s = load_settings()
    return {
        "name": s.full_name.strip(),
        "user": s.user,
        "phone": s.phone.strip(),
        "email": s.email,
        "agency": s.agency,
        "office_address": s.office_address,
        "work_hours": s.work_hours,
    }


def _client_fields(client: Client) -> dict[str, Any]:
    return {
        "case_number": client.case_number,
        "name": client.display_name,
        "legal_name": client.legal_name,
        "first_name": client.display_name.split()[0] if client.display_name.split() else client.display_name,
        "address_lines": [line.strip() for line in re.split(r"[\n;]", client.address or "") if line.strip()],
        "phone": client.phone or "",
        "remote": client.remote,
        # 004: never a home visit for a client flagged for domestic violence in the home.
        "home_visits_ok": not client.dv_in_home,
        "required_hours": required_weekly_hours(client),
        # Only programs with a participation requirement (policy) mention weekly hours.
        "participation_required": _has_participation_requirement(client),
    }


def _has_participation_requirement(client: Client) -> bool:
    from caseterm.policy import load_policy

    return client.exempt_hours is not None or client.program in load_policy().participation.programs


def _appointment_fields(appt: Appointment) -> dict[str, Any]:
    end = appt.start + dt.timedelta(minutes=appt.minutes)
    return {
        "id": appt.id,
        "start": appt.start,
        "end": end,
        "minutes": appt.minutes,
        "kind": appt.kind.value,
        "kind_words": KIND_WORDS.get(appt.kind, "appointment"),
        "place": appt.place.value,
        "place_words": PLACE_WORDS.get(appt.place, ""),
    }


def _resolve_appointment(
    session: Session,
    client: Client,
    appointment_id: int | None,
    now: dt.datetime,
    required: bool,
    kind: AppointmentKind | None = None,
) -> Appointment | None:
    """The appointment named, else the client's next scheduled one (of `kind`, if given)."""
    if appointment_id is not None:
        appt = session.get(Appointment, appointment_id)
        if appt is None:
            raise BadInput(f"--appointment {appointment_id}: no such appointment")
        if appt.client_id != client.id:
            raise BadInput(f"--appointment {appointment_id}: not an appointment of case {client.case_number}")
        return appt
    query = (
        select(Appointment)
        .where(Appointment.client_id == client.id)
        .where(Appointment.status == AppointmentStatus.SCHEDULED)
        .where(Appointment.start >= now)
        .order_by(Appointment.start)
    )
    if kind is not None:
        query = query.where(Appointment.kind == kind)
    appt = session.exec(query).first()
    if appt is None and required:
        raise BadInput(
            f"--appointment: required for the appointment letter; case {client.case_number} "
            "has no scheduled appointment to name"
        )
    return appt


def _missed_appointment(session: Session, client: Client, day: dt.date) -> Appointment | None:
    """The client's no-show on `day` (the last one that day), to say where they were to meet."""
    start = dt.datetime.combine(day, dt.time.min)
    return session.exec(
        select(Appointment)
        .where(Appointment.client_id == client.id)
        .where(Appointment.status == AppointmentStatus.NO_SHOW)
        .where(Appointment.start >= start, Appointment.start < start + dt.timedelta(days=1))
        .order_by(Appointment.start.desc())  # type: ignore[attr-defined]
    ).first()


def _last_missed_on(session: Session, client: Client, today: dt.date) -> dt.date | None:
    """The date of the client's most recent no-show up to today."""
    start = session.exec(
        select(Appointment.start)
        .where(Appointment.client_id == client.id)
        .where(Appointment.status == AppointmentStatus.NO_SHOW)
        .where(Appointment.start < dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
        .order_by(Appointment.start.desc())  # type: ignore[attr-defined]
    ).first()
    return start.date() if start else None


class ClientStage(StrEnum):
    """Where the client is with the case manager: the letter's words follow it (23.7).

    000's example ("learning more about your family") is written to a client the
    case manager has not yet met; to a client of months it reads wrong."""

    NEW = "new"  #: not met yet: no first interview and never reached
    ONGOING = "ongoing"  #: met before
    RE_ENGAGEMENT = "re_engagement"  #: two attempts (one in writing) have failed since the missed activity (003)


def _last_reached(session: Session, client: Client, before: dt.datetime) -> dt.datetime | None:
    """The last time before `before` the client was reached: a note that reached them, or a kept appointment."""
    from caseterm.rules.snapshot import is_reached

    reached = [
        n.contact_at
        for n in session.exec(
            select(Note).where(Note.client_id == client.id, Note.contact_at < before, Note.amends_id.is_(None))  # type: ignore[union-attr]
        ).all()
        if is_reached(n.type, n.method, n.outcome)
    ]
    kept = session.exec(
        select(Appointment.start)
        .where(Appointment.client_id == client.id, Appointment.status == AppointmentStatus.KEPT)
        .where(Appointment.start < before)
    ).all()
    moments = [*reached, *kept]
    return max(moments) if moments else None


def missed_in_window(session: Session, client: Client, missed_on: dt.date) -> list[Appointment]:
    """Every missed activity (no-show) of the window the letter is about, oldest first: those
    since the client was last reached, up to `missed_on`, no further back than the policy's
    `notes.lookback_days` (the engagement rules' window). Lupe missed Dec 1 and Dec 4: both."""
    from caseterm.policy import load_policy

    end = dt.datetime.combine(missed_on + dt.timedelta(days=1), dt.time.min)
    first = dt.datetime.combine(missed_on - dt.timedelta(days=load_policy().notes.lookback_days), dt.time.min)
    last = _last_reached(session, client, end)
    if last is not None and last > first:
        first = last
    return list(
        session.exec(
            select(Appointment)
            .where(Appointment.client_id == client.id, Appointment.status == AppointmentStatus.NO_SHOW)
            .where(Appointment.start >= first, Appointment.start < end)
            .order_by(Appointment.start)
        ).all()
    )


def client_stage(session: Session, client: Client, missed: list[Appointment], today: dt.date) -> ClientStage:
    """The client's stage for a letter about the missed activities `missed` (oldest first).

    Re-engagement: the engagement rules' own test (`rules.engagement.reengagement_due`)
    on the attempts since the first of them. New: no first interview before the first
    missed activity and never reached before it. Ongoing: everyone else."""
    from caseterm.policy import load_policy
    from caseterm.rules.engagement import Episode, is_written, reengagement_due
    from caseterm.rules.snapshot import ApptSnap, NoteSnap

    before = missed[0].start if missed else dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min)
    if missed:
        policy = load_policy()
        notes = session.exec(
            select(Note)
            .where(Note.client_id == client.id, Note.contact_at >= before, Note.amends_id.is_(None))  # type: ignore[union-attr]
            .where(Note.contact_at < dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
            .order_by(Note.contact_at)
        ).all()
        attempts = tuple(
            snap for snap in (NoteSnap(n.id or 0, n.contact_at, n.type, n.method, n.outcome) for n in notes)
            if snap.is_attempt
        )
        snaps = tuple(ApptSnap(a.id or 0, a.start, a.minutes, a.kind, a.status) for a in missed)
        episode = Episode(snaps[0], snaps, attempts, any(is_written(n, policy) for n in attempts),
                          any(not is_written(n, policy) for n in attempts))
        due = reengagement_due(episode, policy)
        if due is not None and due <= today:
            return ClientStage.RE_ENGAGEMENT
    met = client.first_interview_date is not None and client.first_interview_date < before.date()
    if met or _last_reached(session, client, before) is not None:
        return ClientStage.ONGOING
    return ClientStage.NEW


def _recent_attempts(session: Session, client: Client, since: dt.date) -> list[dict[str, Any]]:
    """Contact attempts since `since` (engagement, contact, letter notes), oldest first."""
    notes = session.exec(
        select(Note)
        .where(Note.client_id == client.id)
        .where(Note.contact_at >= dt.datetime.combine(since, dt.time()))
        .where(Note.type.in_([NoteType.ENGAGEMENT, NoteType.CONTACT, NoteType.LETTER, NoteType.HOME_VISIT]))  # type: ignore[attr-defined]
        .where(Note.amends_id.is_(None))  # type: ignore[union-attr]
        .order_by(Note.contact_at)
    ).all()
    words = {
        ContactMethod.PHONE: "a phone call",
        ContactMethod.TEXT: "a text message",
        ContactMethod.EMAIL: "an e-mail",
        ContactMethod.LETTER: "a letter",
        ContactMethod.HOME_VISIT: "a visit to your home",
        ContactMethod.OFFICE: "a meeting at the office",
        ContactMethod.OTHER: "a message",
    }
    attempts: list[dict[str, Any]] = []
    for n in notes:
        attempt = {"on": n.contact_at.date(), "how": words.get(n.method, "a message") if n.method else "a message"}
        if attempt not in attempts:  # two letters on one day read as one attempt to the client
            attempts.append(attempt)
    return attempts


def _safe_stem(text: str) -> str:
    """A file-name-safe form of a case number."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "client"


def default_out_dir() -> Path:
    """`letters/` under the caseterm data folder, owner-only (created on first use)."""
    return paths.ensure_private_dir(paths.letters_dir())


def _free_stem(out_dir: Path, stem: str) -> str:
    """`stem`, or `stem-2`, `stem-3`... so a second letter never overwrites the first."""
    candidate, n = stem, 1
    while (out_dir / f"{candidate}.txt").exists() or (out_dir / f"{candidate}.html").exists():
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


# --------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedLetter:
    """A letter rendered but not written: what the preview shows and `write_letter` writes.

    Rendering the same template with the same occasion and `at` gives the
    same text again, so what was previewed is what gets written.
    """

    template: LetterTemplate
    case_number: str
    at: dt.datetime
    text: str
    html: str
    note_text: str
    #: file-name stem before a `-2`, `-3`... that keeps it from overwriting another
    stem: str
    missed_on: dt.date | None
    appointment_id: int | None

    def paths(self, out_dir: Path) -> tuple[Path, Path]:
        """The .txt and .html files this letter would be written to in `out_dir` now."""
        stem = _free_stem(out_dir, self.stem) if out_dir.is_dir() else self.stem
        return out_dir / f"{stem}.txt", out_dir / f"{stem}.html"


def render_letter(
    session: Session,
    case_number: str,
    template: LetterTemplate | str,
    *,
    missed_on: dt.date | None = None,
    appointment_id: int | None = None,
    at: dt.datetime | None = None,
) -> RenderedLetter:
    """Fill one template for a client (text and HTML); nothing is written.

    Occasion fields: the engagement letter needs `missed_on` (default: the
    client's last no-show); the appointment letter needs an appointment
    (default: the next scheduled one); the re-engagement notice uses both when
    known (default appointment: the next re-engagement staffing) and lists the
    contact attempts since the missed appointment (or the last 30 days).
    `at` is the letter's date and time (default: now).
    """
    from caseterm.services.clients import get_client

    if not isinstance(template, LetterTemplate):
        template = LetterTemplate.parse(str(template), "template")
    client = get_client(session, case_number)
    now = at or clock.now()
    today = now.date()

    appointment: Appointment | None = None
    if template is LetterTemplate.ENGAGEMENT:
        missed_on = missed_on or _last_missed_on(session, client, today)
        if missed_on is None:
            raise BadInput(
                f"--missed-on: required for the engagement letter; case {case_number} "
                "has no missed appointment on file"
            )
    elif template is LetterTemplate.APPOINTMENT:
        appointment = _resolve_appointment(session, client, appointment_id, now, required=True)
    else:
        # Only a booked re-engagement staffing is "the re-engagement meeting" unless one is named.
        appointment = _resolve_appointment(
            session, client, appointment_id, now, required=False, kind=AppointmentKind.RE_ENGAGEMENT_STAFFING
        )
        missed_on = missed_on or _last_missed_on(session, client, today)
    if missed_on is not None and missed_on > today:
        raise BadInput(f"--missed-on: {missed_on.isoformat()} is after today ({today.isoformat()})")

    attempts_since = today - dt.timedelta(days=30)
    if missed_on is not None:
        attempts_since = min(attempts_since, missed_on)
    missed_all = missed_in_window(session, client, missed_on) if missed_on is not None else []
    stage = client_stage(session, client, missed_all, today)
    context: dict[str, Any] = {
        "template": template.value,
        "title": template.title,
        "today": today,
        "client": {**_client_fields(client), "stage": stage.value},
        "cm": _case_manager(session),
        "missed_on": missed_on,
        "missed": _appointment_fields(m) if missed_on and (m := _missed_appointment(session, client, missed_on)) else None,
        "appointment": _appointment_fields(appointment) if appointment else None,
        "attempts": _recent_attempts(session, client, attempts_since),
        # every missed activity of the window, oldest first (the one on `missed_on` last)
        "missed_all": [_appointment_fields(m) for m in missed_all],
    }
    name = template.value
    body = render(f"letters/{name}.txt.j2", context)
    text = render("letters/_letter.txt.j2", {**context, "body": body})
    # An agency may give one letter its own HTML (letters/<name>.html.j2); else the shared frame.
    html = render(
        [f"letters/{name}.html.j2", "letters/_letter.html.j2"],
        {**context, "body": body, "paragraphs": paragraphs(body)},
    )
    if CONFIDENTIAL not in text or CONFIDENTIAL not in html:
        raise BadInput(f"template letters/{name}: must print the word {CONFIDENTIAL} (every export is marked)")
    return RenderedLetter(
        template=template,
        case_number=client.case_number,
        at=now,
        text=text,
        html=html,
        note_text=_note_text(template, client, missed_on, appointment, [m.start.date() for m in missed_all]),
        stem=f"{_safe_stem(client.case_number)}-{name.replace('_', '-')}-{now:%Y%m%d-%H%M%S}",
        missed_on=missed_on,
        appointment_id=appointment.id if appointment else None,
    )


def write_letter(
    session: Session,
    case_number: str,
    template: LetterTemplate | str,
    *,
    missed_on: dt.date | None = None,
    appointment_id: int | None = None,
    out_dir: Path | None = None,
    at: dt.datetime | None = None,
) -> LetterResult:
    """Render a letter (`render_letter`), log a `letter` note, write text and HTML (0600).

    The note is flushed in the caller's transaction before any file is
    written, so a database error leaves no letter behind; a file error raises
    and the caller's transaction rolls the note back.
    """
    from caseterm.services.clients import get_client
    from caseterm.services.notes import add_note

    letter = render_letter(
        session, case_number, template, missed_on=missed_on, appointment_id=appointment_id, at=at
    )
    client = get_client(session, case_number)
    note = add_note(
        session,
        client,
        type=NoteType.LETTER,
        method=ContactMethod.LETTER,
        contact_at=letter.at,
        text=letter.note_text,
        audited=False,
    )

    target = Path(out_dir) if out_dir is not None else default_out_dir()
    if not target.exists():
        paths.ensure_private_dir(target)
    elif not target.is_dir():
        raise BadInput(f"-o {target}: not a folder")
    text_path, html_path = letter.paths(target)
    audit.record(session, AuditAction.LETTER_WRITTEN, client.case_number,
                 audit.detail_of(template=letter.template.value, file=text_path))
    # Each file through a temp and a rename, never through a symbolic link, never over a file.
    paths.write_output(text_path, letter.text, flag="-o")
    try:
        paths.write_output(html_path, letter.html, flag="-o")
    except BaseException:
        text_path.unlink(missing_ok=True)  # ours: written just now
        raise
    return LetterResult(letter.template, text_path, html_path, note)


def write_letter_committed(
    open_session: Callable[[], AbstractContextManager[Session]],
    case_number: str,
    template: LetterTemplate | str,
    **options: Any,
) -> LetterResult:
    """`write_letter` in a transaction of its own; if the commit fails, the files go too.

    Why: no letter file may claim an attempt that is not logged (the CLI and
    the app both write letters this way).
    """
    written: list[Path] = []
    try:
        with open_session() as session:
            result = write_letter(session, case_number, template, **options)
            written = [result.text_path, result.html_path]
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return result


@dataclass(frozen=True)
class LetterChoices:
    """The letters one client can be sent now: rendered, the one the case calls for first."""

    suggested: LetterTemplate
    #: rendered letters, `suggested` first (when it can be written), then in LetterTemplate order
    letters: list[RenderedLetter]
    #: templates that cannot be written for this client now, and why
    unavailable: dict[LetterTemplate, str]


def letter_choices(session: Session, case_number: str, *, at: dt.datetime | None = None) -> LetterChoices:
    """Render every template for the client (nothing written), for a preview that can switch between them.

    A template needs its occasion: the engagement letter and the re-engagement
    notice a missed appointment, the appointment letter a scheduled one. Missing signature settings raise
    (ask for them first: `missing_signature`).
    """
    from caseterm.services.clients import get_client

    client = get_client(session, case_number)
    now = at or clock.now()
    suggested = suggest_template(session, client.case_number)
    order = [suggested, *(t for t in LetterTemplate if t is not suggested)]
    letters: list[RenderedLetter] = []
    unavailable: dict[LetterTemplate, str] = {}
    for template in order:
        # Both engagement letters are about a missed activity (003); without one they would mislead.
        if template is not LetterTemplate.APPOINTMENT and _last_missed_on(session, client, now.date()) is None:
            unavailable[template] = "no missed appointment on file"
            continue
        if template is LetterTemplate.APPOINTMENT and _resolve_appointment(session, client, None, now, required=False) is None:
            unavailable[template] = "no appointment scheduled"
            continue
        try:
            letters.append(render_letter(session, client.case_number, template, at=now))
        except BadInput as err:
            if any(str(paths.settings_path()) in line for line in err.errors):
                raise
            unavailable[template] = "; ".join(err.errors)
    return LetterChoices(suggested, letters, unavailable)


def suggest_template(session: Session, case_number: str) -> LetterTemplate:
    """The letter the case calls for today, as the engagement rules see it (003, 000).

    Re-engagement notice once the episode has reached re-engagement (two
    unsuccessful attempts, one in writing); engagement letter while a missed
    activity is open; appointment letter when an appointment is coming and
    nothing was missed; else the engagement letter.
    """
    from caseterm.policy import load_policy
    from caseterm.rules.engagement import episode, reengagement_reached
    from caseterm.services.clients import get_client
    from caseterm.services.due import load_snapshot

    client = get_client(session, case_number)
    now = clock.now()
    policy = load_policy()
    snap = load_snapshot(session, now.date(), policy)
    seen = snap.by_case.get(client.case_number)
    ep = episode(seen, now.date(), policy) if seen is not None else None
    if ep is not None:
        return LetterTemplate.RE_ENGAGEMENT if reengagement_reached(ep, policy, now.date()) else LetterTemplate.ENGAGEMENT
    if _resolve_appointment(session, client, None, now, required=False) is not None:
        return LetterTemplate.APPOINTMENT
    return LetterTemplate.ENGAGEMENT


def _note_text(
    template: LetterTemplate, client: Client, missed_on: dt.date | None, appointment: Appointment | None,
    missed_days: list[dt.date] | None = None,
) -> str:
    """The narrative line a letter leaves in the case file (a written contact attempt)."""
    parts = [f"Written contact attempt: {template.title} mailed"]
    if client.remote:
        parts[0] += " (remote client: mail is the norm)"
    parts[0] += "."
    days = sorted(set(missed_days or []) | ({missed_on} if missed_on else set()))
    if len(days) > 1 and template is not LetterTemplate.APPOINTMENT:
        parts.append(f"About the missed appointments on {', '.join(d.isoformat() for d in days)}.")
    elif missed_on is not None and template is not LetterTemplate.APPOINTMENT:
        parts.append(f"About the missed appointment on {missed_on.isoformat()}.")
    if appointment is not None:
        parts.append(
            f"Names the {KIND_WORDS.get(appointment.kind, 'appointment')} on "
            f"{appointment.start:%Y-%m-%d %H:%M} ({appointment.place.value})."
        )
    if template is LetterTemplate.ENGAGEMENT:
        if client.dv_in_home:
            parts.append("Offered to meet at the office or a neutral place.")
        else:
            parts.append("Offered to meet at home or a neutral place.")
    if template is LetterTemplate.RE_ENGAGEMENT:
        parts.append("Explained good cause and the possible outcomes of not participating.")
    return " ".join(parts)
