"""The daily report as data: JSON (the report's figures and lists, ids rather than
words) and CSV (the day's incidents, one a row, in the office's words)."""

from __future__ import annotations

import io
from typing import Any

from yuqing_cli.plan import rules
from yuqing_cli.plan.state import IncidentState
from yuqing_cli.render.substance_view import assessment_json, line_json, statement_json
from yuqing_cli.render.times import iso, seconds, verdict_json, when_json
from yuqing_cli.services.report import DailyReport, DayIncident
from yuqing_cli.services.report_verdicts import DayVerdict, Owner

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
            "missed_open": len(report.overdue),
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
                **_verdict(m, tz),
                "still_open": not m.done,
                "late_entry": m.late_entry,
            }
            for m in report.missed
        ],
        "next_steps": [_verdict(d, tz) for d in report.due_next],
        "suggestions": [
            {
                "ref": s.incident.ref,
                "rule": s.suggestion.rule.id,
                "level": s.suggestion.level.id if s.suggestion.level else None,
                "step": s.suggestion.step.id if s.suggestion.step else None,
                "owner": _owner(s.owner),
                "due": when_json(s.due.due, tz) if s.due and s.due.due else None,
            }
            for s in report.suggestions
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


def _owner(owner: Owner) -> dict[str, str | None]:
    return {"role": owner.role or None, "person": owner.person or None}


def _verdict(d: DayVerdict, tz: str) -> dict[str, Any]:
    state = d.incident.state
    return {
        "ref": d.ref,
        **verdict_json(d.verdict, tz),
        "owner": _owner(d.owner),
        "owners": rules.who_may(d.incident.plan, d.verdict.step.roles, dict(state.assignments)),
    }
