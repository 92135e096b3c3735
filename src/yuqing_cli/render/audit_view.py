"""The result of `yq verify`."""

from __future__ import annotations

from rich.text import Text

from yuqing_cli.i18n import _
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
        out().print(
            Text(
                _("ok: {result_count} events, chain intact").format(result_count=result.count),
                style="green",
            )
        )
        if result.count:
            out().print(
                Text(
                    _("head: {result_head_id}:{result_head}").format(
                        result_head_id=result.head_id, result_head=result.head
                    ),
                    style="dim",
                )
            )
            out().print(
                Text(
                    _(
                        "(keep it: `yq verify --anchor ID:HASH` later shows whether history "
                        "up to here was rewritten)"
                    ),
                    style="dim",
                )
            )
        return
    out().print(
        Text(
            _("BROKEN at event {breach_event_id}: {breach_kind} — {breach_detail}").format(
                breach_event_id=breach.event_id,
                breach_kind=breach.kind,
                breach_detail=breach.detail,
            ),
            style="red bold",
        )
    )
