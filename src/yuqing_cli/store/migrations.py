"""Schema migrations: named, ordered steps, recorded in ``_yq_migrations``.

Each migration is frozen once released: it describes the schema as it was then,
never the current models. Add a new one at the end to change the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Connection

from yuqing_cli.store import dialect
from yuqing_cli.store.types import UTCDateTime

MIGRATIONS_TABLE = "_yq_migrations"


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[Connection], None]


def m001_initial(conn: Connection) -> None:
    md = MetaData()
    Table(
        "plan_version",
        md,
        Column("version", String, primary_key=True),
        Column("source", String, nullable=False),
        Column("text", Text, nullable=False),
        Column("stored_at", UTCDateTime(), nullable=False),
    )
    Table(
        "incident",
        md,
        Column("id", Integer, primary_key=True),
        Column("ref", String, nullable=False),
        Column("title", String, nullable=False),
        Column("summary", String, nullable=False),
        Column("platform", String, nullable=False),
        Column("url", String),
        Column("level", String, nullable=False),
        Column("category", String, nullable=False),
        Column("sentiment", String, nullable=False),
        Column("stage", String, nullable=False),
        Column("exercise", Boolean, nullable=False),
        Column("reporter", String, nullable=False),
        Column("plan_version", String, ForeignKey("plan_version.version"), nullable=False),
        Column("detected_at", UTCDateTime(), nullable=False, index=True),
        Column("recorded_at", UTCDateTime(), nullable=False),
        Column("stage_entered", String, nullable=False),
        Column("reported_at", UTCDateTime()),
        Column("first_response_at", UTCDateTime()),
        Column("closed_at", UTCDateTime(), index=True),
        Column("reopened", Integer, nullable=False),
        Column("last_seq", Integer, nullable=False),
        UniqueConstraint("ref"),
        Index("ix_incident_stage_detected", "stage", "detected_at"),
        Index("ix_incident_url", "url"),
    )
    Table(
        "step_record",
        md,
        Column("incident_id", Integer, ForeignKey("incident.id"), primary_key=True),
        Column("step_id", String, primary_key=True),
        Column("status", String, nullable=False),
        Column("actor", String, nullable=False),
        Column("note", String, nullable=False),
        Column("happened_at", UTCDateTime(), nullable=False),
        Column("recorded_at", UTCDateTime(), nullable=False),
    )
    Table(
        "assignment",
        md,
        Column("incident_id", Integer, ForeignKey("incident.id"), primary_key=True),
        Column("role", String, primary_key=True),
        Column("person", String, nullable=False),
        Column("happened_at", UTCDateTime(), nullable=False),
    )
    Table(
        "event",
        md,
        Column("id", Integer, primary_key=True),
        Column("incident_id", Integer, ForeignKey("incident.id")),
        Column("seq", Integer, nullable=False),
        Column("action", String, nullable=False),
        Column("actor", String, nullable=False),
        Column("subject", String, nullable=False),
        Column("old", String),
        Column("new", String),
        Column("note", String, nullable=False),
        Column("happened_at", UTCDateTime(), nullable=False),
        Column("recorded_at", UTCDateTime(), nullable=False),
        Column("plan_version", String, nullable=False),
        Column("prev_hash", String, nullable=False),
        Column("hash", String, nullable=False),
        UniqueConstraint("hash"),
        Index("ix_event_incident_seq", "incident_id", "seq"),
        Index("ix_event_happened", "happened_at"),
        Index("ix_event_recorded", "recorded_at"),
        Index("ix_event_action_subject", "action", "subject", "happened_at"),
    )
    md.create_all(conn)


def m002_append_only_events(conn: Connection) -> None:
    """The database itself refuses UPDATE and DELETE on the audit trail (R-AUDIT-2)."""
    for statement in dialect.append_only_ddl(conn):
        conn.exec_driver_sql(statement)


MIGRATIONS: tuple[Migration, ...] = (
    Migration("m001_initial", m001_initial),
    Migration("m002_append_only_events", m002_append_only_events),
)


def _migrations_table() -> Table:
    return Table(
        MIGRATIONS_TABLE,
        MetaData(),
        Column("name", String, primary_key=True),
        Column("applied_at", UTCDateTime(), nullable=False),
    )


def is_current(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> bool:
    """Cheap check, without touching the migrations table where the dialect allows."""
    version = dialect.schema_version(conn)
    if version is not None:
        return version == len(migrations)
    return not pending(conn, migrations)


def applied(conn: Connection) -> list[str]:
    table = _migrations_table()
    if not inspect(conn).has_table(MIGRATIONS_TABLE):
        return []
    return list(conn.execute(select(table.c.name)).scalars())


def pending(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
    done = set(applied(conn))
    return [m for m in migrations if m.name not in done]


def migrate(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply what is pending, in order, inside the caller's transaction."""
    table = _migrations_table()
    table.create(conn, checkfirst=True)
    names = []
    for migration in pending(conn, migrations):
        migration.apply(conn)
        conn.execute(insert(table).values(name=migration.name, applied_at=datetime.now(UTC)))
        names.append(migration.name)
    dialect.set_schema_version(conn, len(applied(conn)))
    return names
