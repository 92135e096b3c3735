"""The ledger (台账): one row per incident with its key times and their verdicts.

:data:`HEAD`, :func:`milestone_columns` and :data:`TAIL` (in ``ledger_columns``) are the
ledger's vocabulary: the columns of the office's 台账 in order, with the field each one
holds. The writers (CSV, JSON, XLSX) print them, and ``yq import`` reads a ledger back
by the same names (or English ones).

An office exports it monthly and yearly, over every incident it ever logged, so a row
must cost little to read. What a row needs beyond the ``incident`` columns is projected
with the state whenever the incident changes (:func:`projection`, kept in
``incident.ledger`` and checked by ``yq verify`` like every other column): times in the
plan's zone, each milestone's time, elapsed time and verdict, who is responsible, the
response and the heat. A verdict that still depends on the clock (a deadline running)
is kept as its deadline and decided when the ledger is read (:func:`open_verdict`),
with the same rule as :func:`yuqing_cli.plan.deadlines.verdict`. The notes (处置情况)
are read with each batch of rows.

:func:`ledger` reads the rows oldest first, in batches by key, as the caller consumes
them: memory does not grow with the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select, tuple_
from sqlalchemy.engine import Connection

from yuqing_cli import codec
from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan.deadlines import VerdictKind
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Assessment
from yuqing_cli.services.ledger_columns import (
    HEAD,
    TAIL,
    Column,
    columns,
    milestone_columns,
    zone_name,
)
from yuqing_cli.services.ledger_projection import late_entry, projection
from yuqing_cli.services.plans import plan_for
from yuqing_cli.timeutil import local
from yuqing_cli.when import When

if TYPE_CHECKING:
    # the state's projections include the ledger's: the context comes when it is read
    from yuqing_cli.services.context import Context, Reading

BATCH = 1_000
DISPOSAL_LIMIT = 500  # characters of 处置情况 in a CSV cell (the workbook has it whole)

# The columns (ledger_columns) and the projection (ledger_projection) are this module's
# vocabulary, used through it.
__all__ = [
    "HEAD", "TAIL", "Column", "columns", "milestone_columns", "zone_name", "late_entry",
    "projection", "ledger", "Ledger", "LedgerRow",
]  # fmt: skip


def open_verdict(
    due_lo: datetime, due_hi: datetime, now: datetime
) -> tuple[VerdictKind, timedelta | None]:
    """The verdict of an open step due within [due_lo, due_hi] (and how late it is)."""
    if now <= due_lo:
        return "pending", None
    if now > due_hi:
        return "missed", now - due_hi
    return "undeterminable", None


def _overdue(data: Mapping[str, Any], now: datetime) -> VerdictKind | None:
    """``missed`` if any deadline was missed, ``undeterminable`` if none was but one
    cannot be judged, else None."""
    kinds = set(data["decided"])
    for lo, hi in data["running"]:
        kinds.add(open_verdict(datetime.fromisoformat(lo), datetime.fromisoformat(hi), now)[0])
    if "missed" in kinds:
        return "missed"
    return "undeterminable" if "undeterminable" in kinds else None


def disposal_text(notes: Iterable[str], limit: int = DISPOSAL_LIMIT) -> str:
    """处置情况: the notes joined in order, cut at ``limit`` characters."""
    text = "；".join(" ".join(n.split()) for n in notes if n.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _stamp_of(value: Any, tz: str) -> Stamp:
    return Stamp(value) if type(value) is str else _uncertain(value, tz)


class ClockStart(NamedTuple):
    """Where a milestone's clock started when not at detection."""

    kind: str  # graded, wave, milestone, stage, other
    at: Stamp
    name: str = ""  # the level, milestone or stage (its name), or the wave's number


class MilestoneEntry(NamedTuple):
    milestone: str
    name: str
    when: Stamp | None
    elapsed: timedelta | None  # from detection, when both are exactly known
    verdict: VerdictKind | None  # None: no deadline applies (or the row is voided)
    late_by: timedelta | None
    margin: timedelta | None
    clock: ClockStart | None = None


class WorkItem(NamedTuple):
    """One entry of 处置情况: a note, a step's note, or a statement of ours."""

    when: Stamp | None
    kind: str  # note, step, statement
    label: str  # the step's title or the statement's kind ("" for a note)
    text: str
    channel: str = ""


