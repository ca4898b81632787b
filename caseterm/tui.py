"""Start the terminal app from the CLI (kept apart so the CLI stays light).

The CLI hands its options in (`StartOptions`, which `cli.CliContext` satisfies);
this module does not import `cli` (issue 26: no import circle).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from caseterm.app import CasetermApp


class StartOptions(Protocol):
    """What the start needs from the command line's options (`cli.CliContext`)."""

    demo: bool
    #: Where messages about the file say it is (a class attribute on CliContext).
    location: str | None

    @property
    def url(self) -> str: ...

    @property
    def letters_dir(self) -> Path | None: ...

    def engine(self, *, create: bool = False, check: bool = True) -> "Engine": ...


def run_tui(ctx: "StartOptions") -> None:
    from caseterm.config import load_settings
    from caseterm.policy import load_policy

    load_settings()  # a bad or retired setting is exit 2 with its message, before the screen is taken
    load_policy()  # likewise a malformed or out-of-range policy.toml (the app once quit silently, exit 0)
    start_unlock = unlock(ctx)
    app = make_app(ctx, start_unlock)
    try:
        app.run()
    finally:
        if app.readonly_start and app.store_up:
            app.engine.dispose()
    # A crash inside the app has already written its report and said where;
    # the exit status still says something went wrong (DESIGN.md: 1).
    if app.return_code:
        sys.exit(app.return_code)


def make_app(ctx: "StartOptions", start_unlock: tuple[int, str] | None = None) -> "CasetermApp":
    """The app on the database the options chose (after `unlock`).

    A caseterm file at the head revision starts light (issue 14): its first page is
    read read-only with the plain driver and the store comes up in a worker after
    it paints. Anything else — a new file (created), an older revision (backed up,
    then migrated), a file that is not caseterm's (refused: exit 2), PostgreSQL —
    opens the full store first, as before.
    """
    from caseterm.store import sqlite_path

    path = sqlite_path(ctx.url)
    app = _app_on(ctx, start_unlock)
    if path is None or ctx.demo or not path.exists():
        return app
    # The app's lock, for as long as the app lives: commands that replace the file
    # (restore, encrypt, ...) refuse meanwhile (caseterm.applock, issue 21). Taken once
    # the file is known to be caseterm's (no lock file beside another program's file).
    from caseterm import applock

    try:
        release = applock.hold_shared(path)
    except BaseException:
        if app.readonly is not None:  # the light start's read-only connection: nothing written
            app.readonly.close()
        if app.store_up:
            app.engine.dispose()
        raise
    import weakref

    weakref.finalize(app, release)
    return app


def _app_on(ctx: "StartOptions", start_unlock: tuple[int, str] | None) -> "CasetermApp":
    from caseterm.app import CasetermApp
    from caseterm.store import sqlite_path

    # Opening a named file in an existing folder may make a new caseload there (the
    # user asked for that file); a missing folder is a typo, not a request. Damage is
    # looked for after the first screen is painted (CasetermApp.check_store).
    path = sqlite_path(ctx.url)
    create = path is None or path.parent.exists()
    readonly = None if ctx.demo else light_start(ctx)
    if readonly is not None:
        # The light start (issue 14): a caseterm file at the head revision is read
        # read-only for the first page; the store comes up in a worker after it paints.
        url = ctx.url

        def open_engine() -> "Engine":
            from caseterm.store import open_store

            return open_store(url, create=False)

        app = CasetermApp(
            open_engine=open_engine,
            readonly=readonly,
            letters_dir=ctx.letters_dir,
            automatic_backups=not ctx.demo,
            start_unlock=start_unlock,
        )
    else:
        # New, to migrate (backup first), refused, or PostgreSQL: the full store, now.
        app = CasetermApp(
            engine=ctx.engine(create=create, check=False),
            letters_dir=ctx.letters_dir,
            automatic_backups=not ctx.demo,
            start_unlock=start_unlock,
        )
    return app


def light_start(ctx: "StartOptions") -> Any:
    """A read-only connection for the first page when the file can be opened as it is
    (caseterm's, at the head revision), else None (`caseterm.readonly`)."""
    from caseterm import readonly
    from caseterm.store import location

    conn = readonly.connect(ctx.url)
    if conn is not None:
        type(ctx).location = location(ctx.url)  # what messages about the file name (CliContext's class attribute)
    return conn


def unlock(ctx: "StartOptions") -> tuple[int, str] | None:
    """An encrypted database: CASETERM_PASSPHRASE, or the unlock screen before anything else is drawn.

    Returns (wrong tries, how) for the audit trail, which can only be written once the file is open;
    tries that ended in giving up open nothing and so leave no entry (the file stays sealed).
    """
    from caseterm import cipher
    from caseterm.errors import BadInput
    from caseterm.store import sqlite_path

    path = sqlite_path(ctx.url)
    from caseterm import swap

    swap.recover(path)  # an interrupted encrypt/decrypt/passphrase/restore: its leftovers go
    if path is None or not cipher.needs_passphrase(path):
        return None
    key = cipher.from_environment()
    if key is not None:
        cipher.unlock(path, key)
        return (0, "environment")
    from caseterm.screens.unlock import UnlockApp

    screen = UnlockApp(path)
    key = screen.run()
    if key is None:
        raise BadInput(f"{path}: not unlocked; nothing was opened")
    cipher.set_passphrase(key)
    return (screen.wrong, "passphrase")
