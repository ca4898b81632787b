"""One entry of the note timeline: the note as it reads now, with every
version it replaced shown struck through, and who amended it when (004:
"line through, initial and date")."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ListItem, Static

from caseterm.models import Note
from caseterm.services.notes import NoteThread


def _label(value: str | None) -> str:
    return (value or "").replace("_", " ")


def note_heading(note: Note) -> str:
    parts = [f"{note.contact_at:%Y-%m-%d %H:%M}", _label(note.type.value).upper()]
    details = [d for d in (_label(note.method), _label(note.outcome)) if d]
    if note.minutes is not None:
        details.append(f"{note.minutes} min")
    if details:
        parts.append(" · ".join(details))
    return "  ".join(parts)


def signature(note: Note) -> str:
    return f"{note.author} · written {note.written_at:%Y-%m-%d %H:%M}"


class NoteCard(ListItem):
    """A timeline entry; `note_id` is the version to amend (the current one)."""

    def __init__(self, thread: NoteThread) -> None:
        classes = ["note-card"]
        if thread.is_engagement:
            classes.append("-engagement")
        if thread.superseded:
            classes.append("-amended")
        if thread.original.late_entry:
            classes.append("-late")
        super().__init__(classes=" ".join(classes))
        self.thread = thread
        self.note_id = thread.current.id

    def compose(self) -> ComposeResult:
        thread = self.thread
        original = thread.original
        with Vertical(classes="note-body"):
            head = note_heading(original)
            if thread.is_engagement:
                head = "◆ " + head
            yield Static(head, classes="note-head", markup=False)
            tags = []
            if original.late_entry:
                tags.append("LATE ENTRY")
            if thread.superseded:
                tags.append(f"AMENDED ×{len(thread.superseded)}")
            yield Static(signature(original) + ("   " + "  ".join(tags) if tags else ""), classes="note-sig", markup=False)
            # Oldest first, like paper: each replaced version struck through,
            # then the amendment that replaced it with its author and date.
            versions = list(reversed(thread.superseded)) + [thread.current]
            for index, note in enumerate(versions):
                if index > 0:
                    yield Static(
                        f"Amendment by {note.author}, {note.written_at:%Y-%m-%d %H:%M}"
                        + (f" — type now {_label(note.type.value)}" if note.type != versions[index - 1].type else ""),
                        classes="note-amended-by",
                        markup=False,
                    )
                css = "note-text" if note is thread.current else "note-text -superseded"
                yield Static(note.text, classes=css, markup=False)
