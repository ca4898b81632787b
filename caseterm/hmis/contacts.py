"""The HMIS records of what the case manager does, derived from what caseterm already keeps (no second entry):
Current Living Situation (4.12) from contact notes, Coordinated Entry Assessment (4.19, with its questions
and results) from VI-SPDAT / SPDAT / front-door assessments, Coordinated Entry Event (4.20) from referrals.

Each record lands in the client's enrollment that spans its date (a HUD continuum project first, then the
latest). Rules, by HUD's FY2026 standards (docs/hmis.md says the same for the user):

- CurrentLivingSituation: every contact note (reached, or no outcome given; not an amendment, letter,
  supervision, transfer, staffing, conference or collateral contact) in a street outreach (2.02.6 = 4),
  night-by-night shelter (1) or Coordinated Entry (14) enrollment: the projects where HUD collects a
  Current Living Situation at each contact. caseterm does not record where the client slept that night,
  so the situation is the last one known: the enrollment's living situation (3.917), 99 when none.
- Assessment: a VI-SPDAT or SPDAT is a housing needs assessment (4.19.4 = 2), a front-door assessment a
  crisis needs assessment (1); phone (4.19.3 = 1) when the client's notes of that day were by phone, text
  or e-mail, else in person (3); placed on the prioritization list (4.19.7 = 1) when the score reaches the
  policy's `hmis.prioritization_min_score`. Its question and result rows carry the total score.
- Event: a referral whose agency or service names a Coordinated Entry resource (shelter bed, transitional
  housing, rapid re-housing, PSH, outreach, housing navigation, prevention, diversion, a voucher, flexible
  funds, follow-up case management), by keyword; other referrals (a food box, job training) are not HUD
  events. An outcome that says accepted/housed/enrolled gives ReferralResult 1, declined by the client 2,
  refused by the provider 3, dated when the outcome was recorded.

IDs: a note's from its uid; assessments and referrals have no uid of their own, so theirs derive from the
client's case number and the record's number in this database (stable across exports of one database).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select as table_select
from sqlmodel import Session

from caseterm.models import Assessment, Note, Referral

Row = dict[str, Any]

#: 2.02.6 project types that collect a Current Living Situation at each contact.
CLS_PROJECT_TYPES = frozenset({1, 4, 14})
#: Note types that are not a contact with the client.
NOT_CONTACTS = frozenset({"letter", "supervision", "transfer", "collateral", "case_conference",
                          "re_engagement_staffing"})
#: caseterm assessment kind -> (4.19.4 level, label)
ASSESSMENT_LEVELS = {"vi_spdat": (2, "VI-SPDAT"), "spdat": (2, "SPDAT"), "front_door": (1, "Front door assessment")}
REMOTE_METHODS = frozenset({"phone", "text", "email"})
#: Up to this many clients, their records are asked for by id; more, the period's rows are read and sorted out.
IN_LIST_LIMIT = 900

#: Referral text (agency and service, lower case) -> 4.20.2 event; the first pattern that matches wins.
EVENT_PATTERNS: tuple[tuple[str, int], ...] = (
    (r"\b(ehv|emergency housing voucher)\b", 17),
    (r"\bhousing stability voucher\b", 18),
    (r"\b(psh|permanent supportive)\b", 14),
    (r"\b(rrh|rapid re-?housing)\b", 13),
    (r"\bjoint th\b", 12),
    (r"\btransitional housing\b", 11),
    (r"\b(shelter bed|emergency shelter|shelter)\b", 10),
    (r"\bhousing navigation\b|\bnavigator\b", 7),
    (r"\bstreet outreach\b|\boutreach\b", 6),
    (r"\b(prevention|eviction)\b", 1),
    (r"\b(diversion|problem solving|rapid resolution)\b", 2),
    (r"\b(flex fund|furniture|emergency assistance)\b", 16),
    (r"\bcrisis needs assessment\b", 3),
    (r"\b(housing needs assessment|coordinated entry)\b", 4),
    (r"\b(aftercare|post-placement|follow-up case management)\b", 5),
    (r"\b(housing voucher|hcv|section 8|public housing|permanent housing)\b", 15),
)
RESULT_PATTERNS: tuple[tuple[str, int], ...] = (
    (r"\b(client (declined|rejected|refused)|declined|refused)\b", 2),
    (r"\b(provider (rejected|denied)|rejected|denied|ineligible|not eligible|no opening)\b", 3),
    (r"\b(accepted|housed|enrolled|placed|moved in|linked)\b", 1),
)


def _id(*parts: str) -> str:
    """As `export.derived_id`: 32 hex digits of the SHA-256 of stable text."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _matcher(patterns: tuple[tuple[str, int], ...]) -> Callable[[str], int | None]:
    """The code of the first pattern found in a text, the answers remembered: a caseload's referrals
    repeat a handful of agencies, services and outcomes."""
    compiled = [(re.compile(pattern), code) for pattern, code in patterns]

    @functools.lru_cache(maxsize=4096)
    def match(text: str) -> int | None:
        lowered = text.lower()
        return next((code for pattern, code in compiled if pattern.search(lowered)), None)

    return match


