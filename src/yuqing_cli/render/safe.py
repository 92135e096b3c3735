"""Make untrusted text (from the web, from users, from plan files) safe to print.

Titles, summaries and notes are shown literally: no Rich markup is interpreted
(callers wrap them in :class:`rich.text.Text`, never in markup strings), and nothing a
terminal, a document or a reader's eye would take for something else gets through as
it is. One set of characters, :data:`UNSAFE`, is escaped in every output — the
terminal, Markdown, CSV, Word, JSON — by :func:`clean` (``\\x1b``, ``\\u202e``,
``\\U000e0041``) or, in JSON, by :func:`json_safe` (``\\u202e``, which decodes to the
same text):

- every control character (Unicode category Cc) but tab and newline, where a text
  may have several lines (:func:`clean` with ``single_line`` turns those into spaces);
- every format character (Cf): the bidirectional marks, embeddings, overrides and
  isolates that make a line read otherwise than it holds, the zero-width space,
  joiners and non-joiners, the soft hyphen, the Arabic number signs, the tag
  characters… The zero-width joiner is escaped inside emoji sequences too: a family
  emoji shows as its parts joined by ``\\u200d``. Safety first: the same person's name
  can then never be two different-looking strings;
- line and paragraph separators (Zl, Zp), which some programs take for a line end;
- private-use characters (Co) and lone surrogates (Cs), which show as anything or
  nothing;
- the whole tag block U+E0000–E007F, and the invisible letters and fillers that are
  not Cf (U+034F combining grapheme joiner, the Hangul fillers, U+17B4/17B5, the
  Mongolian variation selectors).

Variation selectors (U+FE00–FE0F, U+E0100–E01EF) stay: they choose how a visible
character looks (an emoji, a rare character of a person's name) and are not text of
their own. ``tests/test_security.py`` checks :data:`UNSAFE` against the Unicode
database of the running Python.
"""

from __future__ import annotations

import re

# Written out (not computed from unicodedata at import, which would cost every command
# a pass over all of Unicode). Unicode 15's Cf additions are included.
UNSAFE_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ud800-\uf8ff\ufeff\uffa0"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f\U000f0000-\U000ffffd"
    "\U00100000-\U0010fffd"
)
UNSAFE = re.compile(f"[{UNSAFE_CLASS}]")


def escape(char: str) -> str:
    """One character as a visible escape: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def json_escape(char: str) -> str:
    """One character as JSON writes it escaped (a surrogate pair above U+FFFF)."""
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def clean(text: str, *, single_line: bool = False) -> str:
    """Return ``text`` with every unsafe character made a visible escape; with
    ``single_line``, its line ends and tabs made spaces as well."""
    out = UNSAFE.sub(lambda m: escape(m.group()), text)
    if single_line:
        out = out.replace("\n", " ").replace("\t", " ")
    return out


def json_safe(text: str) -> str:
    """JSON text with every unsafe character as a ``\\uXXXX`` escape.

    The escapes decode to the same characters, so the data is unchanged; only the bytes
    a terminal would act on are gone. (Raw characters of JSON text only occur inside its
    strings, where an escape means the same.)
    """
    return UNSAFE.sub(lambda m: json_escape(m.group()), text)


def shorten(text: str, limit: int = 80) -> str:
    """At most ``limit`` characters of ``text`` on one line, escaped, with ``…`` where
    it was cut: untrusted input quoted in a message."""
    cut = text if len(text) <= limit else text[:limit]
    return clean(cut, single_line=True) + ("…" if len(text) > limit else "")


# What a spreadsheet reads as the start of a formula, full-width forms included.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def spreadsheet_safe(value: str) -> str:
    """Neutralise a CSV cell a spreadsheet would run as a formula (prefix a quote)."""
    return "'" + value if value.startswith(FORMULA_START) else value


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|!~])")


def markdown_safe(value: str) -> str:
    """Untrusted text as literal Markdown inline text, safe inside a table cell."""
    text = clean(value).replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)
