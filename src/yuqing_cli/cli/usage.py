"""Usage errors (a missing argument, an unknown option or command, a value of the wrong
kind) in the interface language.

The command-line framework words these in English, without a message catalog. The
root command runs it in non-standalone mode and shows its usage errors here instead:
the same layout (usage line, a "try … for help" line, the error), each message rebuilt
from the exception's own fields (which option, which value, which command), never by
translating English sentences after the fact — except the few value-conversion
messages of the framework's types, matched by pattern.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from yuqing_cli.i18n import _, language


def show(exc: Any) -> None:
    """Print a usage error on stderr, like the framework would, in our words."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # a group run without a command
        print(exc.format_message(), file=sys.stderr)
        return
    ctx = getattr(exc, "ctx", None)
    lines = []
    if ctx is not None:
        lines.append(ctx.get_usage())
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(
                _("Try '{command} {option}' for help.").format(
                    command=ctx.command_path, option=ctx.help_option_names[0]
                )
            )
        lines.append("")
    lines.append(_("Error: {message}").format(message=message(exc)))
    print("\n".join(lines), file=sys.stderr)


def message(exc: Any) -> str:
    """The error's message, rebuilt from its fields in the interface language."""
    if language() == "en":
        return str(exc.format_message())
    kind = type(exc).__name__
    if kind == "MissingParameter":
        hint = _hint(exc)
        if exc.param_type == "option" or (exc.param is not None and _is_option(exc.param)):
            return _("missing option {name}").format(name=hint)
        return _("missing argument {name}").format(name=hint)
    if kind == "NoSuchOption":
        text = _("no such option: {option}").format(option=exc.option_name)
        if exc.possibilities:
            text += _(" (did you mean {options}?)").format(
                options=", ".join(sorted(exc.possibilities))
            )
        return text
    if kind == "BadOptionUsage":
        return _bad_option(exc)
    if kind in ("BadParameter", "BadArgumentUsage"):
        return _("invalid value for {name}: {reason}").format(
            name=_hint(exc), reason=_value_reason(exc.message)
        )
    return _usage_message(str(exc.message))


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _hint(exc: Any) -> str:
    hint = exc.param_hint
    if hint is None and exc.param is not None:
        try:
            hint = exc.param.get_error_hint()
        except TypeError:  # the framework's own parameters take the context
            hint = exc.param.get_error_hint(exc.ctx)
    if isinstance(hint, list | tuple):
        return " / ".join(str(h) for h in hint)
    return str(hint or "")


def _bad_option(exc: Any) -> str:
    text = str(exc.message)
    m = re.fullmatch(r"Option '?(\S+?)'? requires (\w+) arguments?\.?", text)
    if m:
        return _("option {option} needs a value").format(option=m[1])
    m = re.fullmatch(r"Option '?(\S+?)'? does not take a value\.?", text)
    if m:
        return _("option {option} takes no value").format(option=m[1])
    return _("option {option} is used wrongly").format(option=exc.option_name)


def _value_reason(text: str) -> str:
    """The framework's value-conversion messages, by pattern."""
    text = text.strip().removeprefix("Value error, ")
    patterns: tuple[tuple[str, str], ...] = (
        (r"Input should be a valid integer.*", _("not a whole number")),
        (r"Input should be a valid (number|decimal|float).*", _("not a number")),
        (r"Input should be greater than or equal to (\S+)", _("must be at least {value}")),
        (r"Input should be greater than (\S+)", _("must be more than {value}")),
        (r"Input should be less than or equal to (\S+)", _("must be at most {value}")),
        (r"Input should be a valid boolean.*", _("not yes or no")),
        (r"(.+) is not a valid integer( range)?\.?", _("{value} is not a whole number")),
        (r"(.+) is not a valid float( range)?\.?", _("{value} is not a number")),
        (r"(.+) is not a valid boolean\.?", _("{value} is not yes or no")),
        (r"(.+) is not in the range (.+)\.?", _("{value} is out of range ({range})")),
        (r"(.+) is not one of (.+)\.?", _("{value} is not one of {choices}")),
        (r"(.+) is not (a valid choice|valid)\.?", _("{value} is not valid")),
        (r"File (.+) does not exist\.?", _("the file {value} does not exist")),
        (r"File (.+) is a directory\.?", _("{value} is a directory, not a file")),
        (r"Directory (.+) does not exist\.?", _("the directory {value} does not exist")),
    )
    for pattern, template in patterns:
        m = re.fullmatch(pattern, text.strip())
        if m:
            groups = m.groups()
            fields = {"value": groups[0] if groups else ""}
            if "{range}" in template:
                fields["range"] = groups[1]
            if "{choices}" in template:
                fields["choices"] = groups[1]
            return template.format(**fields)
    return text


def _usage_message(text: str) -> str:
    # "No such command 'x'." — sometimes already put in words by the framework's own
    # catalog — and its suggestions: the name is the first quoted word.
    m = re.fullmatch(r"[^']*'([^']+)'[^']*?(?:\.? Did you mean (.+)\?)?", text)
    if m and ("command" in text or "命令" in text):
        found = _("no such command {name!r}").format(name=m[1])
        if m[2]:
            found += _("; did you mean {names}?").format(names=m[2])
        return found
    m = re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", text)
    if m:
        return _("unexpected extra argument(s): {args}").format(args=m[1])
    if text.strip() in ("Missing command.", "Missing command"):
        return _("missing command")
    return text
