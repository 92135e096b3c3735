"""The result of `yq verify`."""

from __future__ import annotations

from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.render.console import out, print_json
from yuqing_cli.render.safe import clean
from yuqing_cli.services.verify import Report


def verify_result(report: Report, as_json: bool) -> None:
    result = report.chain
    breach = result.breach
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "events": result.count,
                "incidents": report.incidents,
                "head": f"{result.head_id}:{result.head}" if result.ok and result.count else None,
                "breach": None
                if breach is None
                else {"event": breach.event_id, "kind": breach.kind, "detail": breach.detail},
                "findings": [
                    {"kind": f.kind, "where": f.where, "detail": f.detail} for f in report.findings
                ],
                "logins": [
                    {"login": c.login, "admin": c.admin, "events": c.events, "as": list(c.people)}
                    for c in report.logins
                ],
            }
        )
        return
    console = out()
    if breach is not None:
        console.print(
            Text(
                _("BROKEN at event {event}: {kind} — {detail}").format(
                    event=breach.event_id, kind=breach.kind, detail=breach.detail
                ),
                style="red bold",
            )
        )
    for finding in report.findings:
        console.print(
            Text(
                clean(
                    _("FINDING ({kind}) {where}: {detail}").format(
                        kind=finding.kind, where=finding.where, detail=finding.detail
                    )
                ),
                style="red",
            )
        )
    if not report.ok:
        return
    console.print(
        Text(
            _("ok: {events} events, chain intact; {incidents} incidents match their trails").format(
                events=result.count, incidents=report.incidents
            ),
            style="green",
        )
    )
    for count in report.logins:
        line = (
            _("{events} events by the login {login} (an administrator's), as {people}")
            if count.admin
            else _("{events} events by the login {login}, as {people}")
        )
        console.print(
            Text(
                clean(
                    line.format(
                        events=count.events, login=count.login, people="、".join(count.people)
                    )
                ),
                style="dim",
            )
        )
    if result.count:
        console.print(
            Text(
                _("head: {head_id}:{head}").format(head_id=result.head_id, head=result.head),
                style="dim",
            )
        )
        console.print(
            Text(
                _(
                    "(keep it: `yq verify --anchor ID:HASH` later shows whether history "
                    "up to here was rewritten)"
                ),
                style="dim",
            )
        )
