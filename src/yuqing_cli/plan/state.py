"""An incident's state, and the one pure function that applies an event to it.

The audit trail is the truth: an incident's state is what its events, applied in
order by :func:`apply`, make of it. Commands apply the event they append to the state
they read; the daily report, ``yq verify`` and every other replay apply the stored
events the same way. Nothing else changes state, so the two can never disagree.

``apply`` never refuses: the checks happen before an event is written (in the
services, through :mod:`yuqing_cli.plan.rules`); a replay only reports what the
events say.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal

from yuqing_cli.plan.schema import Plan
from yuqing_cli.when import When


@dataclass(frozen=True, slots=True)
class StepRecord:
    """A step completed or waived for one incident, in one wave."""

    status: Literal["done", "waived"]
    actor: str
    when: When
    recorded_at: datetime
    note: str = ""
    wave: int = 1
    seq: int = 0  # the event that made it
    statement: int | None = None  # the public statement that completed it, if one did

    @property
    def at(self) -> datetime:
        return self.when.at


@dataclass(frozen=True, slots=True)
class PastRecord:
    """A record of an earlier wave, kept when a reopen asked for the step again."""

    step: str
    record: StepRecord


@dataclass(frozen=True, slots=True)
class Grading:
    """The level and categories in effect from ``since`` on."""

    since: When
    level: str
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StageEntry:
    stage: str
    when: When
    wave: int


@dataclass(frozen=True, slots=True)
class Wave:
    """A wave (波次): from detection, or from a reopen after a flare-up, to its closing."""

    number: int
    started: When
    closed: When | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Void:
    """A duplicate or a mistake: kept in the trail and the ledger, left out of counts."""

    reason: str
    actor: str
    recorded_at: datetime
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class Carried:
    """What an imported ledger row said that no event of ours records: kept as the file
    gave it (the create event's ``data["ledger"]``), shown in the ledger beside what
    was recorded since."""

    responsible: tuple[str, ...] = ()  # who handled it, as the file names them
    statements: int = 0  # 发布次数
    first_response_kind: str = ""  # 首次回应形式
    heat: str = ""  # 最新热度, as written
    lead: str = ""  # 牵头单位

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Carried:
        return cls(
            tuple(str(x) for x in data.get("responsible", ())),
            int(data.get("statements", 0)),
            str(data.get("first_response_kind", "")),
            str(data.get("heat", "")),
            str(data.get("lead", "")),
        )


@dataclass(frozen=True, slots=True)
class Assessment:
    """One snapshot of how hot an item is (研判, Art. 4)."""

    when: When
    recorded_at: datetime
    actor: str
    metrics: Mapping[str, int] = field(default_factory=dict)  # reads, reposts, …
    rank: int | None = None  # a hot-search rank
    platform: str = ""
    sentiment: str | None = None
    trend: str | None = None
    note: str = ""
    seq: int = 0


@dataclass(frozen=True, slots=True)
class Signature:
    person: str
    when: When


@dataclass(frozen=True, slots=True)
class LineVersion:
    """A numbered version of the unified line (口径) and its sign-offs."""

    number: int
    text: str
    drafted_by: str
    when: When
    recorded_at: datetime
    signatures: tuple[Signature, ...] = ()
    approved: When | None = None  # when the last signature it needed was given


@dataclass(frozen=True, slots=True)
class Retraction:
    reason: str
    actor: str
    when: When
    replaced_by: int | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    """Something said in public about the incident, by us or by another body."""

    number: int
    kind: str
    text: str
    actor: str  # who recorded it
    when: When
    recorded_at: datetime
    channel: str = ""
    body: str = ""  # another body that made it (the police, the superior department); "" = us
    speaker: str = ""
    speaker_external: bool = False  # a speaker not on the roster (e.g. a ministry's)
    line: int | None = None  # the approved line version it followed
    without_line: str = ""  # published without an approved line: the reason
    retraction: Retraction | None = None

    @property
    def ours(self) -> bool:
        return not self.body

    @property
    def valid(self) -> bool:
        return self.retraction is None


@dataclass(frozen=True)
class IncidentState:
    ref: str
    title: str
    summary: str
    platform: str
    url: str | None
    sentiment: str
    exercise: bool
    reporter: str
    plan_version: str
    detected: When
    recorded_at: datetime  # when the incident was logged
    stage: str
    gradings: tuple[Grading, ...]
    entries: tuple[StageEntry, ...]
    waves: tuple[Wave, ...]
    first_seen: When | None = None
    imported: bool = False
    steps: Mapping[str, StepRecord] = field(default_factory=dict)
    past: tuple[PastRecord, ...] = ()
    assignments: Mapping[str, str] = field(default_factory=dict)  # role id -> person
    assigned_at: Mapping[str, datetime] = field(default_factory=dict)  # role id -> when
    void: Void | None = None
    assessments: tuple[Assessment, ...] = ()
    lines: tuple[LineVersion, ...] = ()
    statements: tuple[Statement, ...] = ()
    lead: str = ""  # another body leading the handling since a hand-over; "" = us
    carried: Carried | None = None  # an imported ledger row's facts beyond its events
    last_seq: int = 0

    @property
    def level(self) -> str:
        return self.gradings[-1].level

    @property
    def categories(self) -> tuple[str, ...]:
        return self.gradings[-1].categories

    @property
    def category(self) -> str:
        """The first (main) category."""
        return self.categories[0]

    @property
    def wave(self) -> int:
        return self.waves[-1].number

    @property
    def detected_at(self) -> datetime:
        return self.detected.at

    @property
    def closed(self) -> When | None:
        """When the current wave was closed, if it is."""
        return self.waves[-1].closed

    @property
    def stage_entered(self) -> dict[str, When]:
        """When each stage was (last) entered in the current wave."""
        return {e.stage: e.when for e in self.entries if e.wave == self.wave}

    def entered(self, stage: str, wave: int) -> When | None:
        found = None
        for entry in self.entries:
            if entry.stage == stage and entry.wave == wave:
                found = entry.when
        return found

    @property
    def voided(self) -> bool:
        return self.void is not None

    def statement(self, number: int) -> Statement | None:
        return next((x for x in self.statements if x.number == number), None)

    def line(self, number: int) -> LineVersion | None:
        return next((x for x in self.lines if x.number == number), None)


@dataclass(frozen=True, slots=True)
class Fact:
    """One event, as the fold reads it: what the audit trail stores, decoded."""

    action: str
    actor: str
    when: When
    recorded_at: datetime
    subject: str = ""
    old: str | None = None
    new: str | None = None
    note: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0
    plan_version: str = ""


# -- the fold -------------------------------------------------------------------------


def apply(plan: Plan, state: IncidentState | None, fact: Fact) -> IncidentState:
    """The incident after ``fact``: the one place where an incident's state changes."""
    if state is None:
        if fact.action != "create":
            raise ValueError("an incident's first event must create it")
        return _create(plan, fact)
    handler = _HANDLERS.get(fact.action)
    changed = handler(plan, state, fact) if handler is not None else state
    seq = fact.seq or state.last_seq + 1
    if changed is state:
        return _evolve(state, last_seq=seq)
    # A handler returns the state it was given or a new one made for this fact alone,
    # which nothing else holds yet: it takes its sequence number in place.
    object.__setattr__(changed, "last_seq", seq)
    return changed


_STATE_FIELDS = frozenset(f.name for f in fields(IncidentState))


def _evolve(state: IncidentState, **changes: Any) -> IncidentState:
    """``state`` with ``changes``: :func:`dataclasses.replace` without its per-field work
    (the fold makes a new state for every event; IncidentState has no ``__post_init__``,
    so copying its attributes is all ``replace`` would do)."""
    if not changes.keys() <= _STATE_FIELDS:
        raise TypeError(f"IncidentState has no field {sorted(changes.keys() - _STATE_FIELDS)}")
    new = object.__new__(IncidentState)
    attributes = new.__dict__
    attributes.update(state.__dict__)
    attributes.update(changes)
    return new


def replay(plan: Plan, facts: Iterable[Fact]) -> IncidentState:
    state: IncidentState | None = None
    for fact in facts:
        state = apply(plan, state, fact)
    if state is None:
        raise ValueError("an incident without events")
    return state


def _create(plan: Plan, fact: Fact) -> IncidentState:
    fields: dict[str, Any] = json.loads(fact.new or "{}")
    categories = tuple(fields.get("categories") or (fields["category"],))
    first_seen = fact.data.get("first_seen")
    stage = fields["stage"]
    return IncidentState(
        ref=fields.get("ref", ""),
        title=fields["title"],
        summary=fields.get("summary", ""),
        platform=fields.get("platform", ""),
        url=fields.get("url"),
        sentiment=fields["sentiment"],
        exercise=bool(fields.get("exercise", False)),
        # who found it: the person logging it, or as an imported ledger names them
        reporter=fields.get("reporter") or fact.actor,
        plan_version=fact.plan_version,
        detected=fact.when,
        recorded_at=fact.recorded_at,
        stage=stage,
        gradings=(Grading(fact.when, fields["level"], categories),),
        entries=(StageEntry(stage, fact.when, 1),),
        waves=(Wave(1, fact.when),),
        first_seen=When.from_dict(first_seen) if first_seen else None,
        imported=bool(fields.get("imported", False)),
        carried=Carried.from_data(fact.data["ledger"]) if "ledger" in fact.data else None,
        last_seq=fact.seq or 1,
    )


def _step_done(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    status: Literal["done", "waived"] = "done" if f.action == "done" else "waived"
    statement = f.data.get("statement")
    record = StepRecord(
        status, f.actor, f.when, f.recorded_at, f.note, s.wave, f.seq,
        int(statement) if statement is not None else None,
    )  # fmt: skip
    out = _evolve(s, steps={**s.steps, f.subject: record})
    if status == "done" and plan.has_step(f.subject) and plan.step(f.subject).hands_over:
        out = _evolve(out, lead=plan.step(f.subject).hands_over)
    return out


def _move(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    if f.new is None:
        return s
    entries = (*s.entries, StageEntry(f.new, f.when, s.wave))
    waves = s.waves
    if plan.stage(f.new).final:
        waves = (*s.waves[:-1], replace(s.waves[-1], closed=f.when))
    return _evolve(s, stage=f.new, entries=entries, waves=waves)


def _reopen(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    if f.new is None:
        return s
    from yuqing_cli.plan.rules import steps_reset_by_reopen

    reset = {step.id for step in steps_reset_by_reopen(plan, plan.stage(f.new))}
    past = s.past + tuple(PastRecord(k, v) for k, v in s.steps.items() if k in reset)
    wave = Wave(s.wave + 1, f.when, reason=f.note)
    return _evolve(
        s,
        stage=f.new,
        steps={k: v for k, v in s.steps.items() if k not in reset},
        past=past,
        waves=(*s.waves, wave),
        entries=(*s.entries, StageEntry(f.new, f.when, wave.number)),
    )


def _grade(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    if f.new is None:
        return s
    return _evolve(s, gradings=(*s.gradings, Grading(f.when, f.new, s.categories)))


def _assign(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    if f.new is None:
        return s
    return _evolve(
        s,
        assignments={**s.assignments, f.subject: f.new},
        assigned_at={**s.assigned_at, f.subject: f.when.at},
    )


def _edit(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    """A correction of what was logged; a change of category re-grades from its time."""
    changes: Mapping[str, Any] = f.data.get("changes", {})
    out = s
    for name in ("title", "summary", "platform", "url", "sentiment"):
        if name in changes:
            out = _evolve(out, **{name: changes[name]})
    if "first_seen" in changes:
        value = changes["first_seen"]
        out = _evolve(out, first_seen=When.from_dict(value) if value else None)
    if "categories" in changes:
        categories = tuple(changes["categories"])
        out = _evolve(out, gradings=(*out.gradings, Grading(f.when, out.level, categories)))
    return out


def _void(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    duplicate_of = f.data.get("duplicate_of")
    return _evolve(s, void=Void(f.note, f.actor, f.recorded_at, duplicate_of))


def _undo(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    """Withdraw a step's record made in error (the event stays in the trail)."""
    record = s.steps.get(f.subject)
    if record is None or record.seq != f.data.get("undoes"):
        return s
    return _evolve(s, steps={k: v for k, v in s.steps.items() if k != f.subject})


def _assess(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    d = f.data
    assessment = Assessment(
        when=f.when,
        recorded_at=f.recorded_at,
        actor=f.actor,
        metrics={k: int(v) for k, v in dict(d.get("metrics", {})).items()},
        rank=d.get("rank"),
        platform=d.get("platform", ""),
        sentiment=d.get("sentiment"),
        trend=d.get("trend"),
        note=f.note,
        seq=f.seq,
    )
    return _evolve(s, assessments=(*s.assessments, assessment))


def _line_draft(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    version = LineVersion(
        int(f.data["version"]), str(f.data["text"]), f.actor, f.when, f.recorded_at
    )
    return _evolve(s, lines=(*s.lines, version))


def _line_approve(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    number = int(f.subject)
    needed = plan.line.needed(s.level) if plan.line else 1
    lines = []
    for version in s.lines:
        if version.number == number and all(x.person != f.actor for x in version.signatures):
            signatures = (*version.signatures, Signature(f.actor, f.when))
            approved = version.approved
            if approved is None and len(signatures) >= needed:
                approved = f.when
            version = replace(version, signatures=signatures, approved=approved)
        lines.append(version)
    return _evolve(s, lines=tuple(lines))


def _statement(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    d = f.data
    line = d.get("line")
    statement = Statement(
        number=int(d["number"]),
        kind=str(d["kind"]),
        text=str(d["text"]),
        actor=f.actor,
        when=f.when,
        recorded_at=f.recorded_at,
        channel=d.get("channel", ""),
        body=d.get("body", ""),
        speaker=d.get("speaker", ""),
        speaker_external=bool(d.get("speaker_external", False)),
        line=int(line) if line is not None else None,
        without_line=d.get("without_line", ""),
    )
    return _evolve(s, statements=(*s.statements, statement))


def _retract(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    """A statement withdrawn or shown wrong: it counts for nothing from now on. A step it
    completed moves to the next valid statement of a kind that completes it, or opens."""
    number = int(f.subject)
    replaced = f.data.get("replaced_by")
    retraction = Retraction(f.note, f.actor, f.when, int(replaced) if replaced else None)
    statements = tuple(
        replace(x, retraction=retraction) if x.number == number else x for x in s.statements
    )
    completes = {k.id: k.completes for k in plan.statements.kinds} if plan.statements else {}
    steps = dict(s.steps)
    for step_id, record in s.steps.items():
        if record.statement != number:
            continue
        successor = min(
            (x for x in statements if x.ours and x.valid and step_id in completes.get(x.kind, ())),
            key=lambda x: (x.when.at, x.number),
            default=None,
        )
        if successor is None:
            del steps[step_id]
        else:
            steps[step_id] = replace(
                record, actor=successor.actor, when=successor.when,
                recorded_at=successor.recorded_at, statement=successor.number,
            )  # fmt: skip
    return _evolve(s, statements=statements, steps=steps)


def _handover(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    return _evolve(s, lead=str(f.data.get("body", "")))


def _unchanged(plan: Plan, s: IncidentState, f: Fact) -> IncidentState:
    return s


_HANDLERS = {
    "done": _step_done,
    "waived": _step_done,
    "advance": _move,
    "close": _move,
    "reopen": _reopen,
    "grade": _grade,
    "assign": _assign,
    "edit": _edit,
    "void": _void,
    "undo": _undo,
    "note": _unchanged,
    "assess": _assess,
    "line_draft": _line_draft,
    "line_approve": _line_approve,
    "statement": _statement,
    "retract": _retract,
    "handover": _handover,
}
