"""What a command runs with: the store, the plan it asked for, who is acting.

Services open their own transaction through :func:`writing` or :func:`reading`; inside
it they get the plan that governs (the adopted one, see
:mod:`yuqing_cli.services.plans`), the acting person checked against that plan's
roster, the clock, and the plan's rules for reading times.

Who is acting: on SQLite, the person ``--as`` (or ``YQ_USER``) names. On a database
server, the person the session's login is linked to (see
:mod:`yuqing_cli.services.identity`); ``--as`` may only confirm it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session

from yuqing_cli.errors import BadInput, ExitCode, Refused, YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan.schema import Plan
from yuqing_cli.services.audit import APPENDED
from yuqing_cli.services.identity import ServerIdentity, server_identity
from yuqing_cli.services.plans import PlanRequest, governing_plan, reading_plan
from yuqing_cli.services.state import REFS
from yuqing_cli.store.db import Store
from yuqing_cli.store.tables import Event
from yuqing_cli.timeutil import fmt, utcnow
from yuqing_cli.when import Anchor, TimeRules, When, parse_when


class Context(Protocol):
    """Implemented by the command line's state (and by tests)."""

    @property
    def plan_request(self) -> PlanRequest: ...

    @property
    def user(self) -> str | None: ...

    @property
    def on_server(self) -> bool:
        """The database is on a server (PostgreSQL): its login decides who acts."""
        ...

    def open_store(self, write: bool) -> Store: ...


@dataclass(frozen=True)
class Reading:
    session: Session
    plan: Plan  # the adopted plan (or, before any adoption, the one given)
    now: datetime
    store: Store

    @property
    def tz(self) -> str:
        return self.plan.info.timezone

    def time_rules(self) -> TimeRules:
        return time_rules(self.plan)


@dataclass(frozen=True)
class Writing(Reading):
    actor: str  # a person on the governing plan's roster

    def when(
        self,
        text: str | None,
        *,
        floor: When | None = None,
        what: str = "",
        anchor: Anchor | None = None,
    ) -> When:
        """When something happened: ``text`` as typed (default now), never before
        ``floor`` where the time is uncertain.

        A date written without its year or month, and 当日/次日, are read against
        ``anchor`` (the incident's timeline, :meth:`Anchor.incident`), else against the
        day of ``floor`` (the incident's detection, or the entry this one follows);
        with neither, such a date is read only when it is recent."""
        if text is None or not text.strip():
            return When.exact(self.now)
        if anchor is None and floor is not None:
            anchor = Anchor.incident(floor, None, self.tz)
        return parse_when(
            text,
            self.time_rules(),
            now=self.now,
            floor=floor.lo if floor is not None else None,
            anchor=anchor,
            what=what,
        )

    def when_after(
        self, text: str | None, bound: When | None, message: str, *, anchor: Anchor | None = None
    ) -> When:
        """:meth:`when`, floored at ``bound`` and refused if certainly before it."""
        when = self.when(text, floor=bound, anchor=anchor)
        self.not_before(when, bound, message)
        return when

    def not_before(self, when: When, bound: When | None, message: str) -> None:
        """Refuse a time that is certainly before ``bound`` (exit 2, both times shown)."""
        if bound is not None and when.hi < bound.lo:
            raise BadInput(
                message.format(
                    when=fmt(when.hi, self.tz),
                    bound=fmt(bound.lo, self.tz),
                ),
                hint=_("give a later time with --at (times are in {tz})").format(tz=self.tz),
            )


def time_rules(plan: Plan) -> TimeRules:
    return TimeRules(
        plan.info.timezone,
        timedelta(minutes=plan.time.approximate_minutes),
        plan.time.allow_unknown,
        "24h" if plan.time.bare_hour == "24h" else "ask",
    )


def acting_person(plan: Plan, user: str | None, server: ServerIdentity | None = None) -> str:
    """The roster person acting: named by --as or $YQ_USER, or on a database server the
    person the login is linked to (``server``)."""
    named = user.strip() if user else ""
    if server is not None and not server.admin:
        if server.person is None:
            raise Refused(
                _(
                    "the login {login} is not linked to anyone on the roster: "
                    "it may read, not write"
                ).format(login=server.login),
                hint=_("a leader links it: `yq people link {login} NAME`").format(
                    login=server.login
                ),
            )
        if named and plan.person(named).name != server.person:
            raise Refused(
                _("the login {login} is {person}'s: it may not act as {name}").format(
                    login=server.login, person=server.person, name=plan.person(named).name
                ),
                hint=_("leave out --as and YQ_USER: on this server the login decides who acts"),
            )
        if not any(p.name == server.person for p in plan.people):
            raise Refused(
                _(
                    "{person}, linked to the login {login}, is not on the adopted plan's roster"
                ).format(person=server.person, login=server.login),
                hint=_("a leader links the login to someone on the roster"),
            )
        return server.person
    if not named and server is not None and server.person is not None:
        return plan.person(server.person).name  # an administrator's login, linked
    if not named:
        raise YqError(
            _("who is acting? no --as NAME given and YQ_USER is not set"),
            hint=_("pass --as NAME (your name on the plan's roster) or export YQ_USER=NAME"),
            exit_code=ExitCode.BAD_INPUT,
        )
    return plan.person(named).name


@dataclass(frozen=True)
class Committed:
    """What a writing command recorded, told to the context once it is committed."""

    events: tuple[Event, ...]
    refs: dict[int, str]  # incident id -> reference
    tz: str


@contextmanager
def writing(ctx: Context) -> Iterator[Writing]:
    """One writing command: one transaction, under the governing plan, as one person.
    Once it is committed, a context with a ``committed`` method is told what was
    recorded (the command line runs the user's hooks there)."""
    if not ctx.on_server and (not ctx.user or not ctx.user.strip()):
        acting_person(ctx.plan_request.load(), ctx.user)  # raises before anything opens
    store = ctx.open_store(True)
    with store.write() as session:
        server = server_identity(session)
        plan = governing_plan(
            session, ctx.plan_request, lambda under: acting_person(under, ctx.user, server)
        )
        actor = acting_person(plan, ctx.user, server)
        yield Writing(session, plan, utcnow(), store, actor)
        done = Committed(
            tuple(session.info.get(APPENDED, ())),
            dict(session.info.get(REFS, {})),
            plan.info.timezone,
        )
    notify = getattr(ctx, "committed", None)
    if notify is not None and done.events:
        notify(done)


@contextmanager
def reading(ctx: Context) -> Iterator[Reading]:
    store = ctx.open_store(False)
    with store.read() as session:
        yield Reading(session, reading_plan(session, ctx.plan_request), utcnow(), store)
