"""The daily report (舆情日报) and the ledger (台账).

A day's report says what happened on that day, in the plan's time zone, as known now:
an entry recorded later about that day (补录, backfilled) is included and marked with
the time it was recorded. ``as_known_at`` reproduces exactly what the records said at
an earlier moment (e.g. the end of the day): the report is then the same, byte for
byte, whenever it is run again.

Each incident's state at the start and at the end of the day is the fold of its events
that happened before then and were recorded by ``known``; corrections (an edit, a void,
an undo) apply whenever they were made, since they say what the record should always
have said. Only incidents that can matter to the day are read, each found by index.

Every deadline figure of the report comes from one list of verdicts
(:func:`~yuqing_cli.services.report_verdicts.day_verdicts`); a voided incident has none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from itertools import groupby
from typing import Any, NamedTuple

from sqlalchemy import literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _
from yuqing_cli.plan.schema import Level, Plan, Routine, Stage
from yuqing_cli.plan.state import Assessment, Fact, IncidentState, LineVersion, Statement, apply
from yuqing_cli.services import audit
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, Reading, reading
from yuqing_cli.services.plans import plan_for
from yuqing_cli.services.report_verdicts import (
    DaySuggestion,
    DayVerdict,
    ResponseTime,
    day_verdicts,
    due_next,
    missed,
    response_times,
    suggestions,
)
from yuqing_cli.store.bulk import chunks
from yuqing_cli.store.tables import Event, Incident
from yuqing_cli.store.types import UTCDateTime
from yuqing_cli.timeutil import day_bounds, today
from yuqing_cli.when import When, parse_day, parse_when

CORRECTIONS = ("edit", "void", "undo")
MOVES = (
    "done", "waived", "advance", "close", "grade", "reopen", "assign", "note", "edit",
    "void", "handover", "retract",
)  # fmt: skip


@dataclass(frozen=True)
class DayIncident:
    """One incident as the report sees it."""

    id: int
    plan: Plan
    state: IncidentState  # at the end of the day
    at_start: IncidentState | None  # at its start (None: not yet detected)
    logged_at: datetime  # when the incident was recorded
    notes: tuple[tuple[When, str], ...] = ()  # its notes up to the end of the day

    @property
    def ref(self) -> str:
        return self.state.ref

    @property
    def is_open(self) -> bool:
        return _is_open(self.state)

    @property
    def was_open(self) -> bool:
        return self.at_start is not None and _is_open(self.at_start)


def _is_open(state: IncidentState) -> bool:
    return state.closed is None and not state.voided


@dataclass(frozen=True)
class Movement:
    when: When
    ref: str
    actor: str
    action: str
    subject: str
    old: str | None
    new: str | None
    note: str
    recorded_at: datetime
    late: bool  # recorded after the day (补录)
    plan: Plan
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def at(self) -> datetime:
        return self.when.at


@dataclass(frozen=True)
class RoutineRun:
    actor: str
    when: When
    zero: bool  # a zero report (零报告): nothing found
    note: str
    late: bool  # recorded after the day

    @property
    def at(self) -> datetime:
        return self.when.at


@dataclass(frozen=True)
class RoutineDay:
    routine: Routine
    runs: tuple[RoutineRun, ...]  # on the day
    last_at: datetime | None  # the latest run up to the end of the day
    overdue: bool  # no run within its cadence at the end of the day

    @property
    def missing(self) -> bool:
        """A daily routine with no run that day."""
        return self.routine.every_hours <= 24 and not self.runs


@dataclass(frozen=True)
class Totals:
    """How the day's counts reconcile: carried + new + reopened − closed = open."""

    carried: int  # open at the start of the day
    new: int
    reopened: int
    closed: int
    open: int

    @property
    def reconciles(self) -> bool:
        return self.carried + self.new + self.reopened - self.closed == self.open


@dataclass(frozen=True)
class DayStatement:
    incident: DayIncident
    statement: Statement
    late: bool  # recorded after the day


@dataclass(frozen=True)
class DayAssessment:
    incident: DayIncident
    assessment: Assessment  # the latest of the day
    count: int  # assessments of the incident that day


