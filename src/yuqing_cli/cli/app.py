"""The root Typer app: global options, shared state and error handling.

Commands live in sibling modules, one per command group. They parse arguments,
call one service function and hand the result to :mod:`yuqing_cli.render`.
Nothing here imports the database layer, so ``yq --help`` and ``yq plan …``
stay fast; commands that need the store import it when they run.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer import _click
from typer.core import TyperCommand, TyperGroup, TyperOption

from yuqing_cli import __version__, i18n
from yuqing_cli.cli import complete
from yuqing_cli.errors import ExitCode, YqError
from yuqing_cli.i18n import _

if TYPE_CHECKING:
    from yuqing_cli.plan.schema import Plan
    from yuqing_cli.services.plans import PlanRequest
    from yuqing_cli.store.db import Store


# The order commands are listed in: the daily workflow first.
COMMAND_ORDER = (
    "demo",
    "new",
    "list",
    "show",
    "checklist",
    "done",
    "waive",
    "advance",
    "grade",
    "assign",
    "note",
    "reopen",
    "log",
    "verify",
    "report",
    "export",
    "routine",
    "plan",
    "db",
)


def _usage(command: _click.Command, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
    pieces = command.collect_usage_pieces(ctx)
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))


def _help_option(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.help = _("Show this message and exit.")
    return option


_COMPLETION_HELP = {
    "install_completion": lambda: _("Install completion for the current shell."),
    "show_completion": lambda: _(
        "Show completion for the current shell, to copy it or customize the installation."
    ),
}


class YqCommand(TyperCommand):
    """Every command of yq: Typer's own words of the help page in the interface language."""

    def format_usage(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _usage(self, ctx, formatter)

    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        return _help_option(super().get_help_option(ctx))


class YqGroup(TyperGroup):
    """Turns :class:`YqError` into a message, a hint and an exit code; help like YqCommand."""

    def format_usage(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _usage(self, ctx, formatter)

    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        return _help_option(super().get_help_option(ctx))

    def get_params(self, ctx: _click.Context) -> list[_click.Parameter]:
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.name in _COMPLETION_HELP:
                param.help = _COMPLETION_HELP[param.name]()
        return params

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        for arg in args:
            _check_text(arg, _("an argument"))
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except YqError as exc:
            if _debug(ctx):
                raise
            report_error(exc)
            raise typer.Exit(int(exc.exit_code)) from None
        except BrokenPipeError:
            _stdout_gone()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if _debug(ctx) or _is_usage_error(exc):
                raise
            report_error(
                YqError(
                    _("internal error: {__name__}: {exc}").format(
                        __name__=type(exc).__name__, exc=exc
                    ),
                    hint=_("run again with --debug to see the traceback, and report it"),
                )
            )
            raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _stdout_gone() -> None:
    """The reader of our output went away (``yq log | head``): that is no error. What
    is still buffered goes nowhere, so exiting does not fail on it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (a test runner's capture)
        pass


def _check_text(value: str | None, what: str) -> None:
    """Refuse text that is not valid Unicode (bytes that are not UTF-8 arrive as lone
    surrogates): exit 2, before anything is opened."""
    if value is not None and any("\ud800" <= c <= "\udfff" for c in value):
        report_error(
            YqError(
                _("{what} is not valid UTF-8 text").format(what=what),
                hint=_("check the terminal's encoding (a UTF-8 locale such as zh_CN.UTF-8)"),
            )
        )
        raise typer.Exit(int(ExitCode.BAD_INPUT))


def _is_usage_error(exc: Exception) -> bool:
    # Typer's own usage errors (bad option, missing argument) handle themselves.
    from typer._click.exceptions import ClickException

    return isinstance(exc, ClickException)


def _debug(ctx: typer.Context) -> bool:
    root = ctx.find_root()
    return isinstance(root.obj, AppState) and root.obj.debug


def report_error(exc: YqError) -> None:
    from yuqing_cli.render.safe import clean

    err = sys.stderr
    print(_("yq: error: {message}").format(message=clean(exc.message)), file=err)
    for line in exc.details:
        print(f"  {clean(line)}", file=err)
    if exc.hint:
        print(_("hint: {hint}").format(hint=clean(exc.hint)), file=err)


@dataclass
class AppState:
    """What the global options say; the plan file and the store opened on first use.

    It is the services' :class:`~yuqing_cli.services.context.Context`: they ask it for
    the store (to read or to write) and for the plan file the command was run with.
    """

    plan_path: str | None = None
    db: str | None = None
    user: str | None = None
    debug: bool = False
    quiet: bool = False  # no notices on stderr (shell completion)
    _plan: Plan | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)
    _writable: bool = field(default=False, repr=False)

    def plan(self) -> Plan:
        """The plan file in use (``--plan``, ``$YQ_PLAN``, ``./plan.yaml`` or the shipped
        one): what `yq plan …` checks and shows."""
        if self._plan is None:
            from yuqing_cli.plan.files import find_plan, load_plan

            self._plan = load_plan(find_plan(self.plan_path))
        return self._plan

    @property
    def plan_explicit(self) -> bool:
        from yuqing_cli.plan.files import find_plan, shipped_plan_path

        return find_plan(self.plan_path).resolve() != shipped_plan_path()

    @property
    def plan_request(self) -> PlanRequest:
        from yuqing_cli.services.plans import PlanRequest

        return PlanRequest(self.plan, self.plan_explicit)

    def open_store(self, write: bool) -> Store:
        """The database, opened for reading or (creating or upgrading it) for writing."""
        if self._store is not None and (self._writable or not write):
            return self._store
        from yuqing_cli.services.state import rebuild_all
        from yuqing_cli.store.db import Store

        self.close()
        store = Store.open(self.db, write=write, after_migrate=rebuild_all)
        if store.missing and not self.quiet:
            _no_database_yet(store)
        if store.created and not self.quiet:
            _first_run(store)
        self._store, self._writable = store, write
        return store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _no_database_yet(store: Store) -> None:
    print(
        _("yq: no database at {where} yet; a command that records something creates it").format(
            where=store.where
        ),
        file=sys.stderr,
    )


def _first_run(store: Store) -> None:
    """Say where the new database is, and what to do next (on stderr: stdout may be JSON)."""
    print(
        _(
            "yq: created a new database at {path}\n"
            "next: `yq demo` walks an exercise incident through a stage; "
            "`yq plan show` prints the plan;\n"
            "      `yq --as NAME new TITLE` logs an incident (NAME on the plan's roster)"
        ).format(path=store.where),
        file=sys.stderr,
    )


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppState)
    return obj


app = typer.Typer(
    cls=YqGroup,
    name="yq",
    help=_(
        "yq — 舆情应对预案的可执行工作流 / an executable public-opinion response plan.\n\n"
        "Log incidents, work through each stage's checklist, keep an audit trail and "
        "print the daily report."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"yq {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            envvar="YQ_PLAN",
            metavar="FILE",
            help=_("Plan file. Default: ./plan.yaml, else the shipped plan."),
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="YQ_DB",
            metavar="PATH|URL",
            help=_("Database file or SQLAlchemy URL. Default: see `yq db path`."),
            show_default=False,
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="YQ_USER",
            metavar="NAME",
            help=_("Who is acting: a person on the plan's roster."),
            show_default=False,
            autocompletion=complete.people,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            envvar="YQ_LANG",
            metavar="zh|en",
            help=_("Interface language. Default: from the locale (zh_* is Chinese), else English."),
            show_default=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help=_("Show tracebacks instead of one-line errors."))
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help=_("Print the version and exit.")
        ),
    ] = False,
) -> None:
    i18n.setup(lang)
    for value, what in ((user, "--as / YQ_USER"), (db, "--db / YQ_DB"), (lang, "--lang")):
        _check_text(value, what)
    _check_text(str(plan) if plan else None, "--plan / YQ_PLAN")
    app_state = AppState(
        plan_path=str(plan) if plan else None,
        db=db,
        user=user,
        debug=debug or bool(os.environ.get("YQ_DEBUG")),
    )
    ctx.obj = app_state
    ctx.call_on_close(app_state.close)
