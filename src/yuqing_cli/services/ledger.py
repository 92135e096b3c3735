"""The ledger (台账): one row per incident with its key times and their verdicts.

:data:`COLUMNS` is the ledger's vocabulary: the columns of the office's 台账 in order,
with the field each one holds. The writers (CSV, JSON, XLSX) print them, and
``yq import`` reads a ledger back by the same names (or English ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby, islice

from sqlmodel import Session, col, select

from yuqing_cli.plan import deadlines
from yuqing_cli.plan.deadlines import VerdictKind
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Assessment, IncidentState
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, Reading, reading
from yuqing_cli.services.plans import plan_for
from yuqing_cli.store.tables import Event, Incident
from yuqing_cli.when import When

BATCH = 500  # incidents whose notes are read in one query
DISPOSAL_LIMIT = 500  # characters of 处置情况 in a ledger cell


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
    disposal: str = ""  # 处置情况: the notes, in order, shortened
    responsible: tuple[str, ...] = ()  # the people holding the incident's own roles
    overdue: VerdictKind | None = None  # missed: a deadline was missed; None: none was

    @property
    def late_entry(self) -> bool:
        """Logged after the day it was detected (补录)."""
        return self.imported or self.recorded_at - self.detected.at > timedelta(days=1)


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
    columns: tuple[Column, ...]
    rows: list[LedgerRow]


def ledger(
    ctx: Context,
    *,
    include_exercises: bool = False,
    since: str | None = None,
    until: str | None = None,
    levels: Sequence[str] = (),
    categories: Sequence[str] = (),
) -> Ledger:
    """Every incident, oldest first; ``since``/``until`` (by detection) and the plan
    tokens of levels and categories as typed."""
    with reading(ctx) as r:
        where = resolve_filter(
            r,
            include_exercises=include_exercises,
            since=since,
            until=until,
            levels=levels,
            categories=categories,
        )
        return Ledger(r.tz, columns(r.plan), list(rows(r.session, r.plan, r.now, where)))


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


def rows(
    session: Session, current: Plan, now: datetime, where: LedgerFilter | None = None
) -> Iterator[LedgerRow]:
    """The ledger's rows in order of detection, read in batches."""
    where = where or LedgerFilter()
    query = select(Incident).order_by(col(Incident.detected_at), col(Incident.ref))
    if not where.include_exercises:
        query = query.where(col(Incident.exercise).is_(False))
    if where.since is not None:
        query = query.where(col(Incident.detected_at) >= where.since)
    if where.until is not None:
        query = query.where(col(Incident.detected_at) < where.until)
    if where.levels is not None:
        query = query.where(col(Incident.level).in_(sorted(where.levels)))
    found = iter(session.exec(query))
    while batch := list(islice(found, BATCH)):
        states = []
        for row in batch:
            plan = plan_for(session, current, row.plan_version)
            state = st.snapshot_state(row, plan, session)
            if where.categories is None or where.categories & set(state.categories):
                states.append((row, plan, state))
        notes = _notes(session, [row.id for row, _p, _s in states if row.id is not None])
        for row, plan, state in states:
            yield ledger_row(plan, state, now, notes.get(row.id or 0, ()))


def _notes(session: Session, ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Each incident's notes, in the order they happened."""
    if not ids:
        return {}
    found = session.exec(
        select(Event.incident_id, Event.note, Event.happened_at, Event.seq)
        .where(col(Event.incident_id).in_(ids), Event.action == "note")
        .order_by(col(Event.incident_id), col(Event.seq))
    )
    out: dict[int, tuple[str, ...]] = {}
    for incident_id, group in groupby(found, key=lambda e: e[0]):
        if incident_id is not None:
            ordered = sorted(group, key=lambda e: (e[2], e[3]))
            out[incident_id] = tuple(e[1] for e in ordered if e[1])
    return out


def disposal_text(notes: Iterable[str], limit: int = DISPOSAL_LIMIT) -> str:
    """处置情况: the notes joined in order, cut at ``limit`` characters."""
    text = "；".join(" ".join(n.split()) for n in notes if n.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _overdue(plan: Plan, state: IncidentState, now: datetime) -> VerdictKind | None:
    """``missed`` if any deadline was missed, ``undeterminable`` if none was but one
    cannot be judged, else None."""
    kinds = {v.kind for v in deadlines.verdicts(plan, state, now)}
    if "missed" in kinds:
        return "missed"
    return "undeterminable" if "undeterminable" in kinds else None


def ledger_row(
    plan: Plan, state: IncidentState, now: datetime, notes: Sequence[str] = ()
) -> LedgerRow:
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
    own = tuple(
        (role, person)
        for role, person in state.assignments.items()
        if any(r.id == role and r.per_incident for r in plan.roles)
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
        spokesperson=own[0][1] if own else None,
        exercise=state.exercise,
        imported=state.imported,
        voided=state.voided,
        void_reason=state.void.reason if state.void else "",
        first_response_kind=_first_kind(plan, state),
        statements=sum(1 for x in state.statements if x.ours and x.valid),
        heat=state.assessments[-1] if state.assessments else None,
        lead=state.lead,
        disposal=disposal_text(notes),
        responsible=tuple(dict.fromkeys(person for _role, person in own)),
        overdue=_overdue(plan, state, now),
    )


def _first_kind(plan: Plan, state: IncidentState) -> str:
    first = deadlines.milestone_statement(plan, state, "first_response")
    if first is None or plan.statements is None:
        return ""
    return next((k.name for k in plan.statements.kinds if k.id == first.kind), first.kind)