@dataclass(frozen=True)
class DailyReport:
    plan: Plan
    day: date
    start: datetime
    end: datetime
    as_of: datetime  # end of the day, or now for today
    known: datetime  # what was recorded by this moment
    as_known_at: bool  # known was given (a reproduction), not now
    generated_at: datetime
    include_exercises: bool
    incidents: tuple[DayIncident, ...]  # new, open at the end of the day, or closed that day
    new: tuple[DayIncident, ...]
    closed: tuple[DayIncident, ...]
    reopened: tuple[DayIncident, ...]
    totals: Totals
    open_by_stage: tuple[tuple[Stage, int], ...]
    open_by_level: tuple[tuple[Level, int], ...]
    by_platform: tuple[tuple[str, int], ...]  # new incidents by platform
    moved: tuple[Movement, ...]  # what changed an incident, in order
    activity: tuple[Movement, ...]  # everything recorded about the day but the logging
    verdicts: tuple[DayVerdict, ...]  # the one source of every deadline figure
    monitoring: tuple[DayIncident, ...]
    response_times: tuple[ResponseTime, ...]
    routines: tuple[RoutineDay, ...]
    suggestions: tuple[DaySuggestion, ...] = ()  # the grading aid's, for open incidents
    statements: tuple[DayStatement, ...] = ()
    lines_approved: tuple[tuple[DayIncident, LineVersion], ...] = ()
    hottest: tuple[DayAssessment, ...] = ()  # that day's assessments, hottest first

    @property
    def open(self) -> tuple[DayIncident, ...]:
        return tuple(r for r in self.incidents if r.is_open)

    @cached_property
    def missed(self) -> tuple[DayVerdict, ...]:
        """Deadlines missed (超时事项): steps open past due at the end of the day, and
        steps done late that day."""
        return missed(self.verdicts)

    @cached_property
    def overdue(self) -> tuple[DayVerdict, ...]:
        """Open steps past their deadline at the end of the day."""
        return tuple(m for m in self.missed if not m.done)

    @cached_property
    def due_next(self) -> tuple[DayVerdict, ...]:
        """Open steps whose deadline is still to come, soonest first."""
        return due_next(self.verdicts)

    @cached_property
    def active(self) -> tuple[DayIncident, ...]:
        """The incidents new that day or with something recorded about the day."""
        acted = {m.ref for m in self.activity}
        new = {i.id for i in self.new}
        return tuple(i for i in self.incidents if i.id in new or i.ref in acted)

    @property
    def overdue_incidents(self) -> int:
        return len({m.ref for m in self.overdue})

    def late_entry(self, incident: DayIncident) -> bool:
        """Was the incident logged after the day (补录)?"""
        return incident.logged_at >= self.end


def daily_report(
    ctx: Context,
    day: str | None = None,
    *,
    as_known_at: str | None = None,
    include_exercises: bool = False,
) -> DailyReport:
    with reading(ctx) as r:
        return build(r, day, as_known_at=as_known_at, include_exercises=include_exercises)


def build(
    r: Reading, day_text: str | None, *, as_known_at: str | None, include_exercises: bool
) -> DailyReport:
    tz, now = r.tz, r.now
    day = parse_day(day_text, tz, now=now) if day_text else today(tz, now)
    start, end = day_bounds(day, tz)
    if start > now:
        raise BadInput(
            _("{day} is in the future").format(day=day.isoformat()),
            hint=_("give today or a past day"),
        )
    known = now
    if as_known_at is not None:
        given = parse_when(as_known_at, r.time_rules(), now=now)
        known = min(given.hi if given.precision == "date" else given.at, now)
    # What is open or overdue is judged at the end of the day (or now, for today).
    as_of = min(end, now)
    rows = [
        i
        for i in _candidates(r.session, start, end)
        if i.detected_at < end and i.recorded_at <= known and (include_exercises or not i.exercise)
    ]
    events = _events(r.session, [i.id for i in rows], known)
    incidents: list[DayIncident] = []
    day_facts: list[tuple[DayIncident, Fact]] = []
    for row in rows:
        plan = plan_for(r.session, r.plan, row.plan_version)
        facts = events.get(row.id, [])
        at_end = _fold(plan, facts, end, row.ref)
        if at_end is None or at_end.voided:
            continue
        notes = tuple((f.when, f.note) for f in facts if f.action == "note" and f.when.at < end)
        item = DayIncident(
            row.id, plan, at_end, _fold(plan, facts, start, row.ref), row.recorded_at, notes
        )
        incidents.append(item)
        day_facts += [(item, f) for f in facts if start <= f.when.at < end]
    routines = tuple(_routine_day(r.session, x, start, end, as_of, known) for x in r.plan.routines)
    return _assemble(
        r.plan, day, start, end, as_of, known, as_known_at is not None, now,
        include_exercises, incidents, day_facts, routines,
    )  # fmt: skip


