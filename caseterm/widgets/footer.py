"""The footer of every caseterm screen: Textual's, rebuilt only when its keys change.

Textual's `Footer` rebuilds all its key widgets each time the screen's bindings *may*
have changed (every focus move, every screen shown): opening a client rebuilt it
about four times, ~40 widgets composed, styled and laid out for the same ten keys.
Each `FooterKey` also binds itself to the footer's `compact` reactive, and Textual
drops such a watcher only when `compact` changes, which it never does here: every
rebuild kept the old keys alive (38 widgets, ~8,000 objects per client opened; the
heap grew without end and each full garbage collection took longer: Textual issue
#6666). `KeyFooter` rebuilds only when what it would show differs, and lets go of
the old keys' watchers when it does.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def prune_closed_watchers(obj: Any) -> int:
    """Drop the watchers of `obj`'s reactives whose watching node has been removed.

    Textual prunes them only when the watched value changes; a node that watched a
    long-lived object (the app, a footer) and was removed stays referenced until
    then, with everything it holds. Returns how many were dropped.
    """
    watchers: dict[str, list[tuple[Any, Any]]] | None = getattr(obj, "__watchers", None)
    if not watchers:
        return 0
    dropped = 0
    for entries in watchers.values():
        kept = [(node, callback) for node, callback in entries if not getattr(node, "_closing", False)]
        dropped += len(entries) - len(kept)
        entries[:] = kept
    return dropped


class KeyFooter(Footer):
    """A `Footer` that keeps its key widgets while the keys shown stay the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keys_shown: tuple[Any, ...] | None = None

    def keys_shown(self) -> tuple[Any, ...]:
        """Everything `Footer.compose` reads to draw the keys, as comparable values."""
        app = self.app
        shown: list[Any] = [
            (binding.key, app.get_key_display(binding), binding.description, binding.action,
             enabled, tooltip, binding.group)
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        ]
        shown.append((self.show_command_palette, app.ENABLE_COMMAND_PALETTE))
        return tuple(shown)

    def compose(self) -> ComposeResult:
        # Each key made compact already: bound to the footer's `compact`, a key would
        # otherwise take the class (and a restyle of its own) just after it mounts.
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.add_class("-compact", update=False)
            yield widget

    async def recompose(self) -> None:
        if not self.is_attached or self._pruning:
            return
        if self._bindings_ready:
            shown = self.keys_shown()
            if shown == self._keys_shown:
                return
            self._keys_shown = shown
        await super().recompose()
        prune_closed_watchers(self)
