"""`yq verify`: the chain, and everything that is supposed to follow from it.

1. The hash chain over every event (:func:`yuqing_cli.services.audit.verify`).
2. Every stored plan version's text against its hash: the plan grants rights.
3. Every incident: its events numbered 1, 2, … without gap or repeat up to the
   incident's ``last_seq``; their replay through the one fold compared, column by
   column, with the ``incident`` row, its ``step_record`` rows and its ``assignment``
   rows. Rows that belong to no incident are findings too.
4. Who wrote each event: the links of logins to people folded from the ``link`` and
   ``unlink`` events (a link its author was not entitled to does not count), every
   event a login wrote recorded as the person that login was linked to at the time
   (unless an administrator's login wrote it), and ``person_login`` against the fold.

Incidents are read in batches by key, with plain column tuples (no ORM objects).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Fact, IncidentState, apply
from yuqing_cli.services import audit, identity
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, reading
from yuqing_cli.services.plans import AdoptedPlans, plan_for
from yuqing_cli.store.tables import (
    Assignment,
    Event,
    Incident,
    PersonLogin,
    PlanVersion,
    StepRecord,
)

BATCH = 500


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # plan | sequence | projection | orphan | rights | issue | identity
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
    with reading(ctx) as r:
        conn = r.session.connection()
        chain = audit.verify(conn, anchors)
        findings = list(_plan_versions(conn))
        rights = _rights(r.session, conn)
        count = 0
        for ids in _incident_batches(conn):
            count += len(ids)
            findings += _check_batch(conn, r.session, r.plan, ids, rights)
        findings += _orphans(conn)
        findings += _unit_events(conn, r.session)
        findings += _issued_reports(conn, r.session, rights)
        logins: dict[tuple[str, bool], dict[str, int]] = {}
        findings += _identities(conn, rights, logins)
    counts = tuple(
        LoginCount(login, admin, sum(actors.values()), tuple(sorted(actors)))
        for (login, admin), actors in sorted(logins.items())
    )
    return Report(chain, count, tuple(findings), counts)


def _identities(
    conn: Connection, rights: AdoptedPlans, logins: dict[tuple[str, bool], dict[str, int]]
) -> Iterator[Finding]:
    """Every event a login wrote against the links of the time; the links' projection.

    ``logins`` is filled with the number of events per login (and administrator flag)
    and actor, for the report.
    """
    raw = audit._RAW  # noqa: SLF001
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
    last = 0
    while True:
        rows = conn.execute(
            select(*columns)
            .where(raw.c.id > last)
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
                    event_id, action, actor, subject, new, login, admin, _time(at)
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


def _time(value: Any) -> Any:
    """A time as the raw event table gives it (text on SQLite), as a datetime."""
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


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

    raw = audit._RAW  # noqa: SLF001
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


def _unit_events(conn: Connection, session: Any) -> Iterator[Finding]:
    """Events of no incident: adoptions by someone the plan adopted until then entitled
    to adopt, routine runs by someone who does that routine."""
    raw = audit._RAW  # noqa: SLF001
    adopted: Plan | None = None
    for row in conn.execute(
        select(raw.c.id, raw.c.action, raw.c.actor, raw.c.subject, raw.c.plan_version)
        .where(raw.c.incident_id.is_(None))
        .order_by(raw.c.id)
    ).mappings():
        action, actor = row["action"], row["actor"]
        try:
            if action == "adopt":
                if adopted is not None and not rules.may(adopted, actor, "adopt"):
                    yield _unentitled(row)
                adopted = plan_for(session, None, str(row["subject"]))
            elif action == "routine":
                plan = plan_for(session, None, str(row["plan_version"]))
                routine = next((x for x in plan.routines if x.id == row["subject"]), None)
                if routine is None or not rules.roles_of(plan, actor) & set(routine.roles):
                    yield _unentitled(row)
        except YqError:
            yield Finding("plan", str(row["id"]), _("it names a plan version that is not stored"))


def _unentitled(row: Any) -> Finding:
    return Finding(
        "rights",
        _("event {id}").format(id=row["id"]),
        _("{action} {subject} was recorded by {actor}, who was not entitled to it").format(
            action=row["action"], subject=str(row["subject"])[:12], actor=row["actor"]
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


def _incident_batches(conn: Connection) -> Iterator[list[int]]:
    table = Incident.__table__  # type: ignore[attr-defined]
    last = 0
    while True:
        ids = [
            int(i)
            for (i,) in conn.execute(
                select(table.c.id).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
            )
        ]
        if not ids:
            return
        yield ids
        last = ids[-1]


class _Unreadable(Exception):
    """A stored value that the tool never writes (e.g. text in a time column)."""


def _rows(conn: Connection, table: Any, key: Any, ids: Sequence[int], order: Any) -> list[Any]:
    """Typed rows of ``table`` for ``ids``; one that cannot be decoded raises _Unreadable."""
    try:
        return list(conn.execute(select(table).where(key.in_(ids)).order_by(key, order)).mappings())
    except (ValueError, TypeError, AssertionError) as exc:
        raise _Unreadable from exc


def _events(conn: Connection, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each incident's events as the chain check reads them: raw, then checked."""
    raw = audit._RAW  # noqa: SLF001 - the one reading of raw events, shared with the chain walk
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(
        select(*raw.c).where(raw.c.incident_id.in_(ids)).order_by(raw.c.incident_id, raw.c.seq)
    ).mappings():
        content = audit._raw_content(row)  # noqa: SLF001
        if content is None:
            out[row["incident_id"]].append({"unreadable": 1})
        else:
            out[row["incident_id"]].append({**content, "id": row["id"]})
    return out


