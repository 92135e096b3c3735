"""The daily report: a document (terminal, Markdown, Word), JSON and CSV.

:func:`report_doc` builds the report once as a :class:`~yuqing_cli.render.doc.Doc`,
with the office's masthead (版头): a draft's, or an issued report's number and
sign-off. In Chinese, dates are written the Chinese way (2024年11月23日).
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

from yuqing_cli.i18n import _, language
from yuqing_cli.plan import deadlines
from yuqing_cli.plan.state import IncidentState
from yuqing_cli.render.doc import Cell, Doc, Masthead, Section, Value, doc_data
from yuqing_cli.render.substance_view import (
    assessment_json,
    excerpt,
    line_json,
    statement_json,
    trend_name,
)
from yuqing_cli.render.times import iso, seconds, verdict_json, wave_ref, when_json
from yuqing_cli.services.issued import IssueMark
from yuqing_cli.services.report import DailyReport, DayIncident, DayStatement, Movement
from yuqing_cli.timeutil import fmt, fmt_duration, local
from yuqing_cli.when import PART_ZH, When, show_when


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


def zh_date(day: date) -> str:
    """2024年11月23日"""
    return f"{day.year}年{day.month}月{day.day}日"


def _date(report: DailyReport) -> str:
    return zh_date(report.day) if language() == "zh" else report.day.isoformat()


def _stamp(value: datetime | None, report: DailyReport) -> str:
    """An instant in full: 2024-11-24 00:00, in Chinese 2024年11月24日 00:00."""
    if value is None:
        return "—"
    tz = report.plan.info.timezone
    if language() != "zh":
        return fmt(value, tz)
    moment = local(value, tz)
    return f"{zh_date(moment.date())} {moment.strftime('%H:%M')}"


def _zh_day(day: date, report: DailyReport) -> str:
    return f"{day.month}月{day.day}日" if day.year == report.day.year else zh_date(day)


def _when(when: When | None, report: DailyReport, *, short: bool = False) -> str:
    """A happened time as written. In Chinese the date is written 11月23日 (with the
    year when it is not the report's); ``short`` leaves out the report's own day."""
    tz = report.plan.info.timezone
    if when is None:
        return "—"
    if language() != "zh":
        text = show_when(when, tz)
        day = report.day.isoformat()
        return text[len(day) + 1 :] if short and text.startswith(day + " ") else text
    if when.precision == "unknown":
        return show_when(when, tz, chinese=True)
    lo = local(when.lo, tz)
    day = "" if short and lo.date() == report.day else _zh_day(lo.date(), report)
    if when.precision == "date":
        return _zh_day(lo.date(), report)
    if when.precision == "part":
        return f"{_zh_day(lo.date(), report)}{PART_ZH.get(when.part, when.part)}"
    if when.precision == "approx":
        at = local(when.at, tz)
        same = short and at.date() == report.day
        return f"约{'' if same else _zh_day(at.date(), report) + ' '}{at.strftime('%H:%M')}"
    if when.is_exact:
        return f"{day} {lo.strftime('%H:%M')}".strip()
    hi = local(when.hi, tz)
    end = (
        hi.strftime("%H:%M")
        if hi.date() == lo.date()
        else f"{_zh_day(hi.date(), report)} {hi.strftime('%H:%M')}"
    )
    return f"{day} {lo.strftime('%H:%M')}至{end}".strip()


def _ref(i: DayIncident) -> str:
    return wave_ref(i.ref, i.state.wave)


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


def report_doc(report: DailyReport, issue: IssueMark | None = None) -> Doc:
    """The report as a document; ``issue`` gives an issued report's number and sign-off."""
    plan = report.plan
    tz = plan.info.timezone
    notes: list[Value] = [
        _("as of {as_of} · generated {generated}").format(
            as_of=_stamp(report.as_of, report), generated=_stamp(report.generated_at, report)
        )
        + (_(" · exercises included") if report.include_exercises else "")
    ]
    if report.as_known_at:
        notes.append(
            _("as the records stood at {known}").format(known=_stamp(report.known, report))
        )
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
                    _when(m.when, report, short=True),
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
                    _when(m.verdict.due, report),
                    _when(m.verdict.record.when, report) if m.verdict.record else _("still open"),
                    Cell(fmt_duration(m.verdict.late_by or timedelta()), "red"),
                    m.owners,
                )
                for m in report.missed
            ),
            empty=_("none"),
            widths=(3, 4, 2, 2, 2, 3),
        ),
        Section(
            _("Handling (处置情况)"),
            lines=tuple(_handling(report, i) for i in report.incidents),
            empty=_("none"),
        ),
        Section(
            _("Public statements"),
            header=(_("time"), _("ref"), _("kind"), _("who"), _("what was said")),
            rows=tuple(_statement_row(report, d) for d in report.statements),
            empty=_("none"),
            widths=(2, 3, 2, 2, 8),
        ),
        Section(
            _("Lines approved"),
            header=(_("time"), _("ref"), _("version"), _("signed by")),
            rows=tuple(
                (
                    _clock(v.approved, report) if v.approved else "",
                    i.ref,
                    f"v{v.number}",
                    "、".join(x.person for x in v.signatures),
                )
                for i, v in report.lines_approved
            ),
            empty=_("none"),
            widths=(2, 3, 1, 4),
        ),
        Section(
            _("Assessments"),
            header=(_("ref"), _("title"), _("reposts"), _("reads"), _("rank"), _("trend")),
            rows=tuple(
                (
                    d.incident.ref,
                    excerpt(d.incident.state.title, 30),
                    _number(d.assessment.metrics.get("reposts")),
                    _number(d.assessment.metrics.get("reads")),
                    _number(d.assessment.rank),
                    trend_name(d.assessment.trend),
                )
                for d in report.hottest
            ),
            empty=_("none"),
            widths=(3, 6, 2, 2, 1, 1),
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
        masthead=masthead(report, issue),
        footer=(
            (_("audit chain head when issued: {anchor}").format(anchor=issue.anchor),)
            if issue is not None
            else ()
        ),
    )


