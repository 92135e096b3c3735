"""Reading incidents: checklist, show, list and the audit trail (`yq log`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from yuqing_cli.plan import deadlines, rules
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import IncidentState
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
from yuqing_cli.store.tables import Event, Incident
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
        events = event_views(r.session, st.incident_events(r.session, loaded.id), with_waves=True)
    tz = loaded.plan.info.timezone
    return build_checklist(loaded.plan, loaded.state, r.now), Trail(tz, tuple(events))


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


def list_incidents(ctx: Context, flt: ListFilter) -> list[IncidentView]:
    with reading(ctx) as r:
        views = _views(r.session, r.plan, flt, r.now)
        if not flt.mine:
            return list(views)
        from yuqing_cli.services.todo import mine

        refs = mine(r.session, r.plan, acting_person(r.plan, ctx.user), r.now)
        return [v for v in views if v.ref in refs]


def _views(session: Session, plan: Plan, flt: ListFilter, now: datetime) -> Iterator[IncidentView]:
    query = select(Incident)
    if flt.stage is not None:
        query = query.where(Incident.stage == stage_id(plan, flt.stage))
    elif not flt.include_closed:
        query = query.where(col(Incident.closed_at).is_(None))
    if flt.level is not None:
        query = query.where(Incident.level == plan.level(flt.level).id)
    if not flt.exercises:
        query = query.where(col(Incident.exercise).is_(False))
    if not flt.voided:
        query = query.where(col(Incident.voided).is_(False))
    query = query.order_by(col(Incident.detected_at).desc(), col(Incident.ref).desc())
    filtered = flt.overdue_only or flt.late_only
    if flt.limit is not None and not filtered:
        query = query.limit(flt.limit)
    count = 0
    for row in session.exec(query):
        pinned = plan_for(session, plan, row.plan_version)
        view = incident_view(pinned, st.snapshot_state(row, pinned, session), now)
        if flt.overdue_only and not view.overdue:
            continue
        if flt.late_only and not view.missed:
            continue
        yield view
        count += 1
        if flt.limit is not None and count >= flt.limit:
            return


def stage_id(plan: Plan, token: str) -> str:
    for stage in plan.stages:
        if token.strip() in (stage.id, stage.name, stage.name_en):
            return stage.id
    return plan.stage(token).id  # raises with the list of stages


# -- the audit trail --------------------------------------------------------------------------


def event_views(
    session: Session, events: Sequence[Event], *, with_waves: bool = False
) -> list[EventView]:
    refs = _refs(session, {e.incident_id for e in events if e.incident_id is not None})
    wave = 1
    out = []
    for e in events:
        fact = st.fact_of(e)
        if with_waves and e.action == "reopen":
            wave += 1
        out.append(
            EventView(
                id=e.id or 0,
                ref=refs.get(e.incident_id) if e.incident_id is not None else None,
                seq=e.seq,
                action=e.action,
                actor=e.actor,
                subject=e.subject,
                old=e.old,
                new=e.new,
                note=e.note,
                happened=fact.when,
                recorded_at=e.recorded_at,
                plan_version=e.plan_version,
                hash=e.hash,
                wave=wave,
                # an issued report's frozen content is printed by `yq report show`
                data={k: v for k, v in fact.data.items() if k != "content"},
                login=e.login,
                login_admin=e.login_admin,
            )
        )
    return out


def _refs(session: Session, ids: set[int]) -> dict[int, str]:
    refs: dict[int, str] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), BATCH):
        chunk = ordered[i : i + BATCH]
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


def log(ctx: Context, q: LogQuery) -> Trail:
    """An incident's trail in order; every event in a time range; or the newest events.

    Without a reference or a range: the newest events by recording time (20 unless
    ``limit`` says). A range filters on when things happened (``recorded``: on when
    they were recorded). ``limit`` keeps the newest; the newest comes last.
    """
    with reading(ctx) as r:
        tz = r.tz
        query = select(Event)
        if q.ref is not None:
            loaded = st.load(r.session, r.plan, q.ref, r.plan)
            query = query.where(Event.incident_id == loaded.id)
        column = Event.recorded_at if q.recorded else Event.happened_at
        start = _bound(q.since, r, end=False) if q.since else None
        end = _bound(q.until, r, end=True) if q.until else None
        if start is not None:
            query = query.where(col(column) >= start)
        if end is not None:
            query = query.where(col(column) < end)
        limit = q.limit
        if q.ref is None and start is None and end is None:
            limit = limit or DEFAULT_LOG_LIMIT
            order: list[Any] = [col(Event.id).desc()]
        elif q.ref is not None and start is None and end is None:
            order = [col(Event.seq).desc()]
        else:
            order = [col(column).desc(), col(Event.id).desc()]
        query = query.order_by(*order)
        if limit is not None:
            query = query.limit(limit)
        rows = list(r.session.exec(query))
        rows.reverse()
        views = event_views(r.session, rows, with_waves=q.ref is not None and limit is None)
        return Trail(tz, tuple(views))


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
