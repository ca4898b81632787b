"""The footer below 80 columns: the same keys, fewer words.

At 80×24 a client file's footer needs ~110 columns. Below the compact width
(the app's `-compact` class) a screen with this mixin leaves out of the footer
the keys every screen has (F12 Hide, Ctrl+F search, ] next tab: they stay bound,
and `?` lists them) and shortens the long descriptions. Only the footer changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.binding import ActiveBinding
from textual.screen import Screen

#: Keys that stay bound but leave the footer at compact width.
SPARE_WHEN_COMPACT: frozenset[str] = frozenset({"f12", "ctrl+l", "ctrl+f", "right_square_bracket"})
#: Footer words at compact width.
SHORT_DESCRIPTIONS: dict[str, str] = {
    "Log attempt": "Log",
    "Engagement only": "Engagement",
    "Note for appt": "Appt note",
    "Objective": "Obj",
    "Reviewed today": "Reviewed",
    "Plan dates": "Dates",
    "Save note": "Save",
    "Close (keep draft)": "Close",
    "Discard draft": "Discard",
}


class CompactFooterMixin(Screen):
    """Mix into a screen whose footer is too long for 80 columns."""

    SPARE_KEYS: ClassVar[frozenset[str]] = SPARE_WHEN_COMPACT

    def spare_keys(self) -> frozenset[str]:
        """The keys left out of the compact footer now (a screen may add some by focus)."""
        return self.SPARE_KEYS

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        bindings = super().active_bindings
        if not self.app.has_class("-compact"):
            return bindings
        spare = self.spare_keys()
        shown: dict[str, ActiveBinding] = {}
        for key, active in bindings.items():
            binding = active.binding
            if key in spare:
                binding = replace(binding, show=False)
            elif binding.description in SHORT_DESCRIPTIONS:
                binding = replace(binding, description=SHORT_DESCRIPTIONS[binding.description])
            shown[key] = active._replace(binding=binding)
        return shown
