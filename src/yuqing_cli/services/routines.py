"""Recurring duties declared in the plan: the daily web patrol (Art. 4) and regular
coordination (Art. 8). A run is an event in the audit trail with no incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from yuqing_cli.errors import Refused
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan, Routine
from yuqing_cli.services import audit
from yuqing_cli.services.plans import ensure_version
from yuqing_cli.store.db import Store
from yuqing_cli.store.tables import Event
from yuqing_cli.timeutil import utcnow


@dataclass(frozen=True)
class RoutineStatus:
    routine: Routine
    last_at: datetime | None
    last_by: str | None
    last_zero: bool
    due_at: datetime | None  # when the next run is due
    overdue: bool


def record_run(
    store: Store,
    plan: Plan,
    actor: str,
    token: str,
    *,
    note: str = "",
    zero: bool = False,
    at: datetime | None = None,
) -> RoutineStatus:
    routine = plan.routine(token)
    if not rules.roles_of(plan, actor) & set(routine.roles):
        raise Refused(
            _("{actor} is not among those who do the {routine_name}").format(
                actor=actor, routine_name=routine.name
            ),
            hint=_("only {v1} do it (Art. {routine_article})").format(
                v1=rules.who_may(plan, routine.roles), routine_article=routine.article
            ),
        )
    now = utcnow()
    when = at or now
    with store.write() as session:
        ensure_version(session, plan, now)
        audit.append(
            session,
            incident=None,
            action="routine",
            actor=actor,
            subject=routine.id,
            new="zero" if zero else "done",
            note=note.strip(),
            happened_at=when,
            recorded_at=now,
            plan_version=plan.version,
        )
    return _status(routine, when, actor, zero, now)


def _status(
    routine: Routine, last_at: datetime | None, by: str | None, zero: bool, now: datetime
) -> RoutineStatus:
    due = last_at + timedelta(hours=routine.every_hours) if last_at else None
    return RoutineStatus(routine, last_at, by, zero, due, due is None or due < now)


def statuses(store: Store, plan: Plan) -> list[RoutineStatus]:
    now = utcnow()
    out = []
    with store.read() as session:
        for routine in plan.routines:
            last = session.exec(
                select(Event)
                .where(Event.action == "routine", Event.subject == routine.id)
                .order_by(col(Event.happened_at).desc())
                .limit(1)
            ).first()
            if last is None:
                out.append(_status(routine, None, None, False, now))
            else:
                out.append(_status(routine, last.happened_at, last.actor, last.new == "zero", now))
    return out
