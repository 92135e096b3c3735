"""When something happened: an instant, or an honest interval around it.

Real timelines often know only "that afternoon", "on 31 March", "about four o'clock"
or nothing at all. A :class:`When` keeps what is known: the earliest and latest the
thing can have happened, the precision it was given with, and a nominal instant (the
time as written, or the start of the stated period) that orders events and decides
which day they belong to. Deadline verdicts use the interval, never a guess.

:func:`parse_when` reads the forms people type, in the plan's time zone. Everything
here is pure: no database, no printing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from datetime import tzinfo as tzinfo_
from typing import Any, Literal

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _
from yuqing_cli.timeutil import FUTURE_TOLERANCE, fmt, local, utcnow, zone

Precision = Literal["exact", "approx", "part", "date", "range", "unknown"]
PRECISIONS = frozenset(("exact", "approx", "part", "date", "range", "unknown"))
_PLAIN_KEYS = frozenset(("at", "lo", "hi", "p", "part"))

# The earliest instant an unbounded interval may start at (an unknown first-seen time).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Years outside this range are refused: they are typing mistakes, not records.
MIN_YEAR, MAX_YEAR = 1990, 2100


@dataclass(frozen=True, slots=True)
class When:
    """A happened time: nominal instant ``at`` within ``[lo, hi]``."""

    at: datetime
    lo: datetime
    hi: datetime
    precision: Precision = "exact"
    part: str = ""  # the part of the day, for precision "part" (an id of PARTS)

    @classmethod
    def exact(cls, at: datetime) -> When:
        return cls(at, at, at)

    @property
    def is_exact(self) -> bool:
        return self.lo == self.hi

    def shift(self, delta: timedelta) -> When:
        """The same uncertainty, ``delta`` later (a deadline from an uncertain origin)."""
        return When(self.at + delta, self.lo + delta, self.hi + delta, self.precision, self.part)

    def clip(self, lo: datetime | None = None, hi: datetime | None = None) -> When:
        """Narrow the interval by what is known from elsewhere (an ordering, the clock)."""
        new_lo = max(self.lo, lo) if lo is not None else self.lo
        new_hi = min(self.hi, hi) if hi is not None else self.hi
        if new_lo > new_hi:  # the bounds disagree with the interval: keep it as given
            return self
        at = min(max(self.at, new_lo), new_hi)
        return When(at, new_lo, new_hi, self.precision, self.part)

    # -- storage ------------------------------------------------------------------

    def to_data(self) -> dict[str, Any] | None:
        """What an event stores beside its ``happened_at`` column; None when exact."""
        if self.precision == "exact" and self.is_exact:
            return None
        data: dict[str, Any] = {"p": self.precision, "lo": iso(self.lo), "hi": iso(self.hi)}
        if self.part:
            data["part"] = self.part
        return data

    def to_dict(self) -> dict[str, Any]:
        """The whole value, for a time kept inside an event's data (e.g. first seen)."""
        return {"at": iso(self.at), **(self.to_data() or {})}

    def to_plain(self) -> str | dict[str, Any]:
        """The form kept in a state snapshot (:mod:`yuqing_cli.codec`): the instant's ISO
        text alone when it is exact, else the interval too."""
        at = self.at.isoformat()
        if self.precision == "exact" and self.at == self.lo == self.hi:
            return at
        plain = {"at": at, "lo": self.lo.isoformat(), "hi": self.hi.isoformat()}
        plain["p"] = self.precision
        if self.part:
            plain["part"] = self.part
        return plain

    @classmethod
    def from_plain(cls, data: Any) -> When:
        """Read :meth:`to_plain`'s form back; ValueError (or KeyError, TypeError) if it
        is not one."""
        if isinstance(data, str):
            at = datetime.fromisoformat(data)
            return cls(at, at, at)
        if not isinstance(data, dict) or not data.keys() <= _PLAIN_KEYS:
            raise ValueError("not a time")
        precision = data["p"]
        part = data.get("part", "")
        if precision not in PRECISIONS or not isinstance(part, str):
            raise ValueError("not a time")
        return cls(
            datetime.fromisoformat(data["at"]), datetime.fromisoformat(data["lo"]),
            datetime.fromisoformat(data["hi"]), precision, part,
        )  # fmt: skip

    @classmethod
    def from_dict(cls, data: Any) -> When:
        return cls.from_data(datetime.fromisoformat(data["at"]), data)

    @classmethod
    def from_data(cls, at: datetime, data: Any) -> When:
        if not isinstance(data, dict) or "lo" not in data:  # an exact time: no interval
            return cls.exact(at)
        return cls(
            at,
            datetime.fromisoformat(data["lo"]),
            datetime.fromisoformat(data["hi"]),
            data.get("p", "range"),
            data.get("part", ""),
        )


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def latest(a: When, b: When) -> When:
    """The later of two uncertain times (for "never before X")."""
    lo, hi = max(a.lo, b.lo), max(a.hi, b.hi)
    if a.is_exact and b.is_exact:
        return a if a.at >= b.at else b
    at = max(a.at, b.at)
    return When(at, lo, hi, "range")


