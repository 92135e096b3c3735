"""Where a written time falls: the fields of :class:`.grammar.Said` placed in time.

A date without its year (3月30日) or month (10日), or relative to an earlier entry
(当日, 次日), is placed against an :class:`Anchor`: the incident's own timeline when the
time is about one, a year given for a whole file, or else now. An hour is read through
the tables of :mod:`.forms`. Whatever has two plausible readings is refused with both
(:class:`Refusal`), never guessed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, NamedTuple

from yuqing_cli.timeutil import FUTURE_TOLERANCE, local, zone
from yuqing_cli.when.forms import (
    ANCHOR,
    DIAL,
    EXCEL_MERIDIEM,
    MERIDIEM,
    MORNING_PARTS,
    NEAR_INCIDENT_DAYS,
    NIGHT_PARTS,
    PARTS,
    RECENT_DAYS,
    SPOKEN,
    SPOKEN_ASK,
    HourRule,
)
from yuqing_cli.when.grammar import Said, Span, Written
from yuqing_cli.when.value import EPOCH, MAX_YEAR, MIN_YEAR, Anchor, When


class Setting(NamedTuple):
    """Everything a reading depends on besides the text."""

    tz: str
    now: datetime
    anchor: Anchor | None = None
    bare_24h: bool = False  # the plan reads 3点 as 03:00 (``time.bare_hour: 24h``)
    approximate: timedelta = timedelta(minutes=30)
    floor: datetime | None = None

    @property
    def today(self) -> date:
        return local(self.now, self.tz).date()


class Refusal(Exception):
    """Why a text is not read: a ``kind`` (see :mod:`.refusals`), where, and what for
    the hint."""

    def __init__(self, kind: str, span: Span | None = None, **data: Any) -> None:
        super().__init__(kind)
        self.kind = kind
        self.span = span
        self.data = data


class Days(NamedTuple):
    """Whole days ``[lo, hi)``: one day, a ten-day period, a month or a year."""

    lo: date
    hi: date
    kind: str = "day"  # "day", "month_early", "month_mid", "month_late", "month", "year"


# -- a whole written time ------------------------------------------------------------------


def resolve(written: Written, s: Setting) -> When:
    start = written.start
    if start.now:
        return When.exact(s.now)
    if start.unknown:
        lo = s.floor if s.floor is not None else EPOCH
        return When(lo, lo, max(lo, s.now), "unknown")
    if written.end is None:
        point = _point(start, s)
        if written.to_now:
            return When(point.lo, point.lo, max(point.lo, s.now), "range", "after")
        return point
    return _range(start, written.end, s)


def _point(said: Said, s: Setting) -> When:
    if said.ago is not None:
        return _ago(said, s)
    days = _days(said, s)
    _check_weekday(said, days)
    if said.has_clock:
        readings = _hour_readings(said, s)
        day = _clock_day(said, days, s)
        options = [_timed(said, day, r, s) for r in readings]
        if len(options) > 1:
            raise Refusal("readings", _span(said, "part", "clock"), readings=options)
        return _bounded(options[0], said, s)
    if said.more:
        raise Refusal("more_needs_hour", said.spans.get("more"))
    if said.part is not None:
        when = _part(days.lo if days else s.today, said.part, s.tz)
    else:
        assert days is not None  # the grammar reads a point only when it says something
        when = _days_when(days, s.tz)
    if said.about:
        raise Refusal("about_needs_time", said.spans.get("about"))
    return _bounded(when, said, s)


def _range(a: Said, b: Said, s: Setting) -> When:
    for said in (a, b):
        if said.bound or said.ago is not None:
            raise Refusal("bound_in_range", said.spans.get("bound") or said.spans.get("ago"))
    a_days = _days(a, s)
    _check_weekday(a, a_days)
    b_days = _days(b, s, base=a_days or Days(s.today, s.today + timedelta(days=1)))
    _check_weekday(b, b_days)
    starts = _ends(a, a_days, s)
    # The end's hour is read in the start's part of the day when it fits (下午3点到5点),
    # else as written (上午10点到2点: 14:00, the one reading after 10:00).
    carried = _ends(b, b_days or a_days, s, carried=a.part) if a.part else []
    pairs = [(x, y) for x in starts for y in carried if _follows(x, y)]
    if not pairs:
        ends = _ends(b, b_days or a_days, s)
        pairs = [(x, y) for x in starts for y in ends if _follows(x, y)]
        if not pairs and not b.has_date and _overnight(a, b):
            day = timedelta(days=1)
            pairs = [(x, y.shift(day)) for x in starts for y in ends if _follows(x, y.shift(day))]
    if not pairs:
        # 2024-11-23T14:30:00-05:00: a minus is a range here, never a time zone
        offset_like = a.second is not None and b.has_clock and not b.has_date
        span = _span(b, "date", "part", "clock")
        raise Refusal("backwards", span, next_day=not b.has_date, offset_like=offset_like)
    options = list(dict.fromkeys(When(x.lo, x.lo, y.hi, "range") for x, y in pairs))
    if len(options) > 1:  # the likeliest first: 3点到5点 is 03:00–05:00 or 15:00–17:00
        options.sort(key=lambda w: (w.hi - w.lo, w.lo))
        raise Refusal("readings", None, readings=options)
    return options[0]


def _ends(said: Said, days: Days | None, s: Setting, carried: str | None = None) -> list[When]:
    """The readings of one end of a range; ``carried``: only those in the start's part
    of the day, when the end has none of its own."""
    if carried is not None:
        if not said.has_clock or said.part is not None or said.meridiem is not None:
            return []
        part = PARTS[carried]
        readings = _apply(part.hours, said.hour or 0, part.ask)
        day = _clock_day(said, days, s)
        return [_timed(said, day, r, s) for r in readings]
    if said.has_clock:
        day = _clock_day(said, days, s)
        return [_timed(said, day, r, s) for r in _hour_readings(said, s)]
    if said.more:
        raise Refusal("more_needs_hour", said.spans.get("more"))
    if said.about:
        raise Refusal("about_needs_time", said.spans.get("about"))
    if said.part is not None:
        return [_part(days.lo if days else s.today, said.part, s.tz)]
    assert days is not None
    return [_days_when(days, s.tz)]


def _follows(start: When, end: When) -> bool:
    """The end of a range is not before its start (下午..上午 is refused)."""
    return end.lo >= start.lo and end.hi > start.lo


def _overnight(a: Said, b: Said) -> bool:
    """A range that ends before it starts crosses midnight when it runs from the night
    into the morning: 晚上10点到凌晨2点, 22:00-02:00 (never from a bare 点 hour)."""
    late = a.part in NIGHT_PARTS or (
        a.part is None and a.unit in ("时", ":") and a.hour is not None and a.hour >= 18
    )
    early = b.part in MORNING_PARTS or (
        b.part is None and b.unit in ("时", ":") and b.hour is not None and b.hour <= 6
    )
    return late and early


# -- the time of day ---------------------------------------------------------------------------

Reading = tuple[int, int]  # (days later, hour of that day)


def _apply(rules: tuple[HourRule, ...], hour: int, ask: tuple[Any, ...] = ()) -> list[Reading]:
    for rule in rules:
        if rule.first <= hour <= rule.last:
            return [(rule.days, hour + rule.hours)]
    for asked, (one, other) in ask:
        if asked == hour:
            return [(one.days, hour + one.hours), (other.days, hour + other.hours)]
    return []


def _hour_readings(said: Said, s: Setting) -> list[Reading]:
    """What the hour means: one reading, or two when it is asked (3点, 上午12点)."""
    assert said.hour is not None
    hour, minute, second = said.hour, said.minute or 0, said.second or 0
    clock = said.spans.get("clock")
    if minute > 59 or second > 59 or (hour == 24 and (minute or second or said.micro)):
        raise Refusal("not_real", clock)
    if said.excel and said.part in EXCEL_MERIDIEM:
        found = _apply(MERIDIEM[EXCEL_MERIDIEM[said.part]], hour)
        if not found:
            raise Refusal("contradiction", _span(said, "part", "clock"), dial=_dial(said))
        return found
    readings: list[Reading] | None = None
    if said.meridiem is not None:
        readings = _apply(MERIDIEM[said.meridiem], hour)
        if not readings:
            raise Refusal("contradiction", _span(said, "clock", "meridiem"), dial=_dial(said))
    if said.part is not None:
        part = PARTS[said.part]
        in_part = _apply(part.hours, hour, part.ask)
        both = in_part if readings is None else [r for r in readings if r in in_part]
        if not both:
            span = _span(said, "part", "clock", "meridiem")
            raise Refusal("contradiction", span, dial=_dial(said))
        return both
    if readings is not None:
        return readings
    dial = said.unit in ("时", ":") or s.bare_24h
    found = _apply(DIAL, hour) if dial else _apply(SPOKEN, hour, SPOKEN_ASK)
    if not found:
        raise Refusal("not_real", clock)
    return found


def _dial(said: Said) -> str | None:
    """The hour as a 24-hour time, to suggest in place of a contradiction."""
    hour, minute = said.hour or 0, said.minute or 0
    if said.meridiem == "pm" and hour < 12:
        hour += 12
    return f"{hour:02d}:{minute:02d}" if hour <= 23 else None


def _clock_day(said: Said, days: Days | None, s: Setting) -> date:
    if days is None:
        return s.today
    if days.kind != "day":
        raise Refusal("clock_on_period", said.spans.get("date"))
    return days.lo


def _timed(said: Said, day: date, reading: Reading, s: Setting) -> When:
    days, hour = reading
    clock = time(hour, said.minute or 0, said.second or 0, said.micro)
    tzinfo = zone(s.tz) if said.offset is None else timezone(timedelta(minutes=said.offset))
    at = datetime.combine(day + timedelta(days=days), clock, tzinfo=tzinfo).astimezone(UTC)
    if said.more and said.minute is None:  # 5点多: within that hour
        return When(at, at, at + timedelta(hours=1), "range")
    if said.about:
        return When(at, at - s.approximate, at + s.approximate, "approx")
    return When.exact(at)


def _bounded(when: When, said: Said, s: Setting) -> When:
    """``前`` and ``后``: up to the moment written, or from it (never past now)."""
    if said.bound == "before":
        if when.hi > s.now + FUTURE_TOLERANCE:  # before a day still to come: no record
            raise Refusal("future")
        lo = s.floor if s.floor is not None else EPOCH
        return When(when.hi, min(lo, when.hi), when.hi, "range", "before")
    if said.bound == "after":
        return When(when.lo, when.lo, max(when.lo, s.now), "range", "after")
    return when


def _part(day: date, part: str, tz: str) -> When:
    spec = PARTS[part]
    start = datetime.combine(day, time.min, tzinfo=zone(tz))
    lo = (start + timedelta(hours=spec.start)).astimezone(UTC)
    hi = (start + timedelta(hours=spec.end)).astimezone(UTC)
    return When(lo, lo, hi, "part", part)


def _days_when(days: Days, tz: str) -> When:
    lo = datetime.combine(days.lo, time.min, tzinfo=zone(tz)).astimezone(UTC)
    hi = datetime.combine(days.hi, time.min, tzinfo=zone(tz)).astimezone(UTC)
    if days.kind == "day":
        return When(lo, lo, hi, "date")
    return When(lo, lo, hi, "range", days.kind)


def _ago(said: Said, s: Setting) -> When:
    """30分钟前 (to the minute), 2小时前 (about), 3天前 (that day)."""
    assert said.ago is not None
    if said.ago_unit == 1440:
        if said.ago % 1440:
            raise Refusal("not_real", said.spans.get("ago"))
        day = s.today - timedelta(days=said.ago // 1440)
        return _bounded(_days_when(Days(day, day + timedelta(days=1)), s.tz), said, s)
    now = s.now.replace(second=0, microsecond=0)
    at = now - timedelta(minutes=said.ago)
    if said.ago_unit == 1 and not said.about:
        return When.exact(at)
    return When(at, at - s.approximate, at + s.approximate, "approx")


# -- the date ----------------------------------------------------------------------------------


def _days(said: Said, s: Setting, base: Days | None = None) -> Days | None:
    """The days a point is on; ``base``: a range's start, which the end's missing fields
    and relative words (次日) come from."""
    span = said.spans.get("date")
    if said.day_word is not None:
        origin, offset = said.day_word
        that = _origin(origin, s, base, span) + timedelta(days=offset)
        return Days(that, that + timedelta(days=1))
    if not said.has_date:
        return None
    year = said.year
    if year is not None and said.short_year:
        year = 2000 + year if 2000 + year <= s.today.year else 1900 + year
    month, day, tenday = said.month, said.day, said.tenday
    if said.year_word is not None:
        origin, offset = said.year_word
        year = _origin(origin, s, base, span).year + offset
    if said.month_word is not None:
        origin, offset = said.month_word
        first = _origin(origin, s, base, span).replace(day=1)
        year, month = _add_months(first.year, first.month, offset)
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise Refusal("year_range", span)
    if base is not None:
        return _inherit(said, s, base, year, month, day, tenday)
    if year is not None:
        return _build(year, month, day, tenday, span)
    if month is not None:
        in_year = month  # the month, for the candidate years

        def of_year(y: int, _m: int) -> Days:
            return _build(y, in_year, day, tenday, span, strict=False)

        return _pick("year", of_year, s, span)

    def of_month(y: int, m: int) -> Days:
        return _build(y, m, day, None, span, strict=False)

    return _pick("month", of_month, s, span)


def _inherit(
    said: Said, s: Setting, base: Days, year: int | None, month: int | None,
    day: int | None, tenday: int | None,
) -> Days:  # fmt: skip
    """A range's end: what it leaves out is the start's (6月10日至11日); an end that
    would fall before the start is in the next month or year (12月30日至1月2日)."""
    span = said.spans.get("date")
    written_year, written_month = year is not None, month is not None
    year = base.lo.year if year is None else year
    if month is None and (day is not None or tenday is not None):
        month = base.lo.month
    days = _build(year, month, day, tenday, span)
    if days.lo < base.lo and not written_year:
        if not written_month:
            year, month = _add_months(year, month or 1, 1)
        else:
            year += 1
        days = _build(year, month, day, tenday, span)
    return days


def _origin(origin: str, s: Setting, base: Days | None, span: Span | None) -> date:
    if origin != ANCHOR:
        return s.today
    if base is not None:
        return base.lo
    if s.anchor is not None and s.anchor.day is not None:
        return s.anchor.day
    raise Refusal("no_anchor", span)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _build(
    year: int, month: int | None, day: int | None, tenday: int | None,
    span: Span | None, *, strict: bool = True,
) -> Days:  # fmt: skip
    """The days of a written date; a date that does not exist is refused (``strict``)
    or None (a candidate year where 2月29日 does not exist)."""
    try:
        if month is None:
            return Days(date(year, 1, 1), date(year + 1, 1, 1), "year")
        first = date(year, month, 1)
        following = date(*_add_months(year, month, 1), 1)
        if day is not None:
            lo = date(year, month, day)
            return Days(lo, lo + timedelta(days=1))
        if tenday is not None:
            kinds = {1: "month_early", 2: "month_mid", 3: "month_late"}
            lo = first.replace(day=1 + 10 * (tenday - 1))
            hi = following if tenday == 3 else first.replace(day=11 + 10 * (tenday - 1))
            return Days(lo, hi, kinds[tenday])
        return Days(first, following, "month")
    except ValueError:
        if strict:
            raise Refusal("not_real", span) from None
        raise _NoSuchDay from None


class _NoSuchDay(Exception):
    pass


def _pick(kind: str, build: Any, s: Setting, span: Span | None) -> Days:
    """A date written without its year (``kind`` "year") or month ("month"): near the
    incident's timeline, in the year given, or recent; refused when not clear."""
    anchor = s.anchor
    if anchor is not None and anchor.day is None and anchor.year:
        if kind == "month":
            raise Refusal("no_month", span)
        try:
            return build(anchor.year, None)  # type: ignore[no-any-return]
        except _NoSuchDay:
            raise Refusal("not_real", span) from None
    ref = anchor.day if anchor is not None and anchor.day is not None else s.today
    if kind == "year":
        keys = [(ref.year + k, 0) for k in (-1, 0, 1)]
    else:
        keys = [_add_months(ref.year, ref.month, k) for k in (-2, -1, 0, 1, 2)]
    found: list[Days] = []
    for y, m in keys:
        try:
            found.append(build(y, m))
        except _NoSuchDay:
            continue
    found = [d for d in found if d.lo <= s.today]
    if anchor is not None and anchor.day is not None:
        if anchor.start is not None:
            found = [d for d in found if d.hi > anchor.start]
        first, last = sorted((anchor.start or anchor.day, anchor.day))
        near = [d for d in found if _gap(d, first, last) <= NEAR_INCIDENT_DAYS[kind]]
        if len(near) == 1:
            return near[0]
        if near:
            raise Refusal("two_dates", span, missing=kind, dates=near)
        raise Refusal("far", span, missing=kind, anchor=anchor.day)
    if not found:
        raise Refusal("too_old", span, missing=kind, latest=None)
    latest = max(found, key=lambda d: d.lo)
    if (s.today - latest.lo).days <= RECENT_DAYS[kind]:
        return latest
    raise Refusal("too_old", span, missing=kind, latest=latest)


def _gap(days: Days, first: date, last: date) -> int:
    """Days between a candidate and the timeline [first, last] (0 when they meet)."""
    if days.hi <= first:
        return (first - days.hi).days + 1
    if days.lo > last:
        return (days.lo - last).days
    return 0


def _check_weekday(said: Said, days: Days | None) -> None:
    if said.weekday is None:
        return
    span = said.spans.get("weekday")
    if days is None or days.kind != "day":
        raise Refusal("weekday_alone", span)
    if days.lo.weekday() != said.weekday:
        raise Refusal("weekday", span, day=days.lo, written=said.weekday)


def _span(said: Said, *names: str) -> Span | None:
    found = [said.spans[n] for n in names if n in said.spans]
    if not found:
        return None
    return min(a for a, _b in found), max(b for _a, b in found)
