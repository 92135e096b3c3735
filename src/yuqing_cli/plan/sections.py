"""The plan's sections beyond the workflow itself: milestones, defaults, time, names,
and the substance of a response — assessments (研判), the unified line (口径) and
public statements.

:class:`SectionReaders` is mixed into the loader's builder; it reads through the same
:class:`~yuqing_cli.plan.reader.Reader`, so every problem names its line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

import yaml

from yuqing_cli.i18n import _
from yuqing_cli.plan.reader import Abort, Reader, invisible
from yuqing_cli.plan.schema import (
    METRICS,
    TRENDS,
    AssessmentRule,
    AssessmentRules,
    Category,
    Defaults,
    Level,
    LineRules,
    Milestone,
    Person,
    ReportSettings,
    Role,
    Sentiment,
    Stage,
    StatementKind,
    StatementRules,
    TimeSettings,
)

if TYPE_CHECKING:
    from collections.abc import Sequence


class SectionReaders:
    """Readers of the plan's smaller sections (needs the builder's reader and context)."""

    reader: Reader
    ctx_levels: list[Level]
    ctx_roles: dict[str, Role]

    if TYPE_CHECKING:  # provided by the loader's builder

        def article(self, node: yaml.Node | None, owner: yaml.Node, what: str) -> str: ...

        def check_refs(
            self,
            node: yaml.Node,
            refs: tuple[str, ...] | frozenset[str],
            known: set[str],
            what: str,
            owner: str,
        ) -> None: ...

    def check_names(self, groups: list[tuple[str, list[tuple[str, str, yaml.Node]]]]) -> None:
        """Ids and names people type and read must be what they look like.

        Refused: compatibility characters (full-width letters, ligatures: NFKC would
        change them), invisible characters (zero-width, bidirectional controls), and two
        names of one kind that become the same after NFKC normalisation and case folding.
        """
        r = self.reader
        for what, items in groups:
            seen: dict[str, str] = {}
            for item_id, name, node in items:
                for text in dict.fromkeys((item_id, name)):
                    if invisible(text) or unicodedata.normalize("NFKC", text) != text:
                        r.fail(
                            node,
                            _(
                                "{what} {name!r} contains invisible or compatibility characters"
                            ).format(what=what, name=text),
                            _("type it again in plain characters"),
                        )
                        continue
                    key = unicodedata.normalize("NFKC", text).casefold()
                    other = seen.get(key)
                    if other is not None and other != item_id:
                        r.fail(
                            node,
                            _("{what} {name!r} looks the same as {other!r}").format(
                                what=what, name=text, other=other
                            ),
                            _("give each {what} a name that reads differently").format(what=what),
                        )
                    seen.setdefault(key, item_id)

    def read_milestone(self, node: yaml.Node) -> Milestone:
        r = self.reader
        m = r.mapping(node, _("a milestone"), ("id", "name"), ("name_en", "article"))
        if "id" not in m or "name" not in m:
            raise Abort
        milestone_id = r.text(m["id"], _("milestone id"))
        return Milestone(
            milestone_id,
            r.text(m["name"], "name"),
            r.text(m.get("name_en"), "name_en"),
            self.article(m.get("article"), node, _("milestone {id!r}").format(id=milestone_id)),
        )

    def read_defaults(
        self,
        node: yaml.Node | None,
        levels: list[Level],
        categories: list[tuple[Category, yaml.Node]],
        sentiments: tuple[Sentiment, ...],
    ) -> Defaults:
        """`defaults:`; without it, the lowest level, the last category, the first sentiment."""
        fallback = Defaults(
            levels[0].id if levels else "",
            categories[-1][0].id if categories else "",
            sentiments[0].id,
        )
        if node is None:
            return fallback
        r = self.reader
        m = r.mapping(node, _("`defaults`"), (), ("level", "category", "sentiment"))
        chosen = {}
        for key, known in (
            ("level", [x.id for x in levels]),
            ("category", [x.id for x, _node in categories]),
            ("sentiment", [x.id for x in sentiments]),
        ):
            if key not in m:
                continue
            value = r.text(m[key], key)
            if value not in known:
                r.fail(
                    m[key],
                    _("the default {key} {value!r} is not one of the plan's").format(
                        key=key, value=value
                    ),
                    _("known: {names}").format(names=", ".join(known)),
                )
                continue
            chosen[key] = value
        return replace(fallback, **chosen)

    def read_time(self, node: yaml.Node | None) -> TimeSettings:
        if node is None:
            return TimeSettings()
        r = self.reader
        m = r.mapping(node, _("`time`"), (), ("approximate_minutes", "unknown", "source"))
        return TimeSettings(
            r.number(m["approximate_minutes"], "approximate_minutes")
            if "approximate_minutes" in m
            else TimeSettings().approximate_minutes,
            r.flag(m.get("unknown"), "unknown", True),
            r.text(m.get("source"), "source"),
        )

    def read_report(self, node: yaml.Node | None, role_ids: set[str]) -> ReportSettings:
        """`report:` who signs off (签发) an issued daily report."""
        if node is None:
            return ReportSettings()
        r = self.reader
        m = r.mapping(node, _("`report`"), ("sign_off",), ("article", "source", "ledger_paper"))
        roles = tuple(t for t, _n in r.texts(m["sign_off"], _("roles that sign off")))
        if not roles:
            r.fail(
                m["sign_off"],
                _("`report.sign_off` names no role"),
                _("list the role ids that sign off the daily report, e.g. [leader]"),
            )
        self.check_refs(m["sign_off"], roles, role_ids, _("role"), "`report.sign_off`")
        paper = r.text(m.get("ledger_paper"), "ledger_paper") or "A4"
        if paper.upper() not in ("A4", "A3"):
            r.fail(m["ledger_paper"], _("`report.ledger_paper` must be A4 or A3"))
        return ReportSettings(
            roles,
            self.article(m.get("article"), node, "`report`"),
            r.text(m.get("source"), "source"),
            paper.upper(),
        )

    # -- the substance of a response -----------------------------------------------------

    def read_assessment(
        self, node: yaml.Node | None, stages: Sequence[Stage]
    ) -> AssessmentRules | None:
        if node is None:
            return None
        r = self.reader
        m = r.mapping(node, _("`assessment`"), ("article",), ("step", "rules"))
        steps = {step.id for stage in stages for step in stage.steps}
        step = self._known_step(m.get("step"), steps, _("`assessment`"))
        rules = r.each(m.get("rules"), _("assessment rules"), lambda n: self._rule(n, steps))
        return AssessmentRules(
            self.article(m.get("article"), node, _("`assessment`")), step, tuple(rules)
        )

    def _known_step(self, node: yaml.Node | None, steps: set[str], owner: str) -> str | None:
        if node is None:
            return None
        step = self.reader.text(node, "step")
        if step not in steps:
            self.reader.fail(
                node,
                _("{owner} names unknown step {step!r}").format(owner=owner, step=step),
                _("give a step id of the plan's stages"),
            )
        return step

    def _rule(self, node: yaml.Node, steps: set[str]) -> AssessmentRule:
        r = self.reader
        m = r.mapping(
            node, _("an assessment rule"), ("id", "name", "when", "suggest"), ("article", "source")
        )
        if not {"id", "name", "when", "suggest"} <= m.keys():
            raise Abort
        rule_id = r.text(m["id"], _("rule id"))
        owner = _("assessment rule {id!r}").format(id=rule_id)
        when = r.mapping(
            m["when"],
            _("`when` of {owner}").format(owner=owner),
            (),
            (*METRICS, "rank", "sentiment", "trend", "consecutive"),
        )
        at_least = {k: r.number(when[k], k) for k in METRICS if k in when}
        rank = int(r.number(when["rank"], "rank")) if "rank" in when else None
        trend = r.text(when.get("trend"), "trend") or None
        if trend is not None and trend not in TRENDS:
            r.fail(
                when["trend"],
                _("{owner} has unknown trend {trend!r}").format(owner=owner, trend=trend),
                _("trends: {names}").format(names=", ".join(TRENDS)),
            )
        if not when:
            r.fail(m["when"], _("{owner} has an empty `when`").format(owner=owner))
        suggest = r.mapping(
            m["suggest"], _("`suggest` of {owner}").format(owner=owner), (), ("level", "step")
        )
        level = r.text(suggest.get("level"), "level") or None
        if level is not None and level not in {lv.id for lv in self.ctx_levels}:
            r.fail(
                suggest["level"],
                _("{owner} suggests unknown level {level!r}").format(owner=owner, level=level),
            )
        step = self._known_step(suggest.get("step"), steps, owner)
        if (level is None) == (step is None):
            r.fail(m["suggest"], _("{owner} must suggest a level or a step").format(owner=owner))
        return AssessmentRule(
            id=rule_id,
            name=r.text(m["name"], "name"),
            article=self.article(m.get("article"), node, owner),
            source=r.text(m.get("source"), "source"),
            at_least=at_least,
            rank_at_most=rank,
            sentiment=r.text(when.get("sentiment"), "sentiment") or None,
            trend=trend,
            consecutive=int(r.number(when["consecutive"], "consecutive"))
            if "consecutive" in when
            else 1,
            suggest_level=level,
            suggest_step=step,
        )

    def read_line(
        self, node: yaml.Node | None, stages: Sequence[Stage], people: Sequence[Person]
    ) -> LineRules | None:
        if node is None:
            return None
        r = self.reader
        m = r.mapping(
            node, _("`line`"), ("article", "approvers"), ("step", "countersign", "source")
        )
        if "approvers" not in m:
            raise Abort
        owner = _("`line`")
        approvers = tuple(t for t, _n in r.texts(m["approvers"], _("approvers")))
        self.check_refs(m["approvers"], approvers, set(self.ctx_roles), _("role"), owner)
        steps = {step.id for stage in stages for step in stage.steps}
        levels: frozenset[str] = frozenset()
        signatures = 1
        if "countersign" in m:
            c = r.mapping(
                m["countersign"], _("`countersign`"), ("signatures",), ("min_level", "levels")
            )
            level_ids = [lv.id for lv in self.ctx_levels]
            if "min_level" in c:
                lowest = r.text(c["min_level"], "min_level")
                if lowest in level_ids:
                    levels = frozenset(level_ids[level_ids.index(lowest) :])
                else:
                    r.fail(c["min_level"], _("unknown level {level!r}").format(level=lowest))
            if "levels" in c:
                named = frozenset(t for t, _n in r.texts(c["levels"], "levels"))
                self.check_refs(c["levels"], named, set(level_ids), _("level"), owner)
                levels |= named
            if "signatures" in c:
                signatures = int(r.number(c["signatures"], "signatures"))
                holders = {p.name for p in people if set(p.roles) & set(approvers)}
                if signatures > len(holders):
                    r.fail(
                        c["signatures"],
                        _(
                            "the line needs {n} signatures, but only {m} person(s) on the "
                            "roster may approve it"
                        ).format(n=signatures, m=len(holders)),
                        _("add approvers to the roster, or ask for fewer signatures"),
                    )
        return LineRules(
            article=self.article(m.get("article"), node, owner),
            approvers=approvers,
            step=self._known_step(m.get("step"), steps, owner),
            countersign_levels=levels,
            signatures=signatures,
            source=r.text(m.get("source"), "source"),
        )

    def read_statements(
        self,
        node: yaml.Node | None,
        stages: Sequence[Stage],
        milestones: Sequence[Milestone],
    ) -> StatementRules | None:
        if node is None:
            return None
        r = self.reader
        m = r.mapping(
            node,
            _("`statements`"),
            ("article", "kinds"),
            ("channels", "requires_line", "override"),
        )
        if "kinds" not in m:
            raise Abort
        steps = {step.id for stage in stages for step in stage.steps}
        milestone_ids = {x.id for x in milestones}
        kinds = self.with_kind_nodes(m["kinds"], steps, milestone_ids)
        seen: dict[str, int] = {}
        for kind, kind_node in kinds:
            if kind.id in seen:
                r.fail(kind_node, _("duplicate statement kind {id!r}").format(id=kind.id))
            seen[kind.id] = 1
        override = tuple(t for t, _n in r.texts(m.get("override"), "override"))
        if "override" in m:
            self.check_refs(m["override"], override, set(self.ctx_roles), _("role"), "override")
        return StatementRules(
            article=self.article(m.get("article"), node, _("`statements`")),
            kinds=tuple(k for k, _n in kinds),
            channels=tuple(t for t, _n in r.texts(m.get("channels"), "channels")),
            requires_line=r.flag(m.get("requires_line"), "requires_line", True),
            override=override,
        )

    def with_kind_nodes(
        self, node: yaml.Node, steps: set[str], milestones: set[str]
    ) -> list[tuple[StatementKind, yaml.Node]]:
        r = self.reader

        def read(n: yaml.Node) -> tuple[StatementKind, yaml.Node]:
            m = r.mapping(
                n,
                _("a statement kind"),
                ("id", "name"),
                ("name_en", "article", "milestones", "completes"),
            )
            if "id" not in m or "name" not in m:
                raise Abort
            kind_id = r.text(m["id"], "id")
            owner = _("statement kind {id!r}").format(id=kind_id)
            named = tuple(t for t, _n in r.texts(m.get("milestones"), "milestones"))
            if "milestones" in m:
                self.check_refs(m["milestones"], named, milestones, _("milestone"), owner)
            completes = tuple(t for t, _n in r.texts(m.get("completes"), "completes"))
            if "completes" in m:
                self.check_refs(m["completes"], completes, steps, _("step"), owner)
            return (
                StatementKind(
                    kind_id,
                    r.text(m["name"], "name"),
                    r.text(m.get("name_en"), "name_en"),
                    self.article(m.get("article"), n, owner),
                    named,
                    completes,
                ),
                n,
            )

        return r.each(node, _("statement kinds"), read)
