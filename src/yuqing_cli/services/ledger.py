"""The ledger (台账): one row per incident with its key times and their verdicts.

:data:`HEAD`, :func:`milestone_columns` and :data:`TAIL` are the ledger's vocabulary:
the columns of the office's 台账 in order, with the field each one holds. The writers
(CSV, JSON, XLSX) print them, and ``yq import`` reads a ledger back by the same names
(or English ones).

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
from yuqing_cli.plan import deadlines
from yuqing_cli.plan.deadlines import VerdictKind
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Assessment, IncidentState
from yuqing_cli.services.plans import plan_for
from yuqing_cli.timeutil import local
from yuqing_cli.when import When

if TYPE_CHECKING:
    # the state's projections include the ledger's: the context comes when it is read
    from yuqing_cli.services.context import Context, Reading

BATCH = 1_000
DISPOSAL_LIMIT = 500  # characters of 处置情况 in a ledger cell


# -- the columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the ledger: the field it holds, its Chinese header, and the other
    names ``yq import`` knows it by. ``computed`` columns are derived by yq and not read
    back."""

    field: str
    header: str
    aliases: tuple[str, ...] = ()
    computed: bool = False
    time: bool = False


# The columns before and after the milestones (each milestone adds 时间, 用时, 结论).
HEAD = (
    Column("seq", "序号", ("no", "no.", "#", "number"), computed=True),
    Column("ref", "编号", ("ref", "reference", "id")),
    Column("first_seen", "首发时间", ("first_seen", "first seen", "首发"), time=True),
    Column("detected", "发现时间", ("detected", "detected_at", "detection", "time"), time=True),
    Column("platform", "平台", ("platform", "source", "来源")),
    Column("title", "标题", ("title",)),
    Column("url", "链接", ("url", "link", "网址")),
    Column("summary", "摘要", ("summary", "内容摘要")),
    Column("categories", "类别", ("category", "categories", "类型")),
    Column("level", "级别", ("level", "等级")),
    Column("sentiment", "倾向", ("sentiment", "倾向性")),
    Column("disposal", "处置情况", ("disposal", "handling", "处置", "notes")),
    Column("responsible", "责任人/发言人", ("responsible", "spokesperson", "责任人", "发言人")),
)
TAIL = (
    Column("overdue", "是否超时", ("overdue",), computed=True),
    Column("first_response_kind", "首次回应形式", ("first_response_kind",), computed=True),
    Column("statements", "发布次数", ("statements",), computed=True),
    Column("heat", "最新热度", ("heat",), computed=True),
    Column("lead", "牵头单位", ("lead",), computed=True),
    Column("first_closed", "首次办结时间", ("first_closed",), computed=True, time=True),
    Column("closed", "办结时间", ("closed", "closed_at", "办结日期"), time=True),
    Column("is_closed", "是否办结", ("is_closed", "办结")),
    Column("stage", "当前阶段", ("stage",), computed=True),
    Column("waves", "波次", ("waves", "wave"), computed=True),
    Column("reporter", "报告人", ("reporter", "填报人")),
    Column("exercise", "演练", ("exercise",)),
    Column("imported", "补录", ("imported", "late_entry"), computed=True),
    Column("voided", "作废", ("voided",)),
)


def milestone_columns(plan: Plan) -> tuple[Column, ...]:
    """The three columns of each of the plan's milestones: its time, the time it took
    from detection, and the verdict of its deadline."""
    out: list[Column] = []
    for m in plan.milestones:
        names = tuple(x for x in (m.id, m.name_en) if x)
        out += [
            Column(f"milestone:{m.id}", f"{m.name}时间", (*names, m.name), time=True),
            Column(f"elapsed:{m.id}", f"{m.name}用时", computed=True),
            Column(f"verdict:{m.id}", f"{m.name}结论", computed=True),
        ]
    return tuple(out)


def columns(plan: Plan) -> tuple[Column, ...]:
    return HEAD + milestone_columns(plan) + TAIL


def zone_name(tz: str) -> str:
    """The zone as the office says it: 北京时间 for China's zone, else its IANA name."""
    return "北京时间" if tz in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC") else tz


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


def _due(due: When) -> list[str]:
    return [due.lo.isoformat(), due.hi.isoformat()]


