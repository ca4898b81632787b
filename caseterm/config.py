"""User settings (who I am, my phone, my passphrase), from settings.toml.

The policy (agency rules and numbers) is in `caseterm.policy`; this file is
the person at the desk. Missing settings fall back to sensible defaults.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import os
import re
import tomllib
import unicodedata
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
    #: The screen lock's passphrase as a salted slow hash (`caseterm passphrase --lock-only`
    #: writes it; see `hash_passphrase`); empty: the lock only hides the screen.
    lock_passphrase: str = ""


#: Settings caseterm no longer reads, and what to do instead.
RETIRED_SETTINGS = {
    "passphrase_sha256": (
        "an unsalted SHA-256 digest is no longer accepted (it is too quick to guess); "
        "delete that line and set the passphrase with `caseterm passphrase --lock-only`"
    ),
}

# -- the lock passphrase: scrypt (RFC 7914), its parameters kept in the stored string ------------

#: scrypt cost: 2**15 x 8 x 1 takes about 0.1 s and 32 MiB, once per unlock.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
#: Bounds on parameters read back, so an edited file cannot make an unlock take minutes.
_SCRYPT_MAX_N, _SCRYPT_MAX_R, _SCRYPT_MAX_P = 2**20, 32, 16
_HASH = re.compile(r"^scrypt\$n=(?P<n>\d+),r=(?P<r>\d+),p=(?P<p>\d+)\$(?P<salt>[A-Za-z0-9+/=]+)\$(?P<hash>[A-Za-z0-9+/=]+)$")


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    text = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return hashlib.scrypt(text, salt=salt, n=n, r=r, p=p, maxmem=128 * r * (n + p + 2) + (1 << 20), dklen=32)


def hash_passphrase(passphrase: str) -> str:
    """`scrypt$n=32768,r=8,p=1$SALT$HASH` (base64): a fresh 16-byte salt each time."""
    salt = os.urandom(16)
    digest = _scrypt(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def _parse_hash(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    match = _HASH.match(stored.strip())
    if not match:
        return None
    n, r, p = (int(match.group(k)) for k in "nrp")
    if n < 2 or n & (n - 1) or n > _SCRYPT_MAX_N or not 1 <= r <= _SCRYPT_MAX_R or not 1 <= p <= _SCRYPT_MAX_P:
        return None
    try:
        salt = base64.b64decode(match.group("salt"), validate=True)
        digest = base64.b64decode(match.group("hash"), validate=True)
    except ValueError:
        return None
    return (n, r, p, salt, digest) if salt and len(digest) == 32 else None


def passphrase_matches(passphrase: str, stored: str) -> bool:
    """Whether `passphrase` is the one `stored` (from `hash_passphrase`) was made from."""
    parsed = _parse_hash(stored)
    if parsed is None:
        return False
    n, r, p, salt, digest = parsed
    return hmac.compare_digest(_scrypt(passphrase, salt, n, r, p), digest)


def check_new_passphrase(passphrase: str, where: str = "passphrase") -> str:
    """A new passphrase long enough for the policy; BadInput naming `where` if not."""
    from caseterm.policy import load_policy

    if "\x00" in passphrase:  # SQLCipher's key is SQL text: a NUL crashed the command
        raise BadInput(f"{where}: a passphrase cannot hold a NUL character (\\0); nothing was changed")
    least = load_policy().privacy.min_passphrase_length
    if len(passphrase) < least:
        from caseterm.text import plural

        raise BadInput(f"{where}: too short; use at least {plural(least, 'character')}")
    return passphrase


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
        if key in RETIRED_SETTINGS and key not in known:
            if value == "":
                continue
            raise BadInput(f"{path}: setting {key!r}: {RETIRED_SETTINGS[key]}")
        if key not in known:
            raise BadInput(f"{path}: unknown setting {key!r}")
        if not isinstance(value, str):
            raise BadInput(f"{path}: setting {key!r} must be a string")
    data = {key: value for key, value in data.items() if key in known}
    if data.get("lock_passphrase") and _parse_hash(data["lock_passphrase"]) is None:
        raise BadInput(f"{path}: setting 'lock_passphrase' is not a passphrase hash caseterm wrote; "
                       "set it with `caseterm passphrase --lock-only` (or make it empty)")
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


def save_settings(updates: Mapping[str, str], remove: tuple[str, ...] = ()) -> Path:
    """Set some settings in settings.toml and keep everything else as it was.

    Why: the app asks for a missing name or phone once (a letter needs them)
    and must not lose the user's other keys or comments. An existing
    `key = ...` line is replaced in place (its trailing comment kept); a new
    key is appended. The result is parsed back and compared before it
    replaces the file (0600, written to a temporary file and renamed), so a
    mistake never leaves a half-written or changed-meaning file. Keys in
    `remove` (a retired setting) lose their line.
    """
    path = paths.settings_path()
    known = {f.name for f in fields(Settings)}
    dropped = set(remove)
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
        if match and key in dropped and inside is None:
            continue
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
    if written != {**{k: v for k, v in current.items() if k not in dropped}, **updates}:
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
