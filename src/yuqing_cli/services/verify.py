"""`yq verify`: the chain, and everything that is supposed to follow from it.

1. Every stored plan version's text against its hash: the plan grants rights.
2. Every incident: each of its events' content against the event's hash; its events
   numbered 1, 2, … without gap or repeat up to the incident's ``last_seq``; their
   replay through the one fold compared, column by column, with the ``incident`` row,
   its ``step_record`` rows and its ``assignment`` rows; each event's author entitled
   to it under the plan adopted then. Rows that belong to no incident are findings too.
3. The events of no incident (adoptions, routine runs): content and rights.
4. The hash chain in id order: each event links to the one before it; the first event
   found changed in 2 or 3, or not linked, is where the chain breaks.
5. Issued daily reports: their frozen content against its hash, their numbers, and who
   signed them off.
6. Who wrote each event: the links of logins to people folded from the ``link`` and
   ``unlink`` events (a link its author was not entitled to does not count), every
   event a login wrote recorded as the person that login was linked to at the time
   (unless an administrator's login wrote it), and ``person_login`` against the fold.

Each event is read once with its content (in incident order, by the index on
``(incident_id, seq)``) and once more as its id and hashes alone (in chain order).
Everything is read in batches by key, as plain tuples, and findings are given as they
are found: memory does not grow with the database.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, func, select
from sqlalchemy.engine import Connection

from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.files import parsed_afresh
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Fact, IncidentState, apply
from yuqing_cli.services import audit, identity
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, Reading, reading
from yuqing_cli.services.plans import AdoptedPlans, plan_for
from yuqing_cli.store.tables import (
    Assignment,
    Event,
    Incident,
    PersonLogin,
    PlanVersion,
    StepRecord,
)
from yuqing_cli.store.types import UTCDateTime, utc_from_stored

BATCH = 200  # incidents at a time
UNIT_BATCH = 5_000  # events of no incident at a time


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # plan | sequence | projection | rights | orphan | issue | identity
    where: str  # an incident reference, a plan version, a table
    detail: str


@dataclass(frozen=True, slots=True)
class LoginCount:
    """How many events one database login wrote, and as whom."""

    login: str
    admin: bool
    events: int
    people: tuple[str, ...]  # the actors its events name


@dataclass(frozen=True)
class Report:
    chain: audit.VerifyResult
    incidents: int = 0
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    logins: tuple[LoginCount, ...] = ()  # on a server: who wrote the events

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.findings


def verify(ctx: Context, anchors: Mapping[int, str] | None = None) -> Report:
    """Everything checked, the findings collected."""
    with verification(ctx, anchors) as run:
        findings = tuple(run.findings())
        return Report(run.chain(), run.incidents, findings, run.logins())


@contextmanager
def verification(ctx: Context, anchors: Mapping[int, str] | None = None) -> Iterator[Run]:
    """A verification to run inside one reading transaction: iterate
    :meth:`Run.findings` (they come as they are found), then ask :meth:`Run.chain`.
    Every plan is parsed from its stored text, not taken from the cache."""
    with parsed_afresh(), reading(ctx) as r:
        yield Run(r, anchors)


class Run:
    def __init__(self, r: Reading, anchors: Mapping[int, str] | None) -> None:
        self.r = r
        self.conn = r.session.connection()
        self.anchors = anchors
        self.content = audit.ContentCheck()
        self.incidents = 0
        self.ok = True  # no finding so far
        self.orphan_events = False
        self._done = False
        self._logins: dict[tuple[str, bool], dict[str, int]] = {}

    def findings(self) -> Iterator[Finding]:
        for finding in self._findings():
            self.ok = False
            yield finding
        self._done = True

    def _findings(self) -> Iterator[Finding]:
        conn, session = self.conn, self.r.session
        yield from _plan_versions(conn)
        rights = _rights(session, conn)
        bounds = _bounds(conn, _workers())
        parts = list(zip([None, *bounds], [*bounds, None], strict=True))
        others = _start(self.r, parts[1:])
        first = _Part(conn, session, self.r.plan, rights, *parts[0])
        yield from first.findings()
        results = [first]
        for (after, upto), future in zip(parts[1:], others, strict=True):
            done = _result(future)
            if done is None:  # another snapshot (something was written meanwhile)
                done = _Part(conn, session, self.r.plan, rights, after, upto)
                yield from done.findings()
            else:
                yield from done.found
            results.append(done)
        for part in results:
            self.incidents += part.incidents
            self.orphan_events |= "event" in part.orphans
            self.content.merge(part.content)
        yield from _unit_events(conn, session, self.content)
        yield from _issued_reports(conn, session, rights)
        yield from _identities(conn, rights, self._logins)

    def logins(self) -> tuple[LoginCount, ...]:
        """On a server, each login that wrote events (after :meth:`findings`)."""
        return tuple(
            LoginCount(login, admin, sum(actors.values()), tuple(sorted(actors)))
            for (login, admin), actors in sorted(self._logins.items())
        )

    def chain(self) -> audit.VerifyResult:
        """The chain in id order (after :meth:`findings`, which checks each event's
        content on the way)."""
        if not self._done:
            for _finding in self.findings():
                pass
        if self.orphan_events:
            # Events of no incident row were not read above: read everything again.
            return audit.verify(self.conn, self.anchors)
        return audit.verify_links(self.conn, self.anchors, self.content.first_bad)


# Incidents per process at least: a smaller database is verified by one process. A
# larger one is split between as many processes as there are processors (at most 4),
# each in a reading transaction of its own that must see the same events as the first.
PER_PROCESS = 20_000


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def _bounds(conn: Connection, workers: int) -> list[int]:
    """Incident ids that split the incidents into parts of about the same size (ids are
    given in order and incidents never deleted: the largest id is about the count)."""
    table = Incident.__table__  # type: ignore[attr-defined]
    largest = conn.execute(select(func.max(table.c.id))).scalar_one() or 0
    parts = min(workers, largest // PER_PROCESS)
    return [largest * k // parts for k in range(1, parts)]


def _mark(conn: Connection) -> tuple[Any, ...]:
    """What a snapshot holds, in brief: every write appends an event."""
    events, incidents = Event.__table__, Incident.__table__  # type: ignore[attr-defined]
    query = select(select(func.max(events.c.id)).scalar_subquery(), func.max(incidents.c.id))
    return tuple(conn.execute(query).one())


def _start(r: Reading, parts: list[tuple[int | None, int | None]]) -> list[Any]:
    """The other parts, verified by processes of their own (spawned: nothing of this
    process's connections is shared). None for a part no process could be started for:
    this process verifies it."""
    if not parts:
        return []
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from yuqing_cli.i18n import language

    mark = _mark(r.session.connection())
    try:
        pool = ProcessPoolExecutor(len(parts), mp_context=multiprocessing.get_context("spawn"))
        futures = [
            pool.submit(_verify_part, r.store.url, r.plan.version, language(), mark, after, upto)
            for after, upto in parts
        ]
    except (OSError, RuntimeError, NotImplementedError):
        return [None] * len(parts)
    pool.shutdown(wait=False)
    return futures


def _result(future: Any) -> _Part | None:
    """What a process found for its part; None if it saw another snapshot, or could not
    run (the first process then verifies the part itself)."""
    if future is None:
        return None
    try:
        found: _Part | None = future.result()
    except Exception:  # noqa: BLE001 - e.g. a process that could not start: do it here
        return None
    return found


def _verify_part(
    url: str, version: str, lang: str, mark: tuple[Any, ...], after: int | None, upto: int | None
) -> _Part | None:
    """One part, in a process of its own; None if its snapshot is not the first one's."""
    from yuqing_cli import i18n
    from yuqing_cli.store.db import Store

    i18n.setup(lang)
    store = Store.open(url, write=False)
    try:
        with parsed_afresh(), store.read() as session:
            conn = session.connection()
            if _mark(conn) != mark:
                return None
            current = plan_for(session, None, version)
            part = _Part(conn, session, current, _rights(session, conn), after, upto)
            part.found = list(part.findings())
            part.detach()
            return part
    finally:
        store.close()


class _Part:
    """The incidents with ids in (after, upto]: their events, replays and projections,
    and the rows of no incident between them."""

    def __init__(
        self,
        conn: Connection,
        session: Any,
        current: Plan,
        rights: AdoptedPlans,
        after: int | None,
        upto: int | None,
    ) -> None:
        self.conn, self.session, self.current, self.rights = conn, session, current, rights
        self.after, self.upto = after, upto
        self.content = audit.ContentCheck()
        self.incidents = 0
        self.orphans: set[str] = set()
        self.found: list[Finding] = []

    def findings(self) -> Iterator[Finding]:
        conn, session = self.conn, self.session
        orphans = _Orphans(conn, self.after)
        for ids in st.incident_batches(conn, BATCH, after=self.after, upto=self.upto):
            self.incidents += len(ids)
            yield from _check_batch(conn, session, self.current, ids, self.rights, self.content)
            yield from orphans.up_to(ids)
        if self.upto is None:
            yield from orphans.up_to(None)
        self.orphans = orphans.found

    def detach(self) -> None:
        """Keep only what goes back to the first process."""
        del self.conn, self.session, self.current, self.rights


def _unit_events(conn: Connection, session: Any, content: audit.ContentCheck) -> Iterator[Finding]:
    """Events of no incident: adoptions by someone the plan adopted until then entitled
    to adopt, routine runs by someone who does that routine."""
    raw = audit.RAW
    adopted: Plan | None = None
    last: int | None = None
    while True:
        rows = conn.execute(
            select(*audit.RAW_COLUMNS)
            .where(raw.c.incident_id.is_(None), audit.after(raw.c.id, last))
            .order_by(raw.c.id)
            .limit(UNIT_BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1][audit.ID]
        for row in rows:
            content.check(row)
            action, actor = row[audit.ACTION], row[audit.ACTOR]
            try:
                if action == "adopt":
                    if adopted is not None and not rules.may(adopted, actor, "adopt"):
                        yield _unentitled(row)
                    adopted = plan_for(session, None, str(row[audit.SUBJECT]))
                elif action == "routine":
                    plan = plan_for(session, None, str(row[audit.VERSION]))
                    routine = next((x for x in plan.routines if x.id == row[audit.SUBJECT]), None)
                    if routine is None or not rules.roles_of(plan, actor) & set(routine.roles):
                        yield _unentitled(row)
            except YqError:
                yield Finding(
                    "plan", str(row[audit.ID]), _("it names a plan version that is not stored")
                )


def _unentitled(row: Sequence[Any]) -> Finding:
    return Finding(
        "rights",
        _("event {id}").format(id=row[audit.ID]),
        _("{action} {subject} was recorded by {actor}, who was not entitled to it").format(
            action=row[audit.ACTION],
            subject=str(row[audit.SUBJECT])[:12],
            actor=row[audit.ACTOR],
        ),
    )


def _plan_versions(conn: Connection) -> Iterator[Finding]:
    table = PlanVersion.__table__  # type: ignore[attr-defined]
    for version, text in conn.execute(select(table.c.version, table.c.text)):
        if hashlib.sha256(str(text).encode("utf-8")).hexdigest() != version:
            yield Finding(
                "plan",
                str(version)[:12],
                _("the stored text of this plan version does not match its hash"),
            )


class _Unreadable(Exception):
    """A stored value that the tool never writes (e.g. text in a time column)."""


def _raw(table: Any) -> tuple[Any, tuple[str, ...]]:
    """``table`` with its time columns read as stored (converted here, cheaply), and
    their names."""
    times = tuple(c.name for c in table.columns if isinstance(c.type, UTCDateTime))
    columns = [Column(c.name, String if c.name in times else c.type) for c in table.columns]
    return Table(table.name, MetaData(), *columns), times


_RAW_TABLES = {
    "incident": _raw(Incident.__table__),  # type: ignore[attr-defined]
    "step": _raw(StepRecord.__table__),  # type: ignore[attr-defined]
    "role": _raw(Assignment.__table__),  # type: ignore[attr-defined]
}


def _rows(conn: Connection, name: str, ids: Sequence[int], order: str) -> list[dict[str, Any]]:
    """Rows of a projection table for ``ids``, times read as stored; one that holds a
    value the tool never writes raises _Unreadable."""
    table, times = _RAW_TABLES[name]
    key = table.c.id if name == "incident" else table.c.incident_id
    query = select(table).where(key.in_(ids)).order_by(key, table.c[order])
    try:
        out = []
        for row in conn.execute(query).mappings().all():
            values = dict(row)
            for column in times:
                value = values[column]
                if value is not None:
                    values[column] = utc_from_stored(value)
            out.append(values)
        return out
    except (ValueError, TypeError, AssertionError) as exc:
        raise _Unreadable from exc


def _rights(session: Any, conn: Connection) -> AdoptedPlans:
    """The plan adopted at any point of the chain: rights follow it."""
    raw = audit.RAW
    return AdoptedPlans(
        session,
        [
            (int(i), str(v))
            for i, v in conn.execute(
                select(raw.c.id, raw.c.subject)
                .where(raw.c.incident_id.is_(None), raw.c.action == "adopt")
                .order_by(raw.c.id)
            )
        ],
    )


def _identities(
    conn: Connection, rights: AdoptedPlans, logins: dict[tuple[str, bool], dict[str, int]]
) -> Iterator[Finding]:
    """Every event a login wrote against the links of the time; the links' projection.

    ``logins`` is filled with the number of events per login (and administrator flag)
    and actor, for the report.
    """
    raw = audit.RAW
    links = identity.Links()
    columns = (
        raw.c.id,
        raw.c.incident_id,
        raw.c.action,
        raw.c.actor,
        raw.c.subject,
        raw.c.new,
        raw.c.login,
        raw.c.login_admin,
        raw.c.recorded_at,
    )
    is_link = raw.c.incident_id.is_(None) & raw.c.action.in_(identity.LINK_ACTIONS)
    last: int | None = None
    while True:
        rows = conn.execute(
            select(*columns)
            .where(audit.after(raw.c.id, last))
            .where(raw.c.login.is_not(None) | is_link)
            .order_by(raw.c.id)
            .limit(5000)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        for event_id, incident_id, action, actor, subject, new, login, admin, at in rows:
            admin = identity.admin_flag(admin)
            if login is not None:
                actors = logins.setdefault((str(login), admin), {})
                actors[str(actor)] = actors.get(str(actor), 0) + 1
            if incident_id is None and action in identity.LINK_ACTIONS:
                event = identity.LinkEvent(
                    event_id, action, actor, subject, new, login, admin, utc_from_stored(at)
                )
                problem = links.apply(event, rights.at(event_id, None))
                kind = "identity" if links.impersonation(actor, login, admin) else "rights"
            else:
                problem = links.impersonation(actor, login, admin)
                kind = "identity"
            if problem is not None:
                yield Finding(
                    kind,
                    _("event {id}").format(id=event_id),
                    _("{action} recorded as {actor}: {problem}").format(
                        action=action, actor=actor, problem=problem
                    ),
                )
    yield from _links_projection(conn, links)


def _links_projection(conn: Connection, links: identity.Links) -> Iterator[Finding]:
    table = PersonLogin.__table__  # type: ignore[attr-defined]
    try:
        stored = {
            row["login"]: identity.Link(
                row["login"], row["person"], row["event_id"], row["linked_at"], row["linked_by"]
            )
            for row in conn.execute(select(table)).mappings()
        }
    except (ValueError, TypeError, AssertionError):
        stored = None
    for login in sorted(set(stored or {}) | set(links.current)):
        expected, found = links.current.get(login), (stored or {}).get(login)
        if stored is not None and expected == found:
            continue
        if found is None:
            detail = _("the login {login} is missing; its events link it to {person}")
        elif expected is None:
            detail = _("the login {login} is linked to {stored}, but no entitled event says so")
        else:
            detail = _("the login {login} says {stored}, but its events say {person}")
        yield Finding(
            "projection",
            "person_login",
            detail.format(
                login=login,
                person=expected.person if expected else "",
                stored=found.person if found else "",
            ),
        )


def _issued_reports(conn: Connection, session: Any, rights: AdoptedPlans) -> Iterator[Finding]:
    """Issued daily reports: the frozen content matches the hash the event states, the
    numbers run 1, 2, 3… (overall, and within each year), and the person who signed it
    off held a sign-off role under the plan adopted then."""
    import json

    from yuqing_cli.services.issued import ACTION, content_hash

    raw = audit.RAW
    per_year: dict[int, int] = defaultdict(int)
    total = 0
    for row in conn.execute(
        select(raw.c.id, raw.c.actor, raw.c.plan_version, raw.c.data)
        .where(raw.c.incident_id.is_(None), raw.c.action == ACTION)
        .order_by(raw.c.id)
    ).mappings():
        where = _("event {id}").format(id=row["id"])
        try:
            data = json.loads(row["data"] or "")
            year, number, overall = int(data["year"]), int(data["number"]), int(data["total"])
            stated, content, signer = data["content_hash"], data["content"], data["signed_by"]
        except (ValueError, KeyError, TypeError):
            yield Finding("issue", where, _("an issued report whose data cannot be read"))
            continue
        if content_hash(content) != stated:
            yield Finding(
                "issue",
                where,
                _("the issued report No. {total} does not match its content hash").format(
                    total=overall
                ),
            )
        total += 1
        per_year[year] += 1
        if (overall, number) != (total, per_year[year]):
            yield Finding(
                "issue",
                where,
                _(
                    "the issued report is numbered {year}-{number} (No. {total} overall), "
                    "but it is the {expected_number}th of its year and the {expected}th overall"
                ).format(
                    year=year,
                    number=number,
                    total=overall,
                    expected_number=per_year[year],
                    expected=total,
                ),
            )
        try:
            plan = rights.at(row["id"], plan_for(session, None, str(row["plan_version"])))
        except YqError:
            yield Finding("plan", where, _("it names a plan version that is not stored"))
            continue
        if not rules.roles_of(plan, str(signer)) & set(plan.sign_off_roles) or not any(
            p.name == row["actor"] for p in plan.people
        ):
            yield Finding(
                "rights",
                where,
                _("report No. {total} was signed off by {person}, who may not sign it off").format(
                    total=overall, person=signer
                ),
            )


def _check_batch(
    conn: Connection,
    session: Any,
    current: Plan,
    ids: list[int],
    rights: AdoptedPlans,
    content: audit.ContentCheck,
) -> Iterator[Finding]:
    raw = audit.RAW
    events: dict[int, list[Sequence[Any]]] = {}
    incidents: list[dict[str, Any]]
    query = (
        select(*audit.RAW_COLUMNS)
        .where(raw.c.incident_id.in_(ids))
        .order_by(raw.c.incident_id, raw.c.seq)
    )
    for incident_id, group in groupby(conn.execute(query).all(), key=lambda e: e[audit.INCIDENT]):
        events[incident_id] = list(group)
    try:
        incidents = _rows(conn, "incident", ids, "id")
        steps = _grouped(_rows(conn, "step", ids, "step_id"))
        assignments = _grouped(_rows(conn, "role", ids, "role"))
    except _Unreadable:
        if len(ids) > 1:
            for i in ids:
                yield from _check_batch(conn, session, current, [i], rights, content)
            return
        for event in events.get(ids[0], []):
            content.check(event)
        yield Finding(
            "projection",
            f"#{ids[0]}",
            _("a row holds a value yq never writes (edited by hand?)"),
        )
        return
    for row in incidents:
        ref = str(row["ref"])
        own = events.get(row["id"], [])
        unreadable = False
        for event in own:
            content.check(event)
            if content.last_unreadable:
                unreadable = True
        if unreadable:
            yield Finding(
                "projection", ref, _("one of its events cannot be read (see the chain check)")
            )
            continue
        seqs = [e[audit.SEQ] for e in own]
        if seqs != list(range(1, len(seqs) + 1)):
            yield Finding("sequence", ref, _sequence_problem(seqs))
            continue
        if len(seqs) != row["last_seq"]:
            yield Finding(
                "sequence",
                ref,
                _(
                    "its last event is number {n}, but the incident says {last}: "
                    "events are missing at the end (a truncated trail?)"
                ).format(n=len(seqs), last=row["last_seq"]),
            )
            continue
        try:
            plan = plan_for(session, current, str(row["plan_version"]))
            state, unentitled = _replay_checking_rights(plan, own, rights)
            state = st.with_ref(state, ref)
            columns = st.incident_columns(plan, state)
        except Exception as exc:  # noqa: BLE001 - a trail that cannot be replayed is a finding
            yield Finding(
                "projection",
                ref,
                _("its events cannot be replayed: {reason}").format(reason=type(exc).__name__),
            )
            continue
        for f in unentitled:
            yield Finding(
                "rights",
                ref,
                _(
                    "event {seq} ({action}{subject}) was recorded by {actor}, who was not "
                    "entitled to it under the plan"
                ).format(
                    seq=f.seq,
                    action=f.action,
                    subject=f" {f.subject}" if f.subject else "",
                    actor=f.actor,
                ),
            )
        yield from _compare(
            ref, state, columns, row, steps.get(row["id"], []), assignments.get(row["id"], [])
        )


def _grouped(rows: list[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[row["incident_id"]].append(row)
    return out


def _replay_checking_rights(
    plan: Plan, rows: list[Sequence[Any]], rights: AdoptedPlans
) -> tuple[IncidentState, list[Fact]]:
    """The fold, and the events whose author the plan then adopted did not entitle."""
    state: IncidentState | None = None
    unentitled = []
    for row in rows:
        fact = st.fact_of_raw(row)
        if not rules.entitled(rights.at(row[audit.ID], plan), plan, state, fact):
            unentitled.append(fact)
        state = apply(plan, state, fact)
    if state is None:
        raise ValueError("no events")
    return state, unentitled


def _sequence_problem(seqs: list[int]) -> str:
    seen: set[int] = set()
    for seq in seqs:
        if seq in seen:
            return _("two events carry the number {seq}").format(seq=seq)
        seen.add(seq)
    expected = next((n for n in range(1, len(seqs) + 2) if n not in seen), len(seqs) + 1)
    return _("event number {seq} is missing from its trail").format(seq=expected)


_STEP_FIELDS = ("status", "actor", "note", "happened_at", "recorded_at")


def _compare(
    ref: str,
    state: IncidentState,
    columns: Mapping[str, Any],
    row: Mapping[str, Any],
    steps: list[Mapping[str, Any]],
    assignments: list[Mapping[str, Any]],
) -> Iterator[Finding]:
    for name, value in columns.items():
        stored = row[name]
        if stored != value:
            hidden = name in ("state", "ledger")
            yield Finding(
                "projection",
                ref,
                _("incident.{column} is {stored}, but its events say {value}").format(
                    column=name,
                    stored="…" if hidden else repr(stored),
                    value="…" if hidden else repr(value),
                ),
            )
    expected_steps = st.step_rows(state)
    stored_steps = {s["step_id"]: {k: s[k] for k in _STEP_FIELDS} for s in steps}
    if expected_steps != stored_steps:
        for step_id in sorted(expected_steps.keys() | stored_steps.keys()):
            if expected_steps.get(step_id) != stored_steps.get(step_id):
                yield Finding(
                    "projection",
                    ref,
                    _("step_record {step} differs from what its events say").format(step=step_id)
                    if step_id in expected_steps and step_id in stored_steps
                    else _("step_record {step} is not in its events").format(step=step_id)
                    if step_id in stored_steps
                    else _("step_record {step} is missing").format(step=step_id),
                )
    expected_roles = st.assignment_rows(state)
    stored_roles = {
        a["role"]: {"person": a["person"], "happened_at": a["happened_at"]} for a in assignments
    }
    if expected_roles != stored_roles:
        for role in sorted(expected_roles.keys() | stored_roles.keys()):
            if expected_roles.get(role) != stored_roles.get(role):
                yield Finding(
                    "projection",
                    ref,
                    _("assignment {role} differs from what its events say").format(role=role),
                )


class _Orphans:
    """Rows that name an incident that does not exist, found between the incidents of
    each batch (by the index on ``incident_id`` each table has)."""

    TABLES: tuple[tuple[str, Any], ...] = (
        ("event", Event.__table__),  # type: ignore[attr-defined]
        ("step_record", StepRecord.__table__),  # type: ignore[attr-defined]
        ("assignment", Assignment.__table__),  # type: ignore[attr-defined]
    )

    def __init__(self, conn: Connection, after: int | None = None) -> None:
        self.conn = conn
        self.after = after  # the last incident id of the batches so far
        self.found: set[str] = set()

    def up_to(self, ids: list[int] | None) -> Iterator[Finding]:
        """Orphans after the previous batch, up to the end of ``ids`` (None: to the end)."""
        for name, table in self.TABLES:
            if name in self.found:
                continue
            key = table.c.incident_id
            query = select(key).where(key.is_not(None))
            if self.after is not None:
                query = query.where(key > self.after)
            if ids is not None:
                query = query.where(key <= ids[-1], key.not_in(ids))
            orphan = self.conn.execute(query.order_by(key).limit(1)).first()
            if orphan is not None:
                self.found.add(name)
                yield Finding(
                    "orphan",
                    name,
                    _("rows of {table} name incident {id}, which does not exist").format(
                        table=name, id=orphan[0]
                    ),
                )
        if ids is not None:
            self.after = ids[-1]
