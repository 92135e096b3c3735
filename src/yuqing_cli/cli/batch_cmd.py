"""`yq batch`: many commands in one process, for scripts, cron jobs and bulk corrections.

Each line is one command as it would follow ``yq`` in a shell (quotes, escapes and ``#``
comments as the shell reads them; a leading ``yq`` is allowed; a line ending in ``\\``
continues on the next). Every command runs through the same app as on the command line,
in its own transaction with the same checks, so a batch does exactly what the same
commands typed one by one would do; only the start-up is paid once.
"""

from __future__ import annotations

import io
import json
import shlex
import sys
from collections.abc import Iterable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from yuqing_cli import i18n
from yuqing_cli.cli import command_named, exit_code
from yuqing_cli.cli.app import YqCommand, app, state
from yuqing_cli.errors import BadInput, ExitCode, YqError
from yuqing_cli.i18n import _


@dataclass(frozen=True)
class Line:
    number: int  # of its first line in the file
    text: str
    argv: list[str] | None  # None: the line cannot be read
    problem: str = ""


def read_lines(lines: Iterable[str]) -> Iterator[Line]:
    """The commands of a batch file: blank lines and comments skipped, continued lines
    joined, each split as a shell would."""
    pending, first = "", 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not pending:
            first = number
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending += line[:-1]
            continue
        text, pending = pending + line, ""
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        try:
            argv = shlex.split(text, comments=True)
        except ValueError as exc:
            yield Line(first, text, None, str(exc))
            continue
        if argv and argv[0] in ("yq", "yuqing"):
            argv = argv[1:]
        if argv:
            yield Line(first, text, argv)
    if pending.strip():
        yield Line(first, pending, None, _("the file ends in the middle of a line"))


def _open(file: str) -> TextIO:
    if file == "-":
        return sys.stdin
    try:
        return Path(file).expanduser().open(encoding="utf-8")
    except OSError as exc:
        raise BadInput(
            _("cannot read {file}: {reason}").format(file=file, reason=exc.strerror),
            hint=_("give a file of commands, one a line, or - for standard input"),
        ) from None


@app.command(
    cls=YqCommand,
    help=_(
        "Run many commands in one process: one a line, as after `yq` in a shell (# "
        "comments). Each runs in its own transaction with the same checks; stops at the "
        "first failure (exit with its code) unless --keep-going."
    ),
)
def batch(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE|-",
            help=_("The commands, one a line; - (the default) reads standard input."),
            show_default=False,
        ),
    ] = "-",
    keep_going: Annotated[
        bool,
        typer.Option(
            "--keep-going", "-k", help=_("Run every line; exit with the first failure's code.")
        ),
    ] = False,
    json_: Annotated[
        bool,
        typer.Option(
            "--json",
            help=_(
                "One JSON line per command: its line, exit code, output (parsed when it "
                "is JSON) and errors."
            ),
        ),
    ] = False,
) -> None:
    import yuqing_cli.cli as cli

    command = typer.main.get_command(cli.full_app())
    language = i18n.language()
    # The batch's own global options hold for every line; a line may give its own.
    outer = state(ctx)
    defaults = ["--lang", language]
    for option, value in (("--db", outer.db), ("--plan", outer.plan_path), ("--as", outer.user)):
        if value:
            defaults += [option, value]
    if outer.debug:
        defaults.append("--debug")
    first_failure = 0
    stream = _open(file)
    try:
        for line in read_lines(stream):
            code = _run(command, line, defaults, json_)
            i18n.setup(language)  # a line's --lang holds for that line only
            if code and not first_failure:
                first_failure = code
            if code and not keep_going:
                break
    finally:
        if stream is not sys.stdin:
            stream.close()
    if first_failure:
        raise typer.Exit(first_failure)


def _run(command: Any, line: Line, defaults: list[str], as_json: bool) -> int:
    """Run one line; its exit code."""
    if line.argv is None or _names_batch(line.argv):
        problem = line.problem or _("a batch cannot run another batch")
        return _failed(line, int(ExitCode.BAD_INPUT), problem, as_json)
    argv = defaults + line.argv
    if not as_json:
        code = _invoke(command, argv)
        if code:
            print(
                _("yq: batch: line {n} failed (exit {code}): {text}").format(
                    n=line.number, code=code, text=line.text.strip()
                ),
                file=sys.stderr,
            )
        return code
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = _invoke(command, argv)
    _json_line(line, code, out.getvalue(), err.getvalue())
    return code


def _names_batch(argv: list[str]) -> bool:
    return command_named(argv) == "batch"


def _invoke(command: Any, argv: list[str]) -> int:
    try:
        command.main(args=argv, prog_name="yq", standalone_mode=True)
    except SystemExit as exc:
        return exit_code(exc)
    except YqError as exc:  # raised before a command took over (e.g. by an option)
        from yuqing_cli.cli.app import report_error

        report_error(exc)
        return int(exc.exit_code)
    return 0


def _failed(line: Line, code: int, problem: str, as_json: bool) -> int:
    message = _("yq: batch: line {n}: {problem}").format(n=line.number, problem=problem)
    if as_json:
        _json_line(line, code, "", message + "\n")
    else:
        print(message, file=sys.stderr)
    return code


def _json_line(line: Line, code: int, output: str, errors: str) -> None:
    from yuqing_cli.render.safe import json_safe

    record: dict[str, Any] = {"line": line.number, "command": line.text.strip(), "exit": code}
    try:
        record["result"] = json.loads(output) if output.strip() else None
    except ValueError:
        record["result"] = None
        record["output"] = output
    record["errors"] = errors or None
    sys.stdout.write(json_safe(json.dumps(record, ensure_ascii=False)) + "\n")
    sys.stdout.flush()
