"""The tables, as SQLModel classes.

The schema itself is created by the named migrations in
:mod:`yuqing_cli.store.migrations`; a test checks the two agree.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from yuqing_cli.store.types import UTCDateTime


def _time(nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


# Rows are made from columns and never validated through pydantic: its schema of each
# table is built only if something asks for it (half the cost of defining a table).
_DEFERRED = ConfigDict(defer_build=True)


class PlanVersion(SQLModel, table=True):
    """The text of every plan version an incident was opened under (R-PLAN-7)."""

    model_config = _DEFERRED  # type: ignore[assignment]

    __tablename__ = "plan_version"

    version: str = Field(primary_key=True)  # sha256 of the file
    source: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    stored_at: datetime = Field(sa_column=_time())


class Incident(SQLModel, table=True):
    """An incident's current state: a projection of its events (``state`` holds the
    whole fold, the other columns what queries and people need). ``yq verify`` replays
    the events and compares every column."""

    model_config = _DEFERRED  # type: ignore[assignment]

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_stage_detected", "stage", "detected_at"),
        Index("ix_incident_url", "url"),
        # Open during a day: closed after its start, detected before its end (report).
        Index("ix_incident_closed_detected", "closed_at", "detected_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True)
    title: str
    summary: str = ""
    platform: str = ""
    url: str | None = None
    level: str
    category: str
    sentiment: str
    stage: str
    exercise: bool = False
    reporter: str
    plan_version: str = Field(foreign_key="plan_version.version")
    detected_at: datetime = Field(sa_column=_time(index=True))
    recorded_at: datetime = Field(sa_column=_time())
    stage_entered: str = "{}"  # JSON: stage id -> ISO time it was last entered
    reported_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    first_response_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True, index=True))
    reopened: int = 0
    last_seq: int = 0  # sequence number of the incident's latest event
    wave: int = 1  # 波次: 1, and one more for each reopen
    voided: bool = False  # a duplicate or a mistake, left out of counts
    state: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    ledger: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # JSON: what a ledger row needs beyond these columns (services.ledger.projection)


class StepRecord(SQLModel, table=True):
    """A step done or waived for an incident in its current wave (a projection of the
    events, like ``incident``)."""

    model_config = _DEFERRED  # type: ignore[assignment]

    __tablename__ = "step_record"

    incident_id: int = Field(sa_column=Column(Integer, ForeignKey("incident.id"), primary_key=True))
    step_id: str = Field(primary_key=True)
    status: str  # "done" or "waived"
    actor: str
    note: str = ""
    happened_at: datetime = Field(sa_column=_time())
    recorded_at: datetime = Field(sa_column=_time())


class Assignment(SQLModel, table=True):
    """A per-incident role, e.g. the spokesperson (新闻发言人) of one incident."""

    model_config = _DEFERRED  # type: ignore[assignment]

    __tablename__ = "assignment"

    incident_id: int = Field(sa_column=Column(Integer, ForeignKey("incident.id"), primary_key=True))
    role: str = Field(primary_key=True)
    person: str
    happened_at: datetime = Field(sa_column=_time())


class Event(SQLModel, table=True):
    """The audit trail: append-only, hash-chained in ``id`` order."""

    model_config = _DEFERRED  # type: ignore[assignment]

    __tablename__ = "event"
    __table_args__ = (
        Index("ux_event_incident_seq", "incident_id", "seq", unique=True),
        Index("ix_event_happened", "happened_at"),
        Index("ix_event_recorded", "recorded_at"),
        Index("ix_event_action_subject", "action", "subject", "happened_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("incident.id"), nullable=True)
    )
    seq: int = 0  # position in the incident's own trail, from 1; 0 for routines
    action: str
    actor: str
    subject: str = ""  # the step, role, stage or routine acted on
    old: str | None = None
    new: str | None = None
    note: str = ""
    happened_at: datetime = Field(sa_column=_time())
    recorded_at: datetime = Field(sa_column=_time())
    plan_version: str
    prev_hash: str
    hash: str = Field(unique=True)
    data: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # canonical JSON: an uncertain happened time, and what the action needs beyond
    # subject/old/new (in the hash when present)
    login: str | None = Field(default=None, sa_column=Column(String, nullable=True))
    # on a database server: the login that wrote the event (session_user, enforced by a
    # trigger), and whether it was an administrator's (the database's owner or a
    # superuser, who may act for anyone); null on SQLite. In the hash when present.
    login_admin: bool | None = Field(default=None, sa_column=Column(Boolean, nullable=True))


class PersonLogin(SQLModel, table=True):
    """Which roster person each database login is (``yq people link``): a projection of
    the ``link``/``unlink`` events. Commands decide who acts from the events themselves;
    ``yq verify`` compares this table with them."""

    __tablename__ = "person_login"
    model_config = _DEFERRED  # type: ignore[assignment]

    login: str = Field(primary_key=True)
    person: str
    event_id: int = Field(sa_column=Column(Integer, ForeignKey("event.id"), nullable=False))
    linked_at: datetime = Field(sa_column=_time())
    linked_by: str
