"""Long tables as plain aligned lines, written as the rows come.

A Rich table measures every row before it prints the first, which costs time and
memory in proportion to the rows. A long output (an audit trail over years, every
incident, a busy day's movements) is written here instead: the column widths are
measured in terminal cells (a Chinese character is two) over the header and the first
rows, then every row is written as it comes. A later cell wider than its column pushes
the rest of its own line to the right; no text is cut. The last column is not padded.

Cells are plain strings, already made safe (:func:`yuqing_cli.render.safe.clean`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from typing import Protocol, TypeVar

from rich.cells import cell_len

T = TypeVar("T")


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


# Up to this many rows, a table is drawn by Rich (it wraps long cells to the
# terminal); beyond it, plain lines. Also the rows the widths are measured on.
LONG = 100
GAP = "  "


def short_or_long(rows: Iterable[T], limit: int = LONG) -> tuple[list[T], Iterator[T] | None]:
    """The rows as a list if there are at most ``limit``; else the first ones and an
    iterator over all of them (the first ones included)."""
    iterator = iter(rows)
    head = list(islice(iterator, limit + 1))
    if len(head) <= limit:
        return head, None
    return head, chain(head, iterator)


def _width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def write_aligned(
    out: Writable,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    right: Collection[int] = (),
    least: Mapping[int, int] | None = None,
    sample: int = LONG,
) -> int:
    """Write ``header``, a rule and the ``rows``, aligned (columns in ``right`` to the
    right; ``least`` gives columns a least width); returns the number of rows."""
    iterator = iter(rows)
    head = list(islice(iterator, sample))
    last = len(header) - 1
    widths = [max(_width(h), (least or {}).get(i, 0)) for i, h in enumerate(header)]
    for row in head:
        for i in range(last):
            w = _width(row[i])
            if w > widths[i]:
                widths[i] = w

    columns = [(widths[i], i not in right) for i in range(last)]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for text, (width, left) in zip(cells, columns):  # noqa: B905 - the last cell apart
            if not text.isascii():
                width -= cell_len(text) - len(text)
            parts.append(text.ljust(width) if left else text.rjust(width))
        parts.append(cells[last])
        return GAP + GAP.join(parts).rstrip() + "\n"

    out.write(line(header))
    out.write(GAP + "─" * (sum(widths[:last]) + len(GAP) * last + widths[last]) + "\n")
    count = 0
    write = out.write
    for row in chain(head, iterator):
        write(line(row))
        count += 1
    return count
