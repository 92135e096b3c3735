"""Everything specific to one database dialect, in one place (mostly SQLite's).

- Each connection gets WAL, ``synchronous=FULL``, a busy timeout and foreign keys.
- Transactions are opened by us, not by the driver: ``BEGIN IMMEDIATE`` for a
  writing command (so concurrent writers queue on the busy timeout instead of
  failing mid-transaction), plain ``BEGIN`` for reading.
- ``PRAGMA user_version`` mirrors the number of applied migrations, so opening a
  current database costs one pragma, not a scan of the migrations table.
- The triggers that make the audit trail append-only.
- Serialising writing transactions where BEGIN IMMEDIATE does not exist.
- On PostgreSQL, the login of the session, and the trigger that makes every event
  name the login that writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 30_000


def is_sqlite(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def configure(engine: Engine, wants_write: Callable[[], bool]) -> None:
    """Install the pragmas and our own BEGIN on a SQLite engine.

    Nothing here changes the file until a command writes: WAL mode (which is kept in
    the file's header) is switched on by the first writing transaction, so a read of a
    file that is not ours leaves it byte for byte as it was.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if wants_write():
            if not conn.info.get("wal"):
                conn.exec_driver_sql("PRAGMA journal_mode = WAL")
                conn.info["wal"] = True
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


BULK_CACHE_KIB = 64 * 1024


def roomy_cache(conn: Connection) -> None:
    """A larger page cache for the rest of this connection's life (SQLite): a bulk import
    writes into indexes keyed by hashes, which a small cache turns into page faults."""
    if is_sqlite(conn):
        conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")


def snapshot_options(engine: Engine) -> dict[str, Any]:
    """How a reading transaction sees one moment of the database throughout.

    SQLite's read transaction already does (in WAL mode); PostgreSQL's default (READ
    COMMITTED) takes a new snapshot for every statement, so a report or `yq verify` could
    see a writer's commit half-way: reads run in REPEATABLE READ.
    """
    if engine.dialect.name == "postgresql":
        return {"isolation_level": "REPEATABLE READ"}
    return {}


def table_names(conn: Connection) -> set[str]:
    if is_sqlite(conn):
        rows = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return {str(r[0]) for r in rows}
    if conn.dialect.name == "postgresql":  # one query, where the inspector makes several
        rows = conn.exec_driver_sql(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
        )
        return {str(r[0]) for r in rows}
    from sqlalchemy import inspect

    return set(inspect(conn).get_table_names())


def schema_version(conn: Connection) -> int | None:
    """The number of migrations applied, as recorded in the file header."""
    if not is_sqlite(conn):
        return None
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def set_schema_version(conn: Connection, count: int) -> None:
    if is_sqlite(conn):
        conn.exec_driver_sql(f"PRAGMA user_version = {int(count)}")


APPEND_ONLY_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS event_no_update BEFORE UPDATE ON event
       BEGIN SELECT RAISE(ABORT, 'append-only audit trail: events cannot be changed'); END""",
    """CREATE TRIGGER IF NOT EXISTS event_no_delete BEFORE DELETE ON event
       BEGIN SELECT RAISE(ABORT, 'append-only audit trail: events cannot be deleted'); END""",
)

POSTGRES_APPEND_ONLY = (
    """CREATE OR REPLACE FUNCTION yq_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
       FOR EACH ROW EXECUTE FUNCTION yq_event_append_only()""",
)


def append_only_ddl(conn: Connection) -> tuple[str, ...]:
    """The DDL that makes ``event`` refuse UPDATE and DELETE on this database."""
    if conn.dialect.name == "sqlite":
        return APPEND_ONLY_TRIGGERS
    if conn.dialect.name == "postgresql":
        return POSTGRES_APPEND_ONLY
    return ()


# An event written by a login that is not an administrator must name that login, and
# not claim to be an administrator's; the database's owner (or a superuser, or a member
# of the owner's role) may insert any event: it copies databases, and it could drop the
# trigger anyway. Writer logins own nothing, so they cannot drop or alter the trigger.
POSTGRES_EVENT_LOGIN = (
    """CREATE OR REPLACE FUNCTION yq_event_login() RETURNS trigger
       LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
       BEGIN
         IF pg_has_role(session_user,
                        (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
           RETURN NEW;
         END IF;
         IF NEW.login IS DISTINCT FROM session_user::text
            OR NEW.login_admin IS DISTINCT FROM false THEN
           RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
             MESSAGE = 'an event must name the login that writes it: ' || session_user;
         END IF;
         RETURN NEW;
       END; $$""",
    """CREATE TRIGGER event_login BEFORE INSERT ON event
       FOR EACH ROW EXECUTE FUNCTION yq_event_login()""",
)


def event_login_ddl(conn: Connection) -> tuple[str, ...]:
    """The DDL that makes the server check the login named by each new event."""
    if conn.dialect.name == "postgresql":
        return POSTGRES_EVENT_LOGIN
    return ()


@dataclass(frozen=True, slots=True)
class Login:
    """The login a session was authenticated as, on a database server."""

    name: str
    admin: bool  # owns the database's tables (or is a superuser): the trigger lets it be


def server_login(conn: Connection) -> Login | None:
    """The session's login and whether it is an administrator's; None on SQLite."""
    if conn.dialect.name != "postgresql":
        return None
    name, admin = conn.exec_driver_sql(
        "SELECT session_user::text, coalesce((SELECT pg_has_role(session_user, c.relowner, "
        "'MEMBER') FROM pg_class c WHERE c.oid = to_regclass('event')), false)"
    ).one()
    return Login(str(name), bool(admin))


def login_exists(conn: Connection, login: str) -> bool:
    """Is there a role on the server that may log in under this name?"""
    if conn.dialect.name != "postgresql":
        return False
    from sqlalchemy import text

    found = conn.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :login AND rolcanlogin"), {"login": login}
    ).first()
    return found is not None


# The key of the PostgreSQL advisory lock that serialises yq's writing transactions.
WRITE_LOCK_KEY = 0x79715F7772  # "yq_wr"


def lock_for_write(conn: Connection) -> None:
    """Make this transaction the only writing one until it ends.

    Everything a command reads to decide what to write — the chain's head, an
    incident's last sequence number, the next reference of the day — is read under this
    lock, so two writers can never choose the same. SQLite already serialises writers
    (BEGIN IMMEDIATE); on PostgreSQL a transaction-scoped advisory lock does it, taken
    first thing, so it also covers creating the schema.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
