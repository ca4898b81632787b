"""The hours tab of a client's file (a mixin of `ClientScreen`): participation hours
by week against the weekly requirement (`services.hours`), with a text bar.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from textual.widgets import Static

from caseterm import clock
from caseterm.vocabulary import Activity, VerifiedBy
from caseterm.services import hours as hours_service
from caseterm.services import records
from caseterm.widgets.record_form import FormField
from caseterm.screens.client.common import BAR_WIDTH, _cut, _date, _hours, _label, hours_bar

if TYPE_CHECKING:
    from sqlmodel import Session

    from caseterm.models import Client  # annotations only: the screen needs no table definitions


class HoursTabMixin:
    """The hours tab: each week's participation hours against the requirement."""

    def _show_hours(self, session: "Session", client: Client) -> None:
        weeks = hours_service.weekly_hours(session, client)
        ws = hours_service.work_search_weeks(session, client)
        required = hours_service.required_hours(client)
        basis = "exempt: allowed hours" if client.exempt_hours is not None else "policy"
        summary = self.query_one("#hours-summary", Static)
        summary.update(
            f"Required {_hours(required)} h/week ({basis}) · work search: {ws.weeks} of {ws.limit} weeks"
            f" since {_date(ws.window_start)} (warn at {ws.warn_at})"
        )
        summary.set_class(ws.level == "warn", "-warn")
        summary.set_class(ws.level == "limit", "-limit")
        table = self._reset("hours-table")
        compact = self.compact
        label = (lambda v: _cut(_label(v), self.COMPACT_LABEL)) if compact else _label
        week_of = (lambda d: clock.short_date(d, empty="")) if compact else _date
        bar = self.COMPACT_BAR if compact else BAR_WIDTH
        for wk in weeks:
            for index, entry in enumerate(wk.entries):
                first = index == 0
                table.add_row(
                    week_of(wk.week) if first else "",
                    label(entry.activity),
                    _hours(entry.hours),
                    label(entry.verified_by),
                    _hours(wk.total) if first else "",
                    _hours(wk.required) if first else "",
                    hours_bar(wk.total, wk.required, bar) if first else "",
                    ("SHORT " + _hours(wk.required - wk.total)) if first and wk.short else "",
                    key=f"hours:{entry.id}",
                )

    def _hours_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        e = records.get_record(session, client, "hours", record_id) if record_id else None
        last_week = hours_service.monday(clock.today()) - dt.timedelta(days=7)
        return "participation hours", [
            FormField("week", "Week (any day)", _date(e.week) if e else _date(last_week), placeholder="YYYY-MM-DD", required=True),
            FormField.choice("activity", "Activity", Activity, e.activity if e else Activity.EMPLOYMENT),
            FormField("hours", "Hours", _hours(e.hours) if e else "", required=True),
            FormField.choice("verified_by", "Verified by", VerifiedBy, e.verified_by if e else "", required=True),
        ], hours_service.save_hours
