"""The ledger (台账) as CSV and JSON, written row by row as the rows are read.

The ledger is the office's Chinese document: its words are Chinese whatever the
interface language. Each writer takes the ledger's rows as an iterable and writes to a
text stream, so a ledger of any length is written in constant memory; another format
can use :func:`header` and :func:`cells` the same way.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TextIO

from yuqing_cli.render.safe import FORMULA_START, clean, has_control
from yuqing_cli.render.times import iso, seconds, when_json
from yuqing_cli.services.ledger import Ledger, LedgerRow, MilestoneEntry, Stamp
from yuqing_cli.timeutil import local
from yuqing_cli.when import show_when

_VERDICT_ZH = {
    "pending": "未到期",
    "met": "按时",
    "missed": "超时",
    "waived": "免除",
    "undeterminable": "无法判定",
}
_YES = {True: "是", False: "否"}


def zh_duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{mins}分"
    return f"{mins}分钟"


def cell_time(stamp: Stamp | None, tz: str) -> str:
    """A time for a spreadsheet: ``2024-11-23 09:15`` (the zone is in the header), or as
    written when it is not exactly known."""
    if stamp is None:
        return ""
    when = stamp.uncertain
    if when is None:
        return stamp.minute
    if when.is_exact:
        return local(when.at, tz).strftime("%Y-%m-%d %H:%M")
    return show_when(when, tz)


def header(ledger: Ledger) -> list[str]:
    cells = ["序号", "编号", f"首发时间（{ledger.tz}）", "发现时间", "平台", "标题", "链接", "摘要",
             "类别", "级别", "倾向"]  # fmt: skip
    for _id, name in ledger.milestones:
        cells += [f"{name}时间", f"{name}用时", f"{name}结论"]
    cells += ["首次办结时间", "办结时间", "是否办结", "当前阶段", "波次", "报告人", "发言人",
              "演练", "补录", "作废"]  # fmt: skip
    return cells


def cells(n: int, row: LedgerRow, ledger: Ledger) -> list[Any]:
    """One row's cells, in the order of :func:`header` (milestones by the header's ids)."""
    tz = ledger.tz
    first_seen, detected, first_closed, closed = (
        row.first_seen, row.detected, row.first_closed, row.closed
    )  # fmt: skip
    out: list[Any] = [
        n,
        row.ref,
        "" if first_seen is None else _minute(first_seen, tz),
        _minute(detected, tz),
        row.platform,
        row.title,
        row.url,
        row.summary,
        row.categories[0] if len(row.categories) == 1 else "、".join(row.categories),
        row.level,
        row.sentiment,
    ]
    entries: Sequence[MilestoneEntry] = row.milestones
    if len(entries) != len(ledger.milestones) or any(
        m.milestone != wanted for m, (wanted, _name) in zip(entries, ledger.milestones, strict=True)
    ):
        by_id = {m.milestone: m for m in entries}
        entries = [by_id.get(m) or _NONE for m, _name in ledger.milestones]
    for m in entries:
        when, elapsed, verdict = m.when, m.elapsed, m.verdict
        out += [
            "" if when is None else _minute(when, tz),
            "" if elapsed is None else zh_duration(elapsed),
            "" if verdict is None else _VERDICT_ZH.get(verdict, verdict),
        ]
    out += [
        "" if first_closed is None else _minute(first_closed, tz),
        "" if closed is None else _minute(closed, tz),
        _YES[closed is not None],
        row.stage,
        row.waves,
        row.reporter,
        row.spokesperson or "",
        _YES[row.exercise],
        _YES[row.late_entry],
        _YES[row.voided],
    ]
    return out


def _minute(stamp: Stamp, tz: str) -> str:
    if stamp.uncertain is None:
        iso = stamp.iso
        return f"{iso[:10]} {iso[11:16]}"
    return cell_time(stamp, tz)


_NONE = MilestoneEntry("", "", None, None, None, None, None)


def spreadsheet_cells(row: list[Any]) -> list[Any]:
    """Cells a spreadsheet shows as written: control characters made visible, a text
    that would start a formula prefixed with a quote (None is written as empty). Two
    searches over the row's text decide whether any cell needs either."""
    joined = "\n".join([v for v in row if type(v) is str])
    if has_control(joined):
        row = [clean(v) if type(v) is str else v for v in row]
    elif not _FORMULA_LINE.search(joined):
        return row
    return ["'" + v if type(v) is str and v.startswith(FORMULA_START) else v for v in row]


# A line of the joined cells that starts as a formula would (a cell, or a line in one).
_FORMULA_LINE = re.compile("(?:^|\n)[" + re.escape("".join(FORMULA_START)) + "]")


def write_csv(ledger: Ledger, out: TextIO) -> int:
    """The ledger as CSV (CRLF lines, as spreadsheets expect); returns the rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(ledger))
    n = 0
    for n, row in enumerate(ledger.rows, 1):
        writer.writerow(spreadsheet_cells(cells(n, row, ledger)))
    return n


def write_json(ledger: Ledger, out: TextIO) -> None:
    from yuqing_cli.render.console import print_json_array

    print_json_array((row_json(row, ledger.tz) for row in ledger.rows), out)


def write_json_lines(ledger: Ledger, out: TextIO) -> None:
    """One JSON object a line (no indentation), for programs that read line by line."""
    import json

    from yuqing_cli.render.safe import json_safe

    for row in ledger.rows:
        out.write(json_safe(json.dumps(row_json(row, ledger.tz), ensure_ascii=False)) + "\n")


def _when(stamp: Stamp | None, tz: str) -> dict[str, Any] | None:
    return when_json(stamp.when, tz) if stamp is not None else None


def row_json(row: LedgerRow, tz: str) -> dict[str, Any]:
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
        "milestones": {
            m.milestone: {
                "at": _when(m.when, tz),
                "elapsed_seconds": seconds(m.elapsed),
                "verdict": m.verdict,
                "late_by": seconds(m.late_by),
                "margin": seconds(m.margin),
            }
            for m in row.milestones
        },
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
    }
