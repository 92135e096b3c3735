"""The result of `yq verify`."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.render.console import out, say
from yuqing_cli.render.safe import clean
from yuqing_cli.services.verify import Finding, Run


def verify_result(run: Run, as_json: bool) -> bool:
    """Each finding as it is found, then the chain and the summary; returns whether
    everything holds."""
    if as_json:
        return _json(run)
    console = out()
    for finding in run.findings():
        say(Text(_finding_text(finding), style="red"), "  ")
    result = run.chain()
    breach = result.breach
    if breach is not None:
        say(
            Text(
                _("BROKEN at event {event}: {kind} — {detail}").format(
                    event=breach.event_id, kind=breach.kind, detail=breach.detail
                ),
                style="red bold",
            ),
            "  ",
        )
    if not run.ok or breach is not None:
        return False
    say(
        Text(
            _("ok: {events} events, chain intact; {incidents} incidents match their trails").format(
                events=result.count, incidents=run.incidents
            ),
            style="green",
        ),
        "  ",
    )
    for count in run.logins():
        line = (
            _("{events} events by the login {login} (an administrator's), as {people}")
            if count.admin
            else _("{events} events by the login {login}, as {people}")
        )
        people = "、".join(count.people)
        say(
            Text(
                clean(line.format(events=count.events, login=count.login, people=people)),
                style="dim",
            ),
            "  ",
            count.people,
        )
    if result.count:
        anchor = f"{result.head_id}:{result.head}"
        head = Text(_("head: {anchor}").format(anchor=anchor), style="dim")
        if cell_len(head.plain) <= console.width:
            console.print(head)
        else:  # the anchor on a line of its own, whole, to be copied
            console.print(Text(_("head:"), style="dim"))
            console.print(Text(anchor, style="dim"))
        say(
            Text(
                _(
                    "(keep it: `yq verify --anchor ID:HASH` later shows whether history "
                    "up to here was rewritten)"
                ),
                style="dim",
            ),
            " ",
        )
    return True


def _finding_text(finding: Finding) -> str:
    return clean(
        _("FINDING ({kind}) {where}: {detail}").format(
            kind=finding.kind, where=finding.where, detail=finding.detail
        )
    )


def _json(run: Run) -> bool:
    """The findings first, written as they are found; then what the chain says."""
    import json
    import sys

    from yuqing_cli.render.console import print_json_array
    from yuqing_cli.render.safe import json_safe

    stream = sys.stdout
    stream.write('{\n  "findings": ')
    buffer = _Indented(stream)
    print_json_array(
        ({"kind": f.kind, "where": f.where, "detail": f.detail} for f in run.findings()), buffer
    )
    result = run.chain()
    breach = result.breach
    ok = run.ok and breach is None
    rest = {
        "ok": ok,
        "events": result.count,
        "incidents": run.incidents,
        "head": f"{result.head_id}:{result.head}" if result.ok and result.count else None,
        "breach": None
        if breach is None
        else {"event": breach.event_id, "kind": breach.kind, "detail": breach.detail},
        "logins": [
            {"login": c.login, "admin": c.admin, "events": c.events, "as": list(c.people)}
            for c in run.logins()
        ],
    }
    text = json.dumps(rest, ensure_ascii=False, indent=2)
    stream.write(",\n" + json_safe(text[2:]) + "\n")  # the keys, after the findings
    return ok


class _Indented:
    """Writes to ``stream``, indenting every line after the first by two spaces (a JSON
    array nested as the value of a key), without the array's final newline."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.pending = ""

    def write(self, text: str) -> int:
        text = self.pending + text
        self.pending = "\n" if text.endswith("\n") else ""
        body = text[:-1] if self.pending else text
        self.stream.write(body.replace("\n", "\n  "))
        return len(text)
