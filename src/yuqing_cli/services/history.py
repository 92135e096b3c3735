"""Rebuild an incident's state from its events, as of any moment.

The daily report is computed this way, from the audit trail as it stood at the end
of the day, so that later work never changes a past day's report (R-REPORT-2). A
test replays every incident and compares with the current tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from yuqing_cli.plan import rules
from yuqing_cli.plan.rules import IncidentState, StepRecord
from yuqing_cli.plan.schema import Plan, Step
from yuqing_cli.store.tables import Event, Incident


@dataclass
class Replayed:
    """An incident as its events say it was at some moment."""

    id: int
    ref: str
    title: str
    platform: str
    url: str | None
    category: str
    sentiment: str
    exercise: bool
    reporter: str
    detected_at: datetime
    plan: Plan
    level: str = ""
    stage: str = ""
    stage_entered: dict[str, datetime] = field(default_factory=dict)
    steps: dict[str, StepRecord] = field(default_factory=dict)
    assignments: dict[str, str] = field(default_factory=dict)
    reported_at: datetime | None = None
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    reopened: int = 0

    @property
    def state(self) -> IncidentState:
        return IncidentState(
            level=self.level,
            category=self.category,
            stage=self.stage,
            detected_at=self.detected_at,
            stage_entered=self.stage_entered,
            steps=self.steps,
            assignments=self.assignments,
        )

    @property
    def is_open(self) -> bool:
        return not self.plan.stage(self.stage).final


class _Milestones(Protocol):
    reported_at: datetime | None
    first_response_at: datetime | None


def mark_milestone(target: _Milestones, step: Step, at: datetime) -> None:
    """Record the first time a milestone step (reported, first_response) was done."""
    if step.milestone == "reported" and target.reported_at is None:
        target.reported_at = at
    if step.milestone == "first_response" and target.first_response_at is None:
        target.first_response_at = at


def replay(incident: Incident, plan: Plan, events: Iterable[Event]) -> Replayed:
    """Apply ``events`` (the incident's, in ``seq`` order) to an empty incident."""
    assert incident.id is not None
    r = Replayed(
        id=incident.id,
        ref=incident.ref,
        title=incident.title,
        platform=incident.platform,
        url=incident.url,
        category=incident.category,
        sentiment=incident.sentiment,
        exercise=incident.exercise,
        reporter=incident.reporter,
        detected_at=incident.detected_at,
        plan=plan,
    )
    for event in events:
        apply(r, event)
    return r


def apply(r: Replayed, e: Event) -> None:
    """One event's effect on an incident's state."""
    if e.action == "create":
        fields = json.loads(e.new or "{}")
        r.level, r.stage = fields["level"], fields["stage"]
        r.stage_entered = {r.stage: e.happened_at}
    elif e.action in ("done", "waived"):
        status: Literal["done", "waived"] = "done" if e.action == "done" else "waived"
        r.steps[e.subject] = StepRecord(status, e.actor, e.happened_at, e.note)
        if status == "done":
            mark_milestone(r, r.plan.step(e.subject), e.happened_at)
    elif e.action in ("advance", "close") and e.new is not None:
        r.stage = e.new
        r.stage_entered[e.new] = e.happened_at
        if r.plan.stage(e.new).final:
            r.closed_at = e.happened_at
    elif e.action == "reopen" and e.new is not None:
        target = r.plan.stage(e.new)
        for step in rules.steps_reset_by_reopen(r.plan, target):
            r.steps.pop(step.id, None)
        r.stage = e.new
        r.stage_entered[e.new] = e.happened_at
        r.closed_at = None
        r.reopened += 1
    elif e.action == "grade" and e.new is not None:
        r.level = e.new
    elif e.action == "assign" and e.new is not None:
        r.assignments[e.subject] = e.new
