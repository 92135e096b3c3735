"""Issued daily reports (签发的舆情日报): numbered, frozen, printed again exactly.

`yq report issue` freezes one day's report as it is known at that moment: the next
number of its year and overall (第N期（总第M期）), who signed it off, and the head of
the audit chain then (``id:hash``, printed in the report, so anyone holding the paper
can later run ``yq verify --anchor id:hash``). It is recorded as an ``issue`` event of
no incident whose data holds the frozen content and its SHA-256: the content is part
of the chain, so ``yq verify`` catches any change to it, and `yq report show`
prints it from there, the same every time.

A second issue for the same day is a correction (更正, ``--revision``): it takes the
next number and says which issue it corrects.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from yuqing_cli import codec
from yuqing_cli.errors import BadInput, NotFound, Refused
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.services import audit
from yuqing_cli.services.context import Context, reading, writing
from yuqing_cli.services.plans import ensure_version
from yuqing_cli.store.tables import Event
from yuqing_cli.timeutil import today
from yuqing_cli.when import parse_day

if TYPE_CHECKING:
    from yuqing_cli.services.report import DailyReport

ACTION = "issue"


@dataclass(frozen=True)
class IssueMark:
    """An issued report's number and sign-off, as the document prints them."""

    day: date
    year: int
    number: int  # within the year
    total: int  # overall
    signed_by: str
    issued_by: str  # who recorded it
    issued_at: datetime
    anchor: str  # the audit chain's head before the issue: "id:hash"
    revision_of: tuple[int, int, int] | None = None  # (year, number, total) corrected


@dataclass(frozen=True)
class Issued:
    mark: IssueMark
    content: dict[str, Any]  # {"doc": …, "json": …, "csv": …}
    content_hash: str  # sha256 of the content's canonical JSON
    event_id: int
    corrected_by: int | None = None  # the total number of the issue that corrects it
    tz: str = "UTC"  # the plan's time zone, to show the times in


def content_hash(content: Any) -> str:
    return hashlib.sha256(codec.dumps(content).encode("utf-8")).hexdigest()


# Renders the report for an issue: the report, its mark, and the content of the issue it
# corrects (None for a first issue).
Freeze = Callable[["DailyReport", IssueMark, dict[str, Any] | None], dict[str, Any]]


def issue(
    ctx: Context,
    day_text: str | None,
    *,
    by: str | None,
    revision: bool,
    freeze: Freeze,
    deliver: Callable[[Issued], object] | None = None,
) -> Issued:
    """Freeze and number the day's report. ``freeze`` renders it (the document and
    its data) for the numbers and sign-off given, and what it corrects; ``deliver``
    writes it out (a file, the terminal) before the issue is committed: if the document
    cannot be written, nothing is recorded and the same number can be issued again."""
    from yuqing_cli.services.report import build

    with writing(ctx) as w:
        plan = w.plan
        signer = plan.person(by).name if by and by.strip() else w.actor
        roles = plan.sign_off_roles
        if not rules.roles_of(plan, signer) & set(roles):
            raise Refused(
                _("{person} may not sign off the daily report").format(person=signer),
                hint=_("only {who} sign it off (Art. {article}); name them with --by NAME").format(
                    who=rules.who_may(plan, roles), article=plan.sign_off_article
                ),
            )
        day = parse_day(day_text, w.tz, now=w.now) if day_text else today(w.tz, w.now)
        issued = list(_events(w.session))
        same_day = [e for e in issued if e.mark.day == day]
        if same_day and not revision:
            last = same_day[-1].mark
            raise Refused(
                _("the report of {day} was already issued as No. {number} of {year}").format(
                    day=day.isoformat(), number=last.number, year=last.year
                ),
                hint=_("to issue a correction (更正), add --revision"),
            )
        if revision and not same_day:
            raise Refused(
                _("the report of {day} has not been issued: there is nothing to correct").format(
                    day=day.isoformat()
                ),
                hint=_("issue it without --revision"),
            )
        report = build(w, day.isoformat(), as_known_at=None, include_exercises=False)
        corrected = same_day[-1].mark if same_day else None
        mark = IssueMark(
            day=day,
            year=day.year,
            number=1 + sum(1 for e in issued if e.mark.year == day.year),
            total=1 + len(issued),
            signed_by=signer,
            issued_by=w.actor,
            issued_at=w.now,
            anchor=chain_head(w.session),
            revision_of=(corrected.year, corrected.number, corrected.total) if corrected else None,
        )
        content = freeze(report, mark, same_day[-1].content if same_day else None)
        digest = content_hash(content)
        ensure_version(w.session, plan, w.now)
        event = audit.append(
            w.session,
            incident_id=None,
            seq=0,
            action=ACTION,
            actor=w.actor,
            subject=day.isoformat(),
            old=str(corrected.total) if corrected else None,
            new=str(mark.total),
            data=codec.dumps({**_meta(mark), "content_hash": digest, "content": content}),
            happened_at=w.now,
            recorded_at=w.now,
            plan_version=plan.version,
        )
        w.session.flush()
        frozen = Issued(mark, content, digest, event.id or 0, tz=w.tz)
        if deliver is not None:
            deliver(frozen)  # an error here leaves the transaction: nothing is recorded
        return frozen


