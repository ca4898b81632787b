"""Issue 21 item 10: SIGTERM or SIGHUP to the app leaves the terminal as it found it (the
alternate screen left, mouse reporting off). A real process on a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

#: Upper bounds only: every wait ends as soon as its condition holds.
START_DEADLINE = 60.0
EXIT_DEADLINE = 30.0


def read_until(fd: int, done, deadline: float) -> bytes:  # noqa: ANN001 - a predicate on the bytes so far
    """Read the pty until `done(output)` or EOF, at most until `deadline` (monotonic)."""
    out = bytearray()
    while time.monotonic() < deadline and not done(bytes(out)):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed (the app ended)
            break
        if not chunk:
            break
        out += chunk
    return bytes(out)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_signal_gives_the_terminal_back(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "day.db"
    made = subprocess.run([sys.executable, "-m", "caseterm", "--db", str(db), "--today", "2026-11-02", "demo"],
                          capture_output=True, timeout=120)
    assert made.returncode == 0, made.stderr
    main, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    env.pop("TEXTUAL", None)
    proc = subprocess.Popen([sys.executable, "-m", "caseterm", "--db", str(db), "--today", "2026-11-02"],
                            stdin=secondary, stdout=secondary, stderr=secondary, env=env, start_new_session=True,
                            close_fds=True)
    os.close(secondary)
    try:
        # Up: the alternate screen entered, mouse reporting on, and the caseload drawn.
        started = read_until(main, lambda b: b"\x1b[?1049h" in b and b"\x1b[?1000h" in b and b"TA-" in b,
                             time.monotonic() + START_DEADLINE)
        assert b"\x1b[?1049h" in started and b"\x1b[?1000h" in started, started[-400:]
        proc.send_signal(sig)
        rest = read_until(main, lambda b: False, time.monotonic() + EXIT_DEADLINE)  # until EOF
        status = proc.wait(timeout=EXIT_DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    assert b"\x1b[?1049l" in rest, rest[-400:]  # left the alternate screen
    assert b"\x1b[?1000l" in rest, rest[-400:]  # mouse reporting off
    # Nothing is drawn after the terminal was given back.
    assert rest.rfind(b"\x1b[?1049l") > rest.rfind(b"\x1b[?1049h")
    assert status == 128 + int(sig), status
