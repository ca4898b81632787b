"""`?`: every key of caseterm, by screen, the current screen first."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

#: Keys that belong to Textual's own widgets but matter to a keyboard user.
MOVING = [
    ("tab / shift+tab", "move between the list and the due-today sidebar"),
    ("↑ ↓ pgup pgdn home end", "move in a list or table"),
    ("enter", "open the highlighted client / appointment / due item"),
    ("ctrl+q", "quit caseterm (asks first while a changed note is open)"),
]

DIALOGS = [
    ("snooze: 1 / 3 / 7", "type 1, 3 or 7 days (or YYYY-MM-DD or +days); Enter snoozes"),
    ("quit with a changed note", "y or Enter quits (the draft is kept), n or Esc goes back"),
    ("dismiss", "type the reason, Enter (a reason is required)"),
    ("reschedule", "YYYY-MM-DD HH:MM, a date, HH:MM or +days, Enter"),
    ("new task", "what, due, priority 1-3 (Tab between them), Enter"),
    ("locked screen", "any key, then Enter or y (or the passphrase); Esc keeps it hidden"),
    ("hours grid (h)", "type hours, Tab/Enter saves the cell and moves on; source column p/t/e/o; "
     "activity column e/s/x/d/b; Esc undoes what is typed, then leaves"),
    ("any dialog", "Esc cancels"),
]


def _bindings(bindings: list[BindingType]) -> list[Binding]:
    return list(Binding.make_bindings(bindings))


def _sections(under: Screen | None, everywhere: list[BindingType]) -> list[tuple[str, list[BindingType]]]:
    """The key sections; `everywhere` is the app's own bindings, handed in by the app
    (this screen does not import the app module: no import circle)."""
    from caseterm.screens.caseload import CaseloadScreen
    from caseterm.widgets.due_today import DueToday

    sections: list[tuple[str, list[BindingType]]] = [
        ("Everywhere", list(everywhere)),
        ("Caseload (1)", list(CaseloadScreen.BINDINGS)),
    ]
    from caseterm.screens.client import ClientScreen
    from caseterm.screens.note import NoteScreen
    from caseterm.screens.schedule import ScheduleScreen

    sections.append(("Schedule (2)", list(ScheduleScreen.BINDINGS)))
    sections.append(("Due-today sidebar", list(DueToday.BINDINGS)))
    sections.append(("Client file", list(ClientScreen.BINDINGS)))
    sections.append(("Note entry", list(NoteScreen.BINDINGS)))
    from caseterm.screens.hours_grid import HoursGrid, HoursGridScreen

    sections.append(("Hours grid (h)", [*HoursGridScreen.BINDINGS, *HoursGrid.BINDINGS]))
    if under is not None:
        # The screen you came from goes first after the global keys.
        for index, (_title, bindings) in enumerate(sections):
            if index > 0 and bindings == list(type(under).BINDINGS):
                sections.insert(1, sections.pop(index))
                break
    return sections


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q,f1", "dismiss", "Close", show=True),
    ]

    def __init__(self, under: Screen | None = None, everywhere: list[BindingType] | None = None) -> None:
        """`under`: the screen `?` was pressed on (its keys go first); `everywhere`:
        the app's global bindings (the app passes its `BINDINGS`)."""
        super().__init__()
        self.under = under
        self.everywhere = list(everywhere or [])

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label("caseterm keys  ·  Esc closes  ·  ctrl+p finds any client or action", id="help-title")
            with VerticalScroll(id="help-scroll"):
                for title, bindings in _sections(self.under, self.everywhere):
                    yield Static(self._section(title, bindings), classes="help-section")
                yield Static(self._pairs("Moving around", MOVING), classes="help-section")
                yield Static(self._pairs("Dialogs", DIALOGS), classes="help-section")

    def _section(self, title: str, bindings: list[BindingType]) -> Content:
        merged: dict[tuple[str, str], list[str]] = {}
        for binding in _bindings(bindings):
            keys = binding.key_display or self.app.get_key_display(binding)
            description = binding.description or binding.action
            if binding.tooltip and binding.tooltip != description:
                description = f"{description} — {binding.tooltip}"
            merged.setdefault((binding.action, description), [])
            if keys not in merged[(binding.action, description)]:
                merged[(binding.action, description)].append(keys)
        pairs = [(" / ".join(keys), description) for (_action, description), keys in merged.items()]
        return self._pairs(title, pairs)

    def _pairs(self, title: str, pairs: list[tuple[str, str]]) -> Content:
        lines = [Content.from_markup("[b $text-accent]$t[/]", t=title)]
        width = max((len(k) for k, _ in pairs), default=0)
        for keys, description in pairs:
            lines.append(Content.from_markup("  [b]$k[/]  $d", k=keys.ljust(width), d=description))
        return Content("\n").join(lines)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
