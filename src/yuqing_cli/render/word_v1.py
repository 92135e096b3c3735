"""A document of the first layout (:mod:`yuqing_cli.render.doc_v1`) as a Word document,
kept unchanged to print reports issued in that layout again, byte for byte.

The page follows the usual layout of an office document in China (GB/T 9704): A4,
margins of 3.7/3.5/2.8/2.6 cm, a red masthead with the document's name and number, a
line with the issuing unit and the date over a red rule, headings numbered 一、二、…
in a Chinese document, tables across the text width in the proportions the document
gives. Fonts are named with their Chinese forms (仿宋, 黑体, 宋体); Word and WPS use
them where installed and their own fallbacks elsewhere.

The file is the same, byte for byte, for the same document: its parts carry a fixed
time, so an issued report printed again gives the same file.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import TYPE_CHECKING, Any

from yuqing_cli.render.doc_v1 import Cell, Doc, Section, Value, masthead_name
from yuqing_cli.render.safe import clean

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
RED = (0xC0, 0x00, 0x00)
# A4 and the margins of GB/T 9704 (cm).
PAGE = (21.0, 29.7)
MARGINS = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}
CHINESE_NUMERALS = "一二三四五六七八九十"
_CJK = re.compile(r"[\u4e00-\u9fff]")
# XML 1.0 allows tab, newline, carriage return and these ranges only.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _safe(text: str) -> str:
    """Untrusted text for a Word run: controls visible (``\\x1b``), nothing XML forbids."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", clean(text))


def to_docx(doc: Doc, *, created: datetime | None = None, stamp: str = "") -> bytes:
    """The document as a .docx file. ``created`` is the time the file says it was made
    (default: a fixed one); ``stamp`` is printed small in every page's footer (e.g. the
    content hash of an issued report)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    word = Document()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE[0]), Cm(PAGE[1])
    section.top_margin, section.bottom_margin = Cm(MARGINS["top"]), Cm(MARGINS["bottom"])
    section.left_margin, section.right_margin = Cm(MARGINS["left"]), Cm(MARGINS["right"])
    _styles(word)
    chinese = bool(_CJK.search(doc.masthead.name if doc.masthead else doc.title))
    if doc.masthead is not None:
        _masthead(word, doc)
    else:
        _para(word, doc.title, size=18, bold=True, font=TITLE_FONT, align="center")
    for line in doc.subtitle:
        _para(word, line, size=10.5, grey=True)
    for note in doc.notes:
        _para(word, note, size=10.5, grey=True)
    for n, part in enumerate(doc.sections):
        heading = f"{_numeral(n + 1)}、{part.title}" if chinese else part.title
        _para(word, heading, size=14, font=HEADING_FONT, space_before=10, keep_with_next=True)
        _section(word, part)
    if doc.footer:
        _para(word, "", size=6)
        for line in doc.footer:
            _para(word, line, size=9, grey=True)
    _page_footer(word, stamp)
    props = word.core_properties
    props.title = _safe(doc.title)
    props.author = _safe(doc.masthead.unit if doc.masthead else "")
    props.comments = ""
    props.last_modified_by = ""
    props.revision = 1
    fixed = (created or datetime(2000, 1, 1)).replace(microsecond=0)
    props.created = props.modified = fixed
    buffer = io.BytesIO()
    word.save(buffer)
    return _normalised(buffer.getvalue())


def _normalised(data: bytes) -> bytes:
    """The same zip with a fixed time on every entry: one document, one file."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _numeral(n: int) -> str:
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (
        (CHINESE_NUMERALS[tens - 1] if tens > 1 else "")
        + "十"
        + (CHINESE_NUMERALS[ones - 1] if ones else "")
    )


# -- styles and runs ------------------------------------------------------------------------


def _east_asian(run_or_style: Any, font: str) -> None:
    """Name the font for Chinese characters too (Word keeps it apart: w:eastAsia)."""
    from docx.oxml.ns import qn

    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), font)


def _styles(word: DocxDocument) -> None:
    from docx.shared import Pt

    normal: Any = word.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(12)
    _east_asian(normal, BODY_FONT)
    normal.paragraph_format.space_after = Pt(2)


def _para(
    word: DocxDocument,
    value: Value,
    *,
    size: float = 12,
    bold: bool = False,
    font: str = "",
    align: str = "",
    grey: bool = False,
    red: bool = False,
    space_before: float = 0,
    keep_with_next: bool = False,
    indent: bool = False,
) -> Paragraph:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    paragraph = word.add_paragraph()
    if align:
        paragraph.alignment = {
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
        }[align]
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(space_before)
    fmt.keep_with_next = keep_with_next
    if indent:
        fmt.left_indent = Cm(0.4)
    cell = value if isinstance(value, Cell) else Cell(value)
    if cell.text:
        run = paragraph.add_run(_safe(cell.text))
        run.font.size = Pt(size)
        run.bold = bold or "bold" in cell.style
        if font:
            _east_asian(run, font)
        if red or "red" in cell.style:
            run.font.color.rgb = RGBColor(*RED)
        elif grey:
            run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    return paragraph


def _rule(paragraph: Paragraph) -> None:
    """A red line under the paragraph (the rule under the masthead)."""
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    border = ppr.makeelement(qn("w:pBdr"), {})
    bottom = border.makeelement(
        qn("w:bottom"),
        {qn("w:val"): "single", qn("w:sz"): "18", qn("w:space"): "4", qn("w:color"): "C00000"},
    )
    border.append(bottom)
    ppr.append(border)


