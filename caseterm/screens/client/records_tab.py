"""The assessments, releases of information and referrals tabs of a client's file
(a mixin of `ClientScreen`): a table each and a form each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caseterm import clock
from caseterm.vocabulary import AssessmentKind
from caseterm.services import records
from caseterm.text import plural
from caseterm.widgets.record_form import FormField
from caseterm.screens.client.common import _date, _label

if TYPE_CHECKING:
    from sqlmodel import Session

    from caseterm.models import Client  # annotations only: the screen needs no table definitions


class RecordsTabMixin:
    """The assessments, releases and referrals tabs."""

    def _show_assessments(self, session: "Session", client: Client) -> None:
        table = self._reset("assessments-table")
        for a in records.list_assessments(session, client):
            table.add_row(_date(a.date), _label(a.kind), "" if a.score is None else str(a.score), key=f"assessment:{a.id}")

    def _assessment_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        a = records.get_record(session, client, "assessment", record_id) if record_id else None
        return "assessment", [
            FormField.choice("kind", "Kind", AssessmentKind, a.kind if a else AssessmentKind.VI_SPDAT),
            FormField("date", "Date", _date(a.date) if a else _date(clock.today()), placeholder="YYYY-MM-DD", required=True),
            FormField("score", "Score", "" if not a or a.score is None else str(a.score)),
        ], records.save_assessment

    def _show_releases(self, session: "Session", client: Client) -> None:
        table = self._reset("releases-table")
        today = clock.today()
        for r in records.list_releases(session, client):
            if r.signed_on is None:
                state = "not signed"
            elif r.expires_on and r.expires_on < today:
                state = "EXPIRED"
            elif r.expires_on:
                state = f"{plural((r.expires_on - today).days, 'day')} left"
            else:
                state = "signed"
            table.add_row(r.party, _date(r.signed_on), _date(r.expires_on), state, key=f"release:{r.id}")

    def _release_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        r = records.get_record(session, client, "release", record_id) if record_id else None
        return "release of information", [
            FormField("party", "Party", r.party if r else "", required=True),
            FormField("signed_on", "Signed on", _date(r.signed_on) if r else _date(clock.today()), placeholder="YYYY-MM-DD"),
            FormField("expires_on", "Expires on", _date(r.expires_on) if r else "", placeholder="YYYY-MM-DD"),
        ], records.save_release

    def _show_referrals(self, session: "Session", client: Client) -> None:
        table = self._reset("referrals-table")
        for r in records.list_referrals(session, client):
            table.add_row(_date(r.referred_on), r.agency, r.service, r.outcome or "(no outcome yet)", key=f"referral:{r.id}")

    def _referral_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        r = records.get_record(session, client, "referral", record_id) if record_id else None
        return "referral", [
            FormField("agency", "Agency", r.agency if r else "", required=True),
            FormField("service", "Service", r.service if r else ""),
            FormField("referred_on", "Referred on", _date(r.referred_on) if r else _date(clock.today()), placeholder="YYYY-MM-DD", required=True),
            FormField("outcome", "Outcome", (r.outcome or "") if r else "", placeholder="linked? result"),
        ], records.save_referral
