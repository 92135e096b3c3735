"""Issued reports (签发: their number, sign-off and hashes, and the list of them) and
routines (巡查: the list, and what recording one says)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.render.console import err, out, print_json, say
from yuqing_cli.render.report_view import issue_number
from yuqing_cli.render.safe import clean
from yuqing_cli.render.tables import Cell, Column, fitted
from yuqing_cli.render.times import iso
from yuqing_cli.services.issued import Issued
from yuqing_cli.services.routines import RoutineStatus
from yuqing_cli.timeutil import fmt
from yuqing_cli.when import show_when

# -- issued reports ---------------------------------------------------------------------------


def issued_json(issued: Issued) -> dict[str, Any]:
    m = issued.mark
    return {
        "date": m.day.isoformat(),
        "year": m.year,
        "number": m.number,
        "total": m.total,
        "signed_by": m.signed_by,
        "issued_by": m.issued_by,
        "issued_at": iso(m.issued_at, issued.tz),
        "anchor": m.anchor,
        "revision_of": (
            {"year": m.revision_of[0], "number": m.revision_of[1], "total": m.revision_of[2]}
            if m.revision_of
            else None
        ),
        "corrected_by": issued.corrected_by,
        "content_hash": issued.content_hash,
        "event": issued.event_id,
    }


def issued_done(issued: Issued, *, as_json: bool) -> None:
    """What `yq report issue` says: the number, the sign-off, the hashes to keep."""
    if as_json:
        print_json(issued_json(issued))
        return
    m = issued.mark
    message = _("issued {number} for {day}, signed off by {person}").format(
        number=issue_number(m.year, m.number, m.total), day=m.day.isoformat(), person=m.signed_by
    )
    if m.revision_of is not None:
        message += _(" (a correction of {number})").format(number=issue_number(*m.revision_of))
    console = err()
    console.print(Text(clean(message)))
    console.print(Text(_("content SHA-256: {digest}").format(digest=issued.content_hash)))
    console.print(
        Text(_("audit chain head (for `yq verify --anchor`): {anchor}").format(anchor=m.anchor))
    )


def issued_list(items: list[Issued], *, as_json: bool) -> None:
    if as_json:
        print_json([issued_json(i) for i in items])
        return
    if not items:
        out().print(_("no report has been issued yet"))
        return
    rows: list[list[Cell]] = []
    for i in items:
        m = i.mark
        state = ""
        if m.revision_of is not None:
            state = _("corrects No. {total}").format(total=m.revision_of[2])
        if i.corrected_by is not None:
            state = (state + "; " if state else "") + _("corrected by No. {total}").format(
                total=i.corrected_by
            )
        rows.append(
            [
                f"{m.year}-{m.number}",
                str(m.total),
                m.day.isoformat(),
                clean(m.signed_by),
                fmt(m.issued_at, i.tz),
                i.content_hash[:12],
                Text(state, style="yellow") if state else "",
            ]
        )
    columns = [
        Column(_("no."), token=True),
        Column(_("overall"), token=True, priority=3),
        Column(_("date"), token=True),
        Column(_("signed off by"), token=True),
        Column(_("issued"), token=True, priority=2),
        Column("SHA-256", token=True, priority=1),
        Column("", min_width=8),
    ]
    out().print(fitted(columns, rows))


# -- routines ------------------------------------------------------------------------------


def routine_list(items: list[RoutineStatus], as_json: bool) -> None:
    tz = items[0].tz if items else "UTC"
    if as_json:
        print_json(
            [
                {
                    "id": s.routine.id,
                    "name": s.routine.name,
                    "article": s.routine.article,
                    "every_hours": s.routine.every_hours,
                    "last_at": iso(s.last_at, tz),
                    "last_by": s.last_by,
                    "last_zero": s.last_zero,
                    "due": iso(s.due_at, tz),
                    "overdue": s.overdue,
                }
                for s in items
            ]
        )
        return
    rows: list[list[Cell]] = []
    for s in items:
        state = Text(_("OVERDUE"), style="red bold") if s.overdue else Text(_("ok"), style="green")
        rows.append(
            [
                clean(s.routine.name),
                s.routine.id,
                s.routine.article,
                _("{hours:g} h").format(hours=s.routine.every_hours),
                show_when(s.last, tz) if s.last else "—",
                clean(s.last_by or "—"),
                fmt(s.due_at, tz),
                state,
            ]
        )
    columns = [
        Column(_("routine"), min_width=8),
        Column("id", token=True, priority=2),
        Column(_("art."), token=True, priority=1),
        Column(_("every"), token=True, priority=3),
        Column(_("last"), token=True),
        Column(_("by"), token=True, priority=4),
        Column(_("next due"), token=True),
        Column("", token=True),
    ]
    out().print(fitted(columns, rows))


def routine_recorded(status: RoutineStatus) -> None:
    tz = status.tz
    message = (
        _("{routine}: zero report (零报告) by {person} at {time}; next due {due}")
        if status.last_zero
        else _("{routine}: done by {person} at {time}; next due {due}")
    )
    text = message.format(
        routine=status.routine.name,
        person=status.last_by,
        time=show_when(status.last, tz) if status.last else "—",
        due=fmt(status.due_at, tz),
    )
    say(Text(clean(text)), "  ", (status.routine.name, status.last_by or ""))
