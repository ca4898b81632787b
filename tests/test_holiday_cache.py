"""Issue 14, holidays without the import cost: the `holidays` package stays the source
of truth; each year it gives is kept on disk, keyed by the package's version."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from caseterm import paths
from caseterm.rules import calendar
from caseterm.rules.calendar import HOLIDAY_CACHE, federal_holiday_names, holidays_from_package


@pytest.fixture(autouse=True)
def fresh_memory_cache():
    calendar.federal_holiday_names.cache_clear()
    calendar.federal_holidays.cache_clear()
    yield
    calendar.federal_holiday_names.cache_clear()
    calendar.federal_holidays.cache_clear()


def cache_file() -> Path:
    return paths.cache_dir() / HOLIDAY_CACHE


def test_the_cached_year_is_the_package_s_year() -> None:
    first = federal_holiday_names(2026)
    assert first == holidays_from_package(2026)
    assert first[dt.date(2026, 7, 3)].startswith("Independence Day")  # the 4th is a Saturday: observed Friday
    data = json.loads(cache_file().read_text())
    assert data["holidays"] == calendar._holidays_version() != ""
    assert set(data["years"]) == {"2026"}
    calendar.federal_holiday_names.cache_clear()
    assert federal_holiday_names(2026) == first  # now from the file
    federal_holiday_names(2027)
    assert set(json.loads(cache_file().read_text())["years"]) == {"2026", "2027"}


def test_a_cached_year_does_not_import_the_package() -> None:
    federal_holiday_names(2026)  # writes the cache in this test's cache folder
    code = textwrap.dedent(
        """
        import json, sys
        from caseterm.rules.calendar import BusinessCalendar, federal_holiday_names
        cal = BusinessCalendar()
        out = {"thanksgiving": cal.is_business_day(__import__("datetime").date(2026, 11, 26)),
               "names": len(federal_holiday_names(2026)),
               "imported": "holidays" in sys.modules}
        print(json.dumps(out))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {"thanksgiving": False, "names": len(holidays_from_package(2026)), "imported": False}


def test_another_package_version_or_a_damaged_file_asks_the_package_again() -> None:
    truth = holidays_from_package(2026)
    cache_file().parent.mkdir(parents=True, exist_ok=True)
    stale = {"format": 1, "holidays": "0.0.1", "years": {"2026": {"2026-03-10": "Not A Holiday"}}}
    cache_file().write_text(json.dumps(stale))
    assert federal_holiday_names(2026) == truth
    assert json.loads(cache_file().read_text())["holidays"] == calendar._holidays_version()
    calendar.federal_holiday_names.cache_clear()
    cache_file().write_text("{not json")
    assert federal_holiday_names(2026) == truth


def test_an_unwritable_cache_folder_is_not_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(paths, "cache_dir", lambda: blocker / "caseterm")  # a folder under a file
    assert federal_holiday_names(2026) == holidays_from_package(2026)


def test_the_cache_folder_is_owner_only_and_its_file_0600() -> None:
    """The README promises owner-only modes for every folder and file caseterm creates."""
    import os
    import stat

    assert not cache_file().exists()
    old = os.umask(0o022)  # a permissive umask must not widen what caseterm creates
    try:
        federal_holiday_names(2031)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache_file().parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(cache_file().stat().st_mode) == 0o600
