"""The architecture of DESIGN.md, checked rather than only drawn (issue 26).

`lint-imports` (import-linter) reads every import in caseterm/ — module-level,
function-local and TYPE_CHECKING ones — and checks the contracts in `.importlinter`:
the layers (screens/widgets -> services -> store/rules -> models -> vocabulary),
the rules' purity, and no import circles (between the service modules and between
siblings anywhere in the package). A real process, as CI runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports() -> Path:
    found = Path(sys.executable).parent / "lint-imports"
    if not found.exists():
        pytest.fail(f"{found} is missing: install the test extras (pip install -e '.[test]')")
    return found


def test_the_import_contracts_hold(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(_lint_imports()), "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_contracts_catch_a_circle(tmp_path: Path) -> None:
    """The contracts are not vacuous: a copy of caseterm with one service importing
    back up the chain (due -> reports, while reports imports due) is refused."""
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(ROOT / "caseterm", copy / "caseterm", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    due = copy / "caseterm" / "services" / "due.py"
    due.write_text(due.read_text() + "\n\ndef _circle() -> None:\n    from caseterm.services import reports  # noqa: F401\n")
    result = subprocess.run(
        [str(_lint_imports()), "--no-cache"],
        cwd=copy, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )
    assert result.returncode != 0, result.stdout[-3000:]
    assert "No import circles between the service modules BROKEN" in result.stdout



def test_every_package_is_listed_for_the_wheel() -> None:
    """pyproject.toml lists packages by name: a new subpackage (screens/client, shell)
    left off the list would be missing from an installed caseterm, not from a checkout."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "caseterm").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"
