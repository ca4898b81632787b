"""The caseload: rows from SQL, quick filters, sorting, typing to filter, printing."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from test_app_flow import TODAY, screen_text, seeded, settle  # noqa: F401 - fixture

from caseterm.app import CasetermApp
from caseterm.models import Client, Note
from caseterm.vocabulary import ClientStatus, NoteType
from caseterm.services.caseload import (
    QuickFilter,
    caseload_rows,
    count_due,
    filter_rows,
    next_label,
    sort_rows,
    with_due_counts,
)
from caseterm.store import session_scope


def test_rows_have_last_contact_and_next_appointment(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as s:
        rows = {r.case_number: r for r in caseload_rows(s, TODAY)}
    assert len(rows) == 5
    mari = rows["TA-1001"]
    assert mari.name == "Mari" and mari.legal_name == "Maria Lopez"
    assert mari.last_contact == TODAY - dt.timedelta(days=3)
    assert mari.next_appointment == dt.datetime.combine(TODAY, dt.time(8, 30))
    assert rows["TA-1002"].penalty and rows["TA-1002"].flags == "P···"
    assert rows["HF-2001"].flags == "··RD"
    assert rows["TA-1004"].exempt and rows["TA-1004"].close_pending
    assert rows["TA-1004"].next_appointment is None  # the kept one is in the past
    assert rows["TA-1003"].last_contact is None


def test_quick_filters(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as s:
        rows = with_due_counts(caseload_rows(s, TODAY), {"TA-1002": 3})

    def names(quick: QuickFilter, text: str = "") -> set[str]:
        return {r.case_number for r in filter_rows(rows, quick, text, TODAY, 14)}

    assert len(names(QuickFilter.ALL)) == 5
    assert names(QuickFilter.DUE) == {"TA-1002"}
    assert names(QuickFilter.NOT_INITIALIZED) == {"TA-1003"}
    assert names(QuickFilter.PENALTY) == {"TA-1002"}
    assert names(QuickFilter.CLOSING) == {"TA-1004"}
    # Mari was reached 3 days ago, Lena 5 days ago: the others have no contact on file.
    assert names(QuickFilter.NO_CONTACT) == {"TA-1002", "TA-1003", "HF-2001"}
    assert {r.case_number for r in filter_rows(rows, QuickFilter.NO_CONTACT, "", TODAY, 4)} >= {"TA-1004"}
    # Typing: every word must match (names, legal names, case numbers, program).
    assert names(QuickFilter.ALL, "lopez") == {"TA-1001"}
    assert names(QuickFilter.ALL, "tanf car") == {"TA-1002"}
    assert names(QuickFilter.ALL, "hf-") == {"HF-2001"}
    assert names(QuickFilter.PENALTY, "lopez") == set()


def test_sort_by_any_column_blanks_last(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as s:
        rows = caseload_rows(s, TODAY)
    by_next = sort_rows(rows, "next_appointment")
    assert [r.case_number for r in by_next[:3]] == ["TA-1001", "TA-1002", "HF-2001"]
    assert by_next[-1].next_appointment is None
    assert sort_rows(rows, "next_appointment", reverse=True)[-1].next_appointment is None
    assert [r.name for r in sort_rows(rows, "name")][:2] == ["Ana Silva", "Bob"]
    for column in ("case_number", "name", "program", "status", "flags", "last_contact", "due"):
        assert len(sort_rows(rows, column)) == 5


def test_next_label() -> None:
    at = dt.datetime.combine
    assert next_label(None, TODAY) == "—"
    assert next_label(at(TODAY, dt.time(10)), TODAY) == "10:00"
    assert next_label(at(TODAY + dt.timedelta(days=2), dt.time(15)), TODAY) == "Wed 15:00"
    assert next_label(at(TODAY + dt.timedelta(days=20), dt.time(15)), TODAY) == "Nov 22"


def test_count_due_skips_caseload_wide_items_and_what_is_coming_up() -> None:
    class Item:
        def __init__(self, case_number: str | None, days: int = 0, overdue: bool = False) -> None:
            self.case_number = case_number
            self.due = TODAY + dt.timedelta(days=days)
            self.overdue = overdue

        def sort_key(self) -> tuple:
            return (self.case_number or "",)

    items = [Item("A"), Item("A", -3, True), Item(None), Item("B"), Item("B", 12), Item("C", 1)]
    assert count_due(items, TODAY) == {"A": 2, "B": 1}


async def test_filter_as_you_type_and_quick_keys(seeded: Engine) -> None:  # noqa: F811
    from caseterm.screens.caseload import CaseloadTable

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseloadTable)
        await pilot.press("p")
        await pilot.pause()
        assert table.row_count == 1
        await pilot.press("i")
        await pilot.pause()
        assert [str(k.value) for k in table.rows] == ["TA-1003"]
        await pilot.press("a", "slash", "t", "a")
        await pilot.pause()
        assert table.row_count == 4  # "ta": the TANF and SNAP case numbers + "Ana Silva"/"Carter"...
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 5
        assert app.focused is table
        # o cycles the sort column, O reverses.
        assert app.screen.sort_column == "name"
        await pilot.press("o")  # name -> due: most due first
        await pilot.pause()
        assert app.screen.sort_column == "due" and app.screen.sort_reverse
        dues = [r.due for r in app.screen.visible_rows()]
        assert dues == sorted(dues, reverse=True)
        await pilot.press("O")
        await pilot.pause()
        assert not app.screen.sort_reverse


async def test_due_counts_arrive_from_the_due_list(seeded: Engine) -> None:  # noqa: F811
    from caseterm.screens.caseload import CaseloadScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseloadScreen)
        counts = count_due(app.due_items, TODAY)
        shown = {r.case_number: r.due for r in screen.visible_rows()}
        assert shown == {cn: counts.get(cn, 0) for cn in shown}
        await pilot.press("d")
        await pilot.pause()
        assert {r.case_number for r in screen.visible_rows()} == {cn for cn, n in counts.items() if n}


async def test_print_caseload_writes_confidential_private_files(seeded: Engine) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert any(i.rule == "caseload-print" for i in app.due_items)  # a Monday
        await pilot.press("e")
        await settle(pilot)
        messages = " ".join(n.message for n in app.notice_log)
        assert "CONFIDENTIAL" in messages
        # The folder on its line, then each file name on its own (a toast wraps a long path mid-name).
        lines = [line.strip() for n in app.notice_log for line in n.message.splitlines()]
        folder = Path(next(line for line in lines if line.endswith("/")))
        paths = [folder / line for line in lines if line.endswith((".csv", ".html"))]
        assert {p.suffix for p in paths} == {".csv", ".html"}
        for path in paths:
            assert path.exists()
            assert oct(path.stat().st_mode & 0o777) == "0o600"
            assert "CONFIDENTIAL" in path.read_text(encoding="utf-8", errors="replace").upper() or path.suffix == ".csv"
        # Printing the list is doing the Monday item.
        assert not any(i.rule == "caseload-print" for i in app.due_items)


@pytest.mark.slow
def test_caseload_rows_at_10000_clients_take_a_fixed_number_of_queries(engine: Engine) -> None:
    """Grouped queries, not one per client: the count of SQL statements does not grow
    with the caseload (speed itself is measured in benchmarks/, not asserted here)."""
    from sqlalchemy import event

    base = dt.datetime.combine(TODAY, dt.time(9))
    with session_scope(engine) as s:
        s.bulk_insert_mappings(
            Client,
            [
                {"case_number": f"X-{i:05d}", "legal_name": f"Client {i}", "program": "TANF", "status": ClientStatus.OPEN}
                for i in range(10_000)
            ],
        )
    with session_scope(engine) as s:
        ids = [c for (c,) in s.execute(Client.__table__.select().with_only_columns(Client.__table__.c.id))]
        s.bulk_insert_mappings(
            Note,
            [
                {
                    "uid": f"u{i}",
                    "client_id": ids[i % len(ids)],
                    "contact_at": base - dt.timedelta(days=i % 90),
                    "written_at": base,
                    "type": NoteType.CONTACT,
                    "author": "casey",
                    "text": "x",
                }
                for i in range(30_000)
            ],
        )
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with session_scope(engine) as s:
            rows = caseload_rows(s, TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(rows) == 10_000
    assert len(statements) <= 8, statements
    assert {r.case_number for r in rows} == {f"X-{i:05d}" for i in range(10_000)}
    by_last = sort_rows(rows, "last_contact")
    found = filter_rows(by_last, QuickFilter.NO_CONTACT, "client 1", TODAY, 14)
    assert found and all(r.last_contact is None or (TODAY - r.last_contact).days >= 14 for r in found)


def test_quick_counts(seeded: Engine) -> None:  # noqa: F811
    from caseterm.services.caseload import quick_counts

    with session_scope(seeded) as s:
        rows = with_due_counts(caseload_rows(s, TODAY), {"TA-1002": 3, "TA-1003": 1})
    counts = quick_counts(rows, TODAY, 14)
    assert counts[QuickFilter.ALL] == 5
    assert counts[QuickFilter.DUE] == 2
    assert counts[QuickFilter.PENALTY] == 1
    assert counts[QuickFilter.NO_CONTACT] == 3
