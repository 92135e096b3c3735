"""Clock and time parsing. All instants are timezone-aware; the database keeps UTC.

Naive times given by a user are read in the plan's time zone (Asia/Shanghai for
the shipped plan), and times are shown in that zone too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from yuqing_cli.i18n import _

# How far in the future a given time may be before it is refused (clock skew).
FUTURE_TOLERANCE = timedelta(minutes=5)


def _system_clock() -> datetime:
    return datetime.now(UTC)


_clock = _system_clock


def utcnow() -> datetime:
    """The clock. Every recorded-at time comes from here."""
    return _clock()


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in ``tz``, in UTC."""
    start = datetime.combine(day, time.min, tzinfo=zone(tz))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def local(value: datetime, tz: str) -> datetime:
    return value.astimezone(zone(tz))


def today(tz: str, now: datetime | None = None) -> date:
    return local(now or utcnow(), tz).date()


def fmt(value: datetime | None, tz: str) -> str:
    """Show an instant in the plan's zone, to the minute."""
    if value is None:
        return "—"
    if value.tzinfo is UTC:
        # A long listing formats many times: the local form of each UTC hour is kept,
        # for zones whose offset that hour is a whole number of hours.
        key = (tz, value.year, value.month, value.day, value.hour)
        hour = _LOCAL_HOURS.get(key)
        if hour is None:
            hour = _local_hour(value, tz)
            if hour is None:
                return local(value, tz).strftime("%Y-%m-%d %H:%M")
            if len(_LOCAL_HOURS) > 100_000:
                _LOCAL_HOURS.clear()
            _LOCAL_HOURS[key] = hour
        return f"{hour}{value.minute:02d}"
    return local(value, tz).strftime("%Y-%m-%d %H:%M")


_LOCAL_HOURS: dict[tuple[str, int, int, int, int], str] = {}


def _local_hour(value: datetime, tz: str) -> str | None:
    """``2024-11-23 09:``, the local form of the UTC hour of ``value``, if the zone's
    offset is one whole number of hours all through it."""
    start = value.replace(minute=0, second=0, microsecond=0)
    first, last = local(start, tz), local(start + timedelta(minutes=59, seconds=59), tz)
    offset = first.utcoffset()
    if offset is None or offset != last.utcoffset() or offset % timedelta(hours=1):
        return None
    return first.strftime("%Y-%m-%d %H:")


def fmt_iso(value: datetime | None) -> str | None:
    """Stable machine form: UTC with an explicit offset, microseconds kept."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat()


def fmt_duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return sign + _("{days}d {hours}h").format(days=days, hours=hours)
    if hours:
        return sign + _("{hours}h {minutes:02d}m").format(hours=hours, minutes=mins)
    return sign + _("{minutes}m").format(minutes=mins)
