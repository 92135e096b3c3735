"""Column types shared by the tables and the migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _


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

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """The driver's and our conversion, a value yq never writes (a time edited by
        hand) turned into :class:`StoredValueError` instead of a crash."""
        convert = super().result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            try:
                return convert(value) if convert is not None else value
            except StoredValueError:
                raise
            except (ValueError, TypeError, AssertionError, OverflowError):
                raise StoredValueError(value) from None

        return process


class StoredValueError(YqError, ValueError):
    """A stored value yq never writes (e.g. a time column edited by hand): exit 1, one
    line, pointing at `yq verify`. Still a ValueError for the code that checks rows."""

    def __init__(self, value: Any) -> None:
        shown = repr(value)  # escaped again where it is printed
        super().__init__(
            _("the database holds a time yq never writes ({value}): it was edited by hand").format(
                value=shown if len(shown) <= 40 else shown[:40] + "…"
            ),
            hint=_("`yq verify` shows where; restore the row from a backup"),
        )


def utc_from_stored(value: Any) -> datetime:
    """A time as a driver returns it (SQLite: text; PostgreSQL: a datetime), in UTC.
    Anything else raises :class:`StoredValueError`."""
    try:
        if isinstance(value, str):
            if len(value) == 26:  # as SQLite keeps what we write: naive UTC, to the µs
                return datetime.fromisoformat(value + "+00:00")
            value = datetime.fromisoformat(value)
        if not isinstance(value, datetime):
            raise TypeError(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, TypeError, OverflowError):
        raise StoredValueError(value) from None
