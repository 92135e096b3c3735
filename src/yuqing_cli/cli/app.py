"""The root Typer app: global options, shared state and error handling.

Commands live in sibling modules, one per command group. They parse arguments,
call one service function and hand the result to :mod:`yuqing_cli.render`.
Nothing here imports the database layer, so ``yq --help`` and ``yq plan …``
stay fast; commands that need the store import it when they run.
"""

from __future__ import annotations

import copy
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from yuqing_cli import __version__, i18n
from yuqing_cli.cli import GLOBAL_WITH_VALUE, complete
from yuqing_cli.cli.help_pages import (
    COMPLETION_HELP,
    YqContext,
    command_key,
    help_option,
    write_examples,
    write_usage,
)
from yuqing_cli.cli.params import name_placeholders, plain_params
from yuqing_cli.errors import ExitCode, YqError
from yuqing_cli.i18n import _

if TYPE_CHECKING:
    from yuqing_cli.plan.schema import Plan
    from yuqing_cli.services.context import Committed
    from yuqing_cli.services.plans import PlanRequest
    from yuqing_cli.store.db import Store


# The order commands are listed in: the daily workflow first. (Subcommands follow it
# too: `report issue`, `list`, `show`.)
COMMAND_ORDER = (
    "demo",
    "todo",
    "mine",
    "due",
    "new",
    "issue",
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
    "assess",
    "line",
    "statement",
    "handover",
    "edit",
    "void",
    "undo",
    "log",
    "verify",
    "report",
    "export",
    "import",
    "routine",
    "batch",
    "plan",
    "people",
    "db",
)


# The module of yuqing_cli.cli that defines each command and group of the root: a run
# imports that module alone and builds that command alone (see yuqing_cli.cli).
COMMANDS = {
    "demo": "incident_cmd",
    "todo": "work_cmd",
    "mine": "work_cmd",
    "due": "work_cmd",
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
    "assess": "substance_cmd",
    "line": "substance_cmd",
    "statement": "substance_cmd",
    "handover": "substance_cmd",
    "edit": "work_cmd",
    "void": "work_cmd",
    "undo": "work_cmd",
    "log": "incident_cmd",
    "verify": "db_cmd",
    "report": "report_cmd",
    "export": "ledger_cmd",
    "import": "ledger_cmd",
    "routine": "report_cmd",
    "batch": "batch_cmd",
    "plan": "plan_cmd",
    "people": "people_cmd",
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


class YqCommand(TyperCommand):
    """Every command of yq: Typer's own words of the help page in the interface language."""

    context_class = YqContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_placeholders(self.params)
        plain_params(self.params)

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        plain_params(params)  # also the help option, made when asked for
        return params

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._short_refs(args))

    def _short_refs(self, args: list[str]) -> list[str]:
        """`-001` in the place of an argument is today's incident 001, not an option."""
        takes_value = {
            opt
            for param in self.params
            if param.param_type_name == "option" and not getattr(param, "is_flag", False)
            for opt in param.opts
        }
        out = []
        for i, arg in enumerate(args):
            if re.fullmatch(r"-\d{1,4}", arg) and (i == 0 or args[i - 1] not in takes_value):
                arg = arg[1:]
            out.append(arg)
        return out

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        write_usage(self, ctx, formatter)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        write_examples(ctx, formatter)

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return help_option(super().get_help_option(ctx))


