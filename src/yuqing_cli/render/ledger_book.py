"""The ledger (台账) as an Excel workbook a clerk prints and hands to an inspection.

Three sheets, written as the rows are read (constant memory):

- **台账**, the printed ledger: a title row (the unit, 舆情台账, the period), one row per
  incident in thirteen columns that say what happened — 处置情况 whole, 节点时限 with each
  milestone's time, elapsed time and verdict, 办结情况, and 备注 for everything else
  (补录 with its recording date, 作废 with its reason, where a clock started…). Thin
  borders, wrapped text with row heights that show it, landscape, one page wide (A4 or
  A3), the header repeated on every page, page numbers in the footer.
- **统计**, the period's figures by level, category, month and verdict (values, with
  totals as formulas).
- **明细**, every column of the ledger flat, as the CSV has them: typed cells, a frozen
  header and filters. ``yq import`` reads this sheet back.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import IO, Any

from yuqing_cli.render.ledger_view import (
    VERDICT_ZH,
    clock_text,
    disposal_whole,
    gradings_text,
    headers,
    heat_zh,
    ledger_values,
    stamp_text,
    stamp_time,
    yes,
    zh_duration,
)
from yuqing_cli.services.ledger import Ledger, LedgerRow
from yuqing_cli.timeutil import local

PRINTED = "台账"
STATS = "统计"
DETAIL = "明细"  # the sheet ``yq import`` reads

MAX_WIDTH = 50  # characters of a 明细 column (a Chinese character counts two)
DATE_FORMAT = "yyyy-mm-dd hh:mm"
DAY_FORMAT = "yyyy-mm-dd"
DURATION_FORMAT = '[h]"小时"mm"分"'
FONT = "宋体"
SIZE = 10  # points, the printed ledger's text
LINE = 15  # points a wrapped line of it takes (CJK fonts run taller than Latin ones)
PAPER = {"A4": 9, "A3": 8}  # Excel's paper codes

# The printed ledger's columns: header and width (Excel's units: about one Latin
# character; a Chinese character takes two).
PRINTED_COLUMNS = (
    ("序号", 5),
    ("编号", 15),
    ("发现时间", 11),
    ("来源平台", 8),
    ("标题", 18),
    ("摘要", 26),
    ("类别", 8),
    ("级别", 8),
    ("处置情况", 32),
    ("责任人", 8),
    ("节点时限", 26),
    ("办结情况", 11),
    ("备注", 16),
)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: wide (Chinese) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(DATE_FORMAT)
    if isinstance(value, date):
        return len(DAY_FORMAT)
    if isinstance(value, timedelta):
        return 10
    return max((display_width(x) for x in str(value).split("\n")), default=0)


def _lines(value: Any, width: int) -> int:
    """Lines a wrapped cell of ``width`` takes (a little room kept at each edge)."""
    if value is None or isinstance(value, datetime | date | timedelta | int | float):
        return 1
    room = max(width - 2, 1)
    return sum(max(1, math.ceil(display_width(p) / room)) for p in str(value).split("\n"))


# -- the printed ledger's cells ------------------------------------------------------------


def _period(ledger: Ledger) -> str:
    """The period in the title: the one asked for, else the first and last detection."""
    tz = ledger.tz
    first = local(ledger.since, tz).date() if ledger.since else None
    last = local(ledger.until - timedelta(seconds=1), tz).date() if ledger.until else None
    first = first or (local(ledger.first, tz).date() if ledger.first else None)
    last = last or (local(ledger.last, tz).date() if ledger.last else None)
    if first is None or last is None:
        return ""

    def day(d: date) -> str:
        return f"{d.year}年{d.month}月{d.day}日"

    return day(first) if first == last else f"{day(first)}至{day(last)}"


def _milestones_cell(row: LedgerRow, tz: str) -> str:
    """节点时限: each milestone reached or due (``报告领导小组：11-23 13:00，超时``)."""
    lines = []
    for m in row.milestones:
        said = []
        if m.when is not None:
            said.append(stamp_text(m.when, tz)[5:] if m.when.is_exact else stamp_text(m.when, tz))
        if m.elapsed is not None:
            said.append(f"用时{zh_duration(m.elapsed)}")
        if m.verdict and not row.voided:
            said.append(VERDICT_ZH.get(m.verdict, m.verdict))
        if said:
            lines.append(f"{m.name}：{'，'.join(said)}")
    return "\n".join(lines)


def _time_cell(value: Any) -> Any:
    """A time in the printed ledger: the day above the hour, to stay narrow."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d\n%H:%M")
    return value


