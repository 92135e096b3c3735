"""The ledger (台账): one row per incident with its key times and their verdicts.

An office exports it monthly and yearly, over every incident it ever logged, so a row
must cost little to read. What a row needs beyond the ``incident`` columns is projected
with the state whenever the incident changes (:func:`projection`, kept in
``incident.ledger`` and checked by ``yq verify`` like every other column): times in the
plan's zone, each milestone's time, elapsed time and verdict. A verdict that still
depends on the clock (a milestone not reached, its deadline running) is kept as its
deadline and decided when the ledger is read (:func:`open_verdict`), with the same
rule as :func:`yuqing_cli.plan.deadlines.verdict`.

:func:`ledger` reads the rows oldest first, in batches by key, as the caller consumes
them: memory does not grow with the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select, tuple_
from sqlalchemy.engine import Connection

from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan import deadlines
from yuqing_cli.plan.deadlines import VerdictKind
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import IncidentState
from yuqing_cli.services.context import Context, reading
from yuqing_cli.services.plans import plan_for
from yuqing_cli.timeutil import local
from yuqing_cli.when import When

BATCH = 1_000


# -- the projection ------------------------------------------------------------------------


def _stamp(when: When | None, tz: str) -> str | dict[str, Any] | None:
    """A time as the ledger keeps it: the ISO form in the plan's zone when exactly
    known, else the whole interval."""
    if when is None:
        return None
    if when.precision == "exact" and when.at == when.lo == when.hi:
        return local(when.at, tz).isoformat()
    return when.to_plain()


def _seconds(delta: timedelta | None) -> float | None:
    return delta.total_seconds() if delta is not None else None


def projection(plan: Plan, state: IncidentState) -> str:
    """What a ledger row needs beyond the ``incident`` columns, as canonical JSON."""
    tz = plan.info.timezone
    milestones = []
    for milestone in plan.milestones:
        record = deadlines.milestone_record(plan, state, milestone.id)
        when = record.when if record is not None else None
        found = deadlines.milestone_verdict(plan, state, milestone.id, state.recorded_at)
        entry: dict[str, Any] = {"id": milestone.id, "at": _stamp(when, tz)}
        if when is not None and when.is_exact and state.detected.is_exact:
            entry["elapsed"] = _seconds(when.at - state.detected.at)
        if found is not None and found.record is None and found.due is not None:
            entry["due"] = [found.due.lo.isoformat(), found.due.hi.isoformat()]  # open
        elif found is not None:
            entry["verdict"] = found.kind
            entry["late_by"] = _seconds(found.late_by)
            entry["margin"] = _seconds(found.margin) if found.record is not None else None
        milestones.append(entry)
    designated = {r.id for r in plan.roles if r.per_incident}
    spokesperson = next(
        (person for role, person in state.assignments.items() if role in designated), None
    )
    data = {
        "categories": list(state.categories),
        "first_seen": _stamp(state.first_seen, tz),
        "detected": _stamp(state.detected, tz),
        "recorded": local(state.recorded_at, tz).isoformat(),
        "milestones": milestones,
        "first_closed": _stamp(state.waves[0].closed, tz),
        "closed": _stamp(state.closed, tz),
        "spokesperson": spokesperson,
        "imported": state.imported,
        "late_entry": state.imported or state.recorded_at - state.detected.at > timedelta(days=1),
        "void_reason": state.void.reason if state.void else "",
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def open_verdict(
    due_lo: datetime, due_hi: datetime, now: datetime
) -> tuple[VerdictKind, timedelta | None]:
    """The verdict of an open step due within [due_lo, due_hi] (and how late it is)."""
    if now <= due_lo:
        return "pending", None
    if now > due_hi:
        return "missed", now - due_hi
    return "undeterminable", None


# -- rows ----------------------------------------------------------------------------------


# Rows are named tuples: a ledger is read a row at a time, fast.


class Stamp(NamedTuple):
    """A time in a ledger row: its ISO form in the plan's zone, and the interval when it
    is not exactly known (shown as written)."""

    iso: str  # e.g. 2024-11-23T09:15:00+08:00
    uncertain: When | None = None

    @property
    def when(self) -> When:
        return self.uncertain or When.exact(datetime.fromisoformat(self.iso))

    @property
    def is_exact(self) -> bool:
        return self.uncertain is None

    @property
    def minute(self) -> str:
        """``2024-11-23 09:15``: the time to the minute, for spreadsheets."""
        iso = self.iso
        return f"{iso[:10]} {iso[11:16]}"


def _uncertain(value: Any, tz: str) -> Stamp:
    when = When.from_plain(value)
    return Stamp(local(when.at, tz).isoformat(), when)


class MilestoneEntry(NamedTuple):
    milestone: str
    name: str
    when: Stamp | None
    elapsed: timedelta | None  # from detection, when both are exactly known
    verdict: VerdictKind | None  # None: no deadline applies
    late_by: timedelta | None
    margin: timedelta | None


class LedgerRow(NamedTuple):
    ref: str
    title: str
    summary: str
    platform: str
    url: str | None
    level: str  # the plan's names
    categories: tuple[str, ...]
    sentiment: str
    first_seen: Stamp | None
    detected: Stamp
    recorded: Stamp  # when the incident was logged
    milestones: tuple[MilestoneEntry, ...]
    first_closed: Stamp | None  # the first wave's closing
    closed: Stamp | None  # the current wave's closing
    stage: str
    waves: int
    reporter: str
    spokesperson: str | None
    exercise: bool
    imported: bool
    late_entry: bool  # logged after the day it was detected (补录)
    voided: bool
    void_reason: str


@dataclass(frozen=True)
class Ledger:
    tz: str
    milestones: tuple[tuple[str, str], ...]  # (id, name) of the governing plan's milestones
    rows: Iterator[LedgerRow]  # oldest first; read while the ledger's context is open


@contextmanager
def ledger(ctx: Context, *, include_exercises: bool = False) -> Iterator[Ledger]:
    """Every incident, oldest first, read as the rows are consumed inside the context."""
    with reading(ctx) as r:
        conn = r.session.connection()
        names = _Names(r.session, r.plan)
        yield Ledger(
            r.tz,
            tuple((m.id, m.name) for m in r.plan.milestones),
            _rows(conn, names, r.tz, r.now, include_exercises),
        )


class _Names:
    """The plan's names of ids, per plan version (incidents keep the version they began
    under)."""

    def __init__(self, session: Any, current: Plan) -> None:
        self.session = session
        self.current = current
        self.plans: dict[str, _PlanNames] = {}

    def of(self, version: str) -> _PlanNames:
        found = self.plans.get(version)
        if found is None:
            found = self.plans[version] = _PlanNames(plan_for(self.session, self.current, version))
        return found


class _PlanNames:
    def __init__(self, plan: Plan) -> None:
        self.level = {x.id: x.name for x in plan.levels}
        self.category = {x.id: x.name for x in plan.categories}
        self.sentiment = {x.id: x.name for x in plan.sentiments}
        self.stage = {x.id: x.name for x in plan.stages}
        self.milestone = {x.id: x.name for x in plan.milestones}


def _rows(
    conn: Connection, names: _Names, tz: str, now: datetime, include_exercises: bool
) -> Iterator[LedgerRow]:
    from yuqing_cli.store.tables import Incident

    t = Incident.__table__  # type: ignore[attr-defined]
    columns = (
        t.c.id, t.c.detected_at, t.c.ref, t.c.title, t.c.summary, t.c.platform, t.c.url,
        t.c.level, t.c.sentiment, t.c.stage, t.c.wave, t.c.reporter, t.c.exercise,
        t.c.voided, t.c.plan_version, t.c.ledger,
    )  # fmt: skip
    base = select(*columns).order_by(t.c.detected_at, t.c.id).limit(BATCH)
    if not include_exercises:
        base = base.where(t.c.exercise.is_(False))
    key: tuple[Any, Any] | None = None
    while True:
        query = base if key is None else base.where(tuple_(t.c.detected_at, t.c.id) > key)
        batch = conn.execute(query).all()
        for row in batch:
            try:
                item = _row(row, names.of(row[14]), tz, now)
            except (KeyError, TypeError, ValueError):
                raise YqError(
                    _("the ledger data stored for {ref} cannot be read").format(ref=row[2]),
                    hint=_("the database was edited behind yq's back; run `yq verify`"),
                ) from None
            yield item
        if len(batch) < BATCH:
            return
        key = (batch[-1][1], batch[-1][0])


_decode = json.JSONDecoder().decode


def _row(row: Any, names: _PlanNames, tz: str, now: datetime) -> LedgerRow:
    """One ledger row from an ``incident`` row's columns and its ledger projection."""
    data: Mapping[str, Any] = _decode(row[15])
    entries = []
    for m in data["milestones"]:
        at = m["at"]
        elapsed = m.get("elapsed")
        if "due" in m:
            lo, hi = (datetime.fromisoformat(t) for t in m["due"])
            verdict, late = open_verdict(lo, hi, now)
            margin = None
        else:
            verdict, late, margin = m["verdict"], m["late_by"], m["margin"]
            late = None if late is None else timedelta(seconds=late)
            margin = None if margin is None else timedelta(seconds=margin)
        entries.append(
            MilestoneEntry(
                m["id"],
                names.milestone.get(m["id"], m["id"]),
                Stamp(at) if type(at) is str else None if at is None else _uncertain(at, tz),
                None if elapsed is None else timedelta(seconds=elapsed),
                verdict,
                late,
                margin,
            )
        )
    first_seen, detected = data["first_seen"], data["detected"]
    first_closed, closed = data["first_closed"], data["closed"]
    categories = data["categories"]
    category = names.category
    return LedgerRow(
        row[2],  # ref
        row[3],  # title
        row[4],  # summary
        row[5],  # platform
        row[6],  # url
        names.level.get(row[7], row[7]),
        (category.get(categories[0], categories[0]),)
        if len(categories) == 1
        else tuple([category.get(c, c) for c in categories]),
        names.sentiment.get(row[8], row[8]),
        None if first_seen is None else _stamp_of(first_seen, tz),
        Stamp(detected) if type(detected) is str else _uncertain(detected, tz),
        Stamp(data["recorded"]),
        tuple(entries),
        None if first_closed is None else _stamp_of(first_closed, tz),
        None if closed is None else _stamp_of(closed, tz),
        names.stage.get(row[9], row[9]),
        row[10],  # waves
        row[11],  # reporter
        data["spokesperson"],
        bool(row[12]),  # exercise
        data["imported"],
        data["late_entry"],
        bool(row[13]),  # voided
        data["void_reason"],
    )


def _stamp_of(value: Any, tz: str) -> Stamp:
    return Stamp(value) if type(value) is str else _uncertain(value, tz)
