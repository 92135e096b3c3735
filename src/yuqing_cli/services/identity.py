"""Who acts, on a database server: logins linked to people on the roster.

On SQLite whoever can write the file can write anything in it, so ``--as NAME`` (or
``YQ_USER``) only names the person acting; the file's permissions are the protection.

On PostgreSQL the server authenticates a login (``session_user``). A leader links each
login to a person on the roster (``yq people link LOGIN NAME``, an event in the chain).
A command then acts as the person its login is linked to: ``--as`` may be left out, and
is refused if it names anyone else; a login linked to no one may read, not write. Every
event names the login that wrote it, and the server checks that it does (a trigger), so
``yq verify`` can check each event's actor against the person its login was linked to.

An administrator's login — one that owns the database's tables, or a superuser — can
change anything in the database anyway (it could drop the triggers), so yq does not
pretend to limit it: like the owner of a SQLite file it acts as the person ``--as``
names, and each event it writes says an administrator's login wrote it. Daily work is
done with personal logins; the administrator's sets the database up.

Links are folded from the ``link``/``unlink`` events, never taken from the
``person_login`` table (a projection, for reading and for inspection with SQL): a link
counts only if its author may manage people under the plan adopted at the time and,
unless an administrator's login wrote it, was the person its own login was linked to.
So nobody can link themselves to a leader, whatever rows they insert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan
from yuqing_cli.services import audit
from yuqing_cli.services.plans import AdoptedPlans
from yuqing_cli.store.tables import Event, PersonLogin

LINK_ACTIONS = ("link", "unlink")
MANAGE = "people"  # the plan's permission to link logins to people


@dataclass(frozen=True, slots=True)
class Link:
    login: str
    person: str
    event_id: int  # the link event
    at: datetime  # when it was recorded
    by: str  # who linked it


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """A ``link`` or ``unlink`` event as the fold reads it."""

    id: int
    action: str
    actor: str
    subject: str  # the login
    new: str | None  # the person (link)
    login: str | None  # who wrote it (None: before logins were recorded, or SQLite)
    login_admin: bool
    recorded_at: datetime


def admin_flag(value: Any) -> bool:
    """``login_admin`` as stored: a boolean (SQLite keeps 0 or 1)."""
    return value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1)


@dataclass
class Links:
    """The links in force at one point of the chain, folded event by event."""

    current: dict[str, Link] = field(default_factory=dict)

    def person(self, login: str) -> str | None:
        link = self.current.get(login)
        return link.person if link is not None else None

    def impersonation(self, actor: str, login: str | None, admin: bool) -> str | None:
        """Why an event by ``login`` recorded as ``actor`` does not hold, or None."""
        if login is None or admin:
            return None
        person = self.person(login)
        if person == actor:
            return None
        if person is None:
            return _("it was written by the login {login}, which was linked to no one").format(
                login=login
            )
        return _("it was written by the login {login}, linked to {person}, as {actor}").format(
            login=login, person=person, actor=actor
        )

    def apply(self, event: LinkEvent, plan: Plan | None) -> str | None:
        """Apply one link or unlink; if it does not count, say why (and change nothing)."""
        problem = self.impersonation(event.actor, event.login, event.login_admin)
        if problem is not None:
            return problem
        if plan is None or not rules.may(plan, event.actor, MANAGE):
            return _("{actor} was not entitled to link logins to people").format(actor=event.actor)
        if event.action == "link":
            if event.new is None or not any(p.name == event.new for p in plan.people):
                return _("it links to {person}, who is not on the plan's roster").format(
                    person=event.new
                )
            self.current[event.subject] = Link(
                event.subject, event.new, event.id, event.recorded_at, event.actor
            )
        else:
            self.current.pop(event.subject, None)
        return None

    def managers(self, plan: Plan) -> set[str]:
        """Logins whose person may manage the links under ``plan``."""
        return {
            login for login, link in self.current.items() if rules.may(plan, link.person, MANAGE)
        }


def fold(
    events: Iterable[LinkEvent], plan_at: Callable[[int], Plan | None]
) -> tuple[Links, list[tuple[LinkEvent, str]]]:
    """The links after ``events`` (in chain order), and the events that did not count."""
    links = Links()
    refused = []
    for event in events:
        problem = links.apply(event, plan_at(event.id))
        if problem is not None:
            refused.append((event, problem))
    return links, refused


def links_now(session: Session) -> Links:
    """The links in force, from the events (in the caller's transaction)."""
    table = Event.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa_select(
            table.c.id,
            table.c.action,
            table.c.actor,
            table.c.subject,
            table.c.new,
            table.c.login,
            table.c.login_admin,
            table.c.recorded_at,
        )
        .where(table.c.incident_id.is_(None))
        .where(table.c.action.in_(("adopt", *LINK_ACTIONS)))
        .order_by(table.c.id)
    ).all()
    adopted = AdoptedPlans(session, [(r[0], r[3]) for r in rows if r[1] == "adopt"])
    events = [
        LinkEvent(r[0], r[1], r[2], r[3], r[4], r[5], admin_flag(r[6]), r[7])
        for r in rows
        if r[1] in LINK_ACTIONS
    ]
    links, _refused = fold(events, lambda event_id: adopted.at(event_id, None))
    return links


def server_identity(session: Session) -> ServerIdentity | None:
    """The session's login and the person it is linked to; None on SQLite."""
    login = audit.session_login(session)
    if login is None:
        return None
    return ServerIdentity(login.name, login.admin, links_now(session).person(login.name))


def stored_links(session: Session) -> dict[str, Link]:
    return {
        row.login: Link(row.login, row.person, row.event_id, row.linked_at, row.linked_by)
        for row in session.exec(select(PersonLogin))
    }


def project(session: Session, links: Links) -> None:
    """Write the links in force to ``person_login``: its only writer."""
    session.exec(delete(PersonLogin))
    for link in links.current.values():
        session.add(
            PersonLogin(
                login=link.login,
                person=link.person,
                event_id=link.event_id,
                linked_at=link.at,
                linked_by=link.by,
            )
        )
    session.flush()


@dataclass(frozen=True, slots=True)
class ServerIdentity:
    """Who a session on a database server is."""

    login: str
    admin: bool  # owns the database's tables, or a superuser: acts as --as names
    person: str | None  # the person the login is linked to
