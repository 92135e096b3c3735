"""Assessments, the unified line and public statements: for people and for programs."""

from __future__ import annotations

import difflib
from typing import Any

from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.plan.grading import Suggestion
from yuqing_cli.plan.schema import METRICS, Plan
from yuqing_cli.plan.state import Assessment, LineVersion, Statement
from yuqing_cli.render.console import heading, out, print_json, say
from yuqing_cli.render.safe import clean
from yuqing_cli.render.tables import Cell, Column, fitted
from yuqing_cli.render.times import when_json
from yuqing_cli.services.substance import LineReport
from yuqing_cli.when import show_when

_BARS = "▁▂▃▄▅▆▇█"
EXCERPT = 60


def sparkline(values: list[int | None]) -> str:
    """One character per value, low to high; a gap where a value is missing."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    out_ = []
    for value in values:
        if value is None:
            out_.append(" ")
        else:
            index = 0 if span == 0 else round((value - low) / span * (len(_BARS) - 1))
            out_.append(_BARS[index])
    return "".join(out_)


def measure_name(metric: str) -> str:
    return {
        "reads": _("reads"),
        "reposts": _("reposts"),
        "comments": _("comments"),
        "likes": _("likes"),
        "rank": _("hot-search rank"),
    }.get(metric, metric)


def trend_name(trend: str | None) -> str:
    return {"rising": _("rising"), "steady": _("steady"), "falling": _("falling")}.get(
        trend or "", trend or "—"
    )


def excerpt(text: str, width: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# -- JSON --------------------------------------------------------------------------------------


def assessment_json(a: Assessment, tz: str) -> dict[str, Any]:
    return {
        "when": when_json(a.when, tz),
        "by": a.actor,
        "metrics": dict(a.metrics),
        "rank": a.rank,
        "platform": a.platform or None,
        "sentiment": a.sentiment,
        "trend": a.trend,
        "note": a.note or None,
    }


def line_json(v: LineVersion, tz: str) -> dict[str, Any]:
    return {
        "version": v.number,
        "text": v.text,
        "drafted_by": v.drafted_by,
        "drafted": when_json(v.when, tz),
        "signatures": [{"by": x.person, "when": when_json(x.when, tz)} for x in v.signatures],
        "approved": when_json(v.approved, tz),
    }


def statement_json(x: Statement, tz: str) -> dict[str, Any]:
    return {
        "number": x.number,
        "kind": x.kind,
        "text": x.text,
        "when": when_json(x.when, tz),
        "channel": x.channel or None,
        "ours": x.ours,
        "body": x.body or None,
        "speaker": x.speaker or None,
        "speaker_external": x.speaker_external,
        "line": x.line,
        "without_line": x.without_line or None,
        "recorded_by": x.actor,
        "retracted": None
        if x.retraction is None
        else {
            "reason": x.retraction.reason,
            "by": x.retraction.actor,
            "when": when_json(x.retraction.when, tz),
            "replaced_by": x.retraction.replaced_by,
        },
    }


def suggestion_json(s: Suggestion) -> dict[str, Any]:
    return {
        "rule": s.rule.id,
        "name": s.rule.name,
        "article": s.rule.article,
        "level": s.level.id if s.level else None,
        "step": s.step.id if s.step else None,
    }


# -- terminal ----------------------------------------------------------------------------------


def assessments_section(assessments: tuple[Assessment, ...], plan: Plan, tz: str) -> None:
    console = out()
    if heading(_("Assessments (研判)"), not assessments):
        return
    rows: list[list[Cell]] = []
    for metric in (*METRICS, "rank"):
        values = [a.rank if metric == "rank" else a.metrics.get(metric) for a in assessments]
        if all(v is None for v in values):
            continue
        if metric == "rank":  # a higher place is a smaller number: draw it upside down
            drawn = sparkline([-v if v is not None else None for v in values])
        else:
            drawn = sparkline(values)
        latest = next((v for v in reversed(values) if v is not None), None)
        rows.append([measure_name(metric), Text(drawn, style="cyan"), f"{latest:,}"])
    columns = [
        Column(_("measure"), token=True),
        Column(_("series"), token=True, priority=1),
        Column(_("latest"), token=True, justify="right"),
    ]
    table = fitted(columns, rows)
    console.print(table)
    last = assessments[-1]
    say(
        Text(
            clean(
                _("latest: {when} by {person} · sentiment {sentiment} · trend {trend}").format(
                    when=show_when(last.when, tz),
                    person=last.actor,
                    sentiment=plan.sentiment(last.sentiment).name if last.sentiment else "—",
                    trend=trend_name(last.trend),
                )
                + (f" · {last.note}" if last.note else "")
            ),
            style="dim",
        ),
        "  ",
        plan.names,
    )
    console.print()


def suggestions_lines(found: tuple[Suggestion, ...]) -> None:
    from yuqing_cli.services.substance import suggestion_text

    for s in found:
        say(Text(clean(suggestion_text(s)), style="yellow"), "  ")


def _people(v: LineVersion) -> tuple[str, ...]:
    """Who drafted and who signed a version: names a wrapped line keeps whole."""
    return (v.drafted_by, *(x.person for x in v.signatures))


def lines_section(versions: tuple[LineVersion, ...], needed: int, tz: str) -> None:
    console = out()
    if heading(_("Unified line (口径)"), not versions):
        return
    for v in versions:
        say(Text(clean(_line_head(v, needed, tz))), "      ", _people(v))
        say(Text(f"    {clean(excerpt(v.text))}", style="dim"))
    console.print()


def _line_head(v: LineVersion, needed: int, tz: str) -> str:
    signed = "、".join(x.person for x in v.signatures) or "—"
    if v.approved is not None:
        status = _("approved {when}").format(when=show_when(v.approved, tz))
    else:
        status = _("{n} of {needed} signatures").format(n=len(v.signatures), needed=needed)
    return _("  v{version} by {person} {when} · signed: {signed} · {status}").format(
        version=v.number,
        person=v.drafted_by,
        when=show_when(v.when, tz),
        signed=signed,
        status=status,
    )


def statements_section(statements: tuple[Statement, ...], plan: Plan, tz: str) -> None:
    console = out()
    if heading(_("Public statements"), not statements):
        return
    kinds = {k.id: k.name for k in plan.statements.kinds} if plan.statements else {}
    rows: list[list[Cell]] = []
    for x in statements:
        who = x.body or _("ours")
        if x.speaker:
            who += f" · {x.speaker}" + (_(" (external)") if x.speaker_external else "")
        text = Text(clean(excerpt(x.text)))
        if x.retraction is not None:
            text = Text(clean(excerpt(x.text)), style="strike dim")
            note = _(" [retracted: {reason}]").format(reason=x.retraction.reason)
            if x.retraction.replaced_by:
                note += _(" → #{n}").format(n=x.retraction.replaced_by)
            text.append(clean(note), style="red")
        elif x.without_line:
            note = _(" [without an approved line: {reason}]").format(reason=x.without_line)
            text.append(clean(note), style="yellow")
        rows.append(
            [
                str(x.number),
                show_when(x.when, tz),
                clean(kinds.get(x.kind, x.kind)),
                Text(clean(who)),
                text,
            ]
        )
    columns = [
        Column("#", token=True, justify="right"),
        Column(_("when"), token=True),
        Column(_("kind"), token=True, priority=1),
        Column(_("who"), min_width=8),
        Column(_("text")),
    ]
    table = fitted(columns, rows, whole=plan.names)
    console.print(table)


def line_report(report: LineReport, as_json: bool) -> None:
    tz = report.tz
    if as_json:
        print_json(
            {
                "ref": report.ref,
                "signatures_needed": report.needed,
                "versions": [line_json(v, tz) for v in report.versions],
            }
        )
        return
    console = out()
    console.print(Text(_("{ref}: unified line (口径)").format(ref=report.ref), style="bold"))
    if not report.versions:
        console.print(Text(_("  none"), style="dim"))
        return
    previous: LineVersion | None = None
    for v in report.versions:
        console.print()
        say(Text(clean(_line_head(v, report.needed, tz)), style="bold"), "      ", _people(v))
        for x in v.signatures:
            say(
                Text(clean(_("    signed by {person} {when}").format(
                    person=x.person, when=show_when(x.when, tz))), style="dim")
            )  # fmt: skip
        if previous is None:
            say(Text(clean(v.text)), "")
        else:
            say(diff_text(previous.text, v.text), "")
        previous = v


def diff_text(old: str, new: str) -> Text:
    """What changed from ``old`` to ``new``, character by character (Chinese has no
    spaces): removed text struck through in red, added text in green."""
    text = Text()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            text.append(clean(old[a0:a1]))
            continue
        if a1 > a0:
            text.append(clean(f"[-{old[a0:a1]}-]"), style="red strike")
        if b1 > b0:
            text.append(clean(f"{{+{new[b0:b1]}+}}"), style="green")
    return text
