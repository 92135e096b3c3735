"""Dates, times and durations as the daily report writes them, in the language of the
document being built (:func:`yuqing_cli.i18n.language`): in Chinese 2024年11月23日,
11月23日 09:20 (the year left out within the report's year), 约09:20, 下午, 13小时40分;
in English 2024-11-23, 09:20, ~09:20, 13 h 40 min."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from yuqing_cli.i18n import _, language
from yuqing_cli.timeutil import fmt, local
from yuqing_cli.when import PART_ZH, When, show_when


def zh_date(day: date) -> str:
    """2024年11月23日"""
    return f"{day.year}年{day.month}月{day.day}日"


def long_date(day: date) -> str:
    """The day in full: 2024年11月23日, or 2024-11-23."""
    return zh_date(day) if language() == "zh" else day.isoformat()


def short_date(day: date, year: int) -> str:
    """11月23日 (with the year when it is not ``year``), or 2024-11-23."""
    if language() == "zh":
        return f"{day.month}月{day.day}日" if day.year == year else zh_date(day)
    return day.isoformat()


def stamp(value: datetime | None, tz: str) -> str:
    """An instant in full: 2024年11月24日 00:00, or 2024-11-24 00:00."""
    if value is None:
        return "—"
    if language() != "zh":
        return fmt(value, tz)
    moment = local(value, tz)
    return f"{zh_date(moment.date())} {moment.strftime('%H:%M')}"


def end_of(day: date) -> str:
    """The end of a day: 11月23日24时, or the end of 2024-11-23."""
    if language() == "zh":
        return f"{day.month}月{day.day}日24时"
    return _("the end of {day}").format(day=day.isoformat())


def when_text(when: When | None, tz: str, day: date, *, short: bool = False) -> str:
    """A happened time as written, against the report's ``day``: the date left out when
    ``short`` and it is that day; approximate, part of a day, range or unknown as such."""
    if when is None:
        return "—"
    if language() != "zh":
        text = show_when(when, tz)
        iso = day.isoformat()
        return text[len(iso) + 1 :] if short and text.startswith(iso + " ") else text
    if when.precision == "unknown":
        return "时间不详"
    lo = local(when.lo, tz)

    def on(d: date) -> str:
        return "" if short and d == day else short_date(d, day.year)

    if when.precision == "date":
        return short_date(lo.date(), day.year)
    if when.precision == "part":
        return f"{on(lo.date())}{PART_ZH.get(when.part, when.part)}"
    if when.precision == "approx":
        at = local(when.at, tz)
        return f"约{on(at.date())}{at.strftime('%H:%M')}"
    if when.is_exact:
        return f"{on(lo.date())}{lo.strftime('%H:%M')}"
    hi = local(when.hi, tz)
    end = hi.strftime("%H:%M") if hi.date() == lo.date() else f"{on(hi.date())}{hi:%H:%M}"
    return f"{on(lo.date())}{lo.strftime('%H:%M')}至{end}"


def when_cell(when: When | None, tz: str, day: date) -> str:
    """:func:`when_text` for a table cell: the day and the time of day on two lines, so
    that a narrow column breaks between them, never inside either."""
    text = when_text(when, tz, day, short=True)
    if language() == "zh":
        cut = text.rfind("日") + 1
        return text[:cut] + "\n" + text[cut:] if 0 < cut < len(text) else text
    head, space, tail = text.partition(" ")
    return f"{head}\n{tail}" if space and tail[:1].isdigit() else text


def duration(value: timedelta | None) -> str:
    """13小时40分, 2天3小时, 40分; or 13 h 40 min."""
    if value is None:
        return "—"
    minutes = max(0, int(value.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = _("{days} d").format(days=days)
        return text + (_(" {hours} h").format(hours=hours) if hours else "")
    if hours:
        text = _("{hours} h").format(hours=hours)
        return text + (_(" {minutes} min").format(minutes=mins) if mins else "")
    return _("{minutes} min").format(minutes=mins)


def recorded_on(value: datetime, tz: str, day: date) -> str:
    """The mark of an entry recorded after the day (补录), with the day it was recorded."""
    return _(" (late entry, recorded {day})").format(
        day=short_date(local(value, tz).date(), day.year)
    )
