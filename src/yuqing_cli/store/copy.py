"""Copying every row of one yq database into another (`yq db copy`), any backend to any.

Rows go through SQLAlchemy Core with the tables' own types, in primary-key order and in
batches, ids and hashes as they are: the copy holds the same chain. On PostgreSQL the
sequences behind the ids are moved past the copied rows afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from yuqing_cli.store import tables  # noqa: F401  (registers the tables)
from yuqing_cli.store.bulk import insert_many
from yuqing_cli.store.grants import SERIAL
from yuqing_cli.store.migrations import MIGRATIONS_TABLE, migrations_table

# In the order foreign keys need: a row's target is always copied before it.
TABLES = ("plan_version", "incident", "event", "step_record", "assignment", "person_login")
BATCH = 2000


def _tables() -> list[Table]:
    return [SQLModel.metadata.tables[name] for name in TABLES] + [migrations_table()]


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table (the migrations table included)."""
    return {
        table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in _tables()
    }


def copy_rows(
    source: Connection,
    target: Connection,
    advance: Callable[[str, int], None],
    batch: int = BATCH,
) -> dict[str, int]:
    """Copy every row of ``source`` into ``target`` (whose yq tables are empty; its own
    record of migrations is replaced by the source's). Returns rows per table."""
    copied: dict[str, int] = {}
    for table in _tables():
        if table.name == MIGRATIONS_TABLE:
            target.execute(delete(table))
        order = list(table.primary_key.columns)
        result = source.execution_options(yield_per=batch).execute(select(table).order_by(*order))
        count = 0
        for rows in result.partitions(batch):
            insert_many(target, table, [dict(row._mapping) for row in rows])
            count += len(rows)
            advance(table.name, len(rows))
        copied[table.name] = count
    if target.dialect.name == "postgresql":
        for name, column in SERIAL:
            target.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
                    f"coalesce(max({column}), 0) + 1, false) FROM {name}"
                )
            )
    return copied
