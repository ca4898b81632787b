"""The note timeline: one option per note, newest contact first.

Each entry shows the note as first written, then each amendment: who made
it when, why, and what it changed as a word diff (removed words struck
through, added words marked; 004: "line through, initial and date"). Engagement notes carry a ◆ and their own colour (003). One
OptionList renders only what is on screen, so a long file opens at once;
the parts are styled from TCSS through component classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from caseterm.services.notes import NoteThread, diff_hunks, word_diff
from caseterm.services.workers import display_author

if TYPE_CHECKING:
    from caseterm.models import Note  # annotations only


def _label(value: str | None) -> str:
    from caseterm.vocabulary import label

    return label(value or "")


def note_heading(note: Note) -> str:
    parts = [f"{note.contact_at:%Y-%m-%d %H:%M}", _label(note.type.value).upper()]
    details = [d for d in (_label(note.method), _label(note.outcome)) if d]
    if note.minutes is not None:
        details.append(f"{note.minutes} min")
    if details:
        parts.append(" · ".join(details))
    return "  ".join(parts)


def signature(note: Note) -> str:
    return f"{display_author(note.author)} · written {note.written_at:%Y-%m-%d %H:%M}"


#: Non-breaking spaces: wrapping would strip ordinary leading spaces.
INDENT = "\u00a0\u00a0"


def _indent(text: str, style: Style | str) -> Text:
    body = Text()
    for index, line in enumerate(text.split("\n")):
        if index:
            body.append("\n")
        body.append(INDENT)
        body.append(line, style=style)
    return body


class NoteTimeline(OptionList):
    """The Notes tab: highlighted entry = the note `m` amends."""

    COMPONENT_CLASSES = {
        "note-timeline--head",
        "note-timeline--engagement",
        "note-timeline--meta",
        "note-timeline--late",
        "note-timeline--superseded",
        "note-timeline--amended-by",
        "note-timeline--added",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.threads: list[NoteThread] = []
        self._rest: list[NoteThread] = []

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"note-timeline--{name}", partial=True)

    def entry(self, thread: NoteThread) -> Text:
        """One timeline entry as styled text."""
        original = thread.original
        head_style = self._style("engagement" if thread.is_engagement else "head")
        text = Text()
        text.append(("◆ " if thread.is_engagement else "  ") + note_heading(original), style=head_style)
        text.append("\n" + INDENT + signature(original), style=self._style("meta"))
        if original.late_entry:
            text.append("  LATE ENTRY", style=self._style("late"))
        if thread.superseded:
            text.append(f"  AMENDED ×{len(thread.superseded)}", style=self._style("amended-by"))
        if original.party:
            # a collateral contact: with whom, and why it went ahead if no release covered them (23.6)
            text.append(f"\n{INDENT}Contacted: {original.party}", style=self._style("meta"))
            if original.release_reason:
                text.append(f" · no release in force — {original.release_reason}", style=self._style("late"))
        versions = list(reversed(thread.superseded)) + [thread.current]
        for index, note in enumerate(versions):
            text.append("\n")
            if index == 0:
                text.append_text(_indent(note.text, ""))
                continue
            # An amendment shows what it changed against the version before it,
            # word by word: removed words struck through, added words marked.
            before = versions[index - 1]
            changed = f" — type now {_label(note.type.value)}" if note.type != before.type else ""
            text.append(f"{INDENT}Amendment by {display_author(note.author)}, {note.written_at:%Y-%m-%d %H:%M}{changed}\n", style=self._style("amended-by"))
            reason = note.amend_reason or "(no reason recorded)"
            text.append(f"{INDENT}Reason: {reason}\n", style=self._style("amended-by"))
            text.append_text(self._diff(before.text, note.text))
        text.append("\n")
        return text

    def _diff(self, old: str, new: str) -> Text:
        """The word diff of an amendment (difflib), indented like a note's text."""
        styles = {"same": "", "removed": self._style("superseded"), "added": self._style("added")}
        body = Text(INDENT)
        for part in diff_hunks(word_diff(old, new)):
            for index, line in enumerate(part.text.split("\n")):
                if index:
                    body.append("\n" + INDENT)
                body.append(line, style=styles[part.op])
        return body

    #: An entry is at least this many lines (heading, signature, text, gap): entries
    #: beyond a screenful of them are added after the first frame.
    MIN_ENTRY_LINES = 4

    def show(self, threads: list[NoteThread]) -> None:
        """Replace the entries, keeping the highlight on the same note if it is still there.

        Adding an option wraps its text to measure it; a file's first frame needs only
        the entries a screen can hold, so the rest are added once it is painted
        (wrapping every note was two thirds of opening a file's own work; issue 25.3).
        """
        keep = self.highlighted_option.id if self.highlighted_option is not None else None
        self.threads = threads
        ids = [str(t.current.id) for t in threads]
        index = ids.index(keep) if keep in ids else 0
        first = max(index + 1, self.app.size.height // self.MIN_ENTRY_LINES + 1)
        self.set_options(Option(self.entry(t), id=str(t.current.id)) for t in threads[:first])
        self._rest = threads[first:]
        if self._rest:
            self.call_after_refresh(self._add_rest)
        if threads:
            self.highlighted = index

    def _add_rest(self) -> None:
        """The entries `show` left for after the first frame (none if shown again meanwhile)."""
        rest, self._rest = getattr(self, "_rest", []), []
        if rest:
            self.add_options(Option(self.entry(t), id=str(t.current.id)) for t in rest)

    @property
    def current_thread(self) -> NoteThread | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.threads):
            return None
        return self.threads[index]

    def select_note(self, note_id: int) -> bool:
        """Highlight the entry holding this note (current or amended version)."""
        for index, thread in enumerate(self.threads):
            if any(n.id == note_id for n in (thread.current, *thread.superseded)):
                self._add_rest()
                self.highlighted = index
                self.scroll_to_highlight(top=True)
                return True
        return False
