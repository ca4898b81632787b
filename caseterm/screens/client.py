"""One client's file: a header card and tabs for every record kept on them.

Notes are only added or amended here (never edited or deleted); every other
record is added and edited through a small form whose service call names any
bad field. `n` writes a note and `l` logs a contact attempt from any tab.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from caseterm.widgets.table import MeasuredTable
from caseterm.screens.footer import CompactFooterMixin
from caseterm import clock
from caseterm.errors import BadInput
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    AssessmentKind,
    Place,
    Responsible,
    TaskStatus,
    VerifiedBy,
)
from caseterm.services import hours as hours_service
from caseterm.services import notes as notes_service
from caseterm.services import plans as plans_service
from caseterm.services import records
from caseterm.services.clients import get_client
from caseterm.text import plural
from caseterm.widgets.note_card import NoteTimeline
from caseterm.widgets.quick_log import Attempt, QuickLog
from caseterm.widgets.record_form import FormField, RecordForm

if TYPE_CHECKING:
    from sqlmodel import Session

    from caseterm.models import Client  # annotations only: the screen needs no table definitions

#: Tab ids, in order; `ClientScreen(tab=...)` accepts any of them.
TABS: list[tuple[str, str]] = [
    ("notes", "Notes"),
    ("appointments", "Appointments"),
    ("plan", "Case plan"),
    ("assessments", "Assessments"),
    ("hours", "Hours"),
    ("releases", "Releases"),
    ("referrals", "Referrals"),
    ("hmis", "HMIS"),
]
TAB_ALIASES = {"case_plan": "plan", "caseplan": "plan", "participation": "hours", "appointment": "appointments"}
#: Record tabs whose rows are edited with `e`.
RECORD_TABS = {"appointments", "plan", "assessments", "hours", "releases", "referrals"}
BAR_WIDTH = 20


def _label(value: Any) -> str:
    from caseterm.vocabulary import label

    return "" if value is None else label(str(getattr(value, "value", value)))


def _date(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def hours_bar(total: float, required: float, width: int = BAR_WIDTH) -> str:
    """A text bar of hours against the requirement (full width = required)."""
    if required <= 0:
        return ""
    filled = min(width, round(width * total / required))
    return "█" * filled + "░" * (width - filled)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _hours(value: float) -> str:
    return f"{value:g}"


class RecordTable(MeasuredTable):
    """A table of one kind of record; row keys are "<kind>:<id>"."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    @property
    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - empty or moving table
            return None
        return key.value


#: The record kind (services.records) each record tab edits.
RECORD_KIND = {"appointments": "appointment", "assessments": "assessment", "hours": "hours",
               "releases": "release", "referrals": "referral"}


