"""The root Typer app: global options, shared state and error handling.

Commands live in sibling modules, one per command group. They parse arguments,
call one service function and hand the result to :mod:`yuqing_cli.render`.
Nothing here imports the database layer, so ``yq --help`` and ``yq plan …``
stay fast; commands that need the store import it when they run.
"""

from __future__ import annotations

import copy
import os
import stat
import sys
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from yuqing_cli import __version__, i18n
from yuqing_cli.cli import complete
from yuqing_cli.errors import ExitCode, YqError
from yuqing_cli.i18n import _

if TYPE_CHECKING:
    from yuqing_cli.plan.schema import Plan
    from yuqing_cli.services.plans import PlanRequest
    from yuqing_cli.store.db import Store


# Every command and group of the root, in the order they are listed (the daily workflow
# first), and the module of yuqing_cli.cli that defines it: a run imports that module
# alone and builds that command alone (see yuqing_cli.cli.main).
COMMANDS = {
    "demo": "incident_cmd",
    "new": "incident_cmd",
    "list": "incident_cmd",
    "show": "incident_cmd",
    "checklist": "incident_cmd",
    "done": "incident_cmd",
    "waive": "incident_cmd",
    "advance": "incident_cmd",
    "grade": "incident_cmd",
    "assign": "incident_cmd",
    "note": "incident_cmd",
    "reopen": "incident_cmd",
    "log": "incident_cmd",
    "verify": "db_cmd",
    "report": "report_cmd",
    "export": "report_cmd",
    "routine": "report_cmd",
    "batch": "batch_cmd",
    "plan": "plan_cmd",
    "db": "db_cmd",
}


def command_name(command: Any) -> str:
    """The name a registered command (Typer's CommandInfo) is run by."""
    return str(command.name or command.callback.__name__.lower().replace("_", "-"))


def only(app: typer.Typer, name: str) -> typer.Typer:
    """The root app with one of its commands (or groups): all one run needs to build."""
    one = copy.copy(app)
    one.registered_commands = [c for c in app.registered_commands if command_name(c) == name]
    one.registered_groups = [g for g in app.registered_groups if g.name == name]
    return one


def _usage(command: Any, ctx: typer.Context, formatter: Any) -> None:
    pieces = command.collect_usage_pieces(ctx)
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))


def _help_option(option: Any) -> Any:
    if option is not None:
        option.help = _("Show this message and exit.")
    return option


_COMPLETION_HELP = {
    "install_completion": lambda: _("Install completion for the current shell."),
    "show_completion": lambda: _(
        "Show completion for the current shell, to copy it or customize the installation."
    ),
}


# -- parameters --------------------------------------------------------------------------

_FRAMEWORK = object()  # "let the framework convert this value"
_NONE = type(None)


def _plain_value(param: Any, value: Any) -> Any:
    """A parameter's value converted as Typer would, for the plain cases: text, a list
    of texts, an integer within bounds, an Enum's value, a path; :data:`_FRAMEWORK` for
    anything else (and for every value Typer would refuse, so its message stays)."""
    descriptor = getattr(param, "type_descriptor", None)  # older Typer versions have none
    if descriptor is None:
        return _FRAMEWORK
    if value is None:
        return () if param.multiple or param.nargs == -1 else None
    info = descriptor.parameter_info
    if info.parser is not None:
        return _FRAMEWORK
    kind = descriptor.annotation
    options = [a for a in typing.get_args(kind) if a is not _NONE]
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(options) == 1:
        kind = options[0]
    if param.multiple or param.nargs == -1:
        if typing.get_args(kind) == (str,) and all(isinstance(v, str) for v in value):
            return list(value)
        return _FRAMEWORK
    if kind is str and isinstance(value, str):
        return value
    if kind is int and isinstance(value, str):
        return _integer(value, info)
    if isinstance(kind, type) and issubclass(kind, Enum) and isinstance(value, str):
        wanted = value if info.case_sensitive else value.casefold()
        for member in kind:
            text = str(member.value)
            if (text if info.case_sensitive else text.casefold()) == wanted:
                return member
        return _FRAMEWORK
    if kind is Path and isinstance(value, str):
        return _path(value, info)
    return _FRAMEWORK


def _integer(value: str, info: Any) -> Any:
    try:
        number = int(value)
    except ValueError:
        return _FRAMEWORK
    if info.clamp or (info.min is not None and number < info.min):
        return _FRAMEWORK
    if info.max is not None and number > info.max:
        return _FRAMEWORK
    return number


def _path(value: str, info: Any) -> Any:
    if info.path_type not in (None, Path) or info.allow_dash or info.resolve_path:
        return _FRAMEWORK
    try:
        mode = os.stat(value).st_mode
    except OSError:
        return _FRAMEWORK if info.exists else Path(value)
    if (not info.file_okay and stat.S_ISREG(mode)) or (not info.dir_okay and stat.S_ISDIR(mode)):
        return _FRAMEWORK
    if (info.readable and not os.access(value, os.R_OK)) or (
        info.writable and not os.access(value, os.W_OK)
    ):
        return _FRAMEWORK
    return Path(value)


def _process_value(param: Any, ctx: Any, value: Any) -> Any:
    """A parameter's ``process_value``, converting plain values here. Typer 0.29
    converts every value through a pydantic TypeAdapter built for the parameter
    (importing pydantic costs tens of milliseconds), also for parameters left unset."""
    converted = _plain_value(param, value)
    if converted is _FRAMEWORK or (param.required and param.value_is_missing(converted)):
        return type(param).process_value(param, ctx, value)
    return param.callback(ctx, param, converted) if param.callback is not None else converted


def _plain_params(params: list[Any]) -> None:
    for param in params:
        if isinstance(param, TyperOption | TyperArgument):
            param.process_value = types.MethodType(_process_value, param)  # type: ignore[method-assign]


class YqCommand(TyperCommand):
    """Every command of yq: Typer's own words of the help page in the interface language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_params(self.params)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _usage(self, ctx, formatter)

    def get_help_option(self, ctx: Any) -> Any:
        return _help_option(super().get_help_option(ctx))

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        _plain_params(params)  # also the help option, made when asked for
        return params


class YqGroup(TyperGroup):
    """Turns :class:`YqError` into a message, a hint and an exit code; help like YqCommand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_params(self.params)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _usage(self, ctx, formatter)

    def get_help_option(self, ctx: Any) -> Any:
        return _help_option(super().get_help_option(ctx))

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.name in _COMPLETION_HELP:
                param.help = _COMPLETION_HELP[param.name]()
        _plain_params(params)  # also the help and completion options, added after __init__
        return params

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for arg in args:
            _check_text(arg, _("an argument"))
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMANDS)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def invoke(self, ctx: Any) -> Any:
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
    """Typer's own errors (a bad option, a missing argument) report themselves: they
    are the framework's exceptions that know how to show themselves."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)


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
