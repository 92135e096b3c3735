"""Typed, immutable models of a response plan, each field declared once.

Built by :mod:`yuqing_cli.plan.loader` from ``plan.yaml`` after validation; the rest of
the program only ever sees these objects, never raw YAML. Every field's annotation says
how it is written in the file (:mod:`yuqing_cli.plan.fields`): its key, whether it is
required, what it names, and one line of documentation — the loader reads the file
through these declarations and ``docs/plan-format.md``'s tables are written from them.

(No ``from __future__ import annotations`` here: the declarations are built once, at
import, not evaluated from strings each time a plan is decoded.)
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, TypeVar, cast

from yuqing_cli.i18n import _
from yuqing_cli.plan import fields as key
from yuqing_cli.plan.fields import name_fields
from yuqing_cli.plan.lookup import Names, find
from yuqing_cli.plan.substance import (
    AssessmentRule,
    AssessmentRules,
    Distribution,
    LineRules,
    ReportSettings,
    StatementKind,
    StatementRules,
)
from yuqing_cli.plan.vocabulary import (
    ACTION,
    ACTIONS,
    ARTICLE,
    CATEGORY,
    DUTY,
    FALLBACK,
    LEVEL,
    METRICS,
    MILESTONE,
    ORIGIN,
    ORIGINS,
    PERMISSION,
    PERSON,
    PRINCIPLE,
    ROLE,
    ROUTINE,
    SENTIMENT,
    STAGE,
    STEP,
    SUPPORTED_FORMAT,
    TRENDS,
    compact,
    letters_and_digits,
    supported_format,
    time_zone,
)

# The models, and the vocabulary the rest of the program takes from here.
__all__ = [
    "ACTIONS", "DEFAULT_MILESTONES", "DEFAULT_SENTIMENTS", "DOCUMENT_LANGUAGES", "FALLBACK",
    "METRICS", "ORIGINS", "SUPPORTED_FORMAT", "TRENDS", "Article", "AssessmentRule",
    "AssessmentRules", "Category", "Condition", "Deadline", "Defaults", "Distribution", "Level",
    "LineRules", "Milestone", "Permission", "Person", "Plan", "PlanInfo", "ReportSettings",
    "Role", "Routine", "Sentiment", "Stage", "StatementKind", "StatementRules", "Step", "Text",
    "TimeSettings", "UnitSettings",
]  # fmt: skip

T = TypeVar("T")


def _both(a: frozenset[str] | None, b: frozenset[str]) -> frozenset[str]:
    return b if a is None else a & b


# -- the models ----------------------------------------------------------------------------

_ID = "its id: what commands, other items and the database use"
_NAME = "its name in Chinese, as the plan writes it"
_NAME_EN = "its name in English"


@dataclass(frozen=True, slots=True)
class Article:
    """An article (条) of the plan; items cite it as "N" or "N.M"."""

    id: Annotated[str, key.text('its number, e.g. `"7"`', required=True, names=key.ID)]
    name: Annotated[str, key.text("its title in Chinese (舆情应对)", required=True, names=key.ZH)]
    name_en: Annotated[str, key.text(_NAME_EN, names=key.EN)] = ""


@dataclass(frozen=True, slots=True)
class Text:
    """A cited text: a principle (原则), a duty (职责), the plan's purpose."""

    id: Annotated[str, key.text(_ID, required=True, names=key.ID)]
    article: Annotated[str, key.cites()]
    text: Annotated[str, key.text("the text, in Chinese", required=True)]
    name: Annotated[str, key.text("a short title in Chinese")] = ""
    name_en: Annotated[str, key.text("a short title in English")] = ""


