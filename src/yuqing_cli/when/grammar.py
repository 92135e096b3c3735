"""What a text says, before it is placed in time: the fields of :class:`Said`.

A written time is one point, or two joined by a range word (至, 到, -, ~, —, 或)::

    [从|于] [约|~] [date] [(weekday)] [part of the day] [time of day] [am/pm]
           [Z|+08:00] [多] [许|左右 | 前|后|起]

where the date and the time of day are each one of the shapes of :mod:`.forms`, and
"… ago" (30分钟前) is a point of its own. This module only reads the words in that
order; :mod:`.resolve` gives them their meaning.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

from yuqing_cli.when.forms import AGO_SHAPES, CLOCK_SHAPES, DATE_SHAPES, END_DATE_SHAPES
from yuqing_cli.when.lexer import Token

Span = tuple[int, int]
JOINTS = ("to", "-", "~")  # the words between the two ends of a range


class Said:
    """One point of a written time: each field as written, or None. (A plain class: it
    is built for every time read, and defined on the first.)"""

    year: int | None = None
    short_year: bool = False  # written with two digits (98年)
    month: int | None = None
    day: int | None = None
    year_word: tuple[str, int] | None = None
    month_word: tuple[str, int] | None = None
    day_word: tuple[str, int] | None = None
    tenday: int | None = None
    weekday: int | None = None
    part: str | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    micro: int = 0
    unit: str = ""  # of the hour: "时" or ":" (24-hour), "点" (spoken)
    meridiem: str | None = None
    offset: int | None = None  # minutes east of UTC, for 2024-11-23T06:30Z
    more: bool = False  # 5点多: some time in that hour
    about: bool = False
    bound: str | None = None  # "before" or "after"
    ago: int | None = None  # minutes before now
    ago_unit: int = 0  # the unit it was given in, in minutes (1, 60, 1440)
    now: bool = False
    unknown: bool = False
    excel: bool = False  # 2022/6/10 上午 12:30:00, as Excel shows a time in Chinese
    spans: dict[str, Span]  # where each part is in the text, for hints

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)
        self.spans = fields.get("spans", {})

    @property
    def has_date(self) -> bool:
        return not all(
            v is None
            for v in (self.year, self.month, self.day, self.tenday)
            + (self.year_word, self.month_word, self.day_word)
        )

    @property
    def has_clock(self) -> bool:
        return self.hour is not None


class Written(NamedTuple):
    """A whole written time: one point, or a range ``start`` to ``end``."""

    start: Said
    end: Said | None = None
    to_now: bool = False  # 6月10日至今


class NotUnderstood(Exception):
    """The words in ``span`` do not fit: what a hint points at."""

    def __init__(self, span: Span, why: str = "", **data: Any) -> None:
        super().__init__(why)
        self.span = span
        self.why = why
        self.data = data


# -- shapes --------------------------------------------------------------------------------

_FIELD = re.compile(r"\{(\w+)\}")
_KIND_OF = {"前": "before"}  # a character of a shape that is a word of another kind


@cache
def _shapes(table: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The shapes of a table as atoms: ("field", name) or ("word", kind)."""
    texts = {
        "date": DATE_SHAPES,
        "end_date": END_DATE_SHAPES,
        "clock": CLOCK_SHAPES,
        "ago": AGO_SHAPES,
    }[table]
    shapes = []
    for text in texts:
        atoms: list[tuple[str, str]] = []
        pos = 0
        for m in _FIELD.finditer(text):
            atoms += [("word", _KIND_OF.get(ch, ch)) for ch in text[pos : m.start()]]
            atoms.append(("field", m[1]))
            pos = m.end()
        atoms += [("word", _KIND_OF.get(ch, ch)) for ch in text[pos:]]
        shapes.append(tuple(atoms))
    return tuple(shapes)


# What may fill a field: a number of so many digits, or a word of that kind.
_DIGITS: dict[str, tuple[int, ...]] = {
    "year": (4,),
    "yy": (2,),
    "ymd": (8,),
    "month": (1, 2),
    "day": (1, 2),
    "hour": (1, 2),
    "minute": (1, 2),
    "mm": (2,),
    "second": (2,),
    "quarters": (1,),
    "amount": (1, 2, 3),
    "fraction": (1, 2, 3, 4, 5, 6),
}


def _fits(name: str, token: Token) -> bool:
    if name not in _DIGITS:
        return token.kind == name
    return token.kind == "num" and token.digits in _DIGITS[name]


def _match(table: str, toks: list[Token], i: int) -> tuple[dict[str, Token], int]:
    """The first shape of ``table`` that matches at ``i``: its fields, and its end."""
    for shape in _shapes(table):
        if i + len(shape) > len(toks):
            continue
        got: dict[str, Token] = {}
        for (kind, name), token in zip(shape, toks[i : i + len(shape)], strict=True):
            if kind == "word" and token.kind != name:
                break
            if kind == "field":
                if not _fits(name, token):
                    break
                got[name] = token
        else:
            return got, i + len(shape)
    return {}, i


# -- reading ---------------------------------------------------------------------------------


