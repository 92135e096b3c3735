"""Help pages in the interface language, wrapped by the width text takes on the
terminal, with each command's examples at the end."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperOption

from yuqing_cli.i18n import _


def write_usage(command: Any, ctx: Any, formatter: Any) -> None:
    words = {
        "[OPTIONS]": _("[OPTIONS]"),
        "COMMAND": _("COMMAND"),
        "[ARGS]...": _("[ARGS]..."),
    }
    pieces = [words.get(piece, piece) for p in command.collect_usage_pieces(ctx) for piece in
              p.split(" ")]  # fmt: skip
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))


def help_option(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.help = _("Show this message and exit.")
    return option


COMPLETION_HELP = {
    "install_completion": lambda: _("Install completion for the current shell."),
    "show_completion": lambda: _(
        "Show completion for the current shell, to copy it or customize the installation."
    ),
}


# The framework's help formatter, reached through its public context class.
_HelpFormatter: Any = typer.Context.formatter_class


class YqHelpFormatter(_HelpFormatter):  # type: ignore[misc]
    """Help wrapped by the width text takes on the terminal: a Chinese character is two
    columns, and lines break as Chinese typesetting allows.

    The width is the terminal's (``COLUMNS`` first) up to 80, down to 20: narrow
    terminals get help that fits them, not the framework's floor of 50 columns.
    """

    def __init__(
        self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None
    ) -> None:
        if width is None:
            import shutil

            width = max(min(shutil.get_terminal_size().columns, max_width or 80) - 2, 20)
        super().__init__(indent_increment, width, max_width)

    def write_text(self, text: str) -> None:
        from yuqing_cli.render.wrap import wrap

        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 20)
        paragraphs = [p.strip() for p in text.split("\n\n")]
        body = "\n\n".join(
            "\n".join(indent + line for line in wrap(" ".join(p.split("\n")), width))
            for p in paragraphs
        )
        self.write(body + "\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        from rich.cells import cell_len

        from yuqing_cli.render.wrap import wrap

        rows = list(rows)
        col_max = min(col_max, max(self.width // 3, 12))  # narrow terminals: room for help
        first_col = min(max((cell_len(a) for a, _b in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(f"{indent}{first}")
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            width = max(self.width - first_col - self.current_indent - 1, 10)
            lines = wrap(second, width)
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (first_col + self.current_indent) + line + "\n")


class YqContext(typer.Context):
    formatter_class = YqHelpFormatter


def command_key(ctx: Any) -> str:
    """The command's path without the program's name: ``"line draft"``."""
    return " ".join(ctx.command_path.split()[1:])


def write_examples(ctx: Any, formatter: Any) -> None:
    """The command's examples, at the end of its help page."""
    from yuqing_cli.cli.examples import EXAMPLES
    from yuqing_cli.render.wrap import wrap

    examples = EXAMPLES.get(command_key(ctx), ())
    if not examples:
        return
    with formatter.section(_("Examples")):
        indent = " " * formatter.current_indent
        width = max(formatter.width - formatter.current_indent, 20)
        for example in examples:
            lines = wrap(f"{ctx.find_root().info_name or 'yq'} {example}", width - 4)
            formatter.write(f"{indent}{lines[0]}\n")
            for line in lines[1:]:
                formatter.write(f"{indent}    {line}\n")
