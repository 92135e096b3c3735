"""A SQLite database's files on disk: made private, and checked for who else can reach them.

The records name people under community correction, complainants and internal
assessments: personal information no other account on the machine should read. So the
directories yq creates are ``0700`` and the database file is created ``0600`` before
SQLite first writes to it, whatever the umask. SQLite gives the ``-wal`` and ``-shm``
files it creates the database file's own mode (forcing it, umask or not), so they are
``0600`` too — or ``0660`` beside a database shared through a group (docs/team.md).

A file that already exists keeps the mode its owner gave it; ``yq db status`` says
when it, its journal files or its directory are open to every account.

One more hazard is SQLite's: in WAL mode, a connection that finds no ``-shm`` file
creates the ``-wal`` and ``-shm`` files, owned by whoever opened it. An account that
may read the database but not write it cannot clean them up when it closes, and the
owner's next write fails ("read-only"). So a reading command that cannot write the
file reads it only while those files are already there (someone has it open), and is
otherwise refused with what to do instead.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from yuqing_cli.errors import Refused, YqError
from yuqing_cli.i18n import _
from yuqing_cli.paths import PRIVATE_FILE, make_private_dirs

JOURNALS = ("-wal", "-shm")
_WAL_HEADER = 2  # bytes 18 and 19 of a SQLite header: 2 in WAL mode


def ensure_dirs(directory: Path) -> None:
    """Create ``directory`` and any missing parents, each ``0700`` whatever the umask
    (existing ones are left as they are)."""
    try:
        make_private_dirs(directory)
    except OSError as exc:
        raise YqError(
            _("cannot create the data directory {path_parent}: {exc_strerror}").format(
                path_parent=directory, exc_strerror=exc.strerror
            ),
            hint=_("set --db / YQ_DB to a writable place"),
        ) from None


def create_file(path: Path) -> None:
    """Create the (empty) database file ``0600`` before SQLite does, so it and its
    ``-wal``/``-shm`` are private from the first byte. A file already there is left as
    it is (its mode is its owner's choice)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    except OSError as exc:
        raise YqError(
            _("cannot create the database {path}: {reason}").format(path=path, reason=exc.strerror),
            hint=_("set --db / YQ_DB to a writable place"),
        ) from None
    try:
        os.fchmod(fd, PRIVATE_FILE)  # the umask may have taken bits away, never added
    finally:
        os.close(fd)


def in_wal_mode(header: bytes) -> bool:
    return len(header) >= 20 and header[18] == header[19] == _WAL_HEADER


def check_readable_without_trace(path: Path, header: bytes) -> None:
    """Refuse to read a database in WAL mode that this account cannot write while
    nobody has it open: SQLite would leave ``-wal``/``-shm`` files behind that lock its
    owner out."""
    if not in_wal_mode(header) or os.access(path, os.W_OK):
        return
    if Path(f"{path}-shm").exists():
        return  # someone has it open: SQLite uses the files that are there
    raise Refused(
        _(
            "{path} belongs to another account, which alone may write it: reading it while "
            "nobody has it open would leave files (-wal, -shm) that lock its owner out"
        ).format(path=path),
        hint=_(
            "read a copy (its owner makes one with `yq db backup FILE`), or share the file "
            "through a group (docs/team.md)"
        ),
    )


@dataclass(frozen=True, slots=True)
class Exposure:
    """A file or directory of the database that other accounts can reach."""

    path: Path
    mode: int  # its permission bits
    kind: str  # readable | writable | directory | owner


def exposures(path: Path) -> list[Exposure]:
    """What of the database at ``path`` (the file, its journal files, its directory)
    every account on the machine can read or write, or another account owns."""
    found = []
    me = os.geteuid() if hasattr(os, "geteuid") else None
    for file in (path, *(Path(f"{path}{suffix}") for suffix in JOURNALS)):
        try:
            info = file.stat()
        except OSError:
            continue
        mode = stat.S_IMODE(info.st_mode)
        if me is not None and info.st_uid != me and file != path:
            found.append(Exposure(file, mode, "owner"))
        if mode & 0o002:
            found.append(Exposure(file, mode, "writable"))
        elif mode & 0o004:
            found.append(Exposure(file, mode, "readable"))
    try:
        mode = stat.S_IMODE(path.parent.stat().st_mode)
    except OSError:
        return found
    if mode & 0o007:
        found.append(Exposure(path.parent, mode, "directory"))
    return found
