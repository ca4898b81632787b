"""Engagement and re-engagement (003, 000) and penalties (001).

An engagement episode starts at the first no-show after the last time the
client was reached, and ends the next time they are reached (a note with
outcome "reached", or a kept appointment).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from caseterm.vocabulary import AppointmentKind, AppointmentStatus, ContactMethod, NoteType
from caseterm.rules.calendar import add_months
from caseterm.rules.common import business_calendar, counted_due, deadline_priority, fmt_day, group_for, item, kind_label
from caseterm.rules.engine import DueItem, Priority, RoutineGroup, rule
from caseterm.rules.snapshot import ApptSnap, ClientSnap, NoteSnap, Snapshot
from caseterm.text import plural


@dataclass(frozen=True)
class Episode:
    """Known non-participation: a no-show not followed by reaching the client."""

    first_missed: ApptSnap
    missed: tuple[ApptSnap, ...]
    attempts: tuple[NoteSnap, ...]
    written: bool
    other: bool

    @property
    def start(self) -> dt.date:
        return self.first_missed.day


def is_written(note: NoteSnap, policy: Any) -> bool:
    methods = {ContactMethod(m) for m in policy.engagement.written_methods if m in ContactMethod._value2member_map_}
    return note.type == NoteType.LETTER or (note.method is not None and note.method in methods)


def episode(client: ClientSnap, day: dt.date, policy: Any) -> Episode | None:
    """The client's open engagement episode on `day`, if any."""
    reached = client.last_contact_at
    missed = tuple(
        a
        for a in client.appointments
        if a.status == AppointmentStatus.NO_SHOW and a.day <= day and (reached is None or a.start > reached)
    )
    if not missed:
        return None
    first = missed[0]
    attempts = tuple(n for n in client.notes if n.is_attempt and first.start <= n.contact_at and n.contact_at.date() <= day)
    written = any(is_written(n, policy) for n in attempts)
    other = any(not is_written(n, policy) for n in attempts)
    return Episode(first, missed, attempts, written, other)


def failed_on(note: NoteSnap, policy: Any) -> dt.date:
    """The day an attempt counts as unsuccessful (the episode is still open).

    A call, text or visit that did not reach the client failed that day. A
    written attempt cannot have failed the day it was sent: it counts once the
    agency's response window (`engagement.letter_response_business_days`
    business days; 003 gives no number) has passed with no contact."""
    sent = note.contact_at.date()
    if is_written(note, policy):
        return business_calendar(policy).add_business_days(sent, policy.engagement.letter_response_business_days)
    return sent


def reengagement_due(ep: Episode, policy: Any) -> dt.date | None:
    """The day the episode has two (policy) unsuccessful attempts, one in writing
    and one otherwise (003): re-engagement begins. None: not with these attempts."""
    need = policy.engagement.attempts_required
    written = other = False
    for n, (when, in_writing) in enumerate(sorted((failed_on(a, policy), is_written(a, policy)) for a in ep.attempts), 1):
        written, other = written or in_writing, other or not in_writing
        if n >= need and written and other:
            return when
    return None


def reengagement_reached(ep: Episode, policy: Any, day: dt.date) -> bool:
    """Two or more unsuccessful attempts, one in writing and one otherwise, by `day` (003)."""
    due = reengagement_due(ep, policy)
    return due is not None and due <= day


def reengagement_started(client: ClientSnap, since: dt.date) -> bool:
    """A re-engagement staffing is booked or held (appointment) since `since`."""
    return any(
        a.kind == AppointmentKind.RE_ENGAGEMENT_STAFFING
        and a.status in (AppointmentStatus.SCHEDULED, AppointmentStatus.KEPT)
        and a.day >= since
        for a in client.appointments
    )


