"""Business days: not a weekend, not a US federal holiday, not an agency closure.

Federal holidays come from the `holidays` package with observed dates (a
Saturday holiday is observed on the Friday before, a Sunday one on the Monday
after). The package stays the source of truth, but importing it costs 0.2-0.5 s
(its first use loads every country), so each year it gives is kept in a small
file in the cache folder, keyed by the package's installed version: a new
`holidays` release (a change in holiday law) recomputes it. Closure days come from the policy file. "Within N business days",
"business days 1-10 of the month" and "the last 5 business days" all use this.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

ONE_DAY = dt.timedelta(days=1)

#: The cache file's name (in `paths.cache_dir()`); its format is this module's.
HOLIDAY_CACHE = "us-federal-holidays.json"
_CACHE_FORMAT = 1


@lru_cache(maxsize=64)
def federal_holiday_names(year: int) -> dict[dt.date, str]:
    """US federal holidays of one year by date, observed dates included."""
    version = _holidays_version()
    cached = _read_holiday_cache(version).get(str(year))
    if cached is not None:
        return {dt.date.fromisoformat(day): name for day, name in cached.items()}
    names = holidays_from_package(year)
    _write_holiday_cache(version, year, names)
    return names


def holidays_from_package(year: int) -> dict[dt.date, str]:
    """The `holidays` package's US federal holidays of `year` (imports it: slow the first time)."""
    import holidays

    return dict(holidays.US(years=year, observed=True).items())


@lru_cache(maxsize=None)
def _holidays_version() -> str:
    """The installed `holidays` version, from its metadata (without importing it; read once per process:
    the metadata scan costs tens of milliseconds)."""
    from importlib import metadata

    try:
        return metadata.version("holidays")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        return ""


def _holiday_cache_path():  # noqa: ANN202 - Path, imported lazily
    from caseterm import paths

    return paths.cache_dir() / HOLIDAY_CACHE


