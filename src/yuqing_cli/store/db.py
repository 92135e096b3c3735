"""The store: one engine per process, one transaction per command.

Opening is careful with what it finds. Only a command that writes creates a database
or upgrades its schema; a reading command on a database that does not exist yet reads
an empty one (and says so) without creating anything. A file that is not SQLite, a
SQLite file with other tables than ours, or a schema newer than this yq knows is
refused with exit code 2 and left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from yuqing_cli.errors import BadInput, Refused, YqError
from yuqing_cli.i18n import _
from yuqing_cli.paths import db_url, display_url, sqlite_path
from yuqing_cli.store import dialect, privacy
from yuqing_cli.store.errors import translate
from yuqing_cli.store.migrations import (
    MIGRATIONS,
    Migration,
    MigrationError,
    applied,
    migrate,
    schema_state,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 20  # the magic, then the page size and the journal mode


@dataclass(frozen=True)
class Description:
    where: str
    state: str  # missing | empty | pending | current
    applied: tuple[str, ...]
    pending: tuple[str, ...]
    exposed: tuple[privacy.Exposure, ...] = ()  # a SQLite file's reach beyond its owner


# Called in the migrating transaction with the names of the migrations just applied,
# so the services can rebuild what a migration leaves to them (projections).
AfterMigrate = Callable[[Session, list[str]], None]


class Store:
    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._writing = False
        self.created = False  # this open made a new database
        self.missing = False  # nothing there yet: reads see an empty database

    @classmethod
    def open(
        cls,
        db: str | None = None,
        *,
        write: bool = True,
        migrations: Sequence[Migration] = MIGRATIONS,
        after_migrate: AfterMigrate | None = None,
    ) -> Store:
        """Open the database at ``db`` (a path or a URL) for a reading or writing command."""
        url = db_url(db)
        path = sqlite_path(url)
        header = _header(path) if path is not None else None
        if path is not None and not header:
            if not write:
                return cls._empty(url, migrations)
            privacy.ensure_dirs(path.parent)
            privacy.create_file(path)
        elif path is not None and header and not write:
            privacy.check_readable_without_trace(path, header)
        engine = _engine(url)
        store = cls(engine, url)
        if dialect.is_sqlite(engine):
            dialect.configure(engine, lambda: store._writing)
        try:
            with engine.connect() as conn:
                state = schema_state(conn, migrations)
            if state in ("foreign", "newer"):
                raise _unusable(store.where, state)
            if state == "empty" and not write:
                engine.dispose()
                return cls._empty(url, migrations)
            if state != "current":
                if not write:
                    raise Refused(
                        _("the database {where} was made by an older yq").format(where=store.where),
                        hint=_("`yq db upgrade` brings it up to date (a leader's decision)"),
                    )
                with store._transaction(write=True) as session:
                    names = migrate(session.connection(), migrations)
                    if after_migrate is not None:
                        after_migrate(session, names)
                store.created = state == "empty"
        except MigrationError as exc:
            engine.dispose()
            raise YqError(
                _("cannot upgrade the database {where}: {reason}").format(
                    where=store.where, reason=exc
                ),
                hint=exc.hint or _("run `yq verify` to see what is wrong"),
            ) from None
        except DBAPIError as exc:
            engine.dispose()
            raise translate(exc, store.where) from None
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def describe(cls, db: str | None = None) -> Description:
        """What is at ``db``, read without creating, changing or upgrading anything."""
        url = db_url(db)
        path = sqlite_path(url)
        where = str(path) if path is not None else display_url(url)
        header = _header(path) if path is not None else b""
        if path is not None and not header:
            return Description(where, "missing", (), tuple(m.name for m in MIGRATIONS))
        exposed: tuple[privacy.Exposure, ...] = ()
        if path is not None:
            privacy.check_readable_without_trace(path, header)
            exposed = tuple(privacy.exposures(path))
        engine = _engine(url)
        try:
            with engine.connect() as conn:
                state = schema_state(conn)
                names = tuple(applied(conn)) if state not in ("empty", "foreign") else ()
        except DBAPIError as exc:
            raise translate(exc, where) from None
        finally:
            engine.dispose()
        if state in ("foreign", "newer"):
            raise _unusable(where, state)
        pending = tuple(m.name for m in MIGRATIONS if m.name not in names)
        return Description(where, state, names, pending, exposed)

    @classmethod
    def _empty(cls, url: str, migrations: Sequence[Migration]) -> Store:
        """An empty database in memory, for reading what is not there yet."""
        engine = create_engine("sqlite://", poolclass=StaticPool)
        store = cls(engine, url)
        dialect.configure(engine, lambda: store._writing)
        with store._transaction(write=True) as session:
            migrate(session.connection(), migrations)
        store.missing = True
        return store

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def where(self) -> str:
        """The database as shown to people: the file, or the URL without its password."""
        path = self.path
        return str(path) if path is not None else display_url(self.url)

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Session]:
        self._writing = write
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                if write:
                    dialect.lock_for_write(session.connection())
                else:
                    session.connection(execution_options=dialect.snapshot_options(self.engine))
                yield session
        except DBAPIError as exc:
            raise translate(exc, self.where) from None
        finally:
            self._writing = False

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One writing command: the write lock at BEGIN, then COMMIT, or nothing at all."""
        if self.missing:
            raise AssertionError("a writing command opened the store for reading")
        with self._transaction(write=True) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent snapshot for reading."""
        with self._transaction(write=False) as session:
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """The whole database as of one moment, for reading all of it (a copy)."""
        with self.read() as session:
            yield session.connection()

    def close(self) -> None:
        self.engine.dispose()


def _engine(url: str) -> Engine:
    try:
        return create_engine(url)
    except ArgumentError:
        raise BadInput(
            _("cannot read the database URL {url}").format(url=display_url(url)),
            hint=_("give a file path, or a URL such as postgresql+psycopg://user@host/yq"),
        ) from None
    except ModuleNotFoundError as exc:
        raise BadInput(
            _("the database driver {module} is not installed").format(module=exc.name),
            hint=_("for PostgreSQL: pip install 'yuqing-cli[postgres]'"),
        ) from None


def _header(path: Path) -> bytes:
    """The start of the SQLite header of the file at ``path``; empty if there is no
    file or nothing in it (an empty file is a new SQLite database).

    A file that is there but is not SQLite is refused here, before SQLite touches it.
    """
    try:
        with path.open("rb") as f:
            head = f.read(HEADER_BYTES)
    except FileNotFoundError:
        return b""
    except IsADirectoryError:
        raise BadInput(
            _("{path} is a directory, not a database file").format(path=path),
            hint=_("give a file path with --db / YQ_DB"),
        ) from None
    except OSError as exc:
        raise YqError(
            _("cannot read the database {path}: {reason}").format(path=path, reason=exc.strerror),
            hint=_("check the file's permissions"),
        ) from None
    if not head:
        return b""
    if not head.startswith(SQLITE_MAGIC):
        raise _unusable(str(path), "not sqlite")
    return head


def _unusable(where: str, state: str) -> BadInput:
    if state == "newer":
        return BadInput(
            _("the database {where} was made by a newer yq").format(where=where),
            hint=_("upgrade yq (pip install -U yuqing-cli); this version leaves it untouched"),
        )
    if state == "foreign":
        return BadInput(
            _("{where} is a SQLite database of another program, not a yq database").format(
                where=where
            ),
            hint=_("give another path with --db / YQ_DB; this file is left untouched"),
        )
    return BadInput(
        _("{where} is not a SQLite database").format(where=where),
        hint=_("give another path with --db / YQ_DB; this file is left untouched"),
    )
