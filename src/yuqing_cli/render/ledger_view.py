"""The ledger (台账) as the office files it: CSV and JSON (the workbook is
:mod:`yuqing_cli.render.ledger_book`).

The ledger is the office's Chinese document: its words are Chinese whatever the
interface language. Each writer takes the ledger's rows as they are read and writes as
it goes, so a ledger of any length is written in constant memory. Cell values are typed
once (:func:`ledger_values`): a time exactly known is a ``datetime`` in the plan's zone,
a time known less exactly the text it was given as, an elapsed time a ``timedelta``,
counts are numbers, the rest text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import IO, Any, TextIO

from yuqing_cli.plan.state import Assessment
from yuqing_cli.render.safe import clean, spreadsheet_safe
from yuqing_cli.render.substance_view import assessment_json
from yuqing_cli.render.times import iso, seconds, when_json
from yuqing_cli.services.ledger import Column, Ledger, LedgerRow, Stamp, work_text, zone_name
from yuqing_cli.timeutil import local
from yuqing_cli.when import When, show_when

VERDICT_ZH = {
    "pending": "未到期",
    "met": "按时",
    "missed": "超时",
    "waived": "免除",
    "undeterminable": "无法判定",
    "unrecorded": "未记录",
}
OVERDUE_ZH = {"missed": "是", "undeterminable": "无法判定", None: "否"}


def yes(value: bool) -> str:
    return "是" if value else "否"


def zh_duration(delta: timedelta) -> str:
    """An elapsed time as the workbook shows it (``26小时05分``): CSV and xlsx agree."""
    minutes = int(delta.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours}小时{mins:02d}分"


def cell_time(when: When | None, tz: str) -> datetime | str | None:
    """An exactly known time as a local ``datetime`` (no zone, no microseconds); an
    uncertain one as written, in Chinese (``2020-02-26 下午``)."""
    if when is None:
        return None
    if when.is_exact:
        return local(when.at, tz).replace(tzinfo=None, microsecond=0)
    return show_when(when, tz, chinese=True)


def stamp_time(stamp: Stamp | None, tz: str) -> datetime | date | str | None:
    """A ledger time in one form for CSV and xlsx alike: an exactly known time as a local
    ``datetime``, a day known only as its date as a ``date``, any other as written."""
    if stamp is None:
        return None
    if stamp.uncertain is None:
        return datetime.fromisoformat(stamp.iso).replace(tzinfo=None, microsecond=0)
    if stamp.uncertain.precision == "date":
        return date.fromisoformat(stamp.iso[:10])
    return cell_time(stamp.uncertain, tz)


def stamp_text(stamp: Stamp | None, tz: str) -> str:
    """A ledger time inside a text (定级经过, 计时起点): ``2024-11-23 16:00`` or as written."""
    if stamp is None:
        return ""
    if stamp.uncertain is None:
        return stamp.minute
    return show_when(stamp.uncertain, tz, chinese=True)


def headers(columns: Iterable[Column], tz: str) -> list[str]:
    """The header row; the first time column names the zone of every time."""
    out = []
    zoned = False
    for column in columns:
        if column.time and not zoned:
            out.append(f"{column.header}（{zone_name(tz)}）")
            zoned = True
        else:
            out.append(column.header)
    return out


def gradings_text(row: LedgerRow, tz: str) -> str:
    """定级经过: each level the incident had and since when (only if it was re-graded)."""
    parts = []
    last: tuple[str, ...] = ()
    for g in row.gradings:
        text = f"{stamp_text(g.since, tz)} {g.level}"
        if g.categories != last:
            text += f"（{'、'.join(g.categories)}）"
            last = g.categories
        parts.append(text)
    return "；".join(parts)


CLOCK_ZH = {
    "graded": "定为{name}时起算",
    "wave": "第{name}波次开始时起算",
    "milestone": "{name}时起算",
    "stage": "进入{name}阶段时起算",
    "other": "起算",
}


def clock_text(row: LedgerRow, tz: str) -> str:
    """计时起点: where each milestone's clock started, when not at detection
    (``首次公开回应、发布权威信息：自2024-11-23 16:00定为特别重大时起算``)."""
    groups: dict[str, list[str]] = {}
    for m in row.milestones:
        if m.clock is not None and m.verdict is not None:
            said = (
                "自"
                + stamp_text(m.clock.at, tz)
                + CLOCK_ZH.get(m.clock.kind, "起算").format(name=m.clock.name)
            )
            groups.setdefault(said, []).append(m.name)
    return "；".join(f"{'、'.join(names)}：{said}" for said, names in groups.items())


def disposal_whole(row: LedgerRow) -> str:
    """处置情况 whole, one entry a line (the workbook)."""
    return "\n".join(" ".join(work_text(x).split()) for x in row.work)


def ledger_values(n: int, row: LedgerRow, tz: str, *, whole: bool = False) -> list[Any]:
    """One row's cells, in the order of :func:`yuqing_cli.services.ledger.columns`
    (处置情况 shortened, or ``whole``)."""
    voided = row.voided
    values: list[Any] = [
        n,
        row.ref,
        stamp_time(row.first_seen, tz),
        stamp_time(row.detected, tz),
        row.platform,
        row.title,
        row.url or "",
        row.summary,
        "、".join(row.categories),
        row.level,
        gradings_text(row, tz),
        row.sentiment,
        disposal_whole(row) if whole else row.disposal,
        "、".join(row.responsible),
    ]
    for m in row.milestones:
        values += [
            stamp_time(m.when, tz),
            m.elapsed,
            VERDICT_ZH.get(m.verdict, m.verdict) if m.verdict and not voided else "",
        ]
    values += [
        clock_text(row, tz),
        "" if voided else OVERDUE_ZH.get(row.overdue, row.overdue),
        row.first_response_kind,
        row.statements,
        heat_zh(row.heat) or row.heat_text,
        row.lead,
        stamp_time(row.first_closed, tz),
        stamp_time(row.closed, tz),
        yes(row.closed is not None),
        row.stage,
        row.waves,
        row.reporter,
        yes(row.exercise),
        yes(row.late_entry),
        stamp_time(row.recorded, tz),
        yes(voided),
        row.void_reason,
        row.duplicate_of,
    ]
    return values


def heat_zh(a: Assessment | None) -> str:
    """The latest assessment in the ledger's words, e.g. ``转发 15,000 · 热搜 12 · 上升``."""
    if a is None:
        return ""
    words = {"reads": "阅读", "reposts": "转发", "comments": "评论", "likes": "点赞"}
    parts = [f"{words[k]} {v:,}" for k, v in a.metrics.items() if k in words]
    if a.rank is not None:
        parts.append(f"热搜 {a.rank}")
    trend = {"rising": "上升", "steady": "平稳", "falling": "下降"}.get(a.trend or "")
    if trend:
        parts.append(trend)
    return " · ".join(parts)


