"""Deadlines and their verdicts: pure functions of (plan, incident state, now).

A step's deadline is ``hours`` after its origin (``due.from``): detection, the
happened time of entering its stage, the start of the current wave, the re-grade
that gave the step its present form (``graded``), or a milestone such as
``reported``. Whatever the origin, a deadline never starts before the step applied
(a re-grade that made it applicable) or before the wave it belongs to began.

Times may be uncertain (an afternoon, a range): the origin, the deadline and the time
a step was done are intervals, and the verdict says ``undeterminable`` whenever the
uncertainty straddles the deadline. It never guesses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from yuqing_cli.plan.schema import Plan, Step
from yuqing_cli.plan.state import Grading, IncidentState, Statement, StepRecord, Wave
from yuqing_cli.when import When, latest

VerdictKind = Literal["pending", "met", "missed", "waived", "undeterminable", "unrecorded"]


@dataclass(frozen=True, slots=True)
class Verdict:
    step: Step
    wave: int
    due: When | None  # None: the deadline has not started yet (its origin is still to come)
    record: StepRecord | None
    kind: VerdictKind
    late_by: timedelta | None = None  # missed: at least this late
    margin: timedelta | None = None  # met: at least this early; pending: time left

    @property
    def open(self) -> bool:
        return self.record is None


# -- milestones ------------------------------------------------------------------------


def _milestone_completions(
    plan: Plan, state: IncidentState, milestone: str
) -> list[tuple[Step, StepRecord]]:
    found = []
    for step in plan.milestone_steps(milestone):
        records = [state.steps.get(step.id)] + [p.record for p in state.past if p.step == step.id]
        found += [(step, r) for r in records if r is not None and r.status == "done"]
    return sorted(found, key=lambda pair: (pair[1].when.at, pair[1].seq))


def milestone_record(plan: Plan, state: IncidentState, milestone: str) -> StepRecord | None:
    """The earliest completion of a step that marks ``milestone``, in any wave."""
    found = _milestone_completions(plan, state, milestone)
    return found[0][1] if found else None


def milestone_verdict(
    plan: Plan, state: IncidentState, milestone: str, now: datetime
) -> Verdict | None:
    """The verdict of the step that reached ``milestone``; if it is not reached yet, of
    the open step that will reach it. None where no deadline applies."""
    found = _milestone_completions(plan, state, milestone)
    return _milestone_verdict(plan, state, milestone, now, found)


def milestone_reached(
    plan: Plan, state: IncidentState, milestone: str, now: datetime
) -> tuple[StepRecord | None, Verdict | None]:
    """:func:`milestone_record` and :func:`milestone_verdict` from one look at the steps."""
    found = _milestone_completions(plan, state, milestone)
    return (found[0][1] if found else None), _milestone_verdict(plan, state, milestone, now, found)


def _milestone_verdict(
    plan: Plan,
    state: IncidentState,
    milestone: str,
    now: datetime,
    found: list[tuple[Step, StepRecord]],
) -> Verdict | None:
    if found:
        step, record = found[0]
        return verdict(plan, step, state, record, record.wave, now) if step.due else None
    if state.closed is not None:
        return None
    for step in plan.milestone_steps(milestone):
        if step.due is not None and step.when.applies(state.level, state.categories):
            return verdict(plan, step, state, None, state.wave, now)
    return None


def milestone_statement(plan: Plan, state: IncidentState, milestone: str) -> Statement | None:
    """The first valid statement of ours whose kind reaches ``milestone``."""
    if plan.statements is None:
        return None
    kinds = {k.id for k in plan.statements.kinds if milestone in k.milestones}
    found = [x for x in state.statements if x.ours and x.valid and x.kind in kinds]
    return min(found, key=lambda x: (x.when.at, x.number), default=None)


def milestone_time(plan: Plan, state: IncidentState, milestone: str) -> When | None:
    """When ``milestone`` was first reached: by a step that marks it, or by a valid
    statement of ours of a kind that reaches it."""
    record = milestone_record(plan, state, milestone)
    statement = milestone_statement(plan, state, milestone)
    times = [x.when for x in (record, statement) if x is not None]
    return min(times, key=lambda w: w.at, default=None)


# -- origins -------------------------------------------------------------------------------


def _wave(state: IncidentState, number: int) -> Wave:
    return state.waves[number - 1]


def _gradings_until(state: IncidentState, until: When | None) -> tuple[Grading, ...]:
    if until is None:
        return state.gradings
    return tuple(g for g in state.gradings if g.since.at <= until.at) or state.gradings[:1]


def _run_start(step: Step, gradings: tuple[Grading, ...], *, same_hours: bool) -> When | None:
    """The start of the latest unbroken run of gradings under which ``step`` applies
    (with the same hours, for ``same_hours``); None if it does not apply at the end."""
    last = gradings[-1]
    if not step.when.applies(last.level, last.categories):
        return None
    hours = step.due.hours_for(last.level) if step.due else None
    start = last.since
    for grading in reversed(gradings[:-1]):
        if not step.when.applies(grading.level, grading.categories):
            break
        if same_hours and step.due and step.due.hours_for(grading.level) != hours:
            break
        start = grading.since
    return start


def due_window(plan: Plan, step: Step, state: IncidentState, wave: int) -> When | None:
    """When ``step`` is due in ``wave``, or None if its deadline has not started yet."""
    started = clock_start(plan, step, state, wave)
    if started is None:
        return None
    start, hours = started
    return start.shift(timedelta(hours=hours))


def clock_start(
    plan: Plan, step: Step, state: IncidentState, wave: int
) -> tuple[When, float] | None:
    """Where the clock of ``step`` in ``wave`` started, and its hours; None if it has not."""
    if step.due is None:
        return None
    w = _wave(state, wave)
    gradings = _gradings_until(state, w.closed)
    hours = step.due.hours_for(gradings[-1].level)
    applicable_since = _run_start(step, gradings, same_hours=False)
    if hours is None or applicable_since is None:
        return None
    origin: When | None
    source = step.due.from_
    if source == "detected":
        origin = state.detected
    elif source == "wave":
        origin = w.started
    elif source == "stage":
        origin = state.entered(step.stage, wave)
    elif source == "graded":
        origin = _run_start(step, gradings, same_hours=True)
    else:
        origin = milestone_time(plan, state, source)
    if origin is None:
        return None
    return latest(latest(origin, applicable_since), w.started), hours


# -- verdicts --------------------------------------------------------------------------


def verdict(
    plan: Plan,
    step: Step,
    state: IncidentState,
    record: StepRecord | None,
    wave: int,
    now: datetime,
) -> Verdict:
    due = due_window(plan, step, state, wave)
    if record is not None and record.status == "waived":
        return Verdict(step, wave, due, record, "waived")
    if due is None:
        return Verdict(step, wave, None, record, "pending")
    if record is None and before_import(state, due):
        return Verdict(step, wave, due, None, "unrecorded")
    if record is not None:
        done = record.when
        if done.hi <= due.lo:
            return Verdict(step, wave, due, record, "met", margin=due.lo - done.hi)
        if done.lo > due.hi:
            return Verdict(step, wave, due, record, "missed", late_by=done.lo - due.hi)
        return Verdict(step, wave, due, record, "undeterminable")
    if now <= due.lo:
        return Verdict(step, wave, due, None, "pending", margin=due.lo - now)
    if now > due.hi:
        return Verdict(step, wave, due, None, "missed", late_by=now - due.hi)
    return Verdict(step, wave, due, None, "undeterminable")


# -- imported history --------------------------------------------------------------------


def before_import(state: IncidentState, due: When) -> bool:
    """Did this deadline (possibly) fall due before the incident was imported from a
    ledger? Such a deadline is history: judged only from what the file says (a time
    it gives is judged as any record), ``unrecorded`` where it gives none, and never
    a live alarm."""
    return state.imported and due.lo < state.recorded_at


def verdicts(plan: Plan, state: IncidentState, now: datetime) -> list[Verdict]:
    """Every deadline of the incident: done steps in the wave they were done in, open
    applicable steps of the current wave (until it closes), and earlier waves' records."""
    return sorted(_verdicts(plan, state, now), key=_order(plan))


def _verdicts(plan: Plan, state: IncidentState, now: datetime) -> Iterator[Verdict]:
    for past in state.past:
        if plan.has_step(past.step):
            step = plan.step(past.step)
            if step.due is not None:
                yield verdict(plan, step, state, past.record, past.record.wave, now)
    for step in plan.steps:
        found = step_verdict(plan, state, step, now)
        if found is not None:
            yield found


def _order(plan: Plan):  # type: ignore[no-untyped-def]
    rank = {step.id: i for i, step in enumerate(plan.steps)}
    return lambda v: (v.wave, rank.get(v.step.id, 0))


def step_verdict(plan: Plan, state: IncidentState, step: Step, now: datetime) -> Verdict | None:
    """The verdict of ``step`` in the current wave (or the wave its record is from)."""
    if step.due is None:
        return None
    record = state.steps.get(step.id)
    if record is None and (
        state.closed is not None or not step.when.applies(state.level, state.categories)
    ):
        return None
    return verdict(plan, step, state, record, record.wave if record else state.wave, now)
