"""Write the field tables of ``docs/plan-format.md`` from the models' declarations.

Each table sits between ``<!-- fields: Model -->`` and ``<!-- end fields -->``; the text
around them is left as it is. Run from the repository's root::

    python -m yuqing_cli.plan.docs            # rewrite docs/plan-format.md
    python -m yuqing_cli.plan.docs --check    # exit 1 if it is not current

``tests/test_plan.py`` fails when the file's tables differ from what this writes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from yuqing_cli.plan.fields import NOTHING, Field, Group, Key, Kind, declared, id_field, yaml_key
from yuqing_cli.plan.schema import Plan

BLOCK = re.compile(r"(<!-- fields: (\w+) -->\n)(.*?)(<!-- end fields -->)", re.S)
DEFAULT_PATH = Path("docs/plan-format.md")


def models(root: type = Plan) -> dict[str, type]:
    """Every model the plan is read into, by class name, from ``root`` down."""
    found: dict[str, type] = {}

    def visit(cls: type) -> None:
        if cls.__name__ in found:
            return
        found[cls.__name__] = cls
        for f in declared(cls):
            if f.model is not None:
                visit(f.model)

    visit(root)
    return found


def table(cls: type) -> str:
    """The Markdown table of the keys ``cls`` is written with."""
    rows = ["| key | required | value | what |", "| --- | --- | --- | --- |"]
    shown: set[Group] = set()
    for f in declared(cls):
        for spec in f.keys:
            if spec.kind in (Kind.PARENT, Kind.DERIVED):
                continue
            prefix = ""
            if spec.within is not None:
                group = spec.within
                prefix = f"{group.key}."
                if group not in shown:
                    shown.add(group)
                    rows.append(_row(f"`{group.key}`", group.required, "mapping", group.doc))
            keys = spec.keys if spec.kind is Kind.THRESHOLDS else (yaml_key(f, spec),)
            for key in keys:
                rows.append(
                    _row(
                        f"`{prefix}{key}`",
                        spec.required,
                        _value(spec),
                        spec.doc + (f" ({key})" if spec.kind is Kind.THRESHOLDS else ""),
                        _default(f, spec),
                    )
                )
    return "\n".join(rows) + "\n"


def _row(key: str, required: bool, value: str, doc: str, default: str = "") -> str:
    need = "yes" if required else f"no, default {default}" if default else "no"
    return f"| {key} | {need} | {value} | {doc} |"


def _value(spec: Key) -> str:
    ref = spec.ref
    kind = spec.kind
    if kind in (Kind.ONE, Kind.MANY) and ref is not None and ref.fixed:
        choices = ", ".join(f"`{x}`" for x in ref.fixed)
        also = f", or a {ref.also.id} id" if ref.also is not None else ""
        return f"one of {choices}{also}" if kind is Kind.ONE else f"list of {choices}{also}"
    names = {
        Kind.TEXT: "text",
        Kind.FLAG: "`true` or `false`",
        Kind.NUMBER: "number",
        Kind.COUNT: "whole number",
        Kind.TEXTS: "list of texts",
        Kind.CITE: "article",
        Kind.HOURS: "number, or level id → number",
        Kind.THRESHOLDS: "number",
        Kind.RECORD: "mapping",
        Kind.RECORDS: "list of mappings",
    }
    if kind in names:
        return names[kind]
    what = ref.id if ref is not None else "item"
    if kind is Kind.MANY:
        return f"list of {what} ids"
    return f"a {what} id"


def _default(f: Field, spec: Key) -> str:
    if spec.required or spec is not f.spec:
        return ""
    return _plain(f.default, f)


def _plain(value: Any, f: Field) -> str:
    if value is NOTHING or value is None or value in ("", (), frozenset()):
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int | float | str):
        return f"`{value:g}`" if isinstance(value, float) else f"`{value}`"
    if isinstance(value, tuple) and f.model is not None:
        ident = id_field(f.model)
        if ident is not None:
            return ", ".join(f"`{getattr(x, ident.name)}`" for x in value)
    return ""


def update(text: str) -> str:
    """``text`` with every table between markers written anew."""
    known = models()

    def fill(match: re.Match[str]) -> str:
        name = match[2]
        if name not in known:
            raise SystemExit(f"docs: no model {name!r} (models: {', '.join(known)})")
        return f"{match[1]}{table(known[name])}{match[4]}"

    return BLOCK.sub(fill, text)


def tabled(text: str) -> set[str]:
    """The models ``text`` has a table of."""
    return {m[2] for m in BLOCK.finditer(text)}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [a for a in argv if not a.startswith("-")]
    path = Path(paths[0]) if paths else DEFAULT_PATH
    text = path.read_text(encoding="utf-8")
    new = update(text)
    if check:
        if new != text:
            print(f"{path} is not current: run python -m yuqing_cli.plan.docs", file=sys.stderr)
            return 1
        return 0
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