@dataclass(frozen=True, slots=True)
class Level:
    """A level of incident (舆情级别), listed from the lowest to the highest."""

    id: Annotated[str, key.text(_ID + ", e.g. `major`", required=True, names=key.ID)]
    name: Annotated[str, key.text("its name in Chinese, e.g. 重大", required=True, names=key.ZH)]
    name_en: Annotated[str, key.text(_NAME_EN, names=key.EN)]
    roman: Annotated[
        str,
        key.text(
            "its roman numeral, e.g. `II`; commands accept it",
            required=True,
            names=key.ALIAS,
            clean=str.upper,
        ),
    ]
    colour: Annotated[str, key.text("a terminal colour name, e.g. `orange`", required=True)]
    rank: Annotated[int, key.derived("its place in the list, 0 the lowest", absent=0)]
    article: Annotated[str, key.cites()]
    source: Annotated[str, key.text("where its definition comes from")] = ""


@dataclass(frozen=True, slots=True)
class Category:
    """A category of incident (舆情类别)."""

    id: Annotated[str, key.text(_ID, required=True, names=key.ID)]
    name: Annotated[str, key.text(_NAME, required=True, names=key.ZH)]
    name_en: Annotated[str, key.text(_NAME_EN, names=key.EN)]
    article: Annotated[str, key.cites()]
    office: Annotated[
        bool,
        key.flag("handled by the District Justice Bureau office (区司法局办公室, Art. 2.4)"),
    ] = False


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A sentiment (倾向) an incident or an assessment records."""

    id: Annotated[str, key.text(_ID, required=True, names=key.ID)]
    name: Annotated[str, key.text(_NAME + ", e.g. 负面", required=True, names=key.ZH)]
    name_en: Annotated[str, key.text(_NAME_EN, names=key.EN)] = ""


@dataclass(frozen=True, slots=True)
class Role:
    """A role of the leading group (领导小组) or of one incident."""

    id: Annotated[str, key.text(_ID + ", e.g. `leader`", required=True, names=key.ID)]
    name: Annotated[str, key.text("its name in Chinese, e.g. 组长", required=True, names=key.ZH)]
    name_en: Annotated[str, key.text(_NAME_EN, names=key.EN)]
    article: Annotated[str, key.cites()]
    per_incident: Annotated[
        bool,
        key.flag(
            "designated for one incident with `yq assign` (e.g. 新闻发言人) rather than held "
            "from the roster"
        ),
    ] = False


@dataclass(frozen=True, slots=True)
class Person:
    """A person on the roster (名单)."""

    name: Annotated[
        str,
        key.text(
            "the person's name, as people type it (spaces are dropped)",
            required=True,
            names=key.ID,
            clean=compact,
        ),
    ]
    roles: Annotated[
        tuple[str, ...], key.many(ROLE, "the roles the person holds", required=True, nonempty=True)
    ]
    article: Annotated[str, key.cites()]


@dataclass(frozen=True, slots=True)
class Permission:
    """Who may do an action other than completing a step."""

    action: Annotated[str, key.one(ACTION, "the action", required=True, names=key.ID)]
    roles: Annotated[tuple[str, ...], key.many(ROLE, "the roles that may do it", required=True)]
    article: Annotated[str, key.cites()]


@dataclass(frozen=True, slots=True)
class Condition:
    """When a step applies. ``None`` means no restriction on that axis."""

    levels: Annotated[
        frozenset[str] | None,
        key.many(LEVEL, "only at these levels"),
        key.floor(LEVEL, "only at this level and above", key="min_level", combine=_both),
    ] = None
    categories: Annotated[
        frozenset[str] | None, key.many(CATEGORY, "only for incidents in one of these categories")
    ] = None

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

    from_: Annotated[
        str, key.one(ORIGIN, "where the deadline starts (below)", key="from", required=True)
    ]
    hours: Annotated[
        Mapping[str, float],
        key.hours(
            "hours: one number, or a level id → hours for each level (`*`: every other)",
            required=True,
        ),
    ]
    source: Annotated[
        str, key.text("where the number comes from (a rule, or 本工具默认值)", required=True)
    ]

    def hours_for(self, level: str) -> float | None:
        return self.hours.get(level, self.hours.get("*"))


@dataclass(frozen=True, slots=True)
class Step:
    """A step of a stage: one thing someone must do (or may, if not required)."""

    id: Annotated[str, key.text(_ID + "; unique across the plan", required=True, names=key.ID)]
    stage: Annotated[str, key.parent("the stage it is listed under")]
    title: Annotated[str, key.text("what to do, in Chinese", required=True, names=key.TITLE)]
    title_en: Annotated[str, key.text("what to do, in English", names=key.EN)]
    article: Annotated[str, key.cites()]
    roles: Annotated[
        tuple[str, ...],
        key.many(ROLE, "the roles that may complete it", required=True, nonempty=True),
    ]
    required: Annotated[bool, key.flag("an optional step (`false`) never blocks an advance")] = True
    when: Annotated[
        Condition, key.record("when it applies (below); all that is given must hold")
    ] = field(default_factory=Condition)
    due: Annotated[Deadline | None, key.record("its deadline (below)")] = None
    milestone: Annotated[
        str | None,
        key.one(MILESTONE, "the milestone it reaches when done (the ledger, the response times)"),
    ] = None
    assigns: Annotated[
        str | None,
        key.one(ROLE, "a per-incident role: the step is completed by `yq assign REF ROLE PERSON`"),
    ] = None  # completed by `yq assign` of this per-incident role
    hands_over: Annotated[
        str, key.text("the body that leads once it is done (e.g. 区司法局办公室, Art. 2.4)")
    ] = ""  # done: the incident is led by this body from then on (Art. 2.4)


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage of the workflow (Art. 6: 早发现、早报告、早处置、早平息)."""

    id: Annotated[str, key.text(_ID, required=True, names=key.ID)]
    name: Annotated[str, key.text(_NAME + ", e.g. 处置", required=True, names=key.ZH)]
    name_en: Annotated[str, key.text(_NAME_EN, names=key.EN)]
    article: Annotated[str, key.cites()]
    steps: Annotated[tuple[Step, ...], key.records(STEP, "its steps (below)")]
    next: Annotated[str | None, key.one(STAGE, "the stage it moves on to (not a final stage)")] = (
        None
    )
    initial: Annotated[bool, key.flag("where incidents start: exactly one stage has it")] = False
    final: Annotated[bool, key.flag("the last stage: moving into it closes the incident")] = False
    reopen_to: Annotated[
        str | None, key.one(STAGE, "a final stage: where a flare-up (Art. 7.4) sends the incident")
    ] = None


