"""`yq report`, `yq export` and `yq routine …`."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yuqing_cli.cli import complete
from yuqing_cli.cli.app import YqCommand, YqGroup, app, state
from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _


class ReportFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help=_("Write to this file instead of the terminal."),
        dir_okay=False,
        show_default=False,
    ),
]
Exercises = Annotated[
    bool, typer.Option("--include-exercises", help=_("Count exercises (演练) too."))
]


def _emit(text: str, output: Path | None, *, bom: bool = False) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from yuqing_cli.render.console import write_file

    try:
        write_file(output, text, bom=bom)
    except OSError as exc:
        raise BadInput(
            _("cannot write {output}: {exc_strerror}").format(
                output=output, exc_strerror=exc.strerror
            ),
            hint=_("check the directory exists and is writable"),
        ) from None
    print(_("written: {path}").format(path=output), file=sys.stderr)


@app.command(
    cls=YqCommand,
    help=_("The daily report (舆情日报), as the records stood at the end of that day."),
)
def report(
    ctx: typer.Context,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            "-d",
            help=_("The day, YYYY-MM-DD, in the plan's time zone. Default: today."),
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        ReportFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = ReportFormat.table,
    output: Output = None,
    include_exercises: Exercises = False,
    json_: Annotated[bool, typer.Option("--json", help=_("Same as --format json."))] = False,
) -> None:
    from yuqing_cli.render import report_view as view
    from yuqing_cli.render.console import captured
    from yuqing_cli.services.report import daily_report
    from yuqing_cli.timeutil import parse_day

    st = state(ctx)
    day = parse_day(date) if date else None
    result = daily_report(st.store(), st.plan(), day, include_exercises=include_exercises)
    fmt = ReportFormat.json if json_ else format_
    if fmt is ReportFormat.json:
        _emit(json.dumps(view.report_json(result), ensure_ascii=False, indent=2) + "\n", output)
    elif fmt is ReportFormat.markdown:
        _emit(view.report_markdown(result), output)
    elif fmt is ReportFormat.csv:
        _emit(view.report_csv(result), output, bom=output is not None)
    elif output is not None:
        with captured() as buffer:
            view.report_terminal(result)
        _emit(buffer.getvalue(), output)
    else:
        view.report_terminal(result)


@app.command(
    cls=YqCommand,
    help=_("The ledger (台账): one row per incident with its key dates. CSV is spreadsheet-safe."),
)
def export(
    ctx: typer.Context,
    format_: Annotated[
        ExportFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = ExportFormat.csv,
    output: Output = None,
    include_exercises: Exercises = False,
) -> None:
    from yuqing_cli.render.report_view import ledger_csv, ledger_json
    from yuqing_cli.services.report import ledger

    st = state(ctx)
    plan = st.plan()
    rows = ledger(st.store(), plan, include_exercises=include_exercises)
    tz = plan.info.timezone
    if format_ is ExportFormat.json:
        _emit(ledger_json(rows, tz), output)
    else:
        _emit(ledger_csv(rows, tz), output, bom=output is not None)


routine_app = typer.Typer(
    cls=YqGroup,
    help=_("Recurring duties: the daily web patrol (Art. 4), regular coordination (Art. 8)."),
    no_args_is_help=True,
)
app.add_typer(routine_app, name="routine")


@routine_app.command(
    "done", cls=YqCommand, help=_("Record one run of a routine, e.g. today's web patrol.")
)
def routine_done(
    ctx: typer.Context,
    routine: Annotated[
        str,
        typer.Argument(
            metavar="ROUTINE",
            help=_("Routine id or name, e.g. patrol."),
            show_default=False,
            autocompletion=complete.routines,
        ),
    ],
    note: Annotated[str, typer.Option("--note", "-m", help=_("What was found or agreed."))] = "",
    zero: Annotated[
        bool, typer.Option("--zero", help=_("Nothing found: a zero report (零报告)."))
    ] = False,
    at: Annotated[
        str | None,
        typer.Option("--at", help=_("When it was done (default now)."), show_default=False),
    ] = None,
) -> None:
    from yuqing_cli.render.report_view import routine_recorded
    from yuqing_cli.services.routines import record_run
    from yuqing_cli.timeutil import parse_instant

    st = state(ctx)
    plan = st.plan()
    when = parse_instant(at, plan.info.timezone) if at else None
    result = record_run(st.store(), plan, st.actor(), routine, note=note, zero=zero, at=when)
    routine_recorded(result, plan.info.timezone)


@routine_app.command(
    "list", cls=YqCommand, help=_("Each routine with its last run and whether it is overdue.")
)
def routine_list(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    from yuqing_cli.render.report_view import routine_list as render
    from yuqing_cli.services.routines import statuses

    st = state(ctx)
    render(statuses(st.store(), st.plan()), st.plan().info.timezone, json_)
