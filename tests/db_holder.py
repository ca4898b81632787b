"""A second program for the two-programs tests (issue 21): run as a real process.

`python db_holder.py hold DB` opens DB the way the app does (the light start's
read-only connection, then the store, the file check and the daily backup),
holds the app's lock (caseterm.applock) like the app, then obeys lines on stdin:

    write TEXT   set client 1's phone to TEXT (one transaction); answers "ok"
    fds          answers a JSON list of what its descriptors on DB's files point to
    quit         answers the JSON list of "opened twice" findings, then exits

`python db_holder.py cli ARGS...` runs `caseterm ARGS...` in this process.

Both watch every Python-level open of the database or its -shm file (an audit
hook): an open while this process already has a descriptor on that file is
the fault of issue 21 (closing it drops SQLite's locks). The findings go to
stderr as `OPENED-TWICE <path>` lines (cli) or in the answer to quit (hold).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

FINDINGS: list[str] = []
_WATCHED: set[str] = set()


def _open_here(path: str) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    for name in os.listdir("/proc/self/fd"):
        try:
            other = os.fstat(int(name))
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
            return True
    return False


def _hook(event: str, args: tuple) -> None:
    if event != "open" or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    try:
        path = os.path.abspath(os.fsdecode(args[0]))
    except (TypeError, ValueError):
        return
    if path in _WATCHED and _open_here(path):
        FINDINGS.append(path)


def watch(db: Path) -> None:
    db = db.absolute()
    _WATCHED.update({str(db), f"{db}-shm"})
    sys.addaudithook(_hook)


def descriptors(db: Path) -> list[str]:
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if target.startswith(str(db.absolute())):
            found.append(target)
    return sorted(found)


def hold(db: Path) -> None:
    from caseterm import applock, cipher, readonly
    from caseterm.backups import auto_backup
    from caseterm.store import open_store, quick_check, resolve_url
    from sqlalchemy import text

    watch(db)
    url = resolve_url(str(db))
    cipher.unlock_from(db)  # an encrypted file: CASETERM_PASSPHRASE, as the app's start reads it
    release = applock.hold_shared(db)  # the app's lock, never given back here  # noqa: F841
    first_page = readonly.connect(url)  # the light start: the first page, read-only
    assert first_page is not None, "not a caseterm file at the head revision"
    first_page.execute("SELECT count(*) FROM client").fetchone()
    engine = open_store(url, create=False)  # the store, opened while the first page's connection is open
    quick_check(engine)
    auto_backup(db, 9, 4)  # the app's daily backup (copies the open file)
    first_page.close()  # let go of the first page's connection, as the app does
    print("ready", flush=True)
    for line in sys.stdin:
        word, _, rest = line.rstrip("\n").partition(" ")
        if word == "write":
            with engine.begin() as conn:
                conn.execute(text("UPDATE client SET phone = :v WHERE id = 1"), {"v": rest})
            print("ok", flush=True)
        elif word == "fds":
            print(json.dumps(descriptors(db)), flush=True)
        elif word == "quit":
            print(json.dumps(FINDINGS), flush=True)
            engine.dispose()
            return


def cli(args: list[str]) -> None:
    import atexit

    from caseterm.cli import main

    if "--db" in args:
        watch(Path(args[args.index("--db") + 1]))

    def report() -> None:
        for path in FINDINGS:
            print(f"OPENED-TWICE {path}", file=sys.stderr, flush=True)

    atexit.register(report)
    main(args)


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        hold(Path(sys.argv[2]))
    else:
        cli(sys.argv[2:])
