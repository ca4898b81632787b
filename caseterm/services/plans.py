"""Case plans (004): long-term goals, measurable (SMARTS) objectives, tasks
with who is responsible, target dates and status; reviewed and signed dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, func, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import CasePlan, Client, Goal, Objective, PlanTask
from caseterm.vocabulary import Responsible, TaskStatus
from caseterm.services.records import Errors, parse_date, parse_enum, parse_text


@dataclass
class ObjectiveView:
    objective: Objective
    tasks: list[PlanTask] = field(default_factory=list)


@dataclass
class GoalView:
    goal: Goal
    objectives: list[ObjectiveView] = field(default_factory=list)


@dataclass
class PlanView:
    plan: CasePlan
    goals: list[GoalView] = field(default_factory=list)


def current_plan(session: Session, client: Client) -> CasePlan | None:
    """The client's plan (the latest if there were several)."""
    return session.exec(select(CasePlan).where(CasePlan.client_id == client.id).order_by(col(CasePlan.id).desc())).first()


def ensure_plan(session: Session, client: Client) -> CasePlan:
    plan = current_plan(session, client)
    if plan is None:
        assert client.id is not None
        plan = CasePlan(client_id=client.id)
        session.add(plan)
        session.flush()
    return plan


def plan_view(session: Session, client: Client) -> PlanView | None:
    """The whole plan in three queries (goals, objectives, tasks), in position order."""
    plan = current_plan(session, client)
    if plan is None:
        return None
    goals = session.exec(select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.position, Goal.id)).all()
    goal_ids = [g.id for g in goals]
    objectives = session.exec(
        select(Objective).where(col(Objective.goal_id).in_(goal_ids)).order_by(Objective.position, Objective.id)
    ).all() if goal_ids else []
    obj_ids = [o.id for o in objectives]
    tasks = session.exec(
        select(PlanTask).where(col(PlanTask.objective_id).in_(obj_ids)).order_by(PlanTask.position, PlanTask.id)
    ).all() if obj_ids else []
    view = PlanView(plan=plan, goals=[GoalView(goal=g) for g in goals])
    goal_map = {gv.goal.id: gv for gv in view.goals}
    obj_map: dict[int | None, ObjectiveView] = {}
    for obj in objectives:
        ov = ObjectiveView(objective=obj)
        obj_map[obj.id] = ov
        goal_map[obj.goal_id].objectives.append(ov)
    for task in tasks:
        obj_map[task.objective_id].tasks.append(task)
    return view


def _next_position(session: Session, column: Any, parent_col: Any, parent_id: int) -> int:
    top = session.exec(select(func.max(column)).where(parent_col == parent_id)).one()
    return (top or 0) + 1


def save_plan(session: Session, client: Client, values: dict[str, Any]) -> CasePlan:
    """Edit the plan's dates and services/supports. Keys: reviewed_on, signed_on, services, supports."""
    errors = Errors()
    reviewed = parse_date(errors, "last reviewed", values.get("reviewed_on"))
    signed = parse_date(errors, "client signed", values.get("signed_on"))
    services = parse_text(errors, "services and providers", values.get("services"), max_len=2000)
    supports = parse_text(errors, "supports", values.get("supports"), max_len=2000)
    for name, day in (("last reviewed", reviewed), ("client signed", signed)):
        if day and day > clock.today():
            errors.add(name, "cannot be in the future")
    errors.raise_if_any()
    plan = ensure_plan(session, client)
    plan.reviewed_on, plan.signed_on, plan.services, plan.supports = reviewed, signed, services, supports
    session.add(plan)
    session.flush()
    return plan


def mark_reviewed(session: Session, client: Client, day: dt.date | None = None) -> CasePlan:
    """The plan was reviewed with the client today (resets the 30-day review rule)."""
    plan = ensure_plan(session, client)
    plan.reviewed_on = day or clock.today()
    session.add(plan)
    session.flush()
    return plan


def next_review_suggestion(reviewed_on: dt.date, policy: Any = None) -> dt.date:
    """The next plan review date to offer after a review on `reviewed_on`: the
    policy's interval (`case_plan.review_days`, 004 "at least every 30 days")
    later, moved off a weekend or holiday like every deadline."""
    from caseterm.policy import load_policy
    from caseterm.rules.common import counted_due

    policy = policy or load_policy()
    return counted_due(policy, reviewed_on + dt.timedelta(days=policy.case_plan.review_days))


def parse_next_review(text: str, today: dt.date) -> dt.date:
    """The next review date typed in the dialog: YYYY-MM-DD or +N days; after today."""
    text = text.strip()
    if text.startswith("+") and text[1:].isdigit():
        day = today + dt.timedelta(days=int(text[1:]))
    else:
        day = clock.parse_date(text, "next plan review")
    if day <= today:
        raise BadInput(f"next plan review {day.isoformat()}: pick a date after today ({today.isoformat()})")
    return day


def set_next_review(session: Session, client: Client, day: dt.date) -> Client:
    """Record the client's next plan review (FSSP/FPR) date: the header and the
    plan-date item move to it (001 "keep notes on when the FSSP and FPR are due")."""
    client.plan_review_date = day
    session.add(client)
    session.flush()
    return client


@dataclass(frozen=True)
class ReviewHeld:
    """A plan review just held (a kept FSSP or case-plan review): whose, and the next date to offer."""

    case_number: str
    name: str
    held_on: dt.date
    suggested: dt.date
    current: dt.date | None


