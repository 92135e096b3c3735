"""The result of `yq verify`."""

from __future__ import annotations

from rich.text import Text

from yuqing_cli.render.console import out, print_json
from yuqing_cli.services.audit import VerifyResult


def verify_result(result: VerifyResult, as_json: bool) -> None:
    breach = result.breach
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "events": result.count,
                "head": f"{result.head_id}:{result.head}" if result.ok and result.count else None,
                "breach": None
                if breach is None
                else {"event": breach.event_id, "kind": breach.kind, "detail": breach.detail},
            }
        )
        return
    if breach is None:
        out().print(Text(f"ok: {result.count} events, chain intact", style="green"))
        if result.count:
            out().print(Text(f"head: {result.head_id}:{result.head}", style="dim"))
            out().print(
                Text(
                    "(keep it: `yq verify --anchor ID:HASH` later shows whether history "
                    "up to here was rewritten)",
                    style="dim",
                )
            )
        return
    out().print(
        Text(
            f"BROKEN at event {breach.event_id}: {breach.kind} — {breach.detail}", style="red bold"
        )
    )
