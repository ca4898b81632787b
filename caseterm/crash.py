"""Unexpected errors become a report file, never a traceback on screen.

The report holds the exception type and the stack (file, line, function), but
no exception message and no local variables: those can carry client data.
"""

from __future__ import annotations

import platform
import sys
import traceback
from pathlib import Path

from caseterm import __version__, clock, paths


def write_report(exc: BaseException) -> Path:
    """Write a crash report with no client data; return its path."""
    directory = paths.ensure_private_dir(paths.crash_dir())
    stamp = clock.real_now().strftime("%Y%m%d-%H%M%S-%f")
    lines = [
        f"caseterm {__version__} crash report, {clock.real_now().isoformat(timespec='seconds')}",
        f"python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"command: {Path(sys.argv[0]).name} (arguments not recorded)",
        "",
        "exception chain (messages omitted: they may hold client data):",
    ]
    seen: BaseException | None = exc
    while seen is not None:
        lines.append(f"  {type(seen).__module__}.{type(seen).__qualname__}")
        for frame in traceback.extract_tb(seen.__traceback__):
            lines.append(f"    {frame.filename}:{frame.lineno} in {frame.name}")
        seen = seen.__cause__ or seen.__context__
    return paths.write_private(directory / f"crash-{stamp}.txt", "\n".join(lines) + "\n")
