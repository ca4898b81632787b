"""The import's problem list and how pydantic errors become `FILE: $.path: what` lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from caseterm.errors import BadInput
from caseterm.services.interchange import limits
from caseterm.services.interchange.records import FORMAT


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class _Errors:
    """Every problem found, up to MAX_ERRORS lines (the rest are counted)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.more = 0

    def add(self, line: str) -> None:
        if len(self.lines) < limits.MAX_ERRORS:
            self.lines.append(line)
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.lines)

    def raise_if_any(self, *extra: str) -> None:
        if self.lines:
            tail = [f"... and {self.more} more problems (the first {limits.MAX_ERRORS} are listed)"] if self.more else []
            raise BadInput(*self.lines, *tail, *extra)


class _Fatal(Exception):
    """The file cannot be read any further (syntax, nesting, encoding): stop and report."""


def _json_path(loc: Iterable[Any], prefix: str = "$") -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("str", "GoalRecord") or "[" in str(part):
            continue  # pydantic's union-branch labels are not part of the file
        else:
            path += f".{part}"
    return path


def _describe(error: dict[str, Any]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error" and error["loc"] == ("format",):
        return f"format must be {FORMAT!r}, not {value!r}"
    if kind == "enum":
        allowed = error.get("ctx", {}).get("expected", "")
        return f"{value!r} is not one of {allowed}"
    if kind.startswith(("date_", "datetime_")):
        return f"{value!r} is not a valid {'date (YYYY-MM-DD)' if kind.startswith('date_') else 'time (YYYY-MM-DDTHH:MM)'}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "expected an object"
    if kind == "json_invalid":
        return f"not valid JSON ({error.get('ctx', {}).get('error', error['msg'])})"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "value_error":
        return message  # caseterm's own checks name the value
    if isinstance(value, str) and len(value) > 80:
        value = value[:77] + "..."
    return f"{message} (got {value!r})" if value is not None and not isinstance(value, (dict, list)) else message


def _errors_from(exc: ValidationError, where: str, prefix: str) -> list[str]:
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    for error in exc.errors():
        path, message = _json_path(error["loc"], prefix), _describe(error)
        # A union (goal as string or object) reports every branch; keep one line a path.
        if any(p == path for p, _ in seen) and error["type"] in ("string_type", "model_type"):
            continue
        if (path, message) not in seen:
            seen.add((path, message))
            lines.append(f"{where}: {path}: {message}")
    return lines
