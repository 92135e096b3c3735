"""Load and validate ``plan.yaml`` into :class:`~yuqing_cli.plan.schema.Plan`.

The YAML is composed into nodes (which know their line) and read through the models'
declarations (:mod:`yuqing_cli.plan.records`), so that every problem can be reported as
``file:line: what is wrong`` with a hint, and so that loading a plan does not need a
model framework at start-up. What a declaration cannot say is checked here by hand: the
stage graph, a step that assigns a role held from the roster, the ranks of levels — and,
in :mod:`yuqing_cli.plan.sections`, names, the line's signatures and the grading aid.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace

import yaml

from yuqing_cli.i18n import _
from yuqing_cli.plan.reader import Abort, Problem, Reader, _Loader
from yuqing_cli.plan.reader import PlanError as PlanError
from yuqing_cli.plan.records import Item, Records
from yuqing_cli.plan.schema import (
    FALLBACK,
    SUPPORTED_FORMAT,
    AssessmentRule,
    Defaults,
    Level,
    Plan,
    Role,
    Stage,
    Step,
)
from yuqing_cli.plan.sections import SectionChecks

__all__ = ["SUPPORTED_FORMAT", "PlanError", "check_plan", "parse_plan"]


def parse_plan(data: bytes, source: str = "plan.yaml") -> Plan:
    plan, problems, _warnings = check_plan(data, source)
    if plan is None:
        raise PlanError(source, problems)
    return plan


def check_plan(
    data: bytes, source: str = "plan.yaml"
) -> tuple[Plan | None, list[Problem], list[Problem]]:
    """Validate a plan. Returns (plan or None, errors, warnings)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            None,
            [
                Problem(
                    None,
                    _("not UTF-8 text ({exc_reason} at byte {exc_start})").format(
                        exc_reason=exc.reason, exc_start=exc.start
                    ),
                    _("save the file as UTF-8"),
                )
            ],
            [],
        )
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return (
            None,
            [
                Problem(
                    line,
                    _("YAML syntax: {v1}").format(v1=exc.problem or exc.context),
                    _("check indentation, colons and quotes on that line"),
                )
            ],
            [],
        )
    except yaml.YAMLError as exc:
        return None, [Problem(None, _("YAML syntax: {exc}").format(exc=exc))], []
    if root is None:
        return (
            None,
            [Problem(None, _("the plan file is empty"), _("start from the shipped plan.yaml"))],
            [],
        )
    reader = Reader()
    try:
        plan: Plan | None = _Builder(reader).build(root)
    except Abort:
        plan = None
    errors = reader.problems
    if errors or plan is None:
        return None, errors or [Problem(None, _("the plan could not be read"))], []
    plan = replace(plan, source=source, version=hashlib.sha256(data).hexdigest(), text=text)
    return plan, [], list(_warnings(plan))


# --------------------------------------------------------------------------------
# What the declarations cannot say
# --------------------------------------------------------------------------------


