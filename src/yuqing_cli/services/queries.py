"""Reading incidents: checklist, show, list and the audit trail (`yq log`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, literal, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from yuqing_cli.plan import deadlines, rules
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import IncidentState
from yuqing_cli.services import audit
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, acting_person, reading
from yuqing_cli.services.plans import plan_for
from yuqing_cli.services.views import (
    Checklist,
    ChecklistItem,
    EventView,
    IncidentView,
    Trail,
    incident_view,
)
from yuqing_cli.store.bulk import chunks
from yuqing_cli.store.tables import Incident
from yuqing_cli.store.types import UTCDateTime, utc_from_stored
from yuqing_cli.timeutil import day_bounds
from yuqing_cli.when import When

BATCH = 500


def build_checklist(plan: Plan, state: IncidentState, now: datetime) -> Checklist:
    current = plan.stage(state.stage)
    earlier_missing = [s for s in rules.outstanding(plan, state) if s.stage != current.id]
    steps = rules.applicable_steps(plan, state.level, state.categories, current.id)
    items = tuple(
        ChecklistItem(
            step=step,
            stage=plan.stage(step.stage),
            status=rules.step_status(state, step),
            record=state.steps.get(step.id),
            verdict=deadlines.step_verdict(plan, state, step, now),
        )
        for step in steps + earlier_missing
    )
    check = rules.check_advance(plan, state)
    return Checklist(
        incident_view(plan, state, now),
        plan,
        items,
        check.target,
        check.missing,
        now,
        tuple(deadlines.verdicts(plan, state, now)),
    )


def checklist(ctx: Context, ref: str) -> Checklist:
    with reading(ctx) as r:
        loaded = st.load(r.session, r.plan, ref, r.plan)
    return build_checklist(loaded.plan, loaded.state, r.now)


def show(ctx: Context, ref: str) -> tuple[Checklist, Trail]:
    with reading(ctx) as r:
        loaded = st.load(r.session, r.plan, ref, r.plan)
        raw = audit.RAW
        rows = _keyset(
            r.session.connection(), [raw.c.incident_id == loaded.id], None, (raw.c.seq,), None
        )
        events = tuple(_trail(r.session, rows, with_waves=True))
    tz = loaded.plan.info.timezone
    trail = Trail(tz, events, loaded.ref)
    return build_checklist(loaded.plan, loaded.state, r.now), trail


@dataclass(frozen=True)
class ListFilter:
    include_closed: bool = False
    stage: str | None = None  # as typed: an id or a name
    level: str | None = None  # as typed
    overdue_only: bool = False  # open steps past their deadline
    late_only: bool = False  # any deadline missed, also done late
    mine: bool = False  # only incidents where the acting person has something to do
    exercises: bool = True
    voided: bool = False
    limit: int | None = None


@contextmanager
def list_incidents(ctx: Context, flt: ListFilter) -> Iterator[Iterator[IncidentView]]:
    """The incidents ``flt`` asks for, newest first, read in batches by key as they are
    consumed inside the context."""
    with reading(ctx) as r:
        views = _views(r.session, r.plan, flt, r.now)
        if flt.mine:
            from yuqing_cli.services.todo import mine

            refs = mine(r.session, r.plan, acting_person(r.plan, ctx.user), r.now)
            views = (v for v in views if v.ref in refs)
        yield views


def _views(session: Session, plan: Plan, flt: ListFilter, now: datetime) -> Iterator[IncidentView]:
    t = Incident.__table__  # type: ignore[attr-defined]
    where: list[Any] = []
    if flt.stage is not None:
        where.append(t.c.stage == stage_id(plan, flt.stage))
    elif not flt.include_closed:
        where.append(t.c.closed_at.is_(None))
    if flt.level is not None:
        where.append(t.c.level == plan.level(flt.level).id)
    if not flt.exercises:
        where.append(t.c.exercise.is_(False))
    if not flt.voided:
        where.append(t.c.voided.is_(False))
    filtered = flt.overdue_only or flt.late_only
    size = BATCH if flt.limit is None or filtered else min(flt.limit, BATCH)
    base = (
        sa_select(t.c.id, t.c.ref, t.c.plan_version, t.c.state, t.c.detected_at)
        .where(*where)
        .order_by(t.c.detected_at.desc(), t.c.id.desc())
        .limit(size)
    )
    conn = session.connection()
    count = 0
    key = None
    while True:
        rows = conn.execute(
            base if key is None else base.where(tuple_(t.c.detected_at, t.c.id) < key)
        ).all()
        for incident_id, ref, version, text, _detected in rows:
            pinned = plan_for(session, plan, version)
            view = incident_view(pinned, st.state_of(session, pinned, incident_id, ref, text), now)
            if (flt.overdue_only and not view.overdue) or (flt.late_only and not view.missed):
                continue
            yield view
            count += 1
            if flt.limit is not None and count >= flt.limit:
                return
        if len(rows) < size:
            return
        key = tuple_(literal(rows[-1][4], UTCDateTime()), literal(rows[-1][0], Integer()))


def stage_id(plan: Plan, token: str) -> str:
    for stage in plan.stages:
        if token.strip() in (stage.id, stage.name, stage.name_en):
            return stage.id
    return plan.stage(token).id  # raises with the list of stages


# -- the audit trail --------------------------------------------------------------------------


def _refs(session: Session, ids: set[int]) -> dict[int, str]:
    refs: dict[int, str] = {}
    ordered = sorted(ids)
    for chunk in chunks(ordered, BATCH):
        for incident_id, ref in session.exec(
            select(Incident.id, Incident.ref).where(col(Incident.id).in_(chunk))
        ):
            if incident_id is not None:
                refs[incident_id] = ref
    return refs


@dataclass(frozen=True)
class LogQuery:
    ref: str | None = None
    since: str | None = None  # as typed: a day or a time
    until: str | None = None
    recorded: bool = False  # the range is on recording time, not happened time
    limit: int | None = None  # the newest N (newest last)


DEFAULT_LOG_LIMIT = 20
LOG_BATCH = 2_000


@contextmanager
def log(ctx: Context, q: LogQuery) -> Iterator[Trail]:
    """An incident's trail in order; every event in a time range; or the newest events.

    Without a reference or a range: the newest events by recording time (20 unless
    ``limit`` says). A range filters on when things happened (``recorded``: on when
    they were recorded). ``limit`` keeps the newest; the newest comes last. The events
    are read in batches by key as the trail is consumed, inside the context.
    """
    with reading(ctx) as r:
        raw = audit.RAW
        where: list[Any] = []
        incident: Incident | None = None
        if q.ref is not None:
            incident = st.find(r.session, r.plan, q.ref)
            where.append(raw.c.incident_id == incident.id)
        column = raw.c.recorded_at if q.recorded else raw.c.happened_at
        start = _bound(q.since, r, end=False) if q.since else None
        end = _bound(q.until, r, end=True) if q.until else None
        lower = column >= literal(start, UTCDateTime()) if start is not None else None
        if end is not None:
            where.append(column < literal(end, UTCDateTime()))
        limit = q.limit
        if q.ref is None and start is None and end is None:
            limit = limit or DEFAULT_LOG_LIMIT
            key: tuple[Any, ...] = (raw.c.id,)
        elif q.ref is not None and start is None and end is None:
            key = (raw.c.seq,)
        else:
            key = (column, raw.c.id)
        rows = _keyset(r.session.connection(), where, lower, key, limit)
        with_waves = q.ref is not None and limit is None
        ref = incident.ref if incident is not None else None
        yield Trail(r.tz, _trail(r.session, rows, with_waves=with_waves), ref)


def _keyset(
    conn: Connection, where: list[Any], lower: Any, key: tuple[Any, ...], limit: int | None
) -> Iterator[Sequence[Any]]:
    """The events ``where`` and ``lower`` (a lower bound on the first key column, or
    None) say, ascending by ``key``, in batches; with ``limit``, only the last ``limit``
    of them (where they start is found first, by one scan of the index from the end
    that stops after ``limit`` entries).

    Each batch starts after the last key read. That condition replaces ``lower``, which
    it implies: given both, SQLite would start every batch's scan at ``lower``.
    """
    positions = [audit.RAW_ORDER.index(c.name) for c in key]

    def from_key(values: Sequence[Any], inclusive: bool) -> Any:
        bound = tuple_(*(_bind(c, v) for c, v in zip(key, values, strict=True)))
        return tuple_(*key) >= bound if inclusive else tuple_(*key) > bound

    condition = lower
    if limit is not None:
        first = conn.execute(
            sa_select(*key).where(*where, *([] if lower is None else [lower]))
            .order_by(*(c.desc() for c in key)).offset(limit - 1).limit(1)
        ).first()  # fmt: skip
        if first is not None:
            condition = from_key(first, inclusive=True)
    base = sa_select(*audit.RAW_COLUMNS).where(*where).order_by(*key).limit(LOG_BATCH)
    while True:
        rows = conn.execute(base if condition is None else base.where(condition)).all()
        yield from rows
        if len(rows) < LOG_BATCH:
            return
        condition = from_key([rows[-1][i] for i in positions], inclusive=False)


def _bind(column: Any, value: Any) -> Any:
    """A raw key value bound again for a comparison: a time through its column type."""
    if column.name in ("happened_at", "recorded_at"):
        return literal(utc_from_stored(value), UTCDateTime())
    return literal(int(value), Integer())


def _trail(
    session: Session, rows: Iterator[Sequence[Any]], *, with_waves: bool
) -> Iterator[EventView]:
    """Views of raw event rows, with the references of their incidents (looked up a
    batch at a time, and kept for a while: an incident's events come together)."""
    refs: dict[int, str] = {}
    wave = 1
    pending: list[Sequence[Any]] = []

    def flush() -> Iterator[EventView]:
        nonlocal wave
        wanted = {row[audit.INCIDENT] for row in pending} - refs.keys() - {None}
        if len(refs) > 50_000:
            refs.clear()
        refs.update(_refs(session, wanted))
        for row in pending:
            action = row[audit.ACTION]
            if with_waves and action == "reopen":
                wave += 1
            incident = row[audit.INCIDENT]
            fact = st.fact_of_raw(row)
            yield EventView(
                row[audit.ID],
                refs.get(incident) if incident is not None else None,
                fact.seq,
                action,
                fact.actor,
                fact.subject,
                fact.old,
                fact.new,
                fact.note,
                fact.when,
                fact.recorded_at,
                fact.plan_version,
                row[audit.HASH],
                wave,
                fact.data,
                row[audit.LOGIN],
                None if row[audit.LOGIN_ADMIN] is None else bool(row[audit.LOGIN_ADMIN]),
            )
        pending.clear()

    for row in rows:
        pending.append(row)
        if len(pending) >= LOG_BATCH:
            yield from flush()
    yield from flush()


def _bound(value: str, r: Any, *, end: bool) -> datetime:
    return time_bound(value, r, end=end)


_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?\s*$")


def time_bound(value: str, r: Any, *, end: bool) -> datetime:
    """One end of a range as typed. A month (``2024-11``, ``2024年11月``) or a day means
    its start (``--since``) or the start of the next one (``--until``); a time is taken
    as given (an uncertain one by its earliest or latest instant)."""
    from yuqing_cli.when import parse_when

    month = _MONTH.match(unicodedata.normalize("NFKC", value))
    if month and 1 <= int(month[2]) <= 12:
        year, number = int(month[1]), int(month[2])
        if end:
            year, number = (year + 1, 1) if number == 12 else (year, number + 1)
        start, _end = day_bounds(date(year, number, 1), r.tz)
        return start
    when: When = parse_when(value, r.time_rules(), now=r.now)
    if when.precision == "date":
        return when.hi if end else when.lo
    return when.hi if end and not when.is_exact else when.at