def _fold(plan: Plan, facts: Sequence[Fact], until: datetime, ref: str) -> IncidentState | None:
    """The state from the facts that happened before ``until`` (and every correction)."""
    state: IncidentState | None = None
    for fact in facts:
        if fact.when.at < until or (state is not None and fact.action in CORRECTIONS):
            state = apply(plan, state, fact)
    return st.with_ref(state, ref) if state is not None else None


def _assemble(
    current: Plan,
    day: date,
    start: datetime,
    end: datetime,
    as_of: datetime,
    known: datetime,
    reproduced: bool,
    now: datetime,
    include_exercises: bool,
    incidents: list[DayIncident],
    day_facts: list[tuple[DayIncident, Fact]],
    routines: tuple[RoutineDay, ...],
) -> DailyReport:
    # In order of detection: the database returns rows in no particular order.
    new = sorted(
        (i for i in incidents if start <= i.state.detected.at < end),
        key=lambda i: (i.state.detected.at, i.ref),
    )
    closed_ids = {i.id for i, f in day_facts if f.action == "close"}
    reopened_ids = {i.id for i, f in day_facts if f.action == "reopen"}
    closed = [i for i in incidents if i.id in closed_ids]
    reopened = [i for i in incidents if i.id in reopened_ids]
    shown_ids = {i.id for i in new} | closed_ids | reopened_ids
    covered = [i for i in incidents if i.is_open or i.id in shown_ids]
    covered.sort(key=lambda i: (i.state.detected.at, i.ref))
    open_ = [i for i in covered if i.is_open]
    stage_counts = Counter(i.state.stage for i in open_)
    level_counts = Counter(i.state.level for i in open_)
    watch = {s.id for s in current.stages if s.next and current.stage(s.next).final}
    activity = [
        Movement(
            f.when,
            i.ref,
            f.actor,
            f.action,
            f.subject,
            f.old,
            f.new,
            f.note,
            f.recorded_at,
            f.recorded_at >= end,
            i.plan,
            f.data,
        )  # fmt: skip
        for i, f in sorted(day_facts, key=lambda x: (x[1].when.at, x[0].ref, x[1].seq))
        if f.action != "create"
    ]
    verdicts = day_verdicts(covered, start, end, as_of)
    return DailyReport(
        plan=current,
        day=day,
        start=start,
        end=end,
        as_of=as_of,
        known=known,
        as_known_at=reproduced,
        generated_at=now,
        include_exercises=include_exercises,
        incidents=tuple(covered),
        new=tuple(new),
        closed=tuple(closed),
        reopened=tuple(reopened),
        totals=Totals(
            carried=sum(1 for i in incidents if i.was_open),
            new=len(new),
            reopened=len(reopened),
            closed=len(closed),
            open=len(open_),
        ),
        open_by_stage=tuple((s, stage_counts[s.id]) for s in current.stages if not s.final),
        open_by_level=tuple((lv, level_counts[lv.id]) for lv in current.levels),
        by_platform=tuple(Counter(i.state.platform or "—" for i in new).most_common()),
        moved=tuple(m for m in activity if m.action in MOVES),
        activity=tuple(activity),
        verdicts=verdicts,
        monitoring=tuple(i for i in open_ if i.state.stage in watch),
        response_times=tuple(response_times(current, verdicts)),
        routines=routines,
        suggestions=tuple(suggestions(covered, as_of)),
        statements=tuple(
            sorted(
                (
                    DayStatement(i, x, x.recorded_at >= end)
                    for i in incidents
                    for x in i.state.statements
                    if start <= x.when.at < end
                ),
                key=lambda d: (d.statement.when.at, d.incident.ref, d.statement.number),
            )
        ),
        lines_approved=tuple(
            (i, v)
            for i in incidents
            for v in i.state.lines
            if v.approved is not None and start <= v.approved.at < end
        ),
        hottest=tuple(_hottest(incidents, start, end)),
    )


