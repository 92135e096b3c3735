"""The interface language: English or Chinese, through gettext catalogs.

Chosen by ``--lang``, else ``$YQ_LANG``, else the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``: ``zh_*`` means Chinese), else English. Messages are
English in the source (the msgids); ``locale/zh_CN/LC_MESSAGES/yuqing_cli.po`` holds
their Chinese, compiled to ``.mo`` with Babel (see docs/translating.md). The plan's
own texts are never translated: they are shown as the plan writes them.

Documents are written in their unit's language (the plan's ``unit.language``), not
the operator's: :func:`speaking` switches the messages for the time a document is
built, and back.

Typer words a few headings of its help ("Options", "Commands", "[env var: …]")
through the standard ``gettext`` domain; ``messages.po`` beside ours translates
those, and :func:`setup` points that domain at it.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "yuqing_cli"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"en": None, "zh": "zh_CN"}

_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def detect(explicit: str | None = None) -> str:
    """``en`` or ``zh``, from the option, the environment or the locale."""
    for value in (explicit, os.environ.get("YQ_LANG")):
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def _catalog(language: str) -> gettext.NullTranslations:
    locale = LANGUAGES[language]
    if locale is None:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[locale], fallback=True)


def setup(explicit: str | None = None) -> str:
    """Switch the interface language; returns the one chosen."""
    global _current, _language
    language = detect(explicit)
    _language = language
    locale = LANGUAGES[language]
    _current = _catalog(language)
    # The framework's own words, looked up in the default domain by language.
    gettext.bindtextdomain("messages", str(LOCALE_DIR))
    os.environ["LANGUAGE"] = locale or "en"
    return language


def language() -> str:
    """The interface language in use: ``en`` or ``zh``."""
    return _language


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Messages in ``language`` (``en`` or ``zh``) inside the block, e.g. while a document
    of a unit whose language is not the operator's is built; the interface's after."""
    global _current, _language
    saved = _current, _language
    chosen = language if language in LANGUAGES else "en"
    _current, _language = _catalog(chosen), chosen
    try:
        yield
    finally:
        _current, _language = saved


def _(message: str) -> str:
    """Translate one message (an English msgid)."""
    return _current.gettext(message)


setup()
