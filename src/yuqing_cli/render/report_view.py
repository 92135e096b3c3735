"""The daily report and the ledger: Rich, Markdown, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.render.console import out
from yuqing_cli.render.safe import clean, markdown_safe, spreadsheet_safe
from yuqing_cli.services.history import Replayed
from yuqing_cli.services.report import DailyReport, LedgerRow, Movement, ResponseTime
from yuqing_cli.services.routines import RoutineStatus
from yuqing_cli.timeutil import fmt, fmt_duration, local


def _action_label(action: str) -> str:
    return {
        "done": _("done:"),
        "waived": _("waived:"),
        "advance": _("moved to"),
        "close": _("closed:"),
        "grade": _("re-graded"),
        "reopen": _("reopened to"),
        "assign": _("designated"),
    }.get(action, action)


def _milestone_label(milestone: str) -> str:
    return {
        "reported": _("detection → report to the leading group"),
        "first_response": _("detection → first public response"),
    }.get(milestone, milestone)


def _iso(value: datetime | None, tz: str) -> str | None:
    return local(value, tz).isoformat() if value is not None else None


def _minutes(delta: timedelta | None) -> int | None:
    return int(delta.total_seconds() // 60) if delta is not None else None


def _movement_text(report: DailyReport, m: Movement, escape: Callable[[str], str] = clean) -> str:
    """What moved, in words; the free-text note (untrusted) goes through ``escape``."""
    plan = report.plan
    if m.action in ("done", "waived"):
        what = f"{_action_label(m.action)} {m.subject}"
    elif m.action in ("advance", "close", "reopen") and m.new:
        what = (
            f"{_action_label(m.action)} {plan.stage(m.new).name}"
            if m.new in {s.id for s in plan.stages}
            else f"{_action_label(m.action)} {m.new}"
        )
    elif m.action == "grade":
        names = {lv.id: lv.name for lv in plan.levels}
        old, new = names.get(m.old or "", m.old), names.get(m.new or "", m.new)
        what = f"{_action_label('grade')} {old} → {new}"
    elif m.action == "assign":
        roles = {r.id: r.name for r in plan.roles}
        what = f"{_action_label('assign')} {roles.get(m.subject, m.subject)}: {m.new}"
    else:
        what = m.action
    return f"{what} · {escape(m.note)}" if m.note else what


# -- JSON ----------------------------------------------------------------------------------


def _incident(report: DailyReport, r: Replayed) -> dict[str, Any]:
    tz = report.plan.info.timezone
    return {
        "ref": r.ref,
        "title": r.title,
        "platform": r.platform,
        "url": r.url,
        "level": r.level,
        "category": r.category,
        "sentiment": r.sentiment,
        "stage": r.stage,
        "exercise": r.exercise,
        "reporter": r.reporter,
        "detected_at": _iso(r.detected_at, tz),
        "reported_at": _iso(r.reported_at, tz),
        "first_response_at": _iso(r.first_response_at, tz),
        "closed_at": _iso(r.closed_at, tz),
        "new": r in report.new,
        "closed_today": r in report.closed,
        "overdue_steps": sorted(o.step.id for o in report.overdue if o.ref == r.ref),
    }


def report_json(report: DailyReport) -> dict[str, Any]:
    tz = report.plan.info.timezone
    info = report.plan.info
    return {
        "date": report.day.isoformat(),
        "timezone": tz,
        "unit": info.unit,
        "plan": info.title,
        "plan_version": report.plan.version,
        "as_of": _iso(report.as_of, tz),
        "generated_at": _iso(report.generated_at, tz),
        "include_exercises": report.include_exercises,
        "counts": {
            "new": len(report.new),
            "open": len(report.open),
            "closed": len(report.closed),
            "overdue": report.overdue_incidents,
            "reopened": len(report.reopened),
            "open_by_stage": {s.id: n for s, n in report.open_by_stage},
            "open_by_level": {lv.id: n for lv, n in report.open_by_level},
        },
        "incidents": [_incident(report, r) for r in report.incidents],
        "moved": [
            {
                "at": _iso(m.at, tz),
                "ref": m.ref,
                "actor": m.actor,
                "action": m.action,
                "subject": m.subject,
                "old": m.old,
                "new": m.new,
                "note": m.note,
            }
            for m in report.moved
        ],
        "overdue": [
            {
                "ref": o.ref,
                "step": o.step.id,
                "title": o.step.title,
                "article": o.step.article,
                "owners": o.owners,
                "due": _iso(o.due, tz),
                "late_minutes": _minutes(o.late),
            }
            for o in report.overdue
        ],
        "monitoring": [r.ref for r in report.monitoring],
        "response_times": {rt.milestone: _response_json(rt) for rt in report.response_times},
        "routines": [
            {
                "id": d.routine.id,
                "name": d.routine.name,
                "article": d.routine.article,
                "runs": [
                    {"actor": run.actor, "at": _iso(run.at, tz), "zero": run.zero, "note": run.note}
                    for run in d.runs
                ],
                "last_at": _iso(d.last_at, tz),
                "overdue": d.overdue,
                "missing": d.missing,
            }
            for d in report.routines
        ],
    }


def _response_json(rt: ResponseTime) -> dict[str, Any]:
    return {
        "step": rt.step.id,
        "count": rt.count,
        "median_minutes": _minutes(rt.median),
        "worst_minutes": _minutes(rt.worst),
        "within_deadline": rt.within,
        "late": rt.late,
    }


# -- CSV -----------------------------------------------------------------------------------


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [
                spreadsheet_safe(clean(v)) if isinstance(v, str) else ("" if v is None else v)
                for v in row
            ]
        )
    return buffer.getvalue()


REPORT_CSV = [
    "ref",
    "title",
    "platform",
    "url",
    "level",
    "category",
    "sentiment",
    "stage",
    "detected_at",
    "reported_at",
    "first_response_at",
    "closed_at",
    "reporter",
    "new",
    "closed_today",
    "overdue_steps",
]


def report_csv(report: DailyReport) -> str:
    rows = []
    for r in report.incidents:
        data = _incident(report, r)
        data["overdue_steps"] = " ".join(data["overdue_steps"])
        rows.append([data[k] for k in REPORT_CSV])
    return _csv(REPORT_CSV, rows)


LEDGER_FIELDS = [
    "ref",
    "title",
    "platform",
    "url",
    "level",
    "category",
    "sentiment",
    "detected_at",
    "reported_at",
    "first_response_at",
    "closed_at",
    "stage",
    "reporter",
    "exercise",
]
LEDGER_HEADER_ZH = [
    "编号",
    "标题",
    "平台",
    "链接",
    "级别",
    "类别",
    "倾向",
    "发现时间",
    "报告领导小组时间",
    "首次回应时间",
    "办结时间",
    "当前阶段",
    "报告人",
    "演练",
]


def _ledger_dict(row: LedgerRow, tz: str) -> dict[str, Any]:
    data = {f: getattr(row, f) for f in LEDGER_FIELDS}
    for key in ("detected_at", "reported_at", "first_response_at", "closed_at"):
        data[key] = _iso(data[key], tz)
    return data


def ledger_csv(rows: list[LedgerRow], tz: str) -> str:
    return _csv(LEDGER_HEADER_ZH, [[_ledger_dict(r, tz)[f] for f in LEDGER_FIELDS] for r in rows])


def ledger_json(rows: list[LedgerRow], tz: str) -> str:
    return json.dumps([_ledger_dict(r, tz) for r in rows], ensure_ascii=False, indent=2) + "\n"


# -- Markdown ------------------------------------------------------------------------------


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def report_markdown(report: DailyReport) -> str:
    plan = report.plan
    tz = plan.info.timezone
    md = markdown_safe
    lines = [_("# Daily public-opinion report {day}").format(day=report.day.isoformat()), ""]
    lines.append(f"{md(plan.info.unit)} · {md(plan.info.title)}  ")
    lines.append(
        _("As of {as_of} ({tz}) · generated {generated}").format(
            as_of=fmt(report.as_of, tz), tz=tz, generated=fmt(report.generated_at, tz)
        )
        + (_(" · exercises included") if report.include_exercises else "")
    )
    lines += ["", _("## Overview"), ""]
    lines += _md_table(
        [_("new"), _("open"), _("closed"), _("overdue"), _("reopened")],
        [
            [
                str(len(report.new)),
                str(len(report.open)),
                str(len(report.closed)),
                str(report.overdue_incidents),
                str(len(report.reopened)),
            ]
        ],
    )
    lines += [
        "",
        _("Open, by stage: ") + " · ".join(f"{s.name} {n}" for s, n in report.open_by_stage),
        "",
        _("Open, by level: ") + " · ".join(f"{lv.name} {n}" for lv, n in report.open_by_level),
        "",
        _("## New incidents"),
        "",
    ]
    lines += _rows_or_none(
        [_("ref"), _("level"), _("category"), _("platform"), _("title"), _("stage")],
        [
            [
                r.ref,
                plan_level(r),
                r.plan.category(r.category).name,
                md(r.platform or "—"),
                md(r.title),
                r.plan.stage(r.stage).name,
            ]
            for r in report.new
        ],
    )
    lines += ["", _("## What moved"), ""]
    lines += _rows_or_none(
        [_("time"), _("ref"), _("who"), _("what")],
        [[fmt(m.at, tz)[11:], m.ref, m.actor, _movement_text(report, m, md)] for m in report.moved],
    )
    lines += ["", _("## Overdue steps"), ""]
    lines += _rows_or_none(
        [_("ref"), _("step"), _("art."), _("owners"), _("due"), _("late by")],
        [
            [
                o.ref,
                f"{o.step.id} {md(o.step.title)}",
                o.step.article,
                md(o.owners),
                fmt(o.due, tz),
                fmt_duration(o.late),
            ]
            for o in report.overdue
        ],
    )
    lines += ["", _("## Under monitoring"), ""]
    lines += _rows_or_none(
        [_("ref"), _("level"), _("title")],
        [[r.ref, plan_level(r), md(r.title)] for r in report.monitoring],
    )
    lines += ["", _("## Response times"), ""]
    lines += _md_table(
        [_("measure"), _("count"), _("median"), _("worst"), _("on time"), _("late")],
        [
            [
                _milestone_label(rt.milestone),
                str(rt.count),
                _dur(rt.median),
                _dur(rt.worst),
                str(rt.within),
                str(rt.late),
            ]
            for rt in report.response_times
        ],
    )
    lines += ["", _("## Routines"), ""]
    for day in report.routines:
        runs = "; ".join(
            f"{run.actor} {fmt(run.at, tz)[11:]}" + (_(" (zero report)") if run.zero else "")
            for run in day.runs
        )
        flag = f"**{_('no patrol this day')}**" if day.missing else ""
        if not day.missing and day.overdue:
            flag = f"**{_('overdue')}**"
        name = _("{routine} (Art. {article})").format(
            routine=day.routine.name, article=day.routine.article
        )
        lines.append(f"- {name}: {md(runs) or '—'} {flag}".rstrip())
    return "\n".join(lines) + "\n"


def plan_level(r: Replayed) -> str:
    return r.plan.level(r.level).name


def _dur(value: timedelta | None) -> str:
    return fmt_duration(value) if value is not None else "—"


def _rows_or_none(header: list[str], rows: list[list[str]]) -> list[str]:
    return _md_table(header, rows) if rows else [_("none")]


# -- terminal ------------------------------------------------------------------------------


def _bars(title: str, items: list[tuple[Text, int]], width: int = 30) -> Table:
    table = Table(title=title, box=None, title_justify="left", show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True)
    top = max((n for _, n in items), default=0)
    for label, n in items:
        bar = "█" * (round(n / top * width) if top else 0)
        table.add_row(label, str(n), Text(bar, style=label.style or "cyan"))
    return table


def report_terminal(report: DailyReport) -> None:
    console = out()
    plan = report.plan
    tz = plan.info.timezone
    console.print(Text(_("Daily report {day}").format(day=report.day.isoformat()), style="bold"))
    console.print(Text(f"{plan.info.unit} · {plan.info.title}"))
    console.print(
        Text(
            _("as of {as_of} ({tz}) · generated {generated}").format(
                as_of=fmt(report.as_of, tz), tz=tz, generated=fmt(report.generated_at, tz)
            )
            + (_(" · exercises included") if report.include_exercises else ""),
            style="dim",
        )
    )
    console.print()
    counts = Table(box=box.SIMPLE_HEAD)
    for column in (_("new"), _("open"), _("closed"), _("overdue"), _("reopened")):
        counts.add_column(column, justify="right")
    counts.add_row(
        str(len(report.new)),
        str(len(report.open)),
        str(len(report.closed)),
        Text(str(report.overdue_incidents), style="red bold" if report.overdue else ""),
        str(len(report.reopened)),
    )
    console.print(counts)
    console.print(
        _bars(
            _("Open, by level"),
            [(Text(lv.name, style=lv.colour), n) for lv, n in report.open_by_level],
        )
    )
    console.print(_bars(_("Open, by stage"), [(Text(s.name), n) for s, n in report.open_by_stage]))
    if report.by_platform:
        console.print(
            _bars(
                _("New, by platform"),
                [(Text(clean(p)), n) for p, n in report.by_platform],
            )
        )
    console.print()
    _section(
        _("New incidents"),
        [_("ref"), _("level"), _("category"), _("platform"), _("title"), _("stage")],
        [
            [
                r.ref,
                Text(plan_level(r), style=r.plan.level(r.level).colour),
                r.plan.category(r.category).name,
                Text(clean(r.platform or "—")),
                Text(clean(r.title)),
                r.plan.stage(r.stage).name,
            ]
            for r in report.new
        ],
    )
    _section(
        _("What moved"),
        [_("time"), _("ref"), _("who"), _("what")],
        [
            [fmt(m.at, tz)[11:], m.ref, m.actor, Text(_movement_text(report, m))]
            for m in report.moved
        ],
    )
    _section(
        _("Overdue steps"),
        [_("ref"), _("step"), _("art."), _("owners"), _("due"), _("late by")],
        [
            [
                o.ref,
                o.step.id,
                o.step.article,
                o.owners,
                fmt(o.due, tz),
                Text(fmt_duration(o.late), style="red"),
            ]
            for o in report.overdue
        ],
    )
    _section(
        _("Under monitoring"),
        [_("ref"), _("level"), _("title")],
        [[r.ref, plan_level(r), Text(clean(r.title))] for r in report.monitoring],
    )
    _section(
        _("Response times"),
        ["", _("count"), _("median"), _("worst"), _("on time"), _("late")],
        [
            [
                _milestone_label(rt.milestone),
                str(rt.count),
                _dur(rt.median),
                _dur(rt.worst),
                str(rt.within),
                Text(str(rt.late), style="red" if rt.late else ""),
            ]
            for rt in report.response_times
        ],
    )
    console.print(Text(_("Routines"), style="bold"))
    for day in report.routines:
        line = Text(
            _("  {day_routine_name} (Art. {day_routine_article}): ").format(
                day_routine_name=day.routine.name, day_routine_article=day.routine.article
            )
        )
        if day.runs:
            line.append(
                "; ".join(
                    f"{run.actor} {fmt(run.at, tz)[11:]}"
                    + (_(" (zero report)") if run.zero else "")
                    for run in day.runs
                )
            )
        if day.missing:
            line.append(_("no patrol this day"), style="red bold")
        elif day.overdue:
            line.append(_(" overdue (last {time})").format(time=fmt(day.last_at, tz)), style="red")
        console.print(line)


def _section(title: str, header: list[str], rows: list[list[Any]]) -> None:
    console = out()
    console.print(Text(title, style="bold"))
    if not rows:
        console.print(Text(_("  none"), style="dim"))
        console.print()
        return
    table = Table(box=box.SIMPLE_HEAD)
    for i, column in enumerate(header):
        table.add_column(column, overflow="fold", no_wrap=i == 0)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def routine_list(items: list[RoutineStatus], tz: str, as_json: bool) -> None:
    if as_json:
        from yuqing_cli.render.console import print_json

        print_json(
            [
                {
                    "id": s.routine.id,
                    "name": s.routine.name,
                    "article": s.routine.article,
                    "every_hours": s.routine.every_hours,
                    "last_at": _iso(s.last_at, tz),
                    "last_by": s.last_by,
                    "last_zero": s.last_zero,
                    "due": _iso(s.due_at, tz),
                    "overdue": s.overdue,
                }
                for s in items
            ]
        )
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in (
        _("routine"),
        "id",
        _("art."),
        _("every"),
        _("last"),
        _("by"),
        _("next due"),
        "",
    ):
        table.add_column(column, overflow="fold")
    for s in items:
        state = Text(_("OVERDUE"), style="red bold") if s.overdue else Text(_("ok"), style="green")
        table.add_row(
            s.routine.name,
            s.routine.id,
            s.routine.article,
            f"{s.routine.every_hours:g} h",
            fmt(s.last_at, tz),
            s.last_by or "—",
            fmt(s.due_at, tz),
            state,
        )
    out().print(table)


def routine_recorded(status: RoutineStatus, tz: str) -> None:
    message = (
        _("{routine}: zero report (零报告) by {person} at {time}; next due {due}")
        if status.last_zero
        else _("{routine}: done by {person} at {time}; next due {due}")
    )
    out().print(
        Text(
            message.format(
                routine=status.routine.name,
                person=status.last_by,
                time=fmt(status.last_at, tz),
                due=fmt(status.due_at, tz),
            )
        )
    )
