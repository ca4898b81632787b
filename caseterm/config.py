"""User settings (who I am, my phone, my passphrase), from settings.toml.

The policy (agency rules and numbers) is in `caseterm.policy`; this file is
the person at the desk. Missing settings fall back to sensible defaults.
"""

from __future__ import annotations

import getpass
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from caseterm import paths
from caseterm.errors import BadInput


@dataclass(frozen=True)
class Settings:
    user: str = ""
    full_name: str = ""
    phone: str = ""
    email: str = ""
    agency: str = ""
    office_address: str = ""
    work_hours: str = "8:00 – 4:30 Monday – Friday"
    #: sha256 of the unlock passphrase; empty means "press a key and confirm".
    passphrase_sha256: str = ""


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    path = paths.settings_path()
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise BadInput(f"{path}: not valid TOML ({err})") from None
    known = {f.name for f in fields(Settings)}
    for key, value in data.items():
        if key not in known:
            raise BadInput(f"{path}: unknown setting {key!r}")
        if not isinstance(value, str):
            raise BadInput(f"{path}: setting {key!r} must be a string")
    settings = Settings(**data)
    if not settings.user:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "caseworker"
        settings = Settings(**{**data, "user": user})
    return settings


#: A `key = ...` line of settings.toml (the file is plain `key = "value"` lines).
_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_-]+)\s*=\s*(?P<value>.*)$")
#: A basic string value and what follows it on the line (a comment is kept).
_STRING_VALUE = re.compile(r'^"(?:[^"\\]|\\.)*"(?P<rest>\s*(?:#.*)?)$')


def toml_string(value: str) -> str:
    """`value` as a TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\t":
            out.append(char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def save_settings(updates: Mapping[str, str]) -> Path:
    """Set some settings in settings.toml and keep everything else as it was.

    Why: the app asks for a missing name or phone once (a letter needs them)
    and must not lose the user's other keys or comments. An existing
    `key = ...` line is replaced in place (its trailing comment kept); a new
    key is appended. The result is parsed back and compared before it
    replaces the file (0600, written to a temporary file and renamed), so a
    mistake never leaves a half-written or changed-meaning file.
    """
    path = paths.settings_path()
    known = {f.name for f in fields(Settings)}
    for key, value in updates.items():
        if key not in known:
            raise BadInput(f"{path}: unknown setting {key!r}")
        if not isinstance(value, str):
            raise BadInput(f"{path}: setting {key!r} must be a string")
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        current = tomllib.loads(old)
    except tomllib.TOMLDecodeError as err:
        raise BadInput(f"{path}: not valid TOML ({err}); fix it by hand before saving settings") from None
    pending = dict(updates)
    lines: list[str] = []
    inside: str | None = None  # the quotes of a multi-line string being read, if any
    for line in old.splitlines():
        match = None if inside else _KEY_LINE.match(line)
        key = match.group("key") if match else None
        for quotes in ('"""', "'''"):
            if (inside in (None, quotes)) and line.count(quotes) % 2:
                inside = None if inside else quotes
        if match and key in pending and inside is None:
            value = _STRING_VALUE.match(match.group("value").strip())
            rest = value.group("rest") if value else ""
            lines.append(f"{match.group('indent')}{key} = {toml_string(pending.pop(key))}{rest}")
        else:
            lines.append(line)
    lines.extend(f"{key} = {toml_string(value)}" for key, value in pending.items())
    text = "\n".join(lines) + "\n"
    try:
        written = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        written = None
    if written != {**current, **updates}:
        raise BadInput(f"{path}: cannot update it safely; set {', '.join(updates)} there by hand")
    if not path.parent.exists():
        paths.ensure_private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        paths.write_private(temporary, text)
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise BadInput(f"{path}: cannot write the settings ({err.strerror})") from None
    load_settings.cache_clear()
    return path
