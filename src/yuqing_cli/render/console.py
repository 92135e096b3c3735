"""The one place where Rich consoles are made, and where output files are written."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.text import Text

from yuqing_cli.render.lines import Writable

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn


class _Console(Console):
    """Rich's console, ending quietly when the reader of a pipe goes away (`| head`)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        reader_went_away()
        raise SystemExit(0)


def reader_went_away() -> None:
    """The reader closed the pipe: nothing more can be shown, which is what the reader
    asked for. Point stdout at /dev/null so the interpreter's last flush is quiet too."""
    discard_output()


def discard_output() -> None:
    """Stdout cannot take more (a closed pipe, a full disk): point it at /dev/null, so
    what is still buffered goes nowhere quietly instead of failing again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


_stdout: Console | None = None
_stderr: Console | None = None
_captured: Console | None = None


def out() -> Console:
    """Console on stdout (or the capture in progress). Rich honours NO_COLOR and
    prints plain text to pipes and files."""
    global _stdout
    if _captured is not None:
        return _captured
    if _stdout is None or _stdout.file is not sys.stdout:
        # bound to this stdout: a new one (a test's capture) gets a new console, which
        # reads the terminal's width again
        _stdout = _Console(file=sys.stdout, highlight=False, soft_wrap=True, emoji=False)
    return _stdout


def err() -> Console:
    """Console on stderr: notices and progress, while stdout keeps the result."""
    global _stderr
    if _stderr is None or _stderr.file is not sys.stderr:
        _stderr = Console(file=sys.stderr, highlight=False, soft_wrap=True, emoji=False)
    return _stderr


def progress(*columns: ProgressColumn) -> Progress:
    """A progress bar on stderr that goes when done: what, a bar, how many of how many,
    then ``columns``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), *columns,
        console=err(), transient=True,
    )  # fmt: skip


def heading(title: str, empty: bool) -> bool:
    """A section's bold title; when the section is ``empty``, a dim "none" and a blank
    line after it. Returns ``empty``: the section has nothing more to print."""
    from yuqing_cli.i18n import _

    console = out()
    console.print(Text(title, style="bold"))
    if empty:
        console.print(Text(_("  none"), style="dim"))
        console.print()
    return empty


def say(text: Text, indent: str = "    ", whole: Iterable[str] = ()) -> None:
    """Print a line wrapped to the terminal, its continuation lines indented by
    ``indent``; ``whole`` words (the plan's names) never broken."""
    from yuqing_cli.render.wrap import hanging

    console = out()
    for line in text.split("\n", allow_blank=True):
        console.print(hanging(line, console.width, indent, whole))


@contextmanager
def captured(width: int = 120) -> Iterator[io.StringIO]:
    """Collect what :func:`out` prints as plain text, e.g. to write it to a file."""
    global _captured
    buffer = io.StringIO()
    _captured = Console(
        file=buffer, width=width, color_system=None, highlight=False, soft_wrap=True, emoji=False
    )
    try:
        yield buffer
    finally:
        _captured = None


def json_text(data: Any) -> str:
    """Stable JSON: UTF-8 Chinese kept as is, keys in the order given, invisible and
    control characters escaped (they decode to the same text); a line end after it."""
    from yuqing_cli.render.safe import json_safe

    return json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n"


def print_json(data: Any) -> None:
    sys.stdout.write(json_text(data))


def print_json_array(items: Iterable[Any], stream: Writable | None = None) -> None:
    """A JSON array written item by item as the items come: the same text
    :func:`print_json` prints for the whole list, without holding the list."""
    from yuqing_cli.render.safe import json_safe

    out = stream or sys.stdout
    first = True
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=2, default=str)
        # Newlines in JSON text only ever separate tokens: indenting every line is safe.
        out.write(("[\n  " if first else ",\n  ") + json_safe(text.replace("\n", "\n  ")))
        first = False
    out.write("[]\n" if first else "\n]\n")


@contextmanager
def open_output(path: Path | None, *, bom: bool = False) -> Iterator[TextIO]:
    """Where a text output goes as it is produced: stdout, or ``path`` (``-o FILE``)
    through :func:`output_file` (replaced atomically when complete). ``bom`` writes UTF-8
    with a byte-order mark, which spreadsheet programs need to read Chinese in CSV."""
    if path is None:
        yield sys.stdout
        return
    with output_file(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig" if bom else "utf-8", newline="")
        try:
            yield text
            text.flush()
        finally:
            text.detach()


@contextmanager
def output_file(path: Path) -> Iterator[IO[bytes]]:
    """A binary file to write ``path`` through (``-o FILE``).

    A regular file is replaced atomically when the block ends without error (a reader
    never sees half a file) and keeps its permissions; a symbolic link is written
    through to the file it points to; a special file (``/dev/stdout``, a FIFO) is
    written to directly.
    """
    path = path.expanduser()
    try:
        mode = path.stat().st_mode  # follows links
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(path, "wb") as special:
            yield special
        return
    target = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
