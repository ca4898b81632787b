"""HUD HMIS data quality (HMIS Data Standards FY2026): the annual assessment, missing data, exit destinations.

Pure like every rule: the client's HMIS enrollments come in the snapshot
(`ClientSnap.hmis_enrollments`, `hmis_person`); the numbers come from the
policy's [hmis] table. "Missing" means not recorded, or 99 (data not
collected): HUD counts both against data quality; 8 and 9 are answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from caseterm.rules.common import item
from caseterm.rules.engine import DueItem, Priority, RoutineGroup, rule
from caseterm.rules.snapshot import ClientSnap, HmisEnrollmentSnap, HmisPersonSnap, HmisStageSnap, Snapshot

NOT_COLLECTED = 99
ENTRY, UPDATE, EXIT, ANNUAL = 1, 2, 3, 5
WHY_SOURCE = "HMIS"


def _missing(value: object) -> bool:
    return value is None or value == NOT_COLLECTED


def anniversary(start: dt.date, year: int) -> dt.date:
    """The anniversary of `start` in `year` (29 February falls on the 28th)."""
    try:
        return start.replace(year=year)
    except ValueError:
        return start.replace(year=year, day=28)


def current_anniversary(start: dt.date, day: dt.date, window: int) -> dt.date | None:
    """The anniversary whose window (± `window` days) is open on `day` or passed last; None in the first year."""
    candidates = [anniversary(start, y) for y in range(start.year + 1, day.year + 2)]
    opened = [a for a in candidates if a - dt.timedelta(days=window) <= day]
    return opened[-1] if opened else None


@rule("hmis-annual-assessment")
def annual_assessment(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """An open enrollment in a HUD project: the annual assessment within 30 days either side of
    the anniversary of project start. Cleared by a stage-5 record dated in that window."""
    window = policy.hmis.annual_window_days
    for client in snap.clients:
        for e in client.hmis_enrollments:
            if not e.hud or (e.exit_date is not None and e.exit_date <= day):
                continue
            due_on = current_anniversary(e.entry_date, day, window)
            if due_on is None:
                continue
            opens, closes = due_on - dt.timedelta(days=window), due_on + dt.timedelta(days=window)
            if e.exit_date is not None and e.exit_date < opens:
                continue
            if any(s.stage == ANNUAL and opens <= s.date <= closes for s in e.stages):
                continue
            yield item(
                "hmis-annual-assessment", client,
                policy=policy,
                title=f"Annual HMIS assessment for {client.name} ({e.project}), {opens:%b %d} to {closes:%b %d}",
                why=f"HUD: an annual assessment within {window} days either side of the anniversary of "
                    f"project start ({e.entry_date.isoformat()}): income, benefits, insurance, disabilities, DV.",
                source=WHY_SOURCE, due=closes, day=day, priority=Priority.IMPORTANT, group=RoutineGroup.DEADLINES,
                occurrence=f"{e.id}-{due_on.isoformat()}",
                target={"screen": "client", "tab": "hmis", "form": "stage", "stage": "annual", "enrollment_id": e.id},
            )


def person_missing(person: HmisPersonSnap | None) -> list[str]:
    """The universal data elements about the person that are missing or 99."""
    if person is None:
        return ["name, SSN and DOB quality, race and ethnicity, sex, veteran status"]
    missing = [label for label, value in (("name quality", person.name_quality), ("SSN quality", person.ssn_quality),
                                          ("DOB quality", person.dob_quality), ("sex", person.sex),
                                          ("veteran status", person.veteran)) if _missing(value)]
    if not person.has_race and _missing(person.race_none):
        missing.append("race and ethnicity")
    return missing


def stage_missing(stage: HmisStageSnap | None) -> list[str]:
    """A stage's elements that are missing or 99 (the whole stage when it was not recorded)."""
    if stage is None:
        return ["income, benefits, insurance, disabilities, DV (not recorded)"]
    missing = [label for label, value in (("income", stage.income_any), ("benefits", stage.benefits_any),
                                          ("insurance", stage.insurance_any), ("DV", stage.dv_survivor))
               if _missing(value)]
    if not stage.has_disabilities:
        missing.append("disabilities")
    return missing


