"""Finding the plan file, and loading it through a cache keyed by its content.

Parsing and validating YAML costs more than the rest of a quick command, so a
validated plan is kept in the user's cache directory as JSON, under the SHA-256 of the
file's bytes and of the code that reads it: any change to either is a new key. (No
pickle: unpickling a file others can write runs code.)

The plan decides who may do what, so the cache must not. An entry is used only when
the cache's directories and the entry itself belong to this account and no one else
may write them; it is decoded field by field, and its version and text must be the
bytes being read. Otherwise it is ignored and rebuilt: a directory of ours that others
could write is closed (``0700``) and emptied first; one that belongs to another account
is neither read nor written. What yq creates there is ``0700``/``0600`` whatever the
umask.

That shuts out other accounts. The account itself could still edit its own entry (as
it could edit the program), so `yq verify` — the check everyone else relies on — never
reads the cache: inside :func:`parsed_afresh`, every plan is parsed from its text.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from pathlib import Path

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _
from yuqing_cli.paths import PRIVATE_DIR, PRIVATE_FILE, make_private_dirs, owned_privately
from yuqing_cli.plan.schema import Plan


def shipped_plan_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "plan.yaml"


def find_plan(explicit: str | os.PathLike[str] | None) -> Path:
    """``--plan``/``$YQ_PLAN`` (passed in), else ``./plan.yaml``, else the shipped copy."""
    if explicit:
        return Path(explicit)
    local = Path("plan.yaml")
    if local.is_file():
        return local
    return shipped_plan_path()


def read_plan_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInput(
            _("plan file not found: {path}").format(path=path),
            hint=_(
                "pass --plan FILE or set YQ_PLAN; without either, ./plan.yaml or the "
                "shipped plan is used"
            ),
        ) from None
    except OSError as exc:
        raise BadInput(
            _("cannot read plan file {path}: {exc_strerror}").format(
                path=path, exc_strerror=exc.strerror
            )
        ) from None


def cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("yuqing-cli", appauthor=False) / "plans"


@cache
def reader_hash() -> str:
    """A hash of the code that turns a plan file into a :class:`Plan` and stores it:
    every module of the plan package (a new one included) and the codec."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for source in (*sorted(here.glob("*.py")), here.parent / "codec.py"):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """The validated plan in ``path``, from the cache when its content was seen before."""
    path = Path(path)
    return parse_cached(read_plan_file(path), str(path))


_afresh = False


@contextmanager
def parsed_afresh() -> Iterator[None]:
    """Within this block, plans are parsed from their text, the cache unread."""
    global _afresh
    before, _afresh = _afresh, True
    try:
        yield
    finally:
        _afresh = before


def parsing_afresh() -> bool:
    return _afresh


def parse_cached(data: bytes, source: str) -> Plan:
    """Parse and validate plan text, through the cache."""
    version = hashlib.sha256(data).hexdigest()
    directory = _trusted_cache_dir()
    entry = directory / f"{version}-{reader_hash()}.json" if directory is not None else None
    if entry is not None and not _afresh:
        cached = _read_entry(entry)
        try:
            from yuqing_cli import codec

            if cached is not None:
                plan: Plan = codec.loads(Plan, cached)
                if plan.version == version and plan.text.encode("utf-8") == data:
                    return replace(plan, source=source)
        except (ValueError, TypeError, KeyError):
            pass  # an entry that is not a plan: rebuild it
    from yuqing_cli.plan.loader import parse_plan

    plan = parse_plan(data, source)
    if entry is not None:
        _store(entry, plan)
    return plan


def _trusted_cache_dir() -> Path | None:
    """The cache directory, created ``0700`` if missing; None if it cannot be trusted
    (it or its parent belongs to another account, or cannot be made)."""
    directory = cache_dir()
    try:
        make_private_dirs(directory)
        for path in (directory.parent, directory):
            info = path.stat()
            if owned_privately(info.st_mode, info.st_uid):
                continue
            if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
                return None  # another account's: never read, never written
            os.chmod(path, PRIVATE_DIR)  # ours, but others could write: close, empty
            _discard_entries(directory)
    except OSError:
        return None
    return directory


def _discard_entries(directory: Path) -> None:
    for entry in directory.glob("*.json"):
        entry.unlink(missing_ok=True)


def _read_entry(entry: Path) -> str | None:
    """The entry's text if it is a regular file of this account's that no one else
    may write (a link is not followed); else None."""
    try:
        fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or not owned_privately(info.st_mode, info.st_uid):
            return None
        try:
            return f.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None


def _store(entry: Path, plan: Plan) -> None:
    """Write a cache entry (``0600``) atomically; a cache that cannot be written is no
    error."""
    from yuqing_cli import codec

    try:
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".plan.")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), PRIVATE_FILE)
            f.write(codec.dumps(plan))
        os.replace(tmp, entry)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
