"""User settings (who I am, my phone, my passphrase), from settings.toml.

The policy (agency rules and numbers) is in `caseterm.policy`; this file is
the person at the desk. Missing settings fall back to sensible defaults.
"""

from __future__ import annotations

import getpass
import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache

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
