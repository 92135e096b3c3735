"""Typed, immutable models of a response plan.

Built by :mod:`yuqing_cli.plan.loader` from ``plan.yaml`` after validation; the
rest of the program only ever sees these objects, never raw YAML.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _

# Actions other than completing a step; the plan's `permissions` grant them. An action
# a plan does not list falls back to the roles of another (FALLBACK), so plans written
# before the action existed keep working; `yq plan check` warns about it.
ACTIONS = (
    "new",
    "note",
    "advance",
    "close",
    "waive",
    "grade",
    "assign",
    "reopen",
    "adopt",
    "edit",
    "void",
    "undo",
    "assess",
    "draft_line",
    "statement",
    "retract",
    "handover",
    "people",
)
FALLBACK = {
    "adopt": "close",
    "edit": "new",
    "void": "waive",
    "undo": "waive",
    "assess": "note",
    "draft_line": "note",
    "statement": "note",
    "retract": "waive",
    "handover": "waive",
    "people": "adopt",
}
# What an assessment (研判) may measure; `rank` (a hot-search rank) counts down.
METRICS = ("reads", "reposts", "comments", "likes")
TRENDS = ("rising", "steady", "falling")

# Where a deadline starts, besides a milestone of the plan (e.g. `reported`).
ORIGINS = ("detected", "stage", "wave", "graded")


_CHINESE_NUMERALS = {"一": "I", "二": "II", "三": "III", "四": "IV", "五": "V"}


def _normal(text: str) -> str:
    """For matching what people type: NFKC (Ⅱ → II, full-width → ASCII), no spaces,
    upper case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def suggest(token: str, names: list[str], otherwise: str) -> str:
    """A "did you mean" hint with the closest names, else ``otherwise``."""
    close = difflib.get_close_matches(token.strip(), names, n=3, cutoff=0.5)
    if close:
        return _("did you mean {names}?").format(names=", ".join(dict.fromkeys(close)))
    return otherwise


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    name: str
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    """A cited text: a principle, a duty, the plan's purpose."""

    id: str
    article: str
    text: str
    name: str = ""
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class Level:
    id: str
    name: str
    name_en: str
    roman: str
    colour: str
    rank: int  # 0 is the lowest
    article: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str
    name_en: str
    article: str
    office: bool = False  # handled by the District Justice Bureau office (Art. 2.4)


@dataclass(frozen=True, slots=True)
class Sentiment:
    id: str
    name: str
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    name: str
    name_en: str
    article: str
    per_incident: bool = False


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    roles: tuple[str, ...]
    article: str


@dataclass(frozen=True, slots=True)
class Permission:
    action: str
    roles: tuple[str, ...]
    article: str


@dataclass(frozen=True, slots=True)
class Condition:
    """When a step applies. ``None`` means no restriction on that axis."""

    levels: frozenset[str] | None = None
    categories: frozenset[str] | None = None

    def applies(self, level: str, categories: Collection[str]) -> bool:
        """Does the step apply to an incident of this level and these categories?"""
        if self.levels is not None and level not in self.levels:
            return False
        return self.categories is None or not self.categories.isdisjoint(categories)

    @property
    def always(self) -> bool:
        return self.levels is None and self.categories is None


@dataclass(frozen=True, slots=True)
class Deadline:
    """``hours`` after ``from_``: one of ORIGINS, or a milestone id of the plan."""

    from_: str
    hours: Mapping[str, float]  # level id -> hours; "*" applies to every level
    source: str

    def hours_for(self, level: str) -> float | None:
        return self.hours.get(level, self.hours.get("*"))


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    stage: str
    title: str
    title_en: str
    article: str
    roles: tuple[str, ...]
    required: bool = True
    when: Condition = field(default_factory=Condition)
    due: Deadline | None = None
    milestone: str | None = None
    assigns: str | None = None  # completed by `yq assign` of this per-incident role
    hands_over: str = ""  # done: the incident is led by this body from then on (Art. 2.4)


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    name: str
    name_en: str
    article: str
    steps: tuple[Step, ...]
    next: str | None = None
    initial: bool = False
    final: bool = False
    reopen_to: str | None = None


