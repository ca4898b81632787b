"""Intake and the case file (001, 004): initializing, first interview,
assessments, case plan, releases, plan review dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from caseterm.vocabulary import AppointmentKind, AppointmentStatus, AssessmentKind, ClientStatus
from caseterm.rules.common import business_deadline, counted_due, deadline_priority, fmt_day, group_for, item
from caseterm.rules.engine import DueItem, Priority, RoutineGroup, rule
from caseterm.rules.snapshot import ClientSnap, Snapshot
from caseterm.text import plural


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def interview_deadline(client: ClientSnap, policy: Any) -> dt.date | None:
    """First interview: 10 days from initial contact, 15 from referral, whichever is first (004).
    The calendar date; `initial_interview` moves it off a non-business day."""
    e = policy.enrollment
    candidates = []
    if client.initial_contact_date is not None:
        candidates.append(client.initial_contact_date + days(e.first_interview_days_from_contact))
    if client.referral_date is not None:
        candidates.append(client.referral_date + days(e.first_interview_days_from_referral))
    return min(candidates) if candidates else None


def intake_date(client: ClientSnap, policy: Any, day: dt.date) -> dt.date:
    """When intake paperwork (first plan, first release) is due: the first interview
    (its deadline moved off a weekend or holiday like every deadline)."""
    return counted_due(policy, client.first_interview_date or interview_deadline(client, policy) or day)


@rule("not-initialized")
def not_initialized(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """A case whose status is "not initialized": initialize it and enter activities (001).
    Cleared when the status changes."""
    for client in snap.clients:
        if client.status != ClientStatus.NOT_INITIALIZED or not client.is_active(day):
            continue
        due = min(client.initial_contact_date or day, client.referral_date or day, day)
        yield item(
            "not-initialized",
            client,
            policy=policy,
            title=f"Initialize {client.name}'s case and enter activities",
            why="Use the caseload report to initialize cases that show \"not initialized\" and enter activities (001).",
            source="001",
            due=due,
            day=day,
            priority=Priority.URGENT_IMPORTANT,
            group=RoutineGroup.DEADLINES,  # a deadline to meet, not a note to finish (issue 23.7)
            occurrence="init",
            target={"screen": "client", "tab": "profile"},
        )


@rule("initial-interview")
def initial_interview(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """First interview within 10 days of initial contact and 15 of referral (004).
    Cleared by a first-interview date, or an initial interview booked by the deadline."""
    for client in snap.clients:
        if client.first_interview_date is not None or not client.is_active(day):
            continue
        nominal = interview_deadline(client, policy)
        if nominal is None:
            continue
        due, moved = business_deadline(policy, nominal)
        held_or_booked = any(
            a.kind == AppointmentKind.INITIAL_INTERVIEW
            and (
                a.status == AppointmentStatus.KEPT
                or (a.status == AppointmentStatus.SCHEDULED and day <= a.day <= due)
            )
            for a in client.appointments
        )
        if held_or_booked:
            continue
        yield item(
            "initial-interview",
            client,
            policy=policy,
            title=f"Hold {client.name}'s first interview by {fmt_day(due)}" + (f" {moved}" if moved else ""),
            why=(
                f"Conduct the first interview within {plural(policy.enrollment.first_interview_days_from_contact, 'day')} of "
                f"initial contact (within {plural(policy.enrollment.first_interview_days_from_referral, 'day')} of referral) (004)."
            ),
            source="004",
            due=due,
            day=day,
            priority=deadline_priority(day, due),
            group=RoutineGroup.DEADLINES,
            occurrence="first-interview",
            target={"screen": "schedule", "kind": AppointmentKind.INITIAL_INTERVIEW.value},
        )


@rule("vi-spdat")
def vi_spdat(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """VI-SPDAT within 7 days of shelter entry; begin the full SPDAT within 7 days
    of the VI-SPDAT (004). Cleared by the assessment being recorded."""
    e = policy.enrollment
    for client in snap.clients:
        entry = client.shelter_entry_date
        if entry is None or entry > day or not client.is_active(day):
            continue
        vis = sorted(a.date for a in client.assessments if a.kind == AssessmentKind.VI_SPDAT and a.date >= entry)
        if not vis:
            due, moved = business_deadline(policy, entry + days(e.vi_spdat_days))
            title = f"VI-SPDAT for {client.name}: entered shelter {fmt_day(entry)}, due {fmt_day(due)}" + (f" {moved}" if moved else "")
            occurrence = f"vi-{entry.isoformat()}"
        else:
            vi = vis[0]
            if any(a.kind == AssessmentKind.SPDAT and a.date >= vi for a in client.assessments):
                continue
            due, moved = business_deadline(policy, vi + days(e.spdat_days))
            title = f"Begin the full SPDAT for {client.name}: VI-SPDAT {fmt_day(vi)}, due {fmt_day(due)}" + (f" {moved}" if moved else "")
            occurrence = f"spdat-{vi.isoformat()}"
        yield item(
            "vi-spdat",
            client,
            policy=policy,
            title=title,
            why=(
                f"Front Door VI-SPDAT within {plural(e.vi_spdat_days, 'day')} of entering a shelter; begin the full "
                f"SPDAT within {plural(e.spdat_days, 'day')} of completing the VI-SPDAT (004)."
            ),
            source="004",
            due=due,
            day=day,
            priority=deadline_priority(day, due),
            group=group_for(client, day, RoutineGroup.DEADLINES),
            occurrence=occurrence,
            target={"screen": "client", "tab": "assessments"},
        )


@rule("case-plan-review")
def case_plan_review(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Case plan updated at least every 30 days; a new client needs a first plan (004).
    Cleared by a plan reviewed (or signed) within the interval."""
    for client in snap.clients:
        if client.status not in (ClientStatus.OPEN, ClientStatus.PENDED) or not client.is_active(day):
            continue
        if not policy.applies_to(client.program, policy.case_plan.programs):
            continue
        if not client.has_plan:
            due = intake_date(client, policy, day)
            if day < due:
                continue
            title = f"Write {client.name}'s first case plan (SMARTS goals, signed)"
            occurrence = "first-plan"
        else:
            last = client.plan_reviewed_on
            due, moved = business_deadline(policy, last + days(policy.case_plan.review_days)) if last else (day, "")
            if day < due:
                continue
            since = f"last reviewed {fmt_day(last)}" if last else "never reviewed or signed"
            title = f"Review and update {client.name}'s case plan ({since})" + (
                f"; due {fmt_day(due)} {moved}" if moved else ""
            )
            occurrence = f"review-{last.isoformat() if last else 'none'}"
        yield item(
            "case-plan-review",
            client,
            policy=policy,
            title=title,
            why=(
                f"At a minimum case plans should be updated every {plural(policy.case_plan.review_days, 'day')}; "
                "progress toward goals discussed at every appointment (004)."
            ),
            source="004",
            due=due,
            day=day,
            priority=deadline_priority(day, due) if day > due else Priority.IMPORTANT,
            group=group_for(client, day, RoutineGroup.DEADLINES),
            occurrence=occurrence,
            target={"screen": "client", "tab": "plan"},
        )


