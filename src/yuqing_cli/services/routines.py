"""Recurring duties declared in the plan: the daily web patrol (Art. 4) and regular
coordination (Art. 8). A run is an event in the audit trail with no incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from yuqing_cli.errors import Refused
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Routine
from yuqing_cli.services import audit
from yuqing_cli.services.context import Context, reading, writing
from yuqing_cli.services.incidents import clean_text
from yuqing_cli.services.plans import ensure_version
from yuqing_cli.services.state import event_data, fact_of
from yuqing_cli.store.tables import Event, Incident
from yuqing_cli.timeutil import day_bounds, local
from yuqing_cli.when import When


@dataclass(frozen=True)
class RoutineStatus:
    routine: Routine
    last: When | None
    last_by: str | None
    last_zero: bool
    due_at: datetime | None  # when the next run is due
    overdue: bool
    tz: str

    @property
    def last_at(self) -> datetime | None:
        return self.last.at if self.last else None


def record_run(
    ctx: Context,
    token: str,
    *,
    note: str = "",
    zero: bool = False,
    at: str | None = None,
    force: bool = False,
) -> RoutineStatus:
    note = clean_text(note, _("note"))
    with writing(ctx) as w:
        routine = w.plan.routine(token)
        if not rules.roles_of(w.plan, w.actor) & set(routine.roles):
            raise Refused(
                _("{actor} is not among those who do the {routine}").format(
                    actor=w.actor, routine=routine.name
                ),
                hint=_("only {who} do it (Art. {article}); ask them").format(
                    who=rules.who_may(w.plan, routine.roles), article=routine.article
                ),
            )
        when = w.when(at)
        if zero and not force:
            found = _logged_that_day(w.session, when, w.tz)
            if found:
                raise Refused(
                    _(
                        "{n} incident(s) were logged on {day}: a zero report (零报告) says "
                        "the patrol found nothing"
                    ).format(n=found, day=local(when.at, w.tz).date().isoformat()),
                    hint=_("record the run without --zero, or add --force if it is right"),
                )
        ensure_version(w.session, w.plan, w.now)
        audit.append(
            w.session,
            incident_id=None,
            seq=0,
            action="routine",
            actor=w.actor,
            subject=routine.id,
            new="zero" if zero else "done",
            note=note,
            data=event_data(when),
            happened_at=when.at,
            recorded_at=w.now,
            plan_version=w.plan.version,
        )
        return _status(routine, when, w.actor, zero, w.now, w.tz)


def _logged_that_day(session: Session, when: When, tz: str) -> int:
    """Incidents (not exercises, not voided) detected on the day of ``when``."""
    start, end = day_bounds(local(when.at, tz).date(), tz)
    rows = session.exec(
        select(Incident.id).where(
            col(Incident.detected_at) >= start,
            col(Incident.detected_at) < end,
            col(Incident.exercise).is_(False),
            col(Incident.voided).is_(False),
        )
    )
    return len(list(rows))


def _status(
    routine: Routine, last: When | None, by: str | None, zero: bool, now: datetime, tz: str
) -> RoutineStatus:
    due = last.hi + timedelta(hours=routine.every_hours) if last else None
    return RoutineStatus(routine, last, by, zero, due, due is None or due < now, tz)


def statuses(ctx: Context) -> list[RoutineStatus]:
    out = []
    with reading(ctx) as r:
        for routine in r.plan.routines:
            last = r.session.exec(
                select(Event)
                .where(Event.action == "routine", Event.subject == routine.id)
                .order_by(col(Event.happened_at).desc())
                .limit(1)
            ).first()
            if last is None:
                out.append(_status(routine, None, None, False, r.now, r.tz))
            else:
                fact = fact_of(last)
                out.append(_status(routine, fact.when, fact.actor, fact.new == "zero", r.now, r.tz))
    return out
