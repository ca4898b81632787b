"""Participation hours (001): weekly totals against the required hours, and
the work-search weeks of the trailing months counted against their limit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Client, HoursEntry
from caseterm.vocabulary import Activity, VerifiedBy
from caseterm.services.records import Errors, parse_date, parse_enum, parse_float

#: Defaults used only when the policy module is missing a value (policy.toml has them all).
_FALLBACK = {"weekly_hours": 40, "work_search_warn_weeks": 10, "work_search_limit_weeks": 12, "work_search_window_months": 12}


def _participation(name: str) -> Any:
    try:
        from caseterm.policy import load_policy

        return getattr(load_policy().participation, name)
    except (ImportError, AttributeError):
        return _FALLBACK[name]


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def required_hours(client: Client) -> float:
    """The client's weekly requirement: exempt clients have their allowed hours."""
    if client.exempt_hours is not None:
        return float(client.exempt_hours)
    return float(_participation("weekly_hours"))


@dataclass
class WeekHours:
    week: dt.date
    by_activity: dict[Activity, float] = field(default_factory=dict)
    entries: list[HoursEntry] = field(default_factory=list)
    required: float = 0.0

    @property
    def total(self) -> float:
        return sum(self.by_activity.values())

    @property
    def short(self) -> bool:
        return self.total < self.required


@dataclass
class WorkSearchCount:
    weeks: int
    warn_at: int
    limit: int
    window_start: dt.date

    @property
    def level(self) -> str:
        """"ok", "warn" or "limit" — for the styling of the count."""
        if self.weeks >= self.limit:
            return "limit"
        if self.weeks >= self.warn_at:
            return "warn"
        return "ok"


def weekly_hours(session: Session, client: Client, weeks: int | None = None) -> list[WeekHours]:
    """Every week with hours, newest first (the last `weeks` if given)."""
    entries = session.exec(
        select(HoursEntry).where(HoursEntry.client_id == client.id).order_by(col(HoursEntry.week).desc())
    ).all()
    required = required_hours(client)
    by_week: dict[dt.date, WeekHours] = {}
    for entry in entries:
        wk = by_week.setdefault(entry.week, WeekHours(week=entry.week, required=required))
        wk.by_activity[entry.activity] = wk.by_activity.get(entry.activity, 0.0) + entry.hours
        wk.entries.append(entry)
    result = sorted(by_week.values(), key=lambda w: w.week, reverse=True)
    return result[:weeks] if weeks else result


def work_search_weeks(session: Session, client: Client, day: dt.date | None = None) -> WorkSearchCount:
    """Weeks with work-search hours in the trailing window (001: 12 weeks in 12 months).

    Counted as the work-search-limit rule counts them: weeks whose Monday is
    after the day the window opens and not after `day`.
    """
    from caseterm.rules.calendar import add_months

    day = day or clock.today()
    start = add_months(day, -int(_participation("work_search_window_months")))
    weeks = session.exec(
        select(HoursEntry.week)
        .where(HoursEntry.client_id == client.id, HoursEntry.activity == Activity.WORK_SEARCH, HoursEntry.hours > 0)
        .where(HoursEntry.week > start, HoursEntry.week <= day)
        .distinct()
    ).all()
    return WorkSearchCount(
        weeks=len(set(weeks)),
        warn_at=int(_participation("work_search_warn_weeks")),
        limit=int(_participation("work_search_limit_weeks")),
        window_start=start,
    )


def save_hours(session: Session, client: Client, values: dict[str, Any], record_id: int | None = None) -> HoursEntry:
    """Add or edit one activity's hours in one week. Keys: week, activity, hours, verified_by.

    Any date in the week is accepted and stored as that week's Monday.
    """
    errors = Errors()
    week = parse_date(errors, "week", values.get("week"), required=True)
    activity = parse_enum(errors, "activity", values.get("activity"), Activity, required=True)
    hours = parse_float(errors, "hours", values.get("hours"), lo=0, hi=168, required=True)
    verified = parse_enum(errors, "verified by", values.get("verified_by"), VerifiedBy)
    if week is not None and week > clock.today():
        errors.add("week", "hours cannot be entered for a future week")
    errors.raise_if_any()
    assert client.id is not None and week is not None and activity is not None and hours is not None
    if record_id:
        entry = session.get(HoursEntry, record_id)
        if entry is None or entry.client_id != client.id:
            raise BadInput(f"hours entry {record_id}: not found for case {client.case_number}")
    else:
        entry = HoursEntry(client_id=client.id, week=monday(week), activity=activity, hours=hours)
    entry.week, entry.activity, entry.hours, entry.verified_by = monday(week), activity, hours, verified
    session.add(entry)
    session.flush()
    return entry


def get_entry(session: Session, entry_id: int) -> HoursEntry | None:
    return session.get(HoursEntry, entry_id)
