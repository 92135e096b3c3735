"""`yq db …` and `yq verify`: where the data is, its schema, and the audit chain."""

from __future__ import annotations

from typing import Annotated

import typer

from yuqing_cli.cli.app import YqCommand, YqGroup, app, state
from yuqing_cli.errors import BadInput, ExitCode
from yuqing_cli.i18n import _

db_app = typer.Typer(
    cls=YqGroup, help=_("The database: where it is and its schema."), no_args_is_help=True
)
app.add_typer(db_app, name="db")


@db_app.command(
    "path", cls=YqCommand, help=_("Print where the data is (the SQLite file, or the database URL).")
)
def path(ctx: typer.Context) -> None:
    from yuqing_cli.paths import db_url, sqlite_path

    url = db_url(state(ctx).db)
    print(sqlite_path(url) or url)


@db_app.command(
    "status",
    cls=YqCommand,
    help=_("Open (creating or upgrading) the database and list the applied migrations."),
)
def status(ctx: typer.Context) -> None:
    from yuqing_cli.store.migrations import applied

    store = state(ctx).store()
    with store.read() as session:
        names = applied(session.connection())
    print(_("database: {path}").format(path=store.path or store.url))
    for name in names:
        print(_("  applied {migration}").format(migration=name))


@app.command(
    cls=YqCommand,
    help=_("Check the audit trail's hash chain: exit 0 if intact, 1 naming the first bad event."),
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
    json_: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    from yuqing_cli.render.audit_view import verify_result
    from yuqing_cli.services.audit import verify as service

    anchors = dict(_anchor(a) for a in anchor or [])
    store = state(ctx).store()
    with store.read() as session:
        result = service(session.connection(), anchors)
    verify_result(result, json_)
    if not result.ok:
        raise typer.Exit(int(ExitCode.REFUSED))


def _anchor(text: str) -> tuple[int, str]:
    event_id, _sep, digest = text.partition(":")
    if not event_id.isdigit() or len(digest) != 64:
        raise BadInput(
            _("cannot read the anchor {text!r}").format(text=text),
            hint=_("give ID:HASH as printed by `yq verify`, e.g. 42:3f1c…"),
        )
    return int(event_id), digest.lower()