def _number(value: int | None) -> str:
    return f"{value:,}" if value is not None else "—"


def _statement_row(report: DailyReport, d: DayStatement) -> tuple[Value, ...]:
    x = d.statement
    plan = d.incident.plan
    kinds = {k.id: k.name for k in plan.statements.kinds} if plan.statements else {}
    who = x.body or _("ours")
    if x.speaker:
        who += f" · {x.speaker}"
    said: Value = excerpt(x.text)
    if x.retraction is not None:
        said = Cell(
            excerpt(x.text) + " " + _("[retracted: {reason}]").format(reason=x.retraction.reason),
            "dim",
        )
    if d.late:
        tz = report.plan.info.timezone
        said = Cell(
            (said.text if isinstance(said, Cell) else said) + f" ({_late(x.recorded_at, tz)})"
        )
    return (_clock(x.when, report), d.incident.ref, kinds.get(x.kind, x.kind), who, said)


def _clock(when: When, report: DailyReport) -> str:
    text = show_when(when, report.plan.info.timezone)
    day = report.day.isoformat()
    return text[len(day) + 1 :] if text.startswith(day + " ") else text


def issue_number(year: int, number: int, total: int) -> str:
    return _("No. {number} of {year} (No. {total} overall)").format(
        number=number, year=year, total=total
    )


def masthead(report: DailyReport, issue: IssueMark | None) -> Masthead:
    """The header block: the unit, 舆情日报, 第N期（总第M期）, the date, 编发 and 签发."""
    unit = report.plan.info.unit
    lines = [_("Compiled and issued by: {unit}").format(unit=unit)]
    if issue is None:
        return Masthead(
            unit, _("Daily public-opinion report"), date=_date(report), lines=tuple(lines),
            mark=_("draft, not issued"),
        )  # fmt: skip
    lines.append(_("Signed off by: {person}").format(person=issue.signed_by))
    mark = ""
    if issue.revision_of is not None:
        year, number, total = issue.revision_of
        mark = _("correction")
        lines.append(
            _("This issue corrects {number}.").format(number=issue_number(year, number, total))
        )
    return Masthead(
        unit,
        _("Daily public-opinion report"),
        number=_("No. {number} (No. {total} overall)").format(
            number=issue.number, total=issue.total
        ),
        date=_date(report),
        lines=tuple(lines),
        mark=mark,
    )


