"""Hooks: a command of the user's, run once for each event yq records, with the event as
JSON on stdin — so a unit can push to its own messaging (like git's or Taskwarrior's).

Where: ``$YQ_HOOK`` (a shell command line), and an executable file ``post-event`` in
``hooks/`` of the user's configuration directory (``~/.config/yuqing-cli/hooks/`` on
Linux). Both run if both are set. A hook runs after the command's transaction is
committed: a failing or slow hook never loses or blocks the event; it is reported on
stderr and the command's exit code is unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from yuqing_cli.i18n import _
from yuqing_cli.render.safe import clean, json_safe
from yuqing_cli.services.context import Committed
from yuqing_cli.timeutil import local

TIMEOUT_S = 30


def hook_file() -> Path:
    from platformdirs import user_config_path

    return user_config_path("yuqing-cli", appauthor=False) / "hooks" / "post-event"


def commands() -> list[tuple[list[str] | str, bool]]:
    """The hooks to run: (command, through the shell)."""
    found: list[tuple[list[str] | str, bool]] = []
    line = os.environ.get("YQ_HOOK", "").strip()
    if line:
        found.append((line, True))
    path = hook_file()
    if path.is_file() and os.access(path, os.X_OK):
        found.append(([str(path)], False))
    return found


def event_payload(event: Any, refs: dict[int, str], tz: str) -> dict[str, Any]:
    return {
        "id": event.id,
        "ref": refs.get(event.incident_id) if event.incident_id is not None else None,
        "seq": event.seq,
        "action": event.action,
        "actor": event.actor,
        "subject": event.subject,
        "old": event.old,
        "new": event.new,
        "note": event.note,
        "happened_at": local(event.happened_at, tz).isoformat(),
        "recorded_at": local(event.recorded_at, tz).isoformat(),
        "data": json.loads(event.data) if event.data else None,
        "plan_version": event.plan_version,
        "hash": event.hash,
    }


def run(done: Committed) -> None:
    hooks = commands()
    if not hooks:
        return
    for event in done.events:
        data = event_payload(event, done.refs, done.tz)
        payload = json_safe(json.dumps(data, ensure_ascii=False)) + "\n"  # one per line
        for command, shell in hooks:
            _run_one(command, shell, payload, event.id or 0)


def _run_one(command: list[str] | str, shell: bool, payload: str, event_id: int) -> None:
    shown = command if isinstance(command, str) else command[0]
    try:
        result = subprocess.run(
            command,
            shell=shell,
            input=payload,
            text=True,
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        reason = _("did not finish in {n} s").format(n=TIMEOUT_S) if isinstance(
            exc, subprocess.TimeoutExpired
        ) else exc.strerror or type(exc).__name__  # fmt: skip
        _warn(shown, event_id, str(reason))
        return
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [""])[-1][:200]
        _warn(shown, event_id, _("exit {code}").format(code=result.returncode) + (
            f": {last}" if last else ""))  # fmt: skip


def _warn(command: str, event_id: int, reason: str) -> None:
    print(
        clean(
            _(
                "yq: warning: the hook {command} failed for event {id} ({reason}); the event "
                "is recorded"
            ).format(command=command, id=event_id, reason=reason)
        ),
        file=sys.stderr,
    )
