"""Make untrusted text (from the web, from users) safe to print.

Titles, summaries and notes are shown literally: no Rich markup is interpreted
(callers wrap them in :class:`rich.text.Text`, never in markup strings) and no
terminal control sequence reaches the terminal — control characters are shown
as visible escapes such as ``\\x1b``.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, the bidirectional marks,
# embeddings, overrides and isolates that can make a line read differently from what
# it holds, and the zero-width and other invisible format characters.
_INVISIBLE = (
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
# In JSON, C0 controls are escaped by the encoder already; these are not.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_INVISIBLE}\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str, *, single_line: bool = False) -> str:
    """Return ``text`` with control characters made visible."""
    out = _CONTROL.sub(_escape, text)
    if single_line:
        out = out.replace("\r", "\\r").replace("\n", " ").replace("\t", " ")
    return out


def json_safe(text: str) -> str:
    """JSON text with invisible and C1 control characters as ``\\uXXXX`` escapes.

    The escapes decode to the same characters, so the data is unchanged; only the bytes
    a terminal would act on are gone.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
