"""Tables that fit the terminal: 80 columns, or 60, without breaking what must stay whole.

Each column says whether it holds tokens (references, step ids, times, names: never
broken) or text (titles, notes: wrapped by width, Chinese typesetting respected), and how
early it may be left out when the terminal is narrow (priority 0: never). Text columns
share what the token columns leave, each at least its minimum. A table that would still
not fit is shown as one block of lines per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from yuqing_cli.render.console import out
from yuqing_cli.render.wrap import hanging, widest_piece, wrap_text

Cell = str | Text


@dataclass(frozen=True)
class Column:
    header: str
    token: bool = False  # kept whole on one line
    priority: int = 0  # 0: always shown; the largest numbers are left out first
    justify: str = "left"
    min_width: int = 12  # for text columns


def _width(cell: Cell) -> int:
    plain = cell.plain if isinstance(cell, Text) else cell
    return max((cell_len(line) for line in plain.split("\n")), default=0)


def _overhead(columns: int) -> int:
    """What a table with a simple head adds to its columns' widths: padding and edges."""
    return 3 * columns + 1


def fitted(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    width: int | None = None,
    title: str | None = None,
    whole: Iterable[str] = (),
) -> RenderableType:
    """A table of ``rows`` fitted to ``width`` columns (default: the terminal's): the
    columns of lowest priority left out first, text cells wrapped, never inside a word
    nor a ``whole`` word (people's names). When even that does not fit, each row is a
    block of lines, a column a line."""
    whole = tuple(whole)
    width = width or out().width
    heads = [_width(c.header) for c in columns]
    cells = [max((_width(row[i]) for row in rows), default=0) for i in range(len(columns))]
    natural = [max(h, c) for h, c in zip(heads, cells, strict=True)]
    # a text column is at least as wide as the widest word in it (an id, a time, a name),
    # up to a third of the line: narrower, the word would be cut
    words = [
        min(max((_widest(row[i], whole) for row in rows), default=0), width // 3)
        for i in range(len(columns))
    ]
    least = [
        natural[i] if c.token else min(natural[i], max(c.min_width, heads[i], words[i]))
        for i, c in enumerate(columns)
    ]
    keep = list(range(len(columns)))

    def needed(kept: list[int]) -> int:
        return _overhead(len(kept)) + sum(least[i] for i in kept)

    while needed(keep) > width:
        droppable = [i for i in keep if columns[i].priority > 0]
        if not droppable:
            break
        keep.remove(max(droppable, key=lambda i: (columns[i].priority, i)))
    if needed(keep) > width:
        # a table would be squeezed past reading: one block of lines per row instead
        return _records(columns, rows, width, title, whole)
    widths = _share(natural, least, keep, width)
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left")
    for i in keep:
        table.add_column(
            columns[i].header,
            width=widths[i],
            no_wrap=True,
            overflow="fold",
            justify=columns[i].justify,  # type: ignore[arg-type]
        )
    for row in rows:
        table.add_row(*(_fit(row[i], widths[i], whole) for i in keep))
    return table


def _records(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    width: int,
    title: str | None,
    whole: tuple[str, ...],
) -> RenderableType:
    """Each row as a block: its first cell on a line of its own, then each other column
    as ``header  value``, the values wrapped beside the headers."""
    label = max((_width(c.header) for c in columns[1:]), default=0) + 4
    lines: list[Text] = []
    if title:
        lines.append(Text(title, style="bold"))
    for row in rows:
        lines.append(Text.assemble(_text(row[0]), style="bold"))
        for column, cell in zip(columns[1:], row[1:], strict=True):
            value = _text(cell)
            if not value.plain.strip():
                continue
            head = Text(f"  {column.header}", style="dim")
            head.pad_right(label - _width(head))
            lines.append(hanging(head + value, width, " " * label, whole))
        lines.append(Text())
    return Group(*lines)


def _text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text(cell)


def _share(natural: list[int], least: list[int], keep: list[int], width: int) -> dict[int, int]:
    """Each kept column its least width, then what is left of the line shared out to
    the columns that want more, a column at a time in turn."""
    widths = {i: least[i] for i in keep}
    room = width - _overhead(len(keep)) - sum(widths.values())
    while room > 0:
        wanting = [i for i in keep if widths[i] < natural[i]]
        if not wanting:
            break
        share = max(room // len(wanting), 1)
        for i in wanting:
            grow = min(share, natural[i] - widths[i], room)
            widths[i] += grow
            room -= grow
            if room <= 0:
                break
    return widths


def _widest(cell: Cell, whole: tuple[str, ...]) -> int:
    plain = cell.plain if isinstance(cell, Text) else cell
    return widest_piece(plain, whole)


def _fit(cell: Cell, width: int, whole: tuple[str, ...] = ()) -> Text:
    text = _text(cell)
    if _width(text) <= width:
        return text
    return wrap_text(text, width, whole)
