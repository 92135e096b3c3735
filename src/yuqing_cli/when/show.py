"""A time as it was given, in a form the reader reads back to the same interval."""

from __future__ import annotations

from datetime import timedelta

from yuqing_cli.i18n import _
from yuqing_cli.timeutil import fmt, local
from yuqing_cli.when.value import When

# The Chinese word of each part of the day, as the reader reads it back.
PART_ZH = {
    "early_morning": "凌晨",
    "morning_early": "早上",
    "morning": "上午",
    "noon": "中午",
    "afternoon": "下午",
    "dusk": "傍晚",
    "evening": "晚上",
    "night": "夜间",
    "late_night": "深夜",
    "midnight": "午夜",
    "daytime": "白天",
}

# A ten-day period of a month.
TENDAY_ZH = {"month_early": "上旬", "month_mid": "中旬", "month_late": "下旬"}


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
        "night": _("at night"),
        "late_night": _("late at night"),
        "midnight": _("around midnight"),
        "daytime": _("daytime"),
    }.get(part, part)


def show_when(value: When | None, tz: str, *, chinese: bool = False) -> str:
    """A happened time as it was given: ``2020-02-26 下午``, ``~2020-06-10 16:00``,
    ``2020-03 上旬``, ``2022-06-10 14:00–18:00``…

    ``chinese``: the words in Chinese whatever the interface language (documents such
    as the ledger). The reader reads every form back to the same interval (exact times
    to the minute shown).
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
    if value.part == "year":
        return f"{lo.year}年"
    if value.part == "month":
        return lo.strftime("%Y-%m")
    if value.part in TENDAY_ZH:
        return f"{lo.strftime('%Y-%m')} {TENDAY_ZH[value.part]}"
    if value.part == "before":
        until = local(value.hi, tz).strftime("%Y-%m-%d %H:%M")
        return f"{until}前" if chinese else _("before {time}").format(time=until)
    if value.part == "after":
        start = lo.strftime("%Y-%m-%d %H:%M")
        return f"{start}起" if chinese else _("since {time}").format(time=start)
    hi = local(value.hi, tz)
    if lo.time() == hi.time() == lo.time().min and (hi - lo).days >= 2:  # whole days
        last = (hi - timedelta(days=1)).date()
        end = last.strftime("%m-%d") if last.year == lo.year else last.isoformat()
        return f"{lo.strftime('%Y-%m-%d')}–{end}"
    end = hi.strftime("%H:%M") if hi.date() == lo.date() else hi.strftime("%m-%d %H:%M")
    if hi.year != lo.year:
        end = hi.strftime("%Y-%m-%d %H:%M")
    return f"{lo.strftime('%Y-%m-%d %H:%M')}–{end}"