# -- parts of the day ---------------------------------------------------------------------

# id -> (start hour, end hour in the same local day; past 24 runs into the next day)
PARTS: dict[str, tuple[int, int]] = {
    "early_morning": (0, 6),
    "morning_early": (5, 9),
    "morning": (6, 12),
    "noon": (11, 13),
    "afternoon": (12, 18),
    "dusk": (17, 19),
    "evening": (18, 24),
    "late_night": (22, 27),
    "daytime": (6, 18),
}
_PART_WORDS: dict[str, str] = {
    "凌晨": "early_morning",
    "早上": "morning_early",
    "早晨": "morning_early",
    "清晨": "morning_early",
    "上午": "morning",
    "中午": "noon",
    "下午": "afternoon",
    "傍晚": "dusk",
    "晚上": "evening",
    "晚间": "evening",
    "夜间": "evening",
    "深夜": "late_night",
    "白天": "daytime",
    "morning": "morning",
    "noon": "noon",
    "afternoon": "afternoon",
    "evening": "evening",
    "night": "late_night",
}


def part_name(part: str) -> str:
    """The part of the day in the interface language."""
    return {
        "early_morning": _("early morning"),
        "morning_early": _("early in the morning"),
        "morning": _("morning"),
        "noon": _("noon"),
        "afternoon": _("afternoon"),
        "dusk": _("dusk"),
        "evening": _("evening"),
        "late_night": _("late at night"),
        "daytime": _("daytime"),
    }.get(part, part)


# -- parsing ---------------------------------------------------------------------------------


def accepted_forms() -> str:
    return _(
        "accepted: 2026-11-29 9:30, 2026/11/29 9:30, 2026.11.29 09:30, 11月29日 9点, "
        "2024年11月23日9时15分, 今天 9:30, 昨天 14:30, 9:30 (today), now; a date "
        "2020-03-31; a part of a day 2020-02-26 下午; about ~2020-06-10 16:00; a range "
        "2022-06-10 14:00..18:00; unknown"
    )


@dataclass(frozen=True, slots=True)
class TimeRules:
    """What the plan says about times given by people."""

    tz: str
    approximate: timedelta = timedelta(minutes=30)
    allow_unknown: bool = True


_UNKNOWN = {"unknown", "不详", "未知", "时间不详", "不明"}
_NOW = {"now", "现在", "此刻"}
_APPROX_PREFIX = re.compile(r"^(?:~|约|大约|大概|about\s+|approx\.?\s*|ca\.\s*)\s*", re.I)
_APPROX_SUFFIX = re.compile(r"\s*(?:左右|前后)$")
_RANGE_SPLIT = re.compile(r"\s*(?:\.\.|至|到|–|—)\s*")
# ISO 8601 with an offset (or a "T"), e.g. 2024-11-23T14:30:00+08:00 or 2024-11-23 14:30Z.
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
    r"| (\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))$",
    re.I,
)
_DATE_NUMERIC = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DATE_MONTH_DAY = re.compile(r"(\d{1,2})[-/](\d{1,2})(?=\s|$)")
_DATE_CN = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")
_RELATIVE_DAYS = {
    "今天": 0,
    "今日": 0,
    "today": 0,
    "昨天": -1,
    "昨日": -1,
    "yesterday": -1,
    "前天": -2,
}
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$")
_CLOCK_CN = re.compile(r"(\d{1,2})[点时](?:(\d{1,2})分?|(半))?(?:钟)?$")
_AMPM = re.compile(r"^(.*?)\s*(am|pm)$", re.I)


