"""Backups belong to their own database, and a clock set wrong deletes none (issue 21, item 5).

`work.db` and `work-2025.db` in one folder: each database's backups are its own
(listing, the one-a-day check, the rotation). The rotation ranks backups among
themselves: a backup taken with the clock at 2020 or 2030 does not delete the
daily ones.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from caseterm import backups
from caseterm.store import open_store, resolve_url

SAMPLE = Path(__file__).parent / "data" / "sample.json"
START = dt.datetime(2026, 11, 23, 8, 30)  # a Monday


def make_db(path: Path) -> Path:
    """A real, migrated caseterm database (empty caseload)."""
    engine = open_store(resolve_url(str(path)))
    engine.dispose()
    return path


def auto_names(db: Path) -> set[str]:
    return {b.path.name for b in backups.list_backups(db) if b.automatic}


def on_disk(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@pytest.mark.parametrize("names", [("work.db", "work-2025.db"), ("a.db", "a-auto.db"), ("a.db", "a-backup.db"),
                                   ("x[1].db", "x[1]-old.db"), ("caseterm.db", "caseterm-before-restore.db")])
def test_two_databases_in_one_folder_keep_their_own_backups(tmp_path: Path, names: tuple[str, str]) -> None:
    mine, other = make_db(tmp_path / names[0]), make_db(tmp_path / names[1])
    # The other database's backups: one today, and a fortnight of older ones.
    for day in range(14, -1, -1):
        backups.auto_backup(other, 7, 4, now=START + dt.timedelta(days=20 - day))
    theirs = on_disk(tmp_path / "backups")
    assert theirs and auto_names(mine) == set()  # none of them is mine

    # Mine: today's backup is taken (theirs from today does not count), then rotated for 30 days.
    made = backups.auto_backup(mine, 7, 4, now=START + dt.timedelta(days=20, hours=1))
    assert made is not None and made.name.startswith(Path(names[0]).stem + "-auto-")
    for day in range(21, 50):
        backups.auto_backup(mine, 7, 4, now=START + dt.timedelta(days=day))
    assert theirs <= on_disk(tmp_path / "backups")  # my rotation deleted none of theirs
    assert auto_names(other) == theirs
    assert auto_names(mine) == on_disk(tmp_path / "backups") - theirs
    assert len(auto_names(mine)) == 10  # 7 days and 3 weeks before, of mine alone

    # A manual backup and a restore's kept copy of the other database are not mine either.
    from caseterm.store import backup_path_for

    manual = backup_path_for(other)
    shutil.copy(other, manual)
    assert manual.name not in {b.path.name for b in backups.list_backups(mine)}
    assert manual.name in {b.path.name for b in backups.list_backups(other)}


def test_the_cli_takes_and_lists_only_its_own(tmp_path: Path) -> None:
    """Real processes: `work.db`'s import takes its own backup although `work-2025.db` has one
    today, and `restore` lists only `work.db`'s."""
    work, old = make_db(tmp_path / "work.db"), make_db(tmp_path / "work-2025.db")
    env = {**os.environ}

    def caseterm(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "caseterm", "--db", str(db), *args], capture_output=True,
                              text=True, env=env, timeout=120)

    assert caseterm(old, "import", str(SAMPLE)).returncode == 0
    assert caseterm(old, "import", str(SAMPLE)).returncode == 0  # its daily backup, taken now
    assert len(auto_names(old)) == 1
    assert caseterm(work, "import", str(SAMPLE)).returncode == 0
    assert caseterm(work, "import", str(SAMPLE)).returncode == 0
    assert len(auto_names(work)) == 1  # taken, though work-2025 had one today
    listed = caseterm(work, "restore")
    assert listed.returncode == 0
    assert "work-auto-" in listed.stdout and "work-2025" not in listed.stdout


def _dailies(db: Path, days: int, keep_daily: int) -> list[str]:
    for day in range(days):
        backups.auto_backup(db, keep_daily, 4, now=START + dt.timedelta(days=day))
    return sorted(auto_names(db))


@pytest.mark.parametrize("wrong", [dt.datetime(2020, 3, 1, 9), dt.datetime(2030, 6, 1, 9)])
def test_a_clock_set_wrong_deletes_none_of_the_daily_backups(tmp_path: Path, wrong: dt.datetime) -> None:
    db = make_db(tmp_path / "day.db")
    nine = _dailies(db, 9, keep_daily=10)
    assert len(nine) == 9
    made = backups.auto_backup(db, 10, 4, now=wrong)
    assert made is not None
    assert sorted(auto_names(db)) == sorted([*nine, made.name])  # all nine, and the new one


@pytest.mark.parametrize("wrong", [dt.datetime(2020, 3, 1, 9), dt.datetime(2030, 6, 1, 9)])
def test_with_the_policy_numbers_a_wrong_clock_is_one_more_backup(tmp_path: Path, wrong: dt.datetime) -> None:
    """The policy's 7 days and 4 weeks, 30 days of backups: one at 2020 deletes nothing; one at
    2030 is ranked the newest, so the newest 6 real days stay and the weekly ones shift by at
    most one week (the old code deleted every daily backup in both cases)."""
    db = make_db(tmp_path / "day.db")
    kept = _dailies(db, 30, keep_daily=7)
    assert len(kept) == 10
    twin = tmp_path / "twin"
    shutil.copytree(tmp_path, twin, ignore=shutil.ignore_patterns("twin"))
    made = backups.auto_backup(db, 7, 4, now=wrong)
    assert made is not None
    after = auto_names(db)
    if wrong.year < START.year:
        assert after == {*kept, made.name}
        return
    newest_six = sorted(kept)[-6:]
    assert set(newest_six) <= after
    normal = backups.auto_backup(twin / "day.db", 7, 4, now=START + dt.timedelta(days=30))
    assert normal is not None
    lost_normally = set(kept) - auto_names(twin / "day.db")
    assert len(set(kept) - after) <= len(lost_normally) + 1


def test_the_rotation_does_not_read_today() -> None:
    taken = [START + dt.timedelta(days=n) for n in range(9)]
    keep = backups.to_keep(taken, keep_daily=9, keep_weekly=4)
    assert keep == set(taken)
    keep = backups.to_keep([*taken, dt.datetime(2020, 1, 1)], keep_daily=9, keep_weekly=4)
    assert set(taken) <= keep  # the stray old one is ranked last, the nine stay
