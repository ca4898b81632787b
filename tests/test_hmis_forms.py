"""The HMIS tab's keyboard forms (real keys through App.run_test, 80x24): intake, a stage's data elements
and the exit, each filled with Tab and the pickers' one-key choices, saved, and read back through
`caseterm.hmis.records`; a refusal names every field left empty and writes nothing; an hmis-* due item
opens its form."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select
from test_app_flow import settle

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.hmis import records
from caseterm.hmis.models import HmisCollection, HmisEnrollment, HmisProject
from caseterm.screens.client import TABS, ClientScreen
from caseterm.services import demo
from caseterm.services.clients import get_client
from caseterm.store import session_scope
from caseterm.widgets.form_fields import FormCheckbox, PickSelect
from caseterm.widgets.record_form import RecordForm

TODAY = dt.date(2026, 12, 7)
SIZE = (80, 24)


def _open_case(engine) -> str:  # noqa: ANN001
    """A demo client of the employment program, enrolled, not exited."""
    with session_scope(engine) as s:
        for e in s.exec(select(HmisEnrollment).where(HmisEnrollment.exit_date == None)).all():  # noqa: E711
            project = s.get(HmisProject, e.project_id)
            if project and not project.continuum_project:
                from caseterm.models import Client

                return s.get(Client, e.client_id).case_number  # type: ignore[union-attr]
    raise AssertionError("no open enrollment in the demo")


async def _to_hmis_tab(pilot, app: CasetermApp, case: str) -> ClientScreen:  # noqa: ANN001
    app.open_client(case)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ClientScreen)
    for _ in range([t for t, _ in TABS].index("hmis")):
        await pilot.press("right_square_bracket")
    await settle(pilot)
    assert screen.active_tab == "hmis"
    return screen


async def _fill(pilot, form: RecordForm, wanted: dict[str, object]) -> None:  # noqa: ANN001
    """Walk the form with Tab from its first field; at each wanted field, press what a person would:
    the picker's key for a code, space for a checkbox, the text for an input (after clearing it)."""
    names = [f.name for f in form.fields]
    focused = form.focused
    assert focused is not None and focused.id == f"field-{names[0]}"
    for index, name in enumerate(names):
        widget = form.query_one(f"#field-{name}")
        assert form.focused is widget, (name, form.focused)
        if name in wanted:
            value = wanted[name]
            if isinstance(widget, PickSelect):
                key = {str(v): k for k, v in widget.keyed.items()}[str(value)]
                await pilot.press(key)
                assert str(widget.value) == str(value), name
            elif isinstance(widget, FormCheckbox):
                if widget.value != bool(value):
                    await pilot.press("space")
            else:
                await pilot.press("end", "ctrl+u", *list(str(value)))
        if index < len(names) - 1:
            await pilot.press("tab")


