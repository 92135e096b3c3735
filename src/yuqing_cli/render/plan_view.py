"""Readable views of the plan: `yq plan show` and `yq plan check`."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.text import Text

from yuqing_cli.i18n import _, language
from yuqing_cli.plan.schema import Condition, Deadline, Plan, Step
from yuqing_cli.render.console import out, print_json, say
from yuqing_cli.render.safe import clean
from yuqing_cli.render.tables import Cell, Column, fitted
from yuqing_cli.timeutil import fmt, local

if TYPE_CHECKING:
    from yuqing_cli.plan.reader import Problem
    from yuqing_cli.services.plan_admin import Adopted, History


def _hours(value: float) -> str:
    return _("{hours:g} h").format(hours=value)


def describe_deadline(plan: Plan, due: Deadline | None) -> str:
    if due is None:
        return "—"
    start = origin_text(plan, due.from_)
    groups: dict[float, list[str]] = {}
    for level in plan.levels:
        hours = due.hours_for(level.id)
        if hours is not None:
            groups.setdefault(hours, []).append(level.name)
    if len(groups) == 1:
        (hours,) = groups
        return f"{_hours(hours)} {start}"
    parts = [f"{'、'.join(names)} {_hours(h)}" for h, names in groups.items()]
    return f"{'; '.join(parts)} {start}"


def origin_text(plan: Plan, origin: str) -> str:
    """Where a deadline starts, in words."""
    fixed = {
        "detected": _("from detection"),
        "stage": _("from entering the stage"),
        "wave": _("from the start of the wave"),
        "graded": _("from the grading that set it"),
    }
    if origin in fixed:
        return fixed[origin]
    name = next((m.name for m in plan.milestones if m.id == origin), origin)
    return _("from {milestone}").format(milestone=name)


def describe_condition(plan: Plan, when: Condition) -> str:
    if when.always:
        return _("all incidents")
    parts = []
    if when.levels is not None:
        parts.append(
            _("levels ") + "、".join(lv.name for lv in plan.levels if lv.id in when.levels)
        )
    if when.categories is not None:
        parts.append(
            _("categories ") + "、".join(c.name for c in plan.categories if c.id in when.categories)
        )
    return "; ".join(parts)


def role_names(plan: Plan, roles: tuple[str, ...]) -> str:
    names = {r.id: r.name for r in plan.roles}
    return "、".join(names.get(r, r) for r in roles)


def show_plan(plan: Plan) -> None:
    console = out()
    info = plan.info
    say(Text(clean(info.title), style="bold"))
    if info.title_en and language() == "en":
        say(Text(clean(info.title_en), style="dim"))
    say(
        Text(
            clean(
                _("{issuer} · {date} · unit {unit} · time zone {timezone}").format(
                    issuer=info.issuer, date=info.date, unit=info.unit, timezone=info.timezone
                )
            )
        )
    )
    say(
        Text(
            _("plan file {plan_source} · version {v3}").format(
                plan_source=plan.source, v3=plan.version[:12]
            ),
            style="dim",
        )
    )
    console.print()

    words = plan.names
    rows: list[list[Cell]] = []
    for role in plan.roles:
        holders = "、".join(plan.holders(role.id)) or (
            _("designated per incident") if role.per_incident else _("nobody")
        )
        rows.append([clean(role.name), role.id, role.article, clean(holders)])
    columns = [
        Column(_("role"), min_width=8),
        Column(_("id"), token=True, priority=2),
        Column(_("art."), token=True, priority=1),
        Column(_("held by")),
    ]
    console.print(fitted(columns, rows, title=_("Roles and roster (Art. 3)"), whole=words))

    rows = [
        [
            Text(clean(level.name), style=level.colour),
            level.id,
            level.roman,
            level.article,
            clean(level.source or "—"),
        ]
        for level in plan.levels
    ]
    columns = [
        Column(_("level"), token=True),
        Column("id", token=True, priority=2),
        Column(_("roman"), token=True, priority=3),
        Column(_("art."), token=True, priority=1),
        Column(_("source")),
    ]
    console.print(fitted(columns, rows, title=_("Levels (Art. 2)")))

    rows = [
        [
            clean(category.name),
            category.id,
            category.article,
            clean(_handed_to(plan, category.id) or "—"),
        ]
        for category in plan.categories
    ]
    columns = [
        Column(_("category"), min_width=8),
        Column("id", token=True, priority=2),
        Column(_("art."), token=True, priority=1),
        Column(_("handled by")),
    ]
    console.print(fitted(columns, rows, title=_("Categories"), whole=words))

    for index, stage in enumerate(plan.stages, start=1):
        heading = Text(
            clean(
                _("Stage {index}  {stage_name} ({stage_id})").format(
                    index=index, stage_name=stage.name, stage_id=stage.id
                )
            ),
            style="bold",
        )
        heading.append(_("  Art. {stage_article}").format(stage_article=stage.article), style="dim")
        if stage.next:
            heading.append(clean(f"  → {plan.stage(stage.next).name}"))
        if stage.reopen_to:
            heading.append(
                clean(_("  (reopens to {name})").format(name=plan.stage(stage.reopen_to).name))
            )
        say(heading, "    ", words)
        for step in stage.steps:
            _print_step(plan, step, words)
        if not stage.steps:
            say(Text(_("  no steps"), style="dim"))
        console.print()

    rows = [
        [
            clean(routine.name),
            routine.id,
            routine.article,
            clean(role_names(plan, routine.roles)),
            _hours(routine.every_hours),
        ]
        for routine in plan.routines
    ]
    columns = [
        Column(_("routine"), min_width=8),
        Column("id", token=True, priority=2),
        Column(_("art."), token=True, priority=1),
        Column(_("who")),
        Column(_("every"), token=True),
    ]
    console.print(fitted(columns, rows, title=_("Routines"), whole=words))
    say(
        Text(
            _("The daily report is signed off (签发) by {who} (Art. {article})").format(
                who=role_names(plan, plan.sign_off_roles), article=plan.sign_off_article
            )
        )
    )
    console.print()

    say(Text(_("Leading-group duties (Art. 3)"), style="bold"))
    for duty in plan.duties:
        say(Text(clean(f"  {duty.article}  {duty.text}")))


def _handed_to(plan: Plan, category: str) -> str:
    """The body a category's incidents are handed to, from the step that hands over."""
    for step in plan.steps:
        if step.hands_over and step.when.categories and category in step.when.categories:
            return step.hands_over
    return ""