@dataclass(frozen=True, slots=True)
class Routine:
    id: str
    name: str
    name_en: str
    article: str
    roles: tuple[str, ...]
    every_hours: float
    source: str = ""


@dataclass(frozen=True, slots=True)
class Milestone:
    """A moment the ledger and the response times track, e.g. the first public response."""

    id: str
    name: str
    name_en: str
    article: str


# The milestones of plans that declare none (the first format had these two).
DEFAULT_MILESTONES = (
    Milestone("reported", "报告领导小组", "Reported to the leading group", "4"),
    Milestone("first_response", "首次公开回应", "First public response", "7.1"),
)


@dataclass(frozen=True, slots=True)
class Defaults:
    """What `yq new` uses when a level, category or sentiment is not given."""

    level: str
    category: str
    sentiment: str


@dataclass(frozen=True, slots=True)
class TimeSettings:
    approximate_minutes: float = 30  # "~16:00" means within this many minutes of 16:00
    allow_unknown: bool = True  # `--at unknown` for steps and other entries (never detection)
    source: str = ""


@dataclass(frozen=True, slots=True)
class AssessmentRule:
    """A grading aid: when an assessment shows this, suggest a level or a step."""

    id: str
    name: str
    article: str
    source: str
    at_least: Mapping[str, float] = field(default_factory=dict)  # metric -> threshold
    rank_at_most: int | None = None  # a hot-search rank this high or higher
    sentiment: str | None = None
    trend: str | None = None
    consecutive: int = 1  # in each of the latest this many assessments
    suggest_level: str | None = None
    suggest_step: str | None = None


@dataclass(frozen=True, slots=True)
class AssessmentRules:
    article: str
    step: str | None = None  # the step the first assessment completes
    rules: tuple[AssessmentRule, ...] = ()


@dataclass(frozen=True, slots=True)
class LineRules:
    """The unified line (统一口径): who approves it, and where two must sign (会签)."""

    article: str
    approvers: tuple[str, ...]  # role ids
    step: str | None = None  # the step an approved line completes
    countersign_levels: frozenset[str] = frozenset()
    signatures: int = 1  # needed at the countersign levels (one elsewhere)
    source: str = ""

    def needed(self, level: str) -> int:
        return self.signatures if level in self.countersign_levels else 1


@dataclass(frozen=True, slots=True)
class StatementKind:
    id: str
    name: str
    name_en: str
    article: str
    milestones: tuple[str, ...] = ()
    completes: tuple[str, ...] = ()  # step ids a valid statement of ours completes


@dataclass(frozen=True, slots=True)
class StatementRules:
    article: str
    kinds: tuple[StatementKind, ...]
    channels: tuple[str, ...] = ()
    requires_line: bool = True  # a statement of ours needs an approved line
    override: tuple[str, ...] = ()  # roles who may publish without one, with a reason

    def kind(self, token: str) -> StatementKind:
        wanted = token.strip()
        for kind in self.kinds:
            if wanted in (kind.id, kind.name, kind.name_en):
                return kind
        raise BadInput(
            _("unknown statement kind {kind!r}").format(kind=token),
            hint=_("kinds: {kinds}").format(
                kinds=", ".join(f"{k.name} ({k.id})" for k in self.kinds)
            ),
        )


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """The daily report (舆情日报) as an issued document: who signs it off (签发).

    ``sign_off`` empty: those who may adopt a plan sign it off.
    """

    sign_off: tuple[str, ...] = ()
    article: str = ""
    source: str = ""
    ledger_paper: str = "A4"  # the printed ledger (台账): A4 or A3, landscape


