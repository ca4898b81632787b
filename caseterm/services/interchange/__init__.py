"""The `caseterm/1` interchange file (docs/interchange.md): import and export, a module per concern.

- `records`: the record models, their natural keys and the JSON Schema.
- `json_reader`, `csv_import`: the two file formats an import reads, a record at a time
  (over `source`, the hashed byte stream); `escape`: CSV formula escaping.
- `validate`: pass 1 (`read_file`); `importer`: pass 2 (`import_data`), writing through `writer`.
- `problems`: the collected error lines; `limits`: batch size, error cap, lock wait.
- `json_export`: the JSON export. The CSV zip and ICS exports are in `services/reports.py`;
  the HMIS records are in `caseterm/hmis/interchange.py` (its `LISTS`, `MODELS`,
  `LABELS`, `write` and `export` are used by `records`, `validate`, `importer`, `writer`, `json_export`).
- This package re-exports their public names, so callers import `caseterm.services.interchange` as before;
  the tunable limits are read from `limits` at run time: patch them there.

Import is all or nothing, and reads the file a record at a time, in two passes,
so memory stays bounded by the largest record plus the keys the checks need
(a 50 MB file no longer becomes a few hundred MB of Python objects):

1. `read_file` reads and validates every record, and checks what the file
   alone can tell (duplicates, amendments and appointment links inside the
   file). Every problem is collected and reported at once, as
   `FILE: $.path: what is wrong` (JSON) or `FILE:LINE: what is wrong` (CSV).
   The database is not touched. A file that is not what it claims (deeply
   nested JSON, NaN, duplicate keys, NUL bytes, invalid UTF-8, a zip or a
   database file, a CSV cell over the csv module's field limit...) is bad
   input, never a crash.
2. `import_data` first takes the database's write lock (SQLite `BEGIN
   IMMEDIATE`), so what exists is read under the lock and two imports at once
   cannot both insert the same case number; then it checks what only the
   database can tell (unknown case numbers, amendments and appointment links
   to records outside the file), reads the file again and writes it in
   batches (Core executemany) in the caller's one transaction. Problems found
   while writing (a note whose uid is recorded with other content; the file
   changed since step 1) are all collected and raised at the end, and the
   caller's rollback leaves the database as it was.

What an import changes:
- Clients are matched by case number; appointments by `uid` (by client, start
  and kind when the file has no uid); notes by `uid` (derived from the note's
  content and time when the file has none); the other records by their
  natural key (`NATURAL_KEYS`). A new record takes the defaults of the format
  for whatever the file does not say.
- An existing record changes only in the fields the file carries: a key
  absent from a JSON object (or a column absent from a CSV) keeps the stored
  value; a key present with `null` clears an optional field and is an error
  for a field that cannot be empty.
- CSV cells: an empty cell in a present column clears an optional field and is
  an error for a field that cannot be empty (case_number, legal_name,
  program, status, the true/false flags, months_used). Text is taken as
  written; spaces around a case number, date, number, flag or closed-set
  value are ignored.
- CSV formulas (OWASP CSV injection): every CSV caseterm writes puts a `'`
  before a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return,
  so a spreadsheet shows it as text; and before a cell that starts with `'`
  followed by one of those or by another `'`. The CSV import removes one
  leading `'` when the next character is one of those or `'` — so
  `=1+2` exports as `'=1+2` and imports as `=1+2`, a phone `-555` or
  `+1 503…` round-trips, and a value that really starts with `'=` (exported
  `''=`) keeps its `'`. A `'` before anything else is kept as written.
- Audit entries (the `audit` list) are appended, never changed: an entry the
  database already holds (same time, user, action, case number and detail,
  as many times as the file has it) is not added again.
- A note is never changed or deleted; a case plan's goals are replaced
  (children first) only when they differ from what is stored.
- The summary counts what was added and what was updated; re-importing a file
  caseterm wrote changes nothing (and says "nothing changed").
"""

from __future__ import annotations

from caseterm.services.interchange.records import (
    ALL_LISTS,
    AppointmentRecord,
    AssessmentRecord,
    AuditRecord,
    CaseNumber,
    CasePlanRecord,
    ClientRecord,
    Count,
    Day,
    Days,
    EARLIEST,
    FORMAT,
    GoalRecord,
    Hours,
    HoursRecord,
    InterchangeFile,
    LATEST,
    Moment,
    NATURAL_KEYS,
    NOTE_UID_NAMESPACE,
    NoteRecord,
    ObjectiveRecord,
    PlanTaskRecord,
    RECORD_LISTS,
    RECORD_MODELS,
    ReferralRecord,
    ReleaseRecord,
    SQL_INT_MAX,
    TaskRecord,
    Uid,
    derived_note_uid,
    json_schema,
)
from caseterm.services.interchange.escape import FORMULA_START, csv_restore, csv_safe
from caseterm.services.interchange.source import CHUNK
from caseterm.services.interchange.csv_import import CSV_BOOL, CSV_FIELDS, parse_clients_csv
from caseterm.services.interchange.validate import CheckedFile, read_file
from caseterm.services.interchange.importer import import_data, import_path
from caseterm.services.interchange.writer import ImportResult, KEYED_TABLES, KIND_LABELS
from caseterm.services.interchange.json_export import export_data, export_json

__all__ = [
    "ALL_LISTS",
    "AppointmentRecord",
    "AssessmentRecord",
    "AuditRecord",
    "CaseNumber",
    "CasePlanRecord",
    "ClientRecord",
    "Count",
    "Day",
    "Days",
    "EARLIEST",
    "FORMAT",
    "GoalRecord",
    "Hours",
    "HoursRecord",
    "InterchangeFile",
    "LATEST",
    "Moment",
    "NATURAL_KEYS",
    "NOTE_UID_NAMESPACE",
    "NoteRecord",
    "ObjectiveRecord",
    "PlanTaskRecord",
    "RECORD_LISTS",
    "RECORD_MODELS",
    "ReferralRecord",
    "ReleaseRecord",
    "SQL_INT_MAX",
    "TaskRecord",
    "Uid",
    "derived_note_uid",
    "json_schema",
    "FORMULA_START",
    "csv_restore",
    "csv_safe",
    "CHUNK",
    "CSV_BOOL",
    "CSV_FIELDS",
    "parse_clients_csv",
    "CheckedFile",
    "read_file",
    "import_data",
    "import_path",
    "ImportResult",
    "KEYED_TABLES",
    "KIND_LABELS",
    "export_data",
    "export_json",
]
