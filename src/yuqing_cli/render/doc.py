"""A document built once as sections, written by one writer per format.

The daily report is a :class:`Doc`: a masthead (版头: the marking, the issuing unit's
name, the number, the date, the signer), an optional preface (a correction's note),
numbered sections (一、) of parts (（一）, e.g. one incident each) made of blocks — a
paragraph, an item of a list, small print, a table — and a closing (版记: who
receives it, who printed it and when, the line that ties it to the audit chain).

The words are the document's own, written in its unit's language when it was built;
the writers add none: the terminal and Markdown here, Word in
:mod:`yuqing_cli.render.word`. Cells hold text as it is (untrusted text included);
each writer escapes it for its format.

A Doc is plain data: :func:`doc_data` and :func:`doc_from_data` turn it into JSON and
back exactly, so an issued report is kept as data and printed again, the same, in any
format. (Reports issued in the first layout are kept as :mod:`doc_v1` documents.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from rich.text import Text

from yuqing_cli.render.console import out, say
from yuqing_cli.render.safe import clean, markdown_safe

# The version of the layout a frozen document is in (1: :mod:`doc_v1`). An issued report
# prints again exactly: a change to how documents of this layout are written comes with
# a new number, and the writers of this one are kept for the reports issued in it.
LAYOUT = 2
DIGEST = "{digest}"  # where an issued document's content hash goes in its check line


@dataclass(frozen=True)
class Cell:
    text: str
    style: str = ""  # "bold", "red": marks kept in every format; other Rich styles


Value = str | Cell


def _cell(value: Value) -> Cell:
    return value if isinstance(value, Cell) else Cell(value)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]
    widths: tuple[int, ...] = ()  # relative widths of the columns that may wrap
    whole: tuple[bool, ...] = ()  # columns never broken inside a cell (references, times)


BlockKind = Literal["text", "item", "note", "table"]


@dataclass(frozen=True)
class Block:
    """A paragraph (``text``), an item of a list, small print (``note``) or a table."""

    kind: BlockKind = "text"
    text: Value = ""
    lead: str = ""  # words set off at its start (摘要：)
    table: Table | None = None


@dataclass(frozen=True)
class Part:
    """A numbered part of a section (（一）…), or with no title, blocks of their own."""

    title: str = ""
    blocks: tuple[Block, ...] = ()
    key: str = ""  # what it is about (an incident's reference), to compare two issues


@dataclass(frozen=True)
class Section:
    title: str  # with its number: 一、概况
    parts: tuple[Part, ...] = ()
    key: str = ""  # what it is, in any language: "overview", "incidents", …
    appendix: bool = False  # an appendix (附件): on a page of its own


@dataclass(frozen=True)
class Masthead:
    """The head of the first page (版头)."""

    title: str  # the issuing unit's masthead and the document's name, printed in red
    number: str = ""  # 第3期（总第15期）, or a draft's mark
    date: str = ""  # 2024年11月23日
    signer: str = ""  # 签发人：郭雁
    marking: str = ""  # 内部资料　注意保存
    mark: str = ""  # 更正


@dataclass(frozen=True)
class Closing:
    """The closing block of the last page (版记)."""

    lines: tuple[str, ...] = ()  # 报：…, 送：…, 发：…
    printer: str = ""  # who printed it (印发机关)
    printed: str = ""  # 2024年11月24日印发
    check: str = ""  # the audit chain's head and the content hash ({digest}), one line


@dataclass(frozen=True)
class Doc:
    language: str  # "zh" or "en": the document's, whatever the terminal's
    masthead: Masthead
    preface: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()
    closing: Closing = field(default_factory=Closing)
    title: str = ""  # the file's title (its properties)


def doc_data(doc: Doc) -> dict[str, Any]:
    """The document as JSON-ready data (see :func:`doc_from_data`)."""
    from yuqing_cli import codec

    data: dict[str, Any] = codec.encode(doc)
    return data


def doc_from_data(data: Any) -> Doc:
    from yuqing_cli import codec

    doc: Doc = codec.decode(Doc, data)
    return doc


def check_line(doc: Doc, digest: str) -> str:
    """The closing's check line with the content hash in place ("" for a draft)."""
    return doc.closing.check.replace(DIGEST, digest) if doc.closing.check else ""


def masthead_lines(m: Masthead) -> list[str]:
    """The masthead as plain lines, for writers without a page layout."""
    lines = [x for x in (m.marking, m.title, m.number, m.mark) if x]
    below = "　".join(x for x in (m.date, m.signer) if x)
    return lines + ([below] if below else [])


def closing_lines(doc: Doc, digest: str) -> list[str]:
    c = doc.closing
    printed = "　".join(x for x in (c.printer, c.printed) if x)
    return [*c.lines, *([printed] if printed else []), *filter(None, [check_line(doc, digest)])]


def plain(value: Value) -> str:
    return _cell(value).text


# -- terminal ---------------------------------------------------------------------------------


