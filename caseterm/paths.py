"""Every file location caseterm uses, in one place (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir, user_config_dir, user_data_dir, user_state_dir

APP = "caseterm"


def data_dir() -> Path:
    return Path(user_data_dir(APP))


def config_dir() -> Path:
    return Path(user_config_dir(APP))


def state_dir() -> Path:
    """Logs, crash reports and note drafts' lock files live here."""
    return Path(user_state_dir(APP))


def cache_dir() -> Path:
    """Things worked out once and kept to save time (never client data): holidays."""
    return Path(user_cache_dir(APP))


def default_db_path() -> Path:
    return data_dir() / "caseterm.db"


def policy_override_path() -> Path:
    """The agency's policy file: overrides any value of the shipped policy."""
    return config_dir() / "policy.toml"


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def templates_override_dir() -> Path:
    """An agency's own letter templates, used before the shipped ones."""
    return config_dir() / "templates"


def letters_dir() -> Path:
    """Letters written to clients (text and printable HTML), by default."""
    return data_dir() / "letters"


def crash_dir() -> Path:
    return state_dir() / "crash"


def backups_dir_for(db_path: Path) -> Path:
    """Automatic backups and the copies kept by `restore`: beside the database.

    For the default database that is `backups/` in the data folder.
    """
    return db_path.parent / "backups"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` and every missing parent owner-only (0700); make `path` itself 0700.

    Parents that already exist keep their modes: they are not caseterm's.
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        os.chmod(folder, 0o700)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: bytes | str) -> Path:
    """Write a file that only its owner can read (0600), creating it so from the start."""
    if path.parent != Path("") and not path.parent.exists():
        ensure_private_dir(path.parent)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)
    return path