class _Builder(SectionChecks):
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.records = Records(
            reader,
            {
                Level: self.finish_level,
                Step: self.finish_step,
                AssessmentRule: self.finish_rule,
                Defaults: self.finish_defaults,
                Plan: self.finish_plan,
            },
        )

    def build(self, root: yaml.Node) -> Plan:
        return self.records.plan(Plan, root).value

    def finish_plan(self, item: Item[Plan]) -> Plan:
        plan = item.value
        stages = self.order_stages(self.records.items_of(Stage), item.at.stages or item.node)
        self.check_line(plan)
        self.check_names()
        return replace(plan, stages=stages)

    def finish_level(self, item: Item[Level]) -> Level:
        # Levels are listed from the lowest to the highest; the position is the rank.
        return replace(item.value, rank=item.index)

    def finish_step(self, item: Item[Step]) -> Step:
        step = item.value
        if step.assigns is not None:
            role = self.records.find(Role, step.assigns)
            if role is not None and not role.per_incident:
                self.reader.fail(
                    item.at.assigns,
                    _("{owner} assigns {assigns!r}, which is not a per-incident role").format(
                        owner=item.owner, assigns=step.assigns
                    ),
                    _("name a role with `per_incident: true`"),
                )
        return step

    def order_stages(self, stages: list[Item[Stage]], node: yaml.Node) -> tuple[Stage, ...]:
        """Check the stage graph and return the stages in workflow order. (A `next` or
        `reopen_to` naming no stage is reported where it is read.)"""
        r = self.reader
        by_id = {s.value.id: s for s in stages}
        initial = [s.value for s in stages if s.value.initial]
        if len(initial) != 1:
            r.fail(
                node,
                _("the plan needs exactly one stage with `initial: true`, found {v1}").format(
                    v1=len(initial)
                ),
            )
            raise Abort
        for item in stages:
            stage = item.value
            if stage.final and stage.next is not None:
                r.fail(
                    item.node,
                    _("final stage {stage_id!r} must not have `next`").format(stage_id=stage.id),
                )
            if not stage.final and stage.next is None:
                r.fail(
                    item.node,
                    _("stage {stage_id!r} has no `next` and is not `final`").format(
                        stage_id=stage.id
                    ),
                    _("add `next: STAGE` or `final: true`"),
                )
        order: list[Stage] = []
        current: Stage | None = initial[0]
        while current is not None and current not in order:
            order.append(current)
            current = by_id[current.next].value if current.next in by_id else None
        if current is not None:
            r.fail(
                by_id[current.id].node,
                _("the stages loop back to {current_id!r}").format(current_id=current.id),
                _("`next` must lead on to a final stage"),
            )
        elif not order[-1].final:
            r.fail(
                node,
                _("no final stage can be reached from the initial one"),
                _("mark the last stage `final: true`"),
            )
        for item in stages:
            if item.value not in order:
                r.fail(
                    item.node,
                    _("stage {stage_id!r} has no way in: no stage moves on to it").format(
                        stage_id=item.value.id
                    ),
                    _("point another stage's `next` at it, or remove it"),
                )
        return tuple(order)


def _warnings(plan: Plan) -> Iterator[Problem]:
    """Things that make a plan weaker without making it unusable."""
    listed = {p.action for p in plan.permissions}
    for action, fallback in FALLBACK.items():
        if action not in listed:
            yield Problem(
                None,
                _("no permission lists {action!r}: the roles of {fallback!r} may do it").format(
                    action=action, fallback=fallback
                ),
                _(
                    "add `- {{action: {action}, roles: [...], article: ...}}` to `permissions`"
                ).format(action=action),
            )
    for role in plan.roles:
        if not role.per_incident and not plan.holders(role.id):
            yield Problem(
                None,
                _("role {role_id!r} ({role_name}) is held by nobody on the roster").format(
                    role_id=role.id, role_name=role.name
                ),
                _("add a person with this role, or mark it `per_incident: true`"),
            )
    cited = {a.split(".", 1)[0] for a in _citations(plan)}
    for article in plan.articles:
        if article.id not in cited:
            yield Problem(
                None,
                _("article {article_id} ({article_name}) is cited by no item").format(
                    article_id=article.id, article_name=article.name
                ),
            )
    for step in plan.steps:
        if step.due is not None:
            missing = [
                lv.id
                for lv in plan.levels
                if (step.when.levels is None or lv.id in step.when.levels)
                and step.due.hours_for(lv.id) is None
            ]
            if missing:
                yield Problem(
                    None,
                    _("step {step_id!r} has no deadline for level(s) {v3}").format(
                        step_id=step.id, v3=", ".join(missing)
                    ),
                    _("add them to `due.hours`, or `*` for all"),
                )


def _citations(plan: Plan) -> Iterator[str]:
    yield plan.info.purpose.article
    for group in (
        plan.principles,
        plan.duties,
        plan.roles,
        plan.people,
        plan.permissions,
        plan.levels,
        plan.categories,
        plan.stages,
        plan.steps,
        plan.routines,
    ):
        for item in group:
            yield item.article
    for rules in (plan.assessment, plan.line, plan.statements, plan.report):
        if rules is not None and rules.article:
            yield rules.article
    if plan.assessment is not None:
        yield from (rule.article for rule in plan.assessment.rules)
    if plan.statements is not None:
        yield from (kind.article for kind in plan.statements.kinds)