class Grading(NamedTuple):
    since: Stamp
    level: str  # names
    categories: tuple[str, ...]


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
    late_entry: bool  # 补录: imported, or recorded after the day it happened
    voided: bool
    void_reason: str
    work: tuple[WorkItem, ...] = ()  # 处置情况, in the order things happened
    responsible: tuple[str, ...] = ()  # who did the work, most active first
    overdue: VerdictKind | None = None  # missed: a deadline was missed; None: none was
    first_response_kind: str = ""  # the kind of the first valid statement of ours
    statements: int = 0  # valid statements of ours
    heat: Assessment | None = None  # the latest assessment
    lead: str = ""  # another body leading the handling
    external: tuple[str, ...] = ()  # responsible people not on the roster
    duplicate_of: str = ""  # a voided duplicate: the incident it repeats
    heat_text: str = ""  # the heat as an imported ledger gave it (no assessment since)
    gradings: tuple[Grading, ...] = ()  # the levels it had, when it was re-graded

    @property
    def disposal(self) -> str:
        """处置情况 in one line, shortened (CSV and terminals)."""
        return disposal_text(work_text(x) for x in self.work)


def work_text(item: WorkItem) -> str:
    """One entry of 处置情况 as the ledger writes it: ``11-23 13:00 label：text``. An
    entry whose time is unknown (an imported note) is its text alone."""
    label = item.label + (f"（{item.channel}）" if item.channel else "")
    body = f"{label}：{item.text}" if label else item.text
    when = item.when
    if when is None or (when.uncertain is not None and when.uncertain.precision == "unknown"):
        return body
    if when.uncertain is None:
        return f"{when.iso[5:10]} {when.iso[11:16]} {body}"
    if when.uncertain.precision == "date":
        return f"{when.iso[5:10]} {body}"
    return f"{when.iso[5:10]} {body}"


@dataclass(frozen=True)
class LedgerFilter:
    """Which incidents: detected in [since, until), of these levels and categories."""

    since: datetime | None = None
    until: datetime | None = None
    levels: frozenset[str] | None = None  # level ids
    categories: frozenset[str] | None = None  # category ids: any of them
    include_exercises: bool = False


@dataclass(frozen=True)
class Ledger:
    tz: str
    milestones: tuple[tuple[str, str], ...]  # (id, name) of the governing plan's milestones
    columns: tuple[Column, ...]
    rows: Iterator[LedgerRow]  # oldest first; read while the ledger's context is open
    unit: str = ""  # the plan's unit, for the title
    paper: str = "A4"  # the printed ledger's paper
    since: datetime | None = None  # the period asked for ([since, until)) …
    until: datetime | None = None
    first: datetime | None = None  # … and the first and last detection in it
    last: datetime | None = None
    levels: tuple[str, ...] = ()  # the plan's names, lowest first (for the figures)
    categories: tuple[str, ...] = ()


@contextmanager
def ledger(
    ctx: Context,
    *,
    include_exercises: bool = False,
    since: str | None = None,
    until: str | None = None,
    levels: Sequence[str] = (),
    categories: Sequence[str] = (),
    paper: str | None = None,
) -> Iterator[Ledger]:
    """Every incident, oldest first (``since``/``until`` by detection, and the plan's
    tokens of levels and categories as typed), read as the rows are consumed inside the
    context."""
    from yuqing_cli.services.context import reading

    with reading(ctx) as r:
        where = resolve_filter(
            r,
            include_exercises=include_exercises,
            since=since,
            until=until,
            levels=levels,
            categories=categories,
        )
        conn = r.session.connection()
        first, last = _span(conn, where)
        yield Ledger(
            r.tz,
            tuple((m.id, m.name) for m in r.plan.milestones),
            columns(r.plan),
            _rows(conn, _Names(r.session, r.plan), r.tz, r.now, where),
            unit=r.plan.info.unit,
            paper=(paper or r.plan.report.ledger_paper).upper(),
            since=where.since,
            until=where.until,
            first=first,
            last=last,
            levels=tuple(x.name for x in r.plan.levels),
            categories=tuple(x.name for x in r.plan.categories),
        )


