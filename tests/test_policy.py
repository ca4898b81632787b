"""The policy file: shipped defaults, the agency override, clear errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from caseterm import paths
from caseterm.errors import BadInput
from caseterm.policy import BlockKind, clear_cache, load_policy, policy_sources, read_policy


@pytest.fixture(autouse=True)
def fresh_policy():
    clear_cache()
    yield
    clear_cache()


def write_override(text: str) -> Path:
    path = paths.policy_override_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_shipped_defaults_hold_domain_numbers() -> None:
    policy = load_policy()
    assert policy.privacy.idle_lock_minutes == 10
    assert policy.notes.finish_within_hours == 24
    assert policy.engagement.missed_activity_business_days == 1
    assert policy.engagement.attempts_required == 2
    assert policy.engagement.attempt_business_days == 5
    assert policy.engagement.letter_response_business_days == 5   # the agency's choice: 003 gives no number
    assert policy.deadlines.weekend_rule == "before"
    assert policy.participation.weekly_hours == 40
    assert (policy.participation.work_search_warn_weeks, policy.participation.work_search_limit_weeks) == (10, 12)
    assert policy.monthly.verification_deadline_day == 20 and policy.monthly.close_after_day == 20
    assert policy.month_phase.work_verification_days == 10
    assert policy.month_phase.childcare_last_business_days == 5
    assert policy.penalty.warn_before_month == 3
    assert policy.enrollment.first_interview_days_from_contact == 10
    assert policy.enrollment.first_interview_days_from_referral == 15
    assert policy.enrollment.vi_spdat_days == 7 and policy.enrollment.spdat_days == 7
    assert policy.case_plan.review_days == 30
    assert policy.release.expiring_within_days == 30
    assert policy.follow_up.default_days == 14
    assert policy.referral.outcome_within_days == 7
    assert all(v == "default" for v in policy_sources().values())


def test_day_template_blocks() -> None:
    blocks = load_policy().day.blocks
    assert [(b.start.strftime("%H:%M"), b.end.strftime("%H:%M"), b.kind) for b in blocks] == [
        ("08:00", "08:30", BlockKind.MORNING),
        ("08:30", "10:00", BlockKind.INTERVIEW),
        ("10:00", "11:30", BlockKind.INTERVIEW),
        ("11:30", "12:00", BlockKind.NOTES),
        ("12:00", "13:00", BlockKind.LUNCH),
        ("13:00", "13:30", BlockKind.NOTES),
        ("13:30", "15:00", BlockKind.INTERVIEW),
        ("15:00", "16:00", BlockKind.INTERVIEW),
        ("16:00", "16:30", BlockKind.NOTES),
    ]
    assert all(isinstance(b.start, dt.time) and b.title for b in blocks)


def test_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        load_policy().privacy.idle_lock_minutes = 1  # type: ignore[misc]


def test_agency_file_overrides_and_is_reported() -> None:
    path = write_override(
        "[privacy]\nidle_lock_minutes = 5\n\n[calendar]\nclosure_days = [2026-12-24]\n\n"
        "[participation]\nweekly_hours = 30.5\n"
    )
    policy = load_policy()
    assert policy.privacy.idle_lock_minutes == 5
    assert policy.calendar.closure_days == (dt.date(2026, 12, 24),)
    assert policy.participation.weekly_hours == 30.5
    assert policy.participation.work_search_limit_weeks == 12  # untouched keys keep the default
    sources = policy_sources()
    assert sources["privacy.idle_lock_minutes"] == str(path)
    assert sources["calendar.closure_days"] == str(path)
    assert sources["follow_up.default_days"] == "default"


def test_override_replaces_the_block_list() -> None:
    write_override(
        '[[day.blocks]]\nstart = 09:00:00\nend = 12:00:00\nkind = "interview"\ntitle = "Walk-in hours"\n'
    )
    blocks = load_policy().day.blocks
    assert len(blocks) == 1 and blocks[0].title == "Walk-in hours" and blocks[0].kind == BlockKind.INTERVIEW


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[privacy]\nidle_lock_minute = 5\n", "privacy.idle_lock_minute: unknown key"),
        ("[privasy]\nidle_lock_minutes = 5\n", "privasy: unknown key"),
        ('[privacy]\nidle_lock_minutes = "ten"\n', "privacy.idle_lock_minutes: expected an integer"),
        ("[privacy]\nidle_lock_minutes = true\n", "privacy.idle_lock_minutes: expected an integer"),
        ('[calendar]\nclosure_days = ["Dec 24"]\n', "calendar.closure_days[0]: expected a date"),
        ('[caseload]\nprint_weekday = "funday"\n', "caseload.print_weekday: expected one of monday"),
        ('[[day.blocks]]\nstart = 09:00:00\nend = 10:00:00\nkind = "nap"\ntitle = "x"\n', "day.blocks[0].kind"),
        ('[[day.blocks]]\nstart = 09:00:00\nend = 10:00:00\nkind = "notes"\n', "day.blocks[0].title: missing"),
        ('[[day.blocks]]\nstart = 10:00:00\nend = 09:00:00\nkind = "notes"\ntitle = "x"\n', "day.blocks[0]: end 09:00 is not after start 10:00"),
        ("[privacy\n", "not valid TOML"),
        ("[follow_up]\ndefault_days = -3\n", "follow_up.default_days: must be between 0 and 3660 (got -3)"),
        ("[month_phase]\nchildcare_last_business_days = 0\n", "month_phase.childcare_last_business_days: must be between 1 and 23 (got 0)"),
        ("[participation]\nwork_search_warn_weeks = 13\n", "work_search_warn_weeks: must not be above"),
        ('[engagement]\nwritten_methods = ["pigeon"]\n', "engagement.written_methods[0]: expected one of"),
        ("[monthly]\nverification_deadline_day = 31\n", "monthly.verification_deadline_day: must be between 1 and 28"),
        ('[deadlines]\nweekend_rule = "sunday"\n', "deadlines.weekend_rule: expected one of before, after, as-is"),
        ("[engagement]\nletter_response_business_days = -1\n", "engagement.letter_response_business_days: must be between 0 and 260"),
        # Issue 21 item 9: numbers far out of range crashed the agenda (OverflowError) or spun for minutes.
        ("[follow_up]\ndefault_days = 9223372036854775807\n", "follow_up.default_days: must be between 0 and 3660"),
        ("[notes]\nlookback_days = 9223372036854775807\n", "notes.lookback_days: must be between 1 and 3660"),
        ("[notes]\nfinish_within_hours = 9223372036854775807\n", "notes.finish_within_hours: must be between 1 and 8784"),
        ("[enrollment]\nvi_spdat_days = 9223372036854775807\n", "enrollment.vi_spdat_days: must be between 0 and 3660"),
        ("[participation]\nwork_search_window_months = 9223372036854775807\n", "participation.work_search_window_months: must be between 1 and 120"),
        ("[backups]\nkeep_daily = 9223372036854775807\n", "backups.keep_daily: must be between 1 and 366"),
        ("[engagement]\nmissed_activity_business_days = 100000000\n", "engagement.missed_activity_business_days: must be between 0 and 260"),
        ("[display]\nyear_after_months = 100000\n", "display.year_after_months: must be between 0 and 120"),
        ("[participation]\nweekly_hours = 1e300\n", "participation.weekly_hours: must be between 0 and 168"),
    ],
)
def test_bad_agency_file_names_key_and_file(text: str, message: str) -> None:
    path = write_override(text)
    with pytest.raises(BadInput) as caught:
        load_policy()
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_read_policy_without_override_file(tmp_path: Path) -> None:
    loaded = read_policy(tmp_path / "missing.toml")
    assert loaded.override_file is None and loaded.policy.follow_up.default_days == 14


def test_policy_command_shows_sources() -> None:
    from caseterm.cli import cli

    path = write_override("[follow_up]\ndefault_days = 21\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["policy", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["follow_up.default_days"] == {"value": "21", "source": f"agency file {path}"}
    assert data["privacy.idle_lock_minutes"]["source"] == "default"
    # Wide enough for the agency file's path (a parallel worker's temp path is longer): no cell wraps.
    text = runner.invoke(cli, ["policy"], env={"COLUMNS": "400"})
    assert text.exit_code == 0 and "follow_up.default_days" in text.output and "agency file" in text.output


def test_bad_policy_file_is_exit_2_from_the_command_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    write_override("[privacy]\nidle_lock = 5\n")
    result = subprocess.run([sys.executable, "-m", "caseterm", "policy"], capture_output=True, text=True,
                            env={**os.environ}, timeout=60)
    assert result.returncode == 2
    assert "privacy.idle_lock: unknown key" in result.stderr and "Traceback" not in result.stderr


def test_every_policy_number_has_bounds() -> None:
    """Issue 21 item 9: every number field is bounded (a new field without bounds fails here)."""
    from caseterm.policy import BOUNDS, flatten

    numbers = {k for k, v in flatten(load_policy()).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    assert numbers == set(BOUNDS)
    for key, (low, high) in BOUNDS.items():
        assert low <= flatten(load_policy())[key] <= high, key
