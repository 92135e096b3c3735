"""Incident state in the store: events in, state out, projections written.

- :func:`fact_of` decodes a stored event into the :class:`Fact` the fold reads.
- :func:`load` gives an incident's state for reading, from its snapshot.
- :func:`load_for_write` rebuilds it from the incident's events, checking each event's
  hash and the sequence numbers, and refuses to build on a snapshot that differs from
  the trail: an edited table never decides what a command may do.
- :func:`record` appends one event and applies it with the same pure
  :func:`~yuqing_cli.plan.state.apply` that every replay uses, then writes the
  projections (:func:`project`). Nothing else writes ``incident``, ``step_record`` or
  ``assignment``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from yuqing_cli import codec
from yuqing_cli.errors import NotFound, Refused
from yuqing_cli.i18n import _
from yuqing_cli.plan.deadlines import milestone_time
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Fact, IncidentState, apply, replay
from yuqing_cli.services import audit, ledger
from yuqing_cli.services.plans import plan_for
from yuqing_cli.store.bulk import chunks, insert_many
from yuqing_cli.store.tables import Assignment, Event, Incident, StepRecord
from yuqing_cli.store.types import utc_from_stored
from yuqing_cli.timeutil import fmt_iso, local, utcnow
from yuqing_cli.when import When

REFS = "yq_refs"  # session.info key: incident id -> reference, for what was recorded

# -- events as facts ----------------------------------------------------------------------


def fact_of(event: Event | Mapping[str, Any]) -> Fact:
    """The fact an event states, from an ``Event`` or a row of the event table."""
    get = event.__getitem__ if isinstance(event, Mapping) else event.__getattribute__
    return _fact(
        get("action"), get("actor"), get("happened_at"), get("recorded_at"), get("subject"),
        get("old"), get("new"), get("note"), get("data"), get("seq"), get("plan_version"),
    )  # fmt: skip


def fact_of_raw(row: Sequence[Any]) -> Fact:
    """The fact of a raw event row (:data:`yuqing_cli.services.audit.RAW_ORDER`), its
    times as the database stores them; ValueError if one is not a time."""
    return _fact(
        row[audit.ACTION], row[audit.ACTOR], utc_from_stored(row[audit.HAPPENED]),
        utc_from_stored(row[audit.RECORDED]), row[audit.SUBJECT], row[audit.OLD],
        row[audit.NEW], row[audit.NOTE], row[audit.DATA], row[audit.SEQ], row[audit.VERSION],
    )  # fmt: skip


def _fact(
    action: str, actor: str, happened_at: datetime, recorded_at: datetime, subject: str,
    old: str | None, new: str | None, note: str, raw: str | None, seq: int, plan_version: str,
) -> Fact:  # fmt: skip
    data: dict[str, Any] = json.loads(raw) if raw else {}
    when = When.from_data(happened_at, data.pop("when", None)) if data else When.exact(happened_at)
    return Fact(action, actor, when, recorded_at, subject, old, new, note, data, seq, plan_version)


def event_data(when: When, data: Mapping[str, Any] | None = None) -> str | None:
    """The ``data`` column of a new event: the uncertain time and the payload."""
    payload = dict(data or {})
    when_data = when.to_data()
    if when_data is not None:
        payload["when"] = when_data
    return codec.dumps(payload) if payload else None


def incident_events(session: Session, incident_id: int) -> list[Event]:
    return list(
        session.exec(select(Event).where(Event.incident_id == incident_id).order_by(col(Event.seq)))
    )


# -- finding an incident --------------------------------------------------------------------


def find(session: Session, plan: Plan, ref: str) -> Incident:
    """The incident a reference names, as people type it.

    ``YQ-20241123-001`` (any case), a unique suffix such as ``20241123-001``, or
    ``001`` / ``-001`` for that number among today's incidents.
    """
    wanted = ref.strip().upper()
    prefix = plan.info.reference_prefix.upper()
    candidates = [wanted]
    if re.fullmatch(r"-?\d{1,4}", wanted):
        today = local(utcnow(), plan.info.timezone).strftime("%Y%m%d")
        candidates.append(f"{prefix}-{today}-{int(wanted.lstrip('-')):03d}")
    elif re.fullmatch(r"\d{8}-\d{1,4}", wanted):
        day, number = wanted.split("-")
        candidates.append(f"{prefix}-{day}-{int(number):03d}")
    elif re.fullmatch(rf"{re.escape(prefix)}-\d{{8}}-\d{{1,4}}", wanted):
        _p, day, number = wanted.split("-")
        candidates.append(f"{prefix}-{day}-{int(number):03d}")
    for candidate in candidates:
        incident = session.exec(select(Incident).where(Incident.ref == candidate)).first()
        if incident is not None:
            return incident
    raise NotFound(
        _("no incident {ref!r}").format(ref=ref),
        hint=_suggest(session, plan, candidates[-1]),
    )


def _suggest(session: Session, plan: Plan, wanted: str) -> str:
    day = re.search(r"(\d{8})", wanted)
    query = select(Incident.ref)
    if day:
        start = f"{plan.info.reference_prefix}-{day[1]}-"
        query = query.where(col(Incident.ref) >= start, col(Incident.ref) < start[:-1] + ".")
    else:
        query = query.order_by(col(Incident.id).desc())
    refs = list(session.exec(query.limit(200)))
    close = difflib.get_close_matches(wanted, refs, n=3, cutoff=0.6)
    if close:
        return _("did you mean {refs}?").format(refs=", ".join(close))
    return _("list incidents with `yq list --all`")


# -- loading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    row: Incident
    plan: Plan
    state: IncidentState

    @property
    def id(self) -> int:
        assert self.row.id is not None
        return self.row.id

    @property
    def ref(self) -> str:
        return self.row.ref


def snapshot_state(row: Incident, plan: Plan, session: Session) -> IncidentState:
    """The incident's state from its snapshot; replayed if the snapshot is unreadable."""
    assert row.id is not None
    return state_of(session, plan, row.id, row.ref, row.state)


