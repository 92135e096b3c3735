"""Finding the plan file, and loading it through a cache keyed by its content.

Parsing and validating YAML costs more than the rest of a quick command, so a
validated plan is kept in the user's cache directory under the SHA-256 of the file's
bytes (and the version of yq): any change to the file is a new key, and a damaged or
foreign cache entry is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import replace
from pathlib import Path

from yuqing_cli import __version__
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


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """The validated plan in ``path``, from the cache when its content was seen before."""
    path = Path(path)
    data = read_plan_file(path)
    entry = cache_dir() / f"{__version__}-{hashlib.sha256(data).hexdigest()}.pickle"
    try:
        with entry.open("rb") as f:
            plan = pickle.load(f)
        if isinstance(plan, Plan) and plan.text.encode("utf-8") == data:
            return replace(plan, source=str(path))
    except Exception:  # noqa: BLE001 - a missing or unusable entry is simply rebuilt
        pass
    from yuqing_cli.plan.loader import parse_plan

    plan = parse_plan(data, str(path))
    _store(entry, plan)
    return plan


def _store(entry: Path, plan: Plan) -> None:
    """Write a cache entry atomically; a cache that cannot be written is no error."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".plan.")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(plan, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except OSError:
        return