@rule("missed-activity")
def missed_activity(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """A no-show: an engagement contact within 1 business day (003).

    Cleared by any contact attempt (engagement, contact, letter, home-visit
    note) after the missed appointment, or by reaching the client.
    """
    cal = business_calendar(policy)
    first_day = day - dt.timedelta(days=policy.notes.lookback_days)
    for client in snap.clients:
        if not client.is_active(day):
            continue
        ep = episode(client, day, policy)
        if ep is None:
            continue
        for appt in ep.missed:
            if appt.day < first_day:
                continue
            if any(n.contact_at >= appt.start for n in ep.attempts):
                continue
            due = cal.add_business_days(appt.day, policy.engagement.missed_activity_business_days)
            yield item(
                "missed-activity",
                client,
                policy=policy,
                title=f"Engagement contact: {client.name} missed the {kind_label(appt.kind)} of {fmt_day(appt.day)}",
                why=(
                    "When a client misses an activity without calling in advance, initiate an engagement "
                    f"contact within {plural(policy.engagement.missed_activity_business_days, 'business day')} (003)."
                ),
                source="003",
                due=due,
                day=day,
                priority=deadline_priority(day, due),
                # A no-show from today's interviews is followed up with them, not among the deadlines.
                group=RoutineGroup.INTERVIEWS if appt.day == day else RoutineGroup.DEADLINES,
                occurrence=f"appt{appt.id}",
                target={"screen": "note", "note_type": "engagement", "appointment_id": appt.id},
                at=appt.start,
            )


@rule("engagement")
def engagement(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Known non-participation (a no-show not followed by reaching the client):
    a first contact attempt within 5 business days, at least 2 attempts (one in
    writing, one in another format) (003, 000). Overdue only while no attempt
    was made by the fifth business day (003 gives the two attempts no deadline
    of their own). Cleared by reaching the client, or by the attempts being
    made (then `re-engagement` follows once they have failed)."""
    cal = business_calendar(policy)
    need = policy.engagement.attempts_required
    for client in snap.clients:
        if not client.is_active(day):
            continue
        ep = episode(client, day, policy)
        if ep is None:
            continue
        if reengagement_due(ep, policy) is not None:
            # The attempts are made: `re-engagement` takes over once they have
            # failed (a letter only after its response window): nothing to do until then.
            continue
        # 003: contact "as soon as possible, but no more than five (5) business
        # days" after becoming aware; the two attempts (one in writing) come
        # before re-engagement, with no deadline of their own.
        due = cal.add_business_days(ep.start, policy.engagement.attempt_business_days)
        missing: list[str] = []
        if not ep.written:
            missing.append("one in writing")
        if not ep.other:
            missing.append("one by phone, text, e-mail or visit")
        left = max(need - len(ep.attempts), len(missing))
        started = bool(ep.attempts)
        yield item(
            "engagement",
            client,
            policy=policy,
            title=(
                f"Engage {client.name}: {len(ep.attempts)} of {need} contact attempts since {fmt_day(ep.start)}"
                f" ({left} to go: {', '.join(missing) or 'any channel'})"
            ),
            why=(
                "Once aware of non-participation, contact the client as soon as possible, no more than five "
                "business days; attempt at least two contacts, one in writing and one in another format, before "
                "re-engagement (003); demonstrate multiple attempts (000)."
            ),
            source="003, 000",
            due=due,
            day=day,
            priority=Priority.IMPORTANT if started else deadline_priority(day, due),
            group=RoutineGroup.DEADLINES,
            occurrence=ep.start.isoformat(),
            target={"screen": "note", "note_type": "engagement"},
            overdue=False if started else None,
        )


@rule("re-engagement")
def re_engagement(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Two attempts (one in writing) unsuccessful: begin re-engagement, book the
    staffing (003). Due the day the last needed attempt counts as failed (a
    letter: after the response window, policy). Cleared by a re-engagement
    staffing booked or held since the episode began, or by reaching the client."""
    for client in snap.clients:
        if not client.is_active(day):
            continue
        ep = episode(client, day, policy)
        if ep is None:
            continue
        due = reengagement_due(ep, policy)
        if due is not None:
            due = counted_due(policy, due)
        if due is None or due > day or reengagement_started(client, ep.start):
            continue
        yield item(
            "re-engagement",
            client,
            policy=policy,
            title=(
                f"Begin re-engagement: book the staffing for {client.name} "
                f"({plural(len(ep.attempts), 'contact attempt')} since {fmt_day(ep.start)} unsuccessful)"
            ),
            why=(
                "If the worker makes at least two attempted contacts and they are unsuccessful, "
                "begin the Re-Engagement process (003); a letter counts as unsuccessful once "
                f"{plural(policy.engagement.letter_response_business_days, 'business day')} pass with no reply "
                "(agency policy)."
            ),
            source="003",
            due=due,
            day=day,
            priority=Priority.URGENT_IMPORTANT,
            group=RoutineGroup.DEADLINES,
            occurrence=f"reengage-{ep.start.isoformat()}",
            target={"screen": "schedule", "kind": AppointmentKind.RE_ENGAGEMENT_STAFFING.value},
        )


@rule("good-cause")
def good_cause(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Before re-engagement or a penalty: determine good cause and document it (000).

    Triggers: the engagement episode reached re-engagement, a re-engagement
    staffing is booked, or the client is in penalty. Cleared by a good-cause
    note dated on or after the trigger (for a penalty: on or after the
    lookback before the penalty start).
    """
    for client in snap.clients:
        if not client.is_active(day):
            continue
        last_gc = client.last_good_cause_at.date() if client.last_good_cause_at else None
        trigger: tuple[dt.date, dt.date, str, str] | None = None  # (since, due, occurrence, reason)
        ep = episode(client, day, policy)
        staffing = [
            a
            for a in client.appointments
            if a.kind == AppointmentKind.RE_ENGAGEMENT_STAFFING and a.status == AppointmentStatus.SCHEDULED and a.day >= day
        ]
        reengage_on = reengagement_due(ep, policy) if ep is not None else None
        if ep is not None and reengage_on is not None and reengage_on <= day:
            due = staffing[0].day if staffing else reengage_on
            trigger = (ep.start, due, f"reengage-{ep.start.isoformat()}", "before re-engagement")
        elif staffing:
            since = day - dt.timedelta(days=policy.notes.lookback_days)
            trigger = (since, staffing[0].day, f"staffing-appt{staffing[0].id}", "before the re-engagement staffing")
        elif client.penalty_start is not None:
            since = client.penalty_start - dt.timedelta(days=policy.notes.lookback_days)
            trigger = (since, client.penalty_start, f"penalty-{client.penalty_start.isoformat()}", "for the penalty")
        if trigger is None:
            continue
        since, due, occurrence, reason = trigger
        due = counted_due(policy, due)
        if last_gc is not None and last_gc >= since:
            continue
        yield item(
            "good-cause",
            client,
            policy=policy,
            title=f"Determine good cause (can't vs. won't) {reason}: {client.name}",
            why=(
                "Determine whether any failure to engage is an indication of Good Cause or a choice not to "
                "participate, and document all efforts (000)."
            ),
            source="000",
            due=due,
            day=day,
            priority=deadline_priority(day, due),
            group=group_for(client, day, RoutineGroup.DEADLINES),
            occurrence=occurrence,
            target={"screen": "note", "note_type": "good_cause"},
        )


@rule("penalty")
def penalty(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """A client in penalty: re-engage early, offer a penalty-resolution home visit,
    warn before month 3 (001). Cleared by a home visit booked or held since
    the penalty started (never for a client flagged for domestic violence in
    the home: the item offers the office instead), or by the penalty ending."""
    warn_month = policy.penalty.warn_before_month
    for client in snap.clients:
        start = client.penalty_start
        if start is None or not client.is_active(day) or start > day:
            continue
        # a home visit never settles it for a DV-flagged household (004): dv-home-visit lists it instead
        visited = not client.dv_in_home and any(
            a.kind == AppointmentKind.HOME_VISIT
            and a.status in (AppointmentStatus.SCHEDULED, AppointmentStatus.KEPT)
            and a.day >= start
            for a in client.appointments
        )
        if visited:
            continue
        month_n_start = add_months(start, warn_month - 1)
        due = counted_due(policy, month_n_start - dt.timedelta(days=1))
        month_now = 1
        while add_months(start, month_now) <= day:
            month_now += 1
        offer = (
            "meet in the office (no home visits for this household)"
            if client.dv_in_home
            else "offer a penalty-resolution home visit"
        )
        yield item(
            "penalty",
            client,
            policy=policy,
            title=f"{client.name} in penalty month {month_now}: re-engage and {offer} before {fmt_day(month_n_start)}",
            why=(
                f"Penalties: re-engage early. Don't wait until month {policy.penalty.warn_before_month}: clients are "
                f"only removed from participation rates the first {plural(policy.penalty.warn_before_month, 'month')} of "
                "penalty in the last 12 months (001)."
            ),
            source="001",
            due=due,
            day=day,
            priority=Priority.URGENT_IMPORTANT if month_now >= warn_month - 1 else Priority.IMPORTANT,
            group=group_for(client, day, RoutineGroup.DEADLINES),
            occurrence=f"penalty-{start.isoformat()}",
            target={"screen": "schedule", "kind": AppointmentKind.HOME_VISIT.value if not client.dv_in_home else AppointmentKind.OTHER.value},
        )
