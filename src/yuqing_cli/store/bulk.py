"""Many rows into one table in one statement, for bulk imports; many keys looked up in
bounded ``IN`` lists.

SQLAlchemy's own ``executemany`` prepares every row through its compiled statement,
which costs more than the insert itself when there are tens of thousands of rows. Here
the statement is compiled once, every value goes through its column type's bind
processor (the same conversion SQLAlchemy applies: a time is stored exactly as a
single insert stores it), and the driver receives the rows as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection

T = TypeVar("T")


IN_LIST = 500  # values in one ``IN (...)``: well under SQLite's limit of bound parameters


def chunks(items: Sequence[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of ``size`` (for ``IN`` lists of bounded length)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (mappings with the same keys) into ``table``."""
    if not rows:
        return
    dialect = conn.dialect
    keys = list(rows[0].keys())
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    positional = bool(compiled.positional)
    order = list(compiled.positiontup or []) if positional else keys
    processors = [table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in order]
    columns = list(zip(order, processors, strict=True))
    done: dict[tuple[str, Any], Any] = {}  # times repeat (every event's recording time)
    converted: list[Any] = []
    for row in rows:
        values = []
        for key, process in columns:
            value = row[key]
            if process is not None and value is not None:
                if type(value) is datetime:
                    cached = done.get((key, value))
                    if cached is None:
                        cached = done[key, value] = process(value)
                    value = cached
                else:
                    value = process(value)
            values.append(value)
        converted.append(tuple(values) if positional else dict(zip(order, values, strict=True)))
    conn.exec_driver_sql(str(compiled), converted)
