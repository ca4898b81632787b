"""The import's tunable limits in one place, so tests can shrink them (patch this module)."""

from __future__ import annotations

#: Records written per executemany (and looked up per query) while importing.
BATCH = 2000
#: Problems listed before the rest are only counted (a broken 50 MB file would
#: otherwise print hundreds of thousands of lines).
MAX_ERRORS = 1000
#: How long an import waits for another writer (an import, the app saving a
#: note) before it gives up with "busy" (exit 2). SQLite's own busy timeout
#: applies within each attempt.
LOCK_WAIT_SECONDS = 60.0
