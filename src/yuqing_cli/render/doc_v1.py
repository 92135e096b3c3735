"""The first layout of the daily report, kept to print reports issued in it again.

Reports issued before the layout of issue 23 froze their document in this shape; they
are printed again with these writers, unchanged, so that a reprint is what was issued
(:mod:`yuqing_cli.render.doc` is the layout of new documents). Do not change them.

A document built once, written in several formats: one writer per format.

A report is a :class:`Doc`: a masthead (the office's header block), a title, lines
under it, sections of tables, bars or lines, and a footer. Cells hold the text as it
is (untrusted text included); each writer escapes it for its own format — Rich text
for the terminal, Markdown escapes, Word runs (:mod:`yuqing_cli.render.word_v1`).

A Doc is plain data: :func:`doc_data` and :func:`doc_from_data` turn it into JSON and
back exactly, so an issued report is kept as data and printed again, the same, in any
format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.table import Table
from rich.text import Text

from yuqing_cli.render.console import out, say
from yuqing_cli.render.lines import write_aligned
from yuqing_cli.render.safe import clean, markdown_safe

# A section longer than a screen is written as plain aligned lines.
SCREEN = 24


@dataclass(frozen=True)
class Cell:
    text: str
    style: str = ""  # a Rich style for the terminal; "bold"/"red" also mark Markdown


Value = str | Cell


def _cell(value: Value) -> Cell:
    return value if isinstance(value, Cell) else Cell(value)


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...] = ()
    rows: tuple[tuple[Value, ...], ...] = ()
    lines: tuple[Value, ...] = ()  # paragraphs, or bar labels with `bars`
    bars: tuple[int, ...] = ()  # one count per line: drawn as bars in the terminal
    empty: str = ""  # shown when there are no rows and no lines
    widths: tuple[int, ...] = ()  # relative column widths, for documents with pages


@dataclass(frozen=True)
class Masthead:
    """The header block of an office document (版头): the issuing unit, the document's
    name, its number, its date, and who compiled and signed it off."""

    unit: str
    name: str
    number: str = ""  # 第3期（总第15期）; empty for a draft
    date: str = ""  # 2024年11月23日
    lines: tuple[str, ...] = ()  # 编发：…, 签发：…
    mark: str = ""  # 更正 (a correction), or a draft's mark


@dataclass(frozen=True)
class Doc:
    title: str
    subtitle: tuple[str, ...] = ()
    notes: tuple[Value, ...] = ()  # small print under the title
    sections: tuple[Section, ...] = field(default_factory=tuple)
    masthead: Masthead | None = None
    footer: tuple[str, ...] = ()  # closing lines (e.g. the audit chain's head)


def doc_data(doc: Doc) -> dict[str, Any]:
    """The document as JSON-ready data (see :func:`doc_from_data`)."""
    from yuqing_cli import codec

    data: dict[str, Any] = codec.encode(doc)
    return data


def doc_from_data(data: Any) -> Doc:
    from yuqing_cli import codec

    doc: Doc = codec.decode(Doc, data)
    return doc


def masthead_name(m: Masthead) -> str:
    """The document's name with its mark: 舆情日报（更正）."""
    from yuqing_cli.i18n import _

    return _("{name} ({mark})").format(name=m.name, mark=m.mark) if m.mark else m.name


def masthead_lines(m: Masthead) -> list[str]:
    """The masthead as plain lines, for writers without a page layout."""
    lines = [m.unit, masthead_name(m)]
    if m.number:
        lines.append(m.number)
    lines += [x for x in (m.date, *m.lines) if x]
    return lines


# -- terminal ---------------------------------------------------------------------------------


def _text(value: Value) -> Text:
    cell = _cell(value)
    return Text(clean(cell.text), style=cell.style)