def resolve_filter(
    r: Reading,
    *,
    include_exercises: bool,
    since: str | None,
    until: str | None,
    levels: Sequence[str],
    categories: Sequence[str],
) -> LedgerFilter:
    from yuqing_cli.errors import BadInput
    from yuqing_cli.services.incidents import resolve_categories
    from yuqing_cli.services.queries import time_bound

    where = LedgerFilter(
        since=time_bound(since, r, end=False) if since else None,
        until=time_bound(until, r, end=True) if until else None,
        levels=frozenset(r.plan.level(x).id for x in levels) if levels else None,
        categories=frozenset(resolve_categories(r.plan, tuple(categories))) if categories else None,
        include_exercises=include_exercises,
    )
    if where.since is not None and where.until is not None and where.since >= where.until:
        raise BadInput(
            _("--since {since} is not before --until {until}").format(since=since, until=until),
            hint=_("give the earlier day with --since and the later one with --until"),
        )
    return where


def _filtered(query: Any, t: Any, where: LedgerFilter) -> Any:
    if not where.include_exercises:
        query = query.where(t.c.exercise.is_(False))
    if where.since is not None:
        query = query.where(t.c.detected_at >= where.since)
    if where.until is not None:
        query = query.where(t.c.detected_at < where.until)
    if where.levels is not None:
        query = query.where(t.c.level.in_(sorted(where.levels)))
    return query


def _span(conn: Connection, where: LedgerFilter) -> tuple[datetime | None, datetime | None]:
    """The first and last detection in the period (for the printed title), each read
    from the index on the time of detection."""
    from yuqing_cli.store.tables import Incident
    from yuqing_cli.store.types import utc_from_stored

    t = Incident.__table__  # type: ignore[attr-defined]
    found = []
    for order in (t.c.detected_at, t.c.detected_at.desc()):
        query = _filtered(select(t.c.detected_at).order_by(order).limit(1), t, where)
        value = conn.execute(query).scalar()
        found.append(utc_from_stored(value) if value is not None else None)
    return found[0], found[1]


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
        self.step = {x.id: x.title for x in plan.steps}
        self.statement = {k.id: k.name for k in plan.statements.kinds} if plan.statements else {}


def _rows(
    conn: Connection, names: _Names, tz: str, now: datetime, where: LedgerFilter
) -> Iterator[LedgerRow]:
    from yuqing_cli.store.tables import Incident

    t = Incident.__table__  # type: ignore[attr-defined]
    columns = (
        t.c.id, t.c.detected_at, t.c.ref, t.c.title, t.c.summary, t.c.platform, t.c.url,
        t.c.level, t.c.sentiment, t.c.stage, t.c.wave, t.c.reporter, t.c.exercise,
        t.c.voided, t.c.plan_version, t.c.ledger,
    )  # fmt: skip
    base = _filtered(select(*columns).order_by(t.c.detected_at, t.c.id).limit(BATCH), t, where)
    key: tuple[Any, Any] | None = None
    while True:
        query = base if key is None else base.where(tuple_(t.c.detected_at, t.c.id) > key)
        batch = conn.execute(query).all()
        kept = []
        for row in batch:
            try:
                data: Mapping[str, Any] = _decode(row[15])
                wanted = where.categories is None or not where.categories.isdisjoint(
                    data["categories"]
                )
            except (KeyError, TypeError, ValueError):
                raise _unreadable(row[2]) from None
            if wanted:
                kept.append((row, data))
        notes = _notes(conn, [row[0] for row, _data in kept], tz)
        for row, data in kept:
            try:
                item = _row(row, data, names.of(row[14]), tz, now, notes.get(row[0], ()))
            except (KeyError, TypeError, ValueError, codec.DecodeError):
                raise _unreadable(row[2]) from None
            yield item
        if len(batch) < BATCH:
            return
        key = (batch[-1][1], batch[-1][0])


def _unreadable(ref: str) -> YqError:
    return YqError(
        _("the ledger data stored for {ref} cannot be read").format(ref=ref),
        hint=_("the database was edited behind yq's back; run `yq verify`"),
    )


