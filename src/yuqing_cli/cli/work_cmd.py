"""`yq todo` (`yq mine`), `yq due`, and the corrections `yq edit`, `yq void`, `yq undo`."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import typer

from yuqing_cli.cli import complete
from yuqing_cli.cli.app import YqCommand, app, state
from yuqing_cli.cli.incident_cmd import Json, Reason, Ref
from yuqing_cli.errors import BadInput, ExitCode
from yuqing_cli.i18n import _

Everyone = Annotated[
    bool, typer.Option("--all", "-a", help=_("Everyone's tasks, with who may do each."))
]
Role = Annotated[
    str | None,
    typer.Option(
        "--role", help=_("The tasks of one role (id or name)."), show_default=False,
        autocompletion=complete.roles,
    ),
]  # fmt: skip


def _todo(ctx: typer.Context, everyone: bool, role: str | None, json_: bool) -> None:
    from yuqing_cli.render.todo_view import task_list
    from yuqing_cli.services.todo import todo as service

    task_list(service(state(ctx), everyone=everyone, role=role), json_)


@app.command(
    cls=YqCommand,
    help=_(
        "What you may do now, across open incidents: overdue first, then by deadline, "
        "each with the command to run."
    ),
)
def todo(
    ctx: typer.Context, everyone: Everyone = False, role: Role = None, json_: Json = False
) -> None:
    _todo(ctx, everyone, role, json_)


@app.command(cls=YqCommand, help=_("Same as `yq todo`: what you may do now."))
def mine(
    ctx: typer.Context, everyone: Everyone = False, role: Role = None, json_: Json = False
) -> None:
    _todo(ctx, everyone, role, json_)


def _window(text: str) -> timedelta:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|分钟|小时|天)?\s*", text)
    if not m:
        raise BadInput(
            _("cannot read the window {text!r}").format(text=text),
            hint=_("e.g. 30m, 2h, 1d"),
        )
    unit = m[2] or "h"
    value = float(m[1])
    if unit in ("m", "min", "分钟"):
        return timedelta(minutes=value)
    if unit in ("d", "天"):
        return timedelta(days=value)
    return timedelta(hours=value)


@app.command(
    cls=YqCommand,
    help=_(
        "Steps overdue or due within the window, for everyone (for cron or a timer). "
        "Exit 0 when there are none, 4 when there are some."
    ),
)
def due(
    ctx: typer.Context,
    within: Annotated[
        str,
        typer.Option("--within", "-w", help=_("The window, e.g. 30m, 2h, 1d.")),
    ] = "2h",
    json_: Json = False,
) -> None:
    from yuqing_cli.render.todo_view import task_list
    from yuqing_cli.services.todo import due as service

    found = service(state(ctx), _window(within))
    task_list(found, json_)
    if found.tasks:
        raise typer.Exit(int(ExitCode.DUE))


@app.command(
    cls=YqCommand,
    help=_(
        "Correct what was logged: title, summary, link, platform, categories (a new "
        "category brings the steps it needs), sentiment, first seen."
    ),
)
def edit(
    ctx: typer.Context,
    ref: Ref,
    title: Annotated[str | None, typer.Option("--title", help=_("The title."),
                                              show_default=False)] = None,
    summary: Annotated[str | None, typer.Option("--summary", help=_("The summary."),
                                                show_default=False)] = None,
    url: Annotated[str | None, typer.Option("--url", "-u", help=_("The link."),
                                            show_default=False)] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", "--platform", "-s", help=_("The platform."), show_default=False),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category", "-c",
            help=_("The categories, replacing the old ones; several with commas or repeated."),
            autocompletion=complete.categories, show_default=False,
        ),
    ] = None,
    sentiment: Annotated[
        str | None, typer.Option("--sentiment", help=_("The sentiment."), show_default=False)
    ] = None,
    first_seen: Annotated[
        str | None,
        typer.Option("--first-seen", help=_("When it first appeared online."), show_default=False),
    ] = None,
    reason: Annotated[
        str, typer.Option("--reason", "-r", help=_("Why it is corrected."))
    ] = "",
    json_: Json = False,
) -> None:  # fmt: skip
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.corrections import edit as service

    result = service(
        state(ctx), ref, title=title, summary=summary, url=url, platform=source,
        categories=tuple(category or ()), sentiment=sentiment, first_seen=first_seen,
        reason=reason,
    )  # fmt: skip
    outcome(result, json_)


@app.command(
    cls=YqCommand,
    help=_(
        "Void an incident logged by mistake or twice (leaders): kept in the trail and the "
        "ledger with its mark, left out of lists, counts and reports."
    ),
)
def void(
    ctx: typer.Context,
    ref: Ref,
    reason: Reason = "",
    duplicate_of: Annotated[
        str | None,
        typer.Option("--duplicate-of", help=_("The incident it duplicates."),
                     show_default=False, autocompletion=complete.refs),
    ] = None,
    json_: Json = False,
) -> None:  # fmt: skip
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.corrections import void as service

    outcome(service(state(ctx), ref, reason=reason, duplicate_of=duplicate_of), json_)


@app.command(
    cls=YqCommand,
    help=_(
        "Take back a step done or waived in error: your own last one, or a named one "
        "(anyone's, with the plan's undo permission). The step is open again."
    ),
)
def undo(
    ctx: typer.Context,
    ref: Ref,
    step: Annotated[
        str | None,
        typer.Argument(metavar="STEP", help=_("The step; default: your last one."),
                       show_default=False, autocompletion=complete.open_steps),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", "-r", help=_("Why."))] = "",
    json_: Json = False,
) -> None:  # fmt: skip
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.corrections import undo as service

    outcome(service(state(ctx), ref, step, reason=reason), json_)
