"""When something happened: an instant, or an honest interval around it.

Real timelines often know only "that afternoon", "on 31 March", "about four o'clock"
or nothing at all. A :class:`When` keeps what is known: the earliest and latest the
thing can have happened, the precision it was given with, and a nominal instant (the
time as written, or the start of the stated period) that orders events and decides
which day they belong to. Deadline verdicts use the interval, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, NamedTuple

Precision = Literal["exact", "approx", "part", "date", "range", "unknown"]
PRECISIONS = frozenset(("exact", "approx", "part", "date", "range", "unknown"))
_PLAIN_KEYS = frozenset(("at", "lo", "hi", "p", "part", "written"))

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
    # What the interval is: for precision "part", the part of the day (an id of
    # forms.PARTS); for "range", a period ("month", "month_early" (上旬), "month_mid",
    # "month_late", "year") or a half-open bound ("before", "after"); else "".
    part: str = ""
    # The text as it was typed, when it differs from how it is shown (6月10日晚上1点,
    # 当日15时许): kept with the time, not part of its value.
    written: str = field(default="", compare=False)

    @classmethod
    def exact(cls, at: datetime) -> When:
        return cls(at, at, at)

    @property
    def is_exact(self) -> bool:
        return self.lo == self.hi

    def shift(self, delta: timedelta) -> When:
        """The same uncertainty, ``delta`` later (a deadline from an uncertain origin)."""
        at, lo, hi = self.at + delta, self.lo + delta, self.hi + delta
        return When(at, lo, hi, self.precision, self.part, self.written)

    def clip(self, lo: datetime | None = None, hi: datetime | None = None) -> When:
        """Narrow the interval by what is known from elsewhere (an ordering, the clock)."""
        new_lo = max(self.lo, lo) if lo is not None else self.lo
        new_hi = min(self.hi, hi) if hi is not None else self.hi
        if new_lo > new_hi:  # the bounds disagree with the interval: keep it as given
            return self
        at = min(max(self.at, new_lo), new_hi)
        return When(at, new_lo, new_hi, self.precision, self.part, self.written)

    def as_written(self, text: str) -> When:
        """The same time, keeping the text it was typed as."""
        return When(self.at, self.lo, self.hi, self.precision, self.part, text)

    # -- storage ------------------------------------------------------------------

    def to_data(self) -> dict[str, Any] | None:
        """What an event stores beside its ``happened_at`` column; None when exact and
        typed as shown."""
        if self.precision == "exact" and self.is_exact:
            return {"written": self.written} if self.written else None
        data: dict[str, Any] = {"p": self.precision, "lo": iso(self.lo), "hi": iso(self.hi)}
        if self.part:
            data["part"] = self.part
        if self.written:
            data["written"] = self.written
        return data

    def to_dict(self) -> dict[str, Any]:
        """The whole value, for a time kept inside an event's data (e.g. first seen)."""
        return {"at": iso(self.at), **(self.to_data() or {})}

    def to_plain(self) -> str | dict[str, Any]:
        """The form kept in a state snapshot (:mod:`yuqing_cli.codec`): the instant's ISO
        text alone when it is exact, else the interval too."""
        at = self.at.isoformat()
        if self.precision == "exact" and self.at == self.lo == self.hi:
            return {"at": at, "written": self.written} if self.written else at
        plain = {"at": at, "lo": self.lo.isoformat(), "hi": self.hi.isoformat()}
        plain["p"] = self.precision
        if self.part:
            plain["part"] = self.part
        if self.written:
            plain["written"] = self.written
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
        written = data.get("written", "")
        if not isinstance(written, str):
            raise ValueError("not a time")
        if "lo" not in data:  # exact, with the text it was typed as
            at = datetime.fromisoformat(data["at"])
            return cls(at, at, at, written=written)
        precision = data["p"]
        part = data.get("part", "")
        if precision not in PRECISIONS or not isinstance(part, str):
            raise ValueError("not a time")
        return cls(
            datetime.fromisoformat(data["at"]), datetime.fromisoformat(data["lo"]),
            datetime.fromisoformat(data["hi"]), precision, part, written,
        )  # fmt: skip

    @classmethod
    def from_dict(cls, data: Any) -> When:
        return cls.from_data(datetime.fromisoformat(data["at"]), data)

    @classmethod
    def from_data(cls, at: datetime, data: Any) -> When:
        if not isinstance(data, dict):
            return cls.exact(at)
        written = data.get("written", "")
        written = written if isinstance(written, str) else ""
        if "lo" not in data:  # an exact time: no interval
            return cls(at, at, at, written=written)
        return cls(
            at,
            datetime.fromisoformat(data["lo"]),
            datetime.fromisoformat(data["hi"]),
            data.get("p", "range"),
            data.get("part", ""),
            written,
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


class Anchor(NamedTuple):
    """What a date written without its year or month, or relative to an earlier entry,
    is read against.

    ``start``: the earliest day the time can be on (an incident's detection): a date
    without its year is never read before it. ``last``: the day of the previous entry
    (当日 is that day, 次日 the next); without it, ``start``. ``year``: a year given for
    a whole input (an imported file's), used when no day is given.
    """

    start: date | None = None
    last: date | None = None
    year: int | None = None

    @property
    def day(self) -> date | None:
        return self.last or self.start

    @classmethod
    def incident(cls, detected: When, last: When | None, tz: str) -> Anchor:
        """An incident's timeline: a date written without its year is never before the
        day of ``detected``; 当日 is the day of ``last`` (its previous entry), else of
        its detection."""
        from yuqing_cli.timeutil import local

        start = local(detected.lo, tz).date()
        return cls(start, local(last.at, tz).date() if last is not None else None)
