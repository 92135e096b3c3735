"""Checks of the plan that no field's declaration can make: names that must read as
they are, the countersigned line, the grading aid's rules, the defaults of `yq new`.

:class:`SectionChecks` is mixed into the loader's builder; it reports through the same
:class:`~yuqing_cli.plan.reader.Reader`, so every problem names its line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import yaml

from yuqing_cli.i18n import _
from yuqing_cli.plan.fields import Name, id_field, name_fields
from yuqing_cli.plan.reader import Reader, code_point, invisible_chars
from yuqing_cli.plan.schema import AssessmentRule, Defaults, LineRules, Plan
from yuqing_cli.plan.vocabulary import CATEGORY, LEVEL, SENTIMENT

if TYPE_CHECKING:
    from yuqing_cli.plan.records import Item, Records


class SectionChecks:
    """Cross-checks of the plan's sections (needs the builder's reader and records)."""

    reader: Reader
    records: Records

    def check_names(self) -> None:
        """Ids and names people type and read must be what they look like.

        Refused: invisible characters — controls (C0, C1), format characters (zero-width,
        bidirectional controls), any default-ignorable code point (U+034F, variation
        selectors, tags…) —, compatibility characters (full-width letters, ligatures: NFKC
        would change them), and two names of one kind that become the same after NFKC
        normalisation and case folding: ``郭雁`` and ``郭雁\\u034f`` are not two people.
        """
        for cls, items in self.records.items.items():
            fields = name_fields(cls)
            if not fields:
                continue
            ident_field = id_field(cls)
            seen: dict[str, str] = {}
            for item in items:
                ident = getattr(item.value, ident_field.name) if ident_field else ""
                for field, how in fields:
                    text = getattr(item.value, field)
                    # as written, before spaces around it (a trailing NEL…) are trimmed
                    node = getattr(item.at, field)
                    written = node.value if isinstance(node, yaml.ScalarNode) else text
                    # a title is a sentence, and English is checked for what hides only
                    sentence = how in (Name.TITLE, Name.EN)
                    if text and self._plain(item, text, written, sentence) and not sentence:
                        self._distinct(item, text, ident, seen)

    def _plain(self, item: Item[Any], text: str, written: str, sentence: bool) -> bool:
        odd = invisible_chars(written)
        if not sentence and unicodedata.normalize("NFKC", text) != text:
            odd += [c for c in text if unicodedata.normalize("NFKC", c) != c]
        if not odd:
            return True
        what = item.ref.noun() if item.ref is not None else type(item.value).__name__
        self.reader.fail(
            item.node,
            _("{what} {name!r} contains invisible or compatibility characters").format(
                what=what, name=written
            ),
            _("type it again in plain characters, without {chars}").format(
                chars=", ".join(dict.fromkeys(code_point(c) for c in odd))
            ),
        )
        return False

    def _distinct(self, item: Item[Any], text: str, ident: str, seen: dict[str, str]) -> None:
        key = unicodedata.normalize("NFKC", text).casefold()
        other = seen.get(key)
        if other is not None and other != ident:
            what = item.ref.noun() if item.ref is not None else type(item.value).__name__
            self.reader.fail(
                item.node,
                _("{what} {name!r} looks the same as {other!r}").format(
                    what=what, name=text, other=other
                ),
                _("give each {what} a name that reads differently").format(what=what),
            )
        seen.setdefault(key, ident)

    def finish_defaults(self, item: Item[Defaults]) -> Defaults:
        """`defaults:` not given: the lowest level, the last category, the first sentiment."""
        chosen = item.value
        levels, categories, sentiments = (
            self.records.ids(ref) or [""] for ref in (LEVEL, CATEGORY, SENTIMENT)
        )
        return replace(
            chosen,
            level=chosen.level or levels[0],
            category=chosen.category or categories[-1],
            sentiment=chosen.sentiment or sentiments[0],
        )

    def finish_rule(self, item: Item[AssessmentRule]) -> AssessmentRule:
        rule = item.value
        when = item.at.when
        if when is not None and not when.value:
            self.reader.fail(when, _("{owner} has an empty `when`").format(owner=item.owner))
        if (rule.suggest_level is None) == (rule.suggest_step is None):
            self.reader.fail(
                item.at.suggest,
                _("{owner} must suggest a level or a step").format(owner=item.owner),
            )
        return rule

    def check_line(self, plan: Plan) -> None:
        """A countersigned line needs no more signatures than people who may approve it."""
        line: LineRules | None = plan.line
        items = self.records.items_of(LineRules)
        if line is None or not items:
            return
        holders = {p.name for p in plan.people if set(p.roles) & set(line.approvers)}
        if line.signatures > len(holders):
            self.reader.fail(
                items[0].at.signatures,
                _(
                    "the line needs {n} signatures, but only {m} person(s) on the "
                    "roster may approve it"
                ).format(n=line.signatures, m=len(holders)),
                _("add approvers to the roster, or ask for fewer signatures"),
            )
