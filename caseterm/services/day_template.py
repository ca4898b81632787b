"""The day template of the policy with the month-phase block laid over it, and the
one-line note of a day. Below both the agenda and the appointments' day view, so
neither has to import the other (issue 26: no import circles)."""

from __future__ import annotations

import datetime as dt

from caseterm.policy import Block, BlockKind, Policy, load_policy
from caseterm.rules.common import business_calendar
from caseterm.rules.monthly import in_childcare_phase, in_verification_phase


def phase_blocks(day: dt.date, policy: Policy) -> list[Block]:
    """The month-phase blocks of `day` (001): verification early, childcare late."""
    cal = business_calendar(policy)
    if not cal.is_business_day(day):
        return []
    phase = policy.month_phase
    out = []
    if in_verification_phase(day, policy, cal):
        out.append(Block(phase.block_start, phase.block_end, BlockKind.WORK_VERIFICATION,
                         "Work Activity Verification: verify and enter last month's hours"))
    elif in_childcare_phase(day, policy, cal):
        out.append(Block(phase.block_start, phase.block_end, BlockKind.CHILDCARE,
                         "Issue childcare requests"))
    return out


def _overlay(template: tuple[Block, ...], phases: list[Block]) -> list[Block]:
    """Lay phase blocks over the template: what they cover gives way (trimmed)."""
    blocks = list(template)
    for ph in phases:
        kept: list[Block] = []
        for b in blocks:
            if b.end <= ph.start or b.start >= ph.end:
                kept.append(b)
                continue
            if b.start < ph.start:
                kept.append(Block(b.start, ph.start, b.kind, b.title))
            if b.end > ph.end:
                kept.append(Block(ph.end, b.end, b.kind, b.title))
        kept.append(ph)
        blocks = sorted(kept, key=lambda b: (b.start, b.end))
    return blocks


def day_blocks(day: dt.date, policy: Policy | None = None) -> list[Block]:
    """The day template with the month-phase block of `day` laid over it."""
    policy = policy or load_policy()
    return _overlay(policy.day.blocks, phase_blocks(day, policy))


def day_note(day: dt.date, policy: Policy | None = None) -> str:
    """"business day 3 of November", or why `day` is not a business day."""
    cal = business_calendar(policy or load_policy())
    if not cal.is_business_day(day):
        reason = "weekend" if day.weekday() >= 5 else (cal.holiday_name(day) or "agency closed")
        return f"not a business day ({reason})"
    return f"business day {cal.business_day_index(day)} of {day:%B}"
