"""`yq db copy` and `yq db setup-roles`: a progress bar, a summary, SQL."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.progress import TimeElapsedColumn
from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.render.console import out, progress
from yuqing_cli.render.safe import clean
from yuqing_cli.services.roles import RolesSetup
from yuqing_cli.services.transfer import CopyResult


class CopyProgress:
    """A progress bar of the rows copied, on stderr (stdout keeps the summary)."""

    def __init__(self) -> None:
        self._bar = progress(TimeElapsedColumn())
        self._task = self._bar.add_task(_("copying"), total=None)

    def __enter__(self) -> CopyProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def start(self, total: int) -> None:
        self._bar.update(self._task, total=total)

    def advance(self, table: str, rows: int) -> None:
        self._bar.update(
            self._task, advance=rows, description=_("copying {table}").format(table=table)
        )


def copied(result: CopyResult) -> None:
    chain = result.chain
    head = (
        _("chain intact, head {head_id}:{head}").format(head_id=chain.head_id, head=chain.head)
        if chain.ok and chain.count
        else _("no events")
        if chain.ok
        else _("chain broken at event {event}, as in the source").format(
            event=chain.breach.event_id if chain.breach else "?"
        )
    )
    out().print(
        Text(
            clean(
                _(
                    "copied {rows} rows (events: {events}, incidents: {incidents}) from {source} "
                    "to {target} in {seconds:.1f} s; {head}"
                ).format(
                    rows=result.total,
                    events=result.rows.get("event", 0),
                    incidents=result.rows.get("incident", 0),
                    source=result.source,
                    target=result.target,
                    seconds=result.seconds,
                    head=head,
                )
            )
        )
    )


def roles_setup(setup: RolesSetup) -> None:
    for note in setup.notes:
        print(_("yq: note: {note}").format(note=clean(note)), file=sys.stderr)
    if setup.applied:
        out().print(
            Text(
                clean(
                    _(
                        "granted on {database} (schema {schema}): writers {writers}; "
                        "readers {readers}"
                    ).format(
                        database=setup.database,
                        schema=setup.schema,
                        writers=", ".join(setup.writers) or "—",
                        readers=", ".join(setup.readers) or "—",
                    )
                )
            )
        )
        return
    print(
        _("-- yq db setup-roles for {where}: run as the database's owner").format(where=setup.where)
    )
    for statement in setup.statements:
        print(f"{statement};")
