"""`yq assess`, `yq line …`, `yq statement …` and `yq handover`: the substance of a
response — how hot it is, the agreed line, what was said in public, who leads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuqing_cli.cli import complete
from yuqing_cli.cli.app import YqCommand, YqGroup, app, control_character, state
from yuqing_cli.cli.incident_cmd import At, Json, Reason, Ref
from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _


def _text(text: str | None, file: Path | None) -> str:
    """The text given with --text, or read from --file (UTF-8)."""
    if (text is None) == (file is None):
        raise BadInput(
            _("give the text with --text or --file, one of them"),
            hint=_("e.g. --text '经核查，…' or --file 口径.txt"),
        )
    if file is None:
        assert text is not None
        return text
    try:
        text = file.read_text(encoding="utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise BadInput(
            _("{file} is not UTF-8 text").format(file=file), hint=_("save it as UTF-8")
        ) from None
    except OSError as exc:
        raise BadInput(
            _("cannot read {file}: {reason}").format(file=file, reason=exc.strerror)
        ) from None
    if (at := control_character(text)) is not None:
        line = text.count("\n", 0, at) + 1
        raise BadInput(
            _(
                "{file} holds a control character (U+{code:04X}) at line {line}, column {column}"
            ).format(file=file, code=ord(text[at]), line=line, column=at - text.rfind("\n", 0, at)),
            hint=_(
                "control characters are not recorded: remove it (tabs and line breaks are fine)"
            ),
        )
    return text


TextOpt = Annotated[
    str | None, typer.Option("--text", "-t", help=_("The text."), show_default=False)
]
FileOpt = Annotated[
    Path | None,
    typer.Option(
        "--file",
        help=_("Read the text from this file (UTF-8)."),
        show_default=False,
        dir_okay=False,
    ),
]


def _count(name: str, help_text: str) -> object:
    return typer.Option(name, min=0, help=help_text, show_default=False)


@app.command(
    cls=YqCommand,
    help=_(
        "Record an assessment (研判, Art. 4): how hot it is now. The first completes the "
        "assessment step; the plan's rules may suggest a re-grade or a step."
    ),
)
def assess(
    ctx: typer.Context,
    ref: Ref,
    reads: Annotated[int | None, _count("--reads", _("Reads / views."))] = None,
    reposts: Annotated[int | None, _count("--reposts", _("Reposts / shares."))] = None,
    comments: Annotated[int | None, _count("--comments", _("Comments."))] = None,
    likes: Annotated[int | None, _count("--likes", _("Likes."))] = None,
    rank: Annotated[
        int | None,
        typer.Option(
            "--rank", min=1, help=_("Hot-search rank (1 is the top)."), show_default=False
        ),
    ] = None,
    platform: Annotated[str, typer.Option("--platform", help=_("Where it was measured."))] = "",
    sentiment: Annotated[
        str | None,
        typer.Option("--sentiment", help=_("正面/中性/负面 in the comments."), show_default=False),
    ] = None,
    trend: Annotated[
        str | None,
        typer.Option("--trend", help=_("rising, steady or falling."), show_default=False),
    ] = None,
    note: Annotated[str, typer.Option("--note", "-m", help=_("The assessment in words."))] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.substance import AssessmentInput
    from yuqing_cli.services.substance import assess as service

    data = AssessmentInput(
        metrics={"reads": reads, "reposts": reposts, "comments": comments, "likes": likes},
        rank=rank,
        platform=platform,
        sentiment=sentiment,
        trend=trend,
        note=note,
        at=at,
    )
    outcome(service(state(ctx), ref, data), json_)


line_app = typer.Typer(
    cls=YqGroup,
    help=_("The unified line (统一口径, Art. 7.3): draft it, approve it, show its versions."),
    no_args_is_help=True,
)
app.add_typer(line_app, name="line")


@line_app.command("draft", cls=YqCommand, help=_("Draft a new version of the unified line."))
def line_draft(
    ctx: typer.Context,
    ref: Ref,
    text: TextOpt = None,
    file: FileOpt = None,
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.substance import draft_line

    outcome(draft_line(state(ctx), ref, _text(text, file), at=at), json_)


@line_app.command(
    "approve",
    cls=YqCommand,
    help=_("Sign a version of the line (the latest by default); approvers only."),
)
def line_approve(
    ctx: typer.Context,
    ref: Ref,
    version: Annotated[
        int | None,
        typer.Argument(metavar="VERSION", help=_("Version number."), show_default=False),
    ] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.substance import approve_line

    outcome(approve_line(state(ctx), ref, version, at=at), json_)


@line_app.command(
    "show", cls=YqCommand, help=_("Every version of the line, what changed, and who signed.")
)
def line_show(ctx: typer.Context, ref: Ref, json_: Json = False) -> None:
    from yuqing_cli.render.substance_view import line_report
    from yuqing_cli.services.substance import line_show as service

    line_report(service(state(ctx), ref), json_)


statement_app = typer.Typer(
    cls=YqGroup,
    help=_("Public statements (Art. 7.1, Art. 5): what was said, by whom, when."),
    no_args_is_help=True,
)
app.add_typer(statement_app, name="statement")


@statement_app.command(
    "add",
    cls=YqCommand,
    help=_(
        "Record a public statement. Ours needs an approved line; --body records another "
        "body's statement (kept, not counted as ours)."
    ),
)
def statement_add(
    ctx: typer.Context,
    ref: Ref,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            "-k",
            help=_("Kind, e.g. 表态, 权威信息/通报, 新闻发布会 (see the plan)."),
            autocompletion=complete.statement_kinds,
            show_default=False,
        ),
    ],
    text: TextOpt = None,
    file: FileOpt = None,
    channel: Annotated[
        str, typer.Option("--channel", help=_("Where: 微博, 官网, 新闻发布会, …"))
    ] = "",
    body: Annotated[
        str,
        typer.Option(
            "--body",
            help=_("Another body that made it (上级部门, 公安机关, …)."),
        ),
    ] = "",
    speaker: Annotated[
        str,
        typer.Option(
            "--speaker",
            help=_("Who spoke; may be someone outside the roster. Default: our spokesperson."),
        ),
    ] = "",
    line: Annotated[
        int | None,
        typer.Option("--line", help=_("The approved line version it follows."), show_default=False),
    ] = None,
    without_line: Annotated[
        bool,
        typer.Option("--without-line", help=_("Publish without an approved line (leaders).")),
    ] = False,
    reason: Annotated[
        str, typer.Option("--reason", "-r", help=_("Why, with --without-line."))
    ] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.substance import StatementInput, add_statement

    data = StatementInput(
        kind=kind,
        text=_text(text, file),
        channel=channel,
        body=body,
        speaker=speaker,
        line=line,
        without_line=without_line,
        reason=reason,
        at=at,
    )
    outcome(add_statement(state(ctx), ref, data), json_)


@statement_app.command(
    "retract",
    cls=YqCommand,
    help=_("Mark a statement wrong or withdrawn: it no longer counts for any milestone."),
)
def statement_retract(
    ctx: typer.Context,
    ref: Ref,
    number: Annotated[
        int, typer.Argument(metavar="N", help=_("The statement's number."), show_default=False)
    ],
    reason: Reason = "",
    replaced_by: Annotated[
        int | None,
        typer.Option(
            "--replaced-by", help=_("The statement that corrects it."), show_default=False
        ),
    ] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.substance import retract_statement

    result = retract_statement(
        state(ctx), ref, number, reason=reason, replaced_by=replaced_by, at=at
    )
    outcome(result, json_)


@app.command(
    cls=YqCommand,
    help=_(
        "Record that another body now leads the handling (a superior taking over); the "
        "incident keeps being tracked here."
    ),
)
def handover(
    ctx: typer.Context,
    ref: Ref,
    to: Annotated[
        str, typer.Option("--to", help=_("The body that leads now."), show_default=False)
    ] = "",
    reason: Reason = "",
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.substance import handover as service

    outcome(service(state(ctx), ref, to, reason=reason, at=at), json_)