@pytest.mark.slow
async def test_intake_stage_and_exit_by_keyboard(engine) -> None:
    clock.pin(TODAY, dt.time(9, 0))
    with session_scope(engine) as s:
        demo.populate(s, TODAY)
    case = _open_case(engine)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _to_hmis_tab(pilot, app, case)
        footer = " ".join(b.binding.description for b in screen.active_bindings.values() if b.binding.show and b.enabled)
        assert "HMIS intake" in footer and "HMIS exit" in footer

        # --- intake: the person and the intake block, on the open enrollment
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        await _fill(pilot, form, {
            "name_quality": 2, "ssn": "xxxxx4321", "ssn_quality": 2, "dob_quality": 8,
            "race_Asian": True, "race_HispanicLatinaeo": True, "race_White": False, "race_AmIndAKNative": False,
            "race_BlackAfAmerican": False, "race_MidEastNAfrican": False, "race_NativeHIPacific": False,
            "sex": 9, "veteran": 0, "disabling": 99, "relationship": 1, "coc": "or-501", "living": 336,
            "length_of_stay": 3, "times_homeless": 8,
        })
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, "the intake form closed on save"

        # --- a stage: update, with sources ticked and an amount typed
        await pilot.press("u")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        await _fill(pilot, form, {
            "stage": "update", "date": "2026-12-01", "income_Earned": "850.50", "benefits_any": 0,
            "insurance_Medicaid": True, "disability_5": 0, "disability_6": 0, "disability_7": 1, "disability_8": 9,
            "disability_9": 8, "disability_10": 3, "dv": 1, "dv_when": 2, "dv_fleeing": 99,
        })
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, "the stage form closed on save"

        # --- exit: rental with ongoing subsidy, and its subsidy type
        await pilot.press("x")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        await _fill(pilot, form, {"date": "2026-12-05", "destination": 435, "subsidy": 419})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, "the exit form closed on save"
        assert "exit destination 435" in screen.query_one("#hmis-lines").render().plain  # type: ignore[attr-defined]

    with session_scope(engine) as s:
        client = get_client(s, case)
        person = records.client_elements(s, client)
        assert person is not None
        assert (person.name_data_quality, person.ssn, person.ssn_data_quality, person.dob_data_quality) == (
            2, "xxxxx4321", 2, 8)
        assert (person.race, person.race_none, person.sex, person.veteran_status) == ("Asian,HispanicLatinaeo", None, 9, 0)
        (e,) = [r for r in records.enrollments_of(s, client.id) if r.entry_date <= TODAY and r.exit_date == dt.date(2026, 12, 5)]
        assert (e.enrollment_coc, e.living_situation, e.length_of_stay, e.times_homeless_past_three_years,
                e.disabling_condition, e.relationship_to_hoh) == ("OR-501", 336, 3, 8, 99, 1)
        assert (e.destination, e.destination_subsidy_type) == (435, 419)
        update = [c for c in records.collections_of(s, e.id) if c.stage == 2]
        assert len(update) == 1
        c = update[0]
        assert c.information_date == dt.date(2026, 12, 1)
        assert (json.loads(c.income), c.income_from_any_source) == ({"Earned": 850.5}, 1)
        assert (c.benefits_from_any_source, json.loads(c.benefits)) == (0, [])
        assert (c.insurance_from_any_source, json.loads(c.insurance)) == (1, ["Medicaid"])
        assert json.loads(c.disabilities) == {"5": 0, "6": 0, "7": 1, "8": 9, "9": 8, "10": 3}
        assert (c.dv_survivor, c.dv_when, c.dv_currently_fleeing) == (1, 2, 99)


@pytest.mark.slow
async def test_a_refusal_names_every_missing_field_and_writes_nothing(engine) -> None:
    clock.pin(TODAY, dt.time(9, 0))
    with session_scope(engine) as s:
        demo.populate(s, TODAY)
        before = len(s.exec(select(HmisCollection)).all())
    case = _open_case(engine)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _to_hmis_tab(pilot, app, case)
        await pilot.press("u")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        # only the DV answer: a survivor, without when or fleeing
        await _fill(pilot, form, {"dv": 1})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form, "refused: the form stays open"
        shown = form.query_one("#form-errors").render().plain  # type: ignore[attr-defined]
        for field in ("income from any source", "non-cash benefits", "health insurance", "physical disability",
                      "substance use disorder", "DV: when it occurred", "DV: currently fleeing"):
            assert f"{field}: not chosen" in shown, (field, shown)
        await pilot.press("escape")
        await settle(pilot)
        # exit: no destination
        await pilot.press("x")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "destination: not chosen" in form.query_one("#form-errors").render().plain  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(pilot)
    with session_scope(engine) as s:
        assert len(s.exec(select(HmisCollection)).all()) == before
        client = get_client(s, case)
        assert all(e.destination is None for e in records.enrollments_of(s, client.id) if e.exit_date is None)