class _Unreadable(Exception):
    pass


class _OutOfRange(Exception):
    pass


def _checked(day: date) -> date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise _OutOfRange
    return day


def _normalise(text: str) -> str:
    # Full-width digits, colons and letters become their ASCII forms.
    import unicodedata

    value = unicodedata.normalize("NFKC", text).strip()
    return re.sub(r"\s+", " ", value)


def parse_when(
    text: str,
    rules: TimeRules,
    *,
    now: datetime | None = None,
    floor: datetime | None = None,
    what: str = "",
) -> When:
    """Read a happened time as people write it, in the plan's time zone.

    ``floor`` is the earliest the thing can have happened (e.g. the incident's
    detection): it bounds an ``unknown`` time, and narrows an interval that reaches
    before it. Times in the future are refused; an interval is cut at the clock.
    """
    now = now or utcnow()
    raw = text
    quick = _PLAIN.match(text)
    if quick is not None:  # the common 2024-11-23 09:15: read directly
        try:
            when = _plain(quick, rules.tz)
        except ValueError:
            when = None
        if when is not None and when.at <= now + FUTURE_TOLERANCE:
            return when
    value = _normalise(text)
    if any(ord(c) >= 0xD800 and ord(c) < 0xE000 for c in value):
        raise _error(raw, what)
    try:
        when = _parse(value, rules, now, floor)
    except _Unreadable:
        raise _error(raw, what) from None
    except _OutOfRange:
        raise _year_error(raw) from None
    except (ValueError, OverflowError):
        raise BadInput(
            _("{text!r} is not a real date or time").format(text=raw),
            hint=accepted_forms(),
        ) from None
    if when.lo > now + FUTURE_TOLERANCE:
        raise BadInput(
            _("the time {text!r} is in the future").format(text=raw),
            hint=_("give when it happened; it is now {now}").format(
                now=local(now, rules.tz).strftime("%Y-%m-%d %H:%M")
            ),
        )
    return when.clip(floor, now) if not when.is_exact else when


_PLAIN = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\Z")


def _plain(m: re.Match[str], tz: str) -> When | None:
    """``YYYY-MM-DD HH:MM[:SS]`` as :func:`_point` reads it (None: let it explain)."""
    year = int(m[1])
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    local_dt = datetime(
        year, int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), tzinfo=zone(tz)
    )
    return When.exact(local_dt.astimezone(UTC))


def _year_error(raw: str) -> BadInput:
    return BadInput(
        _("the year in {text!r} is out of range ({low}–{high})").format(
            text=raw, low=MIN_YEAR, high=MAX_YEAR
        ),
        hint=_("give the year in full, e.g. 2024-11-23"),
    )


def _error(raw: str, what: str) -> BadInput:
    message = (
        _("cannot read the time {text!r} for {what}").format(text=raw, what=what)
        if what
        else _("cannot read the time {text!r}").format(text=raw)
    )
    return BadInput(message, hint=accepted_forms())


def _parse(value: str, rules: TimeRules, now: datetime, floor: datetime | None) -> When:
    lowered = value.lower()
    if lowered in _NOW:
        return When.exact(now)
    if lowered in _UNKNOWN:
        if not rules.allow_unknown:
            raise BadInput(
                _("the plan does not allow an unknown time here"),
                hint=_("give at least the day, e.g. 2020-03-31, or a part of it: 2020-03-31 下午"),
            )
        lo = floor if floor is not None else EPOCH
        return When(lo, lo, max(lo, now), "unknown")
    approx = False
    stripped = _APPROX_PREFIX.sub("", value)
    stripped = _APPROX_SUFFIX.sub("", stripped)
    if stripped != value:
        approx, value = True, stripped
    parts = _RANGE_SPLIT.split(value)
    if len(parts) == 2 and not approx:
        return _range(parts[0], parts[1], rules, now)
    if len(parts) != 1:
        raise _Unreadable
    point = _point(value, rules.tz, now, None)
    if approx:
        if point.precision != "exact":
            raise BadInput(
                _("“about” needs a time of day, e.g. ~2020-06-10 16:00"),
                hint=_("for a whole day or a part of it, give just that: 2020-06-10 下午"),
            )
        return When(point.at, point.at - rules.approximate, point.at + rules.approximate, "approx")
    return point


