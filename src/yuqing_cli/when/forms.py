"""Every form of a time the reader understands, as data a reviewer can read.

A text is cut into words (:data:`WORDS`, numbers in digits or in Chinese numerals);
a date and a time of day are then each one of the shapes below (:data:`DATE_SHAPES`,
:data:`CLOCK_SHAPES`), and what the hour means next to a part of the day is the table
:data:`PARTS`. The code in :mod:`.grammar` and :mod:`.resolve` only walks these tables;
the conventions behind them are explained, with their sources, in ``docs/time.md``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

# -- words -------------------------------------------------------------------------------
#
# Each written form maps to (kind, value). The kinds:
#   年 月 日 时 点 分 秒 半 刻 : - / . · + t z ( ) , 个   the units and signs of a shape
#   part        a part of the day (an id of PARTS)
#   day_word    a day relative to now or to the anchor: (base, days)
#   day_part    a day and a part of it in one word: (base, days, part)
#   year_word   a year relative to now or to the anchor: (base, years)
#   month_word  a month relative to now or to the anchor: (base, months)
#   weekday     0 (Monday) … 6 (Sunday), a note checked against the date
#   tenday      1, 2, 3: 上旬 (days 1–10), 中旬 (11–20), 下旬 (21 to the end)
#   about       "about", before the time;  about_after: "about", after it
#   before / after        a half-open bound, after the time (前, 后, 起)
#   bound_en    an English bound, before the time: "before", "since"
#   to          a range: the time before it to the time after it
#   to_now      a range up to now (至今)
#   lead        a word that only introduces the time (从, 于)
#   zone        a time zone, in minutes east of UTC (北京时间)
#   filler      a word with no meaning of its own here (整 in 3点整, 的)
#   more        多 after an hour: some time in that hour (5点多)
#   duration    a unit of elapsed time, in minutes (for 30分钟前, 2小时前; a day is 1440)
#   meridiem    am or pm
#   now / unknown

NOW, ANCHOR = "now", "anchor"  # what a relative word counts from

WORDS: dict[str, tuple[str, Any]] = {
    # units of a date
    "年": ("年", None),
    "月": ("月", None),
    "月份": ("月", None),
    "日": ("日", None),
    "号": ("日", None),
    "號": ("日", None),
    # units of a time of day: 时 is the 24-hour clock of official writing, 点 the spoken one
    "时": ("时", None),
    "時": ("时", None),
    "点": ("点", None),
    "點": ("点", None),
    "点钟": ("点", None),
    "分": ("分", None),
    "秒": ("秒", None),
    "半": ("半", None),
    "刻": ("刻", None),
    "个": ("个", None),
    # signs
    ":": (":", None),
    "-": ("-", None),
    "/": ("/", None),
    ".": (".", None),
    "·": ("·", None),
    "+": ("+", None),
    "t": ("t", None),
    "z": ("z", None),
    "(": ("(", None),
    ")": (")", None),
    ",": (",", None),
    # parts of the day
    "凌晨": ("part", "early_morning"),
    "早上": ("part", "morning_early"),
    "早晨": ("part", "morning_early"),
    "清晨": ("part", "morning_early"),
    "早间": ("part", "morning_early"),
    "早": ("part", "morning_early"),
    "上午": ("part", "morning"),
    "中午": ("part", "noon"),
    "午间": ("part", "noon"),
    "下午": ("part", "afternoon"),
    "午后": ("part", "afternoon"),
    "傍晚": ("part", "dusk"),
    "黄昏": ("part", "dusk"),
    "晚上": ("part", "evening"),
    "晚间": ("part", "evening"),
    "晚": ("part", "evening"),
    "夜间": ("part", "night"),
    "夜里": ("part", "night"),
    "夜晚": ("part", "night"),
    "夜": ("part", "night"),
    "深夜": ("part", "late_night"),
    "半夜": ("part", "late_night"),
    "午夜": ("part", "midnight"),
    "白天": ("part", "daytime"),
    "morning": ("part", "morning"),
    "noon": ("part", "noon"),
    "afternoon": ("part", "afternoon"),
    "evening": ("part", "evening"),
    "night": ("part", "late_night"),
    "early morning": ("part", "early_morning"),
    "early in the morning": ("part", "morning_early"),
    "dusk": ("part", "dusk"),
    "late at night": ("part", "late_night"),
    "at night": ("part", "night"),
    "around midnight": ("part", "midnight"),
    "daytime": ("part", "daytime"),
    "am": ("meridiem", "am"),
    "a.m.": ("meridiem", "am"),
    "pm": ("meridiem", "pm"),
    "p.m.": ("meridiem", "pm"),
    # days, counted from now (今天) or from the anchor: the incident's previous entry (当日)
    "今天": ("day_word", (NOW, 0)),
    "今日": ("day_word", (NOW, 0)),
    "today": ("day_word", (NOW, 0)),
    "昨天": ("day_word", (NOW, -1)),
    "昨日": ("day_word", (NOW, -1)),
    "yesterday": ("day_word", (NOW, -1)),
    "前天": ("day_word", (NOW, -2)),
    "大前天": ("day_word", (NOW, -3)),
    "明天": ("day_word", (NOW, 1)),
    "明日": ("day_word", (NOW, 1)),
    "后天": ("day_word", (NOW, 2)),
    "当日": ("day_word", (ANCHOR, 0)),
    "当天": ("day_word", (ANCHOR, 0)),
    "同日": ("day_word", (ANCHOR, 0)),
    "同天": ("day_word", (ANCHOR, 0)),
    "是日": ("day_word", (ANCHOR, 0)),
    "前一天": ("day_word", (ANCHOR, -1)),
    "前一日": ("day_word", (ANCHOR, -1)),
    "次日": ("day_word", (ANCHOR, 1)),
    "翌日": ("day_word", (ANCHOR, 1)),
    "第二天": ("day_word", (ANCHOR, 1)),
    "今晨": ("day_part", (NOW, 0, "morning_early")),
    "今早": ("day_part", (NOW, 0, "morning_early")),
    "今晚": ("day_part", (NOW, 0, "evening")),
    "今夜": ("day_part", (NOW, 0, "night")),
    "昨晚": ("day_part", (NOW, -1, "evening")),
    "昨夜": ("day_part", (NOW, -1, "night")),
    "前晚": ("day_part", (NOW, -2, "evening")),
    "明早": ("day_part", (NOW, 1, "morning_early")),
    "明晚": ("day_part", (NOW, 1, "evening")),
    "当晚": ("day_part", (ANCHOR, 0, "evening")),
    "当夜": ("day_part", (ANCHOR, 0, "night")),
    "次晨": ("day_part", (ANCHOR, 1, "morning_early")),
    "今年": ("year_word", (NOW, 0)),
    "去年": ("year_word", (NOW, -1)),
    "前年": ("year_word", (NOW, -2)),
    "明年": ("year_word", (NOW, 1)),
    "当年": ("year_word", (ANCHOR, 0)),
    "同年": ("year_word", (ANCHOR, 0)),
    "次年": ("year_word", (ANCHOR, 1)),
    "翌年": ("year_word", (ANCHOR, 1)),
    "本月": ("month_word", (NOW, 0)),
    "这个月": ("month_word", (NOW, 0)),
    "上月": ("month_word", (NOW, -1)),
    "上个月": ("month_word", (NOW, -1)),
    "下月": ("month_word", (NOW, 1)),
    "下个月": ("month_word", (NOW, 1)),
    "当月": ("month_word", (ANCHOR, 0)),
    "同月": ("month_word", (ANCHOR, 0)),
    "次月": ("month_word", (ANCHOR, 1)),
    # ten-day periods of a month
    "上旬": ("tenday", 1),
    "中旬": ("tenday", 2),
    "下旬": ("tenday", 3),
    # about
    "约": ("about", None),
    "約": ("about", None),
    "大约": ("about", None),
    "大概": ("about", None),
    "约莫": ("about", None),
    "大致": ("about", None),
    "~": ("~", None),  # before a time "about", between two a range
    "about": ("about", None),
    "around": ("about", None),
    "approx": ("about", None),
    "approx.": ("about", None),
    "ca.": ("about", None),
    "circa": ("about", None),
    "许": ("about_after", None),
    "許": ("about_after", None),
    "左右": ("about_after", None),
    "前后": ("about_after", None),
    # half-open bounds
    "前": ("before", None),
    "以前": ("before", None),
    "之前": ("before", None),
    "后": ("after", None),
    "後": ("after", None),
    "以后": ("after", None),
    "之后": ("after", None),
    "起": ("after", None),
    "以来": ("after", None),
    "开始": ("after", None),
    "before": ("bound_en", "before"),
    "since": ("bound_en", "after"),
    "after": ("bound_en", "after"),
    # ranges
    "至": ("to", None),
    "到": ("to", None),
    "〜": ("to", None),
    "—": ("to", None),
    "——": ("to", None),
    "–": ("to", None),
    "..": ("to", None),
    "或": ("to", None),  # 下午或晚上: the honest interval is from the one to the other
    "或者": ("to", None),
    "至今": ("to_now", None),
    "迄今": ("to_now", None),
    "到现在": ("to_now", None),
    # words that only introduce a time, or add nothing to it
    "从": ("lead", None),
    "自": ("lead", None),
    "于": ("lead", None),
    "在": ("lead", None),
    "整": ("filler", None),
    "的": ("filler", None),
    "时分": ("filler", None),  # 凌晨时分
    "时段": ("filler", None),  # 下午时段
    "之间": ("filler", None),  # 14时至16时之间
    "期间": ("filler", None),
    # the time zone: Beijing time is UTC+8, whatever the plan's zone
    "北京时间": ("zone", 480),
    "多": ("more", None),
    "多钟": ("more", None),  # 5点多钟
    # elapsed time, for "… ago"
    "分钟": ("duration", 1),
    "小时": ("duration", 60),
    "钟头": ("duration", 60),
    "天": ("duration", 1440),
    # now, and not known
    "now": ("now", None),
    "现在": ("now", None),
    "此刻": ("now", None),
    "unknown": ("unknown", None),
    "不详": ("unknown", None),
    "未知": ("unknown", None),
    "不明": ("unknown", None),
    "时间不详": ("unknown", None),
    "时间不明": ("unknown", None),
}

_WEEKDAY_NAMES = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
for _prefix in ("周", "星期", "礼拜"):
    for _name, _number in _WEEKDAY_NAMES.items():
        if _prefix == "周" and _name == "天":
            continue  # 周天 is spoken, but rare in writing: still read
        WORDS[_prefix + _name] = ("weekday", _number)
WORDS["周天"] = ("weekday", 6)

# Chinese numerals: digits, and the tens of 十 (10), 廿 (20), 卅 (30). ○, a circle, is
# often typed for 〇 (二○二二年).
CHINESE_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
CHINESE_TENS = {"十": 1, "廿": 2, "卅": 3}

# -- shapes ----------------------------------------------------------------------------------
#
# A shape is the order of the words of a date or of a time of day. ``{field}`` is a
# number (or a word) read into that field; every other character is a unit or sign
# above, written in its canonical form (号 is written 日 here, 點 is 点).
#   {year}  four digits          {yy}  two digits before 年 (98年 is 1998, 22年 2022)
#   {ymd}   eight digits, the year, month and day
#   {month} {day} {hour} {minute}  one or two digits     {quarters}  one digit (刻)
#   {mm} {second}  two digits    {fraction}  digits after the second's point
#   {amount}  a number of {duration}s
#   {tenday} {year_word} {month_word} {day_word} {day_part}  the words above

DATE_SHAPES: tuple[str, ...] = (
    "{ymd}",  # 20220610
    "{year}年{month}月{day}日",
    "{year}年{month}月{tenday}",
    "{year}年{month}月",
    "{year}年",
    "{yy}年{month}月{day}日",
    "{yy}年{month}月{tenday}",
    "{yy}年{month}月",
    "{year}-{month}-{day}",
    "{year}/{month}/{day}",
    "{year}.{month}.{day}",
    "{year}-{month}{tenday}",
    "{year}-{month}",
    "{year_word}{month}月{day}日",
    "{year_word}{month}月{tenday}",
    "{year_word}{month}月",
    "{year_word}",  # 今年以来, 去年
    "{month}月{day}日",
    "{month}月{tenday}",
    "{month}月",
    "{month}/{day}",
    "{month}·{day}",
    "{month_word}{day}日",
    "{month_word}{tenday}",
    "{month_word}",
    "{day}日",
    "{day_word}",
    "{day_part}",
)

# Only as the end of a range, after a whole date: 2022-06-10 23:00..06-11 01:00.
END_DATE_SHAPES: tuple[str, ...] = ("{month}-{day}",)

CLOCK_SHAPES: tuple[str, ...] = (
    "{hour}:{mm}:{second}.{fraction}",
    "{hour}:{mm}:{second}",
    "{hour}:{mm}时",  # 11:00时, as some notices write it
    "{hour}:{mm}",
    "{hour}时{minute}分{second}秒",
    "{hour}时{minute}分",
    "{hour}时半",
    "{hour}时{quarters}刻",
    "{hour}时",
    "{hour}点{minute}分{second}秒",
    "{hour}点{minute}分",
    "{hour}点半",
    "{hour}点{quarters}刻",
    "{hour}点{mm}",  # 3点20, 三点零五; 3点5 could be 3:05 or 3:50, and is not read
    "{hour}点",
)

# "… ago": an amount and a unit of elapsed time, then 前.
AGO_SHAPES: tuple[str, ...] = (
    "{amount}个半{duration}前",
    "{amount}个{duration}前",
    "{amount}{duration}前",
    "半个{duration}前",
    "半{duration}前",
)

# -- parts of the day ----------------------------------------------------------------------


class HourRule(NamedTuple):
    """Hours ``first``–``last`` as written mean that many ``hours`` and ``days`` later."""

    first: int
    last: int
    hours: int = 0
    days: int = 0


class PartOfDay(NamedTuple):
    """A part of the day: when it runs (hours from the day's midnight; past 24 is the
    next day), what an hour written with it means, and hours with two readings."""

    start: int
    end: int
    hours: tuple[HourRule, ...]
    ask: tuple[tuple[int, tuple[HourRule, HourRule]], ...] = ()


def _rules(*rows: tuple[int, ...]) -> tuple[HourRule, ...]:
    return tuple(HourRule(*row) for row in rows)


def _ask(hour: int, first: tuple[int, int], second: tuple[int, int]) -> tuple[int, Any]:
    return hour, (HourRule(hour, hour, *first), HourRule(hour, hour, *second))


# The midnight that ends an evening is hour 0 of the next day: 晚上12点 = 24:00.
_MIDNIGHT = ((12, 12, -12, 1), (0, 0, 0, 1), (24, 24, -24, 1))

PARTS: dict[str, PartOfDay] = {
    # 凌晨: from midnight to dawn; 凌晨12点 is the midnight that starts the day
    "early_morning": PartOfDay(0, 6, _rules((0, 6), (12, 12, -12))),
    # 早上, 早晨, 清晨, 今晨: from dawn to about nine
    "morning_early": PartOfDay(5, 9, _rules((1, 11))),
    # 上午: 上午12点 is noon when spoken and 00:xx in Excel's display: asked
    "morning": PartOfDay(6, 12, _rules((1, 11)), (_ask(12, (0, 0), (-12, 0)),)),
    "noon": PartOfDay(11, 13, _rules((11, 12), (1, 2, 12), (13, 14))),
    # 下午 is "after noon": 下午8点 is 20:00
    "afternoon": PartOfDay(12, 18, _rules((1, 11, 12), (12, 23))),
    "dusk": PartOfDay(17, 19, _rules((4, 8, 12), (16, 20))),
    # 晚上 1–4 are the small hours after that evening; 晚上5点 could be 17:00 or 05:00
    "evening": PartOfDay(
        18,
        24,
        _rules((6, 11, 12), (18, 23), *_MIDNIGHT, (1, 4, 0, 1)),
        (_ask(5, (12, 0), (0, 1)),),
    ),  # fmt: skip
    "night": PartOfDay(
        18,
        30,
        _rules((7, 11, 12), (18, 23), *_MIDNIGHT, (1, 5, 0, 1)),
        (_ask(6, (12, 0), (0, 1)),),
    ),  # fmt: skip
    "late_night": PartOfDay(22, 27, _rules((9, 11, 12), (21, 23), *_MIDNIGHT, (1, 5, 0, 1))),
    "midnight": PartOfDay(23, 25, _rules((11, 11, 12), (23, 23), *_MIDNIGHT, (1, 2, 0, 1))),
    "daytime": PartOfDay(6, 18, _rules((7, 12), (1, 5, 12), (13, 17)), (_ask(6, (0, 0), (12, 0)),)),
}

# The parts of the night: an hour range that starts in one ends in the small hours.
NIGHT_PARTS = frozenset(("evening", "night", "late_night", "midnight", "dusk"))
MORNING_PARTS = frozenset(("early_morning", "morning_early", "morning"))

# am and pm (and Excel's 上午/下午 before an h:mm:ss time, which mean just that).
MERIDIEM: dict[str, tuple[HourRule, ...]] = {
    "am": _rules((1, 11), (12, 12, -12)),
    "pm": _rules((1, 11, 12), (12, 12)),
}
EXCEL_MERIDIEM = {"morning": "am", "afternoon": "pm"}

# An hour with 时 or on a clock face (14:00) is on the 24-hour clock; 24 is the end of the
# day. An hour with 点 and no part of the day is read so only when the plan says so
# (``time.bare_hour: 24h``): 3点 is otherwise 03:00 or 15:00, and asked.
DIAL = _rules((0, 23), (24, 24, -24, 1))
SPOKEN = _rules((0, 0), (13, 23), (24, 24, -24, 1))
SPOKEN_ASK = tuple(_ask(hour, (0, 0), (12, 0) if hour < 12 else (-12, 0)) for hour in range(1, 13))

# -- horizons: how far a date written without its year or month may be read ------------------

# Near an incident: the one occurrence within this many days of its timeline.
NEAR_INCIDENT_DAYS = {"year": 183, "month": 20}
# With no incident: the latest occurrence, if it is no older than this.
RECENT_DAYS = {"year": 92, "month": 20}
