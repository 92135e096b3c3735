"""`yq batch`: many commands in one process, for scripts, cron jobs and bulk corrections.

Each line is one command as it would follow ``yq`` in a shell (quotes, escapes and ``#``
comments as the shell reads them; a leading ``yq`` is allowed; a line ending in ``\\``
continues on the next). Every command runs through the same app as on the command line,
in its own transaction with the same checks, so a batch does exactly what the same
commands typed one by one would do; only the start-up is paid once.

Input is bounded: a line (continued lines joined) of at most :data:`MAX_LINE` bytes, a
batch of at most :data:`MAX_BATCH` bytes; a line that is not UTF-8 or holds a control
character (other than a tab) is refused, naming its line and column. A line is split
by :func:`split`, which reads it once (Python's ``shlex`` takes time growing with the
square of a long word). A failing line is quoted escaped and shortened.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from yuqing_cli import i18n
from yuqing_cli.cli import command_named, exit_code
from yuqing_cli.cli.app import YqCommand, app, state
from yuqing_cli.errors import BadInput, ExitCode, YqError
from yuqing_cli.i18n import _

MAX_LINE = 64 * 1024  # bytes in one command (its continued lines joined)
MAX_BATCH = 16 * 1024 * 1024  # bytes in one batch
_ECHO = 80  # characters of a failing line quoted in a message


@dataclass(frozen=True)
class Line:
    number: int  # of its first line in the file
    text: str
    argv: list[str] | None  # None: the line cannot be read
    problem: str = ""
    last: bool = False  # nothing after it can be read either (the batch is too large)


class SplitError(ValueError):
    """A line a shell could not split either (an open quote, a trailing escape)."""


_WHITESPACE = " \t\r\n"
_PLAIN = re.compile(r"[^ \t\r\n#\\'\"]+")  # characters that stand for themselves


def split(text: str) -> list[str]:
    """The words of a line as ``shlex.split(text, comments=True)`` gives them (POSIX
    quoting: '…' literal; "…" where a backslash escapes only " and itself; a backslash
    outside quotes escapes any character; ``#`` starts a comment), reading the line
    once: time and memory grow with its length, not with its square."""
    words: list[str] = []
    word: list[str] = []
    quoted = False  # the current word has a quoted part (so '' is a word)
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in _WHITESPACE:
            if word or quoted:
                words.append("".join(word))
                word, quoted = [], False
            i += 1
        elif char == "#":
            break
        elif char == "\\":
            if i + 1 == n:
                raise SplitError(_("it ends in an escape (\\) with nothing to escape"))
            word.append(text[i + 1])
            i += 2
        elif char == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise SplitError(_("a quotation is not closed"))
            word.append(text[i + 1 : end])
            quoted = True
            i = end + 1
        elif char == '"':
            i = _double_quoted(text, i + 1, word)
            quoted = True
        else:
            plain = _PLAIN.match(text, i)
            assert plain is not None
            word.append(plain.group())
            i = plain.end()
    if word or quoted:
        words.append("".join(word))
    return words


def _double_quoted(text: str, i: int, word: list[str]) -> int:
    """Read a double-quoted part from ``i`` (after its opening quote) into ``word``;
    the index after its closing quote."""
    n = len(text)
    while True:
        quote, escape = text.find('"', i), text.find("\\", i)
        if quote < 0:
            if escape + 1 == n:
                raise SplitError(_("it ends in an escape (\\) with nothing to escape"))
            raise SplitError(_("a quotation is not closed"))
        if escape < 0 or quote < escape:
            word.append(text[i:quote])
            return quote + 1
        word.append(text[i:escape])
        if escape + 1 == n:
            raise SplitError(_("it ends in an escape (\\) with nothing to escape"))
        escaped = text[escape + 1]
        word.append(escaped if escaped in '"\\' else "\\" + escaped)
        i = escape + 2


_CONTROL = re.compile("[\x00-\x08\x0a-\x1f]")  # a line's own end already taken off


def _physical_lines(stream: IO[bytes]) -> Iterator[tuple[int, str | None, str, bool]]:
    """(number, text, problem, last) of each line of ``stream``, bounded: a line over
    :data:`MAX_LINE` bytes, one that is not UTF-8 or holds a control character has no
    text but a problem; a batch over :data:`MAX_BATCH` bytes ends with one (``last``)."""
    total = 0
    for number in range(1, sys.maxsize):
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            return
        total += len(raw)
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                total += len(rest)  # the rest of the line, skipped
                if total > MAX_BATCH:
                    break
            total += len(rest)
        if total > MAX_BATCH:
            mb = MAX_BATCH // (1024 * 1024)
            yield number, None, _("the batch is longer than {mb} MB").format(mb=mb), True
            return
        if len(raw) > MAX_LINE:
            yield number, None, _too_long(), False
            continue
        body = raw.rstrip(b"\r\n") if raw.endswith(b"\n") else raw
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = _("it is not UTF-8 text (byte 0x{byte:02x} at column {column})").format(
                byte=body[exc.start], column=len(body[: exc.start].decode("utf-8", "replace")) + 1
            )
            yield number, None, problem, False
            continue
        if control := _CONTROL.search(text):
            problem = _("a control character (U+{code:04X}) at column {column}").format(
                code=ord(control.group()), column=control.start() + 1
            )
            yield number, None, problem, False
            continue
        yield number, text, "", False


def _too_long() -> str:
    return _("the line is longer than {kb} KB").format(kb=MAX_LINE // 1024)


def read_lines(stream: IO[bytes]) -> Iterator[Line]:
    """The commands of a batch: blank lines and comments skipped, continued lines
    joined, each split as a shell would; lines that cannot be read say why."""
    pending, first = "", 0
    for number, line, problem, last in _physical_lines(stream):
        if not pending:
            first = number
        if line is None:
            pending = ""
            yield Line(number, "", None, problem, last)
            continue
        text = pending + line
        if len(text.encode("utf-8")) > MAX_LINE:
            pending = ""
            yield Line(first, "", None, _too_long())
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending = text[:-1]
            continue
        pending = ""
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        try:
            argv = split(text)
        except SplitError as exc:
            yield Line(first, text, None, str(exc))
            continue
        if argv and argv[0] in ("yq", "yuqing"):
            argv = argv[1:]
        if argv:
            yield Line(first, text, argv)
    if pending.strip():
        yield Line(first, pending, None, _("the file ends in the middle of a line"))


def _open(file: str) -> IO[bytes]:
    if file == "-":
        return sys.stdin.buffer
    try:
        return Path(file).expanduser().open("rb")
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
            if (code and not keep_going) or line.last:
                break
    finally:
        if stream is not sys.stdin.buffer:
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
                    n=line.number, code=code, text=_echo(line)
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

    record: dict[str, Any] = {"line": line.number, "command": _echo(line), "exit": code}
    try:
        record["result"] = json.loads(output) if output.strip() else None
    except ValueError:
        record["result"] = None
        record["output"] = output
    record["errors"] = errors or None
    sys.stdout.write(json_safe(json.dumps(record, ensure_ascii=False)) + "\n")
    sys.stdout.flush()


def _echo(line: Line) -> str:
    """The line as quoted in a message: escaped, on one line, at most 80 characters."""
    from yuqing_cli.render.safe import shorten

    return shorten(line.text.strip(), _ECHO)
