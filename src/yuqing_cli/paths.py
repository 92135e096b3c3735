"""Where things live on disk. Kept free of heavy imports."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "yuqing-cli"
DB_FILENAME = "yq.db"


def data_dir() -> Path:
    """The user's data directory for yq (created on first write, not here)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    return data_dir() / DB_FILENAME


def db_url(db: str | None) -> str:
    """Turn ``--db``/``$YQ_DB`` (a path or a SQLAlchemy URL) into a URL."""
    if db and "://" in db:
        return db
    path = Path(db).expanduser() if db else default_db_path()
    return f"sqlite:///{path.resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL, or ``None`` for other databases."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        return Path(url[len(prefix) :])
    return None


def display_url(url: str) -> str:
    """A database URL fit to print: the password, if any, masked."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user, colon, _password = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"


# -- private files ---------------------------------------------------------------------
# The data is personal information: what yq creates for it on disk is for its owner.

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents ``0700`` whatever the umask. Those
    already there are left as they are. Raises OSError."""
    import os

    missing = []
    current = directory
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # made meanwhile by another process: its mode is its maker's
        os.chmod(path, PRIVATE_DIR)


def owned_privately(mode: int, uid: int) -> bool:
    """Is a file or directory with this ``st_mode`` and ``st_uid`` this account's, and
    writable by no one else? (Always true where there are no owners: Windows.)"""
    import os

    if not hasattr(os, "geteuid"):
        return True
    return uid == os.geteuid() and not mode & 0o022
