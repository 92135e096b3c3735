"""The command-line interface: ``yq`` / ``yuqing`` / ``python -m yuqing_cli``.

A run builds only the command it names: the module that defines it is imported and
that command alone is registered with the root (``COMMANDS`` in
:mod:`yuqing_cli.cli.app` says which module). The whole app is built when no known
command is named (``yq``, ``yq --help``, a mistyped name, which then gets Typer's
suggestions), for shell completion, and as ``app`` (``from yuqing_cli.cli import
app``: tests, the reference generated from it).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

# Options of the root that take a value: the command's name comes after them.
GLOBAL_WITH_VALUE = ("--as", "--db", "--plan", "--lang")


def command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (after the root's options), if it names one."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return argv[i + 1] if i + 1 < len(argv) else None
        if not arg.startswith("-"):
            return arg
        i += 2 if arg in GLOBAL_WITH_VALUE else 1
    return None


def full_app() -> typer.Typer:
    """The root with every command registered."""
    from yuqing_cli.cli.app import COMMANDS, app

    for module in dict.fromkeys(COMMANDS.values()):
        importlib.import_module(f"yuqing_cli.cli.{module}")
    # The package's `app` is this Typer app, not the submodule of the same name that
    # importing it just bound here.
    globals()["app"] = app
    return app


def app_for(argv: Sequence[str]) -> typer.Typer:
    """What a run with ``argv`` needs: the root and the command it names, or everything."""
    from yuqing_cli.cli.app import COMMANDS, app, only

    name = command_named(argv)
    completing = any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)
    if name is None or name not in COMMANDS or completing:
        return full_app()
    importlib.import_module(f"yuqing_cli.cli.{COMMANDS[name]}")
    return only(app, name)


def main() -> int:
    try:
        app_for(sys.argv[1:])(prog_name="yq")
    except SystemExit as exc:
        return exit_code(exc)
    return 0


def exit_code(exc: SystemExit) -> int:
    """The process's exit code for ``exc`` (None is success; a message is failure)."""
    return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)


def __getattr__(name: str) -> Any:
    if name == "app":
        return full_app()
    raise AttributeError(name)


def __dir__() -> list[str]:  # `app` is found by tools that look for one (typer's docs)
    return sorted({*globals(), "app"})


__all__ = ["app", "app_for", "command_named", "full_app", "main"]
