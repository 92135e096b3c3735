"""The plan's models of the substance of a response: assessments (研判) and the grading
aid, the unified line (口径), public statements, and the daily report as an issued
document. Declared like every model (:mod:`yuqing_cli.plan.fields`); the plan holds them
(:class:`~yuqing_cli.plan.schema.Plan`), and :mod:`yuqing_cli.plan.schema` exports them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from yuqing_cli.i18n import _
from yuqing_cli.plan import fields as key
from yuqing_cli.plan.fields import Group, name_fields
from yuqing_cli.plan.lookup import Names, find
from yuqing_cli.plan.vocabulary import (
    KIND,
    LEVEL,
    METRICS,
    MILESTONE,
    ROLE,
    RULE,
    SENTIMENT,
    STEP,
    TREND,
)

_ID = "its id: what commands, other items and the database use"
_NAME = "its name in Chinese, as the plan writes it"
_NAME_EN = "its name in English"


def _either(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    return a | b


WHEN = Group("when", "what the latest assessments must show (all that is given)", required=True)
SUGGEST = Group("suggest", "what the rule suggests: a level or a step, one of them", required=True)
COUNTERSIGN = Group("countersign", "where two or more must sign (会签)")


@dataclass(frozen=True, slots=True)
class AssessmentRule:
    """A grading aid: when an assessment shows this, suggest a level or a step."""

    id: Annotated[str, key.text(_ID, required=True, names=key.ID)]
    name: Annotated[str, key.text("what it looks for, in Chinese", required=True, names=key.ZH)]
    article: Annotated[str, key.cites()]
    source: Annotated[str, key.text("where the threshold comes from")]
    at_least: Annotated[
        Mapping[str, float], key.thresholds("at least this many", METRICS, within=WHEN)
    ] = field(default_factory=dict)  # metric -> threshold
    rank_at_most: Annotated[
        int | None, key.count("a hot-search rank this high or higher", key="rank", within=WHEN)
    ] = None
    sentiment: Annotated[str | None, key.one(SENTIMENT, "the sentiment found", within=WHEN)] = None
    trend: Annotated[str | None, key.one(TREND, "the trend recorded", within=WHEN)] = None
    consecutive: Annotated[
        int, key.count("in each of the latest this many assessments", within=WHEN)
    ] = 1
    suggest_level: Annotated[
        str | None, key.one(LEVEL, "a level above the incident's", key="level", within=SUGGEST)
    ] = None
    suggest_step: Annotated[
        str | None, key.one(STEP, "an applicable step not yet done", key="step", within=SUGGEST)
    ] = None


@dataclass(frozen=True, slots=True)
class AssessmentRules:
    """Assessments (研判, Art. 4) and the grading aid."""

    article: Annotated[str, key.cites()]
    step: Annotated[str | None, key.one(STEP, "the step the first assessment completes")] = None
    rules: Annotated[
        tuple[AssessmentRule, ...], key.records(RULE, "grading aids: suggested, never applied")
    ] = ()


@dataclass(frozen=True, slots=True)
class LineRules:
    """The unified line (统一口径): who approves it, and where two must sign (会签)."""

    article: Annotated[str, key.cites()]
    approvers: Annotated[
        tuple[str, ...], key.many(ROLE, "the roles that approve it (审定)", required=True)
    ]  # role ids
    step: Annotated[str | None, key.one(STEP, "the step an approved line completes")] = None
    countersign_levels: Annotated[
        frozenset[str],
        key.many(LEVEL, "countersigned at these levels", key="levels", within=COUNTERSIGN),
        key.floor(
            LEVEL,
            "countersigned at this level and above",
            key="min_level",
            within=COUNTERSIGN,
            combine=_either,
        ),
    ] = frozenset()
    signatures: Annotated[
        int,
        key.count(
            "signatures needed there (one elsewhere); no more than people who may approve",
            within=COUNTERSIGN,
            required=True,
        ),
    ] = 1
    source: Annotated[str, key.text("where the rule comes from")] = ""

    def needed(self, level: str) -> int:
        return self.signatures if level in self.countersign_levels else 1


@dataclass(frozen=True, slots=True)
class StatementKind:
    """A kind of public statement (表态, 通报, 新闻发布会 …)."""

    id: Annotated[str, key.text(_ID, required=True, names=key.ID)]
    name: Annotated[
        str,
        key.text(_NAME + "; `A/B` gives two: 权威信息/通报", required=True, names=key.ZH),
    ]
    name_en: Annotated[str, key.text(_NAME_EN, names=key.EN)]
    article: Annotated[str, key.cites()]
    milestones: Annotated[
        tuple[str, ...],
        key.many(MILESTONE, "the milestones its first valid statement of ours reaches"),
    ] = ()
    completes: Annotated[
        tuple[str, ...], key.many(STEP, "the steps a valid statement of ours completes")
    ] = ()


@dataclass(frozen=True, slots=True)
class StatementRules:
    """Public statements (Art. 7.1, Art. 5): their kinds and what they need."""

    article: Annotated[str, key.cites()]
    kinds: Annotated[
        tuple[StatementKind, ...], key.records(KIND, "the kinds of statement", required=True)
    ]
    channels: Annotated[tuple[str, ...], key.texts("channels offered; any text is accepted")] = ()
    requires_line: Annotated[
        bool, key.flag("a statement of ours needs an approved line (口径)")
    ] = True
    override: Annotated[
        tuple[str, ...], key.many(ROLE, "roles who may publish without a line, giving the reason")
    ] = ()

    def kind(self, token: str) -> StatementKind:
        return find(
            Names(self.kinds, name_fields(StatementKind)),
            token,
            _("unknown statement kind {token!r}"),
            lambda: _("kinds: {kinds}").format(
                kinds=", ".join(f"{k.name} ({k.id})" for k in self.kinds)
            ),
        )


LEDGER_PAPERS = ("A4", "A3")


def paper_size(value: str) -> tuple[str, str] | None:
    if value in LEDGER_PAPERS:
        return None
    return (_("`report.ledger_paper` must be A4 or A3"), _("e.g. ledger_paper: A3"))


@dataclass(frozen=True, slots=True)
class Distribution:
    """Who receives the daily report, as its 版记 lists them: 报 (superiors), 送 (other
    units), 发 (within the unit)."""

    report_to: Annotated[
        tuple[str, ...], key.texts("报: the leaders and bodies it reports to")
    ] = ()
    send_to: Annotated[tuple[str, ...], key.texts("送: the units kept informed")] = ()
    distribute_to: Annotated[tuple[str, ...], key.texts("发: who receives it within the unit")] = ()


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """The daily report (舆情日报) as an issued document: who signs it off (签发), who
    receives it and how it is marked (e.g. 内部资料　注意保存).

    ``sign_off`` empty: those who may adopt a plan sign it off.
    """

    sign_off: Annotated[
        tuple[str, ...],
        key.many(ROLE, "the roles that sign it off (签发)", required=True, nonempty=True),
    ] = ()
    article: Annotated[str, key.cites()] = ""
    source: Annotated[str, key.text("where the rule comes from")] = ""
    distribution: Annotated[
        Distribution, key.record("who receives it, as its 版记 lists them (below)")
    ] = field(default_factory=Distribution)
    marking: Annotated[
        str, key.text("the marking printed at its head, e.g. `内部资料　注意保存`")
    ] = ""
    ledger_paper: Annotated[
        str,
        key.text(
            "the paper the printed ledger (台账) is laid out for, landscape: `A4` or `A3`",
            clean=str.upper,
            check=paper_size,
        ),
    ] = "A4"