@dataclass(frozen=True, slots=True)
class PlanInfo:
    title: str
    title_en: str
    unit: str
    issuer: str
    date: str
    published: str
    timezone: str
    reference_prefix: str
    purpose: Text


@dataclass(frozen=True)
class Plan:
    """A validated plan. Stages are in workflow order, from the initial one."""

    info: PlanInfo
    articles: tuple[Article, ...]
    principles: tuple[Text, ...]
    duties: tuple[Text, ...]
    roles: tuple[Role, ...]
    people: tuple[Person, ...]
    permissions: tuple[Permission, ...]
    levels: tuple[Level, ...]
    categories: tuple[Category, ...]
    sentiments: tuple[Sentiment, ...]
    stages: tuple[Stage, ...]
    routines: tuple[Routine, ...]
    defaults: Defaults
    milestones: tuple[Milestone, ...] = DEFAULT_MILESTONES
    time: TimeSettings = field(default_factory=TimeSettings)
    assessment: AssessmentRules | None = None
    line: LineRules | None = None
    statements: StatementRules | None = None
    report: ReportSettings = field(default_factory=ReportSettings)
    source: str = ""  # where it was loaded from
    version: str = ""  # sha256 of the file's bytes
    text: str = ""  # the file's text, stored with each version in the database

    # -- lookups -------------------------------------------------------------

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for stage in self.stages for step in stage.steps)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The names a printed line never breaks inside: people, roles, levels,
        categories, stages, milestones."""
        groups = (self.people, self.roles, self.levels, self.categories, self.stages,
                  self.milestones)  # fmt: skip
        return tuple(dict.fromkeys(x.name for group in groups for x in group))

    @cached_property
    def _steps_by_id(self) -> dict[str, Step]:
        return {step.id: step for step in self.steps}

    @cached_property
    def _stage_rank(self) -> dict[str, int]:
        return {stage.id: i for i, stage in enumerate(self.stages)}

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise BadInput(
            _("unknown stage {stage_id!r}").format(stage_id=stage_id),
            hint=_("stages: ") + ", ".join(f"{s.id} ({s.name})" for s in self.stages),
        )

    def stage_index(self, stage_id: str) -> int:
        rank = self._stage_rank.get(stage_id)
        return rank if rank is not None else self.stages.index(self.stage(stage_id))

    @property
    def initial_stage(self) -> Stage:
        return self.stages[0]

    def has_step(self, step_id: str) -> bool:
        return step_id in self._steps_by_id

    def step(self, step_id: str) -> Step:
        found = self._steps_by_id.get(step_id)
        if found is not None:
            return found
        raise BadInput(
            _("unknown step {step_id!r}").format(step_id=step_id),
            hint=_("see the step ids with `yq plan show` or `yq checklist REF`"),
        )

    def role(self, token: str) -> Role:
        for role in self.roles:
            if token in (role.id, role.name):
                return role
        raise BadInput(
            _("unknown role {token!r}").format(token=token),
            hint=_("roles: ") + ", ".join(f"{r.id} ({r.name})" for r in self.roles),
        )

    def level(self, token: str) -> Level:
        """Find a level as people name it: its id, Chinese or English name, or roman
        numeral — also ``II级``, ``二级``, ``Ⅱ``, ``重大舆情``, ``Major``."""
        wanted = _normal(token)
        for suffix in ("舆情", "级", "LEVEL"):
            wanted = wanted.removesuffix(suffix).strip()
        wanted = _CHINESE_NUMERALS.get(wanted, wanted)
        for level in self.levels:
            names = (level.id, level.name, level.name_en, level.roman)
            if wanted in (_normal(n) for n in names if n):
                return level
        raise BadInput(
            _("unknown level {token!r}").format(token=token),
            hint=suggest(
                token,
                [x for lv in self.levels for x in (lv.id, lv.name, lv.roman)],
                _("levels: ") + ", ".join(f"{lv.name} ({lv.id}, {lv.roman})" for lv in self.levels),
            ),
        )

    def category(self, token: str) -> Category:
        wanted = _normal(token)
        for category in self.categories:
            names = (category.id, category.name, category.name_en)
            if wanted in (_normal(n) for n in names if n):
                return category
        raise BadInput(
            _("unknown category {token!r}").format(token=token),
            hint=suggest(
                token,
                [x for c in self.categories for x in (c.id, c.name)],
                _("categories: ") + ", ".join(f"{c.name} ({c.id})" for c in self.categories),
            ),
        )

    def sentiment(self, token: str) -> Sentiment:
        for sentiment in self.sentiments:
            if token.strip() in (sentiment.id, sentiment.name):
                return sentiment
        raise BadInput(
            _("unknown sentiment {token!r}").format(token=token),
            hint=_("sentiments: ") + ", ".join(f"{s.name} ({s.id})" for s in self.sentiments),
        )

    def routine(self, token: str) -> Routine:
        for routine in self.routines:
            if token.strip() in (routine.id, routine.name):
                return routine
        raise BadInput(
            _("unknown routine {token!r}").format(token=token),
            hint=_("routines: ") + ", ".join(f"{r.id} ({r.name})" for r in self.routines),
        )

    def person(self, name: str) -> Person:
        wanted = "".join(name.split())  # "郭  雁" and "郭雁" are the same person
        for person in self.people:
            if person.name == wanted:
                return person
        raise BadInput(
            _("{name!r} is not on the plan's roster").format(name=name),
            hint=suggest(
                wanted,
                [p.name for p in self.people],
                _("roster: ") + "、".join(p.name for p in self.people),
            ),
        )

    @cached_property
    def _person_roles(self) -> dict[str, frozenset[str]]:
        return {p.name: frozenset(p.roles) for p in self.people}

    def roles_of_person(self, name: str) -> frozenset[str] | None:
        """The roles a person on the roster holds; None if the name is not on it."""
        return self._person_roles.get(name)

    def holders(self, role_id: str) -> tuple[str, ...]:
        return tuple(p.name for p in self.people if role_id in p.roles)

    def permission(self, action: str) -> tuple[str, ...]:
        """The roles granted ``action``; an unlisted action takes its fallback's roles."""
        found = self._permission(action)
        return found.roles if found is not None else ()

    def permission_article(self, action: str) -> str:
        found = self._permission(action)
        return found.article if found is not None else "?"

    def _permission(self, action: str) -> Permission | None:
        """The permission that decides ``action``: its own, else its fallback's."""
        by_action = self._permissions
        while action not in by_action:
            fallback = FALLBACK.get(action)
            if fallback is None:
                return None
            action = fallback
        return by_action[action]

    @cached_property
    def _permissions(self) -> dict[str, Permission]:
        # the first listing of an action decides it, as a scan of the list would
        return {p.action: p for p in reversed(self.permissions)}

    @property
    def sign_off_roles(self) -> tuple[str, ...]:
        """The roles that sign off (签发) an issued daily report."""
        return self.report.sign_off or self.permission("adopt")

    @property
    def sign_off_article(self) -> str:
        return self.report.article or self.permission_article("adopt")

    def milestone(self, milestone_id: str) -> Milestone:
        for milestone in self.milestones:
            if milestone.id == milestone_id:
                return milestone
        raise BadInput(_("unknown milestone {milestone!r}").format(milestone=milestone_id))

    @cached_property
    def _milestone_steps(self) -> dict[str, tuple[Step, ...]]:
        found: dict[str, list[Step]] = {}
        for step in self.steps:
            if step.milestone is not None:
                found.setdefault(step.milestone, []).append(step)
        return {k: tuple(v) for k, v in found.items()}

    def milestone_steps(self, milestone_id: str) -> tuple[Step, ...]:
        return self._milestone_steps.get(milestone_id, ())