def projection(plan: Plan, state: IncidentState) -> str:
    """What a ledger row needs beyond the ``incident`` columns, as canonical JSON."""
    tz = plan.info.timezone
    at = state.recorded_at  # verdicts still open then are decided when the ledger is read
    milestones = []
    for milestone in plan.milestones:
        record, found = deadlines.milestone_reached(plan, state, milestone.id, at)
        when = record.when if record is not None else None
        entry: dict[str, Any] = {"id": milestone.id, "at": _stamp(when, tz)}
        if when is not None and when.is_exact and state.detected.is_exact:
            entry["elapsed"] = _seconds(when.at - state.detected.at)
        if found is not None and found.record is None and found.due is not None:
            entry["due"] = _due(found.due)  # open: decided when read
        elif found is not None:
            entry["verdict"] = found.kind
            entry["late_by"] = _seconds(found.late_by)
            entry["margin"] = _seconds(found.margin) if found.record is not None else None
        milestones.append(entry)
    # 是否超时: every deadline of the incident, not only the milestones'
    decided: set[str] = set()
    running: list[list[str]] = []
    for v in deadlines.verdicts(plan, state, at):
        if v.record is None and v.due is not None:
            running.append(_due(v.due))
        else:
            decided.add(v.kind)
    designated = {r.id for r in plan.roles if r.per_incident}
    own = [person for role, person in state.assignments.items() if role in designated]
    first = deadlines.milestone_statement(plan, state, "first_response")
    kinds = {k.id: k.name for k in plan.statements.kinds} if plan.statements else {}
    data = {
        "categories": list(state.categories),
        "first_seen": _stamp(state.first_seen, tz),
        "detected": _stamp(state.detected, tz),
        "recorded": local(state.recorded_at, tz).isoformat(),
        "milestones": milestones,
        "overdue": {
            "decided": sorted(decided & {"missed", "undeterminable"}),
            "running": running,
        },
        "first_closed": _stamp(state.waves[0].closed, tz),
        "closed": _stamp(state.closed, tz),
        "spokesperson": own[0] if own else None,
        "responsible": list(dict.fromkeys(own)),
        "first_response_kind": kinds.get(first.kind, first.kind) if first else "",
        "statements": sum(1 for x in state.statements if x.ours and x.valid),
        "heat": codec.encode(state.assessments[-1]) if state.assessments else None,
        "lead": state.lead,
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
    disposal: str = ""  # 处置情况: the notes, in order, shortened
    responsible: tuple[str, ...] = ()  # the people holding the incident's own roles
    overdue: VerdictKind | None = None  # missed: a deadline was missed; None: none was
    first_response_kind: str = ""  # the kind of the first valid statement of ours
    statements: int = 0  # valid statements of ours
    heat: Assessment | None = None  # the latest assessment
    lead: str = ""  # another body leading the handling


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


@contextmanager
def ledger(
    ctx: Context,
    *,
    include_exercises: bool = False,
    since: str | None = None,
    until: str | None = None,
    levels: Sequence[str] = (),
    categories: Sequence[str] = (),
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
        yield Ledger(
            r.tz,
            tuple((m.id, m.name) for m in r.plan.milestones),
            columns(r.plan),
            _rows(r.session.connection(), _Names(r.session, r.plan), r.tz, r.now, where),
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
    from yuqing_cli.services.incidents import resolve_categories
    from yuqing_cli.services.queries import time_bound

    return LedgerFilter(
        since=time_bound(since, r, end=False) if since else None,
        until=time_bound(until, r, end=True) if until else None,
        levels=frozenset(r.plan.level(x).id for x in levels) if levels else None,
        categories=frozenset(resolve_categories(r.plan, tuple(categories))) if categories else None,
        include_exercises=include_exercises,
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
    conn: Connection, names: _Names, tz: str, now: datetime, where: LedgerFilter
) -> Iterator[LedgerRow]:
    from yuqing_cli.store.tables import Incident

    t = Incident.__table__  # type: ignore[attr-defined]
    columns = (
        t.c.id, t.c.detected_at, t.c.ref, t.c.title, t.c.summary, t.c.platform, t.c.url,
        t.c.level, t.c.sentiment, t.c.stage, t.c.wave, t.c.reporter, t.c.exercise,
        t.c.voided, t.c.plan_version, t.c.ledger,
    )  # fmt: skip
    base = select(*columns).order_by(t.c.detected_at, t.c.id).limit(BATCH)
    if not where.include_exercises:
        base = base.where(t.c.exercise.is_(False))
    if where.since is not None:
        base = base.where(t.c.detected_at >= where.since)
    if where.until is not None:
        base = base.where(t.c.detected_at < where.until)
    if where.levels is not None:
        base = base.where(t.c.level.in_(sorted(where.levels)))
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
        notes = _notes(conn, [row[0] for row, _data in kept])
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


def _notes(conn: Connection, ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Each incident's notes, in the order they happened."""
    if not ids:
        return {}
    from yuqing_cli.store.tables import Event

    e = Event.__table__  # type: ignore[attr-defined]
    found = conn.execute(
        select(e.c.incident_id, e.c.note, e.c.happened_at, e.c.seq)
        .where(e.c.incident_id.in_(ids), e.c.action == "note")
        .order_by(e.c.incident_id, e.c.seq)
    )
    out: dict[int, tuple[str, ...]] = {}
    for incident_id, group in groupby(found, key=lambda x: x[0]):
        ordered = sorted(group, key=lambda x: (x[2], x[3]))
        out[incident_id] = tuple(x[1] for x in ordered if x[1])
    return out


_decode = json.JSONDecoder().decode


def _row(
    row: Any,
    data: Mapping[str, Any],
    names: _PlanNames,
    tz: str,
    now: datetime,
    notes: Sequence[str],
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
        disposal_text(notes),
        tuple(data["responsible"]),
        _overdue(data["overdue"], now),
        data["first_response_kind"],
        data["statements"],
        None if heat is None else codec.decode(Assessment, heat),
        data["lead"],
    )
