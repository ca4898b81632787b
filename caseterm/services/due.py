"""What is due: the caseload snapshot from the database, the rules run over it,
and what the user did with each item (done, snoozed to a date, dismissed).

The due list is computed on every call (never a stored to-do list that
drifts); only the user's decisions about single occurrences are stored, in
`DueState`, under the item's `key`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import (
    Activity,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Assessment,
    AssessmentKind,
    CasePlan,
    Client,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    DueAction,
    DueState,
    HoursEntry,
    ManualTask,
    Note,
    NoteType,
    Place,
    Referral,
    Release,
)
from caseterm.policy import Policy, load_policy
from caseterm.rules.calendar import add_months
from caseterm.rules.engine import RULES, DueItem, compute_due, load_rules
from caseterm.rules.snapshot import (
    ACTIVE_STATUSES,
    NOT_CONTACT_TYPES,
    ApptSnap,
    AssessmentSnap,
    ClientSnap,
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
    lookback = max(policy.notes.lookback_days, 1)
    return day - dt.timedelta(days=lookback), add_months(day, -(policy.participation.work_search_window_months + 2))


def load_snapshot(session: Session, day: dt.date, policy: Policy | None = None) -> Snapshot:
    """The caseload as the rules see it on `day`, from a handful of bulk queries.

    Clients worked on (active statuses, a pending close, or follow-up permission
    after exit); their appointments and notes in the window; hours for the
    work-search window; releases, open referrals, assessments; summaries of
    the whole history (last reached contact, last good-cause note, last plan review).
    """
    policy = policy or load_policy()
    window_start, hours_start = _windows(day, policy)
    start_dt = dt.datetime.combine(window_start, dt.time())
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    ahead = dt.datetime.combine(day + dt.timedelta(days=AHEAD_DAYS), dt.time())

    c = Client.__table__.c
    client_rows = session.execute(
        sa.select(
            c.id, c.case_number, c.legal_name, c.preferred_name, c.program, c.status, c.close_pending,
            c.exempt_hours, c.penalty_start, c.needs_childcare, c.remote, c.dv_in_home, c.follow_up_days,
            c.follow_up_permission, c.plan_review_date, c.referral_date, c.initial_contact_date,
            c.first_interview_date, c.shelter_entry_date, c.exit_date,
        ).where(
            sa.or_(
                c.status.in_([s.value for s in ACTIVE_STATUSES]),
                c.close_pending.is_(True),
                c.follow_up_permission.is_(True),
            )
        )
    ).all()
    wanted = {row.id for row in client_rows}

    appts: dict[int, list[ApptSnap]] = defaultdict(list)
    a = Appointment.__table__.c
    for row in session.execute(
        sa.select(a.id, a.client_id, a.start, a.minutes, a.kind, a.status, a.reminder_called, a.place)
        .where(a.start >= start_dt, a.start < ahead)
        .order_by(a.start)
    ):
        if row.client_id in wanted:
            appts[row.client_id].append(
                ApptSnap(row.id, row.start, row.minutes, _e(AppointmentKind, row.kind), _e(AppointmentStatus, row.status), bool(row.reminder_called), _e(Place, row.place))
            )

    notes: dict[int, list[NoteSnap]] = defaultdict(list)
    n = Note.__table__.c
    for row in session.execute(
        sa.select(n.id, n.client_id, n.contact_at, n.type, n.method, n.outcome)
        .where(n.contact_at >= start_dt, n.contact_at < end_of_day, n.amends_id.is_(None))
        .order_by(n.contact_at)
    ):
        if row.client_id in wanted:
            notes[row.client_id].append(
                NoteSnap(row.id, row.contact_at, _e(NoteType, row.type), _e(ContactMethod, row.method), _e(ContactOutcome, row.outcome))
            )

    # Whole-history summaries, aggregated in the database.
    reached = sa.or_(
        n.outcome == ContactOutcome.REACHED.value,
        sa.and_(
            n.outcome.is_(None),
            n.type.not_in([t.value for t in NOT_CONTACT_TYPES]),
            sa.or_(n.method.is_(None), n.method != ContactMethod.LETTER.value),
        ),
    )
    last_contact: dict[int, dt.datetime] = {}
    last_gc: dict[int, dt.datetime] = {}
    for row in session.execute(
        sa.select(
            n.client_id,
            sa.func.max(sa.case((reached, n.contact_at), else_=None)).label("contact"),
            sa.func.max(sa.case((n.type == NoteType.GOOD_CAUSE.value, n.contact_at), else_=None)).label("gc"),
        )
        .where(n.contact_at < end_of_day)
        .group_by(n.client_id)
    ):
        if row.contact is not None:
            last_contact[row.client_id] = _as_datetime(row.contact)
        if row.gc is not None:
            last_gc[row.client_id] = _as_datetime(row.gc)
    for row in session.execute(
        sa.select(a.client_id, sa.func.max(a.start).label("kept"))
        .where(a.status == AppointmentStatus.KEPT.value, a.start < end_of_day)
        .group_by(a.client_id)
    ):
        kept = _as_datetime(row.kept)
        if row.client_id not in last_contact or kept > last_contact[row.client_id]:
            last_contact[row.client_id] = kept

    hours: dict[int, list[HoursSnap]] = defaultdict(list)
    h = HoursEntry.__table__.c
    for row in session.execute(
        sa.select(h.client_id, h.week, h.activity, h.hours).where(h.week >= hours_start).order_by(h.week)
    ):
        if row.client_id in wanted:
            hours[row.client_id].append(HoursSnap(row.week, _e(Activity, row.activity), float(row.hours)))

    releases: dict[int, list[ReleaseSnap]] = defaultdict(list)
    r = Release.__table__.c
    for row in session.execute(sa.select(r.client_id, r.party, r.signed_on, r.expires_on)):
        releases[row.client_id].append(ReleaseSnap(row.party, row.signed_on, row.expires_on))

    referrals: dict[int, list[ReferralSnap]] = defaultdict(list)
    f = Referral.__table__.c
    for row in session.execute(
        sa.select(f.id, f.client_id, f.agency, f.service, f.referred_on, f.outcome)
        .where(sa.or_(f.outcome.is_(None), f.outcome == ""))
        .order_by(f.referred_on)
    ):
        referrals[row.client_id].append(ReferralSnap(row.id, row.agency, row.service or "", row.referred_on, None))

    assessments: dict[int, list[AssessmentSnap]] = defaultdict(list)
    s = Assessment.__table__.c
    for row in session.execute(sa.select(s.client_id, s.kind, s.date).order_by(s.date)):
        assessments[row.client_id].append(AssessmentSnap(_e(AssessmentKind, row.kind), row.date))

    plans: dict[int, tuple[bool, dt.date | None]] = {}
    p = CasePlan.__table__.c
    for row in session.execute(
        sa.select(p.client_id, sa.func.max(sa.func.coalesce(p.reviewed_on, p.signed_on)).label("last"))
        .group_by(p.client_id)
    ):
        plans[row.client_id] = (True, _as_date(row.last))

    t = ManualTask.__table__.c
    task_rows = session.execute(
        sa.select(t.id, t.title, t.due, t.priority, t.done, c.case_number)
        .select_from(ManualTask.__table__.outerjoin(Client.__table__, t.client_id == c.id))
        .where(t.done.is_(False))
        .order_by(t.due, t.id)
    ).all()

    clients = []
    for row in client_rows:
        has_plan, reviewed = plans.get(row.id, (False, None))
        clients.append(
            ClientSnap(
                id=row.id,
                case_number=row.case_number,
                name=row.preferred_name or row.legal_name,
                program=row.program,
                status=_e(ClientStatus, row.status),
                close_pending=bool(row.close_pending),
                exempt_hours=row.exempt_hours,
                penalty_start=row.penalty_start,
                needs_childcare=bool(row.needs_childcare),
                remote=bool(row.remote),
                dv_in_home=bool(row.dv_in_home),
                follow_up_days=row.follow_up_days,
                follow_up_permission=bool(row.follow_up_permission),
                plan_review_date=row.plan_review_date,
                referral_date=row.referral_date,
                initial_contact_date=row.initial_contact_date,
                first_interview_date=row.first_interview_date,
                shelter_entry_date=row.shelter_entry_date,
                exit_date=row.exit_date,
                appointments=tuple(appts.get(row.id, ())),
                notes=tuple(notes.get(row.id, ())),
                hours=tuple(hours.get(row.id, ())),
                releases=tuple(releases.get(row.id, ())),
                open_referrals=tuple(referrals.get(row.id, ())),
                assessments=tuple(assessments.get(row.id, ())),
                has_plan=has_plan,
                plan_reviewed_on=reviewed,
                last_contact_at=last_contact.get(row.id),
                last_good_cause_at=last_gc.get(row.id),
            )
        )
    tasks = tuple(
        TaskSnap(row.id, row.title, row.due, int(row.priority), row.case_number, bool(row.done)) for row in task_rows
    )
    return Snapshot(day=day, clients=tuple(clients), tasks=tasks, window_start=window_start)


def _as_datetime(value: object) -> dt.datetime:
    """Aggregates over DATETIME columns come back as text from SQLite."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value  # type: ignore[return-value]
    return dt.date.fromisoformat(str(value)[:10])


