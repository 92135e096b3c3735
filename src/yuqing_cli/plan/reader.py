"""Reading composed YAML nodes into checked values, collecting problems with their lines.

The plan loader (:mod:`yuqing_cli.plan.loader`) and its section readers
(:mod:`yuqing_cli.plan.sections`) read every value through :class:`Reader`, so that
each problem is reported as ``file:line: what is wrong — what to do``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml

from yuqing_cli.errors import BadInput, ExitCode
from yuqing_cli.i18n import _

T = TypeVar("T")

try:  # libyaml is much faster where the wheel ships it
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class Problem:
    line: int | None
    message: str
    hint: str = ""

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        text = f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class PlanError(BadInput):
    """A plan that cannot be used. Carries every problem found."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0].render(source)
        more = len(problems) - 1
        super().__init__(
            _("bad plan: {problem}").format(problem=first),
            hint=_("fix the plan file and run `yq plan check FILE`")
            + (_(" ({n} more problem(s) below)").format(n=more) if more else ""),
            details=[p.render(source) for p in problems[1:]],
        )


class Label:
    """Text for a message, made only if a message is: what a value is, as messages name it
    ("`due.hours` of step 'report'"). Most values read are fine and never need it."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make

    def __str__(self) -> str:
        return self._make()


What = str | Label


class Abort(Exception):
    """Stops reading a part of the plan whose shape is too wrong to go on."""


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


@dataclass
class Reader:
    """Reads composed YAML nodes, collecting problems with their lines."""

    problems: list[Problem] = field(default_factory=list)

    def fail(self, node: yaml.Node | None, message: str, hint: str = "") -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(line, message, hint))

    def mapping(
        self, node: yaml.Node, what: What, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, _("{what} must be a mapping of keys to values").format(what=what))
            raise Abort
        out: dict[str, yaml.Node] = {}
        allowed = required + optional
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.fail(key_node, _("{what} has a key that is not text").format(what=what))
                continue
            if key in out:
                self.fail(
                    key_node,
                    _("{what} has the key {key!r} twice").format(what=what, key=key),
                    _("keep only one"),
                )
                continue
            if key not in allowed:
                self.fail(
                    key_node,
                    _("unknown key {key!r} in {what}").format(key=key, what=what),
                    _("allowed keys: ") + ", ".join(allowed),
                )
                continue
            out[key] = value_node
        for key in required:
            if key not in out:
                self.fail(
                    node,
                    _("{what} is missing {key!r}").format(what=what, key=key),
                    _("add `{key}:`").format(key=key),
                )
        return out

    def sequence(self, node: yaml.Node, what: What) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, _("{what} must be a list").format(what=what))
            raise Abort
        return list(node.value)

    def scalar(self, node: yaml.Node, what: What) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(
                node, _("{what} must be a single value, not a list or mapping").format(what=what)
            )
            raise Abort
        return _CONSTRUCTOR.construct_object(node)

    def text(self, node: yaml.Node | None, what: What, default: str = "") -> str:
        if node is None:
            return default
        value = self.scalar(node, what)
        if isinstance(value, bool) or value is None or isinstance(value, list | dict):
            self.fail(
                node,
                _("{what} must be text, got {value!r}").format(what=what, value=value),
                _("quote it"),
            )
            raise Abort
        if not isinstance(value, str):  # numbers and dates: keep what was written
            return str(node.value)
        return value.strip()

    def flag(self, node: yaml.Node | None, what: What, default: bool) -> bool:
        if node is None:
            return default
        value = self.scalar(node, what)
        if not isinstance(value, bool):
            self.fail(
                node,
                _("{what} must be true or false, got {node_value!r}").format(
                    what=what, node_value=node.value
                ),
            )
            raise Abort
        return value

    def number(self, node: yaml.Node, what: What) -> float:
        value = self.scalar(node, what)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.fail(
                node,
                _("{what} must be a positive number, got {node_value!r}").format(
                    what=what, node_value=node.value
                ),
            )
            raise Abort
        return float(value)

    def texts(self, node: yaml.Node | None, what: What) -> list[tuple[str, yaml.Node]]:
        if node is None:
            return []
        return [(self.text(item, what), item) for item in self.sequence(node, what)]

    def each(self, node: yaml.Node | None, what: What, read: Callable[[yaml.Node], T]) -> list[T]:
        """Read every item of a list, going on past items that are broken."""
        if node is None:
            return []
        out: list[T] = []
        try:
            items = self.sequence(node, what)
        except Abort:
            return out
        for item in items:
            try:
                out.append(read(item))
            except Abort:
                continue
        return out


# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15.1): code
# points a renderer shows as nothing, whatever their general category — U+034F COMBINING
# GRAPHEME JOINER is a mark (Mn), the variation selectors too, U+3164 HANGUL FILLER a
# letter (Lo). Python's unicodedata does not carry the property, so here it is.
_DEFAULT_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def default_ignorable(char: str) -> bool:
    return _DEFAULT_IGNORABLE.match(char) is not None


def invisible_chars(text: str) -> list[str]:
    """The characters of ``text`` that make it read differently from what it holds:
    controls (Cc: C0 and C1), format characters (Cf: zero-width, bidirectional controls),
    line and paragraph separators, private-use, surrogates, unassigned code points, and
    every default-ignorable code point whatever its category."""
    if text.isprintable():  # no Cc, Cf, Co, Cs, Cn, Zl, Zp: only marks or letters to find
        return _DEFAULT_IGNORABLE.findall(text)
    return [
        c
        for c in text
        if (not c.isprintable() and unicodedata.category(c) != "Zs") or default_ignorable(c)
    ]


def invisible(text: str) -> bool:
    return bool(invisible_chars(text))


def code_point(char: str) -> str:
    """``U+034F COMBINING GRAPHEME JOINER``: a character named so it can be seen."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".rstrip()


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1