def state_of(session: Session, plan: Plan, incident_id: int, ref: str, text: str) -> IncidentState:
    """An incident's state from its snapshot ``text``; replayed if that is unreadable."""
    try:
        state: IncidentState = codec.loads(IncidentState, text)
        return state
    except (codec.DecodeError, KeyError, TypeError, ValueError):
        return replay_state(plan, ref, incident_events(session, incident_id))


def replay_state(plan: Plan, ref: str, events: Iterable[Event]) -> IncidentState:
    return with_ref(replay(plan, (fact_of(e) for e in events)), ref)


def with_ref(state: IncidentState, ref: str) -> IncidentState:
    """A replayed state with the incident's reference (a trail imported or made before
    the reference was an event's may not name it)."""
    return state if state.ref else replace(state, ref=ref)


def load(session: Session, current: Plan | None, ref: str, plan: Plan) -> Loaded:
    """An incident for reading: its row, the plan version it follows, its state."""
    row = find(session, plan, ref)
    pinned = plan_for(session, current, row.plan_version)
    return Loaded(row, pinned, snapshot_state(row, pinned, session))


def load_for_write(session: Session, current: Plan, ref: str) -> Loaded:
    """An incident for a writing command, rebuilt from its events and checked."""
    row = find(session, current, ref)
    assert row.id is not None
    pinned = plan_for(session, current, row.plan_version)
    events = incident_events(session, row.id)
    for expected, event in enumerate(events, start=1):
        content = {name: getattr(event, name) for name in audit.CONTENT_FIELDS}
        if event.seq != expected or audit.event_hash(event.prev_hash, content) != event.hash:
            raise _tampered(row.ref)
    if not events or events[-1].seq != row.last_seq:
        raise _tampered(row.ref)
    state = replay_state(pinned, row.ref, events)
    if codec.dumps(state) != row.state or _stored_rows(session, row.id) != (
        step_rows(state),
        assignment_rows(state),
    ):
        raise _tampered(row.ref)
    return Loaded(row, pinned, state)