def _handling(report: DailyReport, i: DayIncident) -> str:
    """One incident's 处置情况: when it was found, its milestones, its notes, where it is."""
    s, plan = i.state, i.plan
    details = "、".join(
        x
        for x in (
            plan.level(s.level).name,
            "、".join(plan.category(c).name for c in s.categories),
            s.platform,
        )
        if x
    )
    done = [_("detected {time}").format(time=_when(s.detected, report))]
    for milestone in plan.milestones:
        record = deadlines.milestone_record(plan, s, milestone.id)
        if record is not None:
            done.append(f"{milestone.name} {_when(record.when, report)}")
    if s.closed is not None:
        final = next((x for x in plan.stages if x.final), None)
        done.append(f"{final.name if final else _('closed')} {_when(s.closed, report)}")
    from yuqing_cli.services.ledger import disposal_text

    notes = disposal_text(text for _w, text in i.notes)
    return _("{ref} {title} ({details}): {events}. Stage: {stage}.").format(
        ref=_ref(i),
        title=s.title,
        details=details,
        events=_("; ").join(done + ([notes] if notes else [])),
        stage=plan.stage(s.stage).name,
    )


def frozen(report: DailyReport, issue: IssueMark) -> dict[str, Any]:
    """What an issued report keeps: its document, its JSON and its CSV, as data."""
    return {
        "doc": doc_data(report_doc(report, issue)),
        "json": report_json(report),
        "csv": report_csv(report),
    }


def _dur(value: timedelta | None) -> str:
    return fmt_duration(value) if value is not None else "—"


def _routine_line(report: DailyReport, day: Any) -> Cell:
    tz = report.plan.info.timezone
    runs = "; ".join(
        f"{run.actor} {_when(run.when, report, short=True)}"
        + (_(" (zero report)") if run.zero else "")
        + (f" ({_late(run.at, tz)})" if run.late else "")
        for run in day.runs
    )
    name = _("{routine} (Art. {article})").format(
        routine=day.routine.name, article=day.routine.article
    )
    if day.missing:
        missing = _("not done this day")
        return Cell(f"{name}: {missing}", "red bold")
    if day.overdue:
        last = (
            _("overdue (last {time})").format(time=_stamp(day.last_at, report))
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
        "statements": [
            {"ref": d.incident.ref, **statement_json(d.statement, tz), "late_entry": d.late}
            for d in report.statements
        ],
        "lines_approved": [{"ref": i.ref, **line_json(v, tz)} for i, v in report.lines_approved],
        "assessments": [
            {"ref": d.incident.ref, "count": d.count, **assessment_json(d.assessment, tz)}
            for d in report.hottest
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


# -- CSV -----------------------------------------------------------------------------------


def report_csv(report: DailyReport) -> str:
    """The day's incidents, one a row, in Chinese (the office's words) whatever the
    interface language."""
    from yuqing_cli.render.ledger_view import cell_time, write_rows, yes
    from yuqing_cli.services.ledger import zone_name

    tz = report.plan.info.timezone
    header = [
        "编号", "标题", "平台", "链接", "级别", "类别", "倾向", "阶段", "波次",
        f"发现时间（{zone_name(tz)}）", "办结时间", "报告人", "当日新增", "当日办结", "超时步骤",
        "补录",
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
                cell_time(s.detected, tz),
                cell_time(s.closed, tz),
                s.reporter,
                yes(i in report.new),
                yes(i in report.closed),
                "、".join(m.verdict.step.title for m in report.overdue if m.ref == i.ref),
                yes(report.late_entry(i)),
            ]
        )
    buffer = io.StringIO()
    write_rows(buffer, header, rows)
    return buffer.getvalue()
