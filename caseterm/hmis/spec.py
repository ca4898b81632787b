"""The FY2026 HMIS CSV specification as data (`fy2026.json`, shipped in the package).

The JSON comes from public sources (named in it). Where it and HUD's published
HMIS CSV Format Specifications disagree, HUD wins: `CORRECTIONS` lists each
change made at load time, so the shipped file stays byte-identical to its source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

#: Non-breaking spaces and stray blanks the workbook left in types and list codes.
_BLANKS = "\xa0 \t"

#: (file, column) -> what HUD's CSV specification says instead of the JSON; each is applied by `load_spec`.
CORRECTIONS: dict[tuple[str, str], dict[str, object]] = {
    # HUD FY2024+ Client.csv spells the column HispanicLatinaeo (as the JSON's own "race" list does).
    ("Client", "HispanicLatinao"): {"name": "HispanicLatinaeo"},
    # Every ExportID is S32 in HUD's specification; the JSON has a bare "S" for three files.
    ("Affiliation", "ExportID"): {"type": "S32", "limit": 32},
    ("HMISParticipation", "ExportID"): {"type": "S32", "limit": 32},
    ("CEParticipation", "ExportID"): {"type": "S32", "limit": 32},
    # DataCollectionStage is required wherever it appears (HUD: Null N).
    ("IncomeBenefits", "DataCollectionStage"): {"null": False},
}


@dataclass(frozen=True)
class Column:
    """One column of one file: its type letter (I, S, D, T, M), length limit, nullability, code list."""

    name: str
    kind: str
    limit: int | None
    nullable: bool
    list_id: str | None
    non_negative: bool = False


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def id_column(self) -> str:
        return self.columns[0].name


@dataclass(frozen=True)
class ListRule:
    """A list validation: `NotInList` values, or a conditional list (`when` column == value)."""

    file: str
    column: str
    list_id: str
    kind: str
    values: frozenset[str] = frozenset()
    when: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Spec:
    version: str
    csv_version_contains: str
    files: tuple[FileSpec, ...]
    lists: dict[str, dict[str, str]]
    rules: tuple[ListRule, ...] = field(default=())

    def file(self, name: str) -> FileSpec:
        for spec in self.files:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def codes(self, list_id: str) -> dict[str, str]:
        return self.lists.get(list_id, {})


def _clean(value: object) -> str:
    return str(value).strip(_BLANKS)


def _column(file: str, raw: dict) -> Column:
    raw = {**raw, **CORRECTIONS.get((file, _clean(raw["name"])), {})}
    kind_text = _clean(raw["type"])
    kind = kind_text[0]
    limit = raw.get("limit")
    if kind == "S" and limit is None and kind_text[1:].isdigit():
        limit = int(kind_text[1:])
    list_id = raw.get("list")
    list_id = _clean(list_id) if list_id is not None else None
    if list_id in ("", "*", "(see note)"):
        list_id = None  # conditional or free: the `validation` rules say which list applies
    return Column(name=_clean(raw["name"]), kind=kind, limit=limit, nullable=bool(raw["null"]),
                  list_id=list_id, non_negative=kind_text.endswith("+"))


def _rules(raw: list[dict]) -> tuple[ListRule, ...]:
    import re

    rules: list[ListRule] = []
    for item in raw:
        kind = _clean(item["type"]).lower()
        text = _clean(item["values"])
        if kind == "notinlist":
            rules.append(ListRule(item["csv"], item["name"], _clean(item["list"]), "not_in",
                                  frozenset(v.strip() for v in text.split(","))))
        elif kind == "checkotherelement":
            found = re.findall(r"(RecordType|TypeProvided|DisabilityType)\s*=\s*(\d+)", text)
            if "is NOT 10" in text:
                rules.append(ListRule(item["csv"], item["name"], _clean(item["list"]), "unless",
                                      when=(("DisabilityType", "10"),)))
            elif found:
                rules.append(ListRule(item["csv"], item["name"], _clean(item["list"]), "when",
                                      when=tuple(found)))
            # "if W5.1 = 1 then INLIST (...)": the list W5.A-B already holds both halves.
    return tuple(rules)


@lru_cache(maxsize=1)
def load_spec() -> Spec:
    """The FY2026 specification, corrected to HUD's where the JSON differs (see CORRECTIONS)."""
    raw = json.loads(resources.files("caseterm.hmis").joinpath("fy2026.json").read_text(encoding="utf-8"))
    files = tuple(FileSpec(name, tuple(_column(name, c) for c in cols)) for name, cols in raw["files"].items())
    lists = {_clean(lid): {_clean(code): _clean(text) for code, text in body["values"].items()}
             for lid, body in raw["lists"].items()}
    if "W5.A-B" not in lists or not lists["W5.A-B"]:
        lists["W5.A-B"] = lists.get("W5.AB", {})
    return Spec(version=raw["version"], csv_version_contains=raw["csv_version_contains"],
                files=files, lists=lists, rules=_rules(raw.get("validation", [])))
