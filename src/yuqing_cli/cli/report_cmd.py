"""`yq report` (and `issue`, `show`, `list`) and `yq routine …`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yuqing_cli.cli import complete
from yuqing_cli.cli.app import YqCommand, YqGroup, app, state
from yuqing_cli.cli.output import Exercises, Output, PrintJson, emit, emit_binary
from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _

if TYPE_CHECKING:
    from yuqing_cli.services.issued import Issued
    from yuqing_cli.services.report import DailyReport


class ReportFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"
    docx = "docx"


DayOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        "-d",
        help=_("The day, e.g. 2024-11-23 or 昨天, in the plan's time zone. Default: today."),
        show_default=False,
    ),
]
FormatOption = Annotated[ReportFormat, typer.Option("--format", "-f", help=_("Output format."))]
JsonFlag = Annotated[bool, typer.Option("--json", help=_("Same as --format json."))]
WithLog = Annotated[
    bool,
    typer.Option("--with-log", help=_("Add the day's events, one a row, as an appendix.")),
]

report_app = typer.Typer(cls=YqGroup, rich_markup_mode=None)
app.add_typer(report_app, name="report")


@report_app.callback(
    invoke_without_command=True,
    help=_(
        "The daily report (舆情日报): what happened that day, as known now; entries "
        "recorded later are marked (补录). `issue` freezes and numbers it (签发), `show` "
        "prints an issued one again, `list` lists them."
    ),
)
def report(
    ctx: typer.Context,
    date: DayOption = None,
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
    format_: FormatOption = ReportFormat.table,
    output: Output = None,
    include_exercises: Exercises = False,
    with_log: WithLog = False,
    json_: JsonFlag = False,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from yuqing_cli.services.report import daily_report

    result = daily_report(
        state(ctx), date, as_known_at=as_known_at, include_exercises=include_exercises
    )
    _render(result, None, ReportFormat.json if json_ else format_, output, with_log=with_log)


def _render(
    result: DailyReport | None,
    issued: Issued | None,
    fmt: ReportFormat,
    output: Path | None,
    *,
    with_log: bool = False,
) -> None:
    """A report as made now (``result``), or as frozen when it was issued, in a format.
    A document (Word, Markdown) is in its unit's language; on the terminal a report made
    now is in the operator's."""
    from yuqing_cli.render.console import captured, json_text

    if issued is not None and issued.content.get("layout") is None:
        _render_first_layout(issued, fmt, output)
        return
    from yuqing_cli.render import doc as docs

    names: tuple[str, ...] = ()
    digest = ""
    if issued is not None:
        from yuqing_cli.render.issued_view import issued_json

        document = docs.doc_from_data(issued.content["doc"])
        data = {"issue": issued_json(issued), "report": issued.content["json"]}
        csv_text = str(issued.content["csv"])
        created = issued.mark.issued_at
        digest = issued.content_hash
    else:
        from yuqing_cli.render import report_data
        from yuqing_cli.render import report_view as view

        assert result is not None
        terminal = fmt is ReportFormat.table
        build = view.report_doc if terminal else view.document
        document = build(result, with_log=with_log)
        names = result.plan.names
        data = report_data.report_json(result)
        csv_text = report_data.report_csv(result)
        created = result.generated_at
    if fmt is ReportFormat.json:
        emit(json_text(data), output)
    elif fmt is ReportFormat.markdown:
        emit(docs.to_markdown(document, digest), output)
    elif fmt is ReportFormat.csv:
        emit(csv_text, output, bom=True)
    elif fmt is ReportFormat.docx:
        from yuqing_cli.render.word import to_docx

        content = to_docx(document, created=_utc_naive(created), digest=digest)
        emit_binary(lambda f: f.write(content), output, "docx")
    elif output is not None:
        with captured() as buffer:
            docs.to_terminal(document, names, digest)
        emit(buffer.getvalue(), output)
    else:
        docs.to_terminal(document, names, digest)