class ClientScreen(CompactFooterMixin, Screen):
    """A client's file, opened by case number (optionally on one tab)."""

    CSS_PATH = "client.tcss"
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
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for tab_id in self._built:
            self._setup_table(tab_id)
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
        if hasattr(app, "data_version"):
            self.watch(app, "data_version", self._data_changed, init=False)
        if hasattr(app, "show_sidebar"):
            self.watch(app, "show_sidebar", self._sidebar_shown)
        if hasattr(app, "due_items"):
            self.watch(app, "due_items", self._show_client_due)
        self.call_after_refresh(self._focus_tab)
        if self.note_id is not None:
            self.call_after_refresh(self.select_note, self.note_id)
        if self.form_request is not None:
            self.call_after_refresh(self._open_requested_form)
        else:
            self._offer_drafts()

    def _open_requested_form(self) -> None:
        """The form whose record clears the due item `x` was pressed on, prefilled."""
        request, self.form_request = self.form_request, None
        help_text = f"Saving this clears: {self.form_reason}" if self.form_reason else ""
        try:
            if request.form == "plan":
                self.action_edit_plan(prefill=request.prefill, help_text=help_text)
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
    #: At 80 columns: the plan's text column, the hours bar, activity and verification.
    COMPACT_PLAN_TEXT = 30
    COMPACT_BAR = 8
    COMPACT_LABEL = 12

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
        self.query_one(f"#{tab_id}-table", RecordTable).add_columns(*(columns or self.COLUMNS[tab_id]))

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
        # Coming back from note entry or a form: show what was written meanwhile.
        if self._stale and self.is_mounted:
            self.reload()

    def _sidebar_shown(self, shown: bool) -> None:
        self.set_class(not shown, "-no-sidebar")

    # -- header card -------------------------------------------------------------

    def _show_card(self, c: Client, assigned: str | None = None) -> None:
        name = c.display_name
        if c.preferred_name and c.preferred_name != c.legal_name:
            name = f"{c.preferred_name} (legal name {c.legal_name})"
        self.query_one("#card-name", Static).update(f"{name} · case {c.case_number}")
        line = [c.program, _label(c.status)]
        if c.close_pending:
            line.append("closing")
        line.append(f"months used {c.months_used}")
        if c.contact_preference:
            line.append(f"stay in touch: {c.contact_preference}")
        contact = [x for x in (c.phone, c.email) if x]
        if contact:
            line.append(" / ".join(contact))
        if c.stage_of_change:
            line.append(f"stage: {_label(c.stage_of_change)}")
        if assigned:
            line.append(f"case manager {assigned}")
        self.query_one("#card-line", Static).update(" · ".join(line))
        flags = []
        if c.exempt_hours is not None:
            flags.append(f"EXEMPT ({_hours(c.exempt_hours)} h/week)")
        if c.penalty_start:
            flags.append(f"IN PENALTY since {clock.short_date(c.penalty_start)}")
        if c.dv_in_home:
            flags.append("DV IN HOME: no home visits")
        if c.remote:
            flags.append("REMOTE: mail everything")
        if c.two_parent:
            flags.append("two-parent family")
        if c.needs_childcare:
            flags.append("needs child care")
        flag_widget = self.query_one("#card-flags", Static)
        flag_widget.update(" · ".join(flags) if flags else "no flags")
        flag_widget.set_class(bool(flags), "-flagged")
        dates = [
            ("referred", c.referral_date),
            ("first contact", c.initial_contact_date),
            ("first interview", c.first_interview_date),
            ("shelter entry", c.shelter_entry_date),
            ("exit", c.exit_date),
            ("plan review due", c.plan_review_date),
        ]
        shown = [f"{label} {clock.short_date(day)}" for label, day in dates if day]
        if c.exit_reason:
            shown.append(f"exit reason {_label(c.exit_reason)}")
        self.query_one("#card-dates", Static).update("Enrollment: " + (" · ".join(shown) if shown else "no dates recorded"))
        self.sub_title = f"{c.display_name} · {c.case_number}"

    #: This client's due items listed at the top of the file; the rest are counted.
    CLIENT_DUE_SHOWN = 3

    def _show_client_due(self, items: list[Any] | None) -> None:
        """This client's due items, at the top (the sidebar stays the whole caseload's)."""
        from textual.content import Content

        from caseterm.widgets.due_today import PRIORITY_MARK, PRIORITY_STYLE

        box = self.query_one("#client-due", Static)
        if items is None:
            box.update("Due for this client: working it out…")
            return
        mine = [i for i in items if i.case_number == self.case_number]
        box.set_class(not mine, "-none")
        if not mine:
            box.update("Nothing due for this client.")
            return
        shown = 2 if getattr(self.app, "compact", False) else self.CLIENT_DUE_SHOWN
        lines = []
        for index, item in enumerate(mine[:shown]):
            priority = int(item.priority)
            head = f"Due ({len(mine)}) " if index == 0 else " " * len(f"Due ({len(mine)}) ")
            overdue = "overdue " if item.overdue else ""
            when = clock.short_date(item.due)
            lines.append(
                Content.from_markup(
                    f"[b]$head[/][{PRIORITY_STYLE.get(priority, '')}]$mark[/] [b $text-error]$overdue[/]$title"
                    " [$text-muted]· $when[/]",
                    head=head, mark=PRIORITY_MARK.get(priority, "·"), overdue=overdue, title=item.title, when=when,
                )
            )
        if len(mine) > shown:
            lines[-1] = lines[-1] + Content(f"  (+{len(mine) - shown} more in the due list)")
        box.update(Content("\n").join(lines))

    def _show_drafts(self, session: "Session", client: Client) -> None:
        drafts = notes_service.drafts_for(session, client)
        banner = self.query_one("#client-drafts", Static)
        banner.display = bool(drafts)
        if drafts:
            latest = drafts[0]
            if latest.amends_id:
                original = notes_service.get_note(session, latest.amends_id)
                what, key = f"an amendment to the note of {original.contact_at:%Y-%m-%d %H:%M}", "m on that note"
            elif latest.appointment_id is not None:
                what, key = "an appointment's note", "Enter on the appointment (or F4)"
            else:
                what, key = "a note", "n"
            more = f" (+{len(drafts) - 1} more)" if len(drafts) > 1 else ""
            banner.update(
                f"Unsaved draft of {what} from {latest.updated_at:%Y-%m-%d %H:%M} "
                f"({plural(len(latest.text.split()), 'word')}){more}. Press {key} to continue it."
            )
        self._drafts = drafts

    def _offer_drafts(self) -> None:
        if getattr(self, "_drafts", None):
            self.notify("An unsaved note draft is waiting: the banner says how to continue it.", title="Draft", timeout=6)

    # -- notes -------------------------------------------------------------------

    def _show_notes(self, session: "Session", client: Client) -> None:
        threads = notes_service.note_threads(session, client, engagement_only=self.engagement_only)
        all_count = len(notes_service.note_threads(session, client)) if self.engagement_only else len(threads)
        engagement = sum(1 for t in threads if t.is_engagement) if not self.engagement_only else len(threads)
        summary = (
            f"Engagement notes only: {len(threads)} of {all_count} (f shows all)"
            if self.engagement_only
            else f"{plural(len(threads), 'note')}, {engagement} engagement (◆)"
            " · f: engagement only · n: new · m: amend · l: log attempt"
        )
        self.query_one("#notes-summary", Static).update(summary)
        self.query_one("#note-list", NoteTimeline).show(threads)

    def watch_engagement_only(self) -> None:
        self.reload()

    @property
    def active_tab(self) -> str:
        return self.query_one("#client-tabs", TabbedContent).active

    def _selected_note_id(self) -> int | None:
        thread = self.query_one("#note-list", NoteTimeline).current_thread
        return thread.current.id if thread else None

    # -- appointments --------------------------------------------------------------

    def _show_appointments(self, session: "Session", client: Client) -> None:
        table = self._reset("appointments-table")
        for a in records.list_appointments(session, client):
            table.add_row(
                f"{a.start:%Y-%m-%d %H:%M}", str(a.minutes), _label(a.kind), _label(a.place), _label(a.status),
                (f"called: {_label(a.reminder_outcome)}" if a.reminder_outcome else "called") if a.reminder_called else "",
                key=f"appointment:{a.id}",
            )

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

    # -- case plan ---------------------------------------------------------------------

    def _show_plan(self, session: "Session", client: Client) -> None:
        view = plans_service.plan_view(session, client)
        table = self._reset("plan-table")
        summary = self.query_one("#plan-summary", Static)
        if view is None:
            summary.update("No case plan yet: g adds its first goal (SMARTS: specific, measurable, achievable, realistic, time-limited, in the client's words).")
            return
        plan = view.plan
        summary.update(
            f"Last reviewed {_date(plan.reviewed_on) or 'never'} · client signed {_date(plan.signed_on) or 'not yet'}"
            f" · services: {plan.services or '-'} · supports: {plan.supports or '-'}"
        )
        compact = self.compact
        text = (lambda t: _cut(t, self.COMPACT_PLAN_TEXT)) if compact else (lambda t: t)
        when = (lambda d: clock.short_date(d, empty="")) if compact else _date
        for gi, gv in enumerate(view.goals, 1):
            table.add_row(f"G{gi}", text(gv.goal.text), "", "", "", key=f"goal:{gv.goal.id}")
            for oi, ov in enumerate(gv.objectives, 1):
                table.add_row(f"  O{gi}.{oi}", text("  " + ov.objective.text), "", "", "", key=f"objective:{ov.objective.id}")
                for task in ov.tasks:
                    overdue = task.status is TaskStatus.OPEN and task.target_date and task.target_date < clock.today()
                    table.add_row(
                        "    •", text("    " + task.title),
                        _cut(_label(task.responsible), self.COMPACT_LABEL - 2) if compact else _label(task.responsible),
                        when(task.target_date),
                        _label(task.status) + (" (late)" if overdue else ""), key=f"task:{task.id}",
                    )

    # -- assessments, releases, referrals -------------------------------------------------

    def _show_assessments(self, session: "Session", client: Client) -> None:
        table = self._reset("assessments-table")
        for a in records.list_assessments(session, client):
            table.add_row(_date(a.date), _label(a.kind), "" if a.score is None else str(a.score), key=f"assessment:{a.id}")

    def _show_releases(self, session: "Session", client: Client) -> None:
        table = self._reset("releases-table")
        today = clock.today()
        for r in records.list_releases(session, client):
            if r.signed_on is None:
                state = "not signed"
            elif r.expires_on and r.expires_on < today:
                state = "EXPIRED"
            elif r.expires_on:
                state = f"{plural((r.expires_on - today).days, 'day')} left"
            else:
                state = "signed"
            table.add_row(r.party, _date(r.signed_on), _date(r.expires_on), state, key=f"release:{r.id}")

    def _show_referrals(self, session: "Session", client: Client) -> None:
        table = self._reset("referrals-table")
        for r in records.list_referrals(session, client):
            table.add_row(_date(r.referred_on), r.agency, r.service, r.outcome or "(no outcome yet)", key=f"referral:{r.id}")

    # -- hours --------------------------------------------------------------------------

    def _show_hours(self, session: "Session", client: Client) -> None:
        weeks = hours_service.weekly_hours(session, client)
        ws = hours_service.work_search_weeks(session, client)
        required = hours_service.required_hours(client)
        basis = "exempt: allowed hours" if client.exempt_hours is not None else "policy"
        summary = self.query_one("#hours-summary", Static)
        summary.update(
            f"Required {_hours(required)} h/week ({basis}) · work search: {ws.weeks} of {ws.limit} weeks"
            f" since {_date(ws.window_start)} (warn at {ws.warn_at})"
        )
        summary.set_class(ws.level == "warn", "-warn")
        summary.set_class(ws.level == "limit", "-limit")
        table = self._reset("hours-table")
        compact = self.compact
        label = (lambda v: _cut(_label(v), self.COMPACT_LABEL)) if compact else _label
        week_of = (lambda d: clock.short_date(d, empty="")) if compact else _date
        bar = self.COMPACT_BAR if compact else BAR_WIDTH
        for wk in weeks:
            for index, entry in enumerate(wk.entries):
                first = index == 0
                table.add_row(
                    week_of(wk.week) if first else "",
                    label(entry.activity),
                    _hours(entry.hours),
                    label(entry.verified_by),
                    _hours(wk.total) if first else "",
                    _hours(wk.required) if first else "",
                    hours_bar(wk.total, wk.required, bar) if first else "",
                    ("SHORT " + _hours(wk.required - wk.total)) if first and wk.short else "",
                    key=f"hours:{entry.id}",
                )

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

    def action_new_note(self) -> None:
        from caseterm.screens.note import NoteScreen

        self.app.push_screen(NoteScreen(self.case_number), callback=self._note_closed)

    def _note_closed(self, _result: object) -> None:
        """A draft may have been kept or discarded: the banner says so at once."""
        with self._session() as session:
            self._show_drafts(session, get_client(session, self.case_number))

    def action_amend(self) -> None:
        from caseterm.screens.note import NoteScreen

        note_id = self._selected_note_id()
        if note_id is None:
            self.notify("No note selected to amend.", severity="warning")
            return
        self.app.push_screen(NoteScreen(self.case_number, amends_id=note_id), callback=self._note_closed)

    def action_filter_engagement(self) -> None:
        self.engagement_only = not self.engagement_only

    def action_search(self) -> None:
        from caseterm.screens.search import SearchScreen

        self.app.push_screen(SearchScreen())

    def action_quick_log(self) -> None:
        label = self.client.display_name if self.client else self.case_number

        def logged(attempt: Attempt | None) -> None:
            if attempt is None:
                return
            if attempt.writes_letter:
                self.start_letter()
                return
            try:
                with self._session() as session:
                    client = get_client(session, self.case_number)
                    note = notes_service.quick_log(session, client, attempt.method, attempt.outcome)
                    text = note.text
            except BadInput as err:
                self.notify("\n".join(err.errors), severity="error")
                return
            except SQLAlchemyError:
                self.notify("Attempt not logged: the database is busy; try again.", severity="error")
                return
            self._data_written()
            self.notify(f"Logged: {text}", timeout=3)

        no_home_visits = bool(self.client and self.client.dv_in_home)
        self.app.push_screen(QuickLog(label, no_home_visits=no_home_visits), callback=logged)

    def start_letter(self) -> None:
        """Letter · sent: ask once for a missing name or phone, then preview, write and log the letter."""
        from caseterm import paths
        from caseterm.services import letters

        missing = letters.missing_signature()
        if not missing:
            self._preview_letter()
            return
        from caseterm.config import load_settings

        settings = load_settings()
        form = RecordForm(
            "Your name and phone, for letters",
            [
                FormField("full_name", "Your full name", settings.full_name, placeholder="Jo Smith", required=True),
                FormField("phone", "Your work phone", settings.phone, placeholder="503-555-0100", required=True),
            ],
            letters.save_signature,
            f"Letters are signed with your name and tell the client how to reach you. "
            f"Saved once, to {paths.settings_path()}.",
        )

        def saved(ok: bool | None) -> None:
            if ok:
                self._preview_letter()
            else:
                self.notify(f"No letter written: it needs your {' and '.join(missing)}.", severity="warning", timeout=4)

        self.app.push_screen(form, callback=saved)

    def _preview_letter(self) -> None:
        from caseterm.screens.letter import LetterPreview

        label = self.client.display_name if self.client else self.case_number
        preview = LetterPreview(self.case_number, label, getattr(self.app, "letters_dir", None))
        self.app.push_screen(preview, callback=self._letter_written)

    def _letter_written(self, result: Any) -> None:
        """Written: say where, and refresh (the engagement item moves on)."""
        if result is None:
            return
        from caseterm.text import a_an

        self._data_written()
        self.notify(
            f"Wrote {result.text_path} and {result.html_path.name} (CONFIDENTIAL). "
            f"Logged {a_an(result.template.title)} as a written contact attempt.",
            timeout=8,
        )

    def _data_written(self) -> None:
        """Tell the app (due list, other screens); this screen reloads on `data_version`."""
        from caseterm.messages import DataChanged

        client_id = self.client.id if self.client is not None else None
        self.app.post_message(DataChanged(client_id, case_number=self.case_number))
        if not hasattr(self.app, "data_version"):
            self.reload()

    def select_note(self, note_id: int) -> None:
        """Show the Notes tab with this note (or the entry holding it) highlighted."""
        if self.engagement_only:
            self.engagement_only = False
        self.show_tab("notes")
        timeline = self.query_one("#note-list", NoteTimeline)
        if timeline.select_note(note_id):
            timeline.focus()

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
        fix: dict[str, str] | None = None, fix_label: str = "", on_saved: Any = None,
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

        self.app.push_screen(RecordForm(title, fields, submit, help_text, fix=fix, fix_label=fix_label), callback=done)

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

        def checked_save(s: "Session", c: Client, v: dict[str, Any]) -> None:
            if record_id and opened is not None:
                records.check_unchanged(s, kind, record_id, opened)
            saved = save(s, c, v, record_id)
            records.mark_changed(s, saved)
            if kind == "appointment":
                from caseterm.services.appointments import clash_warning

                warnings[:] = [w for w in [clash_warning(s, saved)] if w]

        def after_save() -> None:
            # A double booking is the user's call (a group session, a home visit on the way): said, not refused.
            for warning in warnings:
                self.notify(warning, title="Double booking", severity="warning", timeout=8)
            if on_saved is not None:
                on_saved()

        self._open_form(f"{verb} {title} · {self.case_number}", fields, checked_save,
                        help_text, fix=fix, fix_label=fix_label, on_saved=after_save)

    def _appointment_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        a = records.get_record(session, client, "appointment", record_id) if record_id else None
        start = f"{a.start:%Y-%m-%d %H:%M}" if a else f"{clock.today():%Y-%m-%d} 09:00"
        kind = FormField.choice("kind", "Kind", AppointmentKind, a.kind if a else AppointmentKind.FSSP)
        place = FormField.choice("place", "Place", Place, a.place if a else Place.OFFICE)
        if client.dv_in_home:
            # Never offer the client's home (004); an existing one still shows as it is.
            kind.choices = [c for c in kind.choices if c[1] != AppointmentKind.HOME_VISIT.value or (a and a.kind is AppointmentKind.HOME_VISIT)]
            place.choices = [c for c in place.choices if c[1] != Place.HOME.value or (a and a.place is Place.HOME)]
        return "appointment", [
            FormField("start", "Start", start, placeholder="YYYY-MM-DD HH:MM", required=True),
            FormField("minutes", "Minutes", str(a.minutes) if a else "60", required=True),
            kind,
            place,
            FormField.choice("status", "Status", AppointmentStatus, a.status if a else AppointmentStatus.SCHEDULED),
        ], records.save_appointment

    def _assessment_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        a = records.get_record(session, client, "assessment", record_id) if record_id else None
        return "assessment", [
            FormField.choice("kind", "Kind", AssessmentKind, a.kind if a else AssessmentKind.VI_SPDAT),
            FormField("date", "Date", _date(a.date) if a else _date(clock.today()), placeholder="YYYY-MM-DD", required=True),
            FormField("score", "Score", "" if not a or a.score is None else str(a.score)),
        ], records.save_assessment

    def _hours_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        e = records.get_record(session, client, "hours", record_id) if record_id else None
        last_week = hours_service.monday(clock.today()) - dt.timedelta(days=7)
        return "participation hours", [
            FormField("week", "Week (any day)", _date(e.week) if e else _date(last_week), placeholder="YYYY-MM-DD", required=True),
            FormField.choice("activity", "Activity", Activity, e.activity if e else Activity.EMPLOYMENT),
            FormField("hours", "Hours", _hours(e.hours) if e else "", required=True),
            FormField.choice("verified_by", "Verified by", VerifiedBy, e.verified_by if e else "", required=True),
        ], hours_service.save_hours

    def _release_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        r = records.get_record(session, client, "release", record_id) if record_id else None
        return "release of information", [
            FormField("party", "Party", r.party if r else "", required=True),
            FormField("signed_on", "Signed on", _date(r.signed_on) if r else _date(clock.today()), placeholder="YYYY-MM-DD"),
            FormField("expires_on", "Expires on", _date(r.expires_on) if r else "", placeholder="YYYY-MM-DD"),
        ], records.save_release

    def _referral_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        r = records.get_record(session, client, "referral", record_id) if record_id else None
        return "referral", [
            FormField("agency", "Agency", r.agency if r else "", required=True),
            FormField("service", "Service", r.service if r else ""),
            FormField("referred_on", "Referred on", _date(r.referred_on) if r else _date(clock.today()), placeholder="YYYY-MM-DD", required=True),
            FormField("outcome", "Outcome", (r.outcome or "") if r else "", placeholder="linked? result"),
        ], records.save_referral

    def action_appointment_note(self) -> None:
        from caseterm.screens.note import NoteScreen

        selected = self._selected()
        if selected is None or selected[0] != "appointment":
            self.notify("Select an appointment first.", severity="warning")
            return
        self.app.push_screen(NoteScreen(self.case_number, appointment_id=selected[1]), callback=self._note_closed)

    # -- actions: case plan --------------------------------------------------------------

    def _plan_parent(self, want: str) -> int | None:
        """The goal (or objective) the cursor is on or under, for adding a child."""
        table = self.query_one("#plan-table", RecordTable)
        if table.row_count == 0:
            return None
        row = table.cursor_row
        keys = [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(row, -1, -1)]
        for key in keys:
            kind, _, rid = (key or "").partition(":")
            if kind == want:
                return int(rid)
            if want == "objective" and kind == "goal":
                return None
        return None

    def action_add_goal(self) -> None:
        self._open_form(
            f"Add goal · {self.case_number}",
            [FormField("text", "Goal", required=True, placeholder="long-term goal, in the client's words")],
            plans_service.save_goal,
            "Housing should be one of the goals (004).",
        )

    def action_add_objective(self) -> None:
        goal_id = self._plan_parent("goal")
        if goal_id is None:
            self.notify("goal: put the cursor on a goal first (g adds one).", severity="warning")
            return
        self._open_form(
            f"Add objective · {self.case_number}",
            [FormField("text", "Objective", required=True)],
            lambda s, c, v: plans_service.save_objective(s, c, v | {"goal_id": goal_id}),
            "SMARTS: specific, measurable, achievable, realistic, time-limited, stated in the client's words.",
        )

    def action_add_task(self) -> None:
        objective_id = self._plan_parent("objective")
        if objective_id is None:
            self.notify("objective: put the cursor on an objective or one of its tasks first.", severity="warning")
            return
        self._open_form(
            f"Add task · {self.case_number}",
            self._task_fields(None),
            lambda s, c, v: plans_service.save_task(s, c, v | {"objective_id": objective_id}),
        )

    def _task_fields(self, task: Any) -> list[FormField]:
        return [
            FormField("title", "Task", task.title if task else "", required=True),
            FormField.choice("responsible", "Responsible", Responsible, task.responsible if task else Responsible.CLIENT),
            FormField("target_date", "Target date", _date(task.target_date) if task else "", placeholder="YYYY-MM-DD"),
            FormField.choice("status", "Status", TaskStatus, task.status if task else TaskStatus.OPEN),
        ]

    def _plan_form(self, kind: str, record_id: int) -> None:
        with self._session() as session:
            item = plans_service.get_plan_item(session, get_client(session, self.case_number), kind, record_id)
            opened = records.stamp_of(item)  # the version check, as for the record tabs
        if kind == "task":
            fields, save = self._task_fields(item), plans_service.save_task
        else:
            label = "Goal" if kind == "goal" else "Objective"
            fields = [FormField("text", label, item.text, required=True)]  # type: ignore[union-attr]
            save = plans_service.save_goal if kind == "goal" else plans_service.save_objective

        def checked_save(s: "Session", c: Client, v: dict[str, Any]) -> None:
            records.check_unchanged(s, kind, record_id, opened)
            save(s, c, v, record_id)

        self._open_form(f"Edit {kind} · {self.case_number}", fields, checked_save)

    def action_reviewed(self) -> None:
        with self._session() as session:
            plans_service.mark_reviewed(session, get_client(session, self.case_number))
        self._data_written()
        self.notify(f"Case plan reviewed {clock.today():%Y-%m-%d}.", timeout=2)

    def action_edit_plan(self, prefill: dict[str, str] | None = None, help_text: str = "") -> None:
        with self._session() as session:
            plan = plans_service.current_plan(session, get_client(session, self.case_number))
            opened = records.stamp_of(plan) if plan else None
        fields = [
            FormField("reviewed_on", "Last reviewed", _date(plan.reviewed_on) if plan else "", placeholder="YYYY-MM-DD"),
            FormField("signed_on", "Client signed", _date(plan.signed_on) if plan else "", placeholder="YYYY-MM-DD"),
            FormField("services", "Services and providers", (plan.services or "") if plan else ""),
            FormField("supports", "Formal / informal supports", (plan.supports or "") if plan else ""),
        ]
        for f in fields:
            if prefill and f.name in prefill:
                f.value = prefill[f.name]
        def checked_save(s: "Session", c: Client, v: dict[str, Any]) -> None:
            if plan is not None and opened is not None:
                records.check_unchanged(s, "case plan", plan.id, opened)
            plans_service.save_plan(s, c, v)

        self._open_form(f"Case plan · {self.case_number}", fields, checked_save, help_text)
