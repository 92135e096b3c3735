"""`yq db setup-roles`: the grants that let logins write or read, and no more."""

from __future__ import annotations

from dataclasses import dataclass

from yuqing_cli.errors import BadInput, Refused
from yuqing_cli.i18n import _
from yuqing_cli.services.context import Context
from yuqing_cli.store import dialect, grants


@dataclass(frozen=True)
class RolesSetup:
    where: str
    database: str
    schema: str
    writers: tuple[str, ...]
    readers: tuple[str, ...]
    statements: tuple[str, ...]
    notes: tuple[str, ...]  # logins to create first, administrators' logins
    applied: bool


def setup_roles(
    ctx: Context, writers: list[str], readers: list[str], *, apply: bool = False
) -> RolesSetup:
    """The SQL granting ``writers`` and ``readers`` their rights; run it if ``apply``."""
    if not ctx.on_server:
        raise BadInput(
            _("setup-roles is for a database on a PostgreSQL server"),
            hint=_("a SQLite file is protected by its file permissions (see docs/team.md)"),
        )
    writers = _unique(writers)
    readers = _unique(readers)
    if not writers and not readers:
        raise BadInput(
            _("name the logins: --writer LOGIN and --reader LOGIN (each repeatable)"),
            hint=_("e.g. yq db setup-roles --writer guoyan --writer lidan --reader auditor"),
        )
    both = sorted(set(writers) & set(readers))
    if both:
        raise BadInput(
            _("{logins} cannot be both a writer and a reader").format(logins=", ".join(both)),
            hint=_("a writer may also read"),
        )
    store = ctx.open_store(apply)
    if store.missing:
        raise Refused(
            _("the database {where} has no yq tables yet").format(where=store.where),
            hint=_(
                "create them with the administrator's login: `yq db upgrade`, "
                "or run setup-roles with --apply"
            ),
        )
    notes = []
    with store.write() if apply else store.read() as session:
        conn = session.connection()
        login = dialect.server_login(conn)
        if apply and (login is None or not login.admin):
            raise Refused(
                _("only the database's owner can grant rights on its tables"),
                hint=_("run it with the administrator's login (the owner of the yq tables)"),
            )
        missing = []
        for name in writers + readers:
            state = grants.login_state(conn, name)
            if not state.exists:
                missing.append(name)
            elif state.admin:
                notes.append(
                    _(
                        "{login} owns the database or is a superuser: grants cannot limit it; "
                        "keep it for administration, not daily work"
                    ).format(login=name)
                )
        if missing and apply:
            raise BadInput(
                _("the server has no login {logins}").format(logins=", ".join(missing)),
                hint=_("create it first: CREATE ROLE name LOGIN PASSWORD '…' (see docs/team.md)"),
            )
        notes = [
            _("{login} does not exist yet: CREATE ROLE {quoted} LOGIN PASSWORD '…';").format(
                login=name, quoted=grants.quote(name)
            )
            for name in missing
        ] + notes
        place = grants.place(conn)
        sql = grants.statements(place, writers, readers)
        if apply:
            for statement in sql:
                conn.exec_driver_sql(statement)
    return RolesSetup(
        store.where,
        place.database,
        place.schema,
        tuple(writers),
        tuple(readers),
        tuple(sql),
        tuple(notes),
        apply,
    )


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        text = name.strip()
        if not text:
            raise BadInput(
                _("a login name is empty"), hint=_("give the login as the server knows it")
            )
        if text not in out:
            out.append(text)
    return out
