"""What is due: the caseload snapshot from the database, the rules run over it,
and what the user did with each item (done, snoozed to a date, dismissed).

`due_items` computes the list from scratch (the reference a stored list is
held to); the app and `caseterm agenda` read the stored list
(`services.due_table`), kept in step with the records in the same
transactions. The user's decisions about single occurrences are stored in
`DueState`, under the item's `key`.

Why one module of 800 lines: the snapshot loader is one set of bulk queries (a dozen statements
whatever the caseload size) and the per-client cache must load exactly what the loader loads.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Client, DueState, ManualTask
from caseterm.vocabulary import (
    AppointmentKind,
    AppointmentStatus,
    AssessmentKind,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    DueAction,
    NoteType,
    Place,
)
from caseterm.policy import Policy, load_policy
from caseterm.rules.calendar import add_months, monday_of, previous_month
from caseterm.rules.common import business_calendar
from caseterm.rules.monthly import verification_month, weeks_of_month
from caseterm.rules.engine import RULES, DueItem, client_rule_ids, compute_due, load_rules
from caseterm.services.reached import reached_sql  # one text for the first frame and here
from caseterm.rules.snapshot import (
    ACTIVE_STATUSES,
    ApptSnap,
    AssessmentSnap,
    ClientSnap,
    DraftSnap,
    HoursSnap,
    NoteSnap,
    ReferralSnap,
    ReleaseSnap,
    Snapshot,
    TaskSnap,
)

#: How far ahead appointments are loaded (home visits booked for the month, staffings).
AHEAD_DAYS = 45


def _e(enum: type, value: object):  # noqa: ANN202 - tiny converter
    """String (or enum) from the database -> enum member; None stays None."""
    if value is None:
        return None
    return enum._value2member_map_.get(value, value) if isinstance(value, str) else value


def _windows(day: dt.date, policy: Policy) -> tuple[dt.date, dt.date]:
    """(notes/appointments window start, work-search window start)."""
    lookback = max(policy.notes.lookback_days, 1)
    work_search = add_months(day, -policy.participation.work_search_window_months) - dt.timedelta(days=7)
    return day - dt.timedelta(days=lookback), work_search


def _by_start(a: ApptSnap) -> dt.datetime:
    return a.start


def _by_contact(n: NoteSnap) -> dt.datetime:
    return n.contact_at


@contextmanager
def _no_gc() -> Iterator[None]:
    """Building ~100k small immutable objects: the cyclic GC only slows it (by half)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _rows(session: Session, sql: str, **params: object) -> list:
    """Plain rows, without per-value type processing (fast on 100k rows).

    On SQLite, date and datetime parameters are passed as the ISO text the
    columns hold (sqlite3's implicit date adapters are deprecated)."""
    if session.get_bind().dialect.name == "sqlite":
        params = {
            k: (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in params.items()
        }
        # The driver's own cursor, in the session's transaction: SQLAlchemy's
        # statement compile and result wrapping cost more than a one-client
        # query itself (the incremental due list runs a dozen of them).
        cursor = session.connection().connection.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()
    return session.execute(sa.text(sql), params).all()


def _exec(session: Session, sql: str, **params: object) -> None:
    """A statement without rows (a DELETE), in the session's transaction; the parameters as `_rows` takes them."""
    if session.get_bind().dialect.name == "sqlite":
        _rows(session, sql, **params)
    else:
        session.execute(sa.text(sql), params)


def _dtm(value: object) -> dt.datetime:
    """SQLite returns DATETIME as text; other databases as datetime."""
    if value.__class__ is str:
        return dt.datetime.fromisoformat(value)  # type: ignore[arg-type]
    return value  # type: ignore[return-value]


def _d(value: object) -> dt.date | None:
    if value.__class__ is str:
        return dt.date.fromisoformat(value[:10])  # type: ignore[index]
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def load_snapshot(
    session: Session, day: dt.date, policy: Policy | None = None, client_ids: Iterable[int] | None = None
) -> Snapshot:
    """The caseload as the rules see it on `day`, from a handful of bulk queries.

    See `_load_snapshot`.
    """
    with _no_gc():
        return _load_snapshot(session, day, policy or load_policy(), client_ids)


def _hmis_snaps(session: Session, ids: tuple[int, ...] | None) -> tuple[dict[int, list], dict[int, object]]:
    """The HMIS enrollments (with their stages) and universal data elements of the clients, for the hmis-* rules."""
    from caseterm.rules.snapshot import HmisEnrollmentSnap, HmisPersonSnap, HmisStageSnap

    stages: dict[int, list[HmisStageSnap]] = defaultdict(list)
    for eid, stage, date, income, benefits, insurance, dv, disabilities in _rows(
        session,
        "SELECT s.enrollment_id, s.stage, s.information_date, s.income_from_any_source, s.benefits_from_any_source,"
        " s.insurance_from_any_source, s.dv_survivor, s.disabilities FROM hmis_collection s"
        f" JOIN hmis_enrollment e ON e.id = s.enrollment_id WHERE 1 = 1{_in('e.client_id', ids, session)}"
        " ORDER BY s.information_date, s.id",
    ):
        stages[eid].append(HmisStageSnap(stage, _d(date), income, benefits, insurance, dv,  # type: ignore[arg-type]
                                         bool(disabilities and disabilities != "{}")))
    enrollments: dict[int, list[HmisEnrollmentSnap]] = defaultdict(list)
    for eid, cid, project, hud, entry, exit_date, dest, rel, living, disabling, coc in _rows(
        session,
        "SELECT e.id, e.client_id, p.name, p.continuum_project, e.entry_date, e.exit_date, e.destination,"
        " e.relationship_to_hoh, e.living_situation, e.disabling_condition, e.enrollment_coc"
        f" FROM hmis_enrollment e JOIN hmis_project p ON p.id = e.project_id WHERE 1 = 1{_in('e.client_id', ids, session)}"
        " ORDER BY e.entry_date, e.id",
    ):
        enrollments[cid].append(HmisEnrollmentSnap(eid, project, bool(hud), _d(entry), _d(exit_date),  # type: ignore[arg-type]
                                                   dest, rel, living, disabling, coc, tuple(stages.get(eid, ()))))
    people: dict[int, object] = {}
    for cid, name_q, ssn_q, dob_q, race, race_none, sex, veteran in _rows(
        session,
        "SELECT client_id, name_data_quality, ssn_data_quality, dob_data_quality, race, race_none, sex,"
        f" veteran_status FROM hmis_client WHERE 1 = 1{_in('client_id', ids, session)}",
    ):
        people[cid] = HmisPersonSnap(name_q, ssn_q, dob_q, bool(race), race_none, sex, veteran)
    return enrollments, people


#: Up to this many ids an IN list is inlined as literals (one client's refresh); more (a chunk of a
#: new day's store) are passed on SQLite as one JSON text (`_in`).
INLINE_IDS = 16


def _in(column: str, ids: tuple[int, ...] | None, session: Session | None = None) -> str:
    """` AND column IN (ids)` (ids are ints, inlined), or nothing for the whole caseload.

    On SQLite (`session` given) a longer list is one JSON text read by `json_each`: an IN list of
    1,000 literals compiles to a program of ~150 KB, and the driver keeps the last 128 statements
    of each connection prepared, so a new day's store (10 chunks x a dozen queries) left ~20 MiB
    held by the connection until it closed (issue 25.5, round 4); the JSON text is one value."""
    if ids is None:
        return ""
    if not ids:
        return " AND 1 = 0"
    listed = ", ".join(str(int(i)) for i in ids)
    if len(ids) > INLINE_IDS and session is not None and session.get_bind().dialect.name == "sqlite":
        return f" AND {column} IN (SELECT value FROM json_each('[{listed}]'))"
    return f" AND {column} IN ({listed})"


def _load_snapshot(
    session: Session, day: dt.date, policy: Policy, client_ids: Iterable[int] | None = None
) -> Snapshot:
    """The caseload as the rules see it on `day`, from a handful of bulk queries.

    Clients worked on (active statuses, a pending close, or follow-up permission
    after exit); their appointments and notes in the window; hours of the
    recent weeks and the work-search weeks of the window; releases, open
    referrals, assessments; summaries of the whole history (last reached
    contact, last good-cause note, last plan review), aggregated in SQL.

    `client_ids`: only these clients' rows (every query filtered in SQL, for the
    incremental due list), with their own manual tasks and drafts; tasks of no
    client are left out (see `DueCache`). None: the whole caseload.
    """
    ids = None if client_ids is None else tuple(sorted(set(client_ids)))
    window_start, ws_start = _windows(day, policy)
    p = {
        "start": dt.datetime.combine(window_start, dt.time()),
        "end": dt.datetime.combine(day + dt.timedelta(days=1), dt.time()),
        "ahead": dt.datetime.combine(day + dt.timedelta(days=AHEAD_DAYS), dt.time()),
    }
    active = ", ".join(f"'{s.value}'" for s in ACTIVE_STATUSES)
    client_columns = (
        "SELECT id, case_number, legal_name, preferred_name, program, status, close_pending, exempt_hours,"
        " penalty_start, needs_childcare, remote, dv_in_home, follow_up_days, follow_up_permission,"
        " plan_review_date, referral_date, initial_contact_date, first_interview_date, shelter_entry_date,"
        " exit_date FROM client"
    )
    worked_on = f"(status IN ({active}) OR close_pending OR follow_up_permission)"
    client_rows = _rows(session, f"{client_columns} WHERE {worked_on}{_in('id', ids, session)}")
    wanted = {row[0] for row in client_rows}
    # Closed cases no longer worked on, still owing HMIS data: an enrollment left open, or exited without a
    # destination or within the missing-data look-back (hmis-exit, hmis-missing-data see every closed client).
    hmis_rows = _rows(
        session,
        f"{client_columns} WHERE NOT {worked_on} AND id IN (SELECT client_id FROM hmis_enrollment"
        " WHERE exit_date IS NULL OR destination IS NULL OR destination = 99 OR exit_date >= :since)"
        f"{_in('id', ids, session)}",
        since=day - dt.timedelta(days=policy.hmis.lookback_days),
    )

    sqlite = session.get_bind().dialect.name == "sqlite"
    # Kept appointments: is there a note for the client on that date? (finish-note)
    day_start, day_end = (
        ("date(a.start)", "date(a.start, '+1 day')")
        if sqlite
        else ("date_trunc('day', a.start)", "date_trunc('day', a.start) + interval '1 day'")
    )
    kinds, astatuses, places = AppointmentKind._value2member_map_, AppointmentStatus._value2member_map_, Place._value2member_map_
    kept, no_show = AppointmentStatus.KEPT, AppointmentStatus.NO_SHOW
    appts: dict[int, list[ApptSnap]] = defaultdict(list)
    engaged: set[int] = set()  # clients with a no-show in the window: their notes are loaded
    for aid, cid, start, minutes, kind, status, called, place, noted in _rows(
        session,
        "SELECT a.id, a.client_id, a.start, a.minutes, a.kind, a.status, a.reminder_called, a.place,"
        " CASE WHEN a.status = 'kept' THEN EXISTS (SELECT 1 FROM note n WHERE n.client_id = a.client_id"
        f" AND n.contact_at >= {day_start} AND n.contact_at < {day_end} AND n.amends_id IS NULL"
        # the appointment's reminder call (a note linked to it, made before it) is not its note
        " AND NOT (n.appointment_id IS NOT NULL AND n.appointment_id = a.id AND n.contact_at < a.start)) END"
        f" FROM appointment a WHERE (1 = 1{_in('a.client_id', ids, session)}) AND ((a.start >= :start AND a.start < :ahead"
        # past appointments still "scheduled", cancelled or rescheduled matter only this month/week
        " AND (a.status IN ('kept', 'no_show') OR a.start >= :recent)"
        # after today, only the kinds a rule looks ahead for (home visits, staffings, first interviews, debriefs)
        " AND (a.start < :end OR a.kind IN ('home_visit', 're_engagement_staffing', 'initial_interview', 'debriefing')"
        " OR a.place = 'home'))"
        # dv-home-visit: every scheduled home visit of a DV-flagged client, however far ahead
        " OR (a.start >= :today AND a.status = 'scheduled' AND (a.kind = 'home_visit' OR a.place = 'home')"
        " AND a.start >= :ahead AND a.client_id IN (SELECT id FROM client WHERE dv_in_home)))",
        recent=dt.datetime.combine(min(day.replace(day=1), monday_of(day)), dt.time()),
        today=dt.datetime.combine(day, dt.time()),
        **p,
    ):
        if cid in wanted:
            st = astatuses[status]
            begins = _dtm(start)
            appts[cid].append(
                ApptSnap(aid, begins, minutes, kinds[kind], st, bool(called), places[place],
                         bool(noted) if st is kept else None, begins.date())
            )
            if st is no_show:
                engaged.add(cid)
    for rows in appts.values():
        if len(rows) > 1:
            rows.sort(key=_by_start)

    ntypes, methods, outcomes = NoteType._value2member_map_, ContactMethod._value2member_map_, ContactOutcome._value2member_map_
    notes: dict[int, list[NoteSnap]] = defaultdict(list)
    if engaged:
        for nid, cid, contact_at, ntype, method, outcome in _rows(
            session,
            # notes from each such client's first no-show in the window on: attempts come after it
            "SELECT n.id, n.client_id, n.contact_at, n.type, n.method, n.outcome FROM note n"
            " JOIN (SELECT client_id, MIN(start) AS first FROM appointment WHERE status = 'no_show'"
            f" AND start >= :start AND start < :end{_in('client_id', ids, session)} GROUP BY client_id) ns ON ns.client_id = n.client_id"
            f" WHERE n.contact_at >= ns.first AND n.contact_at < :end AND n.amends_id IS NULL{_in('n.client_id', ids, session)}",
            **p,
        ):
            if cid in engaged:
                notes[cid].append(
                    NoteSnap(nid, _dtm(contact_at), ntypes[ntype], methods.get(method), outcomes.get(outcome))
                )
        for rows in notes.values():
            if len(rows) > 1:
                rows.sort(key=_by_contact)

    # Whole-history summaries, aggregated in the database.
    last_contact: dict[int, dt.datetime] = {}
    last_gc: dict[int, dt.datetime] = {}
    for cid, contact in _rows(
        session,
        # per client, newest first down the (client, contact) index: it stops at the
        # first reached note (usually the newest), instead of reading all the notes
        "SELECT c.id, (SELECT n.contact_at FROM note n WHERE n.client_id = c.id AND n.contact_at < :end"
        f" AND {reached_sql()} ORDER BY n.contact_at DESC LIMIT 1)"
        f" FROM client c WHERE (c.status IN ({active}) OR c.close_pending OR c.follow_up_permission){_in('c.id', ids, session)}",
        end=p["end"],
    ):
        if contact is not None:
            last_contact[cid] = _dtm(contact)
    for cid, good_cause in _rows(
        session,
        "SELECT client_id, MAX(contact_at) FROM note WHERE type = 'good_cause' AND contact_at < :end"
        f"{_in('client_id', ids, session)} GROUP BY client_id",
        end=p["end"],
    ):
        last_gc[cid] = _dtm(good_cause)
    last_visit: dict[int, dt.datetime] = {}
    for cid, visited in _rows(
        session,
        # a home visit that happened (home-visits rule): a home-visit note, or one by that method, reaching the client
        # of the day's month only (all the rule asks), so the contact_at index bounds the read
        "SELECT client_id, MAX(contact_at) FROM note WHERE contact_at >= :month AND contact_at < :end"
        " AND (type = 'home_visit' OR method = 'home_visit') AND outcome = 'reached' AND amends_id IS NULL"
        f"{_in('client_id', ids, session)} GROUP BY client_id",
        month=dt.datetime.combine(day.replace(day=1), dt.time()),
        end=p["end"],
    ):
        last_visit[cid] = _dtm(visited)
    for cid, kept in _rows(
        session,
        f"SELECT client_id, MAX(start) FROM appointment WHERE status = 'kept' AND start < :end{_in('client_id', ids, session)}"
        " GROUP BY client_id",
        end=p["end"],
    ):
        kept_at = _dtm(kept)
        if cid not in last_contact or kept_at > last_contact[cid]:
            last_contact[cid] = kept_at

    hours: dict[int, list[HoursSnap]] = defaultdict(list)
    # the weeks the rules look at: the month being verified (work-verification),
    # last month (close-case), last week (participation)
    cal = business_calendar(policy)
    weeks = sorted(
        set(weeks_of_month(previous_month(verification_month(day, cal))))
        | set(weeks_of_month(previous_month(day)))
        | {monday_of(day) - dt.timedelta(days=7)}
    )
    programs = tuple(policy.participation.programs)
    weeks_seen: dict[object, dt.date | None] = {}  # ~40k rows, a handful of weeks: parse each once
    program_filter = f" AND c.program IN ({', '.join(':p%d' % i for i in range(len(programs)))})" if programs else ""
    for cid, week, amount in _rows(
        session,
        "SELECT h.client_id, h.week, SUM(h.hours) FROM hours h JOIN client c ON c.id = h.client_id"
        f" WHERE h.week IN ({', '.join(':w%d' % i for i in range(len(weeks)))}){program_filter}{_in('h.client_id', ids, session)}"
        " GROUP BY h.client_id, h.week ORDER BY h.week",
        **{f"w{i}": w for i, w in enumerate(weeks)},
        **{f"p{i}": prog for i, prog in enumerate(programs)},
    ):
        if cid in wanted:
            monday = weeks_seen.get(week)
            if monday is None:
                monday = weeks_seen[week] = _d(week)
            hours[cid].append(HoursSnap(monday, None, float(amount)))
    ws_weeks: dict[int, list[dt.date]] = defaultdict(list)
    for cid, week in _rows(
        session,
        # only clients at or over the warning: nobody else can reach the rule
        "SELECT client_id, week FROM hours WHERE activity = 'work_search' AND hours > 0 AND week >= :since"
        f"{_in('client_id', ids, session)} AND client_id IN (SELECT client_id FROM hours WHERE activity = 'work_search' AND hours > 0"
        f" AND week >= :since{_in('client_id', ids, session)} GROUP BY client_id HAVING COUNT(DISTINCT week) >= :warn)"
        " GROUP BY client_id, week ORDER BY week",
        since=ws_start,
        warn=policy.participation.work_search_warn_weeks,
    ):
        ws_weeks[cid].append(_d(week))

    dates_seen: dict[object, dt.date | None] = {}

    def _day(value: object) -> dt.date | None:
        """`_d`, each distinct value parsed once (20k releases share a few hundred dates)."""
        found = dates_seen.get(value, dates_seen)
        if found is dates_seen:
            found = dates_seen[value] = _d(value)
        return found  # type: ignore[return-value]

    releases: dict[int, list[ReleaseSnap]] = defaultdict(list)
    for cid, party, signed, expires in _rows(
        session, f'SELECT client_id, party, signed_on, expires_on FROM "release" WHERE 1 = 1{_in("client_id", ids, session)}'
    ):
        releases[cid].append(ReleaseSnap(party, _day(signed), _day(expires)))

    referrals: dict[int, list[ReferralSnap]] = defaultdict(list)
    for rid, cid, agency, service, referred in _rows(
        session,
        "SELECT id, client_id, agency, service, referred_on FROM referral"
        f" WHERE (outcome IS NULL OR outcome = ''){_in('client_id', ids, session)} ORDER BY referred_on",
    ):
        referrals[cid].append(ReferralSnap(rid, agency, service or "", _d(referred), None))

    akinds = AssessmentKind._value2member_map_
    assessments: dict[int, list[AssessmentSnap]] = defaultdict(list)
    for cid, kind, date in _rows(
        session,
        # vi-spdat reads the assessments of a shelter stay only
        "SELECT a.client_id, a.kind, a.date FROM assessment a JOIN client c ON c.id = a.client_id"
        " WHERE c.shelter_entry_date IS NOT NULL AND a.date >= c.shelter_entry_date"
        f" AND a.kind IN ('vi_spdat', 'spdat'){_in('a.client_id', ids, session)} ORDER BY a.date",
    ):
        assessments[cid].append(AssessmentSnap(akinds[kind], _day(date)))

    plans: dict[int, dt.date | None] = {}
    for cid, last in _rows(
        session,
        f"SELECT client_id, MAX(COALESCE(reviewed_on, signed_on)) FROM caseplan WHERE 1 = 1{_in('client_id', ids, session)}"
        " GROUP BY client_id",
    ):
        plans[cid] = _d(last)

    task_rows = _rows(
        session,
        "SELECT task.id, task.title, task.due, task.priority, client.case_number FROM task"
        f" LEFT JOIN client ON task.client_id = client.id WHERE NOT task.done{_in('task.client_id', ids, session)}"
        " ORDER BY task.due, task.id",
    )

    drafts = _drafts(session, ids)

    hmis_enrollments, hmis_people = _hmis_snaps(session, ids)

    statuses = ClientStatus._value2member_map_

    def client_snap(row: Any) -> ClientSnap:
        cid = row[0]
        return (
            ClientSnap(
                id=cid,
                case_number=row[1],
                name=row[3] or row[2],
                program=row[4],
                status=statuses[row[5]],
                close_pending=bool(row[6]),
                exempt_hours=row[7],
                penalty_start=_d(row[8]),
                needs_childcare=bool(row[9]),
                remote=bool(row[10]),
                dv_in_home=bool(row[11]),
                follow_up_days=row[12],
                follow_up_permission=bool(row[13]),
                plan_review_date=_d(row[14]),
                referral_date=_d(row[15]),
                initial_contact_date=_d(row[16]),
                first_interview_date=_d(row[17]),
                shelter_entry_date=_d(row[18]),
                exit_date=_d(row[19]),
                appointments=tuple(appts.get(cid, ())),
                notes=tuple(notes.get(cid, ())),
                hours=tuple(hours.get(cid, ())),
                work_search_weeks=tuple(ws_weeks.get(cid, ())),
                releases=tuple(releases.get(cid, ())),
                open_referrals=tuple(referrals.get(cid, ())),
                assessments=tuple(assessments.get(cid, ())),
                has_plan=cid in plans,
                plan_reviewed_on=plans.get(cid),
                last_contact_at=last_contact.get(cid),
                last_good_cause_at=last_gc.get(cid),
                last_home_visit_at=last_visit.get(cid),
                hmis_enrollments=tuple(hmis_enrollments.get(cid, ())),
                hmis_person=hmis_people.get(cid),
            )
        )

    clients = [client_snap(row) for row in client_rows]
    # only their HMIS records matter (the other lists were loaded for the clients worked on)
    hmis_only = tuple(client_snap(row) for row in hmis_rows)
    tasks = tuple(TaskSnap(tid, title, _d(due), int(prio), case) for tid, title, due, prio, case in task_rows)
    return Snapshot(day=day, clients=tuple(clients), tasks=tasks, drafts=drafts, window_start=window_start,
                    hmis_only=hmis_only)


def _drafts(session: Session, ids: tuple[int, ...] | None) -> tuple[DraftSnap, ...]:
    """Unsaved note drafts of these clients (None: all the session reads), oldest first."""
    return tuple(
        DraftSnap(did, case, preferred or legal, _dtm(updated), _draft_type(fields), appt_id, amends_id)
        for did, case, preferred, legal, updated, fields, appt_id, amends_id in _rows(
            session,
            "SELECT d.id, c.case_number, c.preferred_name, c.legal_name, d.updated_at, d.fields_json,"
            " d.appointment_id, d.amends_id FROM notedraft d JOIN client c ON c.id = d.client_id"
            f" WHERE 1 = 1{_in('d.client_id', ids, session)} ORDER BY d.updated_at, d.id",
        )
    )


def _draft_type(fields_json: str | None) -> str:
    import json

    try:
        fields = json.loads(fields_json or "{}")
    except ValueError:
        return ""
    value = fields.get("type") if isinstance(fields, dict) else None
    return value if isinstance(value, str) else ""


# --------------------------------------------------------------------------
# The due list with the user's decisions applied
# --------------------------------------------------------------------------


def _latest_states(session: Session) -> dict[str, tuple[DueAction, dt.date | None]]:
    """The newest decision per item key (later rows override earlier ones), as (action, until),
    read with the plain driver (no ORM object per decision)."""
    actions = DueAction._value2member_map_
    return {key: (actions.get(action, action), _d(until))  # type: ignore[misc]
            for key, action, until in _rows(session, "SELECT item_key, action, until FROM due_state ORDER BY id")}


def _hidden(state: tuple[DueAction, dt.date | None] | None, day: dt.date) -> bool:
    if state is None:
        return False
    action, until = state
    if action == DueAction.SNOOZED:
        return until is not None and day < until
    return action in (DueAction.DONE, DueAction.DISMISSED)


def apply_states(items: Iterable[DueItem], states: dict[str, tuple[DueAction, dt.date | None]], day: dt.date) -> list[DueItem]:
    """Drop items done or dismissed for their occurrence, or snoozed past `day`."""
    return [i for i in items if not _hidden(states.get(i.key), day)]


#: Rules whose item is about an appointment still to come: once the appointment
#: has begun it goes (a reminder call at 15:40 for a 15:00 interview reminds
#: nobody, 23.7). Rules have no clock time; `not_begun` drops them here, for the
#: due list of the app and `caseterm agenda` alike.
BEFORE_THE_APPOINTMENT = frozenset({"reminder-call"})


def seen_at(day: dt.date) -> dt.datetime:
    """The moment a due list of `day` is seen from: now (`clock.now()`) for today;
    the start of any other day (an agenda looked at ahead, or back)."""
    now = clock.now()
    return now if now.date() == day else dt.datetime.combine(day, dt.time.min)


def not_begun(items: Iterable[DueItem], now: dt.datetime) -> list[DueItem]:
    """`items` without those whose appointment began by `now` (`BEFORE_THE_APPOINTMENT`)."""
    return [i for i in items if not (i.rule in BEFORE_THE_APPOINTMENT and i.at is not None and i.at <= now)]


def due_items(
    session: Session, day: dt.date, policy: Policy | None = None, client_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
) -> list[DueItem]:
    """What is due on `day`, sorted (routine group, overdue first, priority, date).

    `client_ids`: only these clients' items (their records, tasks and drafts;
    no caseload-wide item), from a snapshot of these clients alone. `now`:
    items of appointments begun by then are left out (`seen_at`)."""
    policy = policy or load_policy()
    now = now or seen_at(day)
    with _no_gc():
        snap = _load_snapshot(session, day, policy, client_ids)
        items = compute_due(snap, policy, day, only=None if client_ids is None else client_rule_ids())
        # Free the snapshot before the collector is back on, so it does not
        # have to walk ~100k objects that are about to die anyway.
        del snap
        return not_begun(apply_states(items, _latest_states(session), day), now)


def _check_key(item_key: str) -> str:
    key = (item_key or "").strip()
    parts = key.split("|")
    if len(parts) < 3 or parts[0] not in load_rules():
        raise BadInput(f"due item: {item_key!r} is not a due-item key (rule|case|occurrence)")
    return key


def _record(session: Session, key: str, action: DueAction, until: dt.date | None = None, reason: str | None = None) -> DueState:
    state = DueState(item_key=key, action=action, until=until, reason=reason, created_at=clock.now())
    session.add(state)
    session.flush()
    return state


def snooze(session: Session, item_key: str, until: dt.date) -> DueState:
    """Hide one occurrence until `until` (it comes back on that date)."""
    key = _check_key(item_key)
    if not isinstance(until, dt.date):
        raise BadInput(f"snooze: {until!r} is not a date")
    if until <= clock.today():
        raise BadInput(f"snooze: {until.isoformat()} is not after today; choose a later date")
    return _record(session, key, DueAction.SNOOZED, until=until)


def dismiss(session: Session, item_key: str, reason: str) -> DueState:
    """Hide one occurrence for good, with the reason (required: it is part of the record)."""
    key = _check_key(item_key)
    if not reason or not reason.strip():
        raise BadInput("dismiss: a reason is required")
    return _record(session, key, DueAction.DISMISSED, reason=reason.strip())


def mark_done(session: Session, item_key: str) -> DueState:
    """Mark one occurrence done; a manual task is marked done in its own row too."""
    key = _check_key(item_key)
    rule_id, _case, occurrence = key.split("|", 2)
    if rule_id == "manual" and occurrence.startswith("task"):
        try:
            task = session.get(ManualTask, int(occurrence[4:]))
        except ValueError:
            task = None
        if task is not None:
            task.done = True
            session.add(task)
    return _record(session, key, DueAction.DONE)


def add_task(session: Session, title: str, due: dt.date, priority: int = 2, case_number: str | None = None) -> ManualTask:
    """A task the user adds to the due list (004 time management)."""
    errors = []
    if not title or not title.strip():
        errors.append("task: a title is required")
    if not isinstance(due, dt.date):
        errors.append(f"task: {due!r} is not a date")
    if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 3:
        errors.append(f"task: priority must be 1, 2 or 3 (got {priority!r})")
    client_id = None
    if case_number:
        client_id = session.execute(sa.select(Client.id).where(Client.case_number == case_number.strip())).scalar()
        if client_id is None:
            errors.append(f"task: no client with case number {case_number!r}")
    if errors:
        raise BadInput(*errors)
    task = ManualTask(client_id=client_id, title=title.strip(), due=due, priority=priority, done=False)
    session.add(task)
    session.flush()
    return task


__all__ = [
    "RULES",
    "add_task",
    "apply_states",
    "dismiss",
    "due_items",
    "load_snapshot",
    "mark_done",
    "reached_sql",
    "snooze",
]