# --------------------------------------------------------------------------
# The due list with the user's decisions applied
# --------------------------------------------------------------------------


def _latest_states(session: Session) -> dict[str, DueState]:
    """The newest decision per item key (later rows override earlier ones)."""
    latest: dict[str, DueState] = {}
    for state in session.execute(sa.select(DueState).order_by(DueState.id)).scalars():
        latest[state.item_key] = state
    return latest


def _hidden(state: DueState | None, day: dt.date) -> bool:
    if state is None:
        return False
    if state.action == DueAction.SNOOZED:
        return state.until is not None and day < state.until
    return state.action in (DueAction.DONE, DueAction.DISMISSED)


def apply_states(items: Iterable[DueItem], states: dict[str, DueState], day: dt.date) -> list[DueItem]:
    """Drop items done or dismissed for their occurrence, or snoozed past `day`."""
    return [i for i in items if not _hidden(states.get(i.key), day)]


def due_items(session: Session, day: dt.date, policy: Policy | None = None) -> list[DueItem]:
    """What is due on `day`, sorted (routine group, overdue first, priority, date)."""
    policy = policy or load_policy()
    snap = load_snapshot(session, day, policy)
    items = compute_due(snap, policy, day)
    return apply_states(items, _latest_states(session), day)


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
    "snooze",
]
