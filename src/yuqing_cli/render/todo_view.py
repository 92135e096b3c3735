"""`yq todo` and `yq due`: a task per entry, two lines each, so it fits any terminal."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from yuqing_cli.i18n import _
from yuqing_cli.render.console import out, print_json, say
from yuqing_cli.render.safe import clean
from yuqing_cli.render.times import verdict_json, verdict_text
from yuqing_cli.services.todo import Task, TaskList


def task_json(task: Task, tz: str) -> dict[str, Any]:
    return {
        "ref": task.ref,
        "title": task.title,
        "task": task.what,
        "kind": task.kind,
        "step": task.step.id if task.step else None,
        "deadline": verdict_json(task.verdict, tz) if task.verdict else None,
        "overdue": task.overdue,
        "who": list(task.people),
        "roles": list(task.roles),
        "command": task.command,
    }


def task_list(found: TaskList, as_json: bool) -> None:
    tz = found.tz
    if as_json:
        print_json([task_json(t, tz) for t in found.tasks])
        return
    console = out()
    if not found.tasks:
        console.print(Text(_("nothing to do now"), style="green"))
        return
    for task in found.tasks:
        line = Text()
        line.append("! " if task.overdue else "• ", style="red bold" if task.overdue else "")
        line.append(task.ref, style="bold")
        line.append("  ")
        line.append(clean(task.what))
        if task.verdict is not None:
            line.append("  ")
            line.append_text(verdict_text(task.verdict, tz))
        say(line)
        say(Text(f"    {task.command}", style="cyan"), " " * 6)
        if found.person is None:
            people = "、".join(task.people) or _("nobody on the roster")
            who = Text(clean("    " + _("who: {people}").format(people=people)), style="dim")
            say(who, " " * 6, task.people)
    overdue = sum(1 for t in found.tasks if t.overdue)
    console.print(
        Text(
            _("{n} task(s), {overdue} overdue").format(n=len(found.tasks), overdue=overdue),
            style="dim",
        )
    )
