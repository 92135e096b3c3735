"""Wrapping text by its width on the terminal, Chinese included.

A Chinese character takes two columns; Chinese has no spaces, so a line may break between
any two characters — except that no line may start with closing punctuation (，。）…) or
end with opening punctuation (（《「…), the rules of Chinese typesetting (避头尾). Latin
runs — references, step ids, times, names of options, numbers — are never broken inside
unless a single one is wider than the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.cells import cell_len

if TYPE_CHECKING:  # help pages wrap plain strings: Rich's text module is not loaded for them
    from rich.text import Text

# May not start a line.
CLOSING = set("，。、；：？！）》」』】〕〉”’…—·%％,.;:?!)]}>")
# May not end a line.
OPENING = set("（《「『【〔〈“‘([{<")
# Runs kept whole: a date with its time or part of the day, a duration, a short quoted
# value (typed as one argument); letters, digits and the marks inside identifiers, times
# and paths; then spaces, a newline, or any other single character.
_DAY = r"(?:\d{4}-\d\d-\d\d|(?:\d{4}年)?\d{1,2}月\d{1,2}日)"
_TIME = r"(?:~?\d{1,2}:\d\d(?::\d\d)?(?:\.\.\d{1,2}:\d\d)?|上午|中午|下午|晚上|凌晨|深夜)"
_DURATION = r"(?:\d+天(?:\d+小时)?(?:\d+分)?|\d+小时(?:\d+分)?|\d+d(?: \d+h)?(?: \d+m)?|\d+h \d+m)"
_TOKEN = re.compile(
    rf"~?{_DAY} ?{_TIME}(?![0-9A-Za-z:])|{_DURATION}(?![0-9A-Za-z])"
    r"|'[^'\n]{1,24}'|\"[^\"\n]{1,24}\""
    r"|[A-Za-z0-9_\-:./@#%+=~'\"|\\]+|[ \t]+|\n|.",
    re.S,
)


def _pieces(text: str, whole: Iterable[str] = ()) -> list[tuple[int, str]]:
    """Unbreakable pieces with their offsets: a Latin run, a run of spaces, a newline, or
    one other character — closing punctuation glued to what precedes it, opening
    punctuation to what follows, and each occurrence of a ``whole`` word (a name) kept
    in one piece."""
    kept = _kept(text, whole)
    pieces: list[tuple[int, str]] = []
    for m in _TOKEN.finditer(text):
        piece = m.group()
        if piece[0] in CLOSING and len(pieces) > 1 and pieces[-1][1] in (" ", "\u3000"):
            # " · " between two parts: the line breaks after the mark, not before it
            space = pieces.pop()[1]
            start, prev = pieces[-1]
            pieces[-1] = (start, prev + space + piece)
            continue
        if pieces and (
            (piece[0] in CLOSING and not pieces[-1][1].isspace())
            or (pieces[-1][1][-1] in OPENING and not piece.isspace())
            or (m.start() in kept and not piece.isspace())
        ):
            start, prev = pieces[-1]
            pieces[-1] = (start, prev + piece)
        else:
            pieces.append((m.start(), piece))
    return pieces


def widest_piece(text: str, whole: Iterable[str] = ()) -> int:
    """The width of the widest piece of ``text`` that a line does not break inside."""
    return max((cell_len(p) for _at, p in _pieces(text, whole) if not p.isspace()), default=0)


def _kept(text: str, whole: Iterable[str]) -> set[int]:
    """Offsets inside a ``whole`` word (not its first character): no break before them."""
    inside: set[int] = set()
    for word in whole:
        if len(word) < 2:
            continue
        at = text.find(word)
        while at >= 0:
            inside.update(range(at + 1, at + len(word)))
            at = text.find(word, at + len(word))
    return inside


def line_spans(text: str, width: int, whole: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Where each line of ``text`` wrapped to ``width`` columns starts and ends; a line's
    leading spaces (an indent) are kept, the spaces where it breaks are not."""
    width = max(width, 2)
    spans: list[tuple[int, int]] = []
    start: int | None = None  # where the current line starts
    end = 0  # where its last piece ends
    used = 0  # its width so far
    pending = 0  # the width of the spaces after it, kept if more follows on the line
    fresh = True  # at the start of the text or after a newline
    for offset, piece in _pieces(text, whole):
        if piece == "\n":
            spans.append((start, end) if start is not None else (offset, offset))
            start, used, pending, fresh = None, 0, 0, True
            continue
        size = cell_len(piece)
        if piece.isspace():
            if fresh and size < width:  # an indent
                start, used, end = offset, size, offset + len(piece)
            else:
                pending += size if start is not None else 0
            fresh = False
            continue
        fresh = False
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


def wrap(text: str, width: int, whole: Iterable[str] = ()) -> list[str]:
    """``text`` as lines of at most ``width`` columns; ``whole`` words never broken."""
    return [text[a:b] for a, b in line_spans(text, width, whole)]


def wrap_text(text: Text, width: int, whole: Iterable[str] = ()) -> Text:
    """A Rich text wrapped to ``width`` columns, its styles kept."""
    from rich.text import Text

    spans = line_spans(text.plain, width, whole)
    lines = [text[a:b] for a, b in spans]
    return Text("\n").join(lines)


def hanging(text: Text, width: int, indent: str = "    ", whole: Iterable[str] = ()) -> Text:
    """``text`` on one line if it fits; else wrapped to ``width`` columns with its
    continuation lines indented by ``indent``."""
    if cell_len(text.plain) <= width:
        return text
    from rich.text import Text

    whole = tuple(whole)
    first_end = line_spans(text.plain, width, whole)[0][1]
    first = text[:first_end]
    rest = text[first_end:]
    rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")) :]
    tail = wrap_text(rest, max(width - cell_len(indent), 2), whole)
    lines = [first, *(Text(indent) + line for line in tail.split("\n"))]
    return Text("\n").join(lines)
