"""The caseload CSV's header, shared by the report that writes it (`services.reports`)
and the import that reads it back (`services.interchange`). Its own module so
neither has to import the other for it (issue 26: no import circles)."""

from __future__ import annotations

#: The caseload CSV's columns; `caseterm import` reads the client fields back and skips the rest.
CASELOAD_CSV_COLUMNS = (
    "case_number", "name", "legal_name", "status", "program", "flags", "required_hours",
    "last_week", "hours_last_week", "month", "hours_month", "last_contact",
    "next_appointment", "next_appointment_kind", "due_count", "due_items",
)
