"""The daily report (舆情日报) and the ledger (台账).

A day's report is computed from the events recorded by the end of that day (in the
plan's time zone), replayed per incident, so that it reads the same whenever it is
run again (R-REPORT-2). Only incidents that could matter to the day are read: those
open now, closed since the day began, or touched since then — each found by index.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from sqlmodel import Session, col, select

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Level, Plan, Routine, Stage, Step
from yuqing_cli.services.history import Replayed, replay
from yuqing_cli.services.plans import plan_for
from yuqing_cli.store.db import Store
from yuqing_cli.store.tables import Event, Incident
from yuqing_cli.timeutil import day_bounds, utcnow

CHUNK = 500  # ids per IN (...) query


@dataclass(frozen=True)
class Movement:
    at: datetime
    ref: str
    actor: str
    action: str
    subject: str
    old: str | None
    new: str | None
    note: str


@dataclass(frozen=True)
class OverdueStep:
    ref: str
    title: str
    step: Step
    owners: str  # roles and the people who hold them
    due: datetime
    late: timedelta


@dataclass(frozen=True)
class ResponseTime:
    milestone: str  # "reported" | "first_response"
    step: Step  # the step that marks it, whose deadline applies
    count: int
    median: timedelta | None
    worst: timedelta | None
    within: int  # how many met the deadline for their level
    late: int


@dataclass(frozen=True)
class RoutineRun:
    actor: str
    at: datetime
    zero: bool  # a zero report (零报告): nothing found
    note: str


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
class DailyReport:
    plan: Plan
    day: date
    start: datetime
    as_of: datetime  # end of the day, or now for today
    generated_at: datetime
    include_exercises: bool
    incidents: tuple[Replayed, ...]  # new, open at the end of the day, or closed that day
    new: tuple[Replayed, ...]
    closed: tuple[Replayed, ...]
    reopened: tuple[str, ...]
    open_by_stage: tuple[tuple[Stage, int], ...]
    open_by_level: tuple[tuple[Level, int], ...]
    by_platform: tuple[tuple[str, int], ...]  # new incidents by platform
    moved: tuple[Movement, ...]
    overdue: tuple[OverdueStep, ...]
    monitoring: tuple[Replayed, ...]
    response_times: tuple[ResponseTime, ...]
    routines: tuple[RoutineDay, ...]

    @property
    def open(self) -> tuple[Replayed, ...]:
        return tuple(r for r in self.incidents if r.is_open)

    @property
    def overdue_incidents(self) -> int:
        return len({o.ref for o in self.overdue})


MOVES = ("done", "waived", "advance", "close", "grade", "reopen", "assign")


def daily_report(
    store: Store, current: Plan, day: date | None = None, *, include_exercises: bool = False
) -> DailyReport:
    tz = current.info.timezone
    now = utcnow()
    from yuqing_cli.timeutil import today

    day = day or today(tz, now)
    start, end = day_bounds(day, tz)
    if start > now:
        raise BadInput(
            _("{v0} is in the future").format(v0=day.isoformat()),
            hint=_("give today or a past day"),
        )
    # Records are taken up to the end of the day (for today nothing later exists yet);
    # what is overdue is judged at the end of the day, or now for today.
    as_of = min(end, now)
    with store.read() as session:
        rows = _candidates(session, start, end)
        if not include_exercises:
            rows = [i for i in rows if not i.exercise]
        events = _events(session, [i.id for i in rows if i.id is not None], end)
        replayed = []
        for incident in rows:
            plan = plan_for(session, current, incident.plan_version)
            replayed.append(replay(incident, plan, events.get(incident.id or 0, [])))
        routines = tuple(_routine_day(session, r, start, end, as_of) for r in current.routines)
    day_events = [
        e for i in rows for e in events.get(i.id or 0, []) if start <= e.happened_at < end
    ]
    refs = {r.id: r.ref for r in replayed}
    return _assemble(
        current,
        day,
        start,
        end,
        as_of,
        now,
        include_exercises,
        replayed,
        day_events,
        refs,
        routines,
    )


def _assemble(
    current: Plan,
    day: date,
    start: datetime,
    end: datetime,
    as_of: datetime,
    now: datetime,
    include_exercises: bool,
    replayed: list[Replayed],
    day_events: list[Event],
    refs: dict[int, str],
    routines: tuple[RoutineDay, ...],
) -> DailyReport:
    new = [r for r in replayed if start <= r.detected_at < end]
    closed_ids = {e.incident_id for e in day_events if e.action == "close"}
    closed = [r for r in replayed if r.id in closed_ids]
    covered = [r for r in replayed if r.is_open or r in new or r in closed]
    covered.sort(key=lambda r: (r.detected_at, r.ref))
    open_ = [r for r in covered if r.is_open]
    stage_counts = Counter(r.stage for r in open_)
    level_counts = Counter(r.level for r in open_)
    overdue = [
        OverdueStep(
            r.ref, r.title, step, rules.who_may(r.plan, step.roles, r.assignments), due, as_of - due
        )
        for r in open_
        for step in rules.overdue_steps(r.plan, r.state, as_of)
        if (due := rules.due_at(r.plan, step, r.state)) is not None
    ]
    watch_stages = {s.id for s in current.stages if s.next and current.stage(s.next).final}
    moved = [
        Movement(
            e.happened_at, refs[e.incident_id], e.actor, e.action, e.subject, e.old, e.new, e.note
        )
        for e in sorted(day_events, key=lambda e: (e.happened_at, e.id or 0))
        if e.action in MOVES and e.incident_id in refs
    ]
    return DailyReport(
        plan=current,
        day=day,
        start=start,
        as_of=as_of,
        generated_at=now,
        include_exercises=include_exercises,
        incidents=tuple(covered),
        new=tuple(new),
        closed=tuple(closed),
        reopened=tuple(
            refs[e.incident_id]
            for e in day_events
            if e.action == "reopen" and e.incident_id in refs
        ),
        open_by_stage=tuple((s, stage_counts[s.id]) for s in current.stages if not s.final),
        open_by_level=tuple((lv, level_counts[lv.id]) for lv in current.levels),
        by_platform=tuple(Counter(r.platform or "—" for r in new).most_common()),
        moved=tuple(moved),
        overdue=tuple(sorted(overdue, key=lambda o: -o.late)),
        monitoring=tuple(r for r in open_ if r.stage in watch_stages),
        response_times=tuple(_response_times(current, replayed, start, end)),
        routines=routines,
    )


def _candidates(session: Session, start: datetime, end: datetime) -> list[Incident]:
    """Incidents that may be open at ``end``, or were new or changed on the day."""
    ids: set[int] = set()
    ident = col(Incident.id)
    for condition in (
        col(Incident.closed_at).is_(None),
        col(Incident.closed_at) >= start,
        (col(Incident.detected_at) >= start) & (col(Incident.detected_at) < end),
    ):
        ids.update(i for i in session.exec(select(ident).where(condition)) if i is not None)
    # No DISTINCT: with it SQLite prefers scanning the whole table in incident order.
    touched = select(Event.incident_id).where(col(Event.recorded_at) >= start)
    ids.update(i for i in session.exec(touched) if i is not None)
    found: list[Incident] = []
    for chunk in _chunks(sorted(i for i in ids if i is not None)):
        found += session.exec(select(Incident).where(col(Incident.id).in_(chunk)))
    return [i for i in found if i.detected_at < end and i.recorded_at < end]


def _events(session: Session, ids: Sequence[int], end: datetime) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = {}
    for chunk in _chunks(ids):
        rows = session.exec(
            select(Event)
            .where(col(Event.incident_id).in_(chunk), col(Event.recorded_at) < end)
            .order_by(col(Event.incident_id), col(Event.seq))
        )
        for incident_id, group in groupby(rows, key=lambda e: e.incident_id):
            if incident_id is not None:
                out[incident_id] = list(group)
    return out


def _chunks(items: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _response_times(
    plan: Plan, replayed: Iterable[Replayed], start: datetime, end: datetime
) -> Iterator[ResponseTime]:
    for milestone in ("reported", "first_response"):
        step = next((s for s in plan.steps if s.milestone == milestone), None)
        if step is None:
            continue
        times: list[timedelta] = []
        within = 0
        for r in replayed:
            at = r.reported_at if milestone == "reported" else r.first_response_at
            if at is None or not start <= at < end:
                continue
            took = at - r.detected_at
            times.append(took)
            hours = step.due.hours_for(r.level) if step.due else None
            within += hours is None or took <= timedelta(hours=hours)
        yield ResponseTime(
            milestone,
            step,
            len(times),
            statistics.median_low(times) if times else None,
            max(times) if times else None,
            within,
            len(times) - within,
        )


def _routine_day(
    session: Session, routine: Routine, start: datetime, end: datetime, as_of: datetime
) -> RoutineDay:
    base = select(Event).where(
        Event.action == "routine", Event.subject == routine.id, col(Event.recorded_at) < end
    )
    runs = session.exec(
        base.where(col(Event.happened_at) >= start, col(Event.happened_at) < end).order_by(
            col(Event.happened_at)
        )
    )
    last = session.exec(
        base.where(col(Event.happened_at) < end).order_by(col(Event.happened_at).desc()).limit(1)
    ).first()
    last_at = last.happened_at if last is not None else None
    overdue = last_at is None or as_of - last_at > timedelta(hours=routine.every_hours)
    return RoutineDay(
        routine,
        tuple(RoutineRun(e.actor, e.happened_at, e.new == "zero", e.note) for e in runs),
        last_at,
        overdue,
    )


# -- the ledger (台账) -----------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    ref: str
    title: str
    platform: str
    url: str | None
    level: str
    category: str
    sentiment: str
    detected_at: datetime
    reported_at: datetime | None
    first_response_at: datetime | None
    closed_at: datetime | None
    stage: str
    reporter: str
    exercise: bool


def ledger(store: Store, current: Plan, *, include_exercises: bool = False) -> list[LedgerRow]:
    """One row per incident, oldest first, with its key dates (current state)."""
    with store.read() as session:
        query = select(Incident).order_by(col(Incident.detected_at), col(Incident.ref))
        if not include_exercises:
            query = query.where(col(Incident.exercise).is_(False))
        rows = []
        for i in session.exec(query):
            plan = plan_for(session, current, i.plan_version)
            rows.append(
                LedgerRow(
                    ref=i.ref,
                    title=i.title,
                    platform=i.platform,
                    url=i.url,
                    level=plan.level(i.level).name,
                    category=plan.category(i.category).name,
                    sentiment=plan.sentiment(i.sentiment).name,
                    detected_at=i.detected_at,
                    reported_at=i.reported_at,
                    first_response_at=i.first_response_at,
                    closed_at=i.closed_at,
                    stage=plan.stage(i.stage).name,
                    reporter=i.reporter,
                    exercise=i.exercise,
                )
            )
    return rows
