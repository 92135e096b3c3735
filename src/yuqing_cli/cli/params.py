"""Parameters of yq's commands: their values converted without the framework's
validation machinery for the plain cases, and readable placeholders in help."""

from __future__ import annotations

import os
import stat
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from typer.core import TyperArgument, TyperOption

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


def plain_params(params: list[Any]) -> None:
    for param in params:
        if isinstance(param, TyperOption | TyperArgument):
            param.process_value = types.MethodType(_process_value, param)  # type: ignore[method-assign]


# Placeholders for option values, where the option's name alone would not say it.
_METAVARS = {
    "at": "TIME",
    "since": "TIME",
    "until": "TIME",
    "as_known_at": "TIME",
    "first_seen": "TIME",
    "date": "DAY",
    "anchor": "ID:HASH",
    "duplicate_of": "REF",
    "replaced_by": "N",
    **dict.fromkeys(("limit", "reads", "reposts", "comments", "likes", "rank"), "N"),
    "line": "VERSION",
    "within": "WINDOW",
    "output": "FILE",
    "source": "PLATFORM",
}


def _no_type(ctx: Any = None) -> None:
    return None


def name_placeholders(params: list[Any]) -> None:
    """Give every option that takes a value a readable placeholder (TIME, N, LEVEL…)
    instead of its Python type (``<str>``, ``<int range>``)."""
    for param in params:
        if param.param_type_name == "argument":
            # An argument's placeholder (REF, STEP) says it; no Python type after it.
            param.display_type_rich = _no_type
            continue
        if getattr(param, "is_flag", False):
            continue
        if param.metavar is not None:
            continue
        if getattr(getattr(param, "type_descriptor", None), "is_choice", False):
            continue  # shown as its choices: table|markdown|json|csv
        name = (param.name or "").strip("_")
        param.metavar = _METAVARS.get(name, name.upper())