def _range(first: str, second: str, rules: TimeRules, now: datetime) -> When:
    start = _point(first, rules.tz, now, None)
    # "2022-06-10 14:00..18:00": the end may omit the day of the start.
    end = _point(second, rules.tz, now, local(start.lo, rules.tz).date())
    lo, hi = start.lo, end.hi
    if hi < lo:
        raise BadInput(
            _("the range {first}..{second} ends before it starts").format(
                first=first, second=second
            ),
            hint=_("give the earlier time first"),
        )
    return When(lo, lo, hi, "range")


def _day_of(value: str, tz: str, now: datetime, year: int | None = None) -> tuple[date | None, str]:
    """Split off a leading date; returns (the date or None, the rest).

    ``year`` allows a bare month and day (``06-11``), as the end of a range.
    """
    today = local(now, tz).date()
    for word, offset in _RELATIVE_DAYS.items():
        if value.lower().startswith(word):
            return today + timedelta(days=offset), value[len(word) :].strip()
    m = _DATE_NUMERIC.match(value)
    if m:
        if not MIN_YEAR <= int(m[1]) <= MAX_YEAR:
            raise _OutOfRange
        return date(int(m[1]), int(m[2]), int(m[3])), value[m.end() :].strip()
    m = _DATE_CN.match(value)
    if m:
        if m[1]:
            return _checked(date(int(m[1]), int(m[2]), int(m[3]))), value[m.end() :].strip()
        day = date(year or today.year, int(m[2]), int(m[3]))
        if year is None and day > today:  # "12月30日" typed on 2 January: last year's
            day = date(today.year - 1, int(m[2]), int(m[3]))
        return day, value[m.end() :].strip()
    m = _DATE_MONTH_DAY.match(value)
    if m and year is not None:
        return date(year, int(m[1]), int(m[2])), value[m.end() :].strip()
    return None, value


def _point(value: str, tz: str, now: datetime, default_day: date | None) -> When:
    """One point: a date, a date and a time, a date and a part of the day, or a time."""
    m = _ISO.match(value)
    if m:
        if not MIN_YEAR <= int(m[1]) <= MAX_YEAR:
            raise _OutOfRange
        return When.exact(_iso_instant(m, tz))
    day, rest = _day_of(value, tz, now, default_day.year if default_day else None)
    if day is None:
        day = default_day or local(now, tz).date()
    elif not rest:
        start = datetime.combine(day, time.min, tzinfo=zone(tz))
        # In UTC like every stored instant: a state folded now and one replayed from the
        # stored events must encode the same.
        lo = start.astimezone(UTC)
        return When(lo, lo, (start + timedelta(days=1)).astimezone(UTC), "date")
    rest = rest.strip().lstrip(",，").strip()
    part = None
    for word, part_id in sorted(_PART_WORDS.items(), key=lambda kv: -len(kv[0])):
        if rest.lower().startswith(word):
            part, rest = part_id, rest[len(word) :].strip()
            break
    if not rest:
        if part is None:
            raise _Unreadable
        begin, end = PARTS[part]
        start = datetime.combine(day, time.min, tzinfo=zone(tz))
        lo = (start + timedelta(hours=begin)).astimezone(UTC)
        hi = (start + timedelta(hours=end)).astimezone(UTC)
        return When(lo, lo, hi, "part", part)
    hour, minute, second, micro = _clock(rest)
    if part in ("afternoon", "evening", "dusk") and hour < 12:
        hour += 12
    elif part == "noon" and hour < 11:
        hour += 12
    elif part in ("early_morning", "late_night") and hour == 12:
        hour = 0
    if part == "late_night" and hour < 6:  # "深夜1点" is after midnight
        day += timedelta(days=1)
    elif part == "late_night" and hour < 12:
        hour += 12
    local_dt = datetime.combine(day, time(hour, minute, second, micro), tzinfo=zone(tz))
    return When.exact(local_dt.astimezone(UTC))


