"""What services return: plain data for the renderers, no database objects."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from yuqing_cli.plan import deadlines
from yuqing_cli.plan.deadlines import Verdict
from yuqing_cli.plan.grading import Suggestion, suggestions
from yuqing_cli.plan.rules import StepStatus
from yuqing_cli.plan.schema import Category, Level, Plan, Sentiment, Stage, Step
from yuqing_cli.plan.state import (
    Assessment,
    IncidentState,
    LineVersion,
    Statement,
    StepRecord,
    Wave,
)
from yuqing_cli.when import When


@dataclass(frozen=True)
class IncidentView:
    ref: str
    title: str
    summary: str
    platform: str
    url: str | None
    level: Level
    categories: tuple[Category, ...]
    sentiment: Sentiment
    stage: Stage
    exercise: bool
    imported: bool
    reporter: str
    detected: When
    first_seen: When | None
    recorded_at: datetime
    milestones: tuple[tuple[str, When | None], ...]  # milestone id -> when reached
    closed: When | None
    wave: int
    waves: tuple[Wave, ...]
    plan_version: str
    voided: bool
    tz: str
    void_reason: str = ""
    duplicate_of: str | None = None
    assignments: dict[str, str] = field(default_factory=dict)
    overdue: int = 0  # open steps past their deadline
    missed: int = 0  # deadlines missed, done late or still open
    assessments: tuple[Assessment, ...] = ()
    lines: tuple[LineVersion, ...] = ()
    statements: tuple[Statement, ...] = ()
    lead: str = ""  # another body leading the handling; "" = us
    suggestions: tuple[Suggestion, ...] = ()
    line_needed: int = 1  # signatures a line needs at the current level

    @property
    def category(self) -> Category:
        return self.categories[0]

    @property
    def detected_at(self) -> datetime:
        return self.detected.at

    def milestone(self, milestone_id: str) -> When | None:
        return dict(self.milestones).get(milestone_id)

    @property
    def reported_at(self) -> datetime | None:
        found = self.milestone("reported")
        return found.at if found else None

    @property
    def first_response_at(self) -> datetime | None:
        found = self.milestone("first_response")
        return found.at if found else None

    @property
    def closed_at(self) -> datetime | None:
        return self.closed.at if self.closed else None


def incident_view(plan: Plan, state: IncidentState, now: datetime) -> IncidentView:
    found = deadlines.verdicts(plan, state, now)
    return IncidentView(
        ref=state.ref,
        title=state.title,
        summary=state.summary,
        platform=state.platform,
        url=state.url,
        level=plan.level(state.level),
        categories=tuple(plan.category(c) for c in state.categories),
        sentiment=plan.sentiment(state.sentiment),
        stage=plan.stage(state.stage),
        exercise=state.exercise,
        imported=state.imported,
        reporter=state.reporter,
        detected=state.detected,
        first_seen=state.first_seen,
        recorded_at=state.recorded_at,
        milestones=tuple(
            (m.id, deadlines.milestone_time(plan, state, m.id)) for m in plan.milestones
        ),
        closed=state.closed,
        wave=state.wave,
        waves=state.waves,
        plan_version=state.plan_version,
        voided=state.voided,
        tz=plan.info.timezone,
        void_reason=state.void.reason if state.void else "",
        duplicate_of=state.void.duplicate_of if state.void else None,
        assignments=dict(state.assignments),
        overdue=sum(1 for v in found if v.open and v.kind == "missed"),
        missed=sum(1 for v in found if v.kind == "missed"),
        assessments=state.assessments,
        lines=state.lines,
        statements=state.statements,
        lead=state.lead,
        suggestions=tuple(suggestions(plan, state)),
        line_needed=plan.line.needed(state.level) if plan.line else 1,
    )


@dataclass(frozen=True)
class ChecklistItem:
    step: Step
    stage: Stage
    status: StepStatus
    record: StepRecord | None
    verdict: Verdict | None  # None: the step has no deadline

    @property
    def due(self) -> When | None:
        return self.verdict.due if self.verdict else None

    @property
    def overdue(self) -> bool:
        """Open and certainly past its deadline."""
        return self.record is None and self.verdict is not None and self.verdict.kind == "missed"


@dataclass(frozen=True)
class Checklist:
    incident: IncidentView
    plan: Plan
    items: tuple[ChecklistItem, ...]  # the current stage, then outstanding earlier steps
    next_stage: Stage | None
    missing: tuple[Step, ...]
    now: datetime
    deadlines: tuple[Verdict, ...] = ()  # every deadline of the incident, for `show`


@dataclass(slots=True)  # not frozen: a long trail makes one per event, and frozen ones cost
class EventView:
    id: int
    ref: str | None
    seq: int
    action: str
    actor: str
    subject: str
    old: str | None
    new: str | None
    note: str
    happened: When
    recorded_at: datetime
    plan_version: str
    hash: str
    wave: int = 1
    data: Mapping[str, object] = field(default_factory=dict)
    login: str | None = None  # the database login that wrote it (on a server)
    login_admin: bool | None = None  # an administrator's login

    @property
    def happened_at(self) -> datetime:
        return self.happened.at


@dataclass(frozen=True)
class Trail:
    """Events to show, and the time zone to show them in."""

    tz: str
    events: Iterable[EventView]  # a tuple, or (`yq log`) read as it is consumed
    incident: str | None = None  # the reference, when every event is one incident's


@dataclass(frozen=True)
class Outcome:
    """What a writing command did, for the one-line confirmation."""

    ref: str
    action: str
    message: str
    incident: IncidentView
    events: int = 1
    details: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # the plan's names, never broken when the message wraps