def _render_first_layout(issued: Issued, fmt: ReportFormat, output: Path | None) -> None:
    """A report issued in the first layout, printed again as it was issued."""
    from yuqing_cli.render import doc_v1 as docs
    from yuqing_cli.render.console import captured, json_text
    from yuqing_cli.render.issued_view import issued_json

    document = docs.doc_from_data(issued.content["doc"])
    if fmt is ReportFormat.json:
        data = {"issue": issued_json(issued), "report": issued.content["json"]}
        emit(json_text(data), output)
    elif fmt is ReportFormat.markdown:
        emit(docs.to_markdown(document), output)
    elif fmt is ReportFormat.csv:
        emit(str(issued.content["csv"]), output, bom=True)
    elif fmt is ReportFormat.docx:
        from yuqing_cli.render.word_v1 import to_docx

        stamp = f"SHA-256 {issued.content_hash}"
        content = to_docx(document, created=_utc_naive(issued.mark.issued_at), stamp=stamp)
        emit_binary(lambda f: f.write(content), output, "docx")
    elif output is not None:
        with captured() as buffer:
            docs.to_terminal(document)
        emit(buffer.getvalue(), output)
    else:
        docs.to_terminal(document)


def _utc_naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


@report_app.command(
    "issue",
    cls=YqCommand,
    help=_(
        "Issue the day's report (签发): freeze it as known now, with the next number of "
        "its year and overall, who signed it off and the audit chain's head."
    ),
)
def report_issue(
    ctx: typer.Context,
    date: DayOption = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="NAME",
            help=_("Who signed it off (签发): a holder of the plan's sign-off role. Default: you."),
            show_default=False,
            autocompletion=complete.people,
        ),
    ] = None,
    revision: Annotated[
        bool,
        typer.Option("--revision", help=_("Issue a correction (更正) of a day already issued.")),
    ] = False,
    format_: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help=_("Also print the issued report in this format (with -o: write it)."),
            show_default=False,
        ),
    ] = None,
    output: Output = None,
    with_log: WithLog = False,
    json_: PrintJson = False,
) -> None:
    from functools import partial

    from yuqing_cli.render import report_view as view
    from yuqing_cli.services import issued as service

    if output is not None and format_ is None:
        raise BadInput(
            _("--output needs --format: the format of the file to write"),
            hint=_("e.g. -f docx -o 舆情日报.docx"),
        )
    if json_ and format_ is not None and output is None:
        raise BadInput(
            _("--json and --format would both print to the terminal"),
            hint=_("write the report to a file with -o FILE"),
        )

    def deliver(issued: Issued) -> None:  # before the issue is committed
        if format_ is not None:
            _render(None, issued, format_, output)
            sys.stdout.flush()

    freeze = partial(view.frozen, with_log=with_log) if with_log else view.frozen
    result = service.issue(
        state(ctx), date, by=by, revision=revision, freeze=freeze, deliver=deliver
    )
    from yuqing_cli.render.issued_view import issued_done

    issued_done(result, as_json=json_)


@report_app.command(
    "show",
    cls=YqCommand,
    help=_("Print an issued report again, exactly as it was issued."),
)
def report_show(
    ctx: typer.Context,
    number: Annotated[
        str | None,
        typer.Argument(
            metavar="NUMBER",
            help=_("Its overall number (15) or its year and number (2024-3)."),
            show_default=False,
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            "-d",
            help=_("The latest report issued for this day, instead of a number."),
            show_default=False,
        ),
    ] = None,
    format_: FormatOption = ReportFormat.table,
    output: Output = None,
    json_: JsonFlag = False,
) -> None:
    from yuqing_cli.services import issued as service

    found = service.find(state(ctx), number, day=date)
    _render(None, found, ReportFormat.json if json_ else format_, output)


@report_app.command("list", cls=YqCommand, help=_("The issued reports, by number."))
def report_list(
    ctx: typer.Context,
    json_: PrintJson = False,
) -> None:
    from yuqing_cli.render.issued_view import issued_list
    from yuqing_cli.services import issued as service

    issued_list(service.listing(state(ctx)), as_json=json_)


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
    force: Annotated[
        bool,
        typer.Option(
            "--force", help=_("A zero report even though incidents were logged that day.")
        ),
    ] = False,
    at: Annotated[
        str | None,
        typer.Option("--at", help=_("When it was done (default now)."), show_default=False),
    ] = None,
) -> None:
    from yuqing_cli.render.issued_view import routine_recorded
    from yuqing_cli.services.routines import record_run

    routine_recorded(record_run(state(ctx), routine, note=note, zero=zero, at=at, force=force))


@routine_app.command(
    "list", cls=YqCommand, help=_("Each routine with its last run and whether it is overdue.")
)
def routine_list(
    ctx: typer.Context,
    json_: PrintJson = False,
) -> None:
    from yuqing_cli.render.issued_view import routine_list as render
    from yuqing_cli.services.routines import statuses

    render(statuses(state(ctx)), json_)