def chain_head(session: Session) -> str:
    """``id:hash`` of the newest event (``0:`` and the genesis hash when there is none)."""
    last, digest = audit.head(session)
    return f"{last}:{digest}"


def _meta(mark: IssueMark) -> dict[str, Any]:
    return {
        "date": mark.day.isoformat(),
        "year": mark.year,
        "number": mark.number,
        "total": mark.total,
        "signed_by": mark.signed_by,
        "anchor": mark.anchor,
        "revision_of": list(mark.revision_of) if mark.revision_of else None,
    }


def _from_event(event: Event) -> Issued:
    data = json.loads(event.data or "{}")
    revision = data.get("revision_of")
    mark = IssueMark(
        day=date.fromisoformat(data["date"]),
        year=int(data["year"]),
        number=int(data["number"]),
        total=int(data["total"]),
        signed_by=str(data["signed_by"]),
        issued_by=event.actor,
        issued_at=event.recorded_at,
        anchor=str(data["anchor"]),
        revision_of=(int(revision[0]), int(revision[1]), int(revision[2])) if revision else None,
    )
    return Issued(mark, data.get("content", {}), str(data["content_hash"]), event.id or 0)


def _events(session: Session) -> Iterator[Issued]:
    """Every issued report, in the order issued."""
    query = (
        select(Event)
        .where(col(Event.incident_id).is_(None), Event.action == ACTION)
        .order_by(col(Event.id))
    )
    for event in session.exec(query):
        try:
            yield _from_event(event)
        except (ValueError, KeyError, TypeError, IndexError):
            raise Refused(
                _("the issued report recorded by event {id} cannot be read").format(id=event.id),
                hint=_("its data was edited behind yq's back; `yq verify` shows where"),
            ) from None


def _with_corrections(found: list[Issued], tz: str, *, keep_content: bool) -> list[Issued]:
    corrected_by = {
        e.mark.revision_of[2]: e.mark.total for e in found if e.mark.revision_of is not None
    }
    return [
        Issued(
            e.mark,
            e.content if keep_content else {},
            e.content_hash,
            e.event_id,
            corrected_by.get(e.mark.total),
            tz,
        )
        for e in found
    ]


def listing(ctx: Context) -> list[Issued]:
    """Every issued report, with the issue that corrects it where there is one."""
    with reading(ctx) as r:
        return _with_corrections(list(_events(r.session)), r.tz, keep_content=False)


_YEAR_NUMBER = re.compile(r"^\s*(\d{4})\s*(?:[-/]|年第?)\s*(\d+)\s*期?\s*$")
_TOTAL = re.compile(r"^\s*(?:总第?)?\s*(\d+)\s*期?\s*$")


def find(ctx: Context, token: str | None, *, day: str | None = None) -> Issued:
    """An issued report by its overall number (``15``, ``总第15期``), by year and number
    (``2024-3``, ``2024年第3期``), or the latest issued for a day."""
    with reading(ctx) as r:
        found = _with_corrections(list(_events(r.session)), r.tz, keep_content=True)
        wanted_day = parse_day(day, r.tz, now=r.now) if day else None
    if wanted_day is not None:
        matches = [e for e in found if e.mark.day == wanted_day]
    elif token is None:
        raise BadInput(
            _("which issue? give its number, e.g. 15 or 2024-3, or --date DAY"),
            hint=_("`yq report list` lists the issued reports"),
        )
    elif m := _YEAR_NUMBER.match(token):
        matches = [e for e in found if (e.mark.year, e.mark.number) == (int(m[1]), int(m[2]))]
    elif m := _TOTAL.match(token):
        matches = [e for e in found if e.mark.total == int(m[1])]
    else:
        raise BadInput(
            _("cannot read the issue number {token!r}").format(token=token),
            hint=_("give the overall number (15) or the year and number (2024-3)"),
        )
    if not matches:
        raise NotFound(
            _("no issued report {what}").format(what=token or (day or "")),
            hint=_("`yq report list` lists the issued reports"),
        )
    match = matches[-1]
    if content_hash(match.content) != match.content_hash:
        mark = match.mark
        raise Refused(
            _(
                "the issued report No. {total} ({year}-{number}) does not match the hash "
                "recorded when it was issued: its content was changed since"
            ).format(total=mark.total, year=mark.year, number=mark.number),
            hint=_("`yq verify` shows where; it is not printed as if it were the issued one"),
        )
    return match
