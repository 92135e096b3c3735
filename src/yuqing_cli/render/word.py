"""A :class:`~yuqing_cli.render.doc.Doc` as a Word document laid out by GB/T 9704-2012.

The page of an official document (党政机关公文格式): A4, margins of 37/35/28/26 mm, a
type area of 22 lines of 28 characters (a line grid of 28.95 pt, the characters set 28
to a line by their spacing), body text in 仿宋_GB2312 三号 (16 pt) with a two-character
first-line indent, headings
一、 in 黑体 and （一） in 楷体_GB2312, the 版头 with the marking, the issuing unit's
name in red 小标宋, the number, the date and the signer (签发人) over a red rule, page
numbers "— N —" in 4号 on the outside edge (odd pages right, even pages left), and the
版记 (distribution, printer and date of printing between rules) closing the last page.
The Chinese fonts are named as offices have them (仿宋_GB2312, 方正小标宋简体…); the
font table names the common font each falls back to where it is missing (仿宋, 宋体…).

Tables (:mod:`word_tables`) take column widths from their content; a part's title
runs into its first paragraph (（一）标题。正文…) as offices set them; headings keep with
what follows, and no paragraph leaves a lone line on a page. The check line (the audit
chain's head and the content hash) ends the last page, in one line of small print.

The file is the same, byte for byte, for the same document: its parts carry a fixed
time, so an issued report printed again gives the same file.
"""

from __future__ import annotations

import io
import math
import unicodedata
import zipfile
from datetime import datetime
from typing import TYPE_CHECKING, Any

from yuqing_cli.render.doc import Block, Cell, Doc, Part, Value, check_line
from yuqing_cli.render.word_tables import add_table
from yuqing_cli.render.word_xml import (
    BODY,
    BODY_PT,
    CHARS,
    CHECK_PT,
    CHECK_SPACING_PT,
    CLOSING_LINE_PT,
    FALLBACK,
    HEADING,
    LATIN,
    LINE_PITCH_PT,
    MARGINS_MM,
    MASTHEAD,
    NOTE_PT,
    NUMBERS,
    PAGE_MM,
    PAGE_NUMBER_PT,
    RED,
    SUBHEADING,
    TEXT_WIDTH_PT,
    add_run,
    alignment,
    element,
    off_grid,
    pt,
    rule,
    safe,
    set_fonts,
    set_indent,
    text_of,
    twips,
)

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph


def to_docx(doc: Doc, *, created: datetime | None = None, digest: str = "") -> bytes:
    """The document as a .docx file. ``created`` is the time the file says it was made
    (default: a fixed one); ``digest`` is an issued document's content hash, printed in
    its check line."""
    from docx import Document

    word = Document()
    _package(word)
    _settings(word, doc.language)
    _styles(word)
    _page(word)
    _masthead(word, doc)
    for block in doc.preface:
        _block(word, block)
    for section in doc.sections:
        _para(word, section.title, style="Heading 1", page_break=section.appendix)
        for part in section.parts:
            _part(word, part, doc.language)
    _closing(word, doc, digest)
    _page_numbers(word)
    props = word.core_properties
    props.title = safe(doc.title or doc.masthead.title)
    props.author = ""
    props.comments = ""
    props.last_modified_by = ""
    props.language = "zh-CN" if doc.language == "zh" else "en-US"
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


# -- the package, settings and styles ---------------------------------------------------------


