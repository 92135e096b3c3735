"""Cut a written time into words: numbers and the words of :data:`.forms.WORDS`."""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any, NamedTuple

from yuqing_cli.when.forms import CHINESE_DIGITS, CHINESE_TENS, WORDS

# A time is a short text: anything longer is refused before it is read.
MAX_LENGTH = 80


class Token(NamedTuple):
    kind: str  # "num", "?" (not understood) or a kind of WORDS
    value: Any
    start: int  # where it is in the normalised text
    end: int
    digits: int = 0  # for a number: how many digits it was written with

    def is_(self, kind: str) -> bool:
        return self.kind == kind


def normalise(text: str) -> str:
    """Full-width digits, letters and signs as ASCII; runs of spaces as one."""
    value = unicodedata.normalize("NFKC", text).strip()
    return " ".join(value.split())


@cache
def _longest() -> int:
    return max(len(word) for word in WORDS)


def tokens(text: str) -> list[Token]:
    """The words of a normalised text; what is not understood is a ``?`` token."""
    out: list[Token] = []
    lowered = text.lower()
    i, n, longest = 0, len(text), _longest()
    while i < n:
        ch = text[i]
        if ch == " ":
            i += 1
            continue
        for size in range(min(longest, n - i), 0, -1):
            found = WORDS.get(lowered[i : i + size])
            if found is not None and not _cuts_a_word(lowered, i, size):
                out.append(Token(found[0], found[1], i, i + size))
                i += size
                break
        else:
            if ch.isascii() and ch.isdigit():
                j = i
                while j < n and text[j].isascii() and text[j].isdigit():
                    j += 1
                out.append(Token("num", int(text[i:j]), i, j, j - i))
                i = j
            elif ch in CHINESE_DIGITS or ch in CHINESE_TENS:
                j = i
                while j < n and (text[j] in CHINESE_DIGITS or text[j] in CHINESE_TENS):
                    j += 1
                out.append(_chinese_number(text, i, j))
                i = j
            else:
                j = i + 1
                while j < n and text[j] != " " and not _starts_a_token(lowered, text, j):
                    j += 1
                out.append(Token("?", text[i:j], i, j))
                i = j
    return out


def _cuts_a_word(lowered: str, i: int, size: int) -> bool:
    """An English word matched inside a longer one (``t`` of ``today``): not a match."""
    end = i + size
    return (
        lowered[end - 1].isascii()
        and lowered[end - 1].isalpha()
        and end < len(lowered)
        and lowered[end].isascii()
        and lowered[end].isalpha()
    )


def _starts_a_token(lowered: str, text: str, j: int) -> bool:
    ch = text[j]
    if (ch.isascii() and ch.isdigit()) or ch in CHINESE_DIGITS or ch in CHINESE_TENS:
        return True
    return any(lowered.startswith(word, j) for word in WORDS if not word.isascii())


def _chinese_number(text: str, i: int, j: int) -> Token:
    """二〇二二 (digit by digit), 十一, 二十三, 廿三, 卅一; 两 alone is 2. A run that is
    neither is not a number (a ``?`` token)."""
    run = text[i:j]
    tens = [k for k, ch in enumerate(run) if ch in CHINESE_TENS]
    if not tens:
        if "两" in run and len(run) > 1:
            return Token("?", run, i, j)
        value = 0
        for ch in run:
            value = value * 10 + CHINESE_DIGITS[ch]
        return Token("num", value, i, j, len(run))
    if len(tens) > 1 or len(run) > 3:
        return Token("?", run, i, j)
    k = tens[0]
    before, after = run[:k], run[k + 1 :]
    if run[k] != "十" and before:  # 二廿 is not a number
        return Token("?", run, i, j)
    if before and (before not in CHINESE_DIGITS or CHINESE_DIGITS[before] < 2 or before == "两"):
        return Token("?", run, i, j)
    if after and (after not in CHINESE_DIGITS or after in "两〇零"):
        return Token("?", run, i, j)
    value = (CHINESE_DIGITS[before] if before else 1) * 10 * CHINESE_TENS[run[k]]
    value += CHINESE_DIGITS[after] if after else 0
    return Token("num", value, i, j, 2)
