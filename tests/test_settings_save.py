"""settings.toml written from the app: other keys and comments kept, owner-only, never half-written."""

from __future__ import annotations

import os
import stat
import tomllib

import pytest

from caseterm import paths
from caseterm.config import load_settings, save_settings
from caseterm.errors import BadInput


def mode(path) -> int:  # noqa: ANN001
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    load_settings.cache_clear()
    yield
    load_settings.cache_clear()


def test_new_file_is_created_owner_only_in_a_private_folder() -> None:
    path = save_settings({"phone": "503-555-0100"})
    assert path == paths.settings_path()
    assert path.read_text(encoding="utf-8") == 'phone = "503-555-0100"\n'
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert load_settings().phone == "503-555-0100"


def test_existing_lines_are_replaced_in_place_and_the_rest_kept() -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True)
    original = (
        "# Jo's desk\n"
        'user = "jsmith"\n'
        "\n"
        'phone = "old"   # desk phone\n'
        "  agency = 'We Care'  # literal string\n"
        'work_hours = "7:30 – 4:00"\n'
    )
    path.write_text(original, encoding="utf-8")
    os.chmod(path, 0o644)
    save_settings({"phone": "503-555-0100", "full_name": 'Jo "JJ" O\\Smith'})
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[:6] == [
        "# Jo's desk",
        'user = "jsmith"',
        "",
        'phone = "503-555-0100"   # desk phone',
        "  agency = 'We Care'  # literal string",
        'work_hours = "7:30 – 4:00"',
    ]
    assert tomllib.loads(text) == {
        "user": "jsmith", "phone": "503-555-0100", "agency": "We Care", "work_hours": "7:30 – 4:00",
        "full_name": 'Jo "JJ" O\\Smith',
    }
    assert mode(path) == 0o600
    assert load_settings().full_name == 'Jo "JJ" O\\Smith'


@pytest.mark.parametrize("value", ["tab\there", "line\nbreak", "bell\x07", "del\x7f", "quote\"", "back\\slash", "naïve ☎"])
def test_any_string_round_trips(value: str) -> None:
    save_settings({"office_address": value})
    assert tomllib.loads(paths.settings_path().read_text(encoding="utf-8"))["office_address"] == value


def test_a_broken_file_or_unknown_key_is_refused_and_left_as_it_was() -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True)
    path.write_text('phone = "unterminated\n', encoding="utf-8")
    with pytest.raises(BadInput, match="not valid TOML"):
        save_settings({"full_name": "Jo Smith"})
    assert path.read_text(encoding="utf-8") == 'phone = "unterminated\n'
    path.write_text('phone = "1"\n', encoding="utf-8")
    with pytest.raises(BadInput, match="unknown setting 'nickname'"):
        save_settings({"nickname": "JJ"})
    assert path.read_text(encoding="utf-8") == 'phone = "1"\n'
    assert [p.name for p in path.parent.iterdir()] == ["settings.toml"]  # no temporary file left behind


def test_a_multi_line_value_it_cannot_edit_safely_is_left_alone() -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True)
    original = 'office_address = """12 Main St\nphone = "x"\nSalem"""\nphone = "1"\n'
    path.write_text(original, encoding="utf-8")
    save_settings({"phone": "2"})  # the real phone line is replaced, the address untouched
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"office_address": '12 Main St\nphone = "x"\nSalem', "phone": "2"}
    # Replacing the multi-line value itself is beyond a line edit: refused, the file unchanged.
    before = path.read_text(encoding="utf-8")
    with pytest.raises(BadInput, match="cannot update it safely; set office_address there by hand"):
        save_settings({"office_address": "1 Elm St"})
    assert path.read_text(encoding="utf-8") == before
