"""Finding the plan file, and loading it through a cache keyed by its content.

Parsing and validating YAML costs more than the rest of a quick command, so a
validated plan is kept in the user's cache directory as JSON, under the SHA-256 of the
file's bytes and of the code that reads it: any change to either is a new key. An
entry is decoded field by field and checked against the file; one that cannot be read
is ignored and rebuilt. (No pickle: unpickling a file others can write runs code.)
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import replace
from functools import cache
from pathlib import Path

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _
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


def parse_cached(data: bytes, source: str) -> Plan:
    """Parse and validate plan text, through the cache."""
    version = hashlib.sha256(data).hexdigest()
    entry = cache_dir() / f"{version}-{reader_hash()}.json"
    try:
        from yuqing_cli import codec

        plan: Plan = codec.loads(Plan, entry.read_text(encoding="utf-8"))
        if plan.version == version and plan.text.encode("utf-8") == data:
            return replace(plan, source=source)
    except (OSError, ValueError, TypeError, KeyError):
        pass  # no entry, or one that is not a plan: rebuild it
    from yuqing_cli.plan.loader import parse_plan

    plan = parse_plan(data, source)
    _store(entry, plan)
    return plan


def _store(entry: Path, plan: Plan) -> None:
    """Write a cache entry atomically; a cache that cannot be written is no error."""
    from yuqing_cli import codec

    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".plan.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(codec.dumps(plan))
        os.replace(tmp, entry)
    except OSError:
        return