def read(toks: list[Token]) -> Written:
    """The points of a written time. Raises :class:`NotUnderstood`."""
    if not toks:
        raise NotUnderstood((0, 0))
    if len(toks) == 1 and toks[0].kind in ("now", "unknown"):
        return Written(Said(now=toks[0].kind == "now", unknown=toks[0].kind == "unknown"))
    i = _skip(toks, 0, ("lead",))
    try:
        start, k = _point(toks, i)
    except NotUnderstood as error:
        start, k, failed = None, i, error
    if k + 1 < len(toks) and toks[k].is_("num") and toks[k + 1].kind in JOINTS:
        return _dangling(toks, i, k + 1)
    if start is None:
        raise failed
    if k == len(toks):
        return Written(start)
    if toks[k].is_("to_now") and k + 1 == len(toks):
        return Written(start, to_now=True)
    if toks[k].kind not in JOINTS:
        raise NotUnderstood((toks[k].start, toks[-1].end))
    return Written(start, _end(toks, k + 1))


def _dangling(toks: list[Token], i: int, joint: int) -> Written:
    """A range whose start leaves out its last unit, the end's: 9~12点半 (9点),
    2019年4月12-19日 (12日)."""
    end = _end(toks, joint + 1)
    unit = _first_unit(toks, joint + 1)
    if unit is None:
        raise NotUnderstood((toks[i].start, toks[joint].end))
    start, k = _point([*toks[i:joint], unit], 0)
    if k != joint - i + 1:
        raise NotUnderstood((toks[i].start, toks[joint - 1].end))
    return Written(start, end)


def _end(toks: list[Token], i: int) -> Said:
    i = _skip(toks, i, ("lead",))
    if i >= len(toks):
        raise NotUnderstood((toks[-1].start, toks[-1].end))
    end, k = _point(toks, i, end=True)
    if k != len(toks):
        raise NotUnderstood((toks[k].start, toks[-1].end))
    return end


def _first_unit(toks: list[Token], i: int) -> Token | None:
    """The unit after the first number of a range's end: 点 in 12点半, 日 in 19日."""
    i = _skip(toks, i, ("lead",))
    units = ("年", "月", "日", "时", "点")
    if i + 1 < len(toks) and toks[i].is_("num") and toks[i + 1].kind in units:
        return toks[i + 1]
    return None


def _skip(toks: list[Token], i: int, kinds: tuple[str, ...]) -> int:
    while i < len(toks) and toks[i].kind in kinds:
        i += 1
    return i


def _point(toks: list[Token], i: int, *, end: bool = False) -> tuple[Said, int]:
    """One point from ``i`` (``end``: the end of a range): the fields it says, and
    where it ends."""
    first = i
    values: dict[str, Any] = {}
    spans: dict[str, Span] = {}

    def take(name: str, a: Token, b: Token) -> None:
        spans[name] = (a.start, b.end)

    if i < len(toks) and toks[i].is_("zone"):
        values["offset"] = toks[i].value
        i += 1
    if i < len(toks) and toks[i].kind in ("about", "~"):
        values["about"] = True
        take("about", toks[i], toks[i])
        i += 1
    if i < len(toks) and toks[i].is_("bound_en"):
        values["bound"] = toks[i].value
        take("bound", toks[i], toks[i])
        i += 1
    ago, j = _match("ago", toks, i)
    if ago:
        amount = ago["amount"].value * 2 if "amount" in ago else 0
        halves = amount + (1 if any(t.is_("半") for t in toks[i:j]) else 0)
        values["ago"] = halves * ago["duration"].value // 2
        values["ago_unit"] = ago["duration"].value
        take("ago", toks[i], toks[j - 1])
        return Said(**values, spans=spans), j
    said_something = False
    date, j = _match("date", toks, i)
    if not date and end:
        date, j = _match("end_date", toks, i)
    if date:
        _date_fields(date, values)
        take("date", toks[i], toks[j - 1])
        i, said_something = j, True
    i = _weekday(toks, i, values, spans)
    i = _skip(toks, i, (",", "filler", "t") if date else (",", "filler"))
    if date and i < len(toks) and toks[i].is_("about") and "about" not in values:
        values["about"] = True  # 6月10日约15时
        take("about", toks[i], toks[i])
        i += 1
    if i < len(toks) and toks[i].is_("part"):
        if "part" in values:  # 当晚晚上
            raise NotUnderstood((toks[i].start, toks[i].end))
        values["part"] = toks[i].value
        take("part", toks[i], toks[i])
        i, said_something = i + 1, True
    i = _skip(toks, i, (",",))
    clock, j = _match("clock", toks, i)
    if clock:
        _clock_fields(clock, toks[i:j], values)
        take("clock", toks[i], toks[j - 1])
        i, said_something = j, True
        i = _after_clock(toks, i, values, spans)
    if not said_something:
        raise NotUnderstood(_rest(toks, i))
    i = _suffix(toks, i, values, spans)
    if values.get("bound") == "before" and date and set(date) == {"day"} and not clock:
        # 10日前: before the 10th, or ten days ago (日 as in 三日前)?
        raise NotUnderstood(spans["date"], "day_or_ago", day=values["day"])
    if (
        clock
        and date
        and "second" in clock
        and values.get("part") in ("morning", "afternoon")
        and spans["part"][1] <= spans["clock"][0]
        and any(t.kind in ("/", "-") for t in toks[first:i])
    ):
        values["excel"] = True
    return Said(**values, spans=spans), i