def _read_holiday_cache(version: str) -> dict[str, dict[str, str]]:
    """{year: {iso date: name}} kept for this `holidays` version ({} if none, stale or unreadable)."""
    import json

    if not version:
        return {}
    try:
        data = json.loads(_holiday_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT or data.get("holidays") != version:
        return {}
    years = data.get("years")
    if not isinstance(years, dict):
        return {}
    return {y: days for y, days in years.items() if isinstance(days, dict)}


def _write_holiday_cache(version: str, year: int, names: dict[dt.date, str]) -> None:
    """Add `year` to the cache file (written whole, then renamed into place); never fails."""
    import json
    import os

    if not version:
        return
    path = _holiday_cache_path()
    years = _read_holiday_cache(version)
    years[str(year)] = {day.isoformat(): name for day, name in sorted(names.items())}
    data = {"format": _CACHE_FORMAT, "holidays": version, "country": "US", "observed": True, "years": years}
    import threading

    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    from caseterm import paths
    from caseterm.errors import BadInput

    try:
        # Owner-only like every folder and file caseterm creates (0700 / 0600).
        paths.ensure_private_dir(path.parent)
        paths.write_private(tmp, json.dumps(data, indent=1, ensure_ascii=False))
        os.replace(tmp, path)
    except (OSError, BadInput):  # a read-only cache folder, or a file in its way: the package is asked again next time
        try:
            tmp.unlink()
        except OSError:
            pass


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[dt.date]:
    """US federal holidays of one year, observed dates included."""
    return frozenset(federal_holiday_names(year))


class BusinessCalendar:
    """Business-day arithmetic with a fixed set of agency closure days."""

    def __init__(self, closure_days: Iterable[dt.date] = ()) -> None:
        self.closure_days = frozenset(closure_days)
        self._cache: dict[dt.date, bool] = {}
        self._months: dict[tuple[int, int], tuple[dt.date, ...]] = {}
        self._deadlines: dict[tuple[dt.date, str], tuple[dt.date, str]] = {}

    def is_business_day(self, day: dt.date) -> bool:
        known = self._cache.get(day)
        if known is None:
            known = (
                day.weekday() < 5
                and day not in federal_holidays(day.year)
                and day not in self.closure_days
            )
            self._cache[day] = known
        return known

    def holiday_name(self, day: dt.date) -> str | None:
        """Why a weekday is not a business day (for display), or None."""
        if day in self.closure_days:
            return "agency closure"
        return federal_holiday_names(day.year).get(day)

    def next_business_day(self, day: dt.date) -> dt.date:
        """`day` itself when it is a business day, else the next one."""
        while not self.is_business_day(day):
            day += ONE_DAY
        return day

    def previous_business_day(self, day: dt.date) -> dt.date:
        """`day` itself when it is a business day, else the one before."""
        while not self.is_business_day(day):
            day -= ONE_DAY
        return day

    def deadline(self, day: dt.date, weekend_rule: str = "before") -> dt.date:
        """Where a deadline that falls on `day` counts: the business day before
        ("before"), after ("after"), or `day` itself ("as-is", or a business day)."""
        if weekend_rule == "before":
            return self.previous_business_day(day)
        if weekend_rule == "after":
            return self.next_business_day(day)
        return day

    def moved_deadline(self, day: dt.date, weekend_rule: str) -> tuple[dt.date, str]:
        """`deadline` and why it moved ('' when it did not), cached: the rules ask
        for the same few dates once per client."""
        key = (day, weekend_rule)
        known = self._deadlines.get(key)
        if known is None:
            counted = self.deadline(day, weekend_rule)
            known = (counted, "" if counted == day else self.why_not_business_day(day))
            self._deadlines[key] = known
        return known

    def why_not_business_day(self, day: dt.date) -> str:
        """'a Sunday', 'Christmas Day', 'an agency closure day' ('' for a business day)."""
        if self.is_business_day(day):
            return ""
        if day in self.closure_days:
            return "an agency closure day"
        if day.weekday() >= 5:
            return "a " + ("Saturday", "Sunday")[day.weekday() - 5]
        return self.holiday_name(day) or "not a business day"

    def add_business_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th business day after `day` (before it when n < 0).

        n = 0 rolls a non-business day forward to the next business day, so the
        result is always a business day. "Within 1 business day of Friday" is
        the following Monday (or Tuesday after a Monday holiday).
        """
        if n == 0:
            return self.next_business_day(day)
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_business_day(day):
                remaining -= 1
        return day

    def business_days_between(self, start: dt.date, end: dt.date) -> int:
        """Business days d with start < d <= end (negative when end < start)."""
        if end < start:
            return -self.business_days_between(end, start)
        count = 0
        day = start + ONE_DAY
        while day <= end:
            if self.is_business_day(day):
                count += 1
            day += ONE_DAY
        return count

    def business_days_of_month(self, year: int, month: int) -> tuple[dt.date, ...]:
        known = self._months.get((year, month))
        if known is None:
            last = _stdlib_calendar.monthrange(year, month)[1]
            known = tuple(
                d
                for d in (dt.date(year, month, i) for i in range(1, last + 1))
                if self.is_business_day(d)
            )
            self._months[(year, month)] = known
        return known

    def nth_business_day(self, year: int, month: int, n: int) -> dt.date | None:
        """The n-th (1-based) business day of a month; negative n counts from its end."""
        days = self.business_days_of_month(year, month)
        if n == 0 or abs(n) > len(days):
            return None
        return days[n - 1] if n > 0 else days[n]

    def business_day_index(self, day: dt.date) -> int | None:
        """Which business day of its month `day` is (1-based), None if it is not one."""
        if not self.is_business_day(day):
            return None
        return self.business_days_of_month(day.year, day.month).index(day) + 1

    def last_business_days(self, year: int, month: int, n: int) -> tuple[dt.date, ...]:
        """The last n business days of a month, in date order."""
        days = self.business_days_of_month(year, month)
        return days[-n:] if n > 0 else ()

    def in_last_business_days(self, day: dt.date, n: int) -> bool:
        return day in self.last_business_days(day.year, day.month, n)

    def in_first_business_days(self, day: dt.date, n: int) -> bool:
        index = self.business_day_index(day)
        return index is not None and index <= n


# --------------------------------------------------------------------------
# Plain date helpers the rules share
# --------------------------------------------------------------------------


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before `day`'s month."""
    return (first_of_month(day) - ONE_DAY).replace(day=1)


def last_of_month(day: dt.date) -> dt.date:
    return day.replace(day=_stdlib_calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day-of-month `months` later, clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = _stdlib_calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@lru_cache(maxsize=16)
def calendar_for(closure_days: tuple[dt.date, ...]) -> BusinessCalendar:
    """One shared calendar per closure-day list (its cache is worth keeping)."""
    return BusinessCalendar(closure_days)


# Module-level conveniences with the agency's closure days passed explicitly.
def is_business_day(day: dt.date, closure_days: Iterable[dt.date] = ()) -> bool:
    return calendar_for(tuple(sorted(closure_days))).is_business_day(day)


def add_business_days(day: dt.date, n: int, closure_days: Iterable[dt.date] = ()) -> dt.date:
    return calendar_for(tuple(sorted(closure_days))).add_business_days(day, n)


def business_days_between(start: dt.date, end: dt.date, closure_days: Iterable[dt.date] = ()) -> int:
    return calendar_for(tuple(sorted(closure_days))).business_days_between(start, end)


def nth_business_day(year: int, month: int, n: int, closure_days: Iterable[dt.date] = ()) -> dt.date | None:
    return calendar_for(tuple(sorted(closure_days))).nth_business_day(year, month, n)


def last_business_days(year: int, month: int, n: int, closure_days: Iterable[dt.date] = ()) -> tuple[dt.date, ...]:
    return calendar_for(tuple(sorted(closure_days))).last_business_days(year, month, n)
