"""The one place that reads "today" and "now".

Demos, tests and snapshots pin the date with `--today YYYY-MM-DD` or the
`CASETERM_TODAY` environment variable; everything else asks this module.
When the date is pinned, `now()` keeps the real wall-clock time of day on the
pinned date, unless `CASETERM_NOW` (HH:MM) pins the time as well.
"""

from __future__ import annotations

import datetime as dt
import os

from caseterm.errors import BadInput

_pinned_date: dt.date | None = None
_pinned_time: dt.time | None = None


def parse_date(text: str, where: str = "date") -> dt.date:
    """Parse an ISO date, naming `where` in the error."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{where}: {text!r} is not a valid date (YYYY-MM-DD)") from None


#: The dates "today" may be pinned to. Why: the rules reach years before and after today
#: (policy bounds: at most ten years), so a pinned 9999-12-31 or 0001-01-01 would run off
#: the calendar Python can hold.
EARLIEST_TODAY = dt.date(1900, 1, 1)
LATEST_TODAY = dt.date(2999, 12, 31)


def parse_today(text: str, where: str = "--today") -> dt.date:
    """A date to pin as today: valid, and between EARLIEST_TODAY and LATEST_TODAY."""
    day = parse_date(text, where)
    if not EARLIEST_TODAY <= day <= LATEST_TODAY:
        raise BadInput(f"{where}: {day.isoformat()} is out of range "
                       f"(between {EARLIEST_TODAY.isoformat()} and {LATEST_TODAY.isoformat()})")
    return day


def parse_hhmm(text: str, where: str = "time") -> dt.time:
    try:
        return dt.datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise BadInput(f"{where}: {text!r} is not a valid time (HH:MM)") from None


def pin(day: dt.date | None, time: dt.time | None = None) -> None:
    """Pin today's date (and optionally the time of day); `None` unpins."""
    global _pinned_date, _pinned_time
    _pinned_date = day
    _pinned_time = time


def pinned() -> dt.date | None:
    """The pinned date, if any (from `pin()` or `CASETERM_TODAY`)."""
    if _pinned_date is not None:
        return _pinned_date
    env = os.environ.get("CASETERM_TODAY")
    if env:
        return parse_today(env, "CASETERM_TODAY")
    return None


def real_now() -> dt.datetime:
    """The machine's time even when the date is pinned: for file stamps (backups, crash reports)."""
    return dt.datetime.now()


def today() -> dt.date:
    return pinned() or dt.date.today()


def now() -> dt.datetime:
    """Local wall-clock time, on the pinned date when one is set."""
    real = dt.datetime.now().replace(microsecond=0)
    day = pinned()
    if day is None:
        return real
    time = _pinned_time
    if time is None and os.environ.get("CASETERM_NOW"):
        time = parse_hhmm(os.environ["CASETERM_NOW"], "CASETERM_NOW")
    return dt.datetime.combine(day, time or real.time())


def year_after_months() -> int:
    """Dates further than this from today show their year (policy `display.year_after_months`)."""
    from caseterm.policy import load_policy

    return load_policy().display.year_after_months


def short_date(
    day: dt.date | dt.datetime | None, today: dt.date | None = None, empty: str = "—", months: int | None = None
) -> str:
    """'Dec 05' for a date near today; 'Dec 05 2025' for one more than the
    policy's months away (before or after), so a stale date is never mistaken
    for a recent one. The one formatter of the sidebar, caseload and client header."""
    if day is None:
        return empty
    if isinstance(day, dt.datetime):
        day = day.date()
    from caseterm.rules.calendar import add_months

    today = today or globals()["today"]()
    months = year_after_months() if months is None else months
    if day > add_months(today, months) or day < add_months(today, -months):
        return f"{day:%b %d %Y}"
    return f"{day:%b %d}"
