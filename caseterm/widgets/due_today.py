"""The due-today sidebar: the engine's items in routine order, overdue first.

It shows the app's one due list (`app.due_items`, computed in a worker) and
asks the app to go where an item is done (`DueTarget`). Done / snooze /
dismiss write through `caseterm.services.due` and post `DataChanged`.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.messages import NO_CLIENT, DataChanged, DueTarget
from caseterm.rules.engine import split_due

#: Theme variables (not colours) per priority: they follow light and dark themes.
PRIORITY_STYLE = {1: "$text-error", 2: "$text-warning", 3: "$text-primary"}
PRIORITY_MARK = {1: "▲", 2: "■", 3: "·"}
#: Items listed per routine group; the rest are counted (a list of thousands
#: helps nobody, and the most pressing come first in each group anyway).
SHOWN_PER_GROUP = 60


#: The last due list indexed by case number: (the list, its index). One list at a time:
#: the app's list is replaced, never changed in place, when the due list is refreshed.
_by_case: tuple[list[Any] | None, dict[str, list[Any]]] = (None, {})


def items_of_case(items: list[Any], case_number: str) -> list[Any]:
    """One client's items of a due list, in the list's order, through an index built
    once per list: a client file opened at 10,000 clients no longer scans 15,000 items."""
    global _by_case
    indexed, index = _by_case
    if indexed is not items:
        index = {}
        for item in items:
            if item.case_number:
                index.setdefault(item.case_number, []).append(item)
        _by_case = (items, index)
    return index.get(case_number, [])


def item_prompt(item: Any, covering_for: str | None = None) -> Content:
    """Two lines: what to do (coloured by priority), then whose and when (and for whom, when covering)."""
    priority = int(item.priority)
    style = PRIORITY_STYLE.get(priority, "")
    overdue = "[b reverse $text-error] overdue [/] " if item.overdue else ""
    title = Content(item.title)
    first = Content.assemble(
        Content.from_markup(f"[{style}]{PRIORITY_MARK.get(priority, '·')}[/] {overdue}"),
        title.stylize("bold") if item.overdue else title,
    )
    who = item.case_number or "caseload"
    when = f" · {due_words(item.due, clock.today())}"
    cover = f" · covering for {covering_for}" if covering_for else ""
    second = Content.from_markup("  [$text-muted]$who$when$cover[/]", who=who, when=when, cover=cover)
    return Content("\n").join([first, second])


def due_words(due: Any, today: Any) -> str:
    """Every item says when: 'due today', 'due Mon Dec 07' (this week), 'due Dec 21'."""
    if due == today:
        return "due today"
    far = clock.short_date(due, today)
    if len(far) <= 6 and abs((due - today).days) < 7:
        return f"due {due:%a} {far}"
    return f"due {far}"


#: The heading of the items a rule shows ahead of their date.
COMING_UP = "coming up"

#: Routine groups in the one-line due list of 80 columns.
GROUP_SHORT = {"morning routine": "morning", "today's interviews": "interviews", "notes to finish": "notes", "deadlines": "deadlines"}


def _group_counts(items: list[Any]) -> list[tuple[Any, int]]:
    counts: dict[Any, int] = {}
    for item in items:
        counts[item.group] = counts.get(item.group, 0) + 1
    return list(counts.items())


def group_prompt(title: str, count: int) -> Content:
    return Content.from_markup("[b $text-accent]$title[/] [$text-muted]$count[/]", title=title.upper(), count=str(count))


class DueList(OptionList):
    """The list itself (focusable); its keys are the sidebar's."""

    BINDINGS = [Binding("enter", "select", "Go", show=True, tooltip="Go where the item is done")]

    def on_resize(self) -> None:
        """At 80 columns the list opens from its count line: place it again once it has its height.

        Scrolled while one line high, the first item would leave its group's heading above the top.
        """
        self._show_highlight()

    def _show_highlight(self) -> None:
        if self.highlighted is None:
            return
        first = next((i for i, option in enumerate(self.options) if not option.disabled), None)
        if self.highlighted == first:
            self.scroll_home(animate=False, immediate=True)
        else:
            self.scroll_to_highlight()