def _stored_rows(
    session: Session, incident_id: int
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    steps = {
        r.step_id: {
            "status": r.status,
            "actor": r.actor,
            "note": r.note,
            "happened_at": r.happened_at,
            "recorded_at": r.recorded_at,
        }
        for r in session.exec(select(StepRecord).where(StepRecord.incident_id == incident_id))
    }
    roles = {
        r.role: {"person": r.person, "happened_at": r.happened_at}
        for r in session.exec(select(Assignment).where(Assignment.incident_id == incident_id))
    }
    return steps, roles


def _tampered(ref: str) -> Refused:
    return Refused(
        _("the stored state of {ref} does not match its audit trail").format(ref=ref),
        hint=_("nothing was written; run `yq verify` to see what was changed"),
    )


# -- writing ---------------------------------------------------------------------------------


def record(
    session: Session,
    loaded: Loaded,
    *,
    action: str,
    actor: str,
    when: When,
    subject: str = "",
    old: str | None = None,
    new: str | None = None,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Loaded:
    """Append one event to the incident's trail and apply it; returns the new state."""
    now = now or utcnow()
    seq = loaded.state.last_seq + 1
    session.info.setdefault(REFS, {})[loaded.id] = loaded.ref
    stored = event_data(when, data)
    audit.append(
        session,
        incident_id=loaded.id,
        seq=seq,
        action=action,
        actor=actor,
        subject=subject,
        old=old,
        new=new,
        note=note,
        data=stored,
        happened_at=when.at,
        recorded_at=now,
        plan_version=loaded.plan.version,
    )
    fact = Fact(action, actor, when, now, subject, old, new, note, dict(data or {}), seq)
    state = apply(loaded.plan, loaded.state, fact)
    project(session, loaded.row, loaded.plan, state, loaded.state)
    return Loaded(loaded.row, loaded.plan, state)


def create(
    session: Session,
    plan: Plan,
    *,
    ref: str,
    actor: str,
    when: When,
    fields: Mapping[str, Any],
    data: Mapping[str, Any] | None = None,
    now: datetime,
) -> Loaded:
    """Open a new incident with its ``create`` event."""
    row = Incident(
        ref=ref,
        title=fields["title"],
        level=fields["level"],
        category=fields["categories"][0],
        sentiment=fields["sentiment"],
        stage=fields["stage"],
        reporter=actor,
        plan_version=plan.version,
        detected_at=when.at,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    session.info.setdefault(REFS, {})[row.id] = ref
    new = json.dumps({**fields, "ref": ref}, ensure_ascii=False, sort_keys=True)
    audit.append(
        session,
        incident_id=row.id,
        seq=1,
        action="create",
        actor=actor,
        new=new,
        data=event_data(when, data),
        happened_at=when.at,
        recorded_at=now,
        plan_version=plan.version,
    )
    fact = Fact(
        "create", actor, when, now, new=new, data=dict(data or {}), seq=1, plan_version=plan.version
    )
    state = apply(plan, None, fact)
    project(session, row, plan, state, None)
    return Loaded(row, plan, state)


@dataclass(frozen=True)
class Entry:
    """One event of a new incident's trail, for :func:`create_many`."""

    action: str
    when: When
    subject: str = ""
    old: str | None = None
    new: str | None = None
    note: str = ""
    data: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class NewTrail:
    """A new incident and the events that follow its ``create`` (for :func:`create_many`)."""

    ref: str
    actor: str
    when: When  # detection
    fields: Mapping[str, Any]
    data: Mapping[str, Any] | None = None  # of the create event
    entries: tuple[Entry, ...] = ()


def create_many(
    session: Session, plan: Plan, trails: Iterable[NewTrail], *, now: datetime
) -> list[IncidentState]:
    """Open many incidents at once (a bulk import), each with its ``create`` event and the
    events that follow: the same events, the same fold and the same projections as
    :func:`create` and :func:`record` one by one, written a table at a time."""
    items = []
    for trail in trails:
        new = json.dumps({**trail.fields, "ref": trail.ref}, ensure_ascii=False, sort_keys=True)
        events = [("create", trail.when, "", None, new, "", trail.data)] + [
            (e.action, e.when, e.subject, e.old, e.new, e.note, e.data) for e in trail.entries
        ]
        state: IncidentState | None = None
        for seq, (action, when, subject, old, value, note, data) in enumerate(events, start=1):
            fact = Fact(
                action, trail.actor, when, now, subject, old, value, note, dict(data or {}), seq,
                plan.version,
            )  # fmt: skip
            state = apply(plan, state, fact)
        assert state is not None
        items.append((trail, events, state))
    if not items:
        return []
    incident = Incident.__table__  # type: ignore[attr-defined]
    conn = session.connection()
    insert_many(conn, incident, [incident_columns(plan, state) for _t, _e, state in items])
    # the ids, by reference (RETURNING would make SQLite insert one row per statement)
    refs = [trail.ref for trail, _e, _s in items]
    found: dict[str, int] = {}
    for chunk in chunks(refs):
        found.update(
            (ref, row_id)
            for row_id, ref in session.execute(
                select(incident.c.id, incident.c.ref).where(incident.c.ref.in_(chunk))
            )
        )
    ids = [found[ref] for ref in refs]
    contents: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    for (trail, events, state), incident_id in zip(items, ids, strict=True):
        for seq, (action, when, subject, old, value, note, data) in enumerate(events, start=1):
            contents.append(
                {
                    "incident_id": incident_id,
                    "seq": seq,
                    "action": action,
                    "actor": trail.actor,
                    "subject": subject,
                    "old": old,
                    "new": value,
                    "note": note,
                    "happened_at": when.at,
                    "recorded_at": now,
                    "plan_version": plan.version,
                    "data": event_data(when, data),
                }
            )
        more_steps, more_roles = _projection_rows(incident_id, state)
        steps += more_steps
        roles += more_roles
    audit.append_many(session, contents)
    insert_many(conn, StepRecord.__table__, steps)  # type: ignore[attr-defined]
    insert_many(conn, Assignment.__table__, roles)  # type: ignore[attr-defined]
    return [state for _t, _e, state in items]


def last_number(session: Session, plan: Plan, day: str) -> int:
    """The highest number of the references of a day (``YYYYMMDD``), 0 if none."""
    prefix = f"{plan.info.reference_prefix}-{day}-"
    last = session.exec(
        select(Incident.ref)
        .where(col(Incident.ref) >= prefix, col(Incident.ref) < prefix[:-1] + ".")
        .order_by(func.length(Incident.ref).desc(), col(Incident.ref).desc())
        .limit(1)
    ).first()
    return int(last.rsplit("-", 1)[1]) if last else 0


# -- projections --------------------------------------------------------------------------------


def incident_columns(plan: Plan, state: IncidentState) -> dict[str, Any]:
    """Every column of the ``incident`` row the state projects to (all but ``id``)."""
    reported = milestone_time(plan, state, "reported")
    first_response = milestone_time(plan, state, "first_response")
    return {
        "ref": state.ref,
        "title": state.title,
        "summary": state.summary,
        "platform": state.platform,
        "url": state.url,
        "level": state.level,
        "category": state.category,
        "sentiment": state.sentiment,
        "stage": state.stage,
        "exercise": state.exercise,
        "reporter": state.reporter,
        "plan_version": state.plan_version,
        "detected_at": state.detected.at,
        "recorded_at": state.recorded_at,
        "stage_entered": json.dumps(
            {k: fmt_iso(v.at) for k, v in state.stage_entered.items()}, sort_keys=True
        ),
        "reported_at": reported.at if reported else None,
        "first_response_at": first_response.at if first_response else None,
        "closed_at": state.closed.at if state.closed else None,
        "reopened": state.wave - 1,
        "last_seq": state.last_seq,
        "wave": state.wave,
        "voided": state.voided,
        "state": codec.dumps(state),
        "ledger": ledger.projection(plan, state),
    }


def step_rows(state: IncidentState) -> dict[str, dict[str, Any]]:
    return {
        step_id: {
            "status": r.status,
            "actor": r.actor,
            "note": r.note,
            "happened_at": r.when.at,
            "recorded_at": r.recorded_at,
        }
        for step_id, r in state.steps.items()
    }


def assignment_rows(state: IncidentState) -> dict[str, dict[str, Any]]:
    return {
        role: {"person": person, "happened_at": state.assigned_at[role]}
        for role, person in state.assignments.items()
    }


def project(
    session: Session,
    row: Incident,
    plan: Plan,
    state: IncidentState,
    stored: IncidentState | None,
) -> None:
    """Write what ``state`` projects to: the incident row, its step records and
    assignments. The only writer of these tables.

    ``stored`` is the state the rows hold now (None: a new incident, nothing stored):
    only the step records and assignments that differ are deleted and written.
    """
    assert row.id is not None
    for name, value in incident_columns(plan, state).items():
        setattr(row, name, value)
    session.add(row)
    old_steps = step_rows(stored) if stored is not None else {}
    new_steps = step_rows(state)
    changed = [k for k in old_steps if old_steps[k] != new_steps.get(k)]
    if changed:
        session.exec(
            delete(StepRecord).where(
                col(StepRecord.incident_id) == row.id, col(StepRecord.step_id).in_(changed)
            )
        )
    for step_id, values in new_steps.items():
        if old_steps.get(step_id) != values:
            session.add(StepRecord(incident_id=row.id, step_id=step_id, **values))
    old_roles = assignment_rows(stored) if stored is not None else {}
    new_roles = assignment_rows(state)
    changed = [k for k in old_roles if old_roles[k] != new_roles.get(k)]
    if changed:
        session.exec(
            delete(Assignment).where(
                col(Assignment.incident_id) == row.id, col(Assignment.role).in_(changed)
            )
        )
    for role, values in new_roles.items():
        if old_roles.get(role) != values:
            session.add(Assignment(incident_id=row.id, role=role, **values))
    session.flush()


# Migrations after which every incident is replayed and its projections rewritten.
REPLAYED_AFTER = ("m003_event_data_and_state", "m005_ledger_projection", "m008_ledger_columns")
BATCH = 500


def incident_batches(
    conn: Connection, size: int | None = None, *, after: int | None = None, upto: int | None = None
) -> Iterator[list[int]]:
    """Every incident id (after ``after``, up to ``upto``), in batches by key."""
    table = Incident.__table__  # type: ignore[attr-defined]
    last = after  # None: from the first, whatever its id
    while True:
        query = sa_select(table.c.id).where(audit.after(table.c.id, last)).order_by(table.c.id)
        if upto is not None:
            query = query.where(table.c.id <= upto)
        ids = [int(i) for i in conn.execute(query.limit(size or BATCH)).scalars().all()]
        if not ids:
            return
        yield ids
        last = ids[-1]


def rebuild_all(session: Session, names: list[str]) -> None:
    """After a migration that changed what is projected: replay every incident and
    rewrite its projections, a batch of incidents at a time."""
    if not set(names) & set(REPLAYED_AFTER):
        return
    conn = session.connection()
    incident = Incident.__table__  # type: ignore[attr-defined]
    raw = audit.RAW
    steps = StepRecord.__table__  # type: ignore[attr-defined]
    roles = Assignment.__table__  # type: ignore[attr-defined]
    for ids in incident_batches(conn):
        trails: dict[int, list[Fact]] = {i: [] for i in ids}
        query = (
            sa_select(*audit.RAW_COLUMNS)
            .where(raw.c.incident_id.in_(ids))
            .order_by(raw.c.incident_id, raw.c.seq)
        )
        for event in conn.execute(query).all():
            trails[event[audit.INCIDENT]].append(fact_of_raw(event))
        updates, step_values, role_values = [], [], []
        rows = sa_select(incident.c.id, incident.c.ref, incident.c.plan_version)
        for incident_id, ref, version in conn.execute(rows.where(incident.c.id.in_(ids))):
            plan = plan_for(session, None, version)
            state = with_ref(replay(plan, trails[incident_id]), ref)
            updates.append({"key": incident_id, **incident_columns(plan, state)})
            more_steps, more_roles = _projection_rows(incident_id, state)
            step_values += more_steps
            role_values += more_roles
        conn.execute(update(incident).where(incident.c.id == bindparam("key")), updates)
        conn.execute(delete(steps).where(steps.c.incident_id.in_(ids)))
        conn.execute(delete(roles).where(roles.c.incident_id.in_(ids)))
        insert_many(conn, steps, step_values)
        insert_many(conn, roles, role_values)


def _projection_rows(
    incident_id: int, state: IncidentState
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The step_record and assignment rows of an incident's state."""
    steps = [{"incident_id": incident_id, "step_id": k, **v} for k, v in step_rows(state).items()]
    roles = [
        {"incident_id": incident_id, "role": k, **v} for k, v in assignment_rows(state).items()
    ]
    return steps, roles


def next_ref(session: Session, plan: Plan, detected_at: datetime) -> str:
    """The next reference of the day of detection, e.g. YQ-20241123-004."""
    day = local(detected_at, plan.info.timezone).strftime("%Y%m%d")
    # A range on the unique index (LIKE would scan: it is case-insensitive in SQLite).
    number = last_number(session, plan, day) + 1
    return f"{plan.info.reference_prefix}-{day}-{number:03d}"
