"""The caseterm/1 JSON read a record at a time, so memory stays bounded on a large file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from caseterm.services.interchange.problems import _Fatal, _errors_from
from caseterm.services.interchange.records import ALL_LISTS, FORMAT, RECORD_MODELS, _Record
from caseterm.services.interchange.source import CHUNK, _Source


# --------------------------------------------------------------------------
# JSON, a record at a time
# --------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
#: json's C scanner may stop this close to the end of the buffer on input that
#: simply continues in the next chunk (a cut `true`, number or escape).
_CUT_MARGIN = 16


class _ElementProblems(list):
    """Problems the decoder noticed inside one value (the value itself still parses)."""


def _type_name(text: str) -> str:
    return {"[": "a list", "{": "an object", '"': "a string", "t": "true", "f": "false", "n": "null"}.get(text[:1], "a number")


class _JsonReader:
    """Reads a `caseterm/1` object's lists element by element, without loading the file.

    Each element is located with json's C decoder (`raw_decode`, which also
    catches duplicate keys, NaN/Infinity and nesting too deep to parse) and
    handed out as its own text, for pydantic to validate in JSON mode.
    """

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.where = source.where
        self.buf = ""
        self.pos = 0
        self.base_line = 1  # line number of buf[0]
        self.eof = False
        self.problems = _ElementProblems()
        self.decoder = json.JSONDecoder(object_pairs_hook=self._pairs, parse_constant=self._constant)
        #: Top-level facts, filled while reading.
        self.format: Any = None
        self.has_format = False
        self.order: list[str] = []
        self.errors: list[str] = []

    # -- decoder hooks: note the problem, keep parsing -------------------
    def _pairs(self, pairs: list[tuple[str, Any]]) -> None:
        if len(pairs) > 1 and len({key for key, _ in pairs}) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.problems.append(f"key {key!r} appears twice in one object")
                seen.add(key)
        return None  # the objects themselves are not needed: pydantic reads the text

    def _constant(self, name: str) -> None:
        self.problems.append(f"{name} is not a JSON number")
        return None

    # -- buffer ------------------------------------------------------------
    def line_at(self, pos: int) -> int:
        return self.base_line + self.buf.count("\n", 0, pos)

    def _more(self, size: int = CHUNK) -> bool:
        if self.eof:
            return False
        if self.pos:
            self.base_line += self.buf.count("\n", 0, self.pos)
            self.buf = self.buf[self.pos:]
            self.pos = 0
        chunk = self.source.read(max(size, CHUNK))
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _peek(self) -> str:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def _syntax(self, expected: str) -> _Fatal:
        found = self.buf[self.pos:self.pos + 20]
        got = f"found {found!r}" if found else "the file ends"
        return _Fatal(f"{self.where}:{self.line_at(self.pos)}: not valid JSON (expected {expected}, {got})")

    def _expect(self, chars: str, expected: str) -> str:
        char = self._peek()
        if not char or char not in chars:
            raise self._syntax(expected)
        self.pos += 1
        return char

    def _value(self, path: str) -> str:
        """The text of the next JSON value (self.problems: what the decoder noticed in it)."""
        self._peek()
        size = CHUNK
        while True:
            self.problems = _ElementProblems()
            try:
                _, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as err:
                line, column = self.line_at(err.pos), err.pos - self.buf.rfind("\n", 0, err.pos)
                cut = err.msg.startswith("Unterminated string") or err.pos >= len(self.buf) - _CUT_MARGIN
                if cut and self._more(size):
                    size *= 2
                    continue
                raise _Fatal(f"{self.where}:{line}: not valid JSON ({err.msg}, column {column}, in {path})") from None
            except RecursionError:
                raise _Fatal(f"{self.where}:{self.line_at(self.pos)}: {path}: nested too deeply to be a "
                             "caseterm/1 file") from None
            except ValueError as err:  # an integer of more than 4,300 digits
                what = "has a number too long to read" if "digits" in str(err) else f"cannot be read ({err})"
                raise _Fatal(f"{self.where}:{self.line_at(self.pos)}: {path}: {what}") from None
            if end == len(self.buf) and self._more(size):
                continue  # a number at the very end of the buffer may go on
            start, self.pos = self.pos, end
            return self.buf[start:end]

    # -- the document --------------------------------------------------------
    def records(self, wanted: Iterable[str] = ALL_LISTS) -> Iterator[tuple[str, int, str, list[str]]]:
        """(list name, index, element text, problems) for each element of the wanted lists."""
        wanted = set(wanted)
        first = self._peek()
        if first != "{":
            if not first:
                raise _Fatal(f"{self.where}: the file is empty; expected a {FORMAT} object")
            raise _Fatal(f"{self.where}: $: expected an object with \"format\": \"{FORMAT}\", not {_type_name(first)}")
        self.pos += 1
        seen: set[str] = set()
        if self._peek() == "}":
            self.pos += 1
        else:
            while True:
                if self._peek() != '"':
                    raise self._syntax("a key in double quotes")
                key_text = self._value("$")
                key = json.loads(key_text)
                self._expect(":", "':'")
                path = f"$.{key}"
                if key in seen:
                    self.errors.append(f"{self.where}: {path}: appears twice")
                seen.add(key)
                known = key in RECORD_MODELS or key in ("format", "notice")
                if not known:
                    self.errors.append(f"{self.where}: {path}: unknown key")
                if self._peek() == "[":
                    self.pos += 1
                    if key in RECORD_MODELS:
                        self.order.append(key)
                    elif known:
                        self.errors.append(f"{self.where}: {path}: expected a string, not a list")
                    index = 0
                    if self._peek() == "]":
                        self.pos += 1
                    else:
                        while True:
                            element = self._value(f"{path}[{index}]")
                            if key in wanted and key in RECORD_MODELS:
                                yield key, index, element, list(self.problems)
                            index += 1
                            if self._expect(",]", "',' or ']'") == "]":
                                break
                else:
                    value = self._value(path)
                    if key == "format":
                        self.has_format = True
                        self.format = json.loads(value) if not self.problems else value
                    elif key == "notice":
                        if not (value == "null" or value.startswith('"')):
                            self.errors.append(f"{self.where}: {path}: expected a string, not {_type_name(value)}")
                    elif key in RECORD_MODELS:
                        self.errors.append(f"{self.where}: {path}: expected a list, not {_type_name(value)}")
                if self._expect(",}", "',' or '}'") == "}":
                    break
        if self._peek():
            raise self._syntax("the end of the file after the closing '}'")
        if not self.has_format:
            self.errors.append(f"{self.where}: $.format: required key is missing")
        elif self.format != FORMAT:
            self.errors.append(f"{self.where}: $.format: format must be {FORMAT!r}, not {self.format!r}")


def _validate_json(model: type[_Record], text_: str, where: str, path: str) -> tuple[Any, list[str]]:
    """One element's text -> (record, []) or (None, error lines)."""
    try:
        return model.model_validate_json(text_, strict=True), []
    except ValidationError as exc:
        return None, _errors_from(exc, where, path)
