"""The command-line interface: ``yq`` / ``yuqing`` / ``python -m yuqing_cli``."""

from __future__ import annotations

from yuqing_cli.cli import (  # noqa: F401  (registers the commands)
    db_cmd,
    incident_cmd,
    ledger_cmd,
    people_cmd,
    plan_cmd,
    report_cmd,
    substance_cmd,
    work_cmd,
)
from yuqing_cli.cli.app import app


def main() -> int:
    try:
        app(prog_name="yq")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


__all__ = ["app", "main"]
