"""Plan versions in the database (R-PLAN-7).

Each incident is pinned to the version (content hash) of the plan it was opened
under, and keeps following that version when ``plan.yaml`` changes. The text of
every version used is stored, so the pinned plan can always be rebuilt.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan.schema import Plan
from yuqing_cli.store.tables import PlanVersion

_parsed: dict[str, Plan] = {}


def ensure_version(session: Session, plan: Plan, now: datetime) -> None:
    """Store the plan's text under its version, once."""
    if session.get(PlanVersion, plan.version) is None:
        session.add(
            PlanVersion(version=plan.version, source=plan.source, text=plan.text, stored_at=now)
        )
        session.flush()


def plan_for(session: Session, current: Plan, version: str) -> Plan:
    """The plan an incident follows: the current one, or the stored version it was opened under."""
    if version == current.version:
        return current
    if version not in _parsed:
        from yuqing_cli.plan.loader import parse_plan  # only for incidents of an older plan

        row = session.get(PlanVersion, version)
        if row is None:
            raise YqError(
                _("plan version {v1} is missing from the database").format(v1=version[:12]),
                hint=_("the database is damaged; run `yq verify`"),
            )
        _parsed[version] = parse_plan(
            row.text.encode("utf-8"), _("plan version {version}").format(version=version[:12])
        )
    return _parsed[version]
