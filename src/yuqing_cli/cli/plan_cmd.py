"""`yq plan …`: check, show and adopt the response plan.

`check`, `show` and `path` read plan files only (no database code is imported);
`adopt` and `history` work on the plans adopted in the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuqing_cli.cli.app import YqCommand, YqGroup, app, state
from yuqing_cli.cli.output import PrintJson
from yuqing_cli.errors import ExitCode
from yuqing_cli.i18n import _

plan_app = typer.Typer(
    cls=YqGroup, help=_("Check and show the response plan (plan.yaml)."), no_args_is_help=True
)
app.add_typer(plan_app, name="plan")


@plan_app.command(
    "check",
    cls=YqCommand,
    help=_("Validate a plan file: exit 0 if usable, 2 with every problem if not."),
)
def check(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE",
            help=_(
                "Plan file to check. Default: the plan in use (--plan, $YQ_PLAN, ./plan.yaml, "
                "or the shipped one)."
            ),
            show_default=False,
        ),
    ] = None,
    strict: Annotated[bool, typer.Option(help=_("Treat warnings as errors."))] = False,
) -> None:
    from yuqing_cli.plan.files import find_plan, read_plan_file
    from yuqing_cli.plan.loader import check_plan
    from yuqing_cli.render.plan_view import show_check

    path = file if file is not None else find_plan(state(ctx).plan_path)
    plan, errors, warnings = check_plan(read_plan_file(path), str(path))
    show_check(str(path), plan, errors, warnings)
    if errors or (strict and warnings):
        raise typer.Exit(int(ExitCode.BAD_INPUT))


@plan_app.command(
    "show",
    cls=YqCommand,
    help=_("Print the plan readably: roles, levels, and every stage's steps with their article."),
)
def show(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help=_("Print the plan as JSON."))] = False,
) -> None:
    from yuqing_cli.render.plan_view import show_plan, show_plan_json

    plan = state(ctx).plan()
    if json_:
        show_plan_json(plan)
    else:
        show_plan(plan)


@plan_app.command("path", cls=YqCommand, help=_("Print which plan file is in use."))
def path(ctx: typer.Context) -> None:
    from yuqing_cli.plan.files import find_plan

    print(find_plan(state(ctx).plan_path))


@plan_app.command(
    "adopt",
    cls=YqCommand,
    help=_(
        "Adopt a plan file as the plan that governs this database (a leader, under the "
        "plan adopted until now). Recorded in the audit trail."
    ),
)
def adopt(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help=_("The plan file to adopt."), show_default=False),
    ],
    note: Annotated[
        str, typer.Option("--note", "-m", help=_("Why, e.g. the decision that changed it."))
    ] = "",
) -> None:
    from yuqing_cli.render.plan_view import adopted
    from yuqing_cli.services.plan_admin import adopt_file

    adopted(adopt_file(state(ctx), file, note=note))


@plan_app.command(
    "history", cls=YqCommand, help=_("Every plan adopted in this database, the current one last.")
)
def history(
    ctx: typer.Context,
    json_: PrintJson = False,
) -> None:
    from yuqing_cli.render.plan_view import adoption_history
    from yuqing_cli.services.plan_admin import history as service

    adoption_history(service(state(ctx)), json_)
