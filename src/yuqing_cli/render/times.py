"""Times, durations and deadline verdicts, as people and programs read them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.plan.deadlines import Verdict
from yuqing_cli.timeutil import fmt_duration, local
from yuqing_cli.when import When, show_when


def iso(value: datetime | None, tz: str) -> str | None:
    """ISO 8601 in the plan's time zone (with its offset)."""
    return local(value, tz).isoformat() if value is not None else None


def when_json(value: When | None, tz: str) -> dict[str, Any] | None:
    """A happened time for programs: the nominal instant, the interval, how it was given."""
    if value is None:
        return None
    return {
        "at": iso(value.at, tz),
        "earliest": iso(value.lo, tz),
        "latest": iso(value.hi, tz),
        "precision": value.precision,
        "as_written": show_when(value, tz),
    }


def seconds(delta: timedelta | None) -> int | None:
    return int(delta.total_seconds()) if delta is not None else None


def wave_label(number: int) -> str:
    return _("wave {n}").format(n=number)


def wave_ref(ref: str, wave: int) -> str:
    """The reference, with its wave after the first: ``YQ-20200330-001 第2波``."""
    return ref if wave == 1 else f"{ref} {wave_label(wave)}"


def verdict_text(v: Verdict, tz: str) -> Text:
    """One line: ``met, 25m to spare`` / ``missed by 2h 05m`` / ``OVERDUE by 3h``…"""
    if v.kind == "met":
        return Text(
            _("met, {margin} to spare").format(margin=fmt_duration(v.margin or timedelta())),
            style="green",
        )
    if v.kind == "missed" and v.record is not None:
        return Text(
            _("missed by {late}").format(late=fmt_duration(v.late_by or timedelta())),
            style="red",
        )
    if v.kind == "missed":
        return Text(
            _("OVERDUE by {late}").format(late=fmt_duration(v.late_by or timedelta())),
            style="red bold",
        )
    if v.kind == "undeterminable":
        return Text(
            _("undeterminable (due {due})").format(due=show_when(v.due, tz)), style="yellow"
        )
    if v.kind == "waived":
        return Text(_("waived"), style="yellow")
    if v.kind == "unrecorded":
        return Text(_("not recorded (due before the ledger was imported)"), style="dim")
    if v.due is None:
        return Text(_("open; its deadline has not started"))
    return Text(
        _("open, due {due} ({left} left)").format(
            due=show_when(v.due, tz), left=fmt_duration(v.margin or timedelta())
        )
    )


def verdict_json(v: Verdict, tz: str) -> dict[str, Any]:
    return {
        "step": v.step.id,
        "title": v.step.title,
        "wave": v.wave,
        "due": iso(v.due.at, tz) if v.due else None,
        "due_window": when_json(v.due, tz),
        "done": when_json(v.record.when, tz) if v.record else None,
        "verdict": v.kind,
        "late_by": seconds(v.late_by),
        "margin": seconds(v.margin),
    }
