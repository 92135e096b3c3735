"""`yq people …`: the links of database logins to people."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.render.console import out, print_json
from yuqing_cli.render.safe import clean
from yuqing_cli.services.people import LinkOutcome, PeopleList
from yuqing_cli.timeutil import fmt, local


def linked(result: LinkOutcome, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "login": result.login,
                "person": result.person,
                "previous": result.old,
                "changed": result.changed,
                "event": result.event_id,
            }
        )
        return
    if not result.changed:
        message = _("the login {login} already is {person}'s")
    elif result.person is None:
        message = _("unlinked the login {login} from {old}: it may read, not write")
    elif result.old is None:
        message = _("linked the login {login} to {person}")
    else:
        message = _("linked the login {login} to {person} (was {old})")
    out().print(
        Text(clean(message.format(login=result.login, person=result.person, old=result.old)))
    )


def people_list(listing: PeopleList, as_json: bool) -> None:
    tz = listing.tz
    if as_json:
        print_json(
            {
                "server": listing.on_server,
                "login": listing.login,
                "admin": listing.admin,
                "acting_as": listing.acting_as,
                "links": [
                    {
                        "login": link.login,
                        "person": link.person,
                        "roles": list(roles),
                        "linked_at": local(link.at, tz).isoformat(),
                        "linked_by": link.by,
                        "event": link.event_id,
                    }
                    for link, roles in listing.links
                ],
            }
        )
        return
    console = out()
    if listing.links:
        table = Table(box=box.SIMPLE_HEAD)
        for column in (_("login"), _("person"), _("roles"), _("linked"), _("by")):
            table.add_column(column, overflow="fold")
        for link, roles in listing.links:
            table.add_row(
                Text(clean(link.login)),
                Text(clean(link.person)),
                ", ".join(roles),
                fmt(link.at, tz),
                Text(clean(link.by)),
            )
        console.print(table)
    elif listing.on_server:
        console.print(_("no login is linked to anyone yet"))
    if not listing.on_server:
        console.print(
            Text(
                _(
                    "this is a SQLite file: --as names who acts, and the file's permissions "
                    "decide who may write it"
                ),
                style="dim",
            )
        )
        return
    if listing.admin:
        you = _(
            "you: the login {login}, an administrator's (owns the database): acts as --as names"
        )
    elif listing.acting_as:
        you = _("you: the login {login}, acting as {person}")
    else:
        you = _("you: the login {login}, linked to no one: it may read, not write")
    console.print(
        Text(clean(you.format(login=listing.login, person=listing.acting_as)), style="dim")
    )
