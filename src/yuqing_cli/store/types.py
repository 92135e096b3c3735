"""Column types shared by the tables and the migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC.

    SQLite has no time zones, so the offset is normalised away on the way in and
    put back on the way out. Microseconds are kept, so hashes over times are stable.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else utc_from_stored(value)


def utc_from_stored(value: Any) -> datetime:
    """A time as a driver returns it (SQLite: text; PostgreSQL: a datetime), in UTC."""
    if isinstance(value, str):
        if len(value) == 26:  # as SQLite keeps what we write: naive UTC, to the microsecond
            return datetime.fromisoformat(value + "+00:00")
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
