"""A guided first job: one exercise incident (演练) taken through its first stage.

It uses the plan's own roster and steps, so it works for any plan: a commentator
logs the incident and completes the first stage's steps, a leader advances it.
Exercises are left out of reports and statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan
from yuqing_cli.services import incidents
from yuqing_cli.services.views import Checklist, EventView, Outcome
from yuqing_cli.store.db import Store


@dataclass(frozen=True)
class DemoRun:
    steps: list[tuple[str, Outcome]]  # what was done, explained
    before: Checklist
    after: Checklist
    trail: list[EventView]


def _first_with(plan: Plan, test: Callable[[str], bool]) -> str:
    for person in plan.people:
        if test(person.name):
            return person.name
    raise YqError(_("the plan's roster cannot run the demo (nobody may log or advance incidents)"))


def run_demo(store: Store, plan: Plan) -> DemoRun:
    # Prefer a member of staff (may log, may not advance) to log and do the steps.
    try:
        logger = _first_with(
            plan, lambda name: rules.may(plan, name, "new") and not rules.may(plan, name, "advance")
        )
    except YqError:
        logger = _first_with(plan, lambda name: rules.may(plan, name, "new"))
    leader = _first_with(plan, lambda name: rules.may(plan, name, "advance"))
    level = plan.levels[0]
    category = plan.categories[-1]
    created = incidents.new_incident(
        store,
        plan,
        logger,
        incidents.NewIncident(
            title="【演练】网传社区矫正中心工作人员态度问题（示例）",
            level=level.id,
            category=category.id,
            sentiment=plan.sentiments[-1].id,
            platform="微博",
            summary="yq demo 生成的演练事件，不计入统计和日报。",
            exercise=True,
            allow_duplicate=True,
        ),
    )
    ref = created.ref
    done: list[tuple[str, Outcome]] = [
        (_("{person} logs an exercise incident").format(person=logger), created)
    ]
    before = incidents.checklist(store, plan, ref)
    for item in before.items:
        if not item.step.required or item.step.assigns:
            continue
        step = item.step
        doer = (
            logger
            if rules.may_complete(plan, logger, step)
            else _first_with(plan, partial(rules.may_complete, plan, step=step))
        )
        outcome = incidents.complete_step(
            store, plan, doer, ref, item.step.id, note="演练 / exercise"
        )
        done.append(
            (_("{person} completes {step}").format(person=doer, step=item.step.id), outcome)
        )
    advanced = incidents.advance(store, plan, leader, ref, note="演练 / exercise")
    done.append((_("{person} advances it").format(person=leader), advanced))
    after = incidents.checklist(store, plan, ref)
    return DemoRun(done, before, after, incidents.log(store, ref))
