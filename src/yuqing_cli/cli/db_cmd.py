"""`yq db …` and `yq verify`: where the data is, its schema, and the audit chain."""

from __future__ import annotations

from typing import Annotated

import typer

from yuqing_cli.cli.app import YqCommand, YqGroup, app, state
from yuqing_cli.cli.output import PrintJson
from yuqing_cli.errors import BadInput, ExitCode
from yuqing_cli.i18n import _

db_app = typer.Typer(
    cls=YqGroup, help=_("The database: where it is and its schema."), no_args_is_help=True
)
app.add_typer(db_app, name="db")


@db_app.command(
    "path",
    cls=YqCommand,
    help=_("Print where the data is (the SQLite file, or the database URL without its password)."),
)
def path(ctx: typer.Context) -> None:
    from yuqing_cli.paths import db_url, display_url, sqlite_path

    url = db_url(state(ctx).db)
    print(sqlite_path(url) or display_url(url))


@db_app.command(
    "status", cls=YqCommand, help=_("Where the database is, and its applied migrations.")
)
def status(ctx: typer.Context) -> None:
    from yuqing_cli.render.db_view import status as render
    from yuqing_cli.store.db import Store

    render(Store.describe(state(ctx).db))


@db_app.command(
    "upgrade",
    cls=YqCommand,
    help=_("Bring a database made by an older yq up to this version's schema."),
)
def upgrade(ctx: typer.Context) -> None:
    from yuqing_cli.store.migrations import applied

    store = state(ctx).open_store(True)
    with store.read() as session:
        names = applied(session.connection())
    print(_("database: {path}").format(path=store.where))
    print(_("  {n} migrations applied; the schema is current").format(n=len(names)))


@db_app.command(
    "copy",
    cls=YqCommand,
    help=_(
        "Copy this database, every row and the same hash chain, into an empty one: "
        "a SQLite file onto a PostgreSQL server, or back."
    ),
)
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="PATH|URL",
            help=_("The empty database to copy into: a file path or a SQLAlchemy URL."),
            show_default=False,
        ),
    ],
) -> None:
    from yuqing_cli.render.db_view import CopyProgress, copied
    from yuqing_cli.services.transfer import copy_database

    with CopyProgress() as progress:
        result = copy_database(state(ctx), to, progress)
    copied(result)


@db_app.command(
    "backup",
    cls=YqCommand,
    help=_(
        "Copy this SQLite database into a new file (0600) while others work, verify the "
        "copy as `yq verify` does, and print its chain head. A server: `pg_dump`."
    ),
)
def backup(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(metavar="FILE", help=_("The new backup file."), show_default=False),
    ],
) -> None:
    from yuqing_cli.render.db_view import backed_up
    from yuqing_cli.services.backup import backup as service

    backed_up(service(state(ctx), file))


@db_app.command(
    "restore",
    cls=YqCommand,
    help=_(
        "Copy a backup made by `yq db backup` into this (empty) database, as `yq db copy` "
        "does; a backup that does not verify is refused."
    ),
)
def restore(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(metavar="BACKUP", help=_("The backup file."), show_default=False),
    ],
) -> None:
    from yuqing_cli.render.db_view import CopyProgress, copied
    from yuqing_cli.services.backup import restore as service

    with CopyProgress() as progress:
        result = service(state(ctx), file, state(ctx).db, progress)
    copied(result)


@db_app.command(
    "setup-roles",
    cls=YqCommand,
    help=_(
        "Print (or with --apply run) the SQL that lets writer logins append events and "
        "reader logins read, and no more (PostgreSQL)."
    ),
)
def setup_roles(
    ctx: typer.Context,
    writer: Annotated[
        list[str] | None,
        typer.Option(
            "--writer",
            metavar="LOGIN",
            help=_("A login that records (people link it to a person). Repeatable."),
            show_default=False,
        ),
    ] = None,
    reader: Annotated[
        list[str] | None,
        typer.Option(
            "--reader",
            metavar="LOGIN",
            help=_("A login that only reads, e.g. an inspector's. Repeatable."),
            show_default=False,
        ),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply", help=_("Run the SQL (as the database's owner) instead of printing it.")
        ),
    ] = False,
) -> None:
    from yuqing_cli.render.db_view import roles_setup
    from yuqing_cli.services.roles import setup_roles as service

    roles_setup(service(state(ctx), writer or [], reader or [], apply=apply))


@app.command(
    cls=YqCommand,
    help=_(
        "Check the audit trail and everything built from it: exit 0 if all holds, 1 "
        "naming each finding."
    ),
)
def verify(
    ctx: typer.Context,
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            help=_(
                "ID:HASH of an event recorded earlier (e.g. the head printed by a "
                "past run); fails if history was rewritten. Repeatable."
            ),
            show_default=False,
        ),
    ] = None,
    json_: PrintJson = False,
) -> None:
    from yuqing_cli.render.audit_view import verify_result
    from yuqing_cli.services.verify import verification

    anchors = dict(_anchor(a) for a in anchor or [])
    with verification(state(ctx), anchors) as run:
        ok = verify_result(run, json_)
    if not ok:
        raise typer.Exit(int(ExitCode.REFUSED))


def _anchor(text: str) -> tuple[int, str]:
    event_id, _sep, digest = text.partition(":")
    if not event_id.isdigit() or len(digest) != 64:
        raise BadInput(
            _("cannot read the anchor {text!r}").format(text=text),
            hint=_("give ID:HASH as printed by `yq verify`, e.g. 42:3f1c…"),
        )
    return int(event_id), digest.lower()
