"""Full-text search over every note (SQLite FTS5): client, date and a
highlighted snippet; Enter opens the note in its client's file.

Each keystroke runs one LIMITed query in a worker (exclusive, so a newer
query cancels an older one); whatever is typed is quoted into a safe query.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from caseterm.vocabulary import label
from caseterm.services.notes import HIT_END, HIT_START, SearchHit, search_notes
from caseterm.services.workers import display_author
from caseterm.text import plural
from caseterm.screens.resume import RestyledWhenChanged
from caseterm.widgets.footer import KeyFooter

PAGE = 50
#: Seconds of no typing before the query runs.
TYPING_PAUSE = 0.15


class SearchResults(OptionList):
    """The hits; matched words take the `search-results--match` style (TCSS)."""

    COMPONENT_CLASSES = {"search-results--match", "search-results--meta"}


def hit_prompt(hit: SearchHit, match: Style, meta: Style) -> Text:
    """Client and date on the first line, the snippet with the matches styled below."""
    head = Text()
    head.append(f"{hit.client_name} · {hit.case_number}", style="bold")
    head.append(f" · {hit.contact_at:%Y-%m-%d %H:%M} · {label(hit.type)} · {display_author(hit.author)}", style=meta)
    if hit.amended:
        head.append(" · amended since", style=meta)
    body = Text()
    snippet = " ".join(hit.snippet.split())
    inside = False
    for part in snippet.replace(HIT_END, HIT_START).split(HIT_START):
        if part:
            body.append(part, style=match if inside else "")
        inside = not inside
    return Text("\n").join([head, body, Text()])


class SearchScreen(RestyledWhenChanged, Screen):
    """Search all notes; Enter opens the note in its client's file."""

    CSS_PATH = "client.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("down", "to_results", "Results", show=False),
        Binding("ctrl+n", "more", "More results"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query
        self.hits: list[SearchHit] = []
        self._query = ""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="search-pane"):
            yield Input(self.initial_query, placeholder="Search all notes (words; the last one may be a prefix)", id="search-input")
            yield Static("Type to search.", id="search-status", markup=False)
            yield SearchResults(id="search-results")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self.initial_query:
            self.run_search(self.initial_query)

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        """Search once typing pauses briefly, not on every keystroke."""
        if self._timer is not None:
            self._timer.stop()
        value = event.value
        self._timer = self.set_timer(TYPING_PAUSE, lambda: self.run_search(value))

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter searches now (typing may not have paused yet) and goes to the results when they come."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if event.value.strip() != self._query.strip() or not self.hits:
            self._to_results_when_shown = True
            self.run_search(event.value)
        else:
            self.action_to_results()

    @work(thread=True, exclusive=True, group="note-search")
    def run_search(self, query: str, offset: int = 0) -> None:
        with self.app.session() as session:  # type: ignore[attr-defined]
            hits = search_notes(session, query, limit=PAGE, offset=offset)
        if not get_current_worker().is_cancelled:  # a newer query is on its way
            self.app.call_from_thread(self._show, query, hits, offset)

    def _show(self, query: str, hits: list[SearchHit], offset: int) -> None:
        results = self.query_one(SearchResults)
        if offset == 0:
            self.hits = []
            results.clear_options()
        self._query = query
        seen = {h.note_id for h in self.hits}
        hits = [h for h in hits if h.note_id not in seen]  # a widened window may repeat one
        self.hits.extend(hits)
        match = results.get_component_rich_style("search-results--match")
        meta = results.get_component_rich_style("search-results--meta")
        results.add_options(Option(hit_prompt(h, match, meta), id=str(h.note_id)) for h in hits)
        status = self.query_one("#search-status", Static)
        if not query.strip():
            status.update("Type to search.")
        elif not self.hits:
            status.update(f"No note contains {query.strip()!r}.")
        else:
            more = " · Ctrl+N for more" if len(self.hits) % PAGE == 0 else ""
            status.update(f"{plural(len(self.hits), 'note')}, best match first (among the newest matches) · Enter opens{more}")
        if offset == 0 and self.hits:
            results.highlighted = 0
        if getattr(self, "_to_results_when_shown", False):
            self._to_results_when_shown = False
            self.action_to_results()

    def action_more(self) -> None:
        if self.hits and len(self.hits) % PAGE == 0:
            self.run_search(self._query, offset=len(self.hits))

    def action_to_results(self) -> None:
        if self.hits:
            self.query_one(SearchResults).focus()

    def action_back(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected, "#search-results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits[event.option_index]
        self.open_hit(hit)

    def open_hit(self, hit: SearchHit) -> None:
        """Replace this screen with the client's file, the note highlighted (through
        the app's `open_client`: this screen does not import the client screen, which
        opens it — issue 26: no import circle)."""
        from caseterm.vocabulary import AuditAction

        app = self.app
        audit = getattr(app, "audit", None)
        if audit is not None:
            audit(AuditAction.NOTE_READ, hit.case_number, f"note_id={hit.note_id}")
        self.dismiss(None)
        app.open_client(hit.case_number, tab="notes", note_id=hit.note_id)  # type: ignore[attr-defined]
