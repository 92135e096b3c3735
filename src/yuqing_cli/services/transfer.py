"""`yq db copy`: a whole database into an empty one — a SQLite file onto a PostgreSQL
server, or back — with every row, the same ids and the same hash chain.

The source is read in one consistent snapshot; the target is written in one
transaction, which is committed only if the chain read back from it ends at the same
head as the source's. A target that already holds rows is refused and left as it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from yuqing_cli.errors import BadInput, NotFound, Refused, YqError
from yuqing_cli.i18n import _
from yuqing_cli.paths import db_url
from yuqing_cli.services import audit
from yuqing_cli.services.context import Context
from yuqing_cli.store import copy, dialect
from yuqing_cli.store.db import Store


class Progress(Protocol):
    """What the caller shows while rows are copied."""

    def start(self, total: int) -> None: ...

    def advance(self, table: str, rows: int) -> None: ...


class _Silent:
    def start(self, total: int) -> None:
        pass

    def advance(self, table: str, rows: int) -> None:
        pass


@dataclass(frozen=True)
class CopyResult:
    source: str
    target: str
    rows: dict[str, int]  # per table
    chain: audit.VerifyResult  # the target's chain, the same as the source's
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def copy_database(ctx: Context, to: str, progress: Progress | None = None) -> CopyResult:
    """Copy the command's database into the empty database ``to`` (a path or a URL)."""
    progress = progress or _Silent()
    started = time.perf_counter()
    source = ctx.open_store(False)
    if source.missing:
        raise NotFound(
            _("there is no database at {where} to copy").format(where=source.where),
            hint=_("give the database to copy with --db / YQ_DB"),
        )
    if db_url(to) == source.url:
        raise BadInput(
            _("the copy would go onto the database it copies"),
            hint=_("give another database with --to"),
        )
    found = Store.describe(to)
    if found.state not in ("missing", "empty", "current"):
        raise Refused(
            _("{where} already holds data; a copy goes only into an empty database").format(
                where=found.where
            ),
            hint=_("create an empty database (createdb), or give a new file"),
        )
    target = Store.open(to, write=True)
    try:
        with source.snapshot() as src, target.write() as session:
            dst = session.connection()
            login = dialect.server_login(dst)
            if login is not None and not login.admin:
                raise Refused(
                    _("only the owner of {where} can copy a database into it").format(
                        where=target.where
                    ),
                    hint=_("run the copy with the administrator's login, which owns the tables"),
                )
            if any(copy.row_counts(dst)[name] for name in copy.TABLES):
                raise Refused(
                    _("{where} already holds data; a copy goes only into an empty database").format(
                        where=target.where
                    ),
                    hint=_("create an empty database (createdb), or give a new file"),
                )
            progress.start(sum(copy.row_counts(src).values()))
            expected = audit.verify(src)
            try:
                rows = copy.copy_rows(src, dst, progress.advance)
            except (ValueError, TypeError, AssertionError):
                raise YqError(
                    _("{where} holds a value yq never writes; nothing was copied").format(
                        where=source.where
                    ),
                    hint=_("run `yq verify` on it to see where it was edited"),
                ) from None
            chain = audit.verify(dst)
            if (chain.count, chain.head_id, chain.head, chain.ok) != (
                expected.count,
                expected.head_id,
                expected.head,
                expected.ok,
            ):
                raise YqError(
                    _("the copy's chain does not end where the source's does; nothing was kept"),
                    hint=_("run `yq verify` on the source, and report this"),
                )
    finally:
        target.close()
    return CopyResult(source.where, target.where, rows, chain, time.perf_counter() - started)
