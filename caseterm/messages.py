"""Typed Textual messages: how widgets and screens tell the app what happened.

Widgets never reach into each other: they post one of these and the app (or
a screen on the way up) handles it. Other modules may append messages here.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from textual.message import Message


class Notice(NamedTuple):
    """A notice the app showed (a toast): kept after the toast goes, for rereading."""

    message: str
    severity: str
    at: dt.datetime


class OpenClient(Message):
    """Open a client's file (optionally on one tab: "notes", "plan", "hours"...)."""

    def __init__(self, case_number: str, tab: str | None = None) -> None:
        super().__init__()
        self.case_number = case_number
        self.tab = tab


class OpenNote(Message):
    """Open note entry for a client (for an appointment / to clear a due item)."""

    def __init__(
        self, case_number: str, appointment_id: int | None = None, due_item_key: str | None = None
    ) -> None:
        super().__init__()
        self.case_number = case_number
        self.appointment_id = appointment_id
        self.due_item_key = due_item_key


class OpenSchedule(Message):
    """Show the daily schedule (optionally with one appointment selected)."""

    def __init__(self, appointment_id: int | None = None) -> None:
        super().__init__()
        self.appointment_id = appointment_id


#: `DataChanged(case_number=NO_CLIENT)`: no client's records changed (the case
#: number a due-item key gives caseload-wide items).
NO_CLIENT = "-"


class DataChanged(Message):
    """Something was written: the due list and the visible screens refresh.

    `client_id` (or `case_number`, when the sender has only that) names the one
    client whose records changed: the due list recomputes that client and the
    caseload-wide items only. Neither: anything may have changed (several
    clients, an import, another process): everything is recomputed.
    """

    def __init__(self, client_id: int | None = None, *, case_number: str | None = None) -> None:
        """`case_number=NO_CLIENT`: only what belongs to no client changed (a task
        of no client, a decision on a caseload-wide due item)."""
        super().__init__()
        self.client_id = client_id
        self.case_number = case_number

    @property
    def everything(self) -> bool:
        return self.client_id is None and not self.case_number


class ScreenReady(Message):
    """A main screen has painted its first data: the app may start slower work."""


class DueTarget(Message):
    """A due item was chosen in the sidebar: go where it is done."""

    def __init__(self, item: object) -> None:
        super().__init__()
        self.item = item


class MakeRecord(Message):
    """`x` on a due item that a record clears: open the form that makes it.

    `request` is a `caseterm.services.due_records.RecordRequest`.
    """

    def __init__(self, item: object, request: object) -> None:
        super().__init__()
        self.item = item
        self.request = request