@pytest.mark.slow
async def test_hmis_due_items_open_their_forms(engine) -> None:
    clock.pin(TODAY, dt.time(9, 0))
    with session_scope(engine) as s:
        demo.populate(s, TODAY)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        from caseterm.messages import DueTarget, MakeRecord
        from caseterm.services.due_records import record_for

        for rule, title in (("hmis-exit", "HMIS exit"), ("hmis-annual-assessment", "HMIS data elements"),
                            ("hmis-missing-data", "HMIS")):
            item = next(i for i in app.due_items if i.rule == rule)
            for message in (DueTarget(item), MakeRecord(item, record_for(item, TODAY))):
                app.post_message(message)
                await settle(pilot)
                form = app.screen
                assert isinstance(form, RecordForm), (rule, type(message).__name__)
                assert form.form_title.startswith(title), form.form_title
                if rule == "hmis-annual-assessment":
                    assert form.query_one("#field-stage", PickSelect).value == "annual"
                await pilot.press("escape")
                await settle(pilot)
                await pilot.press("escape")  # the client file under it
                await settle(pilot)


@pytest.mark.slow
async def test_intake_with_no_open_enrollment_enrolls(engine) -> None:
    clock.pin(TODAY, dt.time(9, 0))
    with session_scope(engine) as s:
        demo.populate(s, TODAY)
        from caseterm.models import Client

        case = next(c.case_number for c in s.exec(select(Client)).all()
                    if (rows := records.enrollments_of(s, c.id)) and all(e.exit_date for e in rows))  # type: ignore[arg-type]
        psh = next(p for p in records.projects(s) if p.continuum_project)
        before = len(records.enrollments_of(s, get_client(s, case).id))  # type: ignore[arg-type]
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _to_hmis_tab(pilot, app, case)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm) and form.form_title.startswith("HMIS intake (enrolls")
        wanted: dict[str, object] = {
            "project": psh.id, "entry": "2026-12-02", "name_quality": 1, "ssn_quality": 99, "dob_quality": 1,
            "race_none": 8, "sex": 1, "veteran": 1, "disabling": 1, "relationship": 1, "coc": "OR-501",
            "living": 116, "months_homeless": 113}
        wanted |= {f"race_{column}": False for column in ("AmIndAKNative", "Asian", "BlackAfAmerican", "HispanicLatinaeo",
                                                          "MidEastNAfrican", "NativeHIPacific", "White")}
        await _fill(pilot, form, wanted)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, form.query_one("#form-errors").render().plain  # type: ignore[attr-defined]
    with session_scope(engine) as s:
        client = get_client(s, case)
        rows = records.enrollments_of(s, client.id)  # type: ignore[arg-type]
        assert len(rows) == before + 1
        new = rows[-1]
        assert (new.project_id, new.entry_date, new.exit_date, new.living_situation, new.months_homeless_past_three_years,
                new.disabling_condition, new.enrollment_coc) == (psh.id, dt.date(2026, 12, 2), None, 116, 113, 1, "OR-501")
        person = records.client_elements(s, client)
        assert person is not None and (person.race, person.race_none, person.sex, person.veteran_status,
                                       person.ssn_data_quality) == ("", 8, 1, 1, 99)


async def test_the_intake_form_does_not_show_the_ssn(engine) -> None:
    """The SSN on file is edited masked (•••): the intake form opens with it and never draws it."""
    from textual.widgets import Input

    clock.pin(TODAY, dt.time(9, 0))
    with session_scope(engine) as s:
        demo.populate(s, TODAY)
    case = _open_case(engine)
    with session_scope(engine) as s:
        person = records.client_elements(s, get_client(s, case))
        ssn = person.ssn if person is not None else None
    assert ssn and len(ssn) >= 4
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _to_hmis_tab(pilot, app, case)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        box = form.query_one("#field-ssn", Input)
        assert box.value == ssn and box.password
        assert ssn not in app.export_screenshot() and ssn[-4:] not in app.export_screenshot()
