"""One client's file: the screen, its layout, tabs and the record forms it opens.
Each tab's rows and forms live in a module of their own (this package); the
record tabs are built and loaded the first time they are shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Static, TabbedContent, TabPane

from caseterm.screens.footer import CompactFooterMixin
from caseterm.screens.resume import RestyledWhenChanged
from caseterm.errors import BadInput
from caseterm.vocabulary import AppointmentKind, Place
from caseterm.services import records
from caseterm.services.clients import get_client
from caseterm.widgets.note_card import NoteTimeline
from caseterm.widgets.record_form import FormField, RecordForm
from caseterm.widgets.footer import KeyFooter
from caseterm.screens.client.common import RECORD_KIND, RECORD_TABS, RecordTable, TABS, TAB_ALIASES
from caseterm.screens.client.card import CardMixin
from caseterm.screens.client.notes_tab import NotesTabMixin
from caseterm.screens.client.appointments_tab import AppointmentsTabMixin
from caseterm.screens.client.plan_tab import PlanTabMixin
from caseterm.screens.client.hours_tab import HoursTabMixin
from caseterm.screens.client.records_tab import RecordsTabMixin

if TYPE_CHECKING:
    from sqlmodel import Session

    from caseterm.models import Client  # annotations only: the screen needs no table definitions


class ClientScreen(
    CardMixin, NotesTabMixin, AppointmentsTabMixin, PlanTabMixin, HoursTabMixin, RecordsTabMixin,
    CompactFooterMixin, RestyledWhenChanged, Screen,
):
    """A client's file, opened by case number (optionally on one tab)."""

    CSS_PATH = "../client.tcss"  # shared with the note, search and hours-grid screens
    BINDINGS = [
        Binding("n", "new_note", "Note", tooltip="Write a note for this client (from any tab)"),
        Binding("l", "quick_log", "Log attempt", tooltip="Log a contact attempt (phone, text, e-mail, letter) as an engagement note; letter · sent writes the letter"),
        Binding("a", "add", "Add", tooltip="Add a record on this tab"),
        Binding("e", "edit", "Edit", tooltip="Edit the highlighted record (notes are amended, never edited)"),
        Binding("m", "amend", "Amend", tooltip="Correct the highlighted note: the original stays, struck through"),
        Binding("f", "filter_engagement", "Engagement only", tooltip="Show only engagement, re-engagement, good-cause and letter notes"),
        Binding("w", "appointment_note", "Note for appt", tooltip="Write the note for the highlighted appointment"),
        Binding("g", "add_goal", "Goal", tooltip="Add a long-term goal to the case plan"),
        Binding("o", "add_objective", "Objective", tooltip="Add a SMARTS objective to the highlighted goal"),
        Binding("t", "add_task", "Task", tooltip="Add a task (who, by when) to the highlighted objective"),
        Binding("r", "reviewed", "Reviewed today", tooltip="Record that the case plan was reviewed today"),
        Binding("p", "edit_plan", "Plan dates", tooltip="Reviewed and signed dates, services and supports"),
        Binding("i", "hmis_form('intake')", "HMIS intake", tooltip="HUD universal data elements at project start (enrolls when needed)"),
        Binding("u", "hmis_form('stage')", "HMIS update", tooltip="Income, benefits, insurance, disabilities, DV at entry, update, annual assessment or exit"),
        Binding("x", "hmis_form('exit')", "HMIS exit", tooltip="Exit date and destination (with the subsidy type)"),
        Binding("ctrl+f", "search", "Search notes", tooltip="Full-text search of every note"),
        Binding("right_square_bracket", "next_tab", "Next tab", key_display="]"),
        Binding("left_square_bracket", "previous_tab", "Prev tab", key_display="[", show=False),
        Binding("escape", "back", "Back"),
    ]

    engagement_only: reactive[bool] = reactive(False, init=False)

    def __init__(
        self, case_number: str, tab: str | None = None, *, note_id: int | None = None,
        form: Any = None, form_reason: str = "",
    ) -> None:
        super().__init__()
        self.case_number = case_number
        self.note_id = note_id
        #: A `due_records.RecordRequest`: the form to open at once (`x` on a due item).
        self.form_request = form
        self.form_reason = form_reason
        self.initial_tab = TAB_ALIASES.get(tab or "", tab) if tab else None
        self.client: Client | None = None
        self.shown_case_number: str | None = None
        self._stale = False
        #: record tabs whose widgets exist / whose data changed since they were shown
        self._built: set[str] = set()
        self._tab_stale: set[str] = set()

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="main"):
            with Vertical(id="client-pane", classes="pane"):
                with Vertical(id="client-card"):
                    yield Static("", id="card-name", markup=False)
                    yield Static("", id="card-line", markup=False)
                    yield Static("", id="card-flags", markup=False)
                    yield Static("", id="card-dates", markup=False)
                with Horizontal(id="client-due-row"):
                    # The items wrap beside the heading, not under it (cut, they lost their point: 23.8).
                    yield Static("", id="client-due-head", markup=False)
                    yield Static("", id="client-due", markup=False)
                yield Static("", id="client-drafts", classes="banner", markup=False)
                initial = self.initial_tab if self.initial_tab in dict(TABS) else "notes"
                with TabbedContent(initial=initial, id="client-tabs"):
                    with TabPane("Notes", id="notes"):
                        yield Static("", id="notes-summary", markup=False)
                        yield NoteTimeline(id="note-list")
                    # Other tabs are built the first time they are shown: opening a
                    # client paints the notes without laying out six tables first.
                    for tab_id, title in TABS[1:]:
                        with TabPane(title, id=tab_id):
                            if tab_id == initial:
                                self._built.add(tab_id)
                                yield from self._tab_widgets(tab_id)
            from caseterm.widgets.due_today import DueToday

            yield DueToday(id="sidebar")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        for tab_id in self._built:
            self._setup_table(tab_id)
        app = self.app
        if hasattr(app, "data_version"):
            self.watch(app, "data_version", self._data_changed, init=False)
        if hasattr(app, "show_sidebar"):
            self.watch(app, "show_sidebar", self._sidebar_shown)
        if hasattr(app, "due_items"):
            self.watch(app, "due_items", self._show_client_due, init=False)
        self._opened()

    def show_client(self, case_number: str, tab: str | None = None, *, note_id: int | None = None) -> None:
        """Point this (kept) screen at another client's file before it is pushed again.

        The app keeps one client screen installed (`RoutesMixin.open_client`): opening a
        file then reads one client's rows and repaints, instead of composing, styling
        and laying out some fifty widgets each time (issue 25.3). Everything one open
        could leave behind is reset here: tab, engagement filter, highlight, cursors.
        """
        self.case_number = case_number
        self.note_id = note_id
        self.form_request = None
        self.form_reason = ""
        self.initial_tab = TAB_ALIASES.get(tab or "", tab) if tab else None
        self.client = None
        self.shown_case_number: str | None = None
        self._cursor_rows = {}
        self._drafts = []
        self._repointed = True

    def _opened(self) -> None:
        """What each open of a file does: read it, audit the open, focus, offer drafts."""
        try:
            self.reload()
        except BadInput as err:
            self.notify("\n".join(err.errors), severity="error")
            self.dismiss(None)
            return
        app = self.app
        if hasattr(app, "audit"):
            from caseterm.vocabulary import AuditAction

            case_number = self.client.case_number if self.client else self.case_number
            app.audit(AuditAction.CLIENT_OPENED, case_number, f"tab={self.initial_tab or 'notes'}")
        if hasattr(app, "due_items"):
            self._show_client_due(app.due_items)
        self.call_after_refresh(self._focus_tab)
        if self.note_id is not None:
            self.call_after_refresh(self.select_note, self.note_id)
        if self.form_request is not None:
            self.call_after_refresh(self._open_requested_form)
        else:
            self._offer_drafts()

    def _reopen(self) -> None:
        """A kept screen shown again for `show_client`'s client: back to the tab asked for, then read."""
        self._repointed = False
        self.set_reactive(ClientScreen.engagement_only, False)
        tabs = self.query_one("#client-tabs", TabbedContent)
        tabs.active = self.initial_tab if self.initial_tab in dict(TABS) else "notes"
        timeline = self.query_one("#note-list", NoteTimeline)
        timeline.highlighted = None
        timeline.scroll_home(animate=False)
        self._reflow()
        self._opened()
        # The sidebar of a screen that was not showing catches up after this frame.
        from caseterm.widgets.due_today import DueToday

        self.call_after_refresh(self.query_one(DueToday).catch_up)

    def _open_requested_form(self) -> None:
        """The form whose record clears the due item `x` was pressed on, prefilled."""
        request, self.form_request = self.form_request, None
        help_text = f"Saving this clears: {self.form_reason}" if self.form_reason else ""
        try:
            if request.form == "plan":
                self.action_edit_plan(prefill=request.prefill, help_text=help_text)
            elif request.form.startswith("hmis-"):
                self.action_hmis_form(request.form.removeprefix("hmis-"), enrollment_id=request.record_id,
                                      prefill=request.prefill, help_text=help_text)
            else:
                self._record_form(request.tab, request.record_id, prefill=request.prefill, help_text=help_text)
        except BadInput as err:
            self.notify("\n".join(err.errors), severity="error")

    #: Column headings of each record tab's table.
    COLUMNS: dict[str, list[str]] = {
        "appointments": ["Start", "Min", "Kind", "Place", "Status", "Reminder"],
        "plan": ["", "Goal / objective / task", "Responsible", "Target", "Status"],
        "assessments": ["Date", "Kind", "Score"],
        "hours": ["Week of", "Activity", "Hours", "Verified", "Week total", "Required", "Week vs required", "Short"],
        "releases": ["Party", "Signed", "Expires", "State"],
        "referrals": ["Referred", "Agency", "Service", "Outcome"],
    }
    #: Shorter headings at 80 columns (the app's "-compact"); cells are cut to fit too.
    COMPACT_COLUMNS: dict[str, list[str]] = {
        "plan": ["", "Goal / objective / task", "Who", "Target", "Status"],
        "hours": ["Week", "Activity", "Hours", "Verified", "Total", "Req", "vs req", "Short"],
    }
    #: At 80 columns: the plan's text column (wrapped), the hours bar, activity and verification.
    COMPACT_PLAN_TEXT = 32
    COMPACT_BAR = 8
    COMPACT_LABEL = 12

    #: The plan table's columns other than the text, with their padding (level, who, target, status).
    PLAN_OTHER_COLUMNS = 52

    def _plan_text_width(self) -> int:
        """The plan's text column: what the pane leaves beside the other columns (fixed at 80 columns)."""
        if self.compact:
            return self.COMPACT_PLAN_TEXT
        pane = self.query_one("#client-pane").size.width
        return max(self.COMPACT_PLAN_TEXT, (pane or self.app.size.width - 50) - self.PLAN_OTHER_COLUMNS)

    @property
    def compact(self) -> bool:
        return bool(getattr(self.app, "compact", False))

    def on_resize(self) -> None:
        self.call_after_refresh(self._reflow)

    def _reflow(self) -> None:
        """Crossing 100 columns: the record tables get their headings and cells again."""
        compact = self.compact
        if compact == getattr(self, "_laid_out_compact", compact):
            self._laid_out_compact = compact
            if "plan" in self._built and self._plan_text_width() != getattr(self, "_plan_width", None):
                # The plan's text column follows the pane's width (its rows wrap to it).
                self.query_one("#plan-table", RecordTable).clear(columns=True)
                self._setup_table("plan")
                self._load_tabs(["plan"])
            return
        self._laid_out_compact = compact
        for tab_id in self._built:
            if tab_id in self.COMPACT_COLUMNS:
                self.query_one(f"#{tab_id}-table", RecordTable).clear(columns=True)
                self._setup_table(tab_id)
        self._load_tabs([t for t in self._built if t in self.COMPACT_COLUMNS])

    #: Tabs with a summary line above their table.
    SUMMARIES = {"plan", "hours"}

    def _tab_widgets(self, tab_id: str) -> list[Widget]:
        if tab_id == "hmis":
            from caseterm.screens.hmis_tab import HmisPanel

            return [HmisPanel(id="hmis-table")]
        widgets: list[Widget] = []
        if tab_id in self.SUMMARIES:
            widgets.append(Static("", id=f"{tab_id}-summary", markup=False))
        widgets.append(RecordTable(id=f"{tab_id}-table"))
        return widgets

    def _setup_table(self, tab_id: str) -> None:
        if tab_id == "hmis":
            return
        columns = self.COMPACT_COLUMNS.get(tab_id) if self.compact else None
        table = self.query_one(f"#{tab_id}-table", RecordTable)
        if tab_id == "plan":
            # The goal column has a width and its rows grow to wrap the text: cut (or past the
            # table's right edge), a goal lost its point and its target and status (23.8).
            self._plan_width = self._plan_text_width()
            for index, label in enumerate(columns or self.COLUMNS[tab_id]):
                table.add_column(label, width=self._plan_width if index == 1 else None)
            return
        table.add_columns(*(columns or self.COLUMNS[tab_id]))

    async def _ensure_tab(self, tab_id: str) -> None:
        """Build a record tab on first show, and load it if data changed since."""
        if tab_id == "notes":
            return
        if tab_id not in self._built:
            self._built.add(tab_id)
            await self.query_one(f"#{tab_id}", TabPane).mount_all(self._tab_widgets(tab_id))
            self._setup_table(tab_id)
            self._tab_stale.add(tab_id)
        if tab_id in self._tab_stale:
            self._load_tabs([tab_id])

    # -- data ------------------------------------------------------------------

    def _session(self) -> Any:
        return self.app.session()  # type: ignore[attr-defined]

    def reload(self) -> None:
        """Read the file again: the card, drafts, notes and the tab on show.

        Record tabs not on show are only marked stale; each reloads when shown.
        """
        with self._session() as session:
            client = get_client(session, self.case_number)
            self.client = client
            from caseterm.services.workers import card_name

            self._show_card(client, card_name(session, client))
            self._show_notes(session, client)
            self._show_drafts(session, client)
            #: whose file is on show (a kept screen is re-pointed before it reads the next one)
            self.shown_case_number = client.case_number
        self._tab_stale = set(self._built)
        active = self.active_tab
        if active in self._built:
            self._load_tabs([active])
        self._stale = False

    def _load_tabs(self, tab_ids: list[str]) -> None:
        loaders = {
            "appointments": self._show_appointments,
            "plan": self._show_plan,
            "assessments": self._show_assessments,
            "hours": self._show_hours,
            "releases": self._show_releases,
            "referrals": self._show_referrals,
            "hmis": self._show_hmis,
        }
        with self._session() as session:
            client = get_client(session, self.case_number)
            for tab_id in tab_ids:
                loaders[tab_id](session, client)
                self._tab_stale.discard(tab_id)

    def _show_hmis(self, session: Any, client: Client) -> None:
        from caseterm.hmis.views import client_summary
        from caseterm.screens.hmis_tab import HmisPanel

        self.query_one("#hmis-table", HmisPanel).show(client_summary(session, client)["lines"], client.case_number)

    def _data_changed(self, _version: int) -> None:
        if self.is_current:
            self.reload()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if getattr(self, "_repointed", False) and self.is_mounted:
            self._reopen()
        # Coming back from note entry or a form: show what was written meanwhile.
        elif self._stale and self.is_mounted:
            self.reload()

    def _sidebar_shown(self, shown: bool) -> None:
        self.set_class(not shown, "-no-sidebar")

    # -- appointments --------------------------------------------------------------

    def _reset(self, table_id: str) -> RecordTable:
        table = self.query_one(f"#{table_id}", RecordTable)
        self._cursor_rows = getattr(self, "_cursor_rows", {})
        if table.row_count:
            self._cursor_rows[table_id] = table.cursor_row
        table.clear()
        self.call_after_refresh(self._restore_cursor, table_id)
        return table

    def _restore_cursor(self, table_id: str) -> None:
        table = self.query_one(f"#{table_id}", RecordTable)
        row = self._cursor_rows.get(table_id, 0)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    # -- focus and tabs --------------------------------------------------------------------

    def _focus_tab(self) -> None:
        tab = self.active_tab
        targets = self.query("#note-list") if tab == "notes" else self.query(f"#{tab}-table")
        if targets:
            targets.first().focus()

    @on(TabbedContent.TabActivated)
    async def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        await self._ensure_tab(self.active_tab)
        self.call_after_refresh(self._focus_tab)

    def _switch_tab(self, step: int) -> None:
        ids = [t for t, _ in TABS]
        tabs = self.query_one("#client-tabs", TabbedContent)
        tabs.active = ids[(ids.index(tabs.active) + step) % len(ids)]

    def action_next_tab(self) -> None:
        self._switch_tab(1)

    def action_previous_tab(self) -> None:
        self._switch_tab(-1)

    def show_tab(self, tab: str) -> None:
        self.query_one("#client-tabs", TabbedContent).active = TAB_ALIASES.get(tab, tab)

    #: Which tab each contextual action belongs to (None: every tab).
    _ACTION_TABS: dict[str, set[str]] = {
        "amend": {"notes"},
        "filter_engagement": {"notes"},
        "appointment_note": {"appointments"},
        "add_goal": {"plan"},
        "add_objective": {"plan"},
        "add_task": {"plan"},
        "reviewed": {"plan"},
        "edit_plan": {"plan"},
        "hmis_form": {"hmis"},
        "edit": RECORD_TABS,
        "add": RECORD_TABS - {"plan"},
    }

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tabs = self._ACTION_TABS.get(action)
        if tabs is None or not self.is_mounted:
            return True
        try:
            return self.active_tab in tabs
        except Exception:  # noqa: BLE001 - during compose
            return True

    # -- actions: notes ------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    # -- actions: records ----------------------------------------------------------------

    def _selected(self) -> tuple[str, int] | None:
        tab = self.active_tab
        if tab not in RECORD_TABS:
            return None
        key = self.query_one(f"#{tab}-table", RecordTable).selected_key
        if not key:
            return None
        kind, _, record_id = key.partition(":")
        return kind, int(record_id)

    def _open_form(
        self, title: str, fields: list[FormField], save: Any, help_text: str = "", *,
        fix: dict[str, str] | None = None, fix_label: str = "", on_saved: Any = None, dense: bool = False,
    ) -> None:
        def submit(values: dict[str, Any]) -> None:
            with self._session() as session:
                client = get_client(session, self.case_number)
                save(session, client, values)

        def done(saved: bool | None) -> None:
            if saved:
                self._data_written()
                self.notify("Saved.", timeout=2)
                if on_saved is not None:
                    on_saved()

        self.app.push_screen(RecordForm(title, fields, submit, help_text, fix=fix, fix_label=fix_label, dense=dense),
                             callback=done)

    def action_hmis_form(self, which: str, *, enrollment_id: int | None = None,
                         prefill: dict[str, str] | None = None, help_text: str = "") -> None:
        """An HMIS form (intake, a stage's data elements, exit): saved through `caseterm.hmis.records`."""
        from caseterm.screens.hmis_forms import FORMS

        extra = {k: v for k, v in (prefill or {}).items() if which == "stage" and k in ("stage", "date")}
        if which == "stage" and "date" in extra:
            extra["day"] = extra.pop("date")
        try:
            with self._session() as session:
                client = get_client(session, self.case_number)
                title, fields, save = FORMS[which](session, client, enrollment_id=enrollment_id, **extra)
        except BadInput as err:
            self.notify("\n".join(err.errors), severity="error")
            return
        self._open_form(f"{title} · {self.case_number}", fields, save, help_text, dense=True)

    def action_add(self) -> None:
        tab = self.active_tab
        if tab == "notes":
            self.action_new_note()
        elif tab == "plan":
            self.action_add_goal()
        else:
            self._record_form(tab, None)

    def action_edit(self) -> None:
        selected = self._selected()
        if selected is None:
            self.notify("Nothing selected to edit.", severity="warning")
            return
        kind, record_id = selected
        if kind in ("goal", "objective", "task"):
            self._plan_form(kind, record_id)
        else:
            self._record_form(self.active_tab, record_id)

    def _record_form(self, tab: str, record_id: int | None, *, prefill: dict[str, str] | None = None,
                     help_text: str = "", on_saved: Any = None) -> None:
        """The add/edit form of a record tab; `prefill` overrides the form's starting values."""
        fix: dict[str, str] | None = None
        fix_label = ""
        with self._session() as session:
            client = get_client(session, self.case_number)
            builders = {
                "appointments": self._appointment_fields,
                "assessments": self._assessment_fields,
                "hours": self._hours_fields,
                "releases": self._release_fields,
                "referrals": self._referral_fields,
            }
            title, fields, save = builders[tab](session, client, record_id)
            kind = RECORD_KIND[tab]
            # The version check: what the record was when the form opened.
            opened = records.stamp_of(records.get_record(session, client, kind, record_id)) if record_id else None
            if tab == "appointments" and client.dv_in_home:
                from caseterm.services.appointments import is_home_visit

                safety = "Domestic violence in the home is reported: no home visits; meet at the office (004)."
                help_text = f"{help_text} {safety}".strip()
                current = records.get_record(session, client, "appointment", record_id) if record_id else None
                if current is not None and is_home_visit(current.kind, current.place):
                    fix = {"place": Place.OFFICE.value}
                    if current.kind is AppointmentKind.HOME_VISIT:
                        fix["kind"] = AppointmentKind.OTHER.value
                    fix_label = "Move it to the office"
        for f in fields:
            if prefill and f.name in prefill:
                if f.kind == "choice" and not any(v == prefill[f.name] for _, v in f.choices):
                    continue  # not offered here (e.g. "home" for a client with DV in the home)
                f.value = prefill[f.name]
        verb = "Edit" if record_id else "Add"

        warnings: list[str] = []
        appointment: list[int] = []

        def checked_save(s: "Session", c: Client, v: dict[str, Any]) -> None:
            if record_id and opened is not None:
                records.check_unchanged(s, kind, record_id, opened)
            saved = save(s, c, v, record_id)
            records.mark_changed(s, saved)
            if kind == "appointment":
                from caseterm.services.appointments import clash_warning

                warnings[:] = [w for w in [clash_warning(s, saved)] if w]
                appointment[:] = [saved.id]

        def after_save() -> None:
            # A double booking is the user's call (a group session, a home visit on the way): said, not refused.
            for warning in warnings:
                self.notify(warning, title="Double booking", severity="warning", timeout=8)
            ask = getattr(self.app, "ask_next_review", None)  # the app's (a test host may have none)
            if appointment and ask is not None:
                ask(appointment[0])  # a kept FSSP: when is the next review? (23.3)
            if on_saved is not None:
                on_saved()

        self._open_form(f"{verb} {title} · {self.case_number}", fields, checked_save,
                        help_text, fix=fix, fix_label=fix_label, on_saved=after_save)

    # -- actions: case plan --------------------------------------------------------------