HOTTEST = 10


def _hottest(
    incidents: Iterable[DayIncident], start: datetime, end: datetime
) -> list[DayAssessment]:
    """Each incident's latest assessment of the day, the most reposted (then read) first."""
    found = []
    for i in incidents:
        today = [a for a in i.state.assessments if start <= a.when.at < end]
        if today:
            found.append(DayAssessment(i, today[-1], len(today)))
    found.sort(
        key=lambda d: (
            -d.assessment.metrics.get("reposts", 0),
            -d.assessment.metrics.get("reads", 0),
            d.incident.ref,
        )
    )
    return found[:HOTTEST]


class _Candidate(NamedTuple):
    id: int
    ref: str
    plan_version: str
    detected_at: datetime
    recorded_at: datetime
    exercise: bool


def _candidates(session: Session, start: datetime, end: datetime) -> list[_Candidate]:
    """Incidents that may be open at ``end``, or were new or acted on during the day."""
    ids: set[int] = set()
    ident = col(Incident.id)
    for condition in (
        col(Incident.closed_at).is_(None),
        # Closed after the day began and detected before it ended (the index on
        # (closed_at, detected_at) answers this alone): open during the day.
        (col(Incident.closed_at) >= start) & (col(Incident.detected_at) < end),
        (col(Incident.detected_at) >= start) & (col(Incident.detected_at) < end),
    ):
        ids.update(i for i in session.exec(select(ident).where(condition)) if i is not None)
    # No DISTINCT: with it SQLite prefers scanning the whole table in incident order.
    touched = select(Event.incident_id).where(
        col(Event.happened_at) >= start, col(Event.happened_at) < end
    )
    ids.update(i for i in session.exec(touched) if i is not None)
    t = Incident.__table__  # type: ignore[attr-defined]
    columns = (t.c.id, t.c.ref, t.c.plan_version, t.c.detected_at, t.c.recorded_at, t.c.exercise)
    found: list[_Candidate] = []
    conn = session.connection()
    for chunk in chunks(sorted(ids)):
        found += (
            _Candidate(*row) for row in conn.execute(sa_select(*columns).where(t.c.id.in_(chunk)))
        )
    return found


def _events(session: Session, ids: Sequence[int], known: datetime) -> dict[int, list[Fact]]:
    """Each incident's facts recorded by ``known``, in order (read as plain rows)."""
    raw = audit.RAW
    conn = session.connection()
    out: dict[int, list[Fact]] = {}
    for chunk in chunks(ids):
        rows = conn.execute(
            sa_select(*audit.RAW_COLUMNS)
            .where(raw.c.incident_id.in_(chunk), raw.c.recorded_at <= literal(known, UTCDateTime()))
            .order_by(raw.c.incident_id, raw.c.seq)
        ).all()
        for incident_id, group in groupby(rows, key=lambda e: e[audit.INCIDENT]):
            out[incident_id] = [st.fact_of_raw(e) for e in group]
    return out


def _routine_day(
    session: Session,
    routine: Routine,
    start: datetime,
    end: datetime,
    as_of: datetime,
    known: datetime,
) -> RoutineDay:
    base = select(Event).where(
        Event.action == "routine", Event.subject == routine.id, col(Event.recorded_at) <= known
    )
    runs = [
        st.fact_of(e)
        for e in session.exec(
            base.where(col(Event.happened_at) >= start, col(Event.happened_at) < end).order_by(
                col(Event.happened_at)
            )
        )
    ]
    last = session.exec(
        base.where(col(Event.happened_at) < end).order_by(col(Event.happened_at).desc()).limit(1)
    ).first()
    last_at = last.happened_at if last is not None else None
    overdue = last_at is None or as_of - last_at > timedelta(hours=routine.every_hours)
    return RoutineDay(
        routine,
        tuple(
            RoutineRun(f.actor, f.when, f.new == "zero", f.note, f.recorded_at >= end) for f in runs
        ),
        last_at,
        overdue,
    )
