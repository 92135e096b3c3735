"""`yq db copy` and `yq db setup-roles`: a progress bar, a summary, SQL."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.progress import TimeElapsedColumn
from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.render.console import out, progress
from yuqing_cli.render.safe import clean
from yuqing_cli.services.backup import BackupResult
from yuqing_cli.services.roles import RolesSetup
from yuqing_cli.services.transfer import CopyResult
from yuqing_cli.store.db import Description
from yuqing_cli.store.privacy import Exposure


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


def status(found: Description) -> None:
    """Where the database is, its migrations; on stderr, who else can reach its files."""
    print(_("database: {path}").format(path=clean(found.where)))
    if found.state == "missing":
        print(_("  not created yet: the first command that records something creates it"))
    for name in found.applied:
        print(_("  applied {migration}").format(migration=name))
    if found.applied:
        for name in found.pending:
            print(_("  pending {migration} (`yq db upgrade` applies it)").format(migration=name))
    for exposure in found.exposed:
        print(_("yq: warning: {problem}").format(problem=_exposure(exposure)), file=sys.stderr)
    if found.exposed:
        hint = _(
            "chmod 600 the files and 700 the directory; to share them between accounts, "
            "see `Sharing a file` in docs/team.md"
        )
        print(_("hint: {hint}").format(hint=hint), file=sys.stderr)


def _exposure(exposure: Exposure) -> str:
    path, mode = clean(str(exposure.path)), f"{exposure.mode:04o}"
    if exposure.kind == "owner":
        return _(
            "{path} belongs to another account: this one cannot write the database until "
            "it is removed (by its owner or root, while nobody uses the database)"
        ).format(path=path)
    if exposure.kind == "writable":
        return _("{path} can be changed by every account on this machine (mode {mode})").format(
            path=path, mode=mode
        )
    if exposure.kind == "readable":
        return _("{path} can be read by every account on this machine (mode {mode})").format(
            path=path, mode=mode
        )
    return _("the directory {path} is open to every account on this machine (mode {mode})").format(
        path=path, mode=mode
    )


def backed_up(result: BackupResult) -> None:
    chain = result.report.chain
    head = (
        _("chain intact, head {head_id}:{head}").format(head_id=chain.head_id, head=chain.head)
        if chain.count
        else _("no events")
    )
    out().print(
        Text(
            clean(
                _(
                    "backed up {source} to {target} ({size} KB, mode 0600): {events} events, "
                    "{incidents} incidents, verified; {head}"
                ).format(
                    source=result.source,
                    target=result.target,
                    size=(result.size + 1023) // 1024,
                    events=chain.count,
                    incidents=result.report.incidents,
                    head=head,
                )
            )
        )
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
