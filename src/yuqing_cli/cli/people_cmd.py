"""`yq people …`: which database login is which person on the roster (on a server)."""

from __future__ import annotations

from typing import Annotated

import typer

from yuqing_cli.cli import complete
from yuqing_cli.cli.app import YqCommand, YqGroup, app, state
from yuqing_cli.cli.output import PrintJson
from yuqing_cli.i18n import _

people_app = typer.Typer(
    cls=YqGroup,
    help=_(
        "Who is who on a database server: link each login to a person on the roster "
        "(leaders). On SQLite, --as names who acts."
    ),
    no_args_is_help=True,
)
app.add_typer(people_app, name="people")

_NOTE = typer.Option("--note", "-m", help=_("Why, e.g. who asked for it."))


@people_app.command(
    "link",
    cls=YqCommand,
    help=_(
        "Link a database login to a person on the roster: commands run with that login "
        "act as that person. Recorded in the audit trail."
    ),
)
def link(
    ctx: typer.Context,
    login: Annotated[
        str, typer.Argument(metavar="LOGIN", help=_("The login, as the server knows it."))
    ],
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help=_("A person on the plan's roster."),
            autocompletion=complete.people,
        ),
    ],
    note: Annotated[str, _NOTE] = "",
    json_: PrintJson = False,
) -> None:
    from yuqing_cli.render.people_view import linked
    from yuqing_cli.services.people import link as service

    linked(service(state(ctx), login, name, note=note), json_)


@people_app.command(
    "unlink",
    cls=YqCommand,
    help=_("Take a login's link away: it may still read, no longer write."),
)
def unlink(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(metavar="LOGIN", help=_("The login to unlink."))],
    note: Annotated[str, _NOTE] = "",
    json_: PrintJson = False,
) -> None:
    from yuqing_cli.render.people_view import linked
    from yuqing_cli.services.people import unlink as service

    linked(service(state(ctx), login, note=note), json_)


@people_app.command(
    "list", cls=YqCommand, help=_("Each linked login, its person and roles, and who you are.")
)
def list_(ctx: typer.Context, json_: PrintJson = False) -> None:
    from yuqing_cli.render.people_view import people_list
    from yuqing_cli.services.people import listing

    people_list(listing(state(ctx)), json_)
