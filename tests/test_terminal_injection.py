"""Issue 21 item 6: a hostile caseload (names, notes, tasks, audit users holding escape
sequences) never reaches the terminal raw: every CLI read (real processes) and the app's
main screens (real key presses; every frame the app would write is captured)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from caseterm.text import printable

SAMPLE = Path(__file__).parent / "data" / "sample.json"
TODAY = "2026-11-24"  # the sample's appointment day

CLEAR = "\x1b[2J"
TITLE = "\x1b]0;PWNED\x07"
CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
CONCEAL = "\x1b[8m"
CSI8 = "\x9b31m"
#: What no byte stream caseterm writes may hold when the data holds it.
RAW = (CLEAR, "\x1b]0;", "\x1b]52", CONCEAL, "\x9b")


def hostile_file(tmp_path: Path) -> Path:
    doc = json.loads(SAMPLE.read_text())
    doc["clients"][0]["preferred_name"] = f"Mari{CLEAR}{TITLE}"
    doc["clients"][0]["legal_name"] = f"Maria{CLIPBOARD} Lopez"
    doc["notes"][0]["text"] = f"Met visit in office {CONCEAL}hidden\x1b[0m {CSI8} red"
    doc["notes"][0]["author"] = f"jdoe{CLEAR}"
    doc["tasks"][0]["title"] = f"Prep {TITLE}"
    doc["audit"] = [{"at": "2026-11-01T09:00:00", "user": f"eve{TITLE}", "action": "export",
                     "case_number": None, "detail": f"x{CSI8}"}]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, env=dict(os.environ),
                          timeout=120)


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    db = tmp_path / "hostile.db"
    done = run("--db", str(db), "import", str(hostile_file(tmp_path)))
    assert done.returncode == 0, done.stderr
    return db


def test_printable_shows_controls_and_keeps_json_exact() -> None:
    assert printable(f"a{CLEAR}b") == "a^[[2Jb"
    assert printable(TITLE) == "^[]0;PWNED^G"
    assert printable("line\n\tnext\r\n") == "line\n\tnext\n"
    shown = printable(json.dumps({"n": f"x{CSI8}\x7f"}, ensure_ascii=False))
    assert "\x9b" not in shown and json.loads(shown) == {"n": f"x{CSI8}\x7f"}


READS = [
    ("agenda",), ("agenda", "--json"), ("search", "visit"), ("search", "visit", "--json"),
    ("audit",), ("audit", "--json"), ("audit", "--client", "TA-10432"), ("export",), ("export", "-o", "-", "--format", "html"),
    ("export", "-o", "-", "--format", "ics"), ("check",), ("restore",), ("policy",),
]


@pytest.mark.parametrize("args", READS, ids=[" ".join(a) for a in READS])
def test_every_cli_read_shows_no_raw_control(hostile_db: Path, args: tuple[str, ...]) -> None:
    result = run("--db", str(hostile_db), "--today", TODAY, *args)
    assert result.returncode == 0, result.stderr
    for stream in (result.stdout, result.stderr):
        text = stream.decode("utf-8", errors="replace")
        for raw in RAW:
            assert raw not in text, (args, raw)
    if "--json" in args or args == ("export",):
        json.loads(result.stdout)  # still JSON, and (below) the same data


def test_json_reads_keep_the_data_exact(hostile_db: Path) -> None:
    out = json.loads(run("--db", str(hostile_db), "--today", TODAY, "search", "visit", "--json").stdout)
    assert any(CSI8 in json.dumps(r, ensure_ascii=False) for r in out)
    trail = json.loads(run("--db", str(hostile_db), "audit", "--json").stdout)
    assert f"eve{TITLE}" in [e["user"] for e in trail]


def test_the_cli_shows_the_controls_visibly(hostile_db: Path) -> None:
    text = run("--db", str(hostile_db), "audit").stdout.decode()
    assert "eve^[]0;PWNED^G" in text


# ---------------------------------------------------------------------------
# The app: every frame goes through CasetermApp._display
# ---------------------------------------------------------------------------


async def test_the_app_writes_no_raw_control_from_data(hostile_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App

    from caseterm import clock
    from caseterm.app import CasetermApp
    from caseterm.store import open_store, resolve_url
    from test_app_flow import settle

    frames: list[str] = []
    original = App._display

    def capture(self, screen, renderable):  # noqa: ANN001, ANN202 - Textual's signature
        if renderable is not None and hasattr(renderable, "render_segments"):
            frames.append(renderable.render_segments(self.console))
        return original(self, screen, renderable)

    monkeypatch.setattr(App, "_display", capture)
    clock.pin(clock.parse_date(TODAY))
    engine = open_store(resolve_url(str(hostile_db)))
    app = CasetermApp(engine=engine, automatic_backups=False)
    title = app.title
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_client("TA-10432")  # the header, the notes, the tasks
        await settle(pilot)
        app.notify(f"Saved for Mari{TITLE}")  # a notification holding data
        await settle(pilot)
        assert app.title == title
    frames_text = "".join(frames)
    assert "Mari" in frames_text  # the client was on screen
    for raw in RAW:
        assert raw not in frames_text, raw
    engine.dispose()
