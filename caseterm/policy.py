"""The policy in force: shipped `policy.toml` merged with the agency's file.

Every number of DOMAIN.md lives in the policy file, so an agency can change a
deadline without touching code. The agency file (paths.policy_override_path())
uses the same sections and keys; tables merge key by key, lists replace.
An unknown key or a value of the wrong type is a `BadInput` naming the key and
the file. `policy_sources()` says where each value came from (`caseterm policy`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
import typing
from dataclasses import dataclass, fields, is_dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from caseterm import paths
from caseterm.errors import BadInput

SHIPPED = "caseterm/policy.toml"


class BlockKind(StrEnum):
    """What a block of the day template is for (001)."""

    MORNING = "morning"
    INTERVIEW = "interview"
    NOTES = "notes"
    LUNCH = "lunch"
    #: month-phase blocks the agenda lays over the template (001)
    WORK_VERIFICATION = "work_verification"
    CHILDCARE = "childcare"


class DayUnit(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    BUSINESS_DAYS = "business_days"


class WeekendRule(StrEnum):
    """Where a deadline that falls on a non-business day goes."""

    BEFORE = "before"
    AFTER = "after"
    AS_IS = "as-is"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"

    @property
    def number(self) -> int:
        """0 = Monday, as `date.weekday()`."""
        return list(Weekday).index(self)


@dataclass(frozen=True)
class Block:
    start: dt.time
    end: dt.time
    kind: BlockKind
    title: str


@dataclass(frozen=True)
class PrivacyPolicy:
    idle_lock_minutes: int
    min_passphrase_length: int


@dataclass(frozen=True)
class BackupsPolicy:
    keep_daily: int
    keep_weekly: int


@dataclass(frozen=True)
class CalendarPolicy:
    closure_days: tuple[dt.date, ...]


@dataclass(frozen=True)
class DayPolicy:
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class MonthPhasePolicy:
    work_verification_days: int
    work_verification_day_unit: DayUnit
    childcare_last_business_days: int
    block_start: dt.time
    block_end: dt.time


@dataclass(frozen=True)
class NotesPolicy:
    finish_within_hours: int
    lookback_days: int
    attempt_minutes: int


@dataclass(frozen=True)
class EngagementPolicy:
    missed_activity_business_days: int
    attempts_required: int
    attempt_business_days: int
    written_methods: tuple[str, ...]
    letter_response_business_days: int


@dataclass(frozen=True)
class DeadlinesPolicy:
    weekend_rule: WeekendRule


@dataclass(frozen=True)
class ParticipationPolicy:
    weekly_hours: float
    programs: tuple[str, ...]
    work_search_warn_weeks: int
    work_search_limit_weeks: int
    work_search_window_months: int


@dataclass(frozen=True)
class MonthlyPolicy:
    verification_deadline_day: int
    close_after_day: int


@dataclass(frozen=True)
class PenaltyPolicy:
    warn_before_month: int


@dataclass(frozen=True)
class EnrollmentPolicy:
    first_interview_days_from_contact: int
    first_interview_days_from_referral: int
    vi_spdat_days: int
    spdat_days: int


@dataclass(frozen=True)
class CasePlanPolicy:
    review_days: int
    programs: tuple[str, ...]


@dataclass(frozen=True)
class ReleasePolicy:
    expiring_within_days: int


@dataclass(frozen=True)
class HomeVisitsPolicy:
    programs: tuple[str, ...]


@dataclass(frozen=True)
class FollowUpPolicy:
    default_days: int


@dataclass(frozen=True)
class HmisPolicy:
    annual_window_days: int
    data_entry_days: int
    lookback_days: int
    prioritization_min_score: int


@dataclass(frozen=True)
class ReferralPolicy:
    outcome_within_days: int


@dataclass(frozen=True)
class CaseloadPolicy:
    print_weekday: Weekday


@dataclass(frozen=True)
class SearchPolicy:
    #: Groups of words or phrases that mean the same; a query naming one finds them all.
    synonyms: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class DisplayPolicy:
    year_after_months: int


@dataclass(frozen=True)
class Policy:
    privacy: PrivacyPolicy
    backups: BackupsPolicy
    calendar: CalendarPolicy
    day: DayPolicy
    month_phase: MonthPhasePolicy
    notes: NotesPolicy
    engagement: EngagementPolicy
    deadlines: DeadlinesPolicy
    participation: ParticipationPolicy
    monthly: MonthlyPolicy
    penalty: PenaltyPolicy
    enrollment: EnrollmentPolicy
    case_plan: CasePlanPolicy
    release: ReleasePolicy
    home_visits: HomeVisitsPolicy
    follow_up: FollowUpPolicy
    hmis: HmisPolicy
    referral: ReferralPolicy
    caseload: CaseloadPolicy
    search: SearchPolicy
    display: DisplayPolicy

    def applies_to(self, program: str, programs: tuple[str, ...]) -> bool:
        """An empty program list means every program."""
        return not programs or program in programs


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    #: dotted key -> where its value came from ("default" or the agency file)
    sources: dict[str, str]
    override_file: Path | None


def _shipped_text() -> str:
    return resources.files("caseterm").joinpath("policy.toml").read_text(encoding="utf-8")


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise BadInput(f"{where}: not valid TOML ({err})") from None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; anything else (lists included) replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _leaf_keys(data: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            keys.extend(_leaf_keys(value, f"{prefix}{key}."))
        else:
            keys.append(f"{prefix}{key}")
    return keys


_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", dt.time: "a time (HH:MM:SS)", dt.date: "a date (YYYY-MM-DD)"}


def _convert(value: Any, hint: Any, key: str, where: str) -> Any:
    """Check and convert one TOML value to the dataclass field's type."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        (item_hint, _ellipsis) = typing.get_args(hint)
        if not isinstance(value, list):
            raise BadInput(f"{where}: {key}: expected a list, got {value!r}")
        return tuple(_convert(v, item_hint, f"{key}[{i}]", where) for i, v in enumerate(value))
    if is_dataclass(hint):
        if not isinstance(value, dict):
            raise BadInput(f"{where}: {key}: expected a table, got {value!r}")
        return _build(hint, value, key, where)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        allowed = [m.value for m in hint]
        if not isinstance(value, str) or value not in allowed:
            raise BadInput(f"{where}: {key}: expected one of {', '.join(allowed)}, got {value!r}")
        return hint(value)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadInput(f"{where}: {key}: expected {_TYPE_NAMES[float]}, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadInput(f"{where}: {key}: expected {_TYPE_NAMES[int]}, got {value!r}")
        return value
    if hint is dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise BadInput(f"{where}: {key}: expected {_TYPE_NAMES[dt.date]}, got {value!r}")
        return value
    if hint in (str, dt.time):
        if not isinstance(value, hint):
            raise BadInput(f"{where}: {key}: expected {_TYPE_NAMES[hint]}, got {value!r}")
        return value
    raise TypeError(f"policy field {key}: unsupported type {hint!r}")  # a programming error


def _build(cls: type, data: dict[str, Any], prefix: str, where: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    for key in data:
        if key not in names:
            dotted = f"{prefix}.{key}" if prefix else key
            raise BadInput(f"{where}: {dotted}: unknown key")
    values = {}
    for name in names:
        dotted = f"{prefix}.{name}" if prefix else name
        if name not in data:
            raise BadInput(f"{where}: {dotted}: missing")
        values[name] = _convert(data[name], hints[name], dotted, where)
    return cls(**values)


def _check_override_keys(override: dict[str, Any], cls: type, where: str, prefix: str = "") -> None:
    """Reject unknown keys and type mismatches in the agency file, naming that file."""
    hints = typing.get_type_hints(cls)
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if key not in hints:
            raise BadInput(f"{where}: {dotted}: unknown key")
        hint = hints[key]
        if is_dataclass(hint) and isinstance(value, dict):
            _check_override_keys(value, hint, where, dotted + ".")
        else:
            _convert(value, hint, dotted, where)


#: Every number of the policy: (lowest, highest) allowed, checked when the file loads.
#: Why: a number far outside what a calendar can hold (`default_days = 9223372036854775807`)
#: overflows date arithmetic, and a huge count of business days makes a rule walk the
#: calendar for minutes. The bounds are generous: a year of business days, ten years of days.
BOUNDS: dict[str, tuple[float, float]] = {
    "privacy.idle_lock_minutes": (1, 1440),
    "privacy.min_passphrase_length": (1, 1024),
    "backups.keep_daily": (1, 366),
    "backups.keep_weekly": (0, 520),
    "month_phase.work_verification_days": (1, 31),
    "month_phase.childcare_last_business_days": (1, 23),
    "notes.finish_within_hours": (1, 8784),
    "notes.lookback_days": (1, 3660),
    "notes.attempt_minutes": (0, 1440),
    "engagement.missed_activity_business_days": (0, 260),
    "engagement.attempts_required": (1, 100),
    "engagement.attempt_business_days": (0, 260),
    "engagement.letter_response_business_days": (0, 260),
    "participation.weekly_hours": (0, 168),
    "participation.work_search_warn_weeks": (0, 520),
    "participation.work_search_limit_weeks": (0, 520),
    "participation.work_search_window_months": (1, 120),
    "monthly.verification_deadline_day": (1, 28),
    "monthly.close_after_day": (1, 28),
    "penalty.warn_before_month": (1, 120),
    "enrollment.first_interview_days_from_contact": (0, 3660),
    "enrollment.first_interview_days_from_referral": (0, 3660),
    "enrollment.vi_spdat_days": (0, 3660),
    "enrollment.spdat_days": (0, 3660),
    "case_plan.review_days": (0, 3660),
    "release.expiring_within_days": (0, 3660),
    "follow_up.default_days": (0, 3660),
    "referral.outcome_within_days": (0, 3660),
    "display.year_after_months": (0, 120),
    "hmis.annual_window_days": (0, 182),
    "hmis.data_entry_days": (0, 3660),
    "hmis.lookback_days": (1, 3660),
    "hmis.prioritization_min_score": (0, 60),
}


def _check_bounds(policy: Policy, where: str) -> None:
    """Every number within its BOUNDS, naming the field (a number with no bounds is a programming error)."""
    for key, value in flatten(policy).items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        if key not in BOUNDS:
            raise TypeError(f"policy field {key}: a number without bounds in policy.BOUNDS")
        low, high = BOUNDS[key]
        if not low <= value <= high:
            raise BadInput(f"{where}: {key}: must be between {low:g} and {high:g} (got {value})")


def _validate(policy: Policy, where: str) -> None:
    """Cross-field checks a type cannot express."""
    _check_bounds(policy, where)
    p = policy.participation
    if p.work_search_warn_weeks > p.work_search_limit_weeks:
        raise BadInput(f"{where}: participation.work_search_warn_weeks: must not be above work_search_limit_weeks")
    from caseterm.vocabulary import ContactMethod

    known = {m.value for m in ContactMethod}
    for i, method in enumerate(policy.engagement.written_methods):
        if method not in known:
            raise BadInput(f"{where}: engagement.written_methods[{i}]: expected one of {', '.join(sorted(known))}, got {method!r}")
    for i, block in enumerate(policy.day.blocks):
        if block.end <= block.start:
            raise BadInput(f"{where}: day.blocks[{i}]: end {block.end:%H:%M} is not after start {block.start:%H:%M}")
    if policy.month_phase.block_end <= policy.month_phase.block_start:
        raise BadInput(f"{where}: month_phase.block_end: not after month_phase.block_start")
    for i, group in enumerate(policy.search.synonyms):
        if len(group) < 2:
            raise BadInput(f"{where}: search.synonyms[{i}]: a group needs at least two words or phrases")
        for j, entry in enumerate(group):
            if not any(ch.isalnum() for ch in entry):
                raise BadInput(f"{where}: search.synonyms[{i}][{j}]: {entry!r} has no word in it")


def read_policy(override_path: Path | None = None) -> LoadedPolicy:
    """Load the shipped policy merged with an agency file (not cached)."""
    base = _read_toml(_shipped_text(), SHIPPED)
    sources = {key: "default" for key in _leaf_keys(base)}
    merged = base
    used: Path | None = None
    where = SHIPPED
    if override_path is not None and override_path.is_file():
        where = str(override_path)
        try:
            text = override_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise BadInput(f"{where}: cannot read the policy file ({err})") from None
        override = _read_toml(text, where)
        _check_override_keys(override, Policy, where)
        merged = _merge(base, override)
        for key in _leaf_keys(override):
            sources[key] = where
        used = override_path
    policy = _build(Policy, merged, "", where)
    _validate(policy, where)
    return LoadedPolicy(policy, sources, used)


@lru_cache(maxsize=4)
def _load_cached(override_path: Path) -> LoadedPolicy:
    return read_policy(override_path)


def load_loaded() -> LoadedPolicy:
    return _load_cached(paths.policy_override_path())


def load_policy() -> Policy:
    """The policy in force (cached per agency-file location)."""
    return load_loaded().policy


def policy_sources() -> dict[str, str]:
    """Dotted key -> "default" or the agency file's path, for `caseterm policy`."""
    return dict(load_loaded().sources)


def clear_cache() -> None:
    """Forget the cached policy (after the agency file changed, and in tests)."""
    _load_cached.cache_clear()


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """The policy as dotted key -> value, in file order (for display)."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        dotted = f"{prefix}{f.name}"
        if is_dataclass(value):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


__all__ = [
    "Block",
    "BlockKind",
    "DayUnit",
    "Policy",
    "Weekday",
    "WeekendRule",
    "load_policy",
    "policy_sources",
    "read_policy",
    "clear_cache",
    "flatten",
]
