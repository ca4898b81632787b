"""A screen shown again is restyled only if something its styles depend on has changed.

Textual restyles every widget of a screen each time it is shown (`ScreenResume`),
in case the theme, the stylesheet or the app's classes changed while it was away:
18-40 ms of a client file's open (55 widgets), and a new screen pays it right after
its widgets were styled as they mounted. Nothing else a widget's style depends on
(its own and its ancestors' classes, focus, hover) waits for the resume: Textual
restyles those nodes when they change, shown or not. So the restyle is needed only
when the screen-wide inputs differ from the last time it was styled as a whole;
`RestyledWhenChanged` compares them and skips it otherwise.

A new screen paid a second full restyle for the app's width classes
(`HORIZONTAL_BREAKPOINTS`: "-narrow", "-wide"), which Textual adds on the screen's
first `Resize`, after its widgets were styled without them: the mixin gives the
screen those classes when it is made, so the first `Resize` changes nothing.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual._context import active_app
from textual.screen import Screen

from caseterm.widgets.footer import prune_closed_watchers


def style_inputs(screen: Screen) -> tuple[Any, ...]:
    """What every widget's style on `screen` depends on beyond the widget and its own ancestors:
    the stylesheet's sources and variables (a theme, CSS or screen class changes them; a
    re-parse of the same ones, as Textual's first switch back to the caseload does, makes
    equal rules), Textual's CSS generation, the app's classes (`-compact`) and
    pseudo-classes (dark, focus), and the theme."""
    app = screen.app
    stylesheet = app.stylesheet
    return (
        dict(stylesheet.source),
        dict(stylesheet._variables),
        app._css_update_count,
        frozenset(app.classes),
        app.pseudo_classes,
        app.app_focus,
        app.theme,
    )


class RestyledWhenChanged(Screen):
    """Mix into a screen (before `Screen`) whose resume restyle is worth skipping."""

    _styled_with: tuple[Any, ...] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_breakpoint_classes()

    def _add_breakpoint_classes(self) -> None:
        """The width and height classes Textual's `Screen._on_resize` would give it now."""
        try:
            app = active_app.get()
        except LookupError:  # made outside an app: the first Resize gives them
            return
        width, height = app.size
        horizontal = (app.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is None else self.HORIZONTAL_BREAKPOINTS) or []
        vertical = (app.VERTICAL_BREAKPOINTS if self.VERTICAL_BREAKPOINTS is None else self.VERTICAL_BREAKPOINTS) or []
        names = set(self._get_breakpoint_classes(width, horizontal)) | set(self._get_breakpoint_classes(height, vertical))
        if names:
            self.add_class(*names, update=False)

    def _on_mount(self, event: events.Mount) -> None:
        # Its widgets are styled as they mount, from the rules in force now.
        self._remember_styles()

    def _remember_styles(self) -> None:
        self._styled_with = style_inputs(self)

    def _on_unmount(self, event: events.Unmount) -> None:
        # Closed (a note form), its widgets still watch the app (a TextArea its theme,
        # with the note's text in it) until the watched value changes: let them go.
        prune_closed_watchers(self.app)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Whatever else was closed since (a screen without this mixin, a removed widget).
        prune_closed_watchers(self.app)
        # Runs before Textual's `Screen._on_screen_resume` (the subclass's handler first),
        # which restyles only if `refresh_styles` is still set.
        if event.refresh_styles and self._styled_with is not None and style_inputs(self) == self._styled_with:
            event.refresh_styles = False
        elif event.refresh_styles:
            self._remember_styles()