@dataclass(frozen=True, slots=True)
class Routine:
    """A recurring duty, not tied to an incident (e.g. the daily web patrol, 网上巡查)."""

    id: Annotated[str, key.text(_ID, required=True, names=key.ID)]
    name: Annotated[str, key.text(_NAME, required=True, names=key.ZH)]
    name_en: Annotated[str, key.text(_NAME_EN, names=key.EN)]
    article: Annotated[str, key.cites()]
    roles: Annotated[tuple[str, ...], key.many(ROLE, "the roles that do it", required=True)]
    every_hours: Annotated[float, key.number("its cadence in hours", required=True)]
    source: Annotated[str, key.text("where the cadence comes from")] = ""


@dataclass(frozen=True, slots=True)
class Milestone:
    """A moment the ledger and the response times track, e.g. the first public response."""

    id: Annotated[str, key.text(_ID + ", e.g. `reported`", required=True, names=key.ID)]
    name: Annotated[
        str,
        key.text(
            "its name in Chinese; the ledger's columns are named after it (…时间)",
            required=True,
            names=key.ZH,
        ),
    ]
    name_en: Annotated[str, key.text(_NAME_EN, names=key.EN)]
    article: Annotated[str, key.cites()]


# The milestones of plans that declare none (the first format had these two).
DEFAULT_MILESTONES = (
    Milestone("reported", "报告领导小组", "Reported to the leading group", "4"),
    Milestone("first_response", "首次公开回应", "First public response", "7.1"),
)
# The sentiments of plans that declare none.
DEFAULT_SENTIMENTS = (
    Sentiment("positive", "正面", "Positive"),
    Sentiment("neutral", "中性", "Neutral"),
    Sentiment("negative", "负面", "Negative"),
)


