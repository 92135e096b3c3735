"""Where a document goes: the terminal or a pipe, or a file (``--output``/``-o``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, TextIO

import typer

from yuqing_cli.errors import BadInput, YqError
from yuqing_cli.i18n import _

PrintJson = Annotated[bool, typer.Option("--json", help=_("Print JSON."))]

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
BOM = "\ufeff"


def _check_directory(output: Path) -> None:
    if not output.expanduser().parent.is_dir():
        raise BadInput(
            _("cannot write {output}: the directory {directory} does not exist").format(
                output=output, directory=output.expanduser().parent
            ),
            hint=_("create it first, or give another path"),
        )


def _written(output: Path) -> None:
    print(_("written: {path}").format(path=output), file=sys.stderr)


def _cannot_write(output: Path, exc: OSError) -> YqError:
    return YqError(
        _("cannot write {output}: {reason}").format(output=output, reason=exc.strerror),
        hint=_("check the directory is writable and the disk has room"),
    )


@contextmanager
def emit_stream(output: Path | None, *, bom: bool = False) -> Iterator[TextIO]:
    """Where text goes as it is produced: stdout, or ``output`` (replaced when complete).
    ``bom`` starts it with a UTF-8 byte-order mark (spreadsheet programs need it to read
    Chinese in CSV), on stdout too."""
    if output is None:
        if bom:
            sys.stdout.write(BOM)
        yield sys.stdout
        return
    from yuqing_cli.render.console import open_output

    _check_directory(output)
    try:
        with open_output(output, bom=bom) as stream:
            yield stream
    except OSError as exc:
        raise _cannot_write(output, exc) from None
    _written(output)


def emit(text: str, output: Path | None, *, bom: bool = False) -> None:
    """Text to stdout or to ``output`` (see :func:`emit_stream`)."""
    with emit_stream(output, bom=bom) as stream:
        stream.write(text)


def emit_binary(write: Callable[[IO[bytes]], object], output: Path | None, kind: str) -> None:
    """A binary file (``kind``: docx, xlsx) to ``output``, or to stdout when it is not a
    terminal (a pipe or a redirection)."""
    if output is None:
        if sys.stdout.isatty():
            raise BadInput(
                _("a {kind} file cannot be shown in the terminal").format(kind=kind),
                hint=_("write it to a file with -o FILE, e.g. -o 舆情日报.{kind}").format(
                    kind=kind
                ),
            )
        import io

        buffer = io.BytesIO()
        write(buffer)
        sys.stdout.flush()
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.buffer.flush()
        return
    from yuqing_cli.render.console import output_file

    _check_directory(output)
    try:
        with output_file(output) as f:
            write(f)
    except OSError as exc:
        raise _cannot_write(output, exc) from None
    _written(output)
