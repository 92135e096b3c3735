"""Tables in the daily report's Word document: column widths from their content (a
column of references or times is as wide as they are: never broken), a header row
repeated on every page, rows never split across pages, the last two kept together."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from yuqing_cli.render.doc import Cell, Table, Value
from yuqing_cli.render.word_xml import (
    CELL_MARGIN_PT,
    HEADING,
    TABLE_PT,
    TEXT_WIDTH_PT,
    add_run,
    alignment,
    element,
    off_grid,
    text_of,
    twips,
)

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import _Cell


def add_table(word: DocxDocument, spec: Table) -> None:
    """``spec`` as a table across the type area, centred."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    columns = len(spec.header)
    table = word.add_table(rows=1, cols=columns)
    table.style = "Table Grid"
    table.autofit = False
    widths = [Pt(w) for w in column_widths(spec, TEXT_WIDTH_PT)]
    tblpr = table._tbl.tblPr
    element(tblpr, "jc", val="center")
    margins = element(tblpr, "tblCellMar")
    for side in ("left", "right"):
        element(margins, side, w=twips(CELL_MARGIN_PT), type="dxa")
    rows = [table.rows[0]] + [table.add_row() for _ in spec.rows]
    _cells(rows[0].cells, [Cell(h, "head") for h in spec.header], widths)
    for row, values in zip(rows[1:], spec.rows, strict=True):
        _cells(row.cells, values, widths)
    for i, row in enumerate(rows):
        trpr = row._tr.get_or_add_trPr()
        element(trpr, "cantSplit")  # a row is never split across pages
        if i == 0:
            element(trpr, "tblHeader")  # repeated on every page
        # The header keeps with the first row, and the last two rows keep together (a
        # short table keeps whole): no row left alone on a page.
        keep = i == 0 or i >= len(rows) - 2 or len(rows) <= 8
        if keep and i < len(rows) - 1:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True
    for i, column in enumerate(table.columns):
        column.width = widths[i]
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(width.twips))
    after = word.add_paragraph()
    off_grid(after, TABLE_PT)
    after.paragraph_format.line_spacing = Pt(TABLE_PT * 0.8)


def _cells(cells: Any, values: Any, widths: list[Any]) -> None:
    for cell, value, width in zip(cells, values, widths, strict=True):
        _cell(cell, value, width)


def _cell(cell: _Cell, value: Value, width: Any) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    cell.width = width
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    item = value if isinstance(value, Cell) else Cell(value)
    for n, line in enumerate(item.text.split("\n") or [""]):
        paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
        element(paragraph._p.get_or_add_pPr(), "ind", firstLine="0", firstLineChars="0")
        off_grid(paragraph, TABLE_PT * 1.25)
        paragraph.alignment = alignment("center" if item.style == "head" else "left")
        add_run(
            paragraph,
            line,
            font=HEADING if item.style == "head" else "",
            size=TABLE_PT,
            bold="bold" in item.style,
            red="red" in item.style,
        )


# How wide table text (五号, 10.5 pt) is, in ems: a Chinese character takes one; Latin
# letters, digits and signs as Times New Roman draws them (generously); and a cell's
# margins, in points.
_WIDE_EM, _UPPER_EM, _OTHER_EM = 1.0, 0.72, 0.5
_NARROW_EM = dict.fromkeys("-:.,;'|!()[]/ ilfjtI", 0.34)
PADDING_PT = 2 * CELL_MARGIN_PT + 6.0
SHORT_PT = 4 * TABLE_PT + PADDING_PT  # a column is given four characters before any wider


def _em(c: str) -> float:
    if unicodedata.east_asian_width(c) in "WF":
        return _WIDE_EM
    if c in _NARROW_EM:
        return _NARROW_EM[c]
    return _UPPER_EM if c.isupper() else _OTHER_EM


def _natural(text: str) -> float:
    """The width (pt) a cell needs to hold each line of ``text`` on one line."""
    longest = max((sum(_em(c) for c in line) for line in text.split("\n")), default=0.0)
    return PADDING_PT + longest * TABLE_PT * 1.04


def column_widths(table: Table, total: float) -> list[float]:
    """Widths (pt) across ``total``: a column that must stay whole (references, times)
    takes what its longest cell needs; the others start at four characters (or less, if
    that holds them) and share the rest by their relative ``widths`` up to what they
    need; what is left widens the columns of running text."""
    n = len(table.header)
    weights = [max(float(w), 0.5) for w in table.widths] if len(table.widths) == n else [1.0] * n
    whole = list(table.whole) if len(table.whole) == n else [False] * n
    natural = [
        max(_natural(text_of(v)) for v in column)
        for column in zip(table.header, *table.rows, strict=True)
    ]
    widths = [
        min(natural[i], total * 0.4) if whole[i] else min(natural[i], SHORT_PT) for i in range(n)
    ]
    room = total - sum(widths)
    while room > 0.5:
        wanting = [i for i in range(n) if not whole[i] and widths[i] < natural[i] - 0.5]
        if not wanting:
            break
        weight = sum(weights[i] for i in wanting)
        given = 0.0
        for i in wanting:
            add = min(room * weights[i] / weight, natural[i] - widths[i])
            widths[i] += add
            given += add
        room -= given
    if room > 0.5:  # every column holds its text: the rest to the running text
        text = [i for i in range(n) if not whole[i]] or list(range(n))
        weight = sum(weights[i] for i in text)
        for i in text:
            widths[i] += room * weights[i] / weight
    used = sum(widths)
    return [w * min(1.0, total / used) for w in widths]
