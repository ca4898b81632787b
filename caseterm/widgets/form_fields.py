"""Form fields that keep the keys typed into them.

While a dropdown or a checkbox has the focus, a letter or a digit belongs to the
field, never to the screen or the app behind the form (issue 23.1: "Dec 10"
typed into a dropdown once switched to the caseload and opened the hours grid).
Textual's idiom for it is `check_consume_key`: an ancestor's binding on a key
the focused widget consumes does not fire. Keys with a modifier (Ctrl+S, F-keys,
Tab, Enter, Esc) still reach the form and the app.

A `PickSelect` also picks with one key: each option has a letter, shown beside
it, as in the attempt dialog.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual import events
from textual.widgets import Checkbox, Select


def pick_keys(labels: Sequence[str], taken: Iterable[str] = ()) -> list[str]:
    """One key per label: its first letter not yet taken, else another of its letters, else a digit."""
    used = {key.casefold() for key in taken}
    keys: list[str] = []
    for text in labels:
        candidates = [ch for ch in text.casefold() if ch.isalnum()] + list("123456789")
        key = next((ch for ch in candidates if ch not in used), "")
        used.add(key)
        keys.append(key)
    return keys


def _printable(character: str | None) -> bool:
    return character is not None and len(character) == 1 and character.isprintable()


class PickSelect(Select[Any]):
    """A dropdown whose options each have a key: typing it picks the option."""

    def __init__(self, options: Iterable[tuple[str, Any]], **kwargs: Any) -> None:
        pairs = list(options)
        keys = pick_keys([label for label, _ in pairs])
        self.keyed = {key: value for key, (_, value) in zip(keys, pairs, strict=True) if key}
        super().__init__([(f"{label} ({key})" if key else label, value) for key, (label, value) in zip(keys, pairs, strict=True)],
                         **kwargs)

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return _printable(character)

    def on_key(self, event: events.Key) -> None:
        if not _printable(event.character) or event.character == " ":
            return  # space opens the list (the dropdown's own key); the rest is the form's
        event.stop()
        event.prevent_default()
        if self.expanded:
            return  # the open list searches what is typed
        value = self.keyed.get((event.character or "").casefold())
        if value is not None:
            self.value = value
        else:
            self.app.bell()


class FormCheckbox(Checkbox):
    """A checkbox that keeps letters and digits (space and Enter toggle it)."""

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return _printable(character)

    def on_key(self, event: events.Key) -> None:
        if _printable(event.character) and event.character != " ":
            event.stop()
            event.prevent_default()