def _rights(session: Any, conn: Connection) -> AdoptedPlans:
    """The plan adopted at any point of the chain: rights follow it."""
    raw = audit._RAW  # noqa: SLF001
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


def _check_batch(
    conn: Connection, session: Any, current: Plan, ids: list[int], rights: AdoptedPlans
) -> list[Finding]:
    incident_table = Incident.__table__  # type: ignore[attr-defined]
    step_table = StepRecord.__table__  # type: ignore[attr-defined]
    assignment_table = Assignment.__table__  # type: ignore[attr-defined]
    try:
        incidents = _rows(conn, incident_table, incident_table.c.id, ids, incident_table.c.id)
        steps = _grouped(
            _rows(conn, step_table, step_table.c.incident_id, ids, step_table.c.step_id)
        )
        assignments = _grouped(
            _rows(
                conn, assignment_table, assignment_table.c.incident_id, ids, assignment_table.c.role
            )
        )
    except _Unreadable:
        if len(ids) == 1:
            return [
                Finding(
                    "projection",
                    f"#{ids[0]}",
                    _("a row holds a value yq never writes (edited by hand?)"),
                )
            ]
        return [f for i in ids for f in _check_batch(conn, session, current, [i], rights)]
    events = _events(conn, ids)
    findings: list[Finding] = []
    for row in incidents:
        ref = str(row["ref"])
        own = events.get(row["id"], [])
        if any("unreadable" in e for e in own):
            findings.append(
                Finding(
                    "projection", ref, _("one of its events cannot be read (see the chain check)")
                )
            )
            continue
        seqs = [e["seq"] for e in own]
        if seqs != list(range(1, len(seqs) + 1)):
            findings.append(Finding("sequence", ref, _sequence_problem(seqs)))
            continue
        if len(seqs) != row["last_seq"]:
            findings.append(
                Finding(
                    "sequence",
                    ref,
                    _(
                        "its last event is number {n}, but the incident says {last}: "
                        "events are missing at the end (a truncated trail?)"
                    ).format(n=len(seqs), last=row["last_seq"]),
                )
            )
            continue
        try:
            plan = plan_for(session, current, str(row["plan_version"]))
            state, unentitled = _replay_checking_rights(plan, own, rights)
            findings += [
                Finding(
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
                for f in unentitled
            ]
        except Exception as exc:  # noqa: BLE001 - a trail that cannot be replayed is a finding
            findings.append(
                Finding(
                    "projection",
                    ref,
                    _("its events cannot be replayed: {reason}").format(reason=type(exc).__name__),
                )
            )
            continue
        if not state.ref:
            state = _with_ref(state, ref)
        findings += _compare(
            ref, plan, state, row, steps.get(row["id"], []), assignments.get(row["id"], [])
        )
    return findings


def _grouped(rows: list[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[row["incident_id"]].append(row)
    return out


def _replay_checking_rights(
    plan: Plan, rows: list[dict[str, Any]], rights: AdoptedPlans
) -> tuple[IncidentState, list[Fact]]:
    """The fold, and the events whose author the plan then adopted did not entitle."""
    state: IncidentState | None = None
    unentitled = []
    for row in rows:
        fact = st.fact_of(row)
        if not rules.entitled(rights.at(row["id"], plan), plan, state, fact):
            unentitled.append(fact)
        state = apply(plan, state, fact)
    if state is None:
        raise ValueError("no events")
    return state, unentitled


def _with_ref(state: IncidentState, ref: str) -> IncidentState:
    from dataclasses import replace

    return replace(state, ref=ref)


def _sequence_problem(seqs: list[int]) -> str:
    seen: set[int] = set()
    for seq in seqs:
        if seq in seen:
            return _("two events carry the number {seq}").format(seq=seq)
        seen.add(seq)
    expected = next((n for n in range(1, len(seqs) + 2) if n not in seen), len(seqs) + 1)
    return _("event number {seq} is missing from its trail").format(seq=expected)


def _compare(
    ref: str,
    plan: Plan,
    state: IncidentState,
    row: Mapping[str, Any],
    steps: list[Mapping[str, Any]],
    assignments: list[Mapping[str, Any]],
) -> list[Finding]:
    found: list[Finding] = []
    for name, value in st.incident_columns(plan, state).items():
        stored = row[name]
        if stored != value:
            shown = "…" if name == "state" else repr(stored)
            found.append(
                Finding(
                    "projection",
                    ref,
                    _("incident.{column} is {stored}, but its events say {value}").format(
                        column=name, stored=shown, value="…" if name == "state" else repr(value)
                    ),
                )
            )
    expected_steps = st.step_rows(state)
    stored_steps = {
        s["step_id"]: {k: s[k] for k in ("status", "actor", "note", "happened_at", "recorded_at")}
        for s in steps
    }
    for step_id in sorted(expected_steps.keys() | stored_steps.keys()):
        if expected_steps.get(step_id) != stored_steps.get(step_id):
            found.append(
                Finding(
                    "projection",
                    ref,
                    _("step_record {step} differs from what its events say").format(step=step_id)
                    if step_id in expected_steps and step_id in stored_steps
                    else _("step_record {step} is not in its events").format(step=step_id)
                    if step_id in stored_steps
                    else _("step_record {step} is missing").format(step=step_id),
                )
            )
    expected_roles = st.assignment_rows(state)
    stored_roles = {
        a["role"]: {"person": a["person"], "happened_at": a["happened_at"]} for a in assignments
    }
    for role in sorted(expected_roles.keys() | stored_roles.keys()):
        if expected_roles.get(role) != stored_roles.get(role):
            found.append(
                Finding(
                    "projection",
                    ref,
                    _("assignment {role} differs from what its events say").format(role=role),
                )
            )
    return found


def _orphans(conn: Connection) -> Iterator[Finding]:
    """Rows that name an incident that does not exist."""
    incident = Incident.__table__  # type: ignore[attr-defined]
    tables: tuple[tuple[str, Any], ...] = (
        ("event", Event.__table__),  # type: ignore[attr-defined]
        ("step_record", StepRecord.__table__),  # type: ignore[attr-defined]
        ("assignment", Assignment.__table__),  # type: ignore[attr-defined]
    )
    for name, table in tables:
        orphan = conn.execute(
            select(table.c.incident_id)
            .where(table.c.incident_id.is_not(None))
            .where(~table.c.incident_id.in_(select(incident.c.id)))
            .limit(1)
        ).first()
        if orphan is not None:
            yield Finding(
                "orphan",
                name,
                _("rows of {table} name incident {id}, which does not exist").format(
                    table=name, id=orphan[0]
                ),
            )