class DueToday(Vertical):
    """Sidebar: what is due today, and why."""

    BINDINGS = [
        Binding("enter", "go", "Go", show=True),
        Binding("x", "done", "Done", show=True),
        Binding("w", "note", "Note", show=True, tooltip="Write a note for the item's client, prefilled for the item"),
        Binding("z", "snooze", "Snooze", show=True),
        Binding("D", "dismiss_item", "Dismiss", show=True),
        Binding("u", "app.set_aside", "Snoozed", show=True, tooltip="The snoozed and dismissed items: undo one"),
        Binding("plus", "app.add_task", "Add task", show=True, key_display="+"),
    ]

    #: None while the app is still working the list out.
    items: reactive[list[Any] | None] = reactive(None, always_update=True, init=False)

    def compose(self) -> ComposeResult:
        yield Label("Due today", id="due-title")
        yield DueList(id="due-list")
        yield Static("", id="due-why")

    def on_mount(self) -> None:
        # Filled after the screen's first frame: a client file or the caseload
        # paints without waiting for hundreds of due options to be measured.
        self.call_after_refresh(self.watch, self.app, "due_items", self._app_items_changed)
        if hasattr(self.app, "show_sidebar"):
            self.watch(self.app, "show_sidebar", self._shown)
        if hasattr(self.app, "due_failed"):
            self.watch(self.app, "due_failed", self._failed, init=False)

    def _failed(self, failed: bool) -> None:
        if failed:
            self.query_one("#due-title", Label).update(
                Content.from_markup("[b]Due today[/] · [$text-error]could not be worked out (report written)[/]")
            )

    def _shown(self, shown: bool) -> None:
        """F2 hides the sidebar on every screen that has one (client file included)."""
        had_focus = self.has_focus_within
        self.display = shown
        if not shown and had_focus:
            self.screen.focus_next()

    def _app_items_changed(self, items: list[Any] | None) -> None:
        # A sidebar on a screen that is not showing catches up when it shows again:
        # rebuilding every hidden sidebar on every change costs for nothing.
        if self.screen.is_current or self.items is None:
            self._pending = None
            self.items = items
        else:
            self._pending = (items,)

    def on_show(self) -> None:
        self.catch_up()

    def catch_up(self) -> None:
        pending = getattr(self, "_pending", None)
        if pending is not None:
            self._pending = None
            self.items = pending[0]

    def watch_items(self, items: list[Any] | None) -> None:
        option_list = self.query_one(DueList)
        title = self.query_one("#due-title", Label)
        if items is None:
            title.update("Due today · working it out…")
            return
        keep = option_list.highlighted_option.id if option_list.highlighted_option else None
        now, later = split_due(items, clock.today())
        overdue = sum(1 for item in now if item.overdue)
        compact = bool(getattr(self.app, "compact", False))
        title.update(
            Content.from_markup(
                "[b]Due today[/] $n" + (" · [$text-error]$o overdue[/]" if overdue else "")
                + (" · [$text-muted]$c coming up[/]" if later else "")
                + ("[$text-muted] · $groups[/]" if compact else ""),
                n=str(len(now)),
                o=str(overdue),
                c=str(len(later)),
                groups=" ".join(f"{GROUP_SHORT.get(str(g.value), g.value)} {n}" for g, n in _group_counts(now)),
            )
        )
        options: list[Option | None] = []
        covering: dict[str, str] = getattr(self.app, "covering", {})
        self._by_id: dict[str, Any] = {}
        groups: dict[Any, list[Any]] = {}
        for item in now:
            groups.setdefault(str(item.group.value), []).append(item)
        if later:
            groups[COMING_UP] = later
        for group, members in groups.items():
            options.append(Option(group_prompt(group, len(members)), disabled=True))
            for index, item in enumerate(members[:SHOWN_PER_GROUP]):
                option_id = item.key if item.key not in self._by_id else f"{item.key}#{index}"
                self._by_id[option_id] = item
                options.append(Option(item_prompt(item, covering.get(item.case_number or "")), id=option_id))
            hidden = len(members) - SHOWN_PER_GROUP
            if hidden > 0:
                options.append(
                    Option(
                        Content.from_markup(
                            "[$text-muted]… $n more $group (caseload: d shows who)[/]", n=f"{hidden:,}", group=group
                        ),
                        disabled=True,
                    )
                )
        if not now:
            options.insert(0, Option(Content.from_markup("[$text-success]Nothing due today.[/]"), disabled=True))
        option_list.set_options(options)
        if keep and keep in self._by_id:
            option_list.highlighted = option_list.get_option_index(keep)
        elif items:
            option_list.highlighted = next(
                (i for i, opt in enumerate(option_list.options) if not opt.disabled), None
            )
        self._show_why()

    @property
    def current(self) -> Any | None:
        option = self.query_one(DueList).highlighted_option
        if option is None or option.id is None:
            return None
        return getattr(self, "_by_id", {}).get(option.id)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_why()

    def _show_why(self) -> None:
        item = self.current
        why = self.query_one("#due-why", Static)
        if item is None:
            why.update("")
            return
        absent = getattr(self.app, "covering", {}).get(item.case_number or "")
        why.update(
            Content.from_markup(
                "$why\n[$text-muted]$rule · source $source$cover[/]",
                cover=f" · covering for {absent}" if absent else "",
                why=item.why,
                rule=item.rule,
                source=item.source,
            )
        )

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_go()

    def action_go(self) -> None:
        item = self.current
        if item is not None:
            self.post_message(DueTarget(item))

    # -- done / snooze / dismiss ---------------------------------------------

    def _write(self, fn_name: str, *args: Any, message: str) -> None:
        item = self.current
        if item is None:
            return
        from caseterm.services import due

        try:
            with self.app.session() as session:  # type: ignore[attr-defined]
                getattr(due, fn_name)(session, item.key, *args)
        except BadInput as err:
            self.notify("\n".join(err.errors), severity="error")
            return
        self.notify(message, timeout=3)
        self._move_off(item)
        self.post_message(DataChanged(case_number=item.case_number or NO_CLIENT))

    def _move_off(self, item: Any) -> None:
        """Highlight the next item so the list does not jump back to the top."""
        option_list = self.query_one(DueList)
        index = option_list.highlighted
        if index is None:
            return
        for next_index in list(range(index + 1, option_list.option_count)) + list(range(index - 1, -1, -1)):
            option = option_list.get_option_at_index(next_index)
            if not option.disabled:
                option_list.highlighted = next_index
                return

    def action_note(self) -> None:
        """A note for the item (its client, its appointment, typed for its rule): the home visit
        that happened is written up from "Schedule … home visit" in one key (23.10)."""
        item = self.current
        if item is None or not item.case_number:
            return
        target = dict(getattr(item, "target", None) or {})
        appointment_id = target.get("appointment_id") if target.get("screen") in ("note", "schedule") else None
        self.app.open_note(item.case_number, appointment_id, item.key)  # type: ignore[attr-defined]

    def action_done(self) -> None:
        """Done needs its record: open the form that makes it; tick off only what has none."""
        item = self.current
        if item is None:
            return
        from caseterm.messages import MakeRecord
        from caseterm.services.due_records import record_for

        request = record_for(item, clock.today())
        if request.form == "direct":
            self._write("mark_done", message=f"Done: {item.title}")
        else:
            self.post_message(MakeRecord(item, request))

    def action_snooze(self) -> None:
        item = self.current
        if item is None:
            return
        from caseterm.services.snooze import parse_snooze, snooze_choices
        from caseterm.widgets.prompts import SnoozePrompt

        today = clock.today()

        def snoozed(until: Any) -> None:
            if until is not None:
                self._write("snooze", until, message=f"Snoozed until {until:%a %b %d}: {item.title}")

        self.app.push_screen(
            SnoozePrompt(item.title, snooze_choices(today), lambda text: parse_snooze(text, today)),
            snoozed,
        )

    def action_dismiss_item(self) -> None:
        item = self.current
        if item is None:
            return
        from caseterm.widgets.prompts import TextPrompt, required_reason

        def dismissed(reason: Any) -> None:
            if reason:
                self._write("dismiss", reason, message=f"Dismissed: {item.title}")

        self.app.push_screen(
            TextPrompt(
                f"Dismiss: {item.title}",
                help_text="Why? The reason is kept with the item.",
                placeholder="reason",
                parse=required_reason,
            ),
            dismissed,
        )
