"""Errors the user caused and can fix: shown as a message, never a traceback."""

from __future__ import annotations


class BadInput(Exception):
    """Input that cannot be accepted: a message naming what and where.

    The CLI prints each line of `errors` on stderr and exits with status 2;
    the TUI shows them as a notification. The database is left unchanged.
    """

    def __init__(self, *errors: str) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


class StoreError(BadInput):
    """The database cannot be used: locked, corrupt, or from a newer caseterm."""
