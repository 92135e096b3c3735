"""`yq db backup` and `yq db restore`: a SQLite database copied while people work, checked,
and brought back.

A backup is made with SQLite's online backup API in one step: it reads one snapshot of
the database (a reading transaction, which in WAL mode never stops a writer), page by
page, into a new file created ``0600``. The copy is then switched out of WAL mode (one
self-contained file, which reading never changes) and verified with every check of
`yq verify`; only a copy that holds is kept, under its name (never over another
file). Its chain head is what the caller prints: the anchor of that backup.

A restore is `yq db copy` from a backup into an empty database, the backup verified
first: one whose chain is broken, or that fails any other check, is refused.

A database server is backed up with its own tools (``pg_dump``, docs/team.md).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from yuqing_cli.errors import BadInput, NotFound, Refused, YqError
from yuqing_cli.i18n import _
from yuqing_cli.services.context import Context
from yuqing_cli.services.plans import PlanRequest
from yuqing_cli.services.transfer import CopyResult, Progress, copy_database
from yuqing_cli.services.verify import Report, verify
from yuqing_cli.store import privacy
from yuqing_cli.store.db import Store
from yuqing_cli.store.dialect import BUSY_TIMEOUT_MS


@dataclass(frozen=True)
class BackupResult:
    source: str
    target: Path
    report: Report  # the copy's verification: it holds
    size: int  # bytes


class _Database:
    """Another database as a context of its own: read with the caller's plan request."""

    def __init__(self, db: str, plan_request: PlanRequest) -> None:
        self.db = db
        self.plan_request = plan_request
        self.user: str | None = None
        self.on_server = False
        self._store: Store | None = None

    def open_store(self, write: bool) -> Store:
        if write:
            raise AssertionError("a backup is only read")
        if self._store is None:
            self._store = Store.open(self.db, write=False)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def backup(ctx: Context, target: str) -> BackupResult:
    """Copy the command's SQLite database into the new file ``target``, verified."""
    source = ctx.open_store(False)
    path = source.path
    if path is None:
        raise BadInput(
            _("yq db backup copies a SQLite file; {where} is on a database server").format(
                where=source.where
            ),
            hint=_("back a server up with `pg_dump` (docs/team.md, Backups)"),
        )
    if source.missing:
        raise NotFound(
            _("there is no database at {where} to back up").format(where=source.where),
            hint=_("give the database with --db / YQ_DB"),
        )
    destination = Path(target).expanduser().absolute()
    if destination.exists():
        raise Refused(
            _("{path} already exists: a backup never replaces a file").format(path=destination),
            hint=_("give a new file name, e.g. one with today's date"),
        )
    if destination.resolve() == path.resolve():
        raise BadInput(_("the backup would go onto the database it copies"))
    privacy.ensure_dirs(destination.parent)
    try:
        fd, name = tempfile.mkstemp(dir=destination.parent, prefix=".yq-backup.", suffix=".db")
    except OSError as exc:
        raise _cannot_write(destination, exc) from None
    os.close(fd)  # created 0600: SQLite keeps the mode, and its journal takes it too
    temporary = Path(name)
    try:
        _copy_pages(path, temporary)
        copy = _Database(str(temporary), ctx.plan_request)
        try:
            report = verify(copy)
        finally:
            copy.close()
        if not report.ok:
            raise Refused(
                _("the copy of {where} does not verify: {problem}; nothing was kept").format(
                    where=source.where, problem=_first_problem(report)
                ),
                hint=_("run `yq verify` on the database: it does not hold as it is"),
            )
        _keep(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        for suffix in privacy.JOURNALS + ("-journal",):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
        raise
    return BackupResult(source.where, destination, report, destination.stat().st_size)


def _copy_pages(source: Path, target: Path) -> None:
    """SQLite's online backup, in one step (one consistent snapshot), then the copy made
    one self-contained file (no WAL)."""
    try:
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
                dst.commit()
            finally:
                dst.close()
        finally:
            src.close()
        with target.open("rb+") as f:
            os.fsync(f.fileno())
    except sqlite3.Error as exc:
        raise YqError(
            _("cannot back up {path}: {reason}").format(path=source, reason=exc),
            hint=_("run `yq verify`, and try again in a moment"),
        ) from None
    except OSError as exc:
        raise _cannot_write(target, exc) from None


def _keep(temporary: Path, destination: Path) -> None:
    """Give the verified copy its name — never over a file that appeared meanwhile."""
    try:
        os.link(temporary, destination)
    except FileExistsError:
        raise Refused(
            _("{path} already exists: a backup never replaces a file").format(path=destination),
            hint=_("give a new file name, e.g. one with today's date"),
        ) from None
    except OSError as exc:
        raise _cannot_write(destination, exc) from None
    temporary.unlink()


def _first_problem(report: Report) -> str:
    """The chain's break if there is one (the rest follows from it), else the first
    finding."""
    breach = report.chain.breach
    if breach is not None:
        return _("the chain breaks at event {event} ({kind})").format(
            event=breach.event_id, kind=breach.kind
        )
    finding = report.findings[0]
    return f"{finding.where}: {finding.detail}"


def _cannot_write(path: Path, exc: OSError) -> YqError:
    return YqError(
        _("cannot write {output}: {reason}").format(output=path, reason=exc.strerror),
        hint=_("check the directory is writable and the disk has room"),
    )


def restore(
    ctx: Context, backup_file: str, to: str | None, progress: Progress | None = None
) -> CopyResult:
    """Copy the backup ``backup_file`` into the empty database ``to`` (a path or a URL;
    None: the default), once every check of `yq verify` holds on the backup."""
    from yuqing_cli.paths import db_url

    path = Path(backup_file).expanduser()
    if not path.is_file():
        raise NotFound(
            _("there is no backup at {path}").format(path=path),
            hint=_("give the file `yq db backup` wrote"),
        )
    found = Store.describe(str(path))
    if found.state == "pending":
        raise Refused(
            _("the backup {path} was made by an older yq").format(path=path),
            hint=_("upgrade a copy of it first (yq --db COPY db upgrade), then restore the copy"),
        )
    if found.state != "current":
        raise NotFound(
            _("{path} holds no yq database to restore").format(path=path),
            hint=_("give the file `yq db backup` wrote"),
        )
    source = _Database(str(path), ctx.plan_request)
    try:
        report = verify(source)
        if not report.ok:
            raise Refused(
                _("the backup {path} does not verify: {problem}; nothing was restored").format(
                    path=path, problem=_first_problem(report)
                ),
                hint=_("restore an older backup, one that `yq --db BACKUP verify` passes"),
            )
        return copy_database(source, db_url(to), progress)
    finally:
        source.close()
