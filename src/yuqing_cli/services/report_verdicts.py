"""The daily report's deadlines: one list of verdicts, and every count made from it.

:func:`day_verdicts` is the one place the report asks :mod:`yuqing_cli.plan.deadlines`
for verdicts: each deadline of each incident the report covers (voided ones are not
covered), judged at the end of the day, that the day has something to say about — a
step done that day, or a step still open when the day ends. The overview's figures,
the missed deadlines (超时事项), the response times (响应时间) and the next steps
(下步工作建议) are all read from that list, so they cannot disagree; a change to the
deadline rules lands in one place.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from yuqing_cli.plan import deadlines, grading
from yuqing_cli.plan.deadlines import Verdict
from yuqing_cli.plan.grading import Suggestion
from yuqing_cli.plan.schema import Plan, Step
from yuqing_cli.plan.state import IncidentState, StepRecord

if TYPE_CHECKING:
    from yuqing_cli.services.report import DayIncident


@dataclass(frozen=True)
class Owner:
    """Who answers for a step: a role of the plan and, where one person is meant (the
    one designated for the incident, or the role's only holder), that person."""

    role: str  # a role id; "" when the step names none
    person: str = ""


@dataclass(frozen=True)
class DayVerdict:
    """One deadline as the day's report sees it."""

    incident: DayIncident
    verdict: Verdict
    owner: Owner
    late_entry: bool  # its record was made after the day (补录)
    first_of: str | None = None  # the milestone its record reached first, if it did

    @property
    def ref(self) -> str:
        return self.incident.ref

    @property
    def kind(self) -> str:
        return self.verdict.kind

    @property
    def done(self) -> bool:
        return self.verdict.record is not None

    @property
    def missed(self) -> bool:
        return self.verdict.kind == "missed"


@dataclass(frozen=True)
class ResponseTime:
    milestone: str
    count: int
    median: timedelta | None  # over the exactly known times
    worst: timedelta | None
    met: int
    missed: int
    undeterminable: int  # the times' uncertainty straddles the deadline
    uncertain: int  # elapsed time not exactly known (left out of median and worst)


@dataclass(frozen=True)
class DaySuggestion:
    """What an open incident's assessments suggest (the grading aid), and who decides."""

    incident: DayIncident
    suggestion: Suggestion
    owner: Owner
    due: Verdict | None = None  # the suggested step's deadline, where it has one


def responsible(plan: Plan, roles: Sequence[str], state: IncidentState) -> Owner:
    """The first of ``roles`` someone answers for: a role designated for this incident
    (its person), else one held from the roster (its one holder, if only one)."""
    for role_id in roles:
        person = state.assignments.get(role_id)
        if person:
            return Owner(role_id, person)
        held = plan.holders(role_id)
        if held:
            return Owner(role_id, held[0] if len(held) == 1 else "")
    return Owner(roles[0] if roles else "")


def day_verdicts(
    incidents: Iterable[DayIncident], start: datetime, end: datetime, as_of: datetime
) -> tuple[DayVerdict, ...]:
    """Every deadline the day has something to say about, judged at ``as_of``: steps
    done during the day (met, missed, waived or undeterminable) and steps still open at
    its end. Also, without a verdict of their own, the steps that first reached a
    milestone that day although the plan gives them no deadline (for the response
    times). In order of incident, then of the plan's steps."""
    found: list[DayVerdict] = []
    for i in incidents:
        if i.state.voided:
            continue
        plan, state = i.plan, i.state
        firsts = {}
        for milestone in plan.milestones:
            record = deadlines.milestone_record(plan, state, milestone.id)
            if record is not None and start <= record.when.at < end:
                firsts[id(record)] = milestone.id
        listed: set[int] = set()
        for v in deadlines.verdicts(plan, state, as_of):
            record = v.record
            if record is None:
                if not i.is_open:
                    continue
            elif not start <= record.when.at < end:
                continue
            else:
                listed.add(id(record))
            found.append(_day_verdict(i, v, end, firsts))
        for key, milestone_id in firsts.items():
            if key not in listed:  # reached by a step without a deadline
                step, record = _first(plan, state, milestone_id)
                v = deadlines.verdict(plan, step, state, record, record.wave, as_of)
                found.append(_day_verdict(i, v, end, firsts))
    return tuple(found)


def _first(plan: Plan, state: IncidentState, milestone: str) -> tuple[Step, StepRecord]:
    record = deadlines.milestone_record(plan, state, milestone)
    assert record is not None
    for step in plan.milestone_steps(milestone):
        if state.steps.get(step.id) is record or any(
            p.record is record for p in state.past if p.step == step.id
        ):
            return step, record
    raise AssertionError(milestone)


def _day_verdict(i: DayIncident, v: Verdict, end: datetime, firsts: dict[int, str]) -> DayVerdict:
    record = v.record
    return DayVerdict(
        i,
        v,
        responsible(i.plan, v.step.roles, i.state),
        record is not None and record.recorded_at >= end,
        firsts.get(id(record)) if record is not None else None,
    )


def missed(verdicts: Iterable[DayVerdict]) -> tuple[DayVerdict, ...]:
    """The missed deadlines (超时事项): open ones, latest first, then those done late."""
    found = [d for d in verdicts if d.missed]
    found.sort(key=lambda d: (d.done, -(d.verdict.late_by or timedelta()).total_seconds(), d.ref))
    return tuple(found)


def due_next(verdicts: Iterable[DayVerdict]) -> tuple[DayVerdict, ...]:
    """Open steps whose deadline is still to come, soonest first."""
    found = [d for d in verdicts if not d.done and d.kind == "pending" and d.verdict.due]
    found.sort(key=lambda d: (d.verdict.due.lo if d.verdict.due else d.incident.logged_at, d.ref))
    return tuple(found)


def response_times(plan: Plan, verdicts: Sequence[DayVerdict]) -> Iterator[ResponseTime]:
    """For each milestone of ``plan``: the incidents that first reached it that day, how
    long from detection, and their verdicts."""
    for milestone in plan.milestones:
        if not plan.milestone_steps(milestone.id):
            continue
        reached = [d for d in verdicts if d.first_of == milestone.id]
        exact: list[timedelta] = []
        uncertain = 0
        for d in reached:
            assert d.verdict.record is not None
            done, detected = d.verdict.record.when, d.incident.state.detected
            if done.is_exact and detected.is_exact:
                exact.append(done.at - detected.at)
            else:
                uncertain += 1
        yield ResponseTime(
            milestone.id,
            len(reached),
            statistics.median_low(exact) if exact else None,
            max(exact) if exact else None,
            sum(1 for d in reached if d.kind == "met"),
            sum(1 for d in reached if d.kind == "missed"),
            sum(1 for d in reached if d.kind == "undeterminable"),
            uncertain,
        )


def suggestions(incidents: Iterable[DayIncident], as_of: datetime) -> Iterator[DaySuggestion]:
    """The grading aid's suggestions for the open incidents, as their latest assessments
    stand at the end of the day."""
    for i in incidents:
        if not i.is_open:
            continue
        plan, state = i.plan, i.state
        for s in grading.suggestions(plan, state):
            if s.step is not None:
                owner = responsible(plan, s.step.roles, state)
                due = deadlines.step_verdict(plan, state, s.step, as_of)
                yield DaySuggestion(i, s, owner, due if due and due.due else None)
            else:
                yield DaySuggestion(i, s, responsible(plan, plan.permission("grade"), state))
