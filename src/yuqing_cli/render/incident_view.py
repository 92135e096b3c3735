"""Views of incidents, checklists and audit trails: Rich for people, JSON for programs.

Untrusted text (titles, summaries, notes, URLs) only ever goes into
:class:`rich.text.Text` after :func:`clean`, so it is shown literally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.render.console import out, print_json
from yuqing_cli.render.safe import clean
from yuqing_cli.services.views import Checklist, ChecklistItem, EventView, IncidentView, Outcome
from yuqing_cli.timeutil import fmt, fmt_duration, local

if TYPE_CHECKING:
    from yuqing_cli.services.demo import DemoRun


def _t(value: str | None, style: str = "") -> Text:
    return Text(clean(value or ""), style=style)


def _iso(value: Any, tz: str) -> str | None:
    return local(value, tz).isoformat() if value is not None else None


# -- JSON -----------------------------------------------------------------------------


def incident_json(view: IncidentView, tz: str) -> dict[str, Any]:
    return {
        "ref": view.ref,
        "title": view.title,
        "summary": view.summary,
        "platform": view.platform,
        "url": view.url,
        "level": view.level.id,
        "level_name": view.level.name,
        "category": view.category.id,
        "category_name": view.category.name,
        "sentiment": view.sentiment.id,
        "stage": view.stage.id,
        "stage_name": view.stage.name,
        "exercise": view.exercise,
        "reporter": view.reporter,
        "detected_at": _iso(view.detected_at, tz),
        "recorded_at": _iso(view.recorded_at, tz),
        "reported_at": _iso(view.reported_at, tz),
        "first_response_at": _iso(view.first_response_at, tz),
        "closed_at": _iso(view.closed_at, tz),
        "reopened": view.reopened,
        "overdue": view.overdue,
        "assignments": view.assignments,
        "plan_version": view.plan_version,
    }


def _item_json(item: ChecklistItem, tz: str, now: Any) -> dict[str, Any]:
    record = item.record
    return {
        "id": item.step.id,
        "title": item.step.title,
        "stage": item.stage.id,
        "article": item.step.article,
        "roles": list(item.step.roles),
        "required": item.step.required,
        "status": item.status,
        "by": record.actor if record else None,
        "at": _iso(record.at, tz) if record else None,
        "note": record.note if record else None,
        "due": _iso(item.due, tz),
        "overdue": item.overdue,
    }


def checklist_json(cl: Checklist) -> dict[str, Any]:
    tz = cl.plan.info.timezone
    return {
        "ref": cl.incident.ref,
        "stage": cl.incident.stage.id,
        "stage_name": cl.incident.stage.name,
        "level": cl.incident.level.id,
        "next_stage": cl.next_stage.id if cl.next_stage else None,
        "can_advance": cl.next_stage is not None and not cl.missing,
        "missing": [step.id for step in cl.missing],
        "steps": [_item_json(item, tz, cl.now) for item in cl.items],
    }


def event_json(event: EventView, tz: str) -> dict[str, Any]:
    return {
        "id": event.id,
        "ref": event.ref,
        "seq": event.seq,
        "action": event.action,
        "actor": event.actor,
        "subject": event.subject,
        "old": event.old,
        "new": event.new,
        "note": event.note,
        "happened_at": _iso(event.happened_at, tz),
        "recorded_at": _iso(event.recorded_at, tz),
        "plan_version": event.plan_version,
        "hash": event.hash,
    }


# -- terminal ---------------------------------------------------------------------------


def outcome(result: Outcome, tz: str, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                **incident_json(result.incident, tz),
                "action": result.action,
                "message": result.message,
                "details": list(result.details),
            }
        )
        return
    out().print(_t(result.message))
    for line in result.details:
        out().print(_t(f"  {line}"))


def _level(view: IncidentView) -> Text:
    return Text(view.level.name, style=view.level.colour)


def incident_list(views: list[IncidentView], tz: str, as_json: bool) -> None:
    if as_json:
        print_json([incident_json(v, tz) for v in views])
        return
    if not views:
        out().print(_("no incidents match"))
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in (_("ref"), _("level"), _("stage"), _("detected"), _("overdue")):
        table.add_column(column, no_wrap=True)
    table.add_column(_("platform"), overflow="fold", max_width=12)
    table.add_column(_("title"), overflow="fold", min_width=20, ratio=1)
    for v in views:
        title = _t(v.title)
        if v.exercise:
            title = Text.assemble(Text(_("[exercise] "), style="magenta"), title)
        table.add_row(
            v.ref,
            _level(v),
            v.stage.name,
            fmt(v.detected_at, tz),
            Text(str(v.overdue), style="red bold") if v.overdue else Text("0"),
            _t(v.platform),
            title,
        )
    out().print(table)
    out().print(Text(_("{v0} incident(s)").format(v0=len(views)), style="dim"))


_STATUS_STYLE = {"done": "green", "waived": "yellow", "open": ""}


def checklist(cl: Checklist, as_json: bool) -> None:
    if as_json:
        print_json(checklist_json(cl))
        return
    tz = cl.plan.info.timezone
    v = cl.incident
    console = out()
    head = Text.assemble(
        Text(v.ref, style="bold"),
        "  ",
        _level(v),
        "  ",
        Text(
            f"{v.stage.name} ({v.stage.id})",
            style="bold",
        ),
        "  ",
        _t(v.title),
    )
    console.print(head)
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("", no_wrap=True)
    table.add_column(_("step"), no_wrap=True)
    table.add_column(_("title"), overflow="fold", min_width=16, ratio=2)
    table.add_column(_("art."), no_wrap=True)
    table.add_column(_("status"), overflow="fold", min_width=12, ratio=1)
    table.add_column(_("due"), overflow="fold", max_width=16)
    for item in cl.items:
        table.add_row(*_item_row(item, tz, v.stage.id, cl.now))
    console.print(table)
    if cl.next_stage is None:
        console.print(
            Text(_("final stage; `yq reopen {v_ref} --reason …` on a flare-up").format(v_ref=v.ref))
        )
    elif cl.missing:
        console.print(
            Text(
                _("to move to {cl_next_stage_name}: {v3} required step(s) open: {v5}").format(
                    cl_next_stage_name=cl.next_stage.name,
                    v3=len(cl.missing),
                    v5=", ".join(s.id for s in cl.missing),
                ),
                style="yellow",
            )
        )
    else:
        console.print(
            Text(
                _("ready: `yq advance {v_ref}` moves it to {cl_next_stage_name}").format(
                    v_ref=v.ref, cl_next_stage_name=cl.next_stage.name
                ),
                style="green",
            )
        )


def _item_row(item: ChecklistItem, tz: str, stage: str, now: Any) -> tuple[Text | str, ...]:
    mark = {"done": "✔", "waived": "–", "open": "☐"}[item.status]
    step_id = Text(item.step.id, style="bold" if item.step.required else "dim")
    title = Text(item.step.title)
    if not item.step.required:
        title.append(_(" (optional)"), style="dim")
    if item.stage.id != stage:
        title.append(
            _(" [from stage {item_stage_name}]").format(item_stage_name=item.stage.name),
            style="yellow",
        )
    record = item.record
    if record is not None:
        status = Text(
            (
                _("done by {person} {time}")
                if item.status == "done"
                else _("waived by {person} {time}")
            ).format(person=record.actor, time=fmt(record.at, tz)),
            style=_STATUS_STYLE[item.status],
        )
        if record.note:
            status.append(" · ")
            status.append(clean(record.note))
    elif item.overdue and item.due is not None:
        status = Text(
            _("OVERDUE by {v1}").format(v1=fmt_duration(now - item.due)), style="red bold"
        )
    else:
        status = Text(_("open"))
    due = fmt(item.due, tz) if item.due is not None else ""
    return (mark, step_id, title, item.step.article, status, due)


def show(cl: Checklist, events: list[EventView], as_json: bool) -> None:
    tz = cl.plan.info.timezone
    v = cl.incident
    if as_json:
        print_json(
            {
                **incident_json(v, tz),
                "checklist": checklist_json(cl),
                "events": [event_json(e, tz) for e in events],
            }
        )
        return
    console = out()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    rows: list[tuple[str, Text | str]] = [
        (_("ref"), v.ref),
        (_("title"), _t(v.title)),
        (_("level"), _level(v)),
        (_("category"), v.category.name),
        (_("sentiment"), v.sentiment.name),
        (_("stage"), f"{v.stage.name} ({v.stage.id})"),
        (_("platform"), _t(v.platform or "—")),
        (_("url"), _t(v.url or "—")),
        (_("detected"), fmt(v.detected_at, tz)),
        (
            _("recorded"),
            _("{time} by {person}").format(time=fmt(v.recorded_at, tz), person=v.reporter),
        ),
        (_("reported to group"), fmt(v.reported_at, tz)),
        (_("first response"), fmt(v.first_response_at, tz)),
        (_("closed"), fmt(v.closed_at, tz)),
    ]
    if v.exercise:
        rows.insert(
            1, (_("exercise"), Text(_("exercise (演练): left out of reports"), style="magenta"))
        )
    if v.reopened:
        rows.append((_("reopened"), _("{n} time(s)").format(n=v.reopened)))
    for role, person in v.assignments.items():
        rows.append((cl.plan.role(role).name, person))
    if v.summary:
        rows.append((_("summary"), _t(v.summary)))
    for key, value in rows:
        grid.add_row(key, value)
    console.print(grid)
    console.print()
    checklist(cl, as_json=False)
    console.print()
    events_table(events, tz, as_json=False)


def _action_label(action: str) -> str:
    return {
        "create": _("logged"),
        "done": _("step done"),
        "waived": _("step waived"),
        "advance": _("advanced"),
        "close": _("closed"),
        "grade": _("re-graded"),
        "assign": _("assigned"),
        "note": _("note"),
        "reopen": _("reopened"),
        "routine": _("routine"),
    }.get(action, action)


def events_table(events: list[EventView], tz: str, as_json: bool) -> None:
    if as_json:
        print_json([event_json(e, tz) for e in events])
        return
    if not events:
        out().print(_("no events"))
        return
    several = len({e.ref for e in events}) > 1
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("#", no_wrap=True, justify="right")  # position in the hash chain
    table.add_column(_("happened"), no_wrap=True, min_width=16)
    table.add_column(_("recorded"), no_wrap=True, min_width=16)
    if several:
        table.add_column(_("ref"), overflow="fold")
    table.add_column(_("who"), no_wrap=True)
    table.add_column(_("what"), no_wrap=True)
    table.add_column(_("detail"), overflow="fold", min_width=12, ratio=1)
    for e in events:
        row: list[str | Text] = [str(e.id), fmt(e.happened_at, tz), fmt(e.recorded_at, tz)]
        if several:
            row.append(e.ref or "—")
        row += [e.actor, _action_label(e.action), _event_detail(e)]
        table.add_row(*row)
    out().print(table)


def _event_detail(e: EventView) -> Text:
    text = Text()
    if e.action == "create":
        text.append(_("new incident"))
    elif e.subject and e.action in ("done", "waived", "routine"):
        text.append(e.subject, style="bold")
    elif e.old is not None or e.new is not None:
        text.append(f"{e.subject}: " if e.subject else "")
        text.append(clean(f"{e.old or '—'} → {e.new or '—'}"))
    if e.note:
        if text.plain:
            text.append(" · ")
        text.append(clean(e.note))
    return text


def demo(run: DemoRun, where: str) -> None:
    console = out()
    ref = run.before.incident.ref
    console.print(Text(_("database: {where}").format(where=where), style="dim"))
    console.print(
        Text(
            _("plan: {run_before_plan_info_title} ({run_before_plan_source})").format(
                run_before_plan_info_title=run.before.plan.info.title,
                run_before_plan_source=run.before.plan.source,
            ),
            style="dim",
        )
    )
    console.print()
    console.print(
        Text(_("1. An exercise incident is logged, and its checklist printed:"), style="bold")
    )
    console.print(Text(f"   {run.steps[0][1].message}"))
    checklist(run.before, as_json=False)
    console.print()
    console.print(
        Text(_("2. The first stage's steps are done, and the incident advanced:"), style="bold")
    )
    for what, result in run.steps[1:]:
        console.print(Text(f"   {what}: {result.message}"))
    console.print()
    checklist(run.after, as_json=False)
    console.print()
    console.print(Text(_("3. Every change is in the audit trail, hash-chained:"), style="bold"))
    events_table(run.trail, run.before.plan.info.timezone, as_json=False)
    console.print(Text(_("Next:"), style="bold"))
    for command, what in (
        (f"yq checklist {ref}", _("what is left to do")),
        ("yq plan show", _("the whole plan, step by step")),
        ('yq --as 李丹 new "标题" -l 一般 -s 微博 --url URL', _("log a real one")),
        ("yq report", _("today's report (exercises left out)")),
        ("yq verify", _("check the audit trail")),
    ):
        line = command + " " * max(1, 52 - cell_len(command)) + f"# {what}"
        console.print(Text(f"  {line}"))
