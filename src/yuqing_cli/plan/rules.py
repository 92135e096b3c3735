"""The workflow rules: pure functions of (plan, incident state, time).

No database and no printing here. Which steps apply to an incident, what blocks
an advance, when a step is due, who may do what.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from yuqing_cli.i18n import _
from yuqing_cli.plan.schema import Plan, Stage, Step

StepStatus = Literal["done", "waived", "open"]


@dataclass(frozen=True, slots=True)
class StepRecord:
    """A step completed or waived for one incident."""

    status: Literal["done", "waived"]
    actor: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class IncidentState:
    """What the rules need to know about one incident."""

    level: str
    category: str
    stage: str
    detected_at: datetime
    stage_entered: Mapping[str, datetime] = field(default_factory=dict)
    steps: Mapping[str, StepRecord] = field(default_factory=dict)
    assignments: Mapping[str, str] = field(default_factory=dict)  # role id -> person


# -- which steps apply -------------------------------------------------------------


def applicable_steps(plan: Plan, level: str, category: str, stage: str | None = None) -> list[Step]:
    """Steps that apply to an incident of this level and category (in one stage, or all)."""
    stages = plan.stages if stage is None else (plan.stage(stage),)
    return [step for s in stages for step in s.steps if step.when.applies(level, category)]


def stages_so_far(plan: Plan, stage: str) -> tuple[Stage, ...]:
    """The current stage and every stage before it, in order."""
    return plan.stages[: plan.stage_index(stage) + 1]


def step_status(state: IncidentState, step: Step) -> StepStatus:
    record = state.steps.get(step.id)
    return record.status if record is not None else "open"


def outstanding(plan: Plan, state: IncidentState) -> list[Step]:
    """Required, applicable steps of the current and earlier stages not yet done or waived.

    After a re-grade this includes steps of stages already passed (R-FLOW-5).
    """
    return [
        step
        for stage in stages_so_far(plan, state.stage)
        for step in stage.steps
        if step.required
        and step.when.applies(state.level, state.category)
        and step.id not in state.steps
    ]


# -- moving on -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdvanceCheck:
    current: Stage
    target: Stage | None  # None: already in the final stage
    missing: tuple[Step, ...]

    @property
    def action(self) -> str:
        """The permission the move needs: entering the final stage is closing."""
        return "close" if self.target is not None and self.target.final else "advance"

    @property
    def allowed(self) -> bool:
        return self.target is not None and not self.missing


def check_advance(plan: Plan, state: IncidentState) -> AdvanceCheck:
    current = plan.stage(state.stage)
    target = plan.stage(current.next) if current.next else None
    return AdvanceCheck(current, target, tuple(outstanding(plan, state)))


def reopen_target(plan: Plan, state: IncidentState) -> Stage | None:
    """Where a flare-up sends the incident, or None if it cannot be reopened now."""
    current = plan.stage(state.stage)
    return plan.stage(current.reopen_to) if current.reopen_to else None


def steps_reset_by_reopen(plan: Plan, target: Stage) -> list[Step]:
    """Steps of the reopened stage and every later one: they must be done again."""
    index = plan.stage_index(target.id)
    return [step for stage in plan.stages[index:] for step in stage.steps]


# -- deadlines -------------------------------------------------------------------


def due_at(plan: Plan, step: Step, state: IncidentState) -> datetime | None:
    """When ``step`` is due for this incident, or None if it has no deadline (yet)."""
    if step.due is None:
        return None
    hours = step.due.hours_for(state.level)
    if hours is None:
        return None
    start = (
        state.detected_at if step.due.from_ == "detected" else state.stage_entered.get(step.stage)
    )
    if start is None:  # its stage has not been entered yet
        return None
    return start + timedelta(hours=hours)


def is_overdue(plan: Plan, step: Step, state: IncidentState, now: datetime) -> bool:
    """Open, due and past due. A step of a stage not yet reached is never overdue."""
    if step.id in state.steps or not step.when.applies(state.level, state.category):
        return False
    if plan.stage_index(step.stage) > plan.stage_index(state.stage):
        return False
    due = due_at(plan, step, state)
    return due is not None and due < now


def overdue_steps(plan: Plan, state: IncidentState, now: datetime) -> list[Step]:
    return [
        step
        for stage in stages_so_far(plan, state.stage)
        for step in stage.steps
        if is_overdue(plan, step, state, now)
    ]


# -- who may do what ---------------------------------------------------------------


def roles_of(plan: Plan, person: str, assignments: Mapping[str, str] | None = None) -> set[str]:
    """The roles a person holds: from the roster, plus per-incident designations."""
    roles = {r for p in plan.people if p.name == person for r in p.roles}
    roles |= {role for role, holder in (assignments or {}).items() if holder == person}
    return roles


def may(plan: Plan, person: str, action: str, assignments: Mapping[str, str] | None = None) -> bool:
    return bool(roles_of(plan, person, assignments) & set(plan.permission(action)))


def may_complete(
    plan: Plan, person: str, step: Step, assignments: Mapping[str, str] | None = None
) -> bool:
    return bool(roles_of(plan, person, assignments) & set(step.roles))


def who_may(
    plan: Plan, roles: tuple[str, ...], assignments: Mapping[str, str] | None = None
) -> str:
    """Readable roles and the people who hold them, e.g. '组长/副组长（郭雁、张江晖）'."""
    if not roles:
        return _("nobody")
    names = "/".join(plan.role(role_id).name for role_id in roles)
    people = [p.name for p in plan.people if set(p.roles) & set(roles)]
    people += [p for r, p in (assignments or {}).items() if r in roles and p not in people]
    return (
        f"{names}（{'、'.join(people)}）"
        if people
        else _("{roles}（nobody yet）").format(roles=names)
    )
