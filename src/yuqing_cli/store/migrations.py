"""Schema migrations: named, ordered steps, recorded in ``_yq_migrations``.

Each migration is frozen once released: it describes the schema as it was then,
never the current models. Add a new one at the end to change the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

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

from yuqing_cli.i18n import _
from yuqing_cli.store import dialect
from yuqing_cli.store.types import UTCDateTime

MIGRATIONS_TABLE = "_yq_migrations"


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[Connection], None]


_REGISTERED: list[Migration] = []


def migration(func: Callable[[Connection], None]) -> Callable[[Connection], None]:
    """Register a migration under its function's name, in the order they are defined."""
    _REGISTERED.append(Migration(func.__name__, func))
    return func


@migration
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


@migration
def m002_append_only_events(conn: Connection) -> None:
    """The database itself refuses UPDATE and DELETE on the audit trail (R-AUDIT-2)."""
    for statement in dialect.append_only_ddl(conn):
        conn.exec_driver_sql(statement)


@migration
def m003_event_data_and_state(conn: Connection) -> None:
    """Events carry data (uncertain times, payloads); incidents keep their whole state,
    wave and void mark; one sequence number per event of an incident.

    The new ``incident.state`` is filled by replaying each incident's events, which the
    store does right after this migration (see ``Store.open``).
    """
    duplicates = conn.exec_driver_sql(
        "SELECT incident_id, seq FROM event WHERE incident_id IS NOT NULL "
        "GROUP BY incident_id, seq HAVING count(*) > 1 LIMIT 1"
    ).first()
    if duplicates is not None:
        raise MigrationError(
            f"incident {duplicates[0]} has two events numbered {duplicates[1]}: "
            "the trail was damaged before this upgrade"
        )
    md = MetaData()
    event = Table("event", md, Column("incident_id", Integer), Column("seq", Integer))
    for statement in (
        "ALTER TABLE event ADD COLUMN data TEXT",
        "ALTER TABLE incident ADD COLUMN wave INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE incident ADD COLUMN voided BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE incident ADD COLUMN state TEXT NOT NULL DEFAULT ''",
    ):
        conn.exec_driver_sql(statement)
    Index("ux_event_incident_seq", event.c.incident_id, event.c.seq, unique=True).create(conn)
    conn.exec_driver_sql("DROP INDEX ix_event_incident_seq")


@migration
def m004_logins(conn: Connection) -> None:
    """On a database server, each event names the login that wrote it (checked by the
    server), and a table links logins to people on the roster (``yq people link``).

    Both columns stay null on SQLite and in older events, which keeps their hashes.
    """
    for statement in (
        "ALTER TABLE event ADD COLUMN login VARCHAR",
        "ALTER TABLE event ADD COLUMN login_admin BOOLEAN",
    ):
        conn.exec_driver_sql(statement)
    md = MetaData()
    Table("event", md, Column("id", Integer, primary_key=True))
    Table(
        "person_login",
        md,
        Column("login", String, primary_key=True),
        Column("person", String, nullable=False),
        Column("event_id", Integer, ForeignKey("event.id"), nullable=False),
        Column("linked_at", UTCDateTime(), nullable=False),
        Column("linked_by", String, nullable=False),
    )
    md.tables["person_login"].create(conn)
    for statement in dialect.event_login_ddl(conn):
        conn.exec_driver_sql(statement)


@migration
def m005_ledger_projection(conn: Connection) -> None:
    """Incidents keep what a ledger row needs (``incident.ledger``), so the ledger is read
    without decoding each whole state. The store fills it, and rewrites every state in
    its current form, by replaying each incident right after this migration.

    An index on (closed_at, detected_at) finds the incidents open during a past day
    from the index alone.
    """
    conn.exec_driver_sql("ALTER TABLE incident ADD COLUMN ledger TEXT NOT NULL DEFAULT ''")
    conn.exec_driver_sql(
        "CREATE INDEX ix_incident_closed_detected ON incident (closed_at, detected_at)"
    )


# The event table as m007 makes it on SQLite: the columns of m001, m003 and m004 in
# their order, the id checked positive. Frozen: a later change is a new migration.
_EVENT_M007 = """CREATE TABLE {name} (
    id INTEGER NOT NULL CONSTRAINT event_id_positive CHECK (id > 0),
    incident_id INTEGER,
    seq INTEGER NOT NULL,
    action VARCHAR NOT NULL,
    actor VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    old VARCHAR,
    new VARCHAR,
    note VARCHAR NOT NULL,
    happened_at DATETIME NOT NULL,
    recorded_at DATETIME NOT NULL,
    plan_version VARCHAR NOT NULL,
    prev_hash VARCHAR NOT NULL,
    hash VARCHAR NOT NULL,
    data TEXT,
    login VARCHAR,
    login_admin BOOLEAN,
    PRIMARY KEY (id),
    UNIQUE (hash),
    FOREIGN KEY(incident_id) REFERENCES incident (id)
)"""
_EVENT_COLUMNS_M007 = (
    "id, incident_id, seq, action, actor, subject, old, new, note, happened_at, "
    "recorded_at, plan_version, prev_hash, hash, data, login, login_admin"
)
_EVENT_INDEXES_M007 = (
    "CREATE INDEX ix_event_recorded ON event (recorded_at)",
    "CREATE INDEX ix_event_happened ON event (happened_at)",
    "CREATE INDEX ix_event_action_subject ON event (action, subject, happened_at)",
    "CREATE UNIQUE INDEX ux_event_incident_seq ON event (incident_id, seq)",
)


