"""The console scripts' entry point.

The interface language must be known before the commands are defined (their help is
translated when they are), so ``--lang`` is looked for here, before importing them.
"""

from __future__ import annotations

import sys


def _lang(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main() -> int:
    from yuqing_cli import i18n

    i18n.setup(_lang(sys.argv[1:]))
    from yuqing_cli.cli import main as run

    return run()