def _print_step(plan: Plan, step: Step, words: tuple[str, ...]) -> None:
    line = Text("  ")
    line.append(step.id, style="bold cyan")
    line.append(clean(f"  {step.title}"))
    line.append(_("  [Art. {step_article}]").format(step_article=step.article), style="dim")
    if not step.required:
        line.append(_("  optional"), style="yellow")
    say(line, " " * 6, words)
    detail = _("      who: {who} · applies to: {when} · deadline: {due}").format(
        who=role_names(plan, step.roles),
        when=describe_condition(plan, step.when),
        due=describe_deadline(plan, step.due),
    )
    say(Text(clean(detail), style="dim"), " " * 8, words)
    if step.due is not None:
        source = _("      deadline source: {source}").format(source=step.due.source)
        say(Text(clean(source), style="dim"), " " * 8, words)


def plan_as_json(plan: Plan) -> dict[str, Any]:
    data = asdict(plan)
    data.pop("text")
    for key in [k for k in data if k.startswith("_")]:
        data.pop(key)
    for stage in data["stages"]:
        for step in stage["steps"]:
            when = step["when"]
            for key in ("levels", "categories"):
                if when[key] is not None:
                    when[key] = sorted(when[key])
            if step["due"] is not None:
                step["due"]["from"] = step["due"].pop("from_")
    return data


def show_plan_json(plan: Plan) -> None:
    print_json(plan_as_json(plan))


def show_check(
    source: str, plan: Plan | None, errors: list[Problem], warnings: list[Problem]
) -> None:
    console = out()
    for problem in errors:
        text = _("error: {problem}").format(problem=problem.render(source))
        console.print(Text(clean(text), style="red"))
    for problem in warnings:
        text = _("warning: {problem}").format(problem=problem.render(source))
        console.print(Text(clean(text), style="yellow"))
    if plan is not None:
        console.print(
            Text(
                _(
                    "ok: {source}: {stages} stages, {steps} steps, {roles} roles, {people} people, "
                    "{levels} levels, {categories} categories · version {version}"
                ).format(
                    source=source,
                    stages=len(plan.stages),
                    steps=len(plan.steps),
                    roles=len(plan.roles),
                    people=len(plan.people),
                    levels=len(plan.levels),
                    categories=len(plan.categories),
                    version=plan.version[:12],
                )
            )
        )


def adopted(result: Adopted) -> None:
    message = (
        _("adopted {title} ({source}) · version {version}")
        if result.changed
        else _("{title} ({source}) is already the adopted plan · version {version}")
    )
    out().print(
        Text(
            clean(
                message.format(
                    title=result.title, source=result.source, version=result.version[:12]
                )
            )
        )
    )


def adoption_history(history: History, as_json: bool) -> None:
    tz = history.tz
    if as_json:
        print_json(
            [
                {
                    "version": e.version,
                    "title": e.title,
                    "adopted_by": e.actor,
                    "adopted_at": local(e.at, tz).isoformat(),
                    "note": e.note,
                    "current": e.current,
                }
                for e in history.entries
            ]
        )
        return
    rows = [
        [
            fmt(e.at, tz),
            e.actor or "—",
            e.version[:12],
            Text(clean(e.title + (f" · {e.note}" if e.note else ""))),
            Text(_("current"), style="green") if e.current else "",
        ]
        for e in history.entries
    ]
    columns = [
        Column(_("adopted"), token=True),
        Column(_("by"), token=True),
        Column(_("version"), token=True, priority=1),
        Column(_("plan")),
        Column("", token=True),
    ]
    out().print(fitted(columns, rows))
