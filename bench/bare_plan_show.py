"""The floor for `yq plan show`: a bare Typer app that loads a YAML file and prints a
Rich table.

    python bench/bare_plan_show.py [PLAN.yaml]

One command with one option, the plan file read with PyYAML's fastest safe loader,
and one table of every step (stage, id, title, roles, deadline). This is what any
command of this stack that shows a YAML file must cost; `yq plan show` is compared
against it.
"""

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

DEFAULT = Path(__file__).resolve().parents[1] / "plan.yaml"
app = typer.Typer(add_completion=False)


@app.command()
def show(
    file: Annotated[Path, typer.Argument()] = DEFAULT,
    title: Annotated[bool, typer.Option("--title/--no-title")] = True,
) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(file, encoding="utf-8") as f:
        plan = yaml.load(f, Loader=loader)  # noqa: S506 - a safe loader
    table = Table(title=plan["plan"]["title"] if title else None)
    for column in ("stage", "step", "title", "roles", "due"):
        table.add_column(column)
    for stage in plan["stages"]:
        for step in stage.get("steps", []):
            due = step.get("due") or {}
            table.add_row(
                str(stage["name"]),
                str(step["id"]),
                str(step["title"]),
                "/".join(step.get("roles", [])),
                str(due.get("hours", "")),
            )
    Console().print(table)


if __name__ == "__main__":
    app()
