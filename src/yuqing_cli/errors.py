"""The one error type of the project, and its exit codes.

Services raise :class:`YqError` (or a subclass); the command-line layer turns it
into a one-line message on stderr, an optional hint, and a fixed exit code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    REFUSED = 1  # refused by the workflow, or not found
    BAD_INPUT = 2  # bad usage or bad input, including a bad plan file
    INTERNAL = 3  # a bug: an unexpected exception
    DUE = 4  # `yq due`: some steps are overdue or due within the window
    INTERRUPTED = 130


class YqError(Exception):
    """An error meant for the user: what went wrong, and what to do about it."""

    exit_code: ExitCode = ExitCode.REFUSED

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        details: list[str] | None = None,
        exit_code: ExitCode | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details or []
        if exit_code is not None:
            self.exit_code = exit_code


class BadInput(YqError):
    """Input that cannot be understood: exit code 2."""

    exit_code = ExitCode.BAD_INPUT


class NotFound(YqError):
    """An incident, step or record that does not exist: exit code 1."""


class Refused(YqError):
    """The workflow or the plan's roles forbid this action: exit code 1."""
