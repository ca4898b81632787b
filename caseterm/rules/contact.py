"""Day-to-day contact rules: reminder calls, notes, follow-up, referrals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from caseterm.vocabulary import AppointmentStatus, label
from caseterm.rules.common import business_calendar, business_deadline, counted_due, deadline_priority, fmt_day, fmt_time, group_for, item, kind_label
from caseterm.rules.engine import DueItem, Priority, RoutineGroup, rule
from caseterm.rules.snapshot import Snapshot
from caseterm.text import plural


@rule("reminder-call")
def reminder_call(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Each of today's scheduled appointments without a logged reminder call (001).

    An appointment on a weekend, holiday or closure day is called the business
    day before, whatever `deadlines.weekend_rule` says (a call after the
    appointment reminds nobody): nobody is at the desk on its morning."""
    cal = business_calendar(policy)
    for client in snap.clients:
        for appt in client.appointments:
            if appt.status != AppointmentStatus.SCHEDULED or appt.reminder_called or appt.day < day:
                continue
            due = cal.previous_business_day(appt.day)
            if due > day:
                continue
            when = fmt_time(appt.start) if appt.day == day else f"{fmt_day(appt.day)} {fmt_time(appt.start)}"
            yield item(
                "reminder-call",
                client,
                policy=policy,
                title=f"Reminder call: {client.name}, {kind_label(appt.kind)} at {when}",
                why="Morning routine: review today's appointments and make reminder calls (001).",
                source="001",
                due=due,
                day=day,
                priority=Priority.URGENT_IMPORTANT,
                group=RoutineGroup.MORNING,
                occurrence=f"appt{appt.id}",
                target={"screen": "schedule", "appointment_id": appt.id},
                at=appt.start,
            )


@rule("finish-note")
def finish_note(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Every kept appointment without a client note; overdue once 24 h have passed (001, 004).

    A note for the same client whose contact is on the appointment's date
    documents it. Due on the date the 24 hours run out.
    """
    hours = dt.timedelta(hours=policy.notes.finish_within_hours)
    first = day - dt.timedelta(days=policy.notes.lookback_days)
    for client in snap.clients:
        noted_days: set[dt.date] | None = None
        for appt in client.appointments:
            if appt.status != AppointmentStatus.KEPT or not first <= appt.day <= day:
                continue
            if appt.noted is None:
                if noted_days is None:
                    noted_days = {n.contact_at.date() for n in client.notes}
                if appt.day in noted_days:
                    continue
            elif appt.noted:
                continue
            deadline = appt.start + hours
            due, moved = business_deadline(policy, deadline.date(), not_before=appt.day)
            by = f"{fmt_day(due)} {moved}" if moved else f"{fmt_day(due)} {fmt_time(deadline)}"
            yield item(
                "finish-note",
                client,
                policy=policy,
                title=(
                    f"Write the note: {client.name}, {kind_label(appt.kind)} of "
                    f"{fmt_day(appt.day)} {fmt_time(appt.start)} (due by {by})"
                ),
                why=(
                    "\"Enter a client note each time you speak with a client. If a client note is not "
                    f"entered, it didn't happen\" (001); document within {plural(policy.notes.finish_within_hours, 'hour')} (004)."
                ),
                source="001, 004",
                due=due,
                day=day,
                priority=deadline_priority(day, due),
                group=RoutineGroup.NOTES,
                occurrence=f"appt{appt.id}",
                target={"screen": "note", "appointment_id": appt.id},
            )


@rule("follow-up")
def follow_up(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """No contact within the follow-up interval agreed with the client (004, 000).

    Counted from the last contact in which the client was reached (a note or a
    kept appointment). Exited clients are followed up only with their permission.
    """
    for client in snap.clients:
        if not client.is_active(day) and not (client.exit_date is not None and client.follow_up_permission):
            continue
        interval = client.follow_up_days or policy.follow_up.default_days
        if client.last_contact_at is not None:
            since = client.last_contact_at.date()
        elif client.initial_contact_date is not None:
            since = client.initial_contact_date
        else:
            continue
        due, moved = business_deadline(policy, since + dt.timedelta(days=interval))
        if day < due:
            continue
        yield item(
            "follow-up",
            client,
            policy=policy,
            title=(
                f"Follow up with {client.name}: not reached since {fmt_day(since)} (every {plural(interval, 'day')} agreed)"
                + (f"; due {fmt_day(due)} {moved}" if moved else "")
            ),
            why=(
                "Set a schedule for follow-up contacts and assure consistent, timely follow-up (004); "
                "it is the case manager's responsibility to follow up (000)."
            ),
            source="004, 000",
            due=due,
            day=day,
            priority=deadline_priority(day, due),
            group=group_for(client, day, RoutineGroup.DEADLINES),
            occurrence=f"since-{since.isoformat()}",
            target={"screen": "note", "note_type": "contact"},
        )


@rule("referral-follow-up")
def referral_follow_up(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """A referral with no outcome after 7 days: confirm linkage (004)."""
    wait = dt.timedelta(days=policy.referral.outcome_within_days)
    for client in snap.clients:
        if not client.is_active(day):
            continue
        for ref in client.open_referrals:
            due, moved = business_deadline(policy, ref.referred_on + wait)
            if day < due:
                continue
            service = f" ({ref.service})" if ref.service else ""
            yield item(
                "referral-follow-up",
                client,
                policy=policy,
                title=(
                    f"Confirm linkage: {client.name}'s referral to {ref.agency}{service} of {fmt_day(ref.referred_on)}"
                    + (f"; due {fmt_day(due)} {moved}" if moved else "")
                ),
                why="Case managers provide referrals and routine follow-up; record the outcome of each referral (004).",
                source="004",
                due=due,
                day=day,
                priority=Priority.IMPORTANT if day <= due else Priority.URGENT_IMPORTANT,
                group=group_for(client, day, RoutineGroup.DEADLINES),
                occurrence=f"ref{ref.id}",
                target={"screen": "client", "tab": "referrals", "referral_id": ref.id},
            )


@rule("draft")
def draft(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """A note started and not saved (kept after a crash or Esc): finish or discard it (001).

    Computed from the drafts themselves: saving the note or discarding the
    draft clears the item. Overdue once the note's 24 hours have run out.
    """
    hours = dt.timedelta(hours=policy.notes.finish_within_hours)
    for d in snap.drafts:
        deadline = d.updated_at + hours
        due = counted_due(policy, deadline.date(), not_before=d.updated_at.date())
        kind = label(d.type) + " note" if d.type else "note"
        if d.amends_id is not None:
            kind = "amendment"
        target: dict[str, Any] = {"screen": "note", "case_number": d.case_number, "draft_id": d.id}
        if d.appointment_id is not None:
            target["appointment_id"] = d.appointment_id
        if d.amends_id is not None:
            target["amends_id"] = d.amends_id
        yield DueItem(
            rule="draft",
            case_number=d.case_number,
            title=f"Finish the unsaved {kind}: {d.name} (started {fmt_day(d.updated_at.date())} {fmt_time(d.updated_at)})",
            why=(
                "A note started and not saved: finish it (Ctrl+S) or discard it (F8 twice). "
                "\"If a client note is not entered, it didn't happen\" (001)."
            ),
            source="001",
            due=due,
            overdue=day > due,
            priority=deadline_priority(day, due),
            group=RoutineGroup.NOTES,
            occurrence=f"draft{d.id}",
            target=target,
        )