@rule("release")
def release(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """No signed release of information on file, or one expiring within 30 days (004).
    Cleared by a signed release (a newer one for the same party)."""
    window = days(policy.release.expiring_within_days)
    for client in snap.clients:
        if not client.is_active(day) or client.status == ClientStatus.NOT_INITIALIZED:
            continue
        signed = [r for r in client.releases if r.signed_on is not None]
        why = (
            "Clients must sign a written release of information BEFORE you share their information; "
            "a separate release for each agency or individual (004)."
        )
        if not signed:
            due = intake_date(client, policy, day)
            if day < due:
                continue
            yield item(
                "release",
                client,
                policy=policy,
                title=f"Get a signed release of information from {client.name} (none on file)",
                why=why,
                source="004",
                due=due,
                day=day,
                priority=deadline_priority(day, due),
                group=group_for(client, day, RoutineGroup.DEADLINES),
                occurrence="none",
                target={"screen": "client", "tab": "releases"},
            )
            continue
        newest: dict[str, dt.date] = {}
        names: dict[str, str] = {}
        for r in signed:
            key = r.party.strip().casefold()
            names.setdefault(key, r.party.strip())
            newest[key] = max(newest.get(key, dt.date.min), r.expires_on or dt.date.max)
        for key, expires in sorted(newest.items()):
            if expires - day > window:
                continue
            state = "expired" if expires < day else "expires"
            # renewed by the business day before an expiry on a weekend or holiday (policy)
            due, moved = business_deadline(policy, expires)
            renew = f"; renew by {fmt_day(due)}" if moved and day <= due else ""
            yield item(
                "release",
                client,
                policy=policy,
                title=f"Renew {client.name}'s release for {names[key]}: {state} {fmt_day(expires)}{renew}",
                why=why,
                source="004",
                due=due,
                day=day,
                priority=deadline_priority(day, due) if day >= due else Priority.IMPORTANT,
                group=group_for(client, day, RoutineGroup.DEADLINES),
                occurrence=f"{key}|{expires.isoformat()}",
                target={"screen": "client", "tab": "releases"},
            )


@rule("plan-date")
def plan_date(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """A client-specific review date (FSSP/FPR due) reached (001). Cleared by a kept
    FSSP or plan review on/after the date, a plan reviewed on/after it, or a new date."""
    for client in snap.clients:
        when = client.plan_review_date
        if when is None:
            continue
        due, moved = business_deadline(policy, when)
        if day < due or not client.is_active(day):
            continue
        reviewed = (client.plan_reviewed_on is not None and client.plan_reviewed_on >= when) or any(
            a.kind in (AppointmentKind.FSSP, AppointmentKind.CASE_PLAN_REVIEW)
            and a.status == AppointmentStatus.KEPT
            and a.day >= when
            for a in client.appointments
        )
        if reviewed:
            continue
        yield item(
            "plan-date",
            client,
            policy=policy,
            title=f"FSSP/FPR review due for {client.name} ({fmt_day(due)}" + (f"; {moved[1:]}" if moved else ")"),
            why="Keep notes on when the FSSP and FPR are due and review them then (001).",
            source="001",
            due=due,
            day=day,
            priority=deadline_priority(day, due),
            group=group_for(client, day, RoutineGroup.DEADLINES),
            occurrence=when.isoformat(),
            target={"screen": "client", "tab": "plan"},
        )
