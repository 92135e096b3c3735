"""Database errors as one-line messages with the right exit code.

A driver's exception carries the SQL and its parameters; none of that is shown. Only
the kind of problem is: a disk that is full or read-only, a file that is not a
database, a server that cannot be reached. A constraint violation is a bug in this
program and stays an internal error (exit 3).
"""

from __future__ import annotations

import re

from sqlalchemy.exc import DBAPIError, IntegrityError

from yuqing_cli.errors import BadInput, ExitCode, YqError
from yuqing_cli.i18n import _


# (pattern in the driver's message, exit code, message, hint)
def _known() -> tuple[tuple[str, ExitCode, str, str], ...]:
    return (
        (
            "readonly database",
            ExitCode.REFUSED,
            _("the database {where} is read-only"),
            _("check the file's and its directory's permissions"),
        ),
        (
            "disk is full",
            ExitCode.REFUSED,
            _("the disk holding {where} is full"),
            _("free some space and run the command again; nothing was written"),
        ),
        (
            "disk i/o error",
            ExitCode.REFUSED,
            _("the disk holding {where} reported an error"),
            _("check the disk; nothing was written"),
        ),
        (
            "unable to open database",
            ExitCode.REFUSED,
            _("cannot open the database {where}"),
            _("check the path and its permissions"),
        ),
        (
            "database is locked",
            ExitCode.REFUSED,
            _("the database {where} stayed locked by another command"),
            _("run the command again in a moment"),
        ),
        (
            "file is not a database",
            ExitCode.BAD_INPUT,
            _("{where} is not a SQLite database"),
            _("give another path with --db / YQ_DB"),
        ),
        (
            "malformed",
            ExitCode.BAD_INPUT,
            _("the database {where} is damaged"),
            _("restore it from a backup; `PRAGMA integrity_check` in sqlite3 shows where"),
        ),
        (
            "password authentication failed",
            ExitCode.REFUSED,
            _("the server refused the login for {where}"),
            _("check the user and password in --db / YQ_DB"),
        ),
        (
            'database ".*" does not exist',
            ExitCode.BAD_INPUT,
            _("the database {where} does not exist on the server"),
            _("create it first (createdb), or correct the name in --db / YQ_DB"),
        ),
        (
            "connection",
            ExitCode.REFUSED,
            _("cannot connect to the database server for {where}"),
            _("check that the server is running and reachable"),
        ),
        (
            "could not translate host name",
            ExitCode.REFUSED,
            _("cannot find the database server for {where}"),
            _("check the host name in --db / YQ_DB"),
        ),
        (
            "permission denied",
            ExitCode.REFUSED,
            _("the database login may not do this on {where}"),
            _("ask the administrator for the grants of `yq db setup-roles`"),
        ),
    )


def translate(exc: DBAPIError, where: str) -> Exception:
    """The user-facing error for a driver exception (never its SQL or parameters)."""
    if isinstance(exc, IntegrityError):
        return exc  # a bug: let the top level report it as one
    text = str(exc.orig).lower() if exc.orig is not None else ""
    for pattern, code, message, hint in _known():
        if re.search(pattern, text):
            error_type = BadInput if code is ExitCode.BAD_INPUT else YqError
            return error_type(message.format(where=where), hint=hint, exit_code=code)
    return YqError(
        _("the database {where} reported an error: {reason}").format(
            where=where, reason=_first_line(text)
        ),
        hint=_("run again with --debug for details"),
    )


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else "?"