_event = _matcher(EVENT_PATTERNS)
_result = _matcher(RESULT_PATTERNS)


def event_code(agency: str, service: str) -> int | None:
    """The 4.20.2 event a referral is, by the words of its agency and service; None: not a HUD event."""
    return _event(f"{agency} {service}")


def result_code(outcome: str | None) -> int | None:
    """The 4.20.D result an outcome's words say; None: none yet."""
    return _result(outcome or "")


def _rows(session: Session, model: type, client_ids: set[int], *where: Any, columns: tuple[str, ...] = ()) -> list[Any]:
    """The rows of the exported clients matching `where`, by id (`columns`: only those, e.g. not a note's text).
    The period is in `where`, so a year's export of a large database reads a year's records."""
    table = model.__table__  # type: ignore[attr-defined]
    chosen = [table.c[name] for name in columns] if columns else [table]
    if len(client_ids) <= IN_LIST_LIMIT:  # a few clients: asked for by id (the client_id index)
        where = (*where, table.c.client_id.in_(sorted(client_ids)))
    rows = session.execute(table_select(*chosen).where(*where).order_by(table.c.id)).all()
    return [r for r in rows if r.client_id in client_ids]


def _remote_days(session: Session, start: dt.date, end: dt.date) -> set[tuple[int, dt.date]]:
    """(client, day) of the period's assessments on a day with a phone, text or e-mail note: done by phone.
    One join down the notes' (client, contact time) index, not a year of notes."""
    from sqlalchemy import text

    next_day = "date(a.date, '+1 day')" if session.get_bind().dialect.name == "sqlite" else "a.date + 1"
    kinds = ", ".join(f"'{kind}'" for kind in ASSESSMENT_LEVELS)
    methods = ", ".join(f"'{method}'" for method in sorted(REMOTE_METHODS))
    rows = session.execute(text(
        "SELECT DISTINCT a.client_id, a.date FROM assessment a JOIN note n ON n.client_id = a.client_id"
        f" AND n.contact_at >= a.date AND n.contact_at < {next_day}"
        f" WHERE a.date >= :start AND a.date <= :end AND a.kind IN ({kinds}) AND n.method IN ({methods})"
        " AND n.amends_id IS NULL"), {"start": start, "end": end}).all()
    return {(cid, day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])) for cid, day in rows}


