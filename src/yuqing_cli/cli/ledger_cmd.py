"""`yq export` (the ledger, 台账) and `yq import` (bringing an existing ledger in)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yuqing_cli.cli import complete
from yuqing_cli.cli.app import YqCommand, app, state
from yuqing_cli.cli.output import Exercises, Output, PrintJson, emit_binary, emit_stream
from yuqing_cli.i18n import _


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"  # one JSON object a line
    xlsx = "xlsx"


class Paper(StrEnum):
    A4 = "A4"
    A3 = "A3"


@app.command(
    cls=YqCommand,
    help=_(
        "The ledger (台账): one row per incident with its key dates, oldest first. CSV is "
        "spreadsheet-safe; xlsx is a workbook that prints (台账, landscape, one page wide), "
        "with its figures (统计) and every column flat (明细)."
    ),
)
def export(
    ctx: typer.Context,
    format_: Annotated[
        ExportFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = ExportFormat.csv,
    output: Output = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help=_("Detected on or after this day, month (2024-11) or time."),
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help=_("Detected up to and including this day or month, or before this time."),
            show_default=False,
        ),
    ] = None,
    level: Annotated[
        list[str] | None,
        typer.Option(
            "--level",
            "-l",
            metavar="LEVEL",
            help=_("Only this level (repeat for several)."),
            show_default=False,
            autocompletion=complete.levels,
        ),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            "-c",
            metavar="CATEGORY",
            help=_("Only incidents of this category (repeat for several)."),
            show_default=False,
            autocompletion=complete.categories,
        ),
    ] = None,
    include_exercises: Exercises = False,
    paper: Annotated[
        Paper | None,
        typer.Option(
            "--paper",
            help=_(
                "Paper of the printed ledger (xlsx), landscape: A4 or A3 (default: the plan's)."
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    from yuqing_cli.render import ledger_view as view
    from yuqing_cli.services.ledger import ledger

    with ledger(
        state(ctx),
        include_exercises=include_exercises,
        since=since,
        until=until,
        levels=level or (),
        categories=category or (),
        paper=paper.value if paper else None,
    ) as result:
        if format_ is ExportFormat.xlsx:
            from yuqing_cli.render.ledger_book import write_ledger_book

            emit_binary(lambda f: write_ledger_book(f, result), output, "xlsx")
            return
        write = {
            ExportFormat.json: view.write_json,
            ExportFormat.jsonl: view.write_json_lines,
        }.get(format_, view.write_csv)
        with emit_stream(output, bom=format_ is ExportFormat.csv) as stream:
            write(result, stream)


@app.command(
    "import",
    cls=YqCommand,
    help=_(
        "Bring an existing ledger (台账) in, from CSV or XLSX: one incident per row, marked "
        "as imported (补录), with the times the file gives. All rows or none: a bad row "
        "stops the import (exit 2) with a report naming each problem."
    ),
)
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=_(
                "A .csv (UTF-8 or GB18030) or .xlsx file: a ledger with a header row (title "
                "rows above it, totals and signature rows below are skipped)."
            ),
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="HEADER=FIELD",
            help=_(
                "Read the column HEADER as FIELD (e.g. '首次回应时间=首次公开回应时间'; "
                "FIELD '-' leaves the column out). Repeat for several."
            ),
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help=_("Check every row and report; write nothing.")),
    ] = False,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            min=1990,
            max=2100,
            help=_(
                "The year of dates written without one (12.10, 12月10日); by default the "
                "year the title row or the file's name gives."
            ),
            show_default=False,
        ),
    ] = None,
    json_: PrintJson = False,
) -> None:
    from yuqing_cli.render.import_view import import_report, progress_bar
    from yuqing_cli.services.ledger_import import import_ledger

    with progress_bar() as progress:
        result = import_ledger(
            state(ctx),
            file,
            overrides=map_ or (),
            dry_run=dry_run,
            year=year,
            progress=progress,
        )
    import_report(result, as_json=json_)
