"""The one place where Rich consoles are made."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

_out: Console | None = None


def out() -> Console:
    """Console on stdout. Rich honours NO_COLOR and plain output to pipes and files."""
    global _out
    if _out is None or _out.file is not sys.stdout:
        _out = Console(highlight=False, soft_wrap=True, emoji=False)
    return _out


def print_json(data: Any) -> None:
    """Stable JSON: UTF-8 Chinese kept as is, keys in the order given."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