def to_terminal(doc: Doc, names: tuple[str, ...] = (), digest: str = "") -> None:
    """The document on the terminal, wrapped to its width; lines never break inside
    ``names`` (people, roles, steps…)."""
    console = out()
    m = doc.masthead
    for line in masthead_lines(m):
        style = "bold red" if line == m.title else "bold"
        say(Text(clean(line), style=style), "  ")
    console.print()
    for block in doc.preface:
        _block_terminal(block, names)
    for section in doc.sections:
        say(Text(clean(section.title), style="bold"), "  ")
        for part in section.parts:
            if part.title:
                say(Text("  ").append(clean(part.title), style="bold"), "    ", names)
            for block in part.blocks:
                _block_terminal(block, names)
        console.print()
    for line in closing_lines(doc, digest):
        say(Text(clean(line), style="dim"), "  ")


def _block_terminal(block: Block, names: tuple[str, ...]) -> None:
    if block.table is not None:
        _table_terminal(block.table, names)
        return
    cell = _cell(block.text)
    text = Text("  ")
    if block.kind == "item":
        text.append("- ")
    if block.lead:
        text.append(clean(block.lead), style="bold")
    text.append(clean(cell.text), style=cell.style or ("dim" if block.kind == "note" else ""))
    say(text, "    ", names)


def _table_terminal(table: Table, names: tuple[str, ...]) -> None:
    from yuqing_cli.render.lines import write_aligned
    from yuqing_cli.render.tables import Column, fitted

    console = out()
    if len(table.rows) > SCREEN:
        # Measuring every row as Rich does costs more than the report: plain lines.
        rows = ([clean(plain(v)) for v in row] for row in table.rows)
        write_aligned(console.file, [clean(h) for h in table.header], rows)
        return
    cells = [[Text(clean(_cell(v).text), style=_cell(v).style) for v in row] for row in table.rows]
    whole = table.whole if len(table.whole) == len(table.header) else (False,) * len(table.header)
    columns = [
        Column(clean(header), token=keep or all(_is_token(row[i].plain) for row in cells))
        for i, (header, keep) in enumerate(zip(table.header, whole, strict=True))
    ]
    console.print(fitted(columns, cells, whole=names))


# A table longer than a screen is written as plain aligned lines.
SCREEN = 24


def _is_token(text: str) -> bool:
    """A cell kept whole on its line: one short Latin word (a reference, a number)."""
    return len(text) <= 20 and text.isascii() and " " not in text


# -- Markdown ---------------------------------------------------------------------------------


def _md(value: Value, joiner: str = " ") -> str:
    """A cell or a paragraph as Markdown inline text; a cell's lines joined by ``joiner``."""
    cell = _cell(value)
    text = markdown_safe(joiner.join(cell.text.split("\n")))
    return f"**{text}**" if text and ("bold" in cell.style or "red" in cell.style) else text


def _separator(table: Table) -> str:
    """The line under a table's header: dashes in proportion to the column widths, which
    Pandoc keeps as the columns' relative widths."""
    widths = table.widths if len(table.widths) == len(table.header) else ()
    if not widths:
        return "|" + "---|" * len(table.header)
    return "|" + "".join("-" * (3 * max(w, 1)) + "|" for w in widths)


def _block_markdown(block: Block, joiner: str) -> list[str]:
    if block.table is not None:
        t = block.table
        return [
            "| " + " | ".join(markdown_safe(h) for h in t.header) + " |",
            _separator(t),
            *("| " + " | ".join(_md(v, joiner) for v in row) + " |" for row in t.rows),
            "",
        ]
    lead = f"**{markdown_safe(block.lead)}**" if block.lead else ""
    text = lead + _md(block.text)
    if block.kind == "item":
        return [f"- {text}", ""]
    if block.kind == "note":
        return [f"*{text}*" if text else "", ""]
    return [text, ""]


def to_markdown(doc: Doc, digest: str = "") -> str:
    m = doc.masthead
    joiner = "" if doc.language == "zh" else " "  # a cell's lines, on one line
    lines: list[str] = []
    if m.marking:
        lines += [f"**{markdown_safe(m.marking)}**", ""]
    lines += [f"# {markdown_safe(m.title)}", ""]
    lines += [f"{markdown_safe(x)}  " for x in masthead_lines(m)[2 if m.marking else 1 :]]
    lines.append("")
    for block in doc.preface:
        lines += _block_markdown(block, joiner)
    for section in doc.sections:
        if section.appendix:
            lines += ["---", ""]
        lines += [f"## {markdown_safe(section.title)}", ""]
        for part in section.parts:
            if part.title:
                lines += [f"### {markdown_safe(part.title)}", ""]
            for block in part.blocks:
                lines += _block_markdown(block, joiner)
    closing = closing_lines(doc, digest)
    if closing:
        lines += ["---", ""]
        lines += [f"{markdown_safe(x)}  " for x in closing]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
