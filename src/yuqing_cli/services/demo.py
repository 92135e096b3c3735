"""A guided first job: one exercise incident (演练) taken through its first stage.

It uses the plan's own roster and steps, so it works for any plan: a commentator
logs the incident and completes the first stage's steps, a leader advances it.
Exercises are left out of reports and statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from yuqing_cli.errors import Refused, YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan
from yuqing_cli.services import incidents, queries
from yuqing_cli.services.context import Context, reading
from yuqing_cli.services.plans import PlanRequest
from yuqing_cli.services.views import Checklist, Outcome, Trail
from yuqing_cli.store.db import Store


@dataclass(frozen=True)
class DemoRun:
    steps: list[tuple[str, Outcome]]  # what was done, explained
    before: Checklist
    after: Checklist
    trail: Trail
    logger: str  # who logged the incident: the "next" hints use their name


def _require_a_file_or_an_administrator(ctx: Context) -> None:
    """The demo plays several people: on a server only an administrator's login may."""
    if not ctx.on_server:
        return
    from yuqing_cli.store.dialect import server_login

    with reading(ctx) as r:
        login = server_login(r.session.connection())
    if login is not None and not login.admin:
        raise Refused(
            _("the demo acts as several people; the login {login} may act only as itself").format(
                login=login.name
            ),
            hint=_("run the demo on a SQLite file: yq --db demo.db demo"),
        )


def _first_with(plan: Plan, test: Callable[[str], bool]) -> str:
    for person in plan.people:
        if test(person.name):
            return person.name
    raise YqError(_("the plan's roster cannot run the demo (nobody may log or advance incidents)"))


@dataclass(frozen=True)
class _As:
    """The demo's context: the command's store and plan, acting as one person."""

    base: Context
    user: str | None

    @property
    def plan_request(self) -> PlanRequest:
        return self.base.plan_request

    @property
    def on_server(self) -> bool:
        return self.base.on_server

    def open_store(self, write: bool) -> Store:
        return self.base.open_store(write)


def run_demo(ctx: Context, plan: Plan) -> DemoRun:
    """``plan`` is the plan the demo's incident will follow (the adopted one)."""
    _require_a_file_or_an_administrator(ctx)
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
        _As(ctx, logger),
        incidents.NewIncident(
            title=f"【演练】网传{plan.info.unit}工作人员态度问题（示例）",
            level=level.id,
            categories=(category.id,),
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
    before = queries.checklist(ctx, ref)
    for item in before.items:
        if not item.step.required or item.step.assigns:
            continue
        step = item.step
        doer = (
            logger
            if rules.may_complete(plan, logger, step)
            else _first_with(plan, partial(rules.may_complete, plan, step=step))
        )
        outcome = incidents.complete_step(_As(ctx, doer), ref, item.step.id, note="演练 / exercise")
        done.append(
            (_("{person} completes {step}").format(person=doer, step=item.step.id), outcome)
        )
    advanced = incidents.advance(_As(ctx, leader), ref, note="演练 / exercise")
    done.append((_("{person} advances it").format(person=leader), advanced))
    after = queries.checklist(ctx, ref)
    with queries.log(ctx, queries.LogQuery(ref=ref)) as trail:
        events = tuple(trail.events)
    return DemoRun(done, before, after, Trail(trail.tz, events, trail.incident), logger)
