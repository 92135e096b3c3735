"""Wrapping text by its width on the terminal, Chinese included.

A Chinese character takes two columns; Chinese has no spaces, so a line may break between
any two characters — except that no line may start with closing punctuation (，。）…) or
end with opening punctuation (（《「…), the rules of Chinese typesetting (避头尾). Latin
runs — references, step ids, times, names of options, numbers — are never broken inside
unless a single one is wider than the line.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

# May not start a line.
CLOSING = set("，。、；：？！）》」』】〕〉”’…—·%％,.;:?!)]}>")
# May not end a line.
OPENING = set("（《「『【〔〈“‘([{<")
# Runs kept whole: letters, digits and the marks inside identifiers, times and paths.
_TOKEN = re.compile(r"[A-Za-z0-9_\-:./@#%+=~'\"|\\]+|[ \t]+|\n|.", re.S)


def _pieces(text: str) -> list[tuple[int, str]]:
    """Unbreakable pieces with their offsets: a Latin run, a run of spaces, a newline, or
    one other character — closing punctuation glued to what precedes it, opening
    punctuation to what follows."""
    pieces: list[tuple[int, str]] = []
    for m in _TOKEN.finditer(text):
        piece = m.group()
        if pieces and piece[0] in CLOSING and not pieces[-1][1].isspace():
            start, prev = pieces[-1]
            pieces[-1] = (start, prev + piece)
        elif pieces and pieces[-1][1][-1] in OPENING and not piece.isspace():
            start, prev = pieces[-1]
            pieces[-1] = (start, prev + piece)
        else:
            pieces.append((m.start(), piece))
    return pieces


def line_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Where each line of ``text`` wrapped to ``width`` columns starts and ends."""
    width = max(width, 2)
    spans: list[tuple[int, int]] = []
    start: int | None = None  # where the current line starts
    end = 0  # where its last piece ends
    used = 0  # its width so far
    pending = 0  # the width of the spaces after it, kept if more follows on the line
    for offset, piece in _pieces(text):
        if piece == "\n":
            spans.append((start, end) if start is not None else (offset, offset))
            start, used, pending = None, 0, 0
            continue
        size = cell_len(piece)
        if piece.isspace():
            pending += size if start is not None else 0
            continue
        if start is not None and used + pending + size > width:
            spans.append((start, end))
            start, used, pending = None, 0, 0
        if start is None:
            while size > width:  # a single piece wider than the line: fold it
                cut = _cut(piece, width)
                spans.append((offset, offset + cut))
                offset, piece = offset + cut, piece[cut:]
                size = cell_len(piece)
            start, used = offset, size
        else:
            used += pending + size
        pending = 0
        end = offset + len(piece)
    if start is not None:
        spans.append((start, end))
    return spans or [(0, 0)]


def _cut(piece: str, width: int) -> int:
    """Where to fold a piece wider than the line: as far as fits, moved back so the next
    line does not start with closing punctuation nor this one end with opening."""
    cut = len(piece)
    used = 0
    for i, char in enumerate(piece):
        used += cell_len(char)
        if used > width:
            cut = max(i, 1)
            break
    while 1 < cut < len(piece) and (piece[cut] in CLOSING or piece[cut - 1] in OPENING):
        cut -= 1
    return cut


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` columns."""
    return [text[a:b] for a, b in line_spans(text, width)]


def wrap_text(text: Text, width: int) -> Text:
    """A Rich text wrapped to ``width`` columns, its styles kept."""
    spans = line_spans(text.plain, width)
    lines = [text[a:b] for a, b in spans]
    return Text("\n").join(lines)
