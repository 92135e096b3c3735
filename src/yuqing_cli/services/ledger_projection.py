"""What a ledger row needs beyond the ``incident`` columns, projected with the state
whenever the incident changes (kept in ``incident.ledger`` and compared by ``yq
verify``): a pure function of (plan, state)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

from yuqing_cli import codec
from yuqing_cli.plan import deadlines
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import IncidentState
from yuqing_cli.timeutil import local
from yuqing_cli.when import When


def late_entry(state: IncidentState, tz: str) -> bool:
    """补录, one definition for the daily report, the ledger and the JSON: imported from
    a ledger, or recorded after the (local) day it happened. The recording date is
    ``state.recorded_at``."""
    if state.imported:
        return True
    return local(state.recorded_at, tz).date() > local(state.detected.at, tz).date()


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


def _clock_from(
    plan: Plan, state: IncidentState, v: deadlines.Verdict, tz: str
) -> dict[str, Any] | None:
    """Where the clock of a milestone's deadline started, when not at detection: a
    re-grade (with the level), a stage entered, a wave, or another milestone."""
    due = v.step.due
    if due is not None and due.from_ == "detected" and v.wave == 1 and len(state.gradings) == 1:
        return None  # the common case: from detection, never re-graded
    started = deadlines.clock_start(plan, v.step, state, v.wave)
    if started is None:
        return None
    start = started[0]
    if start.lo == state.detected.lo and start.hi == state.detected.hi:
        return None
    out: dict[str, Any] = {"at": _stamp(start, tz)}
    for grading in state.gradings[1:]:
        if grading.since.at == start.at:
            return {**out, "kind": "graded", "level": grading.level}
    if v.wave > 1 and state.waves[v.wave - 1].started.at == start.at:
        return {**out, "kind": "wave", "wave": v.wave}
    for m in plan.milestones:
        reached = deadlines.milestone_time(plan, state, m.id)
        if reached is not None and reached.at == start.at:
            return {**out, "kind": "milestone", "milestone": m.id}
    for entry in state.entries:
        if entry.when.at == start.at and entry.wave == v.wave:
            return {**out, "kind": "stage", "stage": entry.stage}
    return {**out, "kind": "other"}


def _responsible(plan: Plan, state: IncidentState) -> list[str]:
    """Who did the incident's work, most active first: the people a ledger it was
    imported from names, then those who recorded its steps (in any wave; not the
    import's own records) and hold its designated roles."""
    designated = {r.id for r in plan.roles if r.per_incident}
    counts: Counter[str] = Counter()
    records = [*state.steps.values(), *(p.record for p in state.past)]
    for record in sorted(records, key=lambda r: (r.recorded_at, r.seq)):
        if not (state.imported and record.recorded_at <= state.recorded_at):
            counts[record.actor] += 1
    for role, person in state.assignments.items():
        if role in designated:
            counts[person] += 1
    named = list(state.carried.responsible) if state.carried else []
    rest = sorted(counts, key=lambda p: -counts[p])  # stable: first recorded first
    return list(dict.fromkeys(named + rest))


def _work(plan: Plan, state: IncidentState, tz: str) -> list[list[Any]]:
    """The entries of 处置情况 that the state holds: notes given with steps (in any
    wave) and our valid public statements, each ``[time, kind, id, text, channel]``."""
    out: list[list[Any]] = []
    records = [*state.steps.items(), *((p.step, p.record) for p in state.past)]
    for step_id, record in records:
        if record.note.strip() and record.statement is None:
            out.append([_stamp(record.when, tz), "step", step_id, record.note, ""])
    for x in state.statements:
        if x.ours and x.valid:
            out.append([_stamp(x.when, tz), "statement", x.kind, x.text, x.channel])
    return out


def projection(plan: Plan, state: IncidentState) -> str:
    """What a ledger row needs beyond the ``incident`` columns, as canonical JSON."""
    tz = plan.info.timezone
    at = state.recorded_at  # verdicts still open then are decided when the ledger is read
    voided = state.voided  # a voided row keeps its times, and has no verdicts
    milestones = []
    for milestone in plan.milestones:
        record, found = deadlines.milestone_reached(plan, state, milestone.id, at)
        when = record.when if record is not None else None
        entry: dict[str, Any] = {"id": milestone.id, "at": _stamp(when, tz)}
        if when is not None and when.is_exact and state.detected.is_exact:
            entry["elapsed"] = _seconds(when.at - state.detected.at)
        if found is not None and not voided:
            if found.record is None and found.due is not None and found.kind != "unrecorded":
                entry["due"] = _due(found.due)  # open: decided when read
            else:
                entry["verdict"] = found.kind
                entry["late_by"] = _seconds(found.late_by)
                entry["margin"] = _seconds(found.margin) if found.record is not None else None
            clock = _clock_from(plan, state, found, tz)
            if clock is not None:
                entry["from"] = clock
        milestones.append(entry)
    # 是否超时: every deadline of the incident, not only the milestones'
    decided: set[str] = set()
    running: list[list[str]] = []
    for v in () if voided else deadlines.verdicts(plan, state, at):
        if v.record is None and v.due is not None and v.kind != "unrecorded":
            running.append(_due(v.due))
        else:
            decided.add(v.kind)
    designated = {r.id for r in plan.roles if r.per_incident}
    own = [person for role, person in state.assignments.items() if role in designated]
    first = deadlines.milestone_statement(plan, state, "first_response")
    kinds = {k.id: k.name for k in plan.statements.kinds} if plan.statements else {}
    carried = state.carried
    responsible = _responsible(plan, state)
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
        "responsible": responsible,
        "external": [p for p in responsible if plan.roles_of_person(p) is None],
        "first_response_kind": kinds.get(first.kind, first.kind)
        if first
        else (carried.first_response_kind if carried else ""),
        "statements": sum(1 for x in state.statements if x.ours and x.valid)
        + (carried.statements if carried else 0),
        "heat": codec.encode(state.assessments[-1]) if state.assessments else None,
        "heat_text": carried.heat if carried and not state.assessments else "",
        "lead": state.lead or (carried.lead if carried else ""),
        "imported": state.imported,
        "late_entry": late_entry(state, tz),
        "void_reason": state.void.reason if state.void else "",
        "duplicate_of": (state.void.duplicate_of or "") if state.void else "",
        "gradings": [[_stamp(g.since, tz), g.level, list(g.categories)] for g in state.gradings]
        if len(state.gradings) > 1
        else [],
        "work": _work(plan, state, tz),
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