@dataclass(frozen=True, slots=True)
class Defaults:
    """What `yq new` uses when a level, category or sentiment is not given."""

    level: Annotated[str, key.one(LEVEL, "the level; else the lowest")]
    category: Annotated[str, key.one(CATEGORY, "the category; else the last one listed")]
    sentiment: Annotated[str, key.one(SENTIMENT, "the sentiment; else the first one listed")]


BARE_HOURS = ("ask", "24h")


def bare_hour_rule(value: str) -> tuple[str, str] | None:
    if value in BARE_HOURS:
        return None
    return (
        _("`time.bare_hour` must be ask or 24h, got {value!r}").format(value=value),
        _("ask: 3点 is refused as 03:00 or 15:00; 24h: 3点 is 03:00"),
    )


DOCUMENT_LANGUAGES = ("zh", "en")


def document_language(value: str) -> tuple[str, str] | None:
    if value in DOCUMENT_LANGUAGES:
        return None
    return (
        _("unknown document language {language!r}").format(language=value),
        _("use one of: {languages}").format(languages=", ".join(DOCUMENT_LANGUAGES)),
    )


@dataclass(frozen=True, slots=True)
class UnitSettings:
    """The unit as its documents show it: the language they are written in (whatever
    the operator's) and the name at the head of the daily report (发文机关标志; "": the
    plan's ``unit``)."""

    language: Annotated[
        str,
        key.text(
            "the language of its documents, `zh` or `en`, whatever the operator's",
            check=document_language,
        ),
    ] = "zh"
    masthead: Annotated[
        str, key.text("the name printed in red at the head of its documents; else `plan.unit`")
    ] = ""


@dataclass(frozen=True, slots=True)
class TimeSettings:
    """How times people give are read."""

    approximate_minutes: Annotated[
        float, key.number("`~16:00` means within this many minutes of 16:00")
    ] = 30
    allow_unknown: Annotated[
        bool, key.flag("`--at unknown` is accepted (never for detection)", key="unknown")
    ] = True
    source: Annotated[str, key.text("where these choices come from")] = ""
    bare_hour: Annotated[
        str,
        key.text(
            "`3点` with no part of the day: `ask` (refused, both readings offered) or `24h` "
            "(03:00)",
            check=bare_hour_rule,
        ),
    ] = "ask"


@dataclass(frozen=True, slots=True)
class PlanInfo:
    """The plan document itself."""

    title: Annotated[str, key.text("the plan's title, in Chinese", required=True)]
    title_en: Annotated[str, key.text("its title in English")]
    unit: Annotated[str, key.text("the unit it governs (单位)", required=True)]
    issuer: Annotated[str, key.text("who issued it (印发)", required=True)]
    date: Annotated[str, key.text("when it was written")]
    published: Annotated[str, key.text("when it was issued")]
    timezone: Annotated[
        str,
        key.text(
            "its time zone, an IANA name (e.g. `Asia/Shanghai`)", required=True, check=time_zone
        ),
    ]
    reference_prefix: Annotated[
        str,
        key.text(
            "letters and digits that begin incident references (YQ-20241123-001)",
            absent="YQ",
            check=letters_and_digits,
        ),
    ]
    purpose: Annotated[
        Text, key.record("its purpose (目的): `article`, `text`", required=True, anonymous=True)
    ]


# Levels as people name them: ``II级``, ``二级``, ``Ⅱ``, ``重大舆情``, ``Major level``.
_CHINESE_NUMERALS = {"一": "I", "二": "II", "三": "III", "四": "IV", "五": "V"}


def _level_token(wanted: str) -> str:
    for suffix in ("舆情", "级", "LEVEL"):
        wanted = wanted.removesuffix(suffix).strip()
    return _CHINESE_NUMERALS.get(wanted, wanted)


def _names(items: tuple[Any, ...], cls: type, **options: Any) -> Names[Any]:
    return Names(items, name_fields(cls), **options)