def _masthead(word: DocxDocument, doc: Doc) -> None:
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Cm

    m = doc.masthead
    assert m is not None
    name = masthead_name(m)
    _para(word, m.unit, size=16, font=TITLE_FONT, align="center", red=True)
    _para(word, name, size=26, bold=True, font=TITLE_FONT, align="center", red=True)
    if m.number:
        _para(word, m.number, size=14, align="center")
    width = PAGE[0] - MARGINS["left"] - MARGINS["right"]
    first, *rest = list(m.lines) or [""]
    line = _para(word, first, size=12)
    line.paragraph_format.tab_stops.add_tab_stop(Cm(width), WD_TAB_ALIGNMENT.RIGHT)
    line.add_run("\t" + _safe(m.date))
    for extra in rest:
        _para(word, extra, size=12)
    _rule(word.paragraphs[-1])


def _section(word: DocxDocument, section: Section) -> None:
    if section.bars:
        text = "    ".join(
            f"{(x.text if isinstance(x, Cell) else x)} {n}"
            for x, n in zip(section.lines, section.bars, strict=True)
        )
        _para(word, text, indent=True)
        return
    if not section.rows and not section.lines:
        _para(word, section.empty, grey=True, indent=True)
        return
    for line in section.lines:
        _para(word, line, indent=True)
    if section.rows:
        _table(word, section)


def _table(word: DocxDocument, section: Section) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Cm

    columns = len(section.header)
    table = word.add_table(rows=1, cols=columns)
    table.style = "Table Grid"
    table.autofit = False
    text_width = PAGE[0] - MARGINS["left"] - MARGINS["right"]
    widths = [Cm(w) for w in column_widths(section, text_width)]
    header = table.rows[0]
    trpr = header._tr.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))  # repeated on every page
    for i, title in enumerate(section.header):
        _cell(header.cells[i], Cell(title, "bold"), widths[i], shade=True)
    for row in section.rows:
        cells = table.add_row().cells
        for i, value in enumerate(row):
            _cell(cells[i], value, widths[i])
    for i, column in enumerate(table.columns):
        column.width = widths[i]


# How wide text of the table font (10.5 pt) is, in cm: a Chinese character, another one
# (generous: the fonts at hand differ), and the cell's margins.
WIDE_CM, NARROW_CM, PADDING_CM = 0.4, 0.26, 0.5
SHORT_CM = 2.2  # a column of short words (重大, 李丹, 发现) is never narrower than they are


def _natural(text: str) -> float:
    """The width (cm) a cell needs to hold ``text`` on one line."""
    import unicodedata

    longest = max(text.split("\n"), key=len, default="")
    return PADDING_CM + sum(
        WIDE_CM if unicodedata.east_asian_width(c) in "WF" else NARROW_CM for c in longest
    )


def _token(text: str) -> bool:
    """Text a line should not break: ASCII without spaces (YQ-20241123-001, 09:40)."""
    return text.isascii() and not any(c.isspace() for c in text)


def column_widths(section: Section, total: float) -> list[float]:
    """Widths (cm) across ``total``: a column whose longest cell fits within its share (by
    the section's relative ``widths``), holds only short words, or holds references and
    times takes just what it needs; the others share the rest in proportion, and wrap."""
    n = len(section.header)
    weights = [float(w) for w in section.widths] if len(section.widths) == n else [1.0] * n
    columns = list(zip(section.header, *section.rows, strict=True))
    natural = [max(_natural(x.text if isinstance(x, Cell) else x) for x in c) for c in columns]
    # references and clock times must not break: a column of such tokens (the header
    # aside) takes its width while it is not much of the page
    whole = [
        all(_token(x.text if isinstance(x, Cell) else x) for x in c[1:]) and len(c) > 1
        for c in columns
    ]
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(n) if i not in fixed]
        if not free:
            break
        room = total - sum(fixed.values())
        share = {i: room * weights[i] / sum(weights[j] for j in free) for i in free}
        fits = {
            i: natural[i]
            for i in free
            if natural[i] <= max(share[i], SHORT_CM) or (whole[i] and natural[i] <= total * 0.3)
        }
        left = len(free) - len(fits)
        if sum(fits.values()) + left * SHORT_CM > room:
            fits = {}  # taking them would squeeze the rest below a short word: all share
        if not fits:
            return _within([fixed.get(i, share.get(i, 0.0)) for i in range(n)], total)
        fixed.update(fits)
    spare = total - sum(fixed.values())
    if spare > 0:  # every column fits: the space left goes to them by weight
        return [fixed[i] + spare * weights[i] / sum(weights) for i in range(n)]
    return _within([fixed[i] for i in range(n)], total)


def _within(widths: list[float], total: float) -> list[float]:
    """``widths`` scaled down, if need be, to add up to no more than ``total``."""
    used = sum(widths)
    return widths if used <= total else [w * total / used for w in widths]


def _cell(cell: Any, value: Value, width: Any, *, shade: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    cell.width = width
    item = value if isinstance(value, Cell) else Cell(value)
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(_safe(item.text))
    run.font.size = Pt(10.5)
    run.bold = "bold" in item.style
    if "red" in item.style:
        run.font.color.rgb = RGBColor(*RED)
    if shade:
        tcpr = cell._tc.get_or_add_tcPr()
        tcpr.append(
            tcpr.makeelement(
                qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): "E7EEF7"}
            )
        )


def _page_footer(word: DocxDocument, stamp: str) -> None:
    """The page number in the middle of every page's footer, and the stamp under it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    footer = word.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    field = paragraph._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): "PAGE"})
    number = field.makeelement(qn("w:r"), {})
    text = number.makeelement(qn("w:t"), {})
    text.text = "1"
    number.append(text)
    field.append(number)
    paragraph._p.append(field)
    paragraph.add_run(" —")
    if stamp:
        small = footer.add_paragraph()
        small.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = small.add_run(_safe(stamp))
        run.font.size = Pt(7)
