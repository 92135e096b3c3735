"""The ledger (台账) as the office files it: CSV, JSON and an Excel workbook.

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
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import IO, Any, TextIO

from yuqing_cli.plan.state import Assessment
from yuqing_cli.render.safe import clean, spreadsheet_safe
from yuqing_cli.render.substance_view import assessment_json
from yuqing_cli.render.times import iso, seconds, when_json
from yuqing_cli.services.ledger import Column, Ledger, LedgerRow, Stamp, zone_name
from yuqing_cli.timeutil import local
from yuqing_cli.when import When, show_when

VERDICT_ZH = {
    "pending": "未到期",
    "met": "按时",
    "missed": "超时",
    "waived": "免除",
    "undeterminable": "无法判定",
}
OVERDUE_ZH = {"missed": "是", "undeterminable": "无法判定", None: "否"}


def yes(value: bool) -> str:
    return "是" if value else "否"


def zh_duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{mins}分"
    return f"{mins}分钟"


def cell_time(when: When | None, tz: str) -> datetime | str | None:
    """An exactly known time as a local ``datetime`` (no zone, no microseconds); an
    uncertain one as written, in Chinese (``2020-02-26 下午``)."""
    if when is None:
        return None
    if when.is_exact:
        return local(when.at, tz).replace(tzinfo=None, microsecond=0)
    return show_when(when, tz, chinese=True)


def stamp_time(stamp: Stamp | None, tz: str) -> datetime | str | None:
    """A ledger time as :func:`cell_time` gives it."""
    if stamp is None:
        return None
    if stamp.uncertain is None:
        return datetime.fromisoformat(stamp.iso).replace(tzinfo=None, microsecond=0)
    return cell_time(stamp.uncertain, tz)


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


def ledger_values(n: int, row: LedgerRow, tz: str) -> list[Any]:
    """One row's cells, in the order of :func:`yuqing_cli.services.ledger.columns`."""
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
        row.sentiment,
        row.disposal,
        "、".join(row.responsible),
    ]
    for m in row.milestones:
        values += [
            stamp_time(m.when, tz),
            m.elapsed,
            VERDICT_ZH.get(m.verdict, m.verdict) if m.verdict else "",
        ]
    values += [
        OVERDUE_ZH.get(row.overdue, row.overdue),
        row.first_response_kind,
        row.statements,
        heat_zh(row.heat),
        row.lead,
        stamp_time(row.first_closed, tz),
        stamp_time(row.closed, tz),
        yes(row.closed is not None),
        row.stage,
        row.waves,
        row.reporter,
        yes(row.exercise),
        yes(row.late_entry),
        yes(row.voided),
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
        "disposal": row.disposal,
        "responsible": list(row.responsible),
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
        "first_response_kind": row.first_response_kind or None,
        "statements": row.statements,
        "heat": assessment_json(row.heat, tz) if row.heat else None,
        "lead": row.lead or None,
    }


# -- XLSX ----------------------------------------------------------------------------------

MAX_WIDTH = 50  # characters (a Chinese character counts two)
DATE_FORMAT = "yyyy-mm-dd hh:mm"
DURATION_FORMAT = '[h]"小时"mm"分"'


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: wide (Chinese) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(DATE_FORMAT)
    if isinstance(value, timedelta):
        return 10
    return display_width(str(value))


def write_xlsx(
    target: str | IO[bytes],
    header: list[str],
    rows: Iterable[list[Any]],
    *,
    sheet: str,
) -> None:
    """A workbook of one sheet: typed cells, a bold frozen header, filters on every
    column, widths that fit the text. Rows are written as they come (constant memory).

    Text is always written as text — a title beginning ``=`` stays the text it is,
    never a formula — and times as date cells in the plan's zone.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": False,
        },
    )
    bold = workbook.add_format({"bold": True, "valign": "vcenter", "bg_color": "#DDEBF7"})
    when = workbook.add_format({"num_format": DATE_FORMAT})
    took = workbook.add_format({"num_format": DURATION_FORMAT})
    sheet_ = workbook.add_worksheet(sheet)
    widths = [display_width(h) for h in header]
    for c, text in enumerate(header):
        sheet_.write_string(0, c, text, bold)
    last = 0
    for r, values in enumerate(rows, 1):
        last = r
        for c, value in enumerate(values):
            widths[c] = max(widths[c], _width(value))
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet_.write_string(r, c, yes(value))
            elif isinstance(value, datetime):
                sheet_.write_datetime(r, c, value, when)
            elif isinstance(value, timedelta):
                sheet_.write_number(r, c, value.total_seconds() / 86400, took)
            elif isinstance(value, int | float):
                sheet_.write_number(r, c, value)
            else:
                sheet_.write_string(r, c, str(value))
    sheet_.freeze_panes(1, 0)
    sheet_.autofilter(0, 0, max(last, 1), len(header) - 1)
    for c, width in enumerate(widths):
        # room for the filter button beside the header
        sheet_.set_column(c, c, min(width + 3, MAX_WIDTH))
    workbook.close()


def ledger_xlsx(target: str | IO[bytes], ledger: Ledger) -> None:
    write_xlsx(target, headers(ledger.columns, ledger.tz), _values(ledger), sheet="台账")