def _package(word: DocxDocument) -> None:
    """Leave out what python-docx's template carries and this document does not use: its
    thumbnail (another document's picture), Word 2010 styles and a bibliography part."""
    package = word.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]
    for rid, rel in list(word.part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/customXml")):
            del word.part.rels[rid]
        elif rel.reltype.endswith("/fontTable"):
            rel.target_part._blob = _font_table()


def _font_table() -> bytes:
    fonts = [(LATIN, "", "00", "roman")] + [
        (name, FALLBACK.get(name, ""), "86", "modern" if name == HEADING else "roman")
        for name in (BODY, "仿宋", HEADING, SUBHEADING, "楷体", MASTHEAD, NUMBERS)
    ]
    items = "".join(
        f'<w:font w:name="{name}">'
        + (f'<w:altName w:val="{alt}"/>' if alt else "")
        + f'<w:charset w:val="{charset}"/><w:family w:val="{family}"/>'
        '<w:pitch w:val="variable"/></w:font>'
        for name, alt, charset, family in fonts
    )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"{items}</w:fonts>"
    ).encode()


def _settings(word: DocxDocument, language: str) -> None:
    """Current Word (compatibility mode 15), different footers on odd and even pages,
    the East Asian language of the theme."""
    from docx.oxml.ns import qn

    word.settings.odd_and_even_pages_header_footer = True
    settings = word.settings.element
    compat = settings.find(qn("w:compat"))
    for setting in compat.findall(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    lang = settings.find(qn("w:themeFontLang"))
    lang.set(qn("w:val"), "zh-CN" if language == "zh" else "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    for tag in ("w:rsids", "w:attachedTemplate", "w:savePreviewPicture"):
        for found in settings.findall(qn(tag)):
            settings.remove(found)


def _lang(rpr: Any) -> None:
    """Chinese text is zh-CN; Latin text (references, times, links) keeps Latin rules,
    so that a line never breaks inside it."""
    element(rpr, "lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")


def _styles(word: DocxDocument) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    styles = word.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, BODY)
    element(rpr, "sz", val=str(round(BODY_PT * 2)))
    element(rpr, "szCs", val=str(round(BODY_PT * 2)))
    _lang(rpr)
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    element(ppr, "spacing", after="0", line=twips(LINE_PITCH_PT), lineRule="exact")
    normal: Any = word.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element.get_or_add_rPr(), BODY)
    _lang(normal.element.get_or_add_rPr())
    element(normal.element.get_or_add_rPr(), "spacing", val=twips(char_spacing()))
    f = normal.paragraph_format
    f.widow_control = True
    f.space_before = f.space_after = Pt(0)
    f.line_spacing = Pt(LINE_PITCH_PT)
    set_indent(normal.element.get_or_add_pPr(), 2)
    element(normal.element.get_or_add_pPr(), "jc", val="both")
    for name, font in (("Heading 1", HEADING), ("Heading 2", SUBHEADING)):
        style: Any = word.styles[name]
        rpr = style.element.get_or_add_rPr()
        set_fonts(rpr, font)
        for tag in ("w:b", "w:bCs", "w:color", "w:i", "w:iCs"):
            for found in rpr.findall(qn(tag)):
                rpr.remove(found)
        style.font.size = Pt(BODY_PT)
        style.font.bold = False
        f = style.paragraph_format
        f.space_before = f.space_after = Pt(0)
        f.line_spacing = Pt(LINE_PITCH_PT)
        f.keep_with_next = True
        f.keep_together = True
        f.widow_control = True


def char_spacing() -> float:
    """The spacing (pt, negative: condensed) that sets 28 characters of 三号 on a line."""
    return math.floor((TEXT_WIDTH_PT / CHARS - BODY_PT) * 20 - 0.5) / 20


def _page(word: DocxDocument) -> None:
    """A4, GB/T 9704's margins, and the grid of 22 lines (28 characters a line come from
    the body's character spacing: LibreOffice lays out Word's compressed character grid
    with two cells to a character, so the grid gives the lines only)."""
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm

    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(15)
    # The page number's rule sits 7 mm under the type area.
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 6)
    grid = element(section._sectPr, "docGrid", type="lines", linePitch=twips(LINE_PITCH_PT))
    grid.attrib.pop(qn("w:charSpace"), None)


# -- paragraphs and runs ----------------------------------------------------------------------


