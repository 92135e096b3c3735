"""Why a time is not read, in the interface language: the part that was not understood
or that has two readings, and the closest form that would be read, built from the
user's own text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _
from yuqing_cli.timeutil import local
from yuqing_cli.when.forms import PARTS, RECENT_DAYS
from yuqing_cli.when.grammar import NotUnderstood, Span, read
from yuqing_cli.when.lexer import tokens
from yuqing_cli.when.resolve import Days, Refusal, Setting, resolve
from yuqing_cli.when.show import show_when
from yuqing_cli.when.value import MAX_YEAR, MIN_YEAR, When

WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def unreadable(error: NotUnderstood, text: str, what: str, s: Setting) -> BadInput:
    if error.why == "day_or_ago":
        day = error.data["day"]
        said = _said(text, error.span)
        return BadInput(
            _("{said!r} could mean before day {day} of a month, or {day} days ago").format(
                said=said, day=day
            ),
            hint=_("write {first} or {second}").format(
                first=_replace(text, error.span, f"{s.today.month}月{day}日"),
                second=_replace(text, error.span, f"{day}天"),
            ),
        )
    start, end = error.span
    known = _day_in(text[:start], s)
    if start <= 0 and end >= len(text):
        message = (
            _("cannot read the time {text!r} for {what}").format(text=text, what=what)
            if what
            else _("cannot read the time {text!r}").format(text=text)
        )
    else:
        message = _("cannot read the time {text!r}: {said!r} is not understood").format(
            said=text[start:end] or text, text=text
        )
    return BadInput(message, hint=_examples(known, s))


def _day_in(text: str, s: Setting) -> tuple[str, When] | None:
    """What was understood before the part that was not, with its reading, if it is a
    day or a part of one (to build the example on)."""
    known = text.rstrip(" -~至到—–.,:")
    try:
        when = resolve(read(tokens(known)), s) if known else None
    except (NotUnderstood, Refusal):
        return None
    return (known, when) if when is not None and when.precision in ("date", "part") else None


def _examples(known: tuple[str, When] | None, s: Setting) -> str:
    """Accepted forms: after what was understood (a day, a part of one), or of today."""
    if known is not None:
        text, when = known
        if when.precision == "part":  # an hour that fits it: 中午11点, 晚上6点
            hour = PARTS[when.part].hours[0].first
            first, second = f"{text}{hour}点", f"{text}{hour}点30分"
        else:
            first, second = f"{text} 15:30", f"{text}下午"
        return _("write e.g. {first} or {second}").format(first=first, second=second)
    day = s.today
    return _("write e.g. {first} or {second}").format(
        first=f"{day.year}年{day.month}月{day.day}日15时30分", second=f"{day.isoformat()} 下午"
    )


def explain(refusal: Refusal, text: str, what: str, s: Setting) -> BadInput:
    """The error for a refused reading."""
    kind, span, data = refusal.kind, refusal.span, refusal.data
    if kind == "future":
        return future(text, s.now, s.tz)
    said = _said(text, span)
    explain_one = _EXPLAIN.get(kind)
    if explain_one is None:  # pragma: no cover - every kind has its words
        raise AssertionError(kind)
    message, hint = explain_one(text, said, span, data, s)
    if what:
        message = _("{problem} (for {what})").format(problem=message, what=what)
    return BadInput(message, hint=hint)


Explained = tuple[str, str | None]


def _not_real(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    return (
        _("{text!r} is not a real date or time").format(text=text),
        _("check {said!r}").format(said=said) if said != text else None,
    )


def _year_range(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    return (
        _("the year in {text!r} is out of range ({low}–{high})").format(
            text=text, low=MIN_YEAR, high=MAX_YEAR
        ),
        _("give the year in full, e.g. 2024-11-23"),
    )


def _readings(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    options: list[When] = data["readings"][:2]
    shown = [show_when(w, s.tz) for w in options]
    day = {local(w.lo, s.tz).date() for w in options}
    # On one day, the times alone: '3点' could be 03:00 or 15:00
    first, second = [t.split(" ", 1)[1] for t in shown] if len(day) == 1 else shown
    message = _("{said!r} could be {first} or {second}").format(
        said=said, first=first, second=second
    )
    if span is not None and len(day) == 1 and all(w.is_exact for w in options):
        forms = [_replace(text, span, local(w.at, s.tz).strftime("%H:%M")) for w in options]
    else:
        forms = shown
    return message, _("write {first} or {second}").format(first=forms[0], second=forms[1])


def _contradiction(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    message = _("{said!r} contradicts itself").format(said=said)
    dial = data.get("dial")
    if dial and span is not None:
        return message, _("write {example}").format(example=_replace(text, span, dial))
    return message, _("correct the hour or the part of the day")


def _no_anchor(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    day = s.today
    return (
        _("{said!r} refers to an earlier date, and there is none here").format(said=said),
        _("give the date, e.g. {example}").format(
            example=_replace(text, span, f"{day.month}月{day.day}日")
        ),
    )


def _two_dates(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    dates: list[Days] = data["dates"]
    first, second = (d.lo.isoformat() for d in dates[:2])
    if data["missing"] == "year":
        message = _("{said!r} has no year: it could be {first} or {second}")
    else:
        message = _("{said!r} has no month: it could be {first} or {second}")
    return (
        message.format(said=said, first=first, second=second),
        _("write {example}").format(example=_completed(text, span, dates[0].lo, data["missing"])),
    )


def _far(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    anchor: date = data["anchor"]
    if data["missing"] == "year":
        message = _("{said!r} has no year, and no such day is near the incident ({day})")
        hint = _("give the year, e.g. {example}")
    else:
        message = _("{said!r} has no month, and no such day is near the incident ({day})")
        hint = _("give the month, e.g. {example}")
    return (
        message.format(said=said, day=anchor.isoformat()),
        hint.format(example=_completed(text, span, anchor, data["missing"])),
    )


def _too_old(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    latest: Days | None = data["latest"]
    day = latest.lo if latest is not None else s.today
    if data["missing"] == "year":
        message = _("{said!r} has no year, and {day} is more than three months ago")
        hint = _("give the year, e.g. {example}")
    else:
        message = _("{said!r} has no month, and {day} is more than {days} days ago")
        hint = _("give the month, e.g. {example}")
    return (
        message.format(said=said, day=day.isoformat(), days=RECENT_DAYS["month"]),
        hint.format(example=_completed(text, span, day, data["missing"])),
    )


def _no_month(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    return (
        _("{said!r} has no month").format(said=said),
        _("give the month, e.g. {example}").format(
            example=_completed(text, span, s.today, "month")
        ),
    )


def _weekday(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    day: date = data["day"]
    return (
        _("{day} is a {actual}, not a {written}").format(
            day=day.isoformat(),
            actual=WEEKDAY_ZH[day.weekday()],
            written=WEEKDAY_ZH[data["written"]],
        ),
        _("check the date, or leave out the weekday: {example}").format(
            example=_replace(text, span, "").strip()
        ),
    )


def _weekday_alone(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    day = s.today
    return (
        _("a weekday needs its date: {said!r}").format(said=said),
        _("give the date, e.g. {example}").format(
            example=f"{day.month}月{day.day}日（{WEEKDAY_ZH[day.weekday()]}）"
        ),
    )


def _backwards(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    message = _("the range {text!r} ends before it starts").format(text=text)
    if data.get("offset_like"):
        return message, _("a minus joins a range, never a time zone: write Z or +08:00")
    if data.get("next_day") and span is not None:
        return message, _("if it runs past midnight, write {example}").format(
            example=_replace(text, (span[0], span[0]), "次日")
        )
    return message, _("give the earlier time first")


def _about_needs_time(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    return (
        _("“about” needs a time of day, e.g. ~2020-06-10 16:00"),
        _("for a whole day or a part of it, give just that: {example}").format(
            example=_replace(text, span, "").strip()
        ),
    )


def _clock_on_period(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    return (
        _("a time of day needs its day, not {said!r}").format(said=said),
        _("give the day, e.g. {example}").format(
            example=_replace(text, span, f"{s.today.month}月{s.today.day}日")
        ),
    )


def _more_needs_hour(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    return (
        _("“多” follows an hour, as in 5点多: {text!r}").format(text=text),
        _("write the hour before it, or leave it out"),
    )


def _bound_in_range(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    return (
        _("a range cannot also be before or after a time: {text!r}").format(text=text),
        _("give the range alone, or the bound alone"),
    )


def _too_long(text: str, said: str, span: Span | None, data: Any, s: Setting) -> Explained:
    return (
        _("the time {text!r} is too long").format(text=text[:40] + "…"),
        _("give one time, e.g. 2024-11-23 09:30"),
    )


_EXPLAIN = {
    "not_real": _not_real,
    "year_range": _year_range,
    "readings": _readings,
    "contradiction": _contradiction,
    "no_anchor": _no_anchor,
    "two_dates": _two_dates,
    "far": _far,
    "too_old": _too_old,
    "no_month": _no_month,
    "weekday": _weekday,
    "weekday_alone": _weekday_alone,
    "backwards": _backwards,
    "about_needs_time": _about_needs_time,
    "clock_on_period": _clock_on_period,
    "more_needs_hour": _more_needs_hour,
    "bound_in_range": _bound_in_range,
    "too_long": _too_long,
}


def future(text: str, now: datetime, tz: str) -> BadInput:
    return BadInput(
        _("the time {text!r} is in the future").format(text=text),
        hint=_("give when it happened; it is now {now}").format(
            now=local(now, tz).strftime("%Y-%m-%d %H:%M")
        ),
    )


# -- building the suggested form from the user's text -------------------------------------------


def _said(text: str, span: Span | None) -> str:
    if span is None:
        return text
    return text[span[0] : span[1]] or text


def _replace(text: str, span: Span | None, new: str) -> str:
    if span is None:
        return new
    return (text[: span[0]] + new + text[span[1] :]).strip()


def _completed(text: str, span: Span | None, day: date, kind: str) -> str:
    """The text with the year (``kind`` "year") or the month put before its date."""
    if span is None:
        return day.isoformat()
    said = text[span[0] : span[1]]
    if kind == "year":
        prefix = f"{day.year}/" if "/" in said else f"{day.year}年"
    else:
        prefix = f"{day.month}月"
    return _replace(text, (span[0], span[0]), prefix)
