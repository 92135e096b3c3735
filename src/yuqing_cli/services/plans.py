"""Plans in the database: stored versions, adoption, and the plan that governs writes.

The plan decides who may do what, so it is not picked up from a directory: it is
*adopted* into the database by a leader (`yq plan adopt FILE`), which records the
plan's text under its version (the SHA-256 of the file) and an ``adopt`` event in the
audit chain. A new database adopts the plan in use when it is first written (the
shipped plan, unless another was given), and says so. A plan file given with
``--plan``, ``$YQ_PLAN`` or ``./plan.yaml`` that is not the adopted one may be checked
and shown, but a writing command run with it is refused.

Each incident is pinned to the version it was opened under (R-PLAN-7) and keeps
following it; the stored text of every version is what rebuilds it.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import overload

from sqlmodel import Session, col, select

from yuqing_cli.errors import Refused, YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan
from yuqing_cli.services import audit
from yuqing_cli.store.tables import Event, PlanVersion
from yuqing_cli.timeutil import utcnow

_parsed: dict[tuple[str, bool], Plan] = {}


@dataclass(frozen=True)
class PlanRequest:
    """The plan file a command was run with, loaded only if it is needed."""

    load: Callable[[], Plan]
    explicit: bool  # named by --plan, $YQ_PLAN or ./plan.yaml (not the shipped default)


def ensure_version(session: Session, plan: Plan, now: datetime) -> None:
    """Store the plan's text under its version, once."""
    if session.get(PlanVersion, plan.version) is None:
        session.add(
            PlanVersion(version=plan.version, source=plan.source, text=plan.text, stored_at=now)
        )
        session.flush()


def plan_for(session: Session, current: Plan | None, version: str) -> Plan:
    """The plan of ``version``: ``current`` if it is that version, else the stored text."""
    from yuqing_cli.plan.files import parse_cached, parsing_afresh

    if current is not None and version == current.version:
        return current
    key = (version, parsing_afresh())  # parsed afresh (`yq verify`) is kept apart
    if key not in _parsed:
        row = session.get(PlanVersion, version)
        if row is None:
            raise YqError(
                _("plan version {v1} is missing from the database").format(v1=version[:12]),
                hint=_("the database is damaged; run `yq verify`"),
            )
        data = row.text.encode("utf-8")
        if hashlib.sha256(data).hexdigest() != version:
            raise YqError(
                _("the stored text of plan version {version} was changed").format(
                    version=version[:12]
                ),
                hint=_("the database was edited behind yq's back; run `yq verify`"),
            )
        _parsed[key] = parse_cached(data, _("plan version {version}").format(version=version[:12]))
    return _parsed[key]


@dataclass(frozen=True)
class Adoption:
    version: str
    actor: str
    at: datetime
    note: str
    event_id: int


def adoptions(session: Session) -> list[Adoption]:
    rows = session.exec(select(Event).where(Event.action == "adopt").order_by(col(Event.id))).all()
    return [Adoption(e.subject, e.actor, e.recorded_at, e.note, e.id or 0) for e in rows]


def adopted_version(session: Session) -> str | None:
    row = session.exec(
        select(Event.subject).where(Event.action == "adopt").order_by(col(Event.id).desc())
    ).first()
    return row


class AdoptedPlans:
    """The plan adopted at any point of the chain: rights follow it.

    ``adoptions`` are the ``adopt`` events as (event id, version), in chain order.
    """

    def __init__(self, session: Session, adoptions: list[tuple[int, str]]) -> None:
        self.session = session
        self.adoptions = adoptions

    @overload
    def at(self, event_id: int, before_any: Plan) -> Plan: ...
    @overload
    def at(self, event_id: int, before_any: None) -> Plan | None: ...

    def at(self, event_id: int, before_any: Plan | None) -> Plan | None:
        """The plan adopted before event ``event_id`` (``before_any`` if none was)."""
        index = bisect.bisect_left(self.adoptions, (event_id, ""))
        if index == 0:
            return before_any
        return plan_for(self.session, before_any, self.adoptions[index - 1][1])


def reading_plan(session: Session, request: PlanRequest) -> Plan:
    """The plan to read with: the adopted one, or (nothing adopted yet) the one given."""
    version = adopted_version(session)
    if version is None:
        return request.load()
    return plan_for(session, None, version)


def governing_plan(
    session: Session, request: PlanRequest, actor_under: Callable[[Plan], str]
) -> Plan:
    """The plan a writing command works under, in the caller's writing transaction.

    ``actor_under(plan)`` names who is acting under a plan: the author of the first
    adoption, when this command is the database's first write.
    """
    version = adopted_version(session)
    if version is None:
        plan = request.load()
        _record_adoption(
            session,
            plan,
            actor_under(plan),
            _("adopted when the database was first written to"),
        )
        return plan
    if request.explicit:
        requested = request.load()
        if requested.version != version:
            raise Refused(
                _("the plan {source} is not the plan adopted in this database").format(
                    source=requested.source
                ),
                hint=_(
                    "a leader adopts it with `yq plan adopt {source}`; without --plan, "
                    "YQ_PLAN or ./plan.yaml the adopted plan is used"
                ).format(source=requested.source),
            )
        return plan_for(session, requested, version)
    return plan_for(session, None, version)


def adopt(session: Session, current: Plan, new: Plan, actor: str, note: str) -> bool:
    """A leader adopts ``new`` (under the rights of the plan adopted until now).

    Returns False if ``new`` already is the adopted plan.
    """
    if not rules.may(current, actor, "adopt"):
        raise Refused(
            _("{actor} may not adopt a plan").format(actor=actor),
            hint=_("only {who} may (Art. {article}); ask them").format(
                who=rules.who_may(current, current.permission("adopt")),
                article=current.permission_article("adopt"),
            ),
        )
    if adopted_version(session) == new.version:
        return False
    _record_adoption(session, new, actor, note)
    return True


def _record_adoption(session: Session, plan: Plan, actor: str, note: str) -> None:
    now = utcnow()
    ensure_version(session, plan, now)
    audit.append(
        session,
        incident_id=None,
        seq=0,
        action="adopt",
        actor=actor,
        subject=plan.version,
        new=plan.source,
        note=note,
        happened_at=now,
        recorded_at=now,
        plan_version=plan.version,
    )
    session.flush()