def _para(
    word: DocxDocument,
    text: Value,
    *,
    style: str = "",
    align: str = "",
    indent: int | None = None,
    page_break: bool = False,
    keep_with_next: bool = False,
) -> Paragraph:
    """A paragraph in ``style`` (default: body text, indented two characters)."""
    paragraph = word.add_paragraph(style=style or None)
    if align:
        paragraph.alignment = alignment(align)
    if indent is not None:
        set_indent(paragraph._p.get_or_add_pPr(), indent)
    f = paragraph.paragraph_format
    if page_break:
        f.page_break_before = True
    if keep_with_next:
        f.keep_with_next = True
    cell = text if isinstance(text, Cell) else Cell(text)
    if cell.text:
        add_run(paragraph, cell.text, bold="bold" in cell.style, red="red" in cell.style)
    return paragraph


def _part(word: DocxDocument, part: Part, language: str) -> None:
    """A part: its title run in (（一）title. followed by its first paragraph, in 楷体) as
    office documents set their second-level headings, and its items in one paragraph
    of running text; a part that opens with a table or a lead gets a heading line."""
    blocks = list(part.blocks)
    opening = blocks[0] if blocks else None
    run_in = (
        part.title
        and opening is not None
        and opening.table is None
        and opening.kind in ("text", "item")
        and not opening.lead
    )
    if part.title and not run_in:
        _para(word, part.title, style="Heading 2")
    if not run_in:
        for block in blocks:
            _block(word, block)
        return
    stop = "。" if language == "zh" else ". "
    paragraph = word.add_paragraph()
    title = part.title if part.title.endswith(("。", ".")) else part.title + stop
    add_run(paragraph, title, font=SUBHEADING)
    joined = 1
    if opening is not None and opening.kind == "item":
        while joined < len(blocks) and blocks[joined].kind == "item" and not blocks[joined].lead:
            joined += 1
    space = "" if language == "zh" else " "
    for n, block in enumerate(blocks[:joined]):
        cell = block.text if isinstance(block.text, Cell) else Cell(block.text)
        text = (space if n else "") + cell.text
        add_run(paragraph, text, bold="bold" in cell.style, red="red" in cell.style)
    for block in blocks[joined:]:
        _block(word, block)


def _block(word: DocxDocument, block: Block) -> None:
    if block.table is not None:
        add_table(word, block.table)
        return
    if block.kind == "note":
        paragraph = word.add_paragraph()
        off_grid(paragraph, NOTE_PT * 1.5)
        add_run(paragraph, (block.lead or "") + text_of(block.text), size=NOTE_PT)
        return
    paragraph = word.add_paragraph()
    if block.lead:
        add_run(paragraph, block.lead, font=HEADING)
    cell = block.text if isinstance(block.text, Cell) else Cell(block.text)
    if cell.text:
        add_run(paragraph, cell.text, bold="bold" in cell.style, red="red" in cell.style)


