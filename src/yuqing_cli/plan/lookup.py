"""Finding a plan item from what people type: one matcher for every kind of item.

An item is named by the fields its model declares as names (:mod:`yuqing_cli.plan.fields`):
its id, its Chinese name, its English name, an alias (a level's roman numeral). A token
matches a name after NFKC normalisation (Ⅱ → II, full-width → ASCII), without spaces and
in any case; a Chinese name written as alternatives (``权威信息/通报``) is matched by each
part; and a token in Chinese that begins exactly one item's Chinese name (``特别`` for
``特别重大``, ``吹风`` for ``例行发布会/吹风会``) names that item. A token that could name
several is refused with the candidates; one that names none, with a did-you-mean hint.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _
from yuqing_cli.plan.fields import Name

T = TypeVar("T")


def normal(text: str) -> str:
    """For matching what people type: NFKC (Ⅱ → II, full-width → ASCII), no spaces,
    upper case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def suggest(token: str, names: Sequence[str], otherwise: str) -> str:
    """A "did you mean" hint with the closest names, else ``otherwise``."""
    import difflib  # only when a token is not found

    close = difflib.get_close_matches(token.strip(), list(names), n=3, cutoff=0.5)
    if close:
        return _("did you mean {names}?").format(names=", ".join(dict.fromkeys(close)))
    return otherwise


class Names(Generic[T]):
    """The names of the items of one kind, normalised once.

    ``fields`` are (field, how) pairs as :func:`~yuqing_cli.plan.fields.name_fields` gives
    them; ``prefixes`` allows unique prefixes of Chinese names; ``prepare`` rewrites a
    normalised token first (``二级`` → ``II``).
    """

    __slots__ = ("by_id", "exact", "parts", "shown", "prepare", "label")

    def __init__(
        self,
        items: Sequence[T],
        fields: tuple[tuple[str, Name], ...],
        *,
        prefixes: bool = True,
        prepare: Callable[[str], str] | None = None,
    ) -> None:
        self.by_id: dict[str, T] = {}
        self.exact: dict[str, list[T]] = {}
        self.parts: list[tuple[str, T]] = []
        self.shown: list[str] = []  # the names a did-you-mean hint offers
        self.label: dict[int, str] = {}  # how a candidate is shown: "name (id)"
        self.prepare = prepare
        for item in items:
            given: dict[Name, str] = {}
            for field, how in fields:
                value: str = getattr(item, field)
                if not value:
                    continue
                chinese = how in (Name.ZH, Name.TITLE)
                given.setdefault(Name.ZH if chinese else how, value)
                if how is Name.ID:
                    self.by_id.setdefault(value, item)
                if how is not Name.EN:
                    self.shown.append(value)
                alternatives = [value]
                if chinese:
                    alternatives += [p for p in value.split("/") if p.strip()]
                for name in alternatives:
                    key = normal(name)
                    bucket = self.exact.setdefault(key, [])
                    if not any(x is item for x in bucket):
                        bucket.append(item)
                    if chinese and prefixes:
                        self.parts.append((key, item))
            ident = given.get(Name.ID, "")
            shown = given.get(Name.ZH, ident)
            self.label[id(item)] = f"{shown} ({ident})" if ident and ident != shown else shown
        self.shown = list(dict.fromkeys(self.shown))

    def matches(self, token: str) -> list[T]:
        """The items ``token`` names: one, several (ambiguous) or none."""
        found = self.by_id.get(token)
        if found is not None:
            return [found]
        wanted = normal(token)
        if self.prepare is not None:
            wanted = self.prepare(wanted)
        hits = self.exact.get(wanted)
        if hits:
            return hits
        if not wanted or wanted.isascii():
            return []
        out: list[T] = []
        for name, item in self.parts:
            if name.startswith(wanted) and not any(x is item for x in out):
                out.append(item)
        return out


def find(names: Names[T], token: str, unknown: str, listing: Callable[[], str]) -> T:
    """The one item ``token`` names. ``unknown`` is the message when none does (with a
    ``{token}`` field); ``listing`` gives the hint when no name is close."""
    hits = names.matches(token)
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise BadInput(
            _("{token!r} could be {names}").format(
                token=token, names=", ".join(names.label[id(x)] for x in hits)
            ),
            hint=_("type more of the name, or the id"),
        )
    raise BadInput(unknown.format(token=token), hint=suggest(token, names.shown, listing()))


def listed(items: Sequence[Any], show: Callable[[Any], str]) -> str:
    return ", ".join(show(x) for x in items)
