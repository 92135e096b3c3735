"""`yq report`, `yq export` and `yq routine …`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from yuqing_cli.cli import complete
from yuqing_cli.cli.app import YqCommand, YqGroup, app, state
from yuqing_cli.errors import BadInput, YqError
from yuqing_cli.i18n import _


class ReportFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"  # one JSON object a line


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


@contextmanager
def _output(output: Path | None, *, bom: bool = False) -> Iterator[TextIO]:
    """Stdout, or the file ``-o`` names, written as the output is produced."""
    if output is None:
        yield sys.stdout
        return
    from yuqing_cli.render.console import open_output

    if not output.expanduser().parent.is_dir():
        raise BadInput(
            _("cannot write {output}: the directory {directory} does not exist").format(
                output=output, directory=output.expanduser().parent
            ),
            hint=_("create it first, or give another path"),
        )
    try:
        with open_output(output, bom=bom) as stream:
            yield stream
    except OSError as exc:
        raise YqError(
            _("cannot write {output}: {reason}").format(output=output, reason=exc.strerror),
            hint=_("check the directory is writable and the disk has room"),
        ) from None
    print(_("written: {path}").format(path=output), file=sys.stderr)


def _emit(text: str, output: Path | None, *, bom: bool = False) -> None:
    with _output(output, bom=bom) as stream:
        stream.write(text)


@app.command(
    cls=YqCommand,
    help=_(
        "The daily report (舆情日报): what happened that day, as known now; entries "
        "recorded later are marked (补录)."
    ),
)
def report(
    ctx: typer.Context,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            "-d",
            help=_("The day, e.g. 2024-11-23 or 昨天, in the plan's time zone. Default: today."),
            show_default=False,
        ),
    ] = None,
    as_known_at: Annotated[
        str | None,
        typer.Option(
            "--as-known-at",
            help=_(
                "Only what had been recorded by this time, e.g. '2024-11-24 00:00' (the "
                "end of the day): the report as it could be made then, the same every run."
            ),
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
    from yuqing_cli.render import doc
    from yuqing_cli.render import report_view as view
    from yuqing_cli.render.console import captured
    from yuqing_cli.services.report import daily_report

    result = daily_report(
        state(ctx), date, as_known_at=as_known_at, include_exercises=include_exercises
    )
    fmt = ReportFormat.json if json_ else format_
    if fmt is ReportFormat.json:
        _emit(view.dumps(view.report_json(result)), output)
    elif fmt is ReportFormat.markdown:
        _emit(doc.to_markdown(view.report_doc(result)), output)
    elif fmt is ReportFormat.csv:
        _emit(view.report_csv(result), output, bom=output is not None)
    elif output is not None:
        with captured() as buffer:
            doc.to_terminal(view.report_doc(result))
        _emit(buffer.getvalue(), output)
    else:
        doc.to_terminal(view.report_doc(result))


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
    from yuqing_cli.render.ledger_view import write_csv, write_json, write_json_lines
    from yuqing_cli.services.ledger import ledger

    with ledger(state(ctx), include_exercises=include_exercises) as result:
        if format_ is ExportFormat.json:
            with _output(output) as stream:
                write_json(result, stream)
        elif format_ is ExportFormat.jsonl:
            with _output(output) as stream:
                write_json_lines(result, stream)
        else:
            with _output(output, bom=output is not None) as stream:
                write_csv(result, stream)


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

    routine_recorded(record_run(state(ctx), routine, note=note, zero=zero, at=at))


@routine_app.command(
    "list", cls=YqCommand, help=_("Each routine with its last run and whether it is overdue.")
)
def routine_list(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
) -> None:
    from yuqing_cli.render.report_view import routine_list as render
    from yuqing_cli.services.routines import statuses

    render(statuses(state(ctx)), json_)