@migration
def m007_positive_event_ids(conn: Connection) -> None:
    """Event ids are positive, checked by the database (``CHECK (id > 0)``).

    yq gives ids from 1; a row at id 0 or below was written by hand. Such rows are not
    renumbered or dropped here — that would hide a forgery: the upgrade is refused,
    naming them, and the database is left as it was.

    SQLite adds a constraint only by rebuilding the table: the events are copied into
    a new table in id order (ids and hashes unchanged, so the chain is the same), the
    old one dropped, its indexes and append-only triggers made again. ``person_login``
    names events by id: its few rows are set aside meanwhile, so no foreign key is
    left dangling at any point.
    """
    bad = conn.exec_driver_sql("SELECT count(*), min(id) FROM event WHERE id <= 0").one()
    if bad[0]:
        raise MigrationError(
            _(
                "{count} events have an id of 0 or below (the lowest: {lowest}): yq never "
                "writes such ids, they were inserted by hand; nothing was changed"
            ).format(count=bad[0], lowest=bad[1]),
            hint=_(
                "restore the database from a backup made before they were inserted, or "
                "have them examined (sqlite3 / psql: SELECT * FROM event WHERE id <= 0)"
            ),
        )
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE event ADD CONSTRAINT event_id_positive CHECK (id > 0)")
        return
    if conn.dialect.name != "sqlite":
        return
    links = conn.exec_driver_sql(
        "SELECT login, person, event_id, linked_at, linked_by FROM person_login"
    ).all()
    conn.exec_driver_sql("DELETE FROM person_login")
    conn.exec_driver_sql(_EVENT_M007.format(name="event_m007"))
    conn.exec_driver_sql(
        f"INSERT INTO event_m007 ({_EVENT_COLUMNS_M007}) "
        f"SELECT {_EVENT_COLUMNS_M007} FROM event ORDER BY id"
    )
    conn.exec_driver_sql("DROP TABLE event")  # its indexes and triggers with it
    conn.exec_driver_sql("ALTER TABLE event_m007 RENAME TO event")
    for statement in (*_EVENT_INDEXES_M007, *dialect.append_only_ddl(conn)):
        conn.exec_driver_sql(statement)
    for row in links:
        conn.exec_driver_sql(
            "INSERT INTO person_login (login, person, event_id, linked_at, linked_by) "
            "VALUES (?, ?, ?, ?, ?)",
            tuple(row),
        )


@migration
def m008_ledger_columns(conn: Connection) -> None:
    """The ledger says what happened (处置情况 from step notes and statements, who did
    the work, where each clock started, the grading history, void marks, deadlines that
    fell due before an import) and the state keeps what an imported row carried: no
    change of schema; the store replays every incident right after this migration."""


class MigrationError(Exception):
    """The database cannot be upgraded as it is: the reason, and what to do."""

    def __init__(self, reason: str, hint: str | None = None) -> None:
        super().__init__(reason)
        self.hint = hint


MIGRATIONS: tuple[Migration, ...] = tuple(_REGISTERED)


def migrations_table() -> Table:
    """The record of applied migrations, as a table."""
    return Table(
        MIGRATIONS_TABLE,
        MetaData(),
        Column("name", String, primary_key=True),
        Column("applied_at", UTCDateTime(), nullable=False),
    )


SchemaState = Literal["current", "pending", "empty", "foreign", "newer"]


def schema_state(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> SchemaState:
    """What the database holds, read without changing it.

    ``empty``: no tables at all; ``foreign``: tables, but not a yq database; ``newer``:
    migrations this yq does not know (a newer yq made it); ``pending``: an older yq made
    it; ``current``: ready. A migration recorded under a name this yq does not know is
    ``newer`` whatever the count says (``PRAGMA user_version`` alone can be set by hand,
    or agree by chance). On SQLite, a current database costs three tiny queries.
    """
    tables = dialect.table_names(conn)
    if MIGRATIONS_TABLE not in tables:
        return "foreign" if tables else "empty"
    version = dialect.schema_version(conn)
    if version is not None and version > len(migrations):
        return "newer"
    names = set(conn.execute(select(migrations_table().c.name)).scalars())
    if not names <= {m.name for m in MIGRATIONS}:
        return "newer"
    return "pending" if any(m.name not in names for m in migrations) else "current"


def applied(conn: Connection) -> list[str]:
    table = migrations_table()
    if not inspect(conn).has_table(MIGRATIONS_TABLE):
        return []
    return list(conn.execute(select(table.c.name)).scalars())


def pending(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
    done = set(applied(conn))
    return [m for m in migrations if m.name not in done]


def migrate(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply what is pending, in order, inside the caller's transaction."""
    table = migrations_table()
    table.create(conn, checkfirst=True)
    names = []
    for migration in pending(conn, migrations):
        migration.apply(conn)
        conn.execute(insert(table).values(name=migration.name, applied_at=datetime.now(UTC)))
        names.append(migration.name)
    dialect.set_schema_version(conn, len(applied(conn)))
    return names
