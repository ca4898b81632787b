"""Every file location caseterm uses, in one place (platformdirs)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
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

    Parents that already exist keep their modes: they are not caseterm's. Something
    in the way (a regular file named like the folder, a folder that cannot be written)
    is a BadInput naming it; a file in the way is never chmod-ed.
    """
    from caseterm.errors import BadInput

    missing: list[Path] = []
    probe = path
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    if not probe.is_dir():
        raise BadInput(f"{probe}: is a file, not a folder; caseterm needs a folder there "
                       f"({path}). Move the file away; nothing was changed")
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as err:
            raise BadInput(f"{folder}: cannot create the folder ({os_reason(err, folder.parent)}); nothing was written") from None
        os.chmod(folder, 0o700)
    try:
        os.chmod(path, 0o700)
    except OSError as err:
        raise BadInput(f"{path}: cannot make the folder private ({os_reason(err, path)})") from None
    return path


def os_reason(err: OSError, where: Path | str) -> str:
    """An OSError in words that name the real cause: a full disk is the device's, not the file's."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the device holding {where}"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{err.strerror}: caseterm may not write in {where}"
    return err.strerror or type(err).__name__


def check_output(dest: Path, *, force: bool = False, flag: str = "-o", force_hint: bool = True) -> Path:
    """Refuse an output file before anything is written (issue 21 item 8): a symbolic
    link (it would write through to its target), a folder, an existing file without
    --force, a folder in the way that is a file."""
    from caseterm.errors import BadInput

    dest = Path(dest)
    if dest.is_symlink():
        raise BadInput(f"{flag} {dest}: is a symbolic link; name the file itself (nothing was written)")
    if dest.is_dir():
        raise BadInput(f"{flag} {dest}: is a folder; name a file")
    if dest.exists() and not force:
        how = "add --force to replace it" if force_hint else "choose another file"
        raise BadInput(f"{flag} {dest}: already exists; {how} (nothing was written)")
    probe = dest.absolute().parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise BadInput(f"{flag} {dest}: {probe} is a file, not a folder (nothing was written)")
    return dest


def write_output(dest: Path, data: bytes | str, *, force: bool = False, flag: str = "-o",
                 commit: Callable[[], None] | None = None) -> Path:
    """Write a file the user named, all or nothing: checked first (`check_output`), written to a
    hidden temp beside it (0600, fsync-ed), then renamed into place; `commit` (the audit entry's
    transaction) runs right after the rename, and if it fails the file goes again.

    Why: a file the command then refuses (bad settings, a failed audit) must never be left
    behind, and a reader never sees half a file. Without `force` an existing file is never
    replaced, even one made between the check and the rename (a hard link cannot clobber).
    """
    from caseterm.errors import BadInput

    dest = check_output(dest, force=force, flag=flag)
    folder = dest.absolute().parent
    if not folder.exists():
        ensure_private_dir(folder)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    temp = folder / f".{dest.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(temp, dest)
        else:
            _link_no_clobber(temp, dest)
    except FileExistsError:
        raise BadInput(f"{flag} {dest}: already exists; add --force to replace it (nothing was written)") from None
    except OSError as err:
        raise BadInput(f"{flag} {dest}: cannot write ({os_reason(err, folder)}); nothing was written") from None
    finally:
        temp.unlink(missing_ok=True)
    if commit is not None:
        try:
            commit()
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
    return dest


def _link_no_clobber(temp: Path, dest: Path) -> None:
    """Put `temp` at `dest` unless something is there (FileExistsError)."""
    try:
        os.link(temp, dest)
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # A file system without hard links: check, then rename (a narrow race, documented).
        if dest.exists() or dest.is_symlink():
            raise FileExistsError(dest) from None
        os.replace(temp, dest)


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
