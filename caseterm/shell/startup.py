"""The start-up sequence of the app and its store (a mixin of `CasetermApp`).

The light start (issue 14): the first page is read read-only (`caseterm.readonly`);
after it paints, `open_store` brings the full store up in a worker, then the due
list is worked out (`refresh_due`, a worker), the file is checked and backed up
(`check_store`, a worker) and the unsaved notes are announced. A full start (new,
migrated or PostgreSQL file) has the engine from the beginning and skips `open_store`.
The due list is worked out again after every write (`DataChanged`) and every
`DUE_REFRESH_SECONDS` (app.py), each run numbered so the newest list wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from textual import work
from textual.worker import Worker, WorkerState

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.messages import DataChanged
from caseterm.shell import heap

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from caseterm.vocabulary import AuditAction


class StartupMixin:
    """The store (opened light or at once), its sessions and audit entries, and the due list."""

    @property
    def engine(self) -> "Engine":
        """The store's engine; on a light start, opened here if the worker has not yet."""
        if self._engine is None:
            self._bring_up_engine()
        if self._engine is None:
            assert self._engine_error is not None
            raise self._engine_error
        return self._engine

    @engine.setter
    def engine(self, engine: "Engine") -> None:
        self._engine = engine

    @property
    def store_up(self) -> bool:
        return self._engine is not None

    def _bring_up_engine(self) -> None:
        with self._engine_lock:  # the worker may be opening it: wait for that one
            if self._engine is not None or self._engine_error is not None or self._open_engine is None:
                return
            try:
                self._engine = self._open_engine()
            except BaseException as err:
                self._engine_error = err
                raise

    @work(thread=True, exclusive=True, group="store-open", exit_on_error=False)
    def open_store(self) -> None:
        """The light start's second half: the full store (SQLAlchemy, schema check), then
        what needs it (the due list, the file check, the unsaved-notes notice)."""
        self.engine  # noqa: B018 - opens it (or re-raises why it could not be opened)
        self.call_from_thread(self._store_opened)

    def _store_opened(self) -> None:
        # Let go of the first page's connection (it closes when the last reader drops it:
        # a caseload worker may still be reading with it).
        self.readonly = None
        self._due_started = True
        self.refresh_due()
        self.check_store()
        self._announce_drafts()
        self._audit_start_unlock_once()

    @contextmanager
    def session(self) -> Iterator["Session"]:
        """One transaction on the app's database (store.session_scope).

        A busy or damaged database comes out as StoreError (a BadInput), so every
        screen that shows bad input shows it too and keeps what was typed; an
        exception a screen does not catch would stop that screen's messages.
        """
        from caseterm.errors import store_error_from
        from caseterm.services import due_table  # noqa: F401 - its hook stores a changed client's due items on commit
        from caseterm.store import session_scope

        try:
            with session_scope(self.engine) as session:
                yield session
        except BadInput:
            raise
        except Exception as err:
            known = store_error_from(err)
            if known is None:
                raise
            raise known from None

    def audit(self, action: "AuditAction", case_number: str | None = None, detail: str = "") -> None:
        """One audit-trail entry in a transaction of its own (screen actions without a write).

        Never stops what it records: the lock must cover the screen even when
        the database is busy, so a failure is a notification, not an error.
        """
        from caseterm.services import audit

        try:
            with self.session() as session:
                audit.record(session, action, case_number, detail)
        except Exception as err:  # noqa: BLE001 - the action goes ahead; the user is told
            self.notify(f"audit trail: the entry could not be written ({type(err).__name__})", severity="error")

    def _audit_start_unlock_once(self) -> None:
        if self._start_unlock is not None:
            self.call_after_refresh(self._audit_start_unlock, *self._start_unlock)
            self._start_unlock = None

    def _audit_start_unlock(self, wrong: int, how: str) -> None:
        """The encrypted file could not take entries before it was open: the unlock's wrong tries now."""
        from caseterm.vocabulary import AuditAction

        if wrong:
            self.audit(AuditAction.UNLOCK_FAILED, None, f"at=start-up tries={wrong}")
        self.audit(AuditAction.UNLOCK, None, f"at=start-up with={how}")

    def _start_due(self) -> None:
        if self._due_started:
            return
        if not self.store_up:
            if not self._store_opening:
                self._store_opening = True
                self.open_store()  # and then the due list (_store_opened)
            return
        self._due_started = True
        self.refresh_due()
        self.check_store()

    @work(thread=True, exclusive=True, group="store-check", exit_on_error=False)
    def check_store(self) -> None:
        """After the first paint: is the file sound (quick_check), and today's automatic backup.

        A damaged file is reported (BadInput via _worker_failed) without stopping the app.
        """
        from caseterm.backups import auto_backup
        from caseterm.policy import load_policy
        from caseterm.store import quick_check, sqlite_path

        path = sqlite_path(str(self.engine.url))
        try:
            quick_check(self.engine)
        except BadInput as err:
            from caseterm.backups import restore_hint

            raise type(err)(*err.errors, restore_hint(path) if path else "") from None
        if path is not None and self.automatic_backups:
            rotation = load_policy().backups
            made = auto_backup(path, rotation.keep_daily, rotation.keep_weekly)
            if made is not None:
                from caseterm.services import audit
                from caseterm.vocabulary import AuditAction

                with self.session() as session:
                    audit.record(session, AuditAction.BACKUP, None, audit.detail_of(automatic="yes", file=made))
        self.store_checked = True

    def due_cache(self) -> Any:
        """The app's `services.due_table.DueCache` (the due list kept per client)."""
        with self._due_cache_lock:
            if self._due_cache_made is None:
                from caseterm.services.due_table import DueCache

                self._due_cache_made = DueCache()
            return self._due_cache_made

    def refresh_due(self, client_id: int | None = None, case_number: str | None = None) -> Any:
        """Work out today's due list again off the UI thread, then hand it to the sidebars.

        With a client (id or case number): only that client's items and the
        caseload-wide ones are recomputed; without: everything (start-up, the
        periodic refresh, a change to several clients). A new day recomputes
        everything whatever is asked.
        """
        self.due_cache().invalidate(client_id, case_number)
        return self._refresh_due_worker()

    @work(thread=True, exclusive=True, group="due", exit_on_error=False)
    def _refresh_due_worker(self) -> list[Any]:
        cache = self.due_cache()
        with self.session() as session:
            number, items = cache.refresh_numbered(session, clock.today())
            covered = self._covered_cases(session)
        if covered != self.covering:
            self.call_from_thread(setattr, self, "covering", covered)
        # Each run applies every change pending when it starts, and the runs are
        # numbered in order: the newest list wins, whichever thread ends last.
        self.call_from_thread(self._show_due, number, items)
        return items

    def _covered_cases(self, session: Any) -> dict[str, str]:
        """Agency mode: whose clients the login covers today ({} in solo mode)."""
        from caseterm.services.workers import covered_cases, remember_names

        remember_names(session)  # notes show their authors' names
        return covered_cases(session)  # on the server's date, as its policies are

    def _show_due(self, number: int, items: list[Any]) -> None:
        if number < self._due_published:
            return
        self._due_published = number
        self.due_failed = False
        self.due_items = items
        heap.freeze_start_up(self)  # the long-lived heap out of the collector's way (issue 25.3)

    def _worker_ended(self, event: Worker.StateChanged) -> None:
        self._worker_failed(event)
        if event.worker.group == "store-check" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self.store_check_ended = True

    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if event.worker.group in ("due", "store-open"):  # no store, no due list: say so
                self.due_failed = True
            from caseterm.errors import store_error_from

            known = error if isinstance(error, BadInput) else store_error_from(error)
            if known is not None:
                self.notify("\n".join(known.errors), severity="error", timeout=30 if event.worker.group == "store-check" else 8)
                return
            from caseterm.crash import write_report

            try:
                where = f"a report was written to {write_report(error)}"
            except Exception:  # noqa: BLE001 - never fail while failing
                where = "no report could be written"
            self.notify(
                f"Something went wrong ({type(error).__name__}); {where}",
                severity="error",
                timeout=10,
            )

    def _data_changed(self, message: DataChanged) -> None:
        self.data_version += 1
        self._due_started = True
        self.refresh_due(message.client_id, message.case_number)
