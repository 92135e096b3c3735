"""The WordprocessingML the daily report's Word writers share: the sizes and fonts of
GB/T 9704-2012, elements made in the order the schema gives them, and runs of text
(untrusted text made safe for XML)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from yuqing_cli.render.doc import Cell, Value
from yuqing_cli.render.safe import clean

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph

LATIN = "Times New Roman"
BODY = "仿宋_GB2312"
HEADING = "黑体"
SUBHEADING = "楷体_GB2312"
MASTHEAD = "方正小标宋简体"
NUMBERS = "宋体"  # page numbers (半角宋体)
# Each office font, and the common one Word and WPS use where it is not installed.
FALLBACK = {
    BODY: "仿宋",
    SUBHEADING: "楷体",
    MASTHEAD: "宋体",
    HEADING: "SimHei",
    NUMBERS: "SimSun",
}
RED = "FF0000"
BODY_PT = 16.0  # 三号
PAGE_NUMBER_PT = 14.0  # 4号
TABLE_PT = 10.5  # 五号
NOTE_PT = 14.0
CLOSING_LINE_PT = 22.0  # the 版记's lines (4号)
CELL_MARGIN_PT = 3.0  # a table cell's left and right margins
CHECK_PT = 6.0  # the line of hashes: machine text, one line across the page
CHECK_SPACING_PT = -0.2
PAGE_MM = (210.0, 297.0)
MARGINS_MM = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
LINES, CHARS = 22, 28  # the type area's grid
LINE_PITCH_PT = 28.95
_PT_PER_MM = 72 / 25.4
TEXT_WIDTH_PT = (PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) * _PT_PER_MM
# XML 1.0 allows tab, newline, carriage return and these ranges only.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def safe(text: str) -> str:
    """Untrusted text for a Word run: controls visible (``\\x1b``), nothing XML forbids."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", clean(text))


def twips(points: float) -> str:
    return str(round(points * 20))


# The order WordprocessingML gives the children of the elements written here (Word
# refuses a file whose elements are out of order).
_ORDER = {
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss "
    "imprint noProof snapToGrid vanish webHidden color spacing w kern position sz szCs "
    "highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish",
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
    "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct "
    "topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind "
    "contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc "
    "pgBorders lnNumType pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi "
    "rtlGutter docGrid printerSettings sectPrChange",
    "trPr": "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader "
    "tblCellSpacing jc hidden",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize "
    "tblW jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook",
    "pBdr": "top left bottom right between bar",
    "tblCellMar": "top left start bottom right end",
}


def element(parent: Any, tag: str, **attributes: str) -> Any:
    """``parent``'s child ``w:tag`` (made where the schema puts it if missing), its
    attributes set."""
    from docx.oxml.ns import qn

    child = parent.find(qn(f"w:{tag}"))
    if child is None:
        child = parent.makeelement(qn(f"w:{tag}"), {})
        order = _ORDER.get(parent.tag.rsplit("}", 1)[-1], "").split()
        later = set(order[order.index(tag) + 1 :]) if tag in order else set()
        following = next((c for c in parent if c.tag.rsplit("}", 1)[-1] in later), None)
        if following is not None:
            following.addprevious(child)
        else:
            parent.append(child)
    for name, value in attributes.items():
        child.set(qn(f"w:{name}"), value)
    return child


def set_fonts(rpr: Any, east_asian: str, latin: str = LATIN) -> None:
    """Name the fonts outright (a theme font would win over a name)."""
    from docx.oxml.ns import qn

    fonts = element(rpr, "rFonts")
    for name in list(fonts.attrib):
        del fonts.attrib[name]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), latin)


def set_indent(ppr: Any, characters: int, *, font_pt: float = BODY_PT) -> None:
    """A first-line indent of ``characters`` characters (Word's own unit, and its width)."""
    element(
        ppr,
        "ind",
        firstLineChars=str(characters * 100),
        firstLine=twips(characters * font_pt),
    )


def add_run(paragraph: Paragraph, text: str, *, font: str = "", size: float = 0, **how: Any) -> Any:
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(safe(text))
    if font:
        set_fonts(run.element.get_or_add_rPr(), font, LATIN)
    if size:
        run.font.size = Pt(size)
    if how.get("bold"):
        run.bold = True
    if how.get("red"):
        run.font.color.rgb = RGBColor.from_string(RED)
    return run


def alignment(align: str) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    return {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
    }[align]


def off_grid(paragraph: Paragraph, line_pt: float) -> None:
    """A paragraph of another size than the body's: its own exact line height, not the
    grid's."""
    from docx.shared import Pt

    element(paragraph._p.get_or_add_pPr(), "snapToGrid", val="0")
    paragraph.paragraph_format.line_spacing = Pt(line_pt)


def rule(paragraph: Paragraph, where: str, *, size: int, colour: str, space: int = 1) -> None:
    """A line along the paragraph's ``where`` edge (``size`` in eighths of a point)."""

    borders = element(paragraph._p.get_or_add_pPr(), "pBdr")
    element(borders, where, val="single", sz=str(size), space=str(space), color=colour)


def pt(value: float) -> Any:
    from docx.shared import Pt

    return Pt(value)


def text_of(value: Value) -> str:
    return value.text if isinstance(value, Cell) else value
