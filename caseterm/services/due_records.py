""""Done" needs its record: which form makes the record that clears a due item.

`x` on a due item does not just hide it when a record is what the rule asks
for (001: "if a client note is not entered, it didn't happen"): it opens the
form that makes that record, prefilled, and the item clears because the
record now exists. Only items with no record behind them are marked done
directly. One table, by rule id; pure (no database, no widgets).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from caseterm.vocabulary import AppointmentKind, AssessmentKind, Place

#: Rules whose items have no record behind them: `x` marks them done.
#: (The caseload check is done on paper; a childcare request is issued in the
#: state system; a manual task is the user's own; the work-search warning is
#: a count of weeks, which no record of ours clears.)
DIRECT_DONE: frozenset[str] = frozenset({"caseload-print", "childcare", "manual", "work-search-limit"})

#: Rules cleared by a client note (the note form opens, typed for the rule).
NOTE_RULES: frozenset[str] = frozenset(
    {"finish-note", "missed-activity", "engagement", "good-cause", "penalty", "follow-up", "participation", "draft"}
)

#: Forms of the client file, by the tab they live on.
FORM_TABS = {
    "appointment": "appointments",
    "assessment": "assessments",
    "hours": "hours",
    "release": "releases",
    "referral": "referrals",
    "plan": "plan",
    "hmis-intake": "hmis",
    "hmis-stage": "hmis",
    "hmis-exit": "hmis",
}

#: The hmis-* rules: their items name the HMIS form that clears them (`target["form"]`).
HMIS_RULES: frozenset[str] = frozenset({"hmis-missing-data", "hmis-annual-assessment", "hmis-exit"})


@dataclass(frozen=True)
class RecordRequest:
    """The form `x` opens for a due item.

    `form`: "direct" (mark done), "note", "reminder" (the reminder call's
    outcome), one of FORM_TABS (a client-file form), or "go" (no form of its
    own: go where the item is done, like Enter). `prefill`: form values.
    """

    form: str
    case_number: str | None = None
    record_id: int | None = None
    appointment_id: int | None = None
    prefill: dict[str, str] = field(default_factory=dict)

    @property
    def tab(self) -> str | None:
        return FORM_TABS.get(self.form)


def record_for(item: Any, today: dt.date) -> RecordRequest:
    """What `x` opens for this due item."""
    rule = item.rule
    target: dict[str, Any] = dict(getattr(item, "target", None) or {})
    case = target.get("case_number") or item.case_number
    appt = target.get("appointment_id")
    if rule in DIRECT_DONE or case is None:
        return RecordRequest("direct", case)
    if rule == "reminder-call" and appt is not None:
        return RecordRequest("reminder", case, appointment_id=appt)
    if rule in NOTE_RULES:
        return RecordRequest("note", case, appointment_id=appt)
    day = today.isoformat()
    if rule == "re-engagement":
        return RecordRequest("appointment", case, prefill={
            "kind": AppointmentKind.RE_ENGAGEMENT_STAFFING.value, "place": Place.OFFICE.value, "start": f"{day} 09:00"})
    if rule == "initial-interview":
        return RecordRequest("appointment", case, prefill={
            "kind": AppointmentKind.INITIAL_INTERVIEW.value, "place": Place.OFFICE.value, "start": f"{day} 09:00"})
    if rule == "home-visits":
        return RecordRequest("appointment", case, prefill={
            "kind": AppointmentKind.HOME_VISIT.value, "place": Place.HOME.value, "start": f"{day} 09:00"})
    if rule == "dv-home-visit" and appt is not None:
        return RecordRequest("appointment", case, record_id=appt)
    if rule == "vi-spdat":
        kind = AssessmentKind.SPDAT if "full SPDAT" in item.title else AssessmentKind.VI_SPDAT
        return RecordRequest("assessment", case, prefill={"kind": kind.value, "date": day})
    if rule in ("case-plan-review", "plan-date"):
        return RecordRequest("plan", case, prefill={"reviewed_on": day})
    if rule == "release":
        return RecordRequest("release", case, prefill={"signed_on": day})
    if rule == "referral-follow-up" and target.get("referral_id") is not None:
        return RecordRequest("referral", case, record_id=int(target["referral_id"]))
    if rule in HMIS_RULES and target.get("form"):
        enrollment = target.get("enrollment_id")
        prefill = {k: str(target[k]) for k in ("stage", "date") if target.get(k)}
        return RecordRequest(f"hmis-{target['form']}", case,
                             record_id=int(enrollment) if enrollment is not None else None, prefill=prefill)
    if rule == "work-verification":
        week = target.get("week")
        return RecordRequest("hours", case, prefill={"week": week} if week else {})
    return RecordRequest("go", case)
