"""The store: one engine per process, one transaction per command."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _
from yuqing_cli.paths import db_url, sqlite_path
from yuqing_cli.store import dialect
from yuqing_cli.store.migrations import MIGRATIONS, Migration, is_current, migrate


class Store:
    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._writing = False
        self.created = False  # this open made a new database

    @classmethod
    def open(cls, db: str | None = None, migrations: Sequence[Migration] = MIGRATIONS) -> Store:
        """Open (creating if need be) the database and bring its schema up to date."""
        url = db_url(db)
        path = sqlite_path(url)
        if path is not None:
            _ensure_dir(path)
        engine = create_engine(url)
        store = cls(engine, url)
        store.created = path is not None and not path.exists()
        if dialect.is_sqlite(engine):
            dialect.configure(engine, lambda: store._writing)
        try:
            with engine.connect() as conn:
                current = is_current(conn, migrations)
            if not current:
                with store._transaction(write=True) as session:
                    migrate(session.connection(), migrations)
        except OperationalError as exc:
            engine.dispose()
            raise YqError(
                _("cannot open the database {v1}: {exc_orig}").format(
                    v1=path or url, exc_orig=exc.orig
                ),
                hint=_("check --db / YQ_DB and that the file is a yq database"),
            ) from None
        return store

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Session]:
        self._writing = write
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        finally:
            self._writing = False

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One writing command: BEGIN IMMEDIATE … COMMIT, or nothing at all."""
        with self._transaction(write=True) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent snapshot for reading."""
        with self._transaction(write=False) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _ensure_dir(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise YqError(
            _("cannot create the data directory {path_parent}: {exc_strerror}").format(
                path_parent=path.parent, exc_strerror=exc.strerror
            ),
            hint=_("set --db / YQ_DB to a writable place"),
        ) from None
