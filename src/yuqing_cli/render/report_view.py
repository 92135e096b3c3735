"""The daily report: a document (terminal, Markdown), JSON and CSV; the routines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from yuqing_cli.i18n import _, language
from yuqing_cli.plan.state import IncidentState
from yuqing_cli.render.console import out
from yuqing_cli.render.doc import Cell, Doc, Section, Value
from yuqing_cli.render.safe import clean, json_safe, spreadsheet_safe
from yuqing_cli.render.times import iso, seconds, verdict_json, wave_label, when_json
from yuqing_cli.services.report import DailyReport, DayIncident, Movement
from yuqing_cli.services.routines import RoutineStatus
from yuqing_cli.timeutil import fmt, fmt_duration, local
from yuqing_cli.when import When, show_when


def _action_label(action: str) -> str:
    return {
        "done": _("done:"),
        "waived": _("waived:"),
        "advance": _("moved to"),
        "close": _("closed:"),
        "grade": _("re-graded"),
        "reopen": _("reopened to"),
        "assign": _("designated"),
        "note": _("note:"),
        "edit": _("corrected:"),
        "void": _("voided:"),
    }.get(action, action)


def _milestone_label(report: DailyReport, milestone: str) -> str:
    name = next((m.name for m in report.plan.milestones if m.id == milestone), milestone)
    return _("detection → {milestone}").format(milestone=name)


def _date(report: DailyReport) -> str:
    if language() == "zh":
        return f"{report.day.year}年{report.day.month}月{report.day.day}日"
    return report.day.isoformat()


def _ref(i: DayIncident) -> str:
    return i.ref if i.state.wave == 1 else f"{i.ref} {wave_label(i.state.wave)}"


def _late(recorded: Any, tz: str) -> str:
    """The mark of an entry recorded after the day (补录), with its recording date."""
    return _("late entry, recorded {date}").format(date=local(recorded, tz).strftime("%Y-%m-%d"))


def _movement_text(m: Movement) -> str:
    plan = m.plan
    if m.action in ("done", "waived") and plan.has_step(m.subject):
        what = f"{_action_label(m.action)} {plan.step(m.subject).title}"
    elif m.action in ("advance", "close", "reopen") and m.new:
        stage = plan.stage(m.new).name if m.new in {s.id for s in plan.stages} else m.new
        what = f"{_action_label(m.action)} {stage}"
    elif m.action == "grade":
        names = {lv.id: lv.name for lv in plan.levels}
        what = f"{_action_label('grade')} {names.get(m.old or '', m.old)} → {names.get(m.new or '', m.new)}"  # noqa: E501
    elif m.action == "assign":
        roles = {r.id: r.name for r in plan.roles}
        what = f"{_action_label('assign')} {roles.get(m.subject, m.subject)}: {m.new}"
    else:
        what = _action_label(m.action)
    return (
        f"{what} {m.note}".strip()
        if m.action == "note"
        else (f"{what} · {m.note}" if m.note else what)
    )


def _level(i: DayIncident) -> Cell:
    level = i.plan.level(i.state.level)
    return Cell(level.name, level.colour)


def _state_stage(i: DayIncident) -> str:
    return i.plan.stage(i.state.stage).name


# -- the document ---------------------------------------------------------------------------


def report_doc(report: DailyReport) -> Doc:
    plan = report.plan
    tz = plan.info.timezone
    notes: list[Value] = [
        _("as of {as_of} · generated {generated}").format(
            as_of=fmt(report.as_of, tz), generated=fmt(report.generated_at, tz)
        )
        + (_(" · exercises included") if report.include_exercises else "")
    ]
    if report.as_known_at:
        notes.append(_("as the records stood at {known}").format(known=fmt(report.known, tz)))
    late = sum(1 for i in report.new if report.late_entry(i)) + sum(
        1 for m in report.moved if m.late
    )
    if late:
        notes.append(
            Cell(
                _("{n} entries were recorded after the day (late entries, 补录)").format(n=late),
                "yellow",
            )
        )
    t = report.totals
    sections = [
        Section(
            _("Overview"),
            header=(
                _("carried over"),
                _("new"),
                _("reopened"),
                _("closed"),
                _("open"),
                _("overdue"),
            ),
            rows=(
                (
                    str(t.carried),
                    str(t.new),
                    str(t.reopened),
                    str(t.closed),
                    str(t.open),
                    Cell(str(report.overdue_incidents), "red bold" if report.overdue else ""),
                ),
            ),
        ),
        Section(
            _("Open, by level"),
            lines=tuple(Cell(lv.name, lv.colour) for lv, _n in report.open_by_level),
            bars=tuple(n for _lv, n in report.open_by_level),
        ),
        Section(
            _("Open, by stage"),
            lines=tuple(s.name for s, _n in report.open_by_stage),
            bars=tuple(n for _s, n in report.open_by_stage),
        ),
    ]
    if report.by_platform:
        sections.append(
            Section(
                _("New, by platform"),
                lines=tuple(p for p, _n in report.by_platform),
                bars=tuple(n for _p, n in report.by_platform),
            )
        )
    sections += [
        Section(
            _("New incidents"),
            header=(_("ref"), _("level"), _("category"), _("platform"), _("title"), _("stage")),
            rows=tuple(
                (
                    i.ref,
                    _level(i),
                    "、".join(i.plan.category(c).name for c in i.state.categories),
                    i.state.platform or "—",
                    i.state.title
                    + (f" ({_late(i.logged_at, tz)})" if report.late_entry(i) else ""),
                    _state_stage(i),
                )
                for i in report.new
            ),
            empty=_("none"),
            widths=(3, 1, 2, 2, 6, 1),
        ),
        Section(
            _("What moved"),
            header=(_("time"), _("ref"), _("who"), _("what")),
            rows=tuple(
                (
                    _clock(m.when, report),
                    m.ref,
                    m.actor,
                    _movement_text(m) + (f" ({_late(m.recorded_at, tz)})" if m.late else ""),
                )
                for m in report.moved
            ),
            empty=_("none"),
            widths=(2, 3, 1, 8),
        ),
        Section(
            _("Deadlines missed"),
            header=(_("ref"), _("step"), _("due"), _("done"), _("late by"), _("owners")),
            rows=tuple(
                (
                    m.ref,
                    m.verdict.step.title,
                    show_when(m.verdict.due, tz),
                    show_when(m.verdict.record.when, tz) if m.verdict.record else _("still open"),
                    Cell(fmt_duration(m.verdict.late_by or timedelta()), "red"),
                    m.owners,
                )
                for m in report.missed
            ),
            empty=_("none"),
            widths=(3, 4, 2, 2, 1, 3),
        ),
        Section(
            _("Under monitoring"),
            header=(_("ref"), _("level"), _("title")),
            rows=tuple((_ref(i), _level(i), i.state.title) for i in report.monitoring),
            empty=_("none"),
            widths=(3, 1, 8),
        ),
        Section(
            _("Response times"),
            header=(
                _("measure"),
                _("count"),
                _("median"),
                _("worst"),
                _("met"),
                _("missed"),
                _("undeterminable"),
            ),
            rows=tuple(
                (
                    _milestone_label(report, rt.milestone),
                    str(rt.count),
                    _dur(rt.median),
                    _dur(rt.worst),
                    str(rt.met),
                    Cell(str(rt.missed), "red" if rt.missed else ""),
                    str(rt.undeterminable),
                )
                for rt in report.response_times
            ),
            empty=_("none"),
            widths=(5, 1, 1, 1, 1, 1, 1),
        ),
        Section(
            _("Routines"),
            lines=tuple(_routine_line(report, d) for d in report.routines),
            empty=_("none"),
        ),
    ]
    return Doc(
        title=_("Daily public-opinion report {date}").format(date=_date(report)),
        subtitle=(f"{plan.info.unit} · {plan.info.title}",),
        notes=tuple(notes),
        sections=tuple(sections),
    )


def _clock(when: When, report: DailyReport) -> str:
    text = show_when(when, report.plan.info.timezone)
    day = report.day.isoformat()
    return text[len(day) + 1 :] if text.startswith(day + " ") else text


def _dur(value: timedelta | None) -> str:
    return fmt_duration(value) if value is not None else "—"


def _routine_line(report: DailyReport, day: Any) -> Cell:
    tz = report.plan.info.timezone
    runs = "; ".join(
        f"{run.actor} {_clock(run.when, report)}"
        + (_(" (zero report)") if run.zero else "")
        + (f" ({_late(run.at, tz)})" if run.late else "")
        for run in day.runs
    )
    name = _("{routine} (Art. {article})").format(
        routine=day.routine.name, article=day.routine.article
    )
    if day.missing:
        return Cell(f"{name}: {_('not done this day')}", "red bold")
    if day.overdue:
        last = (
            _("overdue (last {time})").format(time=fmt(day.last_at, tz))
            if day.last_at
            else _("never done")
        )
        return Cell(f"{name}: {runs or '—'} · {last}", "red")
    return Cell(f"{name}: {runs or '—'}")


# -- JSON ----------------------------------------------------------------------------------


def _incident(report: DailyReport, i: DayIncident) -> dict[str, Any]:
    tz = report.plan.info.timezone
    s: IncidentState = i.state
    return {
        "ref": i.ref,
        "title": s.title,
        "platform": s.platform,
        "url": s.url,
        "level": s.level,
        "category": s.category,
        "categories": list(s.categories),
        "sentiment": s.sentiment,
        "stage": s.stage,
        "wave": s.wave,
        "exercise": s.exercise,
        "reporter": s.reporter,
        "detected_at": iso(s.detected.at, tz),
        "detected": when_json(s.detected, tz),
        "recorded_at": iso(i.logged_at, tz),
        "late_entry": report.late_entry(i),
        "closed_at": iso(s.closed.at, tz) if s.closed else None,
        "new": i in report.new,
        "closed_today": i in report.closed,
        "open": i.is_open,
        "overdue_steps": sorted(m.verdict.step.id for m in report.overdue if m.ref == i.ref),
    }


def report_json(report: DailyReport) -> dict[str, Any]:
    tz = report.plan.info.timezone
    info = report.plan.info
    t = report.totals
    return {
        "date": report.day.isoformat(),
        "timezone": tz,
        "unit": info.unit,
        "plan": info.title,
        "plan_version": report.plan.version,
        "as_of": iso(report.as_of, tz),
        "as_known_at": iso(report.known, tz) if report.as_known_at else None,
        "generated_at": iso(report.generated_at, tz),
        "include_exercises": report.include_exercises,
        "counts": {
            "carried": t.carried,
            "new": t.new,
            "reopened": t.reopened,
            "closed": t.closed,
            "open": t.open,
            "overdue": report.overdue_incidents,
            "missed": len(report.missed),
            "open_by_stage": {s.id: n for s, n in report.open_by_stage},
            "open_by_level": {lv.id: n for lv, n in report.open_by_level},
        },
        "incidents": [_incident(report, i) for i in report.incidents],
        "moved": [
            {
                "at": iso(m.when.at, tz),
                "when": when_json(m.when, tz),
                "ref": m.ref,
                "actor": m.actor,
                "action": m.action,
                "subject": m.subject,
                "old": m.old,
                "new": m.new,
                "note": m.note,
                "recorded_at": iso(m.recorded_at, tz),
                "late_entry": m.late,
            }
            for m in report.moved
        ],
        "missed": [
            {
                "ref": m.ref,
                **verdict_json(m.verdict, tz),
                "owners": m.owners,
                "still_open": not m.done,
                "late_entry": m.late_entry,
            }
            for m in report.missed
        ],
        "monitoring": [i.ref for i in report.monitoring],
        "response_times": {
            rt.milestone: {
                "count": rt.count,
                "median_seconds": seconds(rt.median),
                "worst_seconds": seconds(rt.worst),
                "met": rt.met,
                "missed": rt.missed,
                "undeterminable": rt.undeterminable,
                "uncertain": rt.uncertain,
            }
            for rt in report.response_times
        },
        "routines": [
            {
                "id": d.routine.id,
                "name": d.routine.name,
                "article": d.routine.article,
                "runs": [
                    {
                        "actor": run.actor,
                        "at": iso(run.at, tz),
                        "zero": run.zero,
                        "note": run.note,
                        "late_entry": run.late,
                    }
                    for run in d.runs
                ],
                "last_at": iso(d.last_at, tz),
                "overdue": d.overdue,
                "missing": d.missing,
            }
            for d in report.routines
        ],
    }


def dumps(data: Any) -> str:
    """JSON for output: UTF-8, indented, invisible and control characters escaped."""
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


# -- CSV -----------------------------------------------------------------------------------


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
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


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _local(when: When | None, tz: str) -> str:
    """A time for a spreadsheet: ``2024-11-23 09:15`` (the zone is in the header), or as
    written when it is not exactly known."""
    if when is None:
        return ""
    if when.is_exact:
        return local(when.at, tz).strftime("%Y-%m-%d %H:%M")
    return show_when(when, tz)


def report_csv(report: DailyReport) -> str:
    tz = report.plan.info.timezone
    header = [
        "编号", "标题", "平台", "链接", "级别", "类别", "倾向", "阶段", "波次",
        f"发现时间（{tz}）", "办结时间", "报告人", "当日新增", "当日办结", "超时步骤", "补录",
    ]  # fmt: skip
    rows = []
    for i in report.incidents:
        s, plan = i.state, i.plan
        rows.append(
            [
                i.ref,
                s.title,
                s.platform,
                s.url,
                plan.level(s.level).name,
                "、".join(plan.category(c).name for c in s.categories),
                plan.sentiment(s.sentiment).name,
                plan.stage(s.stage).name,
                s.wave,
                _local(s.detected, tz),
                _local(s.closed, tz),
                s.reporter,
                _yes(i in report.new),
                _yes(i in report.closed),
                "、".join(m.verdict.step.title for m in report.overdue if m.ref == i.ref),
                _yes(report.late_entry(i)),
            ]
        )
    return _csv(header, rows)


# -- routines ------------------------------------------------------------------------------


def routine_list(items: list[RoutineStatus], as_json: bool) -> None:
    tz = items[0].tz if items else "UTC"
    if as_json:
        from yuqing_cli.render.console import print_json

        print_json(
            [
                {
                    "id": s.routine.id,
                    "name": s.routine.name,
                    "article": s.routine.article,
                    "every_hours": s.routine.every_hours,
                    "last_at": iso(s.last_at, tz),
                    "last_by": s.last_by,
                    "last_zero": s.last_zero,
                    "due": iso(s.due_at, tz),
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
            clean(s.routine.name),
            s.routine.id,
            s.routine.article,
            _("{hours:g} h").format(hours=s.routine.every_hours),
            show_when(s.last, tz) if s.last else "—",
            s.last_by or "—",
            fmt(s.due_at, tz),
            state,
        )
    out().print(table)


def routine_recorded(status: RoutineStatus) -> None:
    tz = status.tz
    message = (
        _("{routine}: zero report (零报告) by {person} at {time}; next due {due}")
        if status.last_zero
        else _("{routine}: done by {person} at {time}; next due {due}")
    )
    out().print(
        Text(
            clean(
                message.format(
                    routine=status.routine.name,
                    person=status.last_by,
                    time=show_when(status.last, tz) if status.last else "—",
                    due=fmt(status.due_at, tz),
                )
            )
        )
    )
