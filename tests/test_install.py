"""The wheel installs non-editable in a fresh venv and works from outside the source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_source_tree(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("caseterm-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "caseterm/migrations/env.py" in names
    assert any(n.startswith("caseterm/migrations/versions/0001_") for n in names)
    assert "caseterm/policy.toml" in names

    venv = tmp_path / "venv"
    # A fresh venv without pip of its own, filled by this pip (`--python`), its dependencies from the
    # index as a user's install; not byte-compiled (half the install's CPU; 28 s -> ~17 s for the test).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--no-compile", str(wheel)], check=True, capture_output=True, timeout=900)
    caseterm = venv / "bin" / "caseterm"
    away = tmp_path / "elsewhere"
    away.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HOME"] = str(tmp_path / "home")
    env["CASETERM_TODAY"] = "2026-11-02"

    help_out = subprocess.run([str(caseterm), "--help"], cwd=away, env=env, capture_output=True, text=True, timeout=120)
    assert help_out.returncode == 0 and "agenda" in help_out.stdout

    exported = subprocess.run([str(caseterm), "--demo", "export", "--format", "json"], cwd=away, env=env,
                              capture_output=True, text=True, timeout=120)
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(exported.stdout)["clients"]) >= 30

    agenda = subprocess.run([str(caseterm), "--demo", "agenda", "--json"], cwd=away, env=env,
                            capture_output=True, text=True, timeout=120)
    assert agenda.returncode == 0, agenda.stderr
    assert json.loads(agenda.stdout)["due"]

    # The installed package, not the checkout, was used.
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import caseterm; print(caseterm.__file__)"],
                           cwd=away, env=env, capture_output=True, text=True, check=True).stdout
    assert str(venv) in where