def _clock(rest: str) -> tuple[int, int, int, int]:
    ampm = _AMPM.match(rest)
    suffix = None
    if ampm:
        rest, suffix = ampm[1], ampm[2].lower()
    m = _CLOCK.match(rest)
    if m:
        hour, minute = int(m[1]), int(m[2])
        second = int(m[3] or 0)
        micro = int(round(float(m[4]) * 1_000_000)) if m[4] else 0
    else:
        m = _CLOCK_CN.match(rest)
        if not m:
            raise _Unreadable
        hour = int(m[1])
        minute = 30 if m[3] else int(m[2] or 0)
        second = micro = 0
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("clock out of range")
    return hour, minute, second, micro


def _iso_instant(m: re.Match[str], tz: str) -> datetime:
    g = m.groups()
    hour, minute, second, fraction, offset = g[3:8] if g[3] is not None else g[8:13]
    micro = int(round(float(fraction) * 1_000_000)) if fraction else 0
    tzinfo: tzinfo_ = zone(tz)
    if offset:
        if offset.upper() == "Z":
            tzinfo = UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            tzinfo = timezone(sign * delta)
    value = datetime(
        int(g[0]), int(g[1]), int(g[2]), int(hour), int(minute), int(second or 0), micro, tzinfo
    )
    return value.astimezone(UTC)


def parse_day(text: str, tz: str, *, now: datetime | None = None) -> date:
    """A calendar day as people write it: 2024-11-23, 2024/11/23, 11月23日, 昨天."""
    now = now or utcnow()
    value = _normalise(text)
    try:
        day, rest = _day_of(value, tz, now)
    except _OutOfRange:
        raise _year_error(text) from None
    except ValueError:
        day, rest = None, "x"
    if day is None or rest:
        raise BadInput(
            _("cannot read the date {text!r}").format(text=text),
            hint=_("use e.g. 2024-11-23, 2024/11/23, 11月23日, 今天 or 昨天"),
        )
    return day


# -- showing ---------------------------------------------------------------------------------


# The Chinese word of each part of the day, as the parser reads it back.
PART_ZH = {
    "early_morning": "凌晨",
    "morning_early": "早上",
    "morning": "上午",
    "noon": "中午",
    "afternoon": "下午",
    "dusk": "傍晚",
    "evening": "晚上",
    "late_night": "深夜",
    "daytime": "白天",
}


def show_when(value: When | None, tz: str, *, chinese: bool = False) -> str:
    """A happened time as it was given: ``2020-02-26 下午``, ``~2020-06-10 16:00``…

    ``chinese``: the words in Chinese whatever the interface language (documents such
    as the ledger); :func:`parse_when` reads every form back.
    """
    if value is None:
        return "—"
    if value.precision == "exact" and value.lo == value.hi:
        return fmt(value.at, tz)
    if value.precision == "unknown":
        return "不详" if chinese else _("unknown")
    lo = local(value.lo, tz)
    if value.precision == "date":
        return lo.strftime("%Y-%m-%d")
    if value.precision == "part":
        name = PART_ZH.get(value.part, value.part) if chinese else part_name(value.part)
        return f"{lo.strftime('%Y-%m-%d')} {name}"
    if value.precision == "approx":
        return "~" + local(value.at, tz).strftime("%Y-%m-%d %H:%M")
    if value.is_exact:
        return local(value.at, tz).strftime("%Y-%m-%d %H:%M")
    hi = local(value.hi, tz)
    end = hi.strftime("%H:%M") if hi.date() == lo.date() else hi.strftime("%m-%d %H:%M")
    return f"{lo.strftime('%Y-%m-%d %H:%M')}–{end}"