def _two_sides(word: DocxDocument, left: str, right: str, *, right_font: str = "") -> Paragraph:
    """One line with ``left`` one character in from the left edge and ``right`` one
    character in from the right edge (GB/T 9704: 左空一字, 右空一字)."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Pt

    paragraph = word.add_paragraph()
    f = paragraph.paragraph_format
    # No indent (a rule along the paragraph spans the type area): tab stops instead.
    element(paragraph._p.get_or_add_pPr(), "ind", firstLine="0", firstLineChars="0")
    f.tab_stops.add_tab_stop(Pt(BODY_PT), WD_TAB_ALIGNMENT.LEFT)
    f.tab_stops.add_tab_stop(Pt(TEXT_WIDTH_PT - BODY_PT), WD_TAB_ALIGNMENT.RIGHT)
    paragraph.add_run("\t")
    if left:
        add_run(paragraph, left)
    if right:
        paragraph.add_run("\t")
        label, sep, name = right.rpartition("：")
        if right_font and sep:
            add_run(paragraph, label + sep)
            add_run(paragraph, name, font=right_font)
        else:
            add_run(paragraph, right)
    return paragraph


def _masthead(word: DocxDocument, doc: Doc) -> None:
    m = doc.masthead
    if m.marking:
        paragraph = _para(word, "", indent=0)
        add_run(paragraph, m.marking, font=HEADING)
    else:
        _para(word, "", indent=0)
    # The masthead in red 小标宋, as large as fits one line (at most 42 pt).
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in m.title) / 2
    size = max(18.0, min(42.0, int(TEXT_WIDTH_PT / max(width, 1) * 2) / 2 - 0.5))
    title = _para(word, "", align="center", indent=0)
    off_grid(title, size * 1.5)
    title.paragraph_format.space_after = pt(BODY_PT * 0.75)
    add_run(title, m.title, font=MASTHEAD, size=size, red=True)
    number = " ".join(x for x in (m.number, m.mark) if x)
    if number:
        _para(word, number, align="center", indent=0)
    line = _two_sides(word, m.date, m.signer, right_font=SUBHEADING)
    rule(line, "bottom", size=12, colour=RED, space=8)
    spacer = _para(word, "", indent=0)
    off_grid(spacer, BODY_PT)


def _closing(word: DocxDocument, doc: Doc, digest: str) -> None:
    """The 版记 (distribution lists, printer and date between rules), then the check line
    (the audit chain's head and the content hash), each line one line."""
    c = doc.closing
    check = check_line(doc, digest)
    if not (c.lines or c.printer or c.printed or check):
        return
    rows: list[Paragraph] = [_two_sides(word, line, "") for line in c.lines]
    if c.printer or c.printed:
        rows.append(_two_sides(word, c.printer, c.printed))
    for paragraph in rows:
        paragraph.paragraph_format.keep_with_next = True
        off_grid(paragraph, CLOSING_LINE_PT)
        for piece in paragraph.runs:
            piece.font.size = pt(PAGE_NUMBER_PT)
    if rows:
        rows[0].paragraph_format.space_before = pt(BODY_PT / 2)
        rule(rows[0], "top", size=8, colour="000000")
        if len(rows) > 1:
            rule(rows[-1], "top", size=4, colour="000000")
        rule(rows[-1], "bottom", size=8, colour="000000")
    if check:
        paragraph = word.add_paragraph()
        element(paragraph._p.get_or_add_pPr(), "ind", firstLine="0", firstLineChars="0")
        off_grid(paragraph, CHECK_PT * 1.6)
        paragraph.alignment = alignment("left")
        run = add_run(paragraph, check, size=CHECK_PT)
        element(run.element.get_or_add_rPr(), "spacing", val=twips(CHECK_SPACING_PT))


# -- page numbers ---------------------------------------------------------------------------


def _page_numbers(word: DocxDocument) -> None:
    """ "— N —" in 4号 宋体 one character in from the outside edge: right on odd pages,
    left on even ones."""
    section = word.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment(align)
        element(paragraph._p.get_or_add_pPr(), "ind", firstLine="0", firstLineChars="0")
        off_grid(paragraph, PAGE_NUMBER_PT * 1.2)
        f = paragraph.paragraph_format
        if align == "right":
            f.right_indent = pt(PAGE_NUMBER_PT)
        else:
            f.left_indent = pt(PAGE_NUMBER_PT)
        add_run(paragraph, "— ", font=NUMBERS, size=PAGE_NUMBER_PT)
        _field(paragraph, "PAGE")
        add_run(paragraph, " —", font=NUMBERS, size=PAGE_NUMBER_PT)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A field (``PAGE``) in the run's font, as a simple field Word updates itself."""
    from docx.oxml.ns import qn

    field = paragraph._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): instruction})
    run = paragraph.add_run("1")
    set_fonts(run.element.get_or_add_rPr(), NUMBERS, NUMBERS)
    run.font.size = pt(PAGE_NUMBER_PT)
    paragraph._p.remove(run._r)
    field.append(run._r)
    paragraph._p.append(field)