def review_held(session: Session, appointment_id: int | None, noted: bool = False) -> ReviewHeld | None:
    """The review an appointment was, if it is a kept FSSP or case-plan review (`noted`:
    or one that has begun and whose note was just saved), and no later review date is
    recorded yet (else None): what the "next plan review" dialog asks about."""
    from caseterm.models import Appointment
    from caseterm.vocabulary import AppointmentKind, AppointmentStatus

    if appointment_id is None:
        return None
    appt = session.get(Appointment, appointment_id)
    if appt is None or appt.kind not in (AppointmentKind.FSSP, AppointmentKind.CASE_PLAN_REVIEW):
        return None
    # kept, or its note written (a note for an appointment that has begun says it was held)
    if appt.status != AppointmentStatus.KEPT and not (
        appt.status == AppointmentStatus.SCHEDULED and appt.start <= clock.now() and noted
    ):
        return None
    client = session.get(Client, appt.client_id)
    assert client is not None
    held = appt.start.date()
    if client.plan_review_date is not None and client.plan_review_date > held:
        return None  # the next date is already recorded: nothing to ask (not twice: kept, then its note)
    return ReviewHeld(client.case_number, client.display_name, held, next_review_suggestion(held),
                      client.plan_review_date)


def save_goal(session: Session, client: Client, values: dict[str, Any], record_id: int | None = None) -> Goal:
    """Keys: text."""
    errors = Errors()
    text = parse_text(errors, "goal", values.get("text"), required=True, max_len=1000)
    errors.raise_if_any()
    assert text is not None
    plan = ensure_plan(session, client)
    if record_id:
        goal = session.get(Goal, record_id)
        if goal is None or goal.plan_id != plan.id:
            raise BadInput(f"goal {record_id}: not in this client's plan")
        goal.text = text
    else:
        assert plan.id is not None
        goal = Goal(plan_id=plan.id, text=text, position=_next_position(session, Goal.position, Goal.plan_id, plan.id))
    session.add(goal)
    session.flush()
    return goal


def get_plan_item(session: Session, client: Client, kind: str, record_id: int) -> Goal | Objective | PlanTask:
    """A goal, objective or task of this client's plan (BadInput if it is not theirs)."""
    if kind == "goal":
        return _goal_of_client(session, client, record_id)
    if kind == "objective":
        objective = session.get(Objective, record_id)
        if objective is None:
            raise BadInput(f"objective {record_id}: not found")
        _goal_of_client(session, client, objective.goal_id)
        return objective
    task = session.get(PlanTask, record_id)
    objective = session.get(Objective, task.objective_id) if task else None
    if task is None or objective is None:
        raise BadInput(f"task {record_id}: not found")
    _goal_of_client(session, client, objective.goal_id)
    return task


def _goal_of_client(session: Session, client: Client, goal_id: int) -> Goal:
    plan = current_plan(session, client)
    goal = session.get(Goal, goal_id)
    if goal is None or plan is None or goal.plan_id != plan.id:
        raise BadInput(f"goal {goal_id}: not in this client's plan")
    return goal


def save_objective(session: Session, client: Client, values: dict[str, Any], record_id: int | None = None) -> Objective:
    """Keys: goal_id (for a new one), text — a SMARTS objective: specific, measurable,
    achievable, realistic, time-limited, stated in the client's words."""
    errors = Errors()
    text = parse_text(errors, "objective", values.get("text"), required=True, max_len=1000)
    errors.raise_if_any()
    assert text is not None
    if record_id:
        objective = session.get(Objective, record_id)
        if objective is None:
            raise BadInput(f"objective {record_id}: not found")
        _goal_of_client(session, client, objective.goal_id)
        objective.text = text
    else:
        goal_id = values.get("goal_id")
        if not goal_id:
            raise BadInput("goal: add a goal first, then its objectives")
        goal = _goal_of_client(session, client, int(goal_id))
        assert goal.id is not None
        objective = Objective(goal_id=goal.id, text=text, position=_next_position(session, Objective.position, Objective.goal_id, goal.id))
    session.add(objective)
    session.flush()
    return objective


def save_task(session: Session, client: Client, values: dict[str, Any], record_id: int | None = None) -> PlanTask:
    """Keys: objective_id (for a new one), title, responsible, target_date, status."""
    errors = Errors()
    title = parse_text(errors, "task", values.get("title"), required=True, max_len=500)
    responsible = parse_enum(errors, "responsible", values.get("responsible"), Responsible, required=True)
    target = parse_date(errors, "target date", values.get("target_date"))
    status = parse_enum(errors, "status", values.get("status") or TaskStatus.OPEN.value, TaskStatus)
    errors.raise_if_any()
    assert title is not None and responsible is not None
    if record_id:
        task = session.get(PlanTask, record_id)
        if task is None:
            raise BadInput(f"task {record_id}: not found")
        objective = session.get(Objective, task.objective_id)
    else:
        objective_id = values.get("objective_id")
        if not objective_id:
            raise BadInput("objective: add an objective first, then its tasks")
        objective = session.get(Objective, int(objective_id))
        task = None
    if objective is None:
        raise BadInput("objective: not found")
    _goal_of_client(session, client, objective.goal_id)
    if task is None:
        assert objective.id is not None
        task = PlanTask(
            objective_id=objective.id, title=title,
            position=_next_position(session, PlanTask.position, PlanTask.objective_id, objective.id),
        )
    task.title, task.responsible, task.target_date = title, responsible, target
    task.status = status or TaskStatus.OPEN
    session.add(task)
    session.flush()
    return task
