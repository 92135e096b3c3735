"""Views of incidents, checklists and audit trails: Rich for people, JSON for programs.

Untrusted text (titles, summaries, notes, URLs, and the plan's own texts) only ever
goes into :class:`rich.text.Text` after :func:`clean`, so it is shown literally.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.plan.deadlines import Verdict
from yuqing_cli.render.console import heading, out, print_json, print_json_array, say
from yuqing_cli.render.lines import short_or_long, write_aligned
from yuqing_cli.render.safe import clean
from yuqing_cli.render.substance_view import (
    assessment_json,
    assessments_section,
    excerpt,
    line_json,
    lines_section,
    statement_json,
    statements_section,
    suggestion_json,
    suggestions_lines,
)
from yuqing_cli.render.times import (
    iso,
    verdict_json,
    verdict_text,
    wave_label,
    wave_ref,
    when_json,
)
from yuqing_cli.services.views import (
    Checklist,
    ChecklistItem,
    EventView,
    IncidentView,
    Outcome,
    Trail,
)
from yuqing_cli.timeutil import fmt, fmt_duration
from yuqing_cli.when import show_when

if TYPE_CHECKING:
    from yuqing_cli.services.demo import DemoRun


def _t(value: str | None, style: str = "") -> Text:
    return Text(clean(value or ""), style=style)


# -- JSON -----------------------------------------------------------------------------


def incident_json(view: IncidentView) -> dict[str, Any]:
    tz = view.tz
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
        "categories": [c.id for c in view.categories],
        "sentiment": view.sentiment.id,
        "stage": view.stage.id,
        "stage_name": view.stage.name,
        "exercise": view.exercise,
        "imported": view.imported,
        "voided": view.voided,
        "void_reason": view.void_reason or None,
        "duplicate_of": view.duplicate_of,
        "reporter": view.reporter,
        "detected_at": iso(view.detected.at, tz),
        "detected": when_json(view.detected, tz),
        "first_seen": when_json(view.first_seen, tz),
        "detection_delay": _delay_seconds(view),
        "recorded_at": iso(view.recorded_at, tz),
        "reported_at": iso(view.reported_at, tz),
        "first_response_at": iso(view.first_response_at, tz),
        "milestones": {m: when_json(w, tz) for m, w in view.milestones},
        "closed_at": iso(view.closed_at, tz),
        "wave": view.wave,
        "waves": [
            {
                "wave": w.number,
                "started": when_json(w.started, tz),
                "closed": when_json(w.closed, tz),
                "reason": w.reason or None,
            }
            for w in view.waves
        ],
        "reopened": view.wave - 1,
        "overdue": view.overdue,
        "missed": view.missed,
        "assignments": view.assignments,
        "lead": view.lead or None,
        "assessments": [assessment_json(a, tz) for a in view.assessments],
        "lines": [line_json(v, tz) for v in view.lines],
        "statements": [statement_json(x, tz) for x in view.statements],
        "suggestions": [suggestion_json(x) for x in view.suggestions],
        "plan_version": view.plan_version,
    }


def _delay_seconds(view: IncidentView) -> int | None:
    """Seconds from first seen online to detection, when both are exactly known."""
    first = view.first_seen
    if first is None or not first.is_exact or not view.detected.is_exact:
        return None
    return int((view.detected.at - first.at).total_seconds())


def _item_json(item: ChecklistItem, tz: str) -> dict[str, Any]:
    record = item.record
    verdict = verdict_json(item.verdict, tz) if item.verdict else {}
    return {
        "id": item.step.id,
        "title": item.step.title,
        "stage": item.stage.id,
        "article": item.step.article,
        "roles": list(item.step.roles),
        "required": item.step.required,
        "status": item.status,
        "by": record.actor if record else None,
        "at": iso(record.at, tz) if record else None,
        "when": when_json(record.when, tz) if record else None,
        "note": record.note if record else None,
        "due": verdict.get("due"),
        "overdue": item.overdue,
        "verdict": verdict.get("verdict"),
        "late_by": verdict.get("late_by"),
        "margin": verdict.get("margin"),
    }


def checklist_json(cl: Checklist) -> dict[str, Any]:
    tz = cl.plan.info.timezone
    return {
        "ref": cl.incident.ref,
        "stage": cl.incident.stage.id,
        "stage_name": cl.incident.stage.name,
        "level": cl.incident.level.id,
        "wave": cl.incident.wave,
        "next_stage": cl.next_stage.id if cl.next_stage else None,
        "can_advance": cl.next_stage is not None and not cl.missing,
        "missing": [step.id for step in cl.missing],
        "steps": [_item_json(item, tz) for item in cl.items],
    }


def event_json(event: EventView, tz: str) -> dict[str, Any]:
    return {
        "id": event.id,
        "ref": event.ref,
        "seq": event.seq,
        "wave": event.wave,
        "action": event.action,
        "actor": event.actor,
        "subject": event.subject,
        "old": event.old,
        "new": event.new,
        "note": event.note,
        "happened_at": iso(event.happened.at, tz),
        "happened": when_json(event.happened, tz),
        "recorded_at": iso(event.recorded_at, tz),
        "data": event.data or None,
        "plan_version": event.plan_version,
        "login": event.login,
        "login_admin": event.login_admin,
        "hash": event.hash,
    }


# -- terminal ---------------------------------------------------------------------------


def outcome(result: Outcome, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                **incident_json(result.incident),
                "action": result.action,
                "message": result.message,
                "details": list(result.details),
            }
        )
        return
    say(_t(result.message), "  ", result.names)
    for line in result.details:
        say(_t(f"  {line}"), "    ", result.names)


def _level(view: IncidentView) -> Text:
    return Text(clean(view.level.name), style=view.level.colour)


def _ref(view: IncidentView) -> str:
    return wave_ref(view.ref, view.wave)


def incident_list(views: Iterable[IncidentView], as_json: bool) -> None:
    """Incidents as a table, or for many of them plain aligned lines written as they are
    read; JSON as an array written the same way."""
    if as_json:
        print_json_array(incident_json(v) for v in views)
        return
    head, long = short_or_long(views)
    if long is not None:
        _incident_lines(long)
        return
    if not head:
        out().print(_("no incidents match"))
        return
    from yuqing_cli.render.tables import Column, fitted

    rows: list[list[str | Text]] = []
    for v in head:
        title = _t(v.title)
        if v.exercise:
            title = Text.assemble(Text(_("[exercise] "), style="magenta"), title)
        if v.voided:
            title = Text.assemble(Text(_("[void] "), style="dim"), title)
        rows.append(
            [
                _ref(v),
                _level(v),
                clean(v.stage.name),
                show_when(v.detected, v.tz),
                Text(str(v.overdue), style="red bold") if v.overdue else Text("0"),
                title,
            ]
        )
    columns = [
        Column(_("ref"), token=True),
        Column(_("level"), token=True, priority=2),
        Column(_("stage"), token=True),
        Column(_("detected"), token=True, priority=3),
        Column(_("overdue"), token=True, justify="right", priority=1),
        Column(_("title"), min_width=10),
    ]
    out().print(fitted(columns, rows))
    out().print(Text(_("{n} incident(s)").format(n=len(head)), style="dim"))


def _incident_lines(views: Iterable[IncidentView]) -> None:
    import sys

    header = [_("ref"), _("level"), _("stage"), _("detected"), _("overdue"), _("title")]
    exercise, void = _("[exercise] "), _("[void] ")

    def cells(v: IncidentView) -> list[str]:
        title = (void if v.voided else "") + (exercise if v.exercise else "") + clean(v.title)
        return [
            _ref(v), clean(v.level.name), clean(v.stage.name), show_when(v.detected, v.tz),
            str(v.overdue), title,
        ]  # fmt: skip

    n = write_aligned(sys.stdout, header, (cells(v) for v in views), right=(4,))
    sys.stdout.write(_("{n} incident(s)").format(n=n) + "\n")


_STATUS_STYLE = {"done": "green", "waived": "yellow", "open": ""}


def checklist(cl: Checklist, as_json: bool) -> None:
    if as_json:
        print_json(checklist_json(cl))
        return
    tz = cl.plan.info.timezone
    v = cl.incident
    console = out()
    head = Text.assemble(
        Text(_ref(v), style="bold"),
        "  ",
        _level(v),
        "  ",
        Text(clean(f"{v.stage.name} ({v.stage.id})"), style="bold"),
        "  ",
        _t(v.title),
    )
    from yuqing_cli.render.tables import Column, fitted

    words = cl.plan.names
    say(head, "    ", words)
    columns = [
        Column("", token=True),
        Column(_("step"), token=True),
        Column(_("title"), min_width=10),
        Column(_("art."), token=True, priority=1),
        Column(_("status"), min_width=12),
    ]
    rows = [_item_row(item, tz, v.stage.id) for item in cl.items]
    console.print(fitted(columns, rows, whole=words))
    if cl.next_stage is None:
        say(Text(_("final stage; `yq reopen {ref} --reason …` on a flare-up").format(ref=v.ref)))
    elif cl.missing:
        say(
            Text(
                _("to move to {stage}: {n} required step(s) open: {steps}").format(
                    stage=clean(cl.next_stage.name),
                    n=len(cl.missing),
                    steps=", ".join(s.id for s in cl.missing),
                ),
                style="yellow",
            ),
            "    ",
            words,
        )
    else:
        say(
            Text(
                _("ready: `yq advance {ref}` moves it to {stage}").format(
                    ref=v.ref, stage=clean(cl.next_stage.name)
                ),
                style="green",
            )
        )


def _item_row(item: ChecklistItem, tz: str, stage: str) -> list[Text | str]:
    mark = {"done": "✔", "waived": "–", "open": "☐"}[item.status]
    step_id = Text(item.step.id, style="bold" if item.step.required else "dim")
    title = _t(item.step.title)
    if not item.step.required:
        title.append(_(" (optional)"), style="dim")
    if item.stage.id != stage:
        title.append(
            _(" [from stage {stage}]").format(stage=clean(item.stage.name)), style="yellow"
        )
    record = item.record
    if record is not None:
        status = Text(
            (
                _("done by {person} {time}")
                if item.status == "done"
                else _("waived by {person} {time}")
            ).format(person=record.actor, time=show_when(record.when, tz)),
            style=_STATUS_STYLE[item.status],
        )
        if record.note:
            status.append(" · ")
            status.append(clean(record.note))
        if item.verdict is not None and item.verdict.kind != "waived":
            status.append(" · ")
            status.append(verdict_text(item.verdict, tz))
    elif item.verdict is not None:
        status = verdict_text(item.verdict, tz)
    else:
        status = Text(_("open"))
    return [mark, step_id, title, item.step.article, status]


def show(cl: Checklist, trail: Trail, as_json: bool) -> None:
    tz = cl.plan.info.timezone
    v = cl.incident
    if as_json:
        print_json(
            {
                **incident_json(v),
                "deadlines": [verdict_json(d, tz) for d in cl.deadlines],
                "checklist": checklist_json(cl),
                "events": [event_json(e, tz) for e in trail.events],
            }
        )
        return
    console = out()
    rows: list[tuple[str, Text | str]] = [
        (_("ref"), _ref(v)),
        (_("title"), _t(v.title)),
        (_("level"), _level(v)),
        (_("category"), clean("、".join(c.name for c in v.categories))),
        (_("sentiment"), clean(v.sentiment.name)),
        (_("stage"), clean(f"{v.stage.name} ({v.stage.id})")),
        (_("platform"), _t(v.platform or "—")),
        (_("url"), _t(v.url or "—")),
    ]
    if v.first_seen is not None:
        rows.append((_("first seen"), show_when(v.first_seen, tz)))
    rows.append((_("detected"), show_when(v.detected, tz)))
    delay = _delay_seconds(v)
    if delay is not None:
        from datetime import timedelta

        rows.append((_("detection delay"), fmt_duration(timedelta(seconds=delay))))
    recorded = _("{time} by {person}").format(time=fmt(v.recorded_at, tz), person=v.reporter)
    if v.imported:
        recorded += _(" (imported)")
    rows.append((_("recorded"), recorded))
    for milestone in cl.plan.milestones:
        rows.append((clean(milestone.name), show_when(v.milestone(milestone.id), tz)))
    for w in v.waves:
        label = wave_label(w.number)
        span = f"{show_when(w.started, tz)} → {show_when(w.closed, tz) if w.closed else '…'}"
        rows.append((label, clean(span + (f" · {w.reason}" if w.reason else ""))))
    if v.exercise:
        rows.insert(
            1, (_("exercise"), Text(_("exercise (演练): left out of reports"), style="magenta"))
        )
    if v.voided:
        text = _("voided: {reason}").format(reason=v.void_reason)
        if v.duplicate_of:
            text += _(" (duplicate of {ref})").format(ref=v.duplicate_of)
        rows.insert(1, (_("void"), Text(clean(text), style="red")))
    for role, person in v.assignments.items():
        rows.append((clean(cl.plan.role(role).name), person))
    if v.lead:
        rows.append((_("led by"), Text(clean(v.lead), style="yellow")))
    if v.summary:
        rows.append((_("summary"), _t(v.summary)))
    # a label column as wide as the widest label, the values wrapped beside it
    words = cl.plan.names
    indent = max(cell_len(k) for k, _v in rows) + 2
    for key, value in rows:
        shown = value if isinstance(value, Text) else Text(value)
        line = Text(key, style="bold") + Text(" " * (indent - cell_len(key))) + shown
        say(line, " " * indent, words)
    console.print()
    suggestions_lines(v.suggestions)
    deadline_table(cl.deadlines, tz)
    if v.assessments:
        assessments_section(v.assessments, cl.plan, tz)
    if v.lines:
        lines_section(v.lines, v.line_needed, tz)
    if v.statements:
        statements_section(v.statements, cl.plan, tz)
    checklist(cl, as_json=False)
    console.print()
    events_table(trail, as_json=False)


def deadline_table(verdicts: tuple[Verdict, ...], tz: str) -> None:
    """Every deadline of an incident and its verdict."""
    console = out()
    if heading(_("Deadlines"), not verdicts):
        return
    from yuqing_cli.render.tables import Column, fitted

    several = len({d.wave for d in verdicts}) > 1
    columns = [Column(_("step"), token=True)]
    if several:
        columns.append(Column(_("wave"), token=True, priority=2))
    columns += [
        Column(_("due"), min_width=10),
        Column(_("done"), token=True, priority=1),
        Column(_("verdict"), min_width=12),
    ]
    rows = []
    for d in verdicts:
        row: list[str | Text] = [d.step.id]
        if several:
            row.append(wave_label(d.wave))
        row += [
            show_when(d.due, tz) if d.due else "—",
            show_when(d.record.when, tz) if d.record else "—",
            verdict_text(d, tz),
        ]
        rows.append(row)
    console.print(fitted(columns, rows))


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
        "adopt": _("plan adopted"),
        "issue": _("report issued"),
        "edit": _("corrected"),
        "void": _("voided"),
        "undo": _("undone"),
        "assess": _("assessed"),
        "line_draft": _("line drafted"),
        "line_approve": _("line signed"),
        "statement": _("statement"),
        "retract": _("retracted"),
        "handover": _("handed over"),
        "link": _("login linked"),
        "unlink": _("login unlinked"),
    }.get(action, action)


def events_table(trail: Trail, as_json: bool) -> None:
    """The trail: a table fitted to the terminal, or for a long one plain aligned lines
    written as the events are read."""
    tz = trail.tz
    if as_json:
        print_json_array(event_json(e, tz) for e in trail.events)
        return
    events, long = short_or_long(trail.events)
    if long is not None:
        _event_lines(trail, long)
        return
    if not events:
        out().print(_("no events"))
        return
    from yuqing_cli.render.tables import Column, fitted

    several = len({e.ref for e in events}) > 1
    logins = any(e.login is not None for e in events)
    columns = [
        Column("#", token=True, justify="right", priority=5),  # position in the hash chain
        Column(_("happened"), token=True),
        Column(_("recorded"), token=True, priority=3),
    ]
    if several:
        columns.append(Column(_("ref"), token=True))
    columns.append(Column(_("who"), token=True, priority=1))
    if logins:
        columns.append(Column(_("login"), token=True, priority=4))
    columns += [Column(_("what"), token=True), Column(_("detail"), min_width=10)]
    rows = []
    for e in events:
        row: list[str | Text] = [str(e.id), _happened(e, tz), fmt(e.recorded_at, tz)]
        if several:
            row.append(e.ref or "—")
        row.append(clean(e.actor))
        if logins:
            row.append(_login(e))
        row += [_action_label(e.action), Text.assemble(*_event_detail(e))]
        rows.append(row)
    out().print(fitted(columns, rows, whole=_names(events)))


def _names(events: Iterable[EventView]) -> tuple[str, ...]:
    return tuple({e.actor for e in events})


def _login(e: EventView) -> str:
    login = e.login or "—"
    return clean(f"{login}*" if e.login_admin else login)


def _happened(e: EventView, tz: str) -> str:
    happened = show_when(e.happened, tz)
    return f"{happened} {wave_label(e.wave)}" if e.wave > 1 else happened


def _event_lines(trail: Trail, events: Iterable[EventView]) -> None:
    import sys

    tz = trail.tz
    several = trail.incident is None
    header = ["#", _("happened"), _("recorded"), _("ref"), _("who"), _("what"), _("detail")]
    if not several:
        del header[3]
    labels: dict[str, str] = {}

    def cells(e: EventView) -> list[str]:
        label = labels.get(e.action)
        if label is None:
            label = labels[e.action] = _action_label(e.action)
        row = [str(e.id), _happened(e, tz), fmt(e.recorded_at, tz)]
        if several:
            row.append(e.ref or "—")
        who = clean(e.actor) if e.login is None else f"{clean(e.actor)} ({_login(e)})"
        row += [who, label, "".join([text for text, _style in _event_detail(e)])]
        return row

    # Event numbers grow along a long trail: room for seven digits from the start.
    write_aligned(sys.stdout, header, (cells(e) for e in events), right=(0,), least={0: 7})


def _event_detail(e: EventView) -> list[tuple[str, str]]:
    """The detail column: pieces of text (made safe) and their styles."""
    parts: list[tuple[str, str]] = []
    if e.action == "create":
        parts.append((_("new incident"), ""))
    elif e.subject and e.action in ("done", "waived", "routine", "undo"):
        parts.append((clean(e.subject), "bold"))
    elif e.action == "adopt":
        parts.append((clean(f"{e.new or ''} ({e.subject[:12]})"), ""))
    elif e.action == "statement":
        parts.append((clean(f"#{e.subject} {excerpt(str(e.data.get('text', '')), 40)}"), ""))
    elif e.action in ("line_draft", "line_approve", "retract"):
        parts.append((f"#{e.subject}" if e.action == "retract" else f"v{e.subject}", ""))
    elif e.action == "assess":
        metrics = e.data.get("metrics", {})
        if isinstance(metrics, dict):
            parts.append((clean(", ".join(f"{k} {v}" for k, v in metrics.items())), ""))
    elif e.action == "issue":
        text = _("No. {total} for {day}").format(total=e.new or "?", day=e.subject)
        if e.old:
            text += _(", correcting No. {total}").format(total=e.old)
        parts.append((clean(text), ""))
    elif e.action in ("link", "unlink"):
        parts.append((clean(f"{e.subject}: {e.old or '—'} → {e.new or '—'}"), ""))
    elif e.action == "edit":
        changes = e.data.get("changes", {})
        if isinstance(changes, dict):
            parts.append((clean(", ".join(sorted(changes))), ""))
    elif e.old is not None or e.new is not None:
        if e.subject:
            parts.append((clean(f"{e.subject}: "), ""))
        parts.append((clean(f"{e.old or '—'} → {e.new or '—'}"), ""))
    if e.note:
        if parts:
            parts.append((" · ", ""))
        parts.append((clean(e.note), ""))
    return parts


def demo(run: DemoRun, where: str) -> None:
    console = out()
    ref = run.before.incident.ref
    names = run.before.plan.names
    say(Text(_("database: {where}").format(where=where), style="dim"), "  ")
    say(
        Text(
            clean(
                _("plan: {title} ({source})").format(
                    title=run.before.plan.info.title, source=run.before.plan.source
                )
            ),
            style="dim",
        ),
        "  ",
    )
    console.print()
    say(Text(_("1. An exercise incident is logged, and its checklist printed:"), style="bold"))
    say(_t(f"   {run.steps[0][1].message}"), "     ", names)
    checklist(run.before, as_json=False)
    console.print()
    say(Text(_("2. The first stage's steps are done, and the incident advanced:"), style="bold"))
    for what, result in run.steps[1:]:
        say(_t(f"   {what}"), "     ", names)
        say(_t(f"     {result.message}"), "       ", names)
    console.print()
    checklist(run.after, as_json=False)
    console.print()
    say(Text(_("3. Every change is in the audit trail, hash-chained:"), style="bold"))
    events_table(run.trail, as_json=False)
    say(Text(_("Next:"), style="bold"))
    for command, what in (
        (f"yq checklist {ref}", _("what is left to do")),
        ("yq plan show", _("the whole plan, step by step")),
        (f'yq --as {run.logger} new "标题" -s 微博 --url URL', _("log a real one")),
        ("yq report", _("today's report (exercises left out)")),
        ("yq verify", _("check the audit trail")),
    ):
        # the command whole on its line (to be copied), what it does beside it or below
        line = f"  {command}" + " " * max(2, 52 - cell_len(command)) + f"# {what}"
        if cell_len(line) <= console.width:
            console.print(_t(line))
        else:
            console.print(_t(f"  {command}"))
            say(_t(f"    # {what}"), "      ")
