"""Tables that fit the terminal: 80 columns, or 60, without breaking what must stay whole.

Each column says whether it holds tokens (references, step ids, times, names: never
broken) or text (titles, notes: wrapped by width, Chinese typesetting respected), and how
early it may be left out when the terminal is narrow (priority 0: never). Text columns
share what the token columns leave, each at least its minimum.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from yuqing_cli.render.console import out
from yuqing_cli.render.wrap import wrap_text

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
) -> Table:
    """A table of ``rows`` fitted to ``width`` columns (default: the terminal's); text
    cells never break inside a ``whole`` word (people's names)."""
    whole = tuple(whole)
    width = width or out().width
    natural = [
        max([_width(c.header)] + [_width(row[i]) for row in rows]) for i, c in enumerate(columns)
    ]
    keep = list(range(len(columns)))

    def needed(kept: list[int]) -> int:
        return _overhead(len(kept)) + sum(
            natural[i]
            if columns[i].token
            else min(natural[i], max(columns[i].min_width, _width(columns[i].header)))
            for i in kept
        )

    while needed(keep) > width:
        droppable = [i for i in keep if columns[i].priority > 0]
        if not droppable:
            break
        keep.remove(max(droppable, key=lambda i: (columns[i].priority, i)))
    widths = _share(columns, natural, keep, width)
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


def _share(
    columns: Sequence[Column], natural: list[int], keep: list[int], width: int
) -> dict[int, int]:
    widths = {i: natural[i] for i in keep if columns[i].token}
    texts = [i for i in keep if not columns[i].token]
    room = width - _overhead(len(keep)) - sum(widths.values())
    for i in texts:
        widths[i] = min(natural[i], max(columns[i].min_width, _width(columns[i].header)))
    room -= sum(widths[i] for i in texts)
    # Give what is left to the text columns that want more, a column at a time in turn.
    while room > 0:
        wanting = [i for i in texts if widths[i] < natural[i]]
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


def _fit(cell: Cell, width: int, whole: tuple[str, ...] = ()) -> Text:
    text = cell if isinstance(cell, Text) else Text(cell)
    if _width(text) <= width:
        return text
    return wrap_text(text, width, whole)
