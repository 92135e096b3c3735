"""What each kind of login may do on a PostgreSQL database, as SQL (`yq db setup-roles`).

Writer logins append events and write the projections that every writing command
updates (``yq verify`` checks those against the events); they may not change or remove
an event, and since they own nothing they cannot drop or alter a table or its triggers.
Reader logins may only read. Only the owner — the administrator's login that created the
schema — changes the schema (``yq db upgrade``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from yuqing_cli.store.migrations import MIGRATIONS_TABLE

_WRITE_PROJECTION = ("SELECT", "INSERT", "UPDATE", "DELETE")

# Table → what a writer may do to it. A test checks that every table is listed.
WRITER: dict[str, tuple[str, ...]] = {
    "event": ("SELECT", "INSERT"),  # append only: no UPDATE, DELETE or TRUNCATE
    "plan_version": ("SELECT", "INSERT"),  # a plan's text is stored once, when adopted
    "incident": _WRITE_PROJECTION,
    "step_record": _WRITE_PROJECTION,
    "assignment": _WRITE_PROJECTION,
    "person_login": _WRITE_PROJECTION,
    MIGRATIONS_TABLE: ("SELECT",),
}
# Columns filled from a sequence on INSERT.
SERIAL = (("event", "id"), ("incident", "id"))


@dataclass(frozen=True)
class Place:
    """Where the yq tables are: the database and its schema, and their sequences."""

    database: str
    schema: str
    sequences: tuple[str, ...]  # schema-qualified, as the server names them


def place(conn: Connection) -> Place:
    database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
    sequences = tuple(
        str(name)
        for table, column in SERIAL
        if (
            name := conn.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table, "column": column},
            ).scalar()
        )
        is not None
    )
    return Place(str(database), str(schema), sequences)


def quote(name: str) -> str:
    """A name as a quoted SQL identifier (always quoted: logins may hold any character)."""
    return '"' + name.replace('"', '""') + '"'


def statements(where: Place, writers: Iterable[str], readers: Iterable[str]) -> list[str]:
    """The SQL that gives ``writers`` and ``readers`` exactly their rights, no more."""
    q = quote
    schema = q(where.schema)
    out = [
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",  # only the owner makes objects here
    ]
    reader = dict.fromkeys(WRITER, ("SELECT",))
    for login, rights in [(w, WRITER) for w in writers] + [(r, reader) for r in readers]:
        who = q(login)
        out.append(f"GRANT CONNECT ON DATABASE {q(where.database)} TO {who}")
        out.append(f"GRANT USAGE ON SCHEMA {schema} TO {who}")
        for table, privileges in rights.items():
            name = f"{schema}.{q(table)}"
            out.append(f"REVOKE ALL ON {name} FROM {who}")
            out.append(f"GRANT {', '.join(privileges)} ON {name} TO {who}")
        for sequence in where.sequences:
            out.append(f"REVOKE ALL ON SEQUENCE {sequence} FROM {who}")
            if rights is WRITER:
                out.append(f"GRANT USAGE ON SEQUENCE {sequence} TO {who}")
    return out


@dataclass(frozen=True)
class LoginState:
    exists: bool
    admin: bool  # owns the tables, or a superuser: grants cannot limit it


def login_state(conn: Connection, login: str) -> LoginState:
    row = conn.execute(
        text(
            "SELECT pg_has_role(r.oid, c.relowner, 'MEMBER') FROM pg_roles r, pg_class c "
            "WHERE r.rolname = :login AND r.rolcanlogin AND c.oid = to_regclass('event')"
        ),
        {"login": login},
    ).first()
    if row is None:
        return LoginState(False, False)
    return LoginState(True, bool(row[0]))