@dataclass(frozen=True)
class Plan:
    """A validated plan. Stages are in workflow order, from the initial one."""

    info: Annotated[PlanInfo, key.record("the plan document (below)", key="plan", required=True)]
    articles: Annotated[
        tuple[Article, ...], key.records(ARTICLE, "the plan's articles (条)", required=True)
    ]
    principles: Annotated[tuple[Text, ...], key.records(PRINCIPLE, "working principles (工作原则)")]
    duties: Annotated[tuple[Text, ...], key.records(DUTY, "the leading group's duties (职责)")]
    roles: Annotated[tuple[Role, ...], key.records(ROLE, "roles (below)", required=True)]
    people: Annotated[tuple[Person, ...], key.records(PERSON, "the roster (below)", required=True)]
    permissions: Annotated[
        tuple[Permission, ...], key.records(PERMISSION, "who may do what (below)")
    ]
    levels: Annotated[
        tuple[Level, ...], key.records(LEVEL, "levels, lowest first (below)", required=True)
    ]
    categories: Annotated[
        tuple[Category, ...], key.records(CATEGORY, "categories (below)", required=True)
    ]
    sentiments: Annotated[
        tuple[Sentiment, ...],
        key.records(
            SENTIMENT,
            "sentiments: `id`, `name`, `name_en`; else 正面, 中性, 负面",
            absent=DEFAULT_SENTIMENTS,
        ),
    ]
    stages: Annotated[tuple[Stage, ...], key.records(STAGE, "the workflow (below)", required=True)]
    routines: Annotated[tuple[Routine, ...], key.records(ROUTINE, "recurring duties (below)")]
    defaults: Annotated[Defaults, key.record("what `yq new` assumes when not told (below)")]
    milestones: Annotated[
        tuple[Milestone, ...],
        key.records(
            MILESTONE, "moments the ledger tracks (below); else `reported`, `first_response`"
        ),
    ] = DEFAULT_MILESTONES
    time: Annotated[TimeSettings, key.record("how times people give are read (below)")] = field(
        default_factory=TimeSettings
    )
    assessment: Annotated[
        AssessmentRules | None, key.record("assessments (研判) and the grading aid (below)")
    ] = None
    line: Annotated[LineRules | None, key.record("the unified line (口径) (below)")] = None
    statements: Annotated[
        StatementRules | None, key.record("public statements and what they complete (below)")
    ] = None
    report: Annotated[
        ReportSettings, key.record("the daily report as an issued document (below)")
    ] = field(default_factory=ReportSettings)
    unit: Annotated[
        UnitSettings, key.record("the unit as its documents show it (below)")
    ] = field(default_factory=UnitSettings)
    source: Annotated[str, key.derived("where it was loaded from")] = ""
    version: Annotated[str, key.derived("sha256 of the file's bytes")] = ""
    text: Annotated[
        str, key.derived("the file's text, stored with each version in the database")
    ] = ""
    format: Annotated[
        int, key.count("the plan format: `1`", required=True, check=supported_format)
    ] = SUPPORTED_FORMAT

    # -- lookups: one matcher (plan.lookup) over the names each model declares -------------

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for stage in self.stages for step in stage.steps)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The names a printed line never breaks inside: people, roles, levels,
        categories, stages, milestones."""
        groups = (
            self.people,
            self.roles,
            self.levels,
            self.categories,
            self.stages,
            self.milestones,
        )
        return tuple(dict.fromkeys(x.name for group in groups for x in group))

    def _find(self, cls: type[T], token: str, unknown: str, listing: Callable[[], str]) -> T:
        return cast(T, find(self._index[cls], token, unknown, listing))

    @cached_property
    def _index(self) -> dict[type, Names[Any]]:
        return {
            Level: _names(self.levels, Level, prepare=_level_token),
            Category: _names(self.categories, Category),
            Sentiment: _names(self.sentiments, Sentiment),
            Role: _names(self.roles, Role),
            Routine: _names(self.routines, Routine),
            Stage: _names(self.stages, Stage),
            Step: _names(self.steps, Step),
            # a person is named in full: a prefix of a name is not the person
            Person: _names(self.people, Person, prefixes=False),
            Milestone: _names(self.milestones, Milestone),
        }

    @cached_property
    def _stage_rank(self) -> dict[str, int]:
        return {stage.id: i for i, stage in enumerate(self.stages)}

    def stage(self, stage_id: str) -> Stage:
        return self._find(
            Stage,
            stage_id,
            _("unknown stage {token!r}"),
            lambda: _("stages: ") + ", ".join(f"{s.id} ({s.name})" for s in self.stages),
        )

    def stage_index(self, stage_id: str) -> int:
        rank = self._stage_rank.get(stage_id)
        return rank if rank is not None else self._stage_rank[self.stage(stage_id).id]

    @property
    def initial_stage(self) -> Stage:
        return self.stages[0]

    def has_step(self, step_id: str) -> bool:
        return step_id in self._index[Step].by_id

    def step(self, step_id: str) -> Step:
        return self._find(
            Step,
            step_id,
            _("unknown step {token!r}"),
            lambda: _("see the step ids with `yq plan show` or `yq checklist REF`"),
        )

    def role(self, token: str) -> Role:
        return self._find(
            Role,
            token,
            _("unknown role {token!r}"),
            lambda: _("roles: ") + ", ".join(f"{r.id} ({r.name})" for r in self.roles),
        )

    def level(self, token: str) -> Level:
        """Find a level as people name it: its id, Chinese or English name, or roman
        numeral — also ``II级``, ``二级``, ``Ⅱ``, ``重大舆情``, ``Major``, ``特别``."""
        return self._find(
            Level,
            token,
            _("unknown level {token!r}"),
            lambda: (
                _("levels: ") + ", ".join(f"{lv.name} ({lv.id}, {lv.roman})" for lv in self.levels)
            ),
        )

    def category(self, token: str) -> Category:
        return self._find(
            Category,
            token,
            _("unknown category {token!r}"),
            lambda: _("categories: ") + ", ".join(f"{c.name} ({c.id})" for c in self.categories),
        )

    def sentiment(self, token: str) -> Sentiment:
        return self._find(
            Sentiment,
            token,
            _("unknown sentiment {token!r}"),
            lambda: _("sentiments: ") + ", ".join(f"{s.name} ({s.id})" for s in self.sentiments),
        )

    def routine(self, token: str) -> Routine:
        return self._find(
            Routine,
            token,
            _("unknown routine {token!r}"),
            lambda: _("routines: ") + ", ".join(f"{r.id} ({r.name})" for r in self.routines),
        )

    def person(self, name: str) -> Person:
        """A person on the roster by full name ("郭  雁" and "郭雁" are the same person)."""
        return self._find(
            Person,
            name,
            _("{token!r} is not on the plan's roster"),
            lambda: _("roster: ") + "、".join(p.name for p in self.people),
        )

    def milestone(self, milestone_id: str) -> Milestone:
        return self._find(
            Milestone,
            milestone_id,
            _("unknown milestone {token!r}"),
            lambda: _("milestones: ") + ", ".join(f"{m.id} ({m.name})" for m in self.milestones),
        )

    # -- rights ------------------------------------------------------------------------------

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
    def masthead(self) -> str:
        """The issuing unit's name at the head of its documents."""
        return self.unit.masthead or self.info.unit

    @property
    def sign_off_roles(self) -> tuple[str, ...]:
        """The roles that sign off (签发) an issued daily report."""
        return self.report.sign_off or self.permission("adopt")

    @property
    def sign_off_article(self) -> str:
        return self.report.article or self.permission_article("adopt")

    @cached_property
    def _milestone_steps(self) -> dict[str, tuple[Step, ...]]:
        found: dict[str, list[Step]] = {}
        for step in self.steps:
            if step.milestone is not None:
                found.setdefault(step.milestone, []).append(step)
        return {k: tuple(v) for k, v in found.items()}

    def milestone_steps(self, milestone_id: str) -> tuple[Step, ...]:
        return self._milestone_steps.get(milestone_id, ())
