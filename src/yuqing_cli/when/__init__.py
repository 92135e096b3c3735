"""Times as people write them, read into honest intervals (:class:`When`).

One reader for every input: command options, import cells, batch lines. The forms it
understands are tables (:mod:`.forms`); the text is cut into words (:mod:`.lexer`),
read into fields (:mod:`.grammar`) and placed in time (:mod:`.resolve`) against an
:class:`Anchor`. A time is read only when its meaning is certain; otherwise it is
refused with what was not understood and a form that would be read (:mod:`.refusals`).
The conventions and their sources are in ``docs/time.md``. Everything here is pure: no
database, no printing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _
from yuqing_cli.timeutil import FUTURE_TOLERANCE, utcnow, zone
from yuqing_cli.when.show import PART_ZH, part_name, show_when
from yuqing_cli.when.value import (
    EPOCH,
    MAX_YEAR,
    MIN_YEAR,
    PRECISIONS,
    Anchor,
    When,
    iso,
    latest,
)

__all__ = [
    "EPOCH",
    "MAX_YEAR",
    "MIN_YEAR",
    "PART_ZH",
    "PRECISIONS",
    "Anchor",
    "TimeRules",
    "When",
    "from_serial",
    "iso",
    "latest",
    "parse_day",
    "parse_when",
    "part_name",
    "read_cell",
    "show_when",
]

BareHour = Literal["ask", "24h"]


@dataclass(frozen=True, slots=True)
class TimeRules:
    """What the plan says about times given by people."""

    tz: str
    approximate: timedelta = timedelta(minutes=30)
    allow_unknown: bool = True
    bare_hour: BareHour = "ask"  # 3点 with no part of the day: asked, or read as 03:00


def parse_when(
    text: str,
    rules: TimeRules,
    *,
    now: datetime | None = None,
    floor: datetime | None = None,
    anchor: Anchor | None = None,
    what: str = "",
) -> When:
    """Read a happened time as people write it, in the plan's time zone.

    ``floor`` is the earliest the thing can have happened (e.g. the incident's
    detection): it bounds an ``unknown`` time and a "before" (10时前), and narrows an
    interval that reaches before it. ``anchor`` places a date written without its year
    or month, and 当日/次日 (see :class:`Anchor`); without one, such a date is read only
    when recent. Times in the future are refused; an interval is cut at the clock.
    """
    # The reader's tables load with the first time read, not with every command.
    from yuqing_cli.when.grammar import NotUnderstood, read
    from yuqing_cli.when.lexer import MAX_LENGTH, normalise, tokens
    from yuqing_cli.when.resolve import Refusal, Setting, resolve

    now = now or utcnow()
    setting = Setting(rules.tz, now, anchor, rules.bare_hour == "24h", rules.approximate, floor)
    value = normalise(text)
    try:
        if len(value) > MAX_LENGTH:
            raise Refusal("too_long")
        words = tokens(value)
        unknown = next((t for t in words if t.kind == "?"), None)
        if unknown is not None:
            raise NotUnderstood((unknown.start, unknown.end))
        when = resolve(read(words), setting)
    except NotUnderstood as error:
        from yuqing_cli.when import refusals

        raise refusals.unreadable(error, value, what, setting) from None
    except Refusal as refusal:
        from yuqing_cli.when import refusals

        raise refusals.explain(refusal, value, what, setting) from None
    if when.precision == "unknown" and not rules.allow_unknown:
        raise BadInput(
            _("the plan does not allow an unknown time here"),
            hint=_("give at least the day, e.g. 2020-03-31, or a part of it: 2020-03-31 下午"),
        )
    when = _finish(when, value, rules.tz, now, floor)
    if not value.isascii():
        when = when.as_written(value)
    return when


def _finish(when: When, text: str, tz: str, now: datetime, floor: datetime | None) -> When:
    """Refuse a time in the future; cut an interval at the clock and at the floor."""
    if when.lo > now + FUTURE_TOLERANCE:
        from yuqing_cli.when import refusals

        raise refusals.future(text, now, tz)
    return when.clip(floor, now) if not when.is_exact else when


def parse_day(
    text: str, tz: str, *, now: datetime | None = None, anchor: Anchor | None = None
) -> date:
    """A calendar day as people write it: 2024-11-23, 2024/11/23, 11月23日, 昨天."""
    when = parse_when(text, TimeRules(tz, allow_unknown=False), now=now, anchor=anchor)
    if when.precision != "date":
        raise BadInput(
            _("{text!r} is not a day").format(text=text),
            hint=_("use e.g. 2024-11-23, 2024/11/23, 11月23日, 今天 or 昨天"),
        )
    return when.lo.astimezone(zone(tz)).date()


# -- cells of an imported table -----------------------------------------------------------------

# Excel's (and LibreOffice's) day numbers count from 1899-12-30.
_SERIAL_EPOCH = datetime(1899, 12, 30)
_SERIALS = (
    (datetime(MIN_YEAR, 1, 1) - _SERIAL_EPOCH).days,
    (datetime(MAX_YEAR + 1, 1, 1) - _SERIAL_EPOCH).days,
)


def from_serial(value: float, tz: str) -> When:
    """An Excel serial number (days since 1899-12-30, the fraction the time of day), in
    the plan's zone: a whole number is that day, a fraction the instant to the second."""
    if not math.isfinite(value) or not _SERIALS[0] <= value < _SERIALS[1]:
        raise BadInput(
            _("{value} is not a date (as a spreadsheet's day number)").format(value=value),
            hint=_("give the time as text, e.g. 2024-11-23 09:30"),
        )
    whole = math.floor(value)
    seconds = round((value - whole) * 86400)
    day = (_SERIAL_EPOCH + timedelta(days=whole)).date()
    start = datetime.combine(day, time.min, tzinfo=zone(tz))
    if seconds == 0 and value == whole:
        lo = start.astimezone(UTC)
        return When(lo, lo, (start + timedelta(days=1)).astimezone(UTC), "date")
    return When.exact((start + timedelta(seconds=seconds)).astimezone(UTC))


def read_cell(
    value: object,
    rules: TimeRules,
    *,
    now: datetime | None = None,
    floor: datetime | None = None,
    anchor: Anchor | None = None,
    what: str = "",
) -> When:
    """A time in an imported cell: a datetime (naive: in the plan's zone), a date, a
    spreadsheet's day number, or text (as :func:`parse_when`)."""
    now = now or utcnow()
    if isinstance(value, datetime):
        at = value.replace(tzinfo=zone(rules.tz)) if value.tzinfo is None else value
        when = When.exact(at.astimezone(UTC))
        return _finish(when, at.strftime("%Y-%m-%d %H:%M"), rules.tz, now, floor)
    if isinstance(value, date):
        start = datetime.combine(value, time.min, tzinfo=zone(rules.tz))
        lo = start.astimezone(UTC)
        when = When(lo, lo, (start + timedelta(days=1)).astimezone(UTC), "date")
        return _finish(when, value.isoformat(), rules.tz, now, floor)
    if isinstance(value, int | float) and not isinstance(value, bool):
        when = from_serial(float(value), rules.tz)
        return _finish(when, str(value), rules.tz, now, floor)
    return parse_when(str(value), rules, now=now, floor=floor, anchor=anchor, what=what)