def to_terminal(doc: Doc, names: tuple[str, ...] = ()) -> None:
    """The document on the terminal, wrapped to its width; lines never break inside
    ``names`` (people, roles, steps…)."""
    console = out()
    if doc.masthead is not None:
        for line in masthead_lines(doc.masthead):
            say(Text(clean(line), style="bold"), "  ")
        console.print()
    say(Text(clean(doc.title), style="bold"), "  ")
    for line in doc.subtitle:
        say(Text(clean(line)), "  ")
    for note in doc.notes:
        text = _text(note)
        text.stylize("dim")
        say(text, "  ")
    console.print()
    for section in doc.sections:
        _section_terminal(section, names)
    for line in doc.footer:
        say(Text(clean(line), style="dim"), "  ")


def _section_terminal(section: Section, names: tuple[str, ...]) -> None:
    console = out()
    if section.bars:
        table = Table(title=section.title, box=None, title_justify="left", show_header=False)
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(no_wrap=True)
        top = max(section.bars, default=0)
        for label, n in zip(section.lines, section.bars, strict=True):
            text = _text(label)
            bar = "█" * (round(n / top * 30) if top else 0)
            table.add_row(text, str(n), Text(bar, style=text.style or "cyan"))
        console.print(table)
        return
    if section.title:
        say(Text(clean(section.title), style="bold"), "  ")
    if not section.rows and not section.lines:
        say(Text(f"  {clean(section.empty)}", style="dim"))
        console.print()
        return
    for line in section.lines:
        say(Text("  ").append_text(_text(line)), "    ", names)
    if len(section.rows) > SCREEN:
        # Measuring every row as Rich does costs more than the report: plain lines.
        rows = ([clean(_cell(v).text) for v in row] for row in section.rows)
        write_aligned(console.file, [clean(h) for h in section.header], rows)
        console.print()
    elif section.rows:
        from yuqing_cli.render.tables import Column, fitted

        cells = [[_text(v) for v in row] for row in section.rows]
        columns = [
            Column(clean(header), token=all(_is_token(row[i].plain) for row in cells))
            for i, header in enumerate(section.header)
        ]
        console.print(fitted(columns, cells, whole=names))
    else:
        console.print()


def _is_token(text: str) -> bool:
    """A cell kept whole on its line: one short Latin word (a reference, a number)."""
    return len(text) <= 20 and text.isascii() and " " not in text


# -- Markdown ---------------------------------------------------------------------------------


def _md(value: Value) -> str:
    cell = _cell(value)
    text = markdown_safe(cell.text)
    return f"**{text}**" if text and ("bold" in cell.style or "red" in cell.style) else text


def _separator(section: Section) -> str:
    """The line under a table's header: dashes in proportion to the column widths, which
    Pandoc keeps as the columns' relative widths."""
    widths = section.widths if len(section.widths) == len(section.header) else ()
    if not widths:
        return "|" + "---|" * len(section.header)
    return "|" + "".join("-" * (3 * w) + "|" for w in widths)


def to_markdown(doc: Doc) -> str:
    lines = [f"# {markdown_safe(doc.title)}", ""]
    if doc.masthead is not None:
        head = masthead_lines(doc.masthead)
        lines += [f"**{markdown_safe(line)}**  " for line in head[:2]]
        lines += [f"{markdown_safe(line)}  " for line in head[2:]]
        lines.append("")
    lines += [f"{markdown_safe(line)}  " for line in doc.subtitle]
    lines += [_md(note) + "  " for note in doc.notes]
    for section in doc.sections:
        lines += ["", f"## {markdown_safe(section.title)}", ""]
        if section.bars:
            lines.append(
                " · ".join(
                    f"{_md(label)} {n}"
                    for label, n in zip(section.lines, section.bars, strict=True)
                )
            )
            continue
        if not section.rows and not section.lines:
            lines.append(markdown_safe(section.empty))
            continue
        lines += [f"- {_md(line)}" for line in section.lines]
        if section.rows:
            lines.append("| " + " | ".join(markdown_safe(h) for h in section.header) + " |")
            lines.append(_separator(section))
            lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in section.rows]
    if doc.footer:
        lines.append("")
        lines += [f"{markdown_safe(line)}  " for line in doc.footer]
    return "\n".join(lines) + "\n"