# -- CSV -----------------------------------------------------------------------------------


def csv_text(value: Any) -> Any:
    """A typed cell as CSV text: times without zone or microseconds (seconds only when
    there are some), durations in Chinese, text safe from formula injection."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, timedelta):
        return zh_duration(value)
    if isinstance(value, str):
        return spreadsheet_safe(clean(value))
    return value


def write_rows(out: IO[str], header: list[str], rows: Iterable[list[Any]]) -> int:
    """Typed rows as CSV (CRLF lines, as spreadsheets expect); returns the rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
        count += 1
    return count


def _values(ledger: Ledger) -> Iterable[list[Any]]:
    return (ledger_values(n, r, ledger.tz) for n, r in enumerate(ledger.rows, 1))


def write_csv(ledger: Ledger, out: TextIO) -> int:
    """The ledger as CSV, written as its rows are read; returns the rows written."""
    return write_rows(out, headers(ledger.columns, ledger.tz), _values(ledger))


# -- JSON ----------------------------------------------------------------------------------


def write_json(ledger: Ledger, out: TextIO) -> None:
    from yuqing_cli.render.console import print_json_array

    print_json_array((ledger_dict(row, ledger.tz) for row in ledger.rows), out)


def write_json_lines(ledger: Ledger, out: TextIO) -> None:
    """One JSON object a line (no indentation), for programs that read line by line."""
    from yuqing_cli.render.safe import json_safe

    for row in ledger.rows:
        out.write(json_safe(json.dumps(ledger_dict(row, ledger.tz), ensure_ascii=False)) + "\n")


def _when(stamp: Stamp | None, tz: str) -> dict[str, Any] | None:
    return when_json(stamp.when, tz) if stamp is not None else None


def ledger_dict(row: LedgerRow, tz: str) -> dict[str, Any]:
    detected = row.detected.when
    return {
        "ref": row.ref,
        "title": row.title,
        "summary": row.summary,
        "platform": row.platform,
        "url": row.url,
        "level": row.level,
        "categories": list(row.categories),
        "sentiment": row.sentiment,
        "first_seen": _when(row.first_seen, tz),
        "detected": when_json(detected, tz),
        "detected_at": iso(detected.at, tz),
        "recorded_at": row.recorded.iso,
        "disposal": "；".join(work_text(x) for x in row.work),
        "work": [
            {
                "at": _when(x.when, tz),
                "kind": x.kind,
                "label": x.label or None,
                "text": x.text,
                "channel": x.channel or None,
            }
            for x in row.work
        ],
        "responsible": list(row.responsible),
        "responsible_external": list(row.external),
        "gradings": [
            {"since": _when(g.since, tz), "level": g.level, "categories": list(g.categories)}
            for g in row.gradings
        ],
        "milestones": {
            m.milestone: {
                "at": _when(m.when, tz),
                "elapsed_seconds": seconds(m.elapsed),
                "verdict": m.verdict,
                "late_by": seconds(m.late_by),
                "margin": seconds(m.margin),
                "clock_from": {
                    "kind": m.clock.kind,
                    "at": _when(m.clock.at, tz),
                    "name": m.clock.name or None,
                }
                if m.clock
                else None,
            }
            for m in row.milestones
        },
        "overdue": row.overdue,
        "first_closed": _when(row.first_closed, tz),
        "closed": _when(row.closed, tz),
        "stage": row.stage,
        "waves": row.waves,
        "reporter": row.reporter,
        "spokesperson": row.spokesperson,
        "exercise": row.exercise,
        "imported": row.imported,
        "late_entry": row.late_entry,
        "voided": row.voided,
        "void_reason": row.void_reason or None,
        "duplicate_of": row.duplicate_of or None,
        "first_response_kind": row.first_response_kind or None,
        "statements": row.statements,
        "heat": assessment_json(row.heat, tz) if row.heat else None,
        "heat_as_imported": row.heat_text or None,
        "lead": row.lead or None,
    }
