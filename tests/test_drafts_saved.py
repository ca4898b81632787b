"""A draft never outlives the note it became (issue 23.1).

The story: a note form for Britt is left open in one mode with its text; the
same text is saved as a note elsewhere (F4 in another mode, the quick log, the
CLI); the abandoned form came back "Restored your unsaved draft" holding the
saved text and re-created "Finish the unsaved contact note: Britt" — the way
to a duplicate note. Every path that saves a note ends the matching draft in
its transaction; a draft written or restored later never brings back text
saved since it was begun.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from textual.widgets import Select

from test_app_flow import until

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.errors import BadInput
from caseterm.models import Client, Note, NoteDraft
from caseterm.screens.note import NoteScreen
from caseterm.services import notes
from caseterm.store import session_scope
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType

DAY = dt.date(2026, 12, 7)
BEGUN = dt.datetime.combine(DAY, dt.time(8, 53))
SAVED = dt.datetime.combine(DAY, dt.time(9, 10))
MET = dict(method=ContactMethod.OFFICE, outcome=ContactOutcome.REACHED, minutes=30)
TYPED = "Britt came by the office.\nTalked about the rent arrears and the landlord's letter."


@pytest.fixture
def britt(engine) -> Client:
    clock.pin(DAY, BEGUN.time())
    with session_scope(engine) as s:
        c = Client(case_number="HF-7", legal_name="Brittany Olsen", preferred_name="Britt")
        s.add(c)
        s.add(Client(case_number="HF-8", legal_name="Other Person"))
        s.flush()
        return c


def drafts(engine) -> list[str]:
    with session_scope(engine) as s:
        return [d.text for d in s.exec(select(NoteDraft).order_by(NoteDraft.id)).all()]


def note_texts(engine) -> list[str]:
    with session_scope(engine) as s:
        return [n.text for n in s.exec(select(Note).order_by(Note.id)).all()]


def begun_at(when: dt.datetime) -> dict:
    return {"type": "contact", "started_at": when.isoformat(timespec="seconds")}


# -- the services --------------------------------------------------------------


@pytest.mark.parametrize("path", ["add_note", "quick_log"])
def test_saving_a_note_ends_the_draft_it_became_in_the_same_transaction(engine, britt, path):
    with session_scope(engine) as s:
        notes.save_draft(s, britt, text=TYPED, fields=begun_at(BEGUN))
        other = s.exec(select(Client).where(Client.case_number == "HF-8")).one()
        notes.save_draft(s, other, text="Someone else's note, not saved", fields=begun_at(BEGUN))
    clock.pin(DAY, SAVED.time())
    with session_scope(engine) as s:
        if path == "add_note":
            notes.add_note(s, britt, type=NoteType.CONTACT, text=TYPED + "\nNext visit Thursday.", **MET)
        else:
            notes.quick_log(s, britt, ContactMethod.PHONE, ContactOutcome.REACHED, text=TYPED)
        # in the note's own transaction, before it commits
        assert [d.client_id for d in s.exec(select(NoteDraft)).all()] == [2]
    assert drafts(engine) == ["Someone else's note, not saved"]


def test_a_draft_partly_saved_keeps_only_the_rest_and_a_quick_log_leaves_others_alone(engine, britt):
    with session_scope(engine) as s:
        notes.save_draft(s, britt, text=TYPED + "\nAsked about the food bank.", fields=begun_at(BEGUN))
    clock.pin(DAY, SAVED.time())
    with session_scope(engine) as s:
        notes.quick_log(s, britt, ContactMethod.PHONE, ContactOutcome.NO_ANSWER)  # says nothing of the draft
    assert drafts(engine) == [TYPED + "\nAsked about the food bank."]
    with session_scope(engine) as s:
        notes.add_note(s, britt, type=NoteType.CONTACT, text="Britt came by the office.", **MET)
    assert drafts(engine) == ["Talked about the rent arrears and the landlord's letter.\nAsked about the food bank."]


def test_the_abandoned_form_cannot_write_the_saved_text_back(engine, britt):
    """The form begun at 08:53 writes its draft again after the text was saved at 09:10."""
    with session_scope(engine) as s:
        notes.save_draft(s, britt, text=TYPED, fields=begun_at(BEGUN))
    clock.pin(DAY, SAVED.time())
    with session_scope(engine) as s:
        notes.add_note(s, britt, type=NoteType.CONTACT, text=TYPED, **MET)
    clock.pin(DAY, dt.time(9, 30))
    with session_scope(engine) as s:
        assert notes.save_draft(s, britt, text=TYPED, fields=begun_at(BEGUN)) is None
    assert drafts(engine) == []
    with session_scope(engine) as s:
        # new words typed after the save are kept, the saved ones are not
        notes.save_draft(s, britt, text=TYPED + "\nShe called back at 9:25.", fields=begun_at(BEGUN))
    assert drafts(engine) == ["She called back at 9:25."]
    with session_scope(engine) as s:
        # and saving the whole form again would be the same note twice: refused
        with pytest.raises(BadInput, match="already saved as a note"):
            notes.add_note(s, britt, type=NoteType.CONTACT, text=TYPED, started_at=BEGUN, **MET)
    assert note_texts(engine) == [TYPED]


def test_a_stale_draft_is_not_restored_nor_listed(engine, britt):
    """A draft row written after its note (as the old code could) is ended when offered back."""
    clock.pin(DAY, SAVED.time())
    with session_scope(engine) as s:
        notes.add_note(s, britt, type=NoteType.CONTACT, text=TYPED, **MET)
        # as an older caseterm left it: no started_at, written after the save
        s.add(NoteDraft(client_id=britt.id, text=TYPED, fields_json='{"type": "contact"}',
                        updated_at=SAVED + dt.timedelta(minutes=5)))
    clock.pin(DAY, dt.time(10, 0))
    with session_scope(engine) as s:
        assert len(notes.all_drafts(s)) == 1
        assert notes.prune_saved_drafts(s) == 1
        assert notes.all_drafts(s) == []
        assert notes.restorable_draft(s, britt) is None


# -- the app -------------------------------------------------------------------


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def type_note(app, pilot) -> NoteScreen:
    app.open_note("HF-7")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, NoteScreen)
    screen.editor.set_text("")
    screen.query_one("#note-text").focus()
    await pilot.press(*"Britt came by the office.")
    return screen


async def test_f4_in_another_mode_goes_back_to_the_open_form(engine, britt):
    """The form left open in the caseload mode: F4 from the schedule shows it, not a second form on its draft."""
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        first = await type_note(app, pilot)
        app.switch_mode("schedule")  # the form is covered: its draft is kept at once
        await settle(app, pilot)
        assert drafts(engine) == ["Britt came by the office."]
        await pilot.press("f4")
        await settle(app, pilot)
        assert app.current_mode == "caseload" and app.screen is first
        open_forms = [s for stack in app._screen_stacks.values() for s in stack if isinstance(s, NoteScreen)]
        assert open_forms == [first]


async def test_a_form_whose_text_was_saved_elsewhere_closes_and_leaves_nothing_to_finish(engine, britt):
    """The story end to end: saved meanwhile (here by `caseterm note add`'s service in another
    transaction), the abandoned form comes back and neither keeps nor re-creates the draft."""
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        first = await type_note(app, pilot)
        app.switch_mode("schedule")
        await settle(app, pilot)
        assert drafts(engine) == ["Britt came by the office."]
        clock.pin(DAY, SAVED.time())
        with session_scope(engine) as s:
            client = s.exec(select(Client).where(Client.case_number == "HF-7")).one()
            notes.add_note(s, client, type=NoteType.CONTACT, text="Britt came by the office. Rent talk.", **MET)
        assert drafts(engine) == []  # ended with the note
        clock.pin(DAY, dt.time(9, 30))
        app.switch_mode("caseload")
        await settle(app, pilot)
        await until(pilot, lambda: app.screen is not first)
        assert not isinstance(app.screen, NoteScreen)
        assert any("saved meanwhile" in n.message for n in app.notice_log)
        await pilot.press("f4")
        await settle(app, pilot)
        assert any("No unsaved notes" in n.message for n in app.notice_log)
        await settle(app, pilot)
        assert not any(i.rule == "draft" for i in app.due_items or [])
    assert drafts(engine) == []
    assert note_texts(engine) == ["Britt came by the office. Rent talk."]


async def test_ctrl_s_on_the_abandoned_form_does_not_save_the_note_twice(engine, britt):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        first = await type_note(app, pilot)
        first.query_one("#note-method", Select).value = "office"
        first.query_one("#note-outcome", Select).value = "reached"
        first.query_one("#note-minutes").value = "30"
        await pilot.pause()
        clock.pin(DAY, SAVED.time())
        with session_scope(engine) as s:
            client = s.exec(select(Client).where(Client.case_number == "HF-7")).one()
            notes.add_note(s, client, type=NoteType.CONTACT, text="Britt came by the office.", **MET)
        await pilot.press("ctrl+s")  # the form never left the screen: the save itself checks
        await settle(app, pilot)
        assert app.screen is first
        assert any("already saved as a note" in n.message for n in app.notice_log)
    assert note_texts(engine) == ["Britt came by the office."]


async def test_the_start_up_notice_of_unsaved_notes_is_worked_out_off_the_screen_s_thread(engine, britt):
    """Ending the drafts already saved checks each draft against the notes: 450 drafts
    froze the screen for 1.9 s at start-up. It runs in a worker; the notice still comes."""
    import threading

    with session_scope(engine) as s:
        notes.save_draft(s, britt, text=TYPED, fields=begun_at(BEGUN))
    app = CasetermApp(engine, idle_lock_seconds=0)
    threads: list[bool] = []
    listed = app.unsaved_notes

    def unsaved_notes():  # noqa: ANN202
        threads.append(threading.current_thread() is threading.main_thread())
        return listed()

    app.unsaved_notes = unsaved_notes  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: any("unsaved note" in n.message for n in app.notice_log))
    assert threads == [False]
