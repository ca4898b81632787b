"""The app and the terminal (a mixin of `CasetermApp`): SIGTERM/SIGHUP end it the
way ctrl+q does, every frame's text is made printable before it is written (issue 21
item 6), work can wait for a screen's first frame, and an unexpected error becomes a
crash report, never a traceback that could hold client data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from caseterm.errors import BadInput
from caseterm.text import CONTROL_CHARACTERS

if TYPE_CHECKING:
    from textual.screen import Screen


class TerminalMixin:
    """Signals, printable frames, the crash handler."""

    #: Signals that end the app the way ctrl+q does (issue 21 item 10): the terminal is
    #: given back (alternate screen left, mouse reporting off), a note's draft is already saved.
    EXIT_SIGNALS = ("SIGTERM", "SIGHUP")

    def _catch_signals(self) -> None:
        """Turn SIGTERM and SIGHUP into a normal exit on the app's own loop (a handler that
        runs on the loop, not in the middle of a frame); the default action would stop
        Python with the terminal still in the app's modes."""
        import asyncio
        import signal

        self._caught_signals: list[int] = []
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for name in self.EXIT_SIGNALS:
            number = getattr(signal, name, None)
            if number is None:
                continue
            try:
                loop.add_signal_handler(number, self._signalled, int(number))
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no such signals
                continue
            self._caught_signals.append(int(number))

    def _signalled(self, number: int) -> None:
        """Exit through Textual's shutdown (it restores the terminal); status 128 + the signal, as a shell reports it."""
        self.exit(return_code=128 + number)

    def on_unmount(self) -> None:
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for number in getattr(self, "_caught_signals", []):
            loop.remove_signal_handler(number)

    def _display(self, screen: "Screen", renderable: Any) -> None:
        """Every frame the app writes goes through here: the data's control characters are
        shown visibly (U+FFFD) before it reaches the terminal (issue 21 item 6), whatever
        widget, notification or title drew them. Textual's own codes are not in the text."""
        super()._display(screen, printable_update(renderable))
        if renderable is not None and self._batch_count:
            self._frame_dropped = True
        elif renderable is not None and screen not in self._screens_drawn:
            self._screens_drawn.add(screen)
            for callback in self._after_first_frame.pop(id(screen), ()):
                self.call_later(callback)

    def _end_batch(self) -> None:
        """Textual draws the first screen inside its start-up batch and drops that frame;
        the next one redraws only what changed since, so the caseload's rows (drawn then)
        stayed blank until something else touched them. A dropped frame is drawn again."""
        super()._end_batch()  # type: ignore[misc]
        if not self._batch_count and self._frame_dropped:
            self._frame_dropped = False
            if self._screen_stack:  # not while shutting down
                # All of the screen is drawn by the next frame, whatever draws it (a
                # resize draws at once, not on the refresh timer as `refresh()` would).
                screen = self.screen
                screen._set_dirty()
                screen._dirty_widgets.add(screen)
                screen.check_idle()

    def call_after_first_frame(self, screen: "Screen", callback: Callable[..., Any], *args: Any) -> None:
        """Run `callback` once `screen`'s first frame is drawn (or after the next refresh,
        if it has been). Start-up's follow-on work — more rows, the store, the due list —
        must not run before the frame with the first rows, nor hold the interpreter it
        needs (issue 25.4); Textual's call_after_refresh can run before a screen that is
        still being mounted has drawn anything."""
        if screen in self._screens_drawn:
            screen.call_after_refresh(callback, *args)
        else:
            self._after_first_frame.setdefault(id(screen), []).append(partial(callback, *args))

    def _handle_exception(self, error: Exception) -> None:
        """Bad input and a busy or damaged database become a notification (the screen,
        and whatever was typed on it, stays); anything else a crash report, no traceback."""
        from caseterm.errors import store_error_from

        known = error if isinstance(error, BadInput) else store_error_from(error)
        if known is not None:
            self.notify("\n".join(known.errors), severity="error", timeout=8)
            return
        from rich.text import Text

        from caseterm.crash import write_report

        try:
            report = write_report(error)
            where = f"a report was written to {report}"
        except Exception:  # noqa: BLE001 - never fail while failing
            report, where = None, "no report could be written"
        self.crash_report = report
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self.panic(Text(f"caseterm: unexpected error ({type(error).__name__}); {where}"))


def printable_strip(strip: Any) -> Any:
    """`strip` with every control character of its text (C0 but none of Textual's own codes,
    which are styles, not text; DEL; C1) replaced by U+FFFD, cropped back to its width.
    The check runs on every line of every frame: no import or allocation unless it finds one."""
    if strip is None or not _find_control("".join([seg.text for seg in strip])):
        return strip
    from rich.segment import Segment
    from textual.strip import Strip

    width = strip.cell_length
    segments = [
        seg if seg.control else Segment(CONTROL_CHARACTERS.sub("\ufffd", seg.text), seg.style, seg.control)
        for seg in strip
    ]
    return Strip(segments).crop(0, width)


def printable_update(renderable: Any) -> Any:
    """A compositor update (Textual's LayoutUpdate, ChopsUpdate, InlineUpdate) with clean strips."""
    if hasattr(renderable, "chops"):
        renderable.chops = [{x: printable_strip(strip) for x, strip in line.items()} for line in renderable.chops]
    elif hasattr(renderable, "strips"):
        from textual.strip import Strip

        renderable.strips = [
            printable_strip(line) if isinstance(line, Strip) else [printable_strip(s) for s in line]
            for line in renderable.strips
        ]
    return renderable


_find_control = CONTROL_CHARACTERS.search
