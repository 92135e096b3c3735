"""The ledger (台账): one row per incident with its key times and their verdicts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from yuqing_cli.plan import deadlines
from yuqing_cli.plan.deadlines import VerdictKind
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Assessment, IncidentState
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, reading
from yuqing_cli.services.plans import plan_for
from yuqing_cli.store.tables import Incident
from yuqing_cli.when import When


@dataclass(frozen=True)
class MilestoneEntry:
    milestone: str
    name: str
    when: When | None
    elapsed: timedelta | None  # from detection, when both are exactly known
    verdict: VerdictKind | None  # None: no deadline applies
    late_by: timedelta | None
    margin: timedelta | None


@dataclass(frozen=True)
class LedgerRow:
    ref: str
    title: str
    summary: str
    platform: str
    url: str | None
    level: str  # the plan's names
    categories: tuple[str, ...]
    sentiment: str
    first_seen: When | None
    detected: When
    recorded_at: datetime
    milestones: tuple[MilestoneEntry, ...]
    first_closed: When | None  # the first wave's closing
    closed: When | None  # the current wave's closing
    stage: str
    waves: int
    reporter: str
    spokesperson: str | None
    exercise: bool
    imported: bool
    voided: bool
    void_reason: str
    first_response_kind: str = ""  # the kind of the first valid statement of ours
    statements: int = 0  # valid statements of ours
    heat: Assessment | None = None  # the latest assessment
    lead: str = ""  # another body leading the handling

    @property
    def late_entry(self) -> bool:
        """Logged after the day it was detected (补录)."""
        return self.imported or self.recorded_at - self.detected.at > timedelta(days=1)


@dataclass(frozen=True)
class Ledger:
    tz: str
    rows: list[LedgerRow]


def ledger(ctx: Context, *, include_exercises: bool = False) -> Ledger:
    """Every incident, oldest first."""
    with reading(ctx) as r:
        return Ledger(
            r.tz, list(rows(r.session, r.plan, r.now, include_exercises=include_exercises))
        )


def rows(
    session: Session, current: Plan, now: datetime, *, include_exercises: bool
) -> Iterator[LedgerRow]:
    query = select(Incident).order_by(col(Incident.detected_at), col(Incident.ref))
    if not include_exercises:
        query = query.where(col(Incident.exercise).is_(False))
    for row in session.exec(query):
        plan = plan_for(session, current, row.plan_version)
        yield ledger_row(plan, st.snapshot_state(row, plan, session), now)


def ledger_row(plan: Plan, state: IncidentState, now: datetime) -> LedgerRow:
    entries = []
    for milestone in plan.milestones:
        record = deadlines.milestone_record(plan, state, milestone.id)
        found = deadlines.milestone_verdict(plan, state, milestone.id, now)
        when = record.when if record else None
        elapsed = (
            when.at - state.detected.at
            if when is not None and when.is_exact and state.detected.is_exact
            else None
        )
        entries.append(
            MilestoneEntry(
                milestone.id,
                milestone.name,
                when,
                elapsed,
                found.kind if found else None,
                found.late_by if found else None,
                found.margin if found and found.record is not None else None,
            )
        )
    return LedgerRow(
        ref=state.ref,
        title=state.title,
        summary=state.summary,
        platform=state.platform,
        url=state.url,
        level=plan.level(state.level).name,
        categories=tuple(plan.category(c).name for c in state.categories),
        sentiment=plan.sentiment(state.sentiment).name,
        first_seen=state.first_seen,
        detected=state.detected,
        recorded_at=state.recorded_at,
        milestones=tuple(entries),
        first_closed=state.waves[0].closed,
        closed=state.closed,
        stage=plan.stage(state.stage).name,
        waves=state.wave,
        reporter=state.reporter,
        spokesperson=next(
            (person for role, person in state.assignments.items() if plan.role(role).per_incident),
            None,
        ),
        exercise=state.exercise,
        imported=state.imported,
        voided=state.voided,
        void_reason=state.void.reason if state.void else "",
        first_response_kind=_first_kind(plan, state),
        statements=sum(1 for x in state.statements if x.ours and x.valid),
        heat=state.assessments[-1] if state.assessments else None,
        lead=state.lead,
    )


def _first_kind(plan: Plan, state: IncidentState) -> str:
    first = deadlines.milestone_statement(plan, state, "first_response")
    if first is None or plan.statements is None:
        return ""
    return next((k.name for k in plan.statements.kinds if k.id == first.kind), first.kind)
