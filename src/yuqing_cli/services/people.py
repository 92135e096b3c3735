"""`yq people …`: linking database logins to people on the roster (see
:mod:`yuqing_cli.services.identity` for what a link means)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from yuqing_cli.errors import BadInput, NotFound, Refused
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan
from yuqing_cli.services import audit
from yuqing_cli.services.context import Context, Writing, reading, writing
from yuqing_cli.services.identity import MANAGE, Link, Links, links_now, project, stored_links
from yuqing_cli.services.incidents import clean_text
from yuqing_cli.services.plans import ensure_version
from yuqing_cli.store import dialect

MAX_LOGIN = 63  # PostgreSQL's longest name


# -- the commands --------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkOutcome:
    login: str
    person: str | None  # linked to now (None: unlinked)
    old: str | None  # linked to before
    changed: bool
    event_id: int | None


def link(ctx: Context, login: str, name: str, *, note: str = "") -> LinkOutcome:
    """A leader links a database login to a person on the roster."""
    login = _login_text(login)
    note = clean_text(note, _("note"))
    with writing(ctx) as w:
        _require_server(w.session)
        _require_manager(w.plan, w.actor)
        person = w.plan.person(name).name
        _require_login_exists(w.session, login)
        links = _checked_links(w.session)
        old = links.person(login)
        if old == person:
            return LinkOutcome(login, person, old, False, None)
        after = Links(dict(links.current))
        after.current[login] = Link(login, person, 0, w.now, w.actor)
        _keep_a_manager(w.plan, links, after)
        event_id = _record(w, "link", login, old, person, note)
        after.current[login] = Link(login, person, event_id, w.now, w.actor)
        project(w.session, after)
        return LinkOutcome(login, person, old, True, event_id)


def unlink(ctx: Context, login: str, *, note: str = "") -> LinkOutcome:
    """A leader takes a login's link away: it may read, not write."""
    login = _login_text(login)
    note = clean_text(note, _("note"))
    with writing(ctx) as w:
        _require_server(w.session)
        _require_manager(w.plan, w.actor)
        links = _checked_links(w.session)
        old = links.person(login)
        if old is None:
            raise NotFound(
                _("the login {login} is not linked to anyone").format(login=login),
                hint=_("`yq people list` shows the links"),
            )
        after = Links({k: v for k, v in links.current.items() if k != login})
        _keep_a_manager(w.plan, links, after)
        event_id = _record(w, "unlink", login, old, None, note)
        project(w.session, after)
        return LinkOutcome(login, None, old, True, event_id)


def _record(
    w: Writing, action: str, login: str, old: str | None, new: str | None, note: str
) -> int:
    ensure_version(w.session, w.plan, w.now)
    event = audit.append(
        w.session,
        incident_id=None,
        seq=0,
        action=action,
        actor=w.actor,
        subject=login,
        old=old,
        new=new,
        note=note,
        happened_at=w.now,
        recorded_at=w.now,
        plan_version=w.plan.version,
    )
    w.session.flush()
    assert event.id is not None
    return event.id


@dataclass(frozen=True)
class PeopleList:
    on_server: bool
    login: str | None  # the login of this session (on a server)
    admin: bool
    acting_as: str | None  # the person it is linked to
    links: tuple[tuple[Link, tuple[str, ...]], ...]  # each link and the person's roles
    tz: str


def listing(ctx: Context) -> PeopleList:
    with reading(ctx) as r:
        login = dialect.server_login(r.session.connection())
        links = stored_links(r.session)
        rows = tuple(
            (
                link,
                tuple(sorted(rules.roles_of(r.plan, link.person))),
            )
            for _login, link in sorted(links.items())
        )
        return PeopleList(
            login is not None,
            login.name if login else None,
            login.admin if login else False,
            links[login.name].person if login and login.name in links else None,
            rows,
            r.tz,
        )


# -- checks ---------------------------------------------------------------------------------


def _login_text(login: str) -> str:
    text = login.strip()
    if not text or len(text) > MAX_LOGIN or any(c.isspace() or ord(c) < 32 for c in text):
        raise BadInput(
            _("{login!r} is not a database login name").format(login=login),
            hint=_("give the login as the server knows it, e.g. guoyan"),
        )
    return text


def _require_server(session: Session) -> None:
    if audit.session_login(session) is None:
        raise Refused(
            _("logins belong to a database server: on SQLite, --as names who acts"),
            hint=_(
                "the file's permissions decide who may write it; to share one database "
                "with logins, copy it to PostgreSQL (`yq db copy --to URL`, see docs/team.md)"
            ),
        )


def _require_manager(plan: Plan, actor: str) -> None:
    if not rules.may(plan, actor, MANAGE):
        raise Refused(
            _("{actor} may not link logins to people").format(actor=actor),
            hint=_("only {who} may (Art. {article}); ask them").format(
                who=rules.who_may(plan, plan.permission(MANAGE)),
                article=plan.permission_article(MANAGE),
            ),
        )


def _require_login_exists(session: Session, login: str) -> None:
    if not dialect.login_exists(session.connection(), login):
        raise BadInput(
            _("the server has no login {login!r}").format(login=login),
            hint=_("create it first (CREATE ROLE … LOGIN, see docs/team.md), or check the name"),
        )


def _checked_links(session: Session) -> Links:
    """The links from the events, refusing to build on a table that says otherwise."""
    links = links_now(session)
    if stored_links(session) != links.current:
        raise Refused(
            _("the stored links of logins to people do not match the audit trail"),
            hint=_("nothing was written; run `yq verify` to see what was changed"),
        )
    return links


def _keep_a_manager(plan: Plan, before: Links, after: Links) -> None:
    """Never leave the database without a login that may manage the links."""
    if before.managers(plan) and not after.managers(plan):
        raise Refused(
            _("that would leave no login linked to someone who may link logins"),
            hint=_("link another leader's login first"),
        )
