"""Pass 1 of an import: read and check the whole file without touching the database."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from caseterm.errors import BadInput
from caseterm.hmis import interchange as _hmis
from caseterm.services.interchange.csv_import import _CsvReader
from caseterm.services.interchange.json_reader import _JsonReader, _validate_json
from caseterm.services.interchange.problems import _Errors, _Fatal
from caseterm.services.interchange.records import NATURAL_KEYS, RECORD_MODELS, derived_note_uid
from caseterm.services.interchange.source import CHUNK, _Source


# --------------------------------------------------------------------------
# Pass 1: read and check the whole file (no database)
# --------------------------------------------------------------------------


@dataclass
class CheckedFile:
    """A file that passed every check the file alone allows; what the database must still confirm."""

    path: Path
    where: str
    kind: Literal["json", "csv"]
    sha256: str
    #: The lists in the order the file has them (pass 2 writes clients first).
    order: list[str]
    counts: Counter[str]
    #: Case numbers named by records but not clients of the file -> (first path, how many records).
    cases_to_find: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: Note uids amended by the file but not in it -> first path.
    amends_to_find: dict[str, str] = field(default_factory=dict)
    #: Appointment uids named by notes but not in the file -> first path.
    appointments_to_find: dict[str, str] = field(default_factory=dict)


class _Checker:
    """What pass 1 remembers: keys and uids only, never the records."""

    def __init__(self, where: str, csv_lines: bool = False) -> None:
        self.where = where
        self.csv_lines = csv_lines
        self.errors = _Errors()
        self.counts: Counter[str] = Counter()
        self.client_at: dict[str, str] = {}
        self.cases: dict[str, list] = {}
        self.keys: dict[str, dict[tuple, int]] = defaultdict(dict)
        self.note_at: dict[str, int] = {}
        self.amends: dict[str, str] = {}
        self.appointment_refs: dict[str, str] = {}
        self.appointment_uids: set[str] = set()

    def add(self, kind: str, index: int, record: Any, at: str) -> None:
        """`at`: `$.kind[i]` (JSON) or `LINE` (CSV): where the record is, for messages."""
        self.counts[kind] += 1
        where = self.where
        if kind == "audit":
            return  # history: its case numbers need not be clients, and an entry may repeat
        if kind in _hmis.MODELS:  # recognised by uid; only their clients are checked here
            case_number = getattr(record, "case_number", None)
            if case_number is not None:
                self.cases.setdefault(case_number, [f"{at}.case_number", 0])[1] += 1
            return
        if kind == "clients":
            first = self.client_at.get(record.case_number)
            if first is not None:
                place = f"{where}:{at}: case_number" if self.csv_lines else f"{where}: {at}.case_number"
                self.errors.add(f"{place}: {record.case_number!r} appears more than once in the file (first at {first})")
            else:
                self.client_at[record.case_number] = f"line {at}" if self.csv_lines else at
            return
        if record.case_number is not None:
            entry = self.cases.get(record.case_number)
            if entry is None:
                self.cases[record.case_number] = [f"{at}.case_number", 1]
            else:
                entry[1] += 1
        if kind == "appointments":
            plain = NATURAL_KEYS[kind](record)
            if record.uid is not None:
                self._unique(kind, ("uid", record.uid), index, f"uid {record.uid}")
                self.appointment_uids.add(record.uid)
                self.keys["appointments:plain"].setdefault(plain, index)
            else:
                self._unique("appointments:plain", plain, index, ", ".join(map(str, plain)), kind)
        elif kind == "notes":
            uid = record.uid or derived_note_uid(record.case_number, record)
            first_note = self.note_at.get(uid)
            if first_note is not None:
                same = "same uid" if record.uid else "same client, time, type, author and text"
                self.errors.add(f"{where}: {at}: same note as $.notes[{first_note}] ({same})")
            else:
                self.note_at[uid] = index
            if record.amends is not None:
                if record.amends == uid:
                    self.errors.add(f"{where}: {at}.amends: a note cannot amend itself")
                self.amends.setdefault(record.amends, f"{at}.amends")
            if record.appointment is not None:
                self.appointment_refs.setdefault(record.appointment, f"{at}.appointment")
        elif kind in NATURAL_KEYS:
            key = NATURAL_KEYS[kind](record)
            self._unique(kind, key, index, ", ".join(map(str, key)))

    def _unique(self, table: str, key: tuple, index: int, label: str, kind: str | None = None) -> None:
        kind = kind or table
        seen = self.keys[table]
        if key in seen:
            self.errors.add(f"{self.where}: $.{kind}[{index}]: same record as $.{kind}[{seen[key]}] ({label})")
        else:
            seen[key] = index

    def finish(self, path: Path, kind: Literal["json", "csv"], digest: str, order: list[str]) -> CheckedFile:
        return CheckedFile(
            path=path, where=self.where, kind=kind, sha256=digest, order=order, counts=self.counts,
            cases_to_find={cn: (at, n) for cn, (at, n) in self.cases.items() if cn not in self.client_at},
            amends_to_find={uid: at for uid, at in self.amends.items() if uid not in self.note_at},
            appointments_to_find={uid: at for uid, at in self.appointment_refs.items()
                                  if uid not in self.appointment_uids},
        )


def _file_kind(path: Path, where: str) -> Literal["json", "csv"]:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".csv":
        return "csv"
    raise BadInput(f"{where}: unknown file type {suffix or '(none)'!r}; use .json (caseterm/1) or .csv (clients)")


def read_file(path: Path) -> CheckedFile:
    """Pass 1: read and validate the whole file, a record at a time; BadInput lists every problem."""
    where = str(path)
    kind = _file_kind(path, where)
    checker = _Checker(where, csv_lines=kind == "csv")
    order: list[str] = []
    with _Source(path, where, "a caseterm/1 file" if kind == "json" else "a CSV of clients") as source:
        reader = _JsonReader(source)
        try:
            if kind == "json":
                for list_name, index, element, problems in reader.records():
                    at = f"$.{list_name}[{index}]"
                    if problems:
                        for problem in dict.fromkeys(problems):
                            checker.errors.add(f"{where}: {at}: {problem}")
                        continue
                    record, lines = _validate_json(RECORD_MODELS[list_name], element, where, at)
                    for line in lines:
                        checker.errors.add(line)
                    if record is not None:
                        checker.add(list_name, index, record, at)
                for line in reader.errors:
                    checker.errors.add(line)
                order = reader.order
            else:
                for index, (line, record) in enumerate(_CsvReader(source).rows(checker.errors)):
                    checker.add("clients", index, record, str(line))
                order = ["clients"]
        except _Fatal as fatal:
            for line in reader.errors if kind == "json" else ():
                checker.errors.add(line)
            checker.errors.add(str(fatal))
        checker.errors.raise_if_any()
        digest = source.digest
    return checker.finish(path, kind, digest, order)


def _records_again(checked: CheckedFile, wanted: Iterable[str], errors: _Errors) -> Iterator[tuple[str, int, Any]]:
    """Pass 2: the file's records once more, for writing (the file must not have changed)."""
    changed = f"{checked.where}: the file changed while it was being imported; nothing was imported, try again"
    with _Source(checked.path, checked.where, "an import file") as source:
        try:
            if checked.kind == "json":
                for list_name, index, element, problems in _JsonReader(source).records(wanted):
                    record, lines = _validate_json(RECORD_MODELS[list_name], element, checked.where,
                                                   f"$.{list_name}[{index}]")
                    if record is None or problems:
                        raise _Fatal(changed)
                    yield list_name, index, record
            else:
                again = _Errors()
                for index, (_, record) in enumerate(_CsvReader(source).rows(again)):
                    yield "clients", index, record
                if again:
                    raise _Fatal(changed)
            # Read to the end, so the digest covers the whole file.
            while source.read(CHUNK):
                pass
        except _Fatal:
            errors.add(changed)
            return
        if source.digest != checked.sha256:
            errors.add(changed)