def _rest(toks: list[Token], i: int) -> Span:
    if i >= len(toks):
        return (toks[-1].start, toks[-1].end)
    return (toks[i].start, toks[-1].end)


def _date_fields(got: dict[str, Token], values: dict[str, Any]) -> None:
    for name in ("year", "month", "day", "tenday", "year_word", "month_word", "day_word"):
        if name in got:
            values[name] = got[name].value
    if "ymd" in got:
        ymd = got["ymd"].value
        values["year"], values["month"], values["day"] = ymd // 10000, ymd // 100 % 100, ymd % 100
    if "yy" in got:
        values["year"], values["short_year"] = got["yy"].value, True
    if "day_part" in got:
        base, days, part = got["day_part"].value
        values["day_word"] = (base, days)
        values["part"] = part


def _clock_fields(got: dict[str, Token], toks: list[Token], values: dict[str, Any]) -> None:
    values["hour"] = got["hour"].value
    kinds = {t.kind for t in toks}
    values["unit"] = ":" if ":" in kinds else "时" if "时" in kinds else "点"
    if "minute" in got or "mm" in got:
        values["minute"] = (got.get("minute") or got["mm"]).value
    elif "quarters" in got:
        values["minute"] = got["quarters"].value * 15
    elif "半" in kinds:
        values["minute"] = 30
    if "second" in got:
        values["second"] = got["second"].value
    if "fraction" in got:
        digits = got["fraction"]
        values["micro"] = digits.value * 10 ** (6 - digits.digits)


_WEEKDAY_SHAPES = (("(", "weekday", ")"), (",", "weekday"), ("weekday",))


def _weekday(toks: list[Token], i: int, values: dict[str, Any], spans: dict[str, Span]) -> int:
    """``（周五）``, ``周五``, ``星期五``: a note on the date."""
    for shape in _WEEKDAY_SHAPES:
        window = toks[i : i + len(shape)]
        if tuple(t.kind for t in window) == shape:
            values["weekday"] = next(t for t in window if t.is_("weekday")).value
            spans["weekday"] = (window[0].start, window[-1].end)
            return i + len(shape)
    return i


def _after_clock(toks: list[Token], i: int, values: dict[str, Any], spans: dict[str, Span]) -> int:
    """am/pm, 下午 after the clock, a time zone (``Z``, ``+08:00``; a minus sign is a
    range, never an offset)."""
    if i < len(toks) and toks[i].is_("meridiem"):
        values["meridiem"] = toks[i].value
        spans["meridiem"] = (toks[i].start, toks[i].end)
        i += 1
    elif i < len(toks) and toks[i].is_("part") and "part" not in values:
        values["part"] = toks[i].value  # 3:30 下午
        spans["part"] = (toks[i].start, toks[i].end)
        i += 1
    if i < len(toks) and toks[i].is_("z"):
        values["offset"] = 0
        return i + 1
    if i < len(toks) and toks[i].is_("+"):
        nums = toks[i + 1 : i + 4]
        if len(nums) >= 1 and nums[0].is_("num") and nums[0].digits == 4:
            values["offset"] = nums[0].value // 100 * 60 + nums[0].value % 100
            return i + 2
        if (
            len(nums) >= 1
            and nums[0].is_("num")
            and nums[0].digits == 2
            and (len(nums) == 1 or not nums[1].is_(":"))
        ):
            values["offset"] = nums[0].value * 60  # +08
            return i + 2
        if (
            len(nums) == 3
            and nums[0].is_("num")
            and nums[0].digits == 2
            and nums[1].is_(":")
            and nums[2].is_("num")
            and nums[2].digits == 2
        ):
            values["offset"] = nums[0].value * 60 + nums[2].value
            return i + 4
        raise NotUnderstood((toks[i].start, toks[min(i + 3, len(toks) - 1)].end))
    return i


def _suffix(toks: list[Token], i: int, values: dict[str, Any], spans: dict[str, Span]) -> int:
    """多, 整, and the words after a time: 许, 左右, 前, 后, 起."""
    if i < len(toks) and toks[i].is_("more"):
        values["more"] = True
        spans["more"] = (toks[i].start, toks[i].end)
        i += 1
    i = _skip(toks, i, ("filler",))
    if i < len(toks) and toks[i].is_("about_after"):
        values["about"] = True
        spans["about"] = (toks[i].start, toks[i].end)
        i += 1
    if i < len(toks) and toks[i].kind in ("before", "after"):
        if values.get("bound"):
            raise NotUnderstood((toks[i].start, toks[i].end))
        values["bound"] = toks[i].kind
        spans["bound"] = (toks[i].start, toks[i].end)
        i += 1
    return i
