"""The workflow rules: pure functions of (plan, incident state, time).

No database and no printing here. Which steps apply to an incident, what blocks
an advance, who may do what. Deadlines and their verdicts are in
:mod:`yuqing_cli.plan.deadlines`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from yuqing_cli.i18n import _
from yuqing_cli.plan.schema import Plan, Stage, Step
from yuqing_cli.plan.state import Fact, IncidentState

StepStatus = Literal["done", "waived", "open"]


# -- which steps apply -------------------------------------------------------------


def applicable_steps(
    plan: Plan, level: str, categories: Collection[str], stage: str | None = None
) -> list[Step]:
    """Steps that apply to an incident of this level and these categories (in one stage,
    or all)."""
    stages = plan.stages if stage is None else (plan.stage(stage),)
    return [step for s in stages for step in s.steps if step.when.applies(level, categories)]


def applies(step: Step, state: IncidentState) -> bool:
    return step.when.applies(state.level, state.categories)


def stages_so_far(plan: Plan, stage: str) -> tuple[Stage, ...]:
    """The current stage and every stage before it, in order."""
    return plan.stages[: plan.stage_index(stage) + 1]


def stage_passed(plan: Plan, step: Step, state: IncidentState) -> bool:
    """Is the step's stage the current one or an earlier one?"""
    return plan.stage_index(step.stage) <= plan.stage_index(state.stage)


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
        if step.required and applies(step, state) and step.id not in state.steps
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


# -- who may do what ---------------------------------------------------------------


def roles_of(
    plan: Plan, person: str, assignments: Mapping[str, str] | None = None
) -> frozenset[str]:
    """The roles a person holds: from the roster, plus per-incident designations."""
    roles = plan.roles_of_person(person) or frozenset()
    if assignments and person in assignments.values():
        roles |= {role for role, holder in assignments.items() if holder == person}
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
    known = {r.id: r.name for r in plan.roles}
    names = "/".join(known.get(role_id, role_id) for role_id in roles)
    people = [p.name for p in plan.people if set(p.roles) & set(roles)]
    people += [p for r, p in (assignments or {}).items() if r in roles and p not in people]
    return (
        f"{names}（{'、'.join(people)}）"
        if people
        else _("{roles}（nobody yet）").format(roles=names)
    )


# -- rights, as a replay checks them -------------------------------------------------------


def allowed_roles(
    rights: Plan, plan: Plan, state: IncidentState, fact: Fact
) -> tuple[str, ...] | None:
    """The roles that may record ``fact`` on an incident in ``state``: a step's own roles
    (from the incident's ``plan``), else the permission of ``rights`` (the plan adopted
    when it was recorded). None: anyone on the roster (undoing one's own step)."""
    action = fact.action
    if action == "done":
        # A step completed by what another action recorded follows that action's rights.
        if "statement" in fact.data:
            return rights.permission("statement")
        if "line" in fact.data:
            return line_approvers(rights, plan)
        if "assessment" in fact.data:
            return rights.permission("assess")
        if not plan.has_step(fact.subject):
            return ()
        step = plan.step(fact.subject)
        return rights.permission("assign") if step.assigns else step.roles
    if action == "line_draft":
        return rights.permission("draft_line")
    if action == "line_approve":
        return line_approvers(rights, plan)
    if action == "waived":
        return rights.permission("waive")
    if action == "undo":
        record = state.steps.get(fact.subject)
        if record is not None and record.actor == fact.actor:
            return None
        return rights.permission("undo")
    return rights.permission(action)


def line_approvers(rights: Plan, plan: Plan) -> tuple[str, ...]:
    """Who approves the unified line: the adopted plan's rule, else the incident's."""
    rule = rights.line or plan.line
    return rule.approvers if rule else ()


def entitled(rights: Plan, plan: Plan, state: IncidentState | None, fact: Fact) -> bool:
    """Was the person who recorded ``fact`` entitled to it? Who holds which role comes
    from ``rights``, the plan adopted at the time."""
    held = rights.roles_of_person(fact.actor)
    if held is None:
        return False
    if state is None:
        return not held.isdisjoint(rights.permission("new"))
    roles = allowed_roles(rights, plan, state, fact)
    if roles is None:
        return True
    return not roles_of(rights, fact.actor, state.assignments).isdisjoint(roles)