def _closing_cell(row: LedgerRow, tz: str) -> str:
    if row.closed is not None:
        text = f"已办结\n{stamp_text(row.closed, tz)}"
    else:
        text = f"未办结（{row.stage}）"
    return text + (f"\n第{row.waves}波次" if row.waves > 1 else "")


def _remarks_cell(row: LedgerRow, tz: str) -> str:
    lines = []
    if row.voided:
        lines.append(
            "作废"
            + (f"：{row.void_reason}" if row.void_reason else "")
            + (f"（重复于{row.duplicate_of}）" if row.duplicate_of else "")
        )
    if row.late_entry:
        lines.append(
            f"补录（{row.recorded.iso[:10]}录入）" + ("，台账导入" if row.imported else "")
        )
    if row.exercise:
        lines.append("演练")
    if row.lead:
        lines.append(f"牵头单位：{row.lead}")
    if row.gradings:
        lines.append(f"定级：{gradings_text(row, tz)}")
    if row.first_seen is not None:
        lines.append(f"首发：{stamp_text(row.first_seen, tz)}")
    if row.statements:
        kind = f"，首次为{row.first_response_kind}" if row.first_response_kind else ""
        lines.append(f"公开回应{row.statements}次{kind}")
    heat = heat_zh(row.heat) or row.heat_text
    if heat:
        lines.append(f"热度：{heat}")
    clock = clock_text(row, tz)
    if clock:
        lines.append(f"计时：{clock}")
    return "\n".join(lines)


def printed_values(n: int, row: LedgerRow, tz: str) -> list[Any]:
    """One row of the printed ledger, in the order of :data:`PRINTED_COLUMNS`."""
    return [
        n,
        row.ref,
        _time_cell(stamp_time(row.detected, tz)),
        row.platform,
        row.title,
        row.summary,
        "、".join(row.categories),
        row.level,
        disposal_whole(row),
        "、".join(row.responsible),
        _milestones_cell(row, tz),
        _closing_cell(row, tz),
        _remarks_cell(row, tz),
    ]


# -- the figures ---------------------------------------------------------------------------


class Figures:
    """The period's figures, counted as the rows go by (voided rows apart)."""

    def __init__(self, ledger: Ledger) -> None:
        # levels and categories in the plan's order, months as they come (oldest first)
        self.by: dict[str, dict[str, Counter[str]]] = {
            "级别": {x: Counter() for x in ledger.levels},
            "类别": {x: Counter() for x in ledger.categories},
            "月份": {},
        }
        milestones = [name for _id, name in ledger.milestones]
        self.verdicts: dict[str, Counter[str]] = {m: Counter() for m in milestones}
        self.voided = 0
        self.total = 0

    def add(self, row: LedgerRow) -> None:
        if row.voided:
            self.voided += 1
            return
        self.total += 1
        keys = {
            "级别": [row.level],
            "类别": list(row.categories),
            "月份": [row.detected.iso[:7]],
        }
        for table, names in keys.items():
            for name in names:
                counts = self.by[table].setdefault(name, Counter())
                counts["件数"] += 1
                counts["已办结" if row.closed is not None else "未办结"] += 1
                counts["有超时"] += row.overdue == "missed"
        for m in row.milestones:
            if m.verdict:
                self.verdicts.setdefault(m.name, Counter())[VERDICT_ZH.get(m.verdict, "")] += 1


