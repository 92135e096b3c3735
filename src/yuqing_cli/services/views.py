"""What services return: plain data for the renderers, no database objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from yuqing_cli.plan.rules import StepRecord, StepStatus
from yuqing_cli.plan.schema import Category, Level, Plan, Sentiment, Stage, Step


@dataclass(frozen=True)
class IncidentView:
    ref: str
    title: str
    summary: str
    platform: str
    url: str | None
    level: Level
    category: Category
    sentiment: Sentiment
    stage: Stage
    exercise: bool
    reporter: str
    detected_at: datetime
    recorded_at: datetime
    reported_at: datetime | None
    first_response_at: datetime | None
    closed_at: datetime | None
    reopened: int
    plan_version: str
    assignments: dict[str, str] = field(default_factory=dict)
    overdue: int = 0


@dataclass(frozen=True)
class ChecklistItem:
    step: Step
    stage: Stage
    status: StepStatus
    record: StepRecord | None
    due: datetime | None
    overdue: bool


@dataclass(frozen=True)
class Checklist:
    incident: IncidentView
    plan: Plan
    items: tuple[ChecklistItem, ...]  # the current stage, then outstanding earlier steps
    next_stage: Stage | None
    missing: tuple[Step, ...]
    now: datetime


@dataclass(frozen=True)
class EventView:
    id: int
    ref: str | None
    seq: int
    action: str
    actor: str
    subject: str
    old: str | None
    new: str | None
    note: str
    happened_at: datetime
    recorded_at: datetime
    plan_version: str
    hash: str


@dataclass(frozen=True)
class Outcome:
    """What a writing command did, for the one-line confirmation."""

    ref: str
    action: str
    message: str
    incident: IncidentView
    events: int = 1
    details: tuple[str, ...] = ()
