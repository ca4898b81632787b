"""The case plan tab of a client's file (a mixin of `ClientScreen`): goals,
objectives and tasks in one tree-like table, `r` reviewed today, `p` plan dates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from caseterm import clock
from caseterm.vocabulary import Responsible, TaskStatus
from caseterm.services import plans as plans_service
from caseterm.services import records
from caseterm.services.clients import get_client
from caseterm.widgets.record_form import FormField
from caseterm.screens.client.common import RecordTable, _cut, _date, _label

if TYPE_CHECKING:
    from sqlmodel import Session

    from caseterm.models import Client  # annotations only: the screen needs no table definitions


class PlanTabMixin:
    """The case plan tab: goals, SMARTS objectives, tasks, review and signature dates."""

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
        # The text column has a fixed width (`_plan_text_width`): each row is as tall as its text wraps.
        height = None
        # The first column alone shows the level: an indent in the text would not carry to its wrapped lines.
        text = lambda t: Text(t.lstrip(" "))  # noqa: E731
        when = (lambda d: clock.short_date(d, empty="")) if compact else _date
        for gi, gv in enumerate(view.goals, 1):
            table.add_row(f"G{gi}", text(gv.goal.text), "", "", "", key=f"goal:{gv.goal.id}", height=height)
            for oi, ov in enumerate(gv.objectives, 1):
                table.add_row(
                    f"  O{gi}.{oi}", text("  " + ov.objective.text), "", "", "",
                    key=f"objective:{ov.objective.id}", height=height,
                )
                for task in ov.tasks:
                    overdue = task.status is TaskStatus.OPEN and task.target_date and task.target_date < clock.today()
                    table.add_row(
                        "    •", text("    " + task.title),
                        _cut(_label(task.responsible), self.COMPACT_LABEL) if compact else _label(task.responsible),
                        when(task.target_date),
                        _label(task.status) + (" (late)" if overdue else ""), key=f"task:{task.id}", height=height,
                    )

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
