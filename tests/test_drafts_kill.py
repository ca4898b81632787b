"""Never lose a word: type into a note in a real caseterm process, kill it with
SIGKILL, start it again and get the draft back (DB and screen)."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import select

from caseterm.models import Client, NoteDraft
from caseterm.vocabulary import NoteType
from caseterm.services import notes as notes_service
from caseterm.store import session_scope

pytestmark = pytest.mark.slow

CASETERM = Path(sys.executable).with_name("caseterm")
ANSI = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>NOM78c])")
TYPED = "Client found a room at Gateway; move-in Friday"


class Terminal:
    """caseterm on a pseudo-terminal; the screen output is drained by a thread."""

    def __init__(self, db: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", CASETERM_TODAY="2026-11-02", CASETERM_NOW="10:00", COLUMNS="140", LINES="40")
        env.pop("TEXTUAL", None)
        self.proc = subprocess.Popen(
            [str(CASETERM), "--db", str(db)],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.raw = bytearray()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.raw += chunk

    def text(self) -> str:
        with self.lock:
            data = bytes(self.raw)
        return ANSI.sub(b"", data).decode("utf-8", "replace")

    def mark(self) -> int:
        with self.lock:
            return len(self.raw)

    def wait_for(self, needle: str, since: int = 0, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                data = bytes(self.raw[since:])
            if needle in ANSI.sub(b"", data).decode("utf-8", "replace").replace("\r", "").replace("\n", ""):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)  # polls the condition above
        raise AssertionError(f"{needle!r} never appeared on the screen (exit {self.proc.poll()}):\n{self.text()[-3000:]}")

    def settle(self, quiet: float = 0.3, timeout: float = 30.0) -> None:
        """Wait until the screen has stopped changing (the app is idle, its widgets
        mounted and focused), so a key is not sent to a screen still being built."""
        deadline = time.monotonic() + timeout
        seen, since = self.mark(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)  # polls the condition: no output for `quiet` seconds
            now = self.mark()
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    def send(self, keys: str, gap: float = 0.03) -> None:
        for ch in keys:
            os.write(self.master, ch.encode())
            time.sleep(gap)  # typing speed, not a wait for a condition

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        os.close(self.master)


@pytest.fixture
def terminals():
    started: list[Terminal] = []
    yield started
    for term in started:
        if term.proc.poll() is None:
            term.kill()


def test_draft_survives_kill_9(engine, db_path, terminals):
    with session_scope(engine) as s:
        s.add(Client(case_number="K77", legal_name="Katherine Example", preferred_name="Kate"))
    engine.dispose()

    term = Terminal(db_path)
    terminals.append(term)
    term.wait_for("Kate")
    term.settle()
    term.send("\r")  # open the highlighted client
    term.wait_for("K77")
    term.wait_for("Case plan")
    term.settle()
    mark = term.mark()
    term.send("n")  # note entry
    term.wait_for("Save note", since=mark)
    term.settle()
    term.send(TYPED)
    # The app saves the draft on the pause after typing (<= ~1 s at risk); wait for
    # that save to reach the database (polled: a loaded machine may be slow), then kill.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with session_scope(engine) as s:
            draft = s.exec(select(NoteDraft)).first()
            if draft is not None and TYPED in draft.text:
                break
        time.sleep(0.2)  # polls the condition above
    os.kill(term.proc.pid, signal.SIGKILL)
    term.proc.wait(timeout=10)
    assert term.proc.returncode == -signal.SIGKILL

    with session_scope(engine) as s:
        client = s.exec(select(Client)).one()
        draft = notes_service.load_draft(s, client)
        assert draft is not None and TYPED in draft.text
        assert notes_service.draft_fields(draft)["type"] == NoteType.CONTACT.value

    again = Terminal(db_path)
    terminals.append(again)
    again.wait_for("Kate")
    again.settle()
    again.send("\r")
    again.wait_for("Unsaved draft")
    again.settle()
    mark = again.mark()
    again.send("n")
    again.wait_for("Restored your unsaved draft", since=mark)
    again.wait_for("move-in Friday", since=mark)
    again.kill()