class YqGroup(TyperGroup):
    """Turns :class:`YqError` into a message, a hint and an exit code; help like YqCommand."""

    context_class = YqContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_params(self.params)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        write_usage(self, ctx, formatter)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        write_examples(ctx, formatter)

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return help_option(super().get_help_option(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command, with its one-line summary for the list of commands."""
        from yuqing_cli.cli.examples import summaries

        command = super().get_command(ctx, cmd_name)
        if command is not None:
            key = " ".join([*command_key(ctx).split(), command.name or cmd_name])
            command.short_help = summaries().get(key, command.short_help)
        return command

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.name in COMPLETION_HELP:
                param.help = COMPLETION_HELP[param.name]()
        plain_params(params)  # also the help and completion options, added after __init__
        return params

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if ctx.parent is None:
            for arg in args:
                _check_text(arg, None)
            args = global_options_first(args)
        return super().parse_args(ctx, args)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """The root command: usage errors are shown in the interface language."""
        standalone = kwargs.pop("standalone_mode", True)
        try:
            rv = super().main(*args, **{**kwargs, "standalone_mode": False})
        except (typer.Abort, KeyboardInterrupt):
            if not standalone:
                raise
            print(_("Aborted."), file=sys.stderr)
            sys.exit(int(ExitCode.INTERRUPTED))
        except OSError as exc:  # e.g. help printed to a full disk
            if not standalone:
                raise
            report_error(_os_error(exc, False))
            sys.exit(int(ExitCode.REFUSED))
        except Exception as exc:
            if not standalone or not _is_usage_error(exc):
                raise
            from yuqing_cli.cli import usage

            usage.show(exc)
            sys.exit(getattr(exc, "exit_code", int(ExitCode.BAD_INPUT)))
        if not standalone:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            rv = super().invoke(ctx)
            sys.stdout.flush()  # a full disk is found here, not at the interpreter's exit
            return rv
        except YqError as exc:
            if _debug(ctx):
                raise
            report_error(exc)
            raise typer.Exit(int(exc.exit_code)) from None
        except BrokenPipeError:
            from yuqing_cli.render.console import reader_went_away

            reader_went_away()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except OSError as exc:
            if _debug(ctx):
                raise
            report_error(_os_error(exc, _recorded(ctx)))
            raise typer.Exit(int(ExitCode.REFUSED)) from None
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


# The root's options, accepted anywhere on the line: `yq done REF STEP --as 李丹` works
# like `yq --as 李丹 done REF STEP`. (No command has an option of these names.)
GLOBAL_FLAGS = ("--debug",)


def global_options_first(args: list[str]) -> list[str]:
    """Move the root's options that follow the command to the front."""
    front: list[str] = []
    rest: list[str] = []
    seen_command = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if not seen_command:
            if name in GLOBAL_WITH_VALUE and "=" not in arg:
                front += args[i : i + 2]
                i += 2
                continue
            if arg.startswith("-"):
                front.append(arg)
            else:
                seen_command = True
                rest.append(arg)
        elif name in GLOBAL_WITH_VALUE:
            if "=" in arg:
                front.append(arg)
            else:
                front += args[i : i + 2]
                i += 1
        elif arg in GLOBAL_FLAGS:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


# C0 control characters but tab and newline (a note may have several lines): never
# recorded. NUL, for one, cannot be stored on PostgreSQL at all.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")


def control_character(text: str) -> int | None:
    """Where the first control character of ``text`` is that may not be recorded."""
    found = _CONTROL.search(text)
    return found.start() if found is not None else None


def _check_text(value: str | None, what: str | None) -> None:
    """Refuse text that is not valid Unicode (bytes that are not UTF-8 arrive as lone
    surrogates) or holds a control character: exit 2, before anything is opened.
    ``what`` names it (None: an argument, quoted)."""
    if value is None:
        return
    from yuqing_cli.render.safe import shorten

    named = what or _("the argument {argument}").format(argument=shorten(value, 40))
    if any("\ud800" <= c <= "\udfff" for c in value):
        error = YqError(
            _("{what} is not valid UTF-8 text").format(what=named),
            hint=_("check the terminal's encoding (a UTF-8 locale such as zh_CN.UTF-8)"),
        )
    elif (at := control_character(value)) is not None:
        error = YqError(
            _("{what} holds a control character (U+{code:04X}) at position {position}").format(
                what=named, code=ord(value[at]), position=at + 1
            ),
            hint=_(
                "control characters are not recorded: remove it (tabs and line breaks are fine)"
            ),
        )
    else:
        return
    report_error(error)
    raise typer.Exit(int(ExitCode.BAD_INPUT))


def _os_error(exc: OSError, recorded: bool) -> YqError:
    """A fault of the system (a full disk, a closed terminal) as one line, exit 1: no
    bug of this program. What is still waiting to be printed is dropped."""
    from yuqing_cli.render.console import discard_output

    discard_output()
    reason = exc.strerror or type(exc).__name__
    message = (
        _("cannot use {file}: {reason}").format(file=exc.filename, reason=reason)
        if exc.filename
        else _("cannot write the output: {reason}").format(reason=reason)
    )
    hint = (
        _("what the command recorded stands (`yq log` shows it); only its output was lost")
        if recorded
        else _("nothing was changed; free some space, or send the output elsewhere")
    )
    return YqError(message, hint=hint)


def _recorded(ctx: typer.Context) -> bool:
    root = ctx.find_root()
    return isinstance(root.obj, AppState) and root.obj.recorded


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
    walkthrough: bool = False  # `yq demo`: the first run's notice does not suggest it
    _plan: Plan | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)
    _writable: bool = field(default=False, repr=False)
    recorded: bool = False  # a writing command of this run has committed its events

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
    def on_server(self) -> bool:
        from yuqing_cli.paths import db_url

        return not db_url(self.db).startswith("sqlite")

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
            _first_run(store, suggest_demo=not self.walkthrough)
        self._store, self._writable = store, write
        return store

    def committed(self, done: Committed) -> None:
        """A writing command's events are committed: run the user's hooks."""
        from yuqing_cli.cli import hooks

        self.recorded = True
        hooks.run(done)

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


def _first_run(store: Store, *, suggest_demo: bool) -> None:
    """Say where the new database is, and what to do next (on stderr: stdout may be JSON)."""
    print(_("yq: created a new database at {path}").format(path=store.where), file=sys.stderr)
    if suggest_demo:
        print(
            _(
                "next: `yq demo` walks an exercise incident through a stage;\n"
                "      `yq plan show` prints the plan;\n"
                "      `yq --as NAME new TITLE` logs an incident (NAME on the plan's roster)"
            ),
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
            help=_(
                "Who is acting: a person on the plan's roster. On a database server the "
                "login decides (see `yq people`)."
            ),
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
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help=_("Print the version and exit."),
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