def enrollment_gaps(client: ClientSnap, e: HmisEnrollmentSnap) -> list[tuple[str, dt.date, list[str]]]:
    """(stage name, stage date, missing elements) for each stage of `e` with something missing."""
    gaps = []
    entry = next((s for s in e.stages if s.stage == ENTRY), None)
    at_entry = person_missing(client.hmis_person) + [
        label for label, value in (("relationship to head of household", e.relationship_to_hoh),
                                   ("prior living situation", e.living_situation),
                                   ("disabling condition", e.disabling_condition)) if _missing(value)]
    if e.enrollment_coc is None:
        at_entry.append("enrollment CoC")
    at_entry += stage_missing(entry)
    if at_entry:
        gaps.append(("entry", e.entry_date, at_entry))
    for s in e.stages:
        if s.stage in (UPDATE, ANNUAL) and stage_missing(s):
            gaps.append(("annual" if s.stage == ANNUAL else "update", s.date, stage_missing(s)))
    if e.exit_date is not None:
        at_exit = stage_missing(next((s for s in e.stages if s.stage == EXIT), None))
        if at_exit:
            gaps.append(("exit", e.exit_date, at_exit))
    return gaps


def _missing_target(client: ClientSnap, e: HmisEnrollmentSnap, stage: str, when: dt.date) -> dict[str, Any]:
    """Where a missing-data item is done: the intake form when something of the intake itself is missing
    (the person, the living situation block, the CoC), else the stage's data elements form."""
    target: dict[str, Any] = {"screen": "client", "tab": "hmis", "enrollment_id": e.id}
    intake_gap = stage == "entry" and (person_missing(client.hmis_person) or e.enrollment_coc is None or any(
        _missing(v) for v in (e.relationship_to_hoh, e.living_situation, e.disabling_condition)))
    if intake_gap:
        return target | {"form": "intake"}
    return target | {"form": "stage", "stage": stage, "date": when.isoformat()}


@rule("hmis-missing-data")
def missing_data(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """A HUD enrollment (open, or exited within `lookback_days`) whose required elements are missing or
    "data not collected" (99) for a stage (entry, update, annual, exit): due `data_entry_days` after the
    stage's date. Cleared by recording them."""
    days = dt.timedelta(days=policy.hmis.data_entry_days)
    since = day - dt.timedelta(days=policy.hmis.lookback_days)
    for client in snap.clients + snap.hmis_only:
        for e in client.hmis_enrollments:
            if not e.hud or (e.exit_date is not None and e.exit_date < since):
                continue
            for stage, when, missing in enrollment_gaps(client, e):
                shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
                yield item(
                    "hmis-missing-data", client,
                    policy=policy,
                    title=f"HMIS {stage} data for {client.name}: {shown}",
                    why="HUD's data quality: every required element recorded at each stage; 99 (data not "
                        "collected) counts as missing. Ask the client (8 and 9 are answers).",
                    source=WHY_SOURCE, due=when + days, day=day, priority=Priority.IMPORTANT,
                    group=RoutineGroup.DEADLINES, occurrence=f"{e.id}-{stage}-{when.isoformat()}",
                    target=_missing_target(client, e, stage, when),
                )


@rule("hmis-exit")
def exit_destination(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """A case closed (or an enrollment exited) with no exit destination recorded (3.12; 99 counts as none).
    Cleared by exiting the enrollment with a destination."""
    days = dt.timedelta(days=policy.hmis.data_entry_days)
    for client in snap.clients + snap.hmis_only:
        closed_on = client.exit_date if client.exit_date is not None and client.exit_date <= day else None
        if closed_on is None and not client.is_active(day):
            closed_on = day
        for e in client.hmis_enrollments:
            if e.exit_date is not None and e.exit_date <= day:
                if not _missing(e.destination):
                    continue
                when = e.exit_date
            elif closed_on is not None and e.exit_date is None:
                when = max(closed_on, e.entry_date)
            else:
                continue
            yield item(
                "hmis-exit", client,
                policy=policy,
                title=f"Exit destination for {client.name} ({e.project}), exited {when.isoformat()}",
                why="HUD: every exit records where the client went (3.12, with the subsidy type for a rental "
                    "with ongoing subsidy): x on the client file's HMIS tab, or `caseterm hmis exit`.",
                source=WHY_SOURCE, due=when + days, day=day, priority=Priority.IMPORTANT,
                group=RoutineGroup.DEADLINES, occurrence=f"{e.id}",
                target={"screen": "client", "tab": "hmis", "form": "exit", "enrollment_id": e.id},
            )