def _notes(conn: Connection, ids: list[int], tz: str) -> dict[int, list[WorkItem]]:
    """Each incident's notes, with the time each happened."""
    if not ids:
        return {}
    from yuqing_cli.store.tables import Event

    e = Event.__table__  # type: ignore[attr-defined]
    found = conn.execute(
        select(e.c.incident_id, e.c.note, e.c.happened_at, e.c.data, e.c.seq)
        .where(e.c.incident_id.in_(ids), e.c.action == "note")
        .order_by(e.c.incident_id, e.c.seq)
    )
    out: dict[int, list[WorkItem]] = {}
    for incident_id, group in groupby(found, key=lambda x: x[0]):
        items = []
        for _id, note, happened, raw, _seq in group:
            if not note:
                continue
            data = _decode(raw) if raw else {}
            when = When.from_data(happened, data.get("when"))
            items.append(
                WorkItem(Stamp(_iso(when, tz), None if when.is_exact else when), "note", "", note)
            )
        out[incident_id] = items
    return out


def _iso(when: When, tz: str) -> str:
    return local(when.at, tz).isoformat()


_decode = json.JSONDecoder().decode


def _work_items(
    data: Mapping[str, Any], names: _PlanNames, tz: str, notes: Sequence[WorkItem]
) -> tuple[WorkItem, ...]:
    items = list(notes)
    for at, kind, ident, text, channel in data["work"]:
        label = (
            names.step.get(ident, ident) if kind == "step" else names.statement.get(ident, ident)
        )
        items.append(WorkItem(_stamp_of(at, tz), kind, label, text, channel))
    items.sort(key=lambda x: x.when.when.at if x.when is not None else datetime.max)
    return tuple(items)


def _clock(value: Mapping[str, Any] | None, names: _PlanNames, tz: str) -> ClockStart | None:
    if value is None:
        return None
    kind = value["kind"]
    name = ""
    if kind == "graded":
        name = names.level.get(value["level"], value["level"])
    elif kind == "wave":
        name = str(value["wave"])
    elif kind == "milestone":
        name = names.milestone.get(value["milestone"], value["milestone"])
    elif kind == "stage":
        name = names.stage.get(value["stage"], value["stage"])
    return ClockStart(kind, _stamp_of(value["at"], tz), name)


def _row(
    row: Any,
    data: Mapping[str, Any],
    names: _PlanNames,
    tz: str,
    now: datetime,
    notes: Sequence[WorkItem],
) -> LedgerRow:
    """One ledger row from an ``incident`` row's columns and its ledger projection."""
    entries = []
    for m in data["milestones"]:
        at = m["at"]
        elapsed = m.get("elapsed")
        if "due" in m:
            lo, hi = (datetime.fromisoformat(t) for t in m["due"])
            verdict, late = open_verdict(lo, hi, now)
            margin = None
        else:  # decided, or no deadline applies (no verdict)
            verdict, late, margin = m.get("verdict"), m.get("late_by"), m.get("margin")
            late = None if late is None else timedelta(seconds=late)
            margin = None if margin is None else timedelta(seconds=margin)
        entries.append(
            MilestoneEntry(
                m["id"],
                names.milestone.get(m["id"], m["id"]),
                None if at is None else _stamp_of(at, tz),
                None if elapsed is None else timedelta(seconds=elapsed),
                verdict,
                late,
                margin,
                _clock(m.get("from"), names, tz),
            )
        )
    first_seen, detected = data["first_seen"], data["detected"]
    first_closed, closed = data["first_closed"], data["closed"]
    categories = data["categories"]
    category = names.category
    heat = data["heat"]
    return LedgerRow(
        row[2],  # ref
        row[3],  # title
        row[4],  # summary
        row[5],  # platform
        row[6],  # url
        names.level.get(row[7], row[7]),
        tuple([category.get(c, c) for c in categories]),
        names.sentiment.get(row[8], row[8]),
        None if first_seen is None else _stamp_of(first_seen, tz),
        _stamp_of(detected, tz),
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
        _work_items(data, names, tz, notes),
        tuple(data["responsible"]),
        None if row[13] else _overdue(data["overdue"], now),
        data["first_response_kind"],
        data["statements"],
        None if heat is None else codec.decode(Assessment, heat),
        data["lead"],
        tuple(data["external"]),
        data["duplicate_of"],
        data["heat_text"],
        tuple(
            Grading(
                _stamp_of(at, tz),
                names.level.get(level, level),
                tuple(category.get(c, c) for c in cats),
            )
            for at, level, cats in data["gradings"]
        ),
    )