FIGURE_COLUMNS = ("件数", "已办结", "未办结", "有超时")
VERDICT_COLUMNS = ("按时", "超时", "无法判定", "未到期", "未记录", "免除")


# -- the workbook --------------------------------------------------------------------------


class _Formats:
    def __init__(self, book: Any) -> None:
        base = {"font_name": FONT, "font_size": SIZE, "valign": "top", "border": 1}
        wrap = {**base, "text_wrap": True}
        self.title = book.add_format(
            {"font_name": FONT, "font_size": 16, "bold": True, "align": "center"}
        )
        self.subtitle = book.add_format({"font_name": FONT, "font_size": SIZE, "align": "center"})
        self.header = book.add_format(
            {**wrap, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#DDEBF7"}
        )
        self.text = book.add_format(wrap)
        self.center = book.add_format({**wrap, "align": "center"})
        self.when = book.add_format({**base, "num_format": DATE_FORMAT, "align": "left"})
        self.day = book.add_format({**base, "num_format": DAY_FORMAT, "align": "left"})
        self.took = book.add_format({**base, "num_format": DURATION_FORMAT})
        self.number = book.add_format(base)
        self.bold = book.add_format({**base, "bold": True})
        # the flat sheet: no borders, no wrapping
        self.flat_header = book.add_format(
            {"bold": True, "valign": "vcenter", "bg_color": "#DDEBF7"}
        )
        self.flat_when = book.add_format({"num_format": DATE_FORMAT, "align": "left"})
        self.flat_day = book.add_format({"num_format": DAY_FORMAT, "align": "left"})
        self.flat_took = book.add_format({"num_format": DURATION_FORMAT})


def _write(sheet: Any, r: int, c: int, value: Any, f: _Formats, *, flat: bool) -> None:
    """A typed cell: text always as text (a title beginning ``=`` stays text), times as
    date cells, durations as numbers shown in hours and minutes."""
    if value is None or value == "":
        if not flat:
            sheet.write_blank(r, c, None, f.text)
        return
    if isinstance(value, bool):
        sheet.write_string(r, c, yes(value), None if flat else f.text)
    elif isinstance(value, datetime):
        sheet.write_datetime(r, c, value, f.flat_when if flat else f.when)
    elif isinstance(value, date):
        at = datetime(value.year, value.month, value.day)
        sheet.write_datetime(r, c, at, f.flat_day if flat else f.day)
    elif isinstance(value, timedelta):
        sheet.write_number(r, c, value.total_seconds() / 86400, f.flat_took if flat else f.took)
    elif isinstance(value, int | float):
        sheet.write_number(r, c, value, None if flat else f.number)
    else:
        sheet.write_string(r, c, str(value), None if flat else f.text)


def _print_setup(sheet: Any, paper: str, *, landscape: bool = True) -> None:
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(PAPER.get(paper, PAPER["A4"]))
    sheet.fit_to_pages(1, 0)  # one page wide, as many tall as it takes
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.center_horizontally()
    sheet.set_footer("&C第 &P 页，共 &N 页")


def write_ledger_book(target: str | IO[bytes], ledger: Ledger) -> int:
    """The workbook, written as the ledger's rows are read; returns the rows written."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": False,
        },
    )
    f = _Formats(book)
    printed = book.add_worksheet(PRINTED)
    stats = book.add_worksheet(STATS)
    detail = book.add_worksheet(DETAIL)
    period = _period(ledger)
    _printed_head(printed, ledger, period, f)
    header = headers(ledger.columns, ledger.tz)
    widths = [display_width(h) for h in header]
    for c, text in enumerate(header):
        detail.write_string(0, c, text, f.flat_header)
    figures = Figures(ledger)
    count = 0
    for n, row in enumerate(ledger.rows, 1):
        count = n
        figures.add(row)
        _printed_row(printed, 2 + n, printed_values(n, row, ledger.tz), f)
        for c, value in enumerate(ledger_values(n, row, ledger.tz, whole=True)):
            widths[c] = max(widths[c], _width(value))
            _write(detail, n, c, value, f, flat=True)
    last = 2 + count
    printed.autofilter(2, 0, max(last, 3), len(PRINTED_COLUMNS) - 1)
    detail.freeze_panes(1, 0)
    detail.autofilter(0, 0, max(count, 1), len(header) - 1)
    for c, width in enumerate(widths):
        detail.set_column(c, c, min(width + 3, MAX_WIDTH))  # room for the filter button
    _print_setup(detail, ledger.paper)
    detail.repeat_rows(0)
    _figures_sheet(stats, ledger, period, figures, f)
    book.close()
    return count


def _printed_head(sheet: Any, ledger: Ledger, period: str, f: _Formats) -> None:
    last = len(PRINTED_COLUMNS) - 1
    sheet.set_row(0, 24)
    sheet.merge_range(0, 0, 0, last, f"{ledger.unit}舆情台账", f.title)
    sheet.merge_range(1, 0, 1, last, f"（{period}）" if period else "", f.subtitle)
    sheet.set_row(2, LINE + 6)
    for c, (text, width) in enumerate(PRINTED_COLUMNS):
        sheet.set_column(c, c, width)
        sheet.write_string(2, c, text, f.header)
    sheet.freeze_panes(3, 0)
    sheet.repeat_rows(2)  # the header on every page
    _print_setup(sheet, ledger.paper)


def _printed_row(sheet: Any, r: int, values: list[Any], f: _Formats) -> None:
    lines = max(_lines(v, w) for v, (_h, w) in zip(values, PRINTED_COLUMNS, strict=True))
    sheet.set_row(r, lines * LINE + 4)
    for c, value in enumerate(values):
        if c == 0:
            sheet.write_number(r, c, value, f.center)
        else:
            _write(sheet, r, c, value, f, flat=False)


def _figures_sheet(sheet: Any, ledger: Ledger, period: str, figures: Figures, f: _Formats) -> None:
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 6, 10)
    sheet.merge_range(0, 0, 0, 6, f"{ledger.unit}舆情台账统计", f.title)
    note = f"（{period}）共{figures.total}件" if period else f"共{figures.total}件"
    if figures.voided:
        note += f"，另有作废{figures.voided}件不计入"
    sheet.merge_range(1, 0, 1, 6, note, f.subtitle)
    r = 3
    for title, table in figures.by.items():
        r = _table(sheet, r, f"按{title}", FIGURE_COLUMNS, _rows(table, FIGURE_COLUMNS), f)
    verdicts = {name: counts for name, counts in figures.verdicts.items() if counts}
    r = _table(sheet, r, "时限结论", VERDICT_COLUMNS, _rows(verdicts, VERDICT_COLUMNS), f)
    _print_setup(sheet, ledger.paper, landscape=False)


def _rows(table: dict[str, Counter[str]], names: tuple[str, ...]) -> Iterator[list[Any]]:
    for key, counts in table.items():
        yield [key, *(counts[n] for n in names)]


def _table(
    sheet: Any,
    r: int,
    title: str,
    names: tuple[str, ...],
    rows: Iterable[list[Any]],
    f: _Formats,
) -> int:
    """A table with a 合计 row (sums as formulas, their values written too); returns the
    row after it and a blank line."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    sheet.write_string(r, 0, title, f.header)
    for c, name in enumerate(names, 1):
        sheet.write_string(r, c, name, f.header)
    first = r + 1
    totals = [0] * len(names)
    for values in rows:
        r += 1
        sheet.write_string(r, 0, str(values[0]), f.text)
        for c, value in enumerate(values[1:], 1):
            sheet.write_number(r, c, value, f.number)
            totals[c - 1] += value
    r += 1
    sheet.write_string(r, 0, "合计", f.bold)
    for c, total in enumerate(totals, 1):
        if r > first:
            cells = f"{xl_rowcol_to_cell(first, c)}:{xl_rowcol_to_cell(r - 1, c)}"
            sheet.write_formula(r, c, f"=SUM({cells})", f.bold, total)
        else:
            sheet.write_number(r, c, 0, f.bold)
    return r + 2
