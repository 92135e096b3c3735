"""What there is to do now, across open incidents: `yq todo` (for one person, a role, or
everyone) and `yq due` (what falls due soon, for cron or a timer).

A task is a required step that may be done now (its stage reached, not done or waived),
a designation that completes a step, a signature the unified line still needs, or an
incident ready to move to its next stage — each with who may do it and the command.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from yuqing_cli.i18n import _
from yuqing_cli.plan import deadlines, rules
from yuqing_cli.plan.deadlines import Verdict
from yuqing_cli.plan.schema import Plan, Step
from yuqing_cli.plan.state import IncidentState
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, acting_person, reading
from yuqing_cli.services.plans import plan_for
from yuqing_cli.store.tables import Incident


@dataclass(frozen=True)
class Task:
    ref: str
    title: str  # the incident's
    what: str  # the step's title, or what the task is
    kind: str  # step | assign | line | advance | close
    step: Step | None
    verdict: Verdict | None  # the deadline, where there is one
    people: tuple[str, ...]  # who may do it
    roles: tuple[str, ...]
    command: str
    order: int = 0  # the step's place in the plan, for tasks due at the same time

    @property
    def overdue(self) -> bool:
        return self.verdict is not None and self.verdict.open and self.verdict.kind == "missed"

    def sort_key(self) -> tuple[int, datetime, str, int]:
        due = self.verdict.due.lo if self.verdict and self.verdict.due else datetime.max
        return (0 if self.overdue else 1, due.replace(tzinfo=None), self.ref, self.order)


@dataclass(frozen=True)
class TaskList:
    tz: str
    person: str | None  # whose tasks (None: everyone's)
    role: str | None
    tasks: tuple[Task, ...]
    now: datetime


def todo(
    ctx: Context, *, everyone: bool = False, role: str | None = None, person: str | None = None
) -> TaskList:
    with reading(ctx) as r:
        who = None if everyone or role else acting_person(r.plan, person or ctx.user)
        role_id = r.plan.role(role).id if role else None
        found = [
            t
            for t in _tasks(r.session, r.plan, r.now)
            if (who is None or who in t.people) and (role_id is None or role_id in t.roles)
        ]
        return TaskList(r.tz, who, role_id, tuple(sorted(found, key=Task.sort_key)), r.now)


def due(ctx: Context, within: timedelta) -> TaskList:
    """Every task past its deadline, or due within ``within`` from now."""
    with reading(ctx) as r:
        limit = r.now + within
        found = [
            t
            for t in _tasks(r.session, r.plan, r.now)
            if t.verdict is not None
            and t.verdict.due is not None
            and (t.overdue or t.verdict.due.lo <= limit)
        ]
        return TaskList(r.tz, None, None, tuple(sorted(found, key=Task.sort_key)), r.now)


def mine(session: Session, rights: Plan, person: str, now: datetime) -> set[str]:
    """References of the open incidents where ``person`` has something to do."""
    return {t.ref for t in _tasks(session, rights, now) if person in t.people}


def _tasks(session: Session, rights: Plan, now: datetime) -> Iterator[Task]:
    query = (
        select(Incident)
        .where(col(Incident.closed_at).is_(None), col(Incident.voided).is_(False))
        .order_by(col(Incident.detected_at), col(Incident.ref))
    )
    for row in session.exec(query):
        plan = plan_for(session, rights, row.plan_version)
        yield from incident_tasks(rights, plan, st.snapshot_state(row, plan, session), now)


def _people(rights: Plan, roles: tuple[str, ...], state: IncidentState) -> tuple[str, ...]:
    named = [p.name for p in rights.people if set(p.roles) & set(roles)]
    named += [p for r, p in state.assignments.items() if r in roles and p not in named]
    return tuple(named)


def incident_tasks(rights: Plan, plan: Plan, state: IncidentState, now: datetime) -> list[Task]:
    ref = state.ref
    tasks = []
    for step in rules.outstanding(plan, state):
        if step.assigns:
            roles = rights.permission("assign")
            role = plan.role(step.assigns)
            command = f"yq assign {ref} {role.id} NAME"
            kind = "assign"
        else:
            roles, command, kind = step.roles, f"yq done {ref} {step.id}", "step"
        tasks.append(
            Task(
                ref,
                state.title,
                step.title,
                kind,
                step,
                deadlines.step_verdict(plan, state, step, now),
                _people(rights, roles, state),
                roles,
                command,
                plan.steps.index(step),
            )
        )
    line_rules = plan.line
    if line_rules is not None and state.lines and state.lines[-1].approved is None:
        version = state.lines[-1]
        roles = rules.line_approvers(rights, plan)
        signed = {x.person for x in version.signatures}
        people = tuple(p for p in _people(rights, roles, state) if p not in signed)
        line_step = (
            plan.step(line_rules.step)
            if line_rules.step and plan.has_step(line_rules.step)
            else None
        )
        tasks.append(
            Task(
                ref,
                state.title,
                _("sign the unified line, version {version}").format(version=version.number),
                "line",
                line_step,
                deadlines.step_verdict(plan, state, line_step, now) if line_step else None,
                people,
                roles,
                f"yq line approve {ref} {version.number}",
                len(plan.steps),
            )
        )
    check = rules.check_advance(plan, state)
    if check.allowed and check.target is not None:
        roles = rights.permission(check.action)
        tasks.append(
            Task(
                ref,
                state.title,
                _("move it to {stage}").format(stage=check.target.name),
                check.action,
                None,
                None,
                _people(rights, roles, state),
                roles,
                f"yq advance {ref}",
                len(plan.steps) + 1,
            )
        )
    return tasks
