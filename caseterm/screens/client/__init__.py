"""One client's file: a header card and tabs for every record kept on them.

Notes are only added or amended here (never edited or deleted); every other
record is added and edited through a small form whose service call names any
bad field. `n` writes a note and `l` logs a contact attempt from any tab.

The package (issue 26): `screen` (the screen, its layout and tab switching),
`card` (the header card), a module per tab (`notes_tab`, `appointments_tab`,
`plan_tab`, `hours_tab`, `records_tab` for assessments, releases and referrals)
and `common` (tab ids, the record table, formatters). Record tabs are built and
loaded the first time they are shown.
"""
from caseterm.screens.client.common import (
    RECORD_KIND,
    RECORD_TABS,
    TAB_ALIASES,
    TABS,
    RecordTable,
    hours_bar,
)
from caseterm.screens.client.screen import ClientScreen

__all__ = ["RECORD_KIND", "RECORD_TABS", "TABS", "TAB_ALIASES", "ClientScreen", "RecordTable", "hours_bar"]