def add_rows(session: Session, out: dict[str, list[Row]], enrollments: Iterable[Any], projects: dict[int, Any],
             clients: dict[int, Any], personal: dict[int, str], start: dt.date, end: dt.date,
             audit: Callable[[dt.datetime | None, dt.datetime | None], Row], min_score: int) -> None:
    """CurrentLivingSituation, Assessment, AssessmentQuestions, AssessmentResults and Event rows for the
    exported `enrollments` (records dated within them and within start..end)."""
    by_client: dict[int, list[Any]] = defaultdict(list)
    for e in enrollments:
        by_client[e.client_id].append(e)
    if not by_client:
        return
    ids = set(by_client)

    def enrollment_on(client_id: int, day: dt.date, types: frozenset[int] | None = None) -> Any | None:
        spans = [e for e in by_client.get(client_id, ()) if e.entry_date <= day and (e.exit_date is None or day <= e.exit_date)
                 and (types is None or projects[e.project_id].project_type in types)]
        spans.sort(key=lambda e: (bool(projects[e.project_id].continuum_project), e.entry_date, e.id))
        return spans[-1] if spans else None

    from caseterm.hmis.spec import load_spec

    cls_codes = load_spec().codes("3.12.1")
    note, assessment, referral = Note.__table__, Assessment.__table__, Referral.__table__  # type: ignore[attr-defined]
    begins, ends = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    in_period = (note.c.contact_at >= begins, note.c.contact_at < ends, note.c.amends_id.is_(None))
    assessments = [a for a in _rows(session, Assessment, ids, assessment.c.date >= start, assessment.c.date <= end)
                   if getattr(a.kind, "value", a.kind) in ASSESSMENT_LEVELS]
    assessed = {a.client_id for a in assessments}
    remote_days = _remote_days(session, start, end) if assessed else set()
    cls_clients = {cid for cid, rows in by_client.items()
                   if any(projects[e.project_id].project_type in CLS_PROJECT_TYPES for e in rows)}
    note_columns = ("uid", "client_id", "contact_at", "written_at", "type", "outcome")
    contacts = _rows(session, Note, cls_clients, *in_period, columns=note_columns) if cls_clients else []
    for n in contacts:
        kind, outcome = getattr(n.type, "value", n.type), getattr(n.outcome, "value", n.outcome)
        day = n.contact_at.date()
        if kind in NOT_CONTACTS or outcome not in (None, "reached"):
            continue
        e = enrollment_on(n.client_id, day, CLS_PROJECT_TYPES)
        if e is None:
            continue
        situation = e.living_situation if e.living_situation is not None and str(e.living_situation) in cls_codes else 99
        out["CurrentLivingSituation"].append({
            "CurrentLivingSitID": _id("cls", n.uid), "EnrollmentID": e.uid.replace("-", "")[:32],
            "PersonalID": personal[n.client_id], "InformationDate": day.isoformat(),
            "CurrentLivingSituation": situation,
            "CLSSubsidyType": e.rental_subsidy_type if situation == 435 else None,
            **audit(n.written_at, n.written_at)})

    for a in assessments:
        kind = getattr(a.kind, "value", a.kind)
        e = enrollment_on(a.client_id, a.date)
        if e is None:
            continue
        level, label = ASSESSMENT_LEVELS[kind]
        aid = _id("assessment", clients[a.client_id].case_number, str(a.id))
        base = {"AssessmentID": aid, "EnrollmentID": e.uid.replace("-", "")[:32], "PersonalID": personal[a.client_id]}
        stamp = audit(a.changed_at, a.changed_at)
        out["Assessment"].append({
            **base, "AssessmentDate": a.date.isoformat(), "AssessmentLocation": projects[e.project_id].name[:250],
            "AssessmentType": 1 if (a.client_id, a.date) in remote_days else 3, "AssessmentLevel": level,
            "PrioritizationStatus": 1 if a.score is not None and a.score >= min_score else 2, **stamp})
        if a.score is not None:
            out["AssessmentQuestions"].append({
                "AssessmentQuestionID": _id("assessment-question", aid, "total"), **base,
                "AssessmentQuestionGroup": label, "AssessmentQuestionOrder": 1,
                "AssessmentQuestion": f"{label} total score", "AssessmentAnswer": str(a.score), **stamp})
            out["AssessmentResults"].append({
                "AssessmentResultID": _id("assessment-result", aid, "total"), **base,
                "AssessmentResultType": f"{label} total score", "AssessmentResult": str(a.score), **stamp})

    for r in _rows(session, Referral, ids, referral.c.referred_on >= start, referral.c.referred_on <= end):
        event = event_code(r.agency, r.service or "")
        if event is None:
            continue
        e = enrollment_on(r.client_id, r.referred_on)
        if e is None:
            continue
        result = result_code(r.outcome)
        result_date = r.changed_at.date() if result is not None and r.changed_at is not None else None
        if result_date is not None and not r.referred_on <= result_date <= end:
            result_date = None
        out["Event"].append({
            "EventID": _id("event", clients[r.client_id].case_number, str(r.id)),
            "EnrollmentID": e.uid.replace("-", "")[:32], "PersonalID": personal[r.client_id],
            "EventDate": r.referred_on.isoformat(), "Event": event,
            "LocationCrisisOrPHHousing": r.agency[:250] if event in (10, 11, 12, 13, 14, 15, 17, 18) else None,
            "ReferralResult": result if result_date is not None else None,
            "ResultDate": result_date.isoformat() if result_date is not None else None,
            **audit(r.changed_at, r.changed_at)})
