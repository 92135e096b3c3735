"""What `yq import` says: the columns it read, what it imported or would, what it
skipped, and every problem by row and column."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.text import Text

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _
from yuqing_cli.render.console import err, out, print_json, progress, say
from yuqing_cli.render.safe import clean
from yuqing_cli.render.tables import Cell, Column, fitted
from yuqing_cli.services.ledger_import import ImportResult, Problem, Progress

BAR_FROM = 300  # rows: smaller files need no progress bar
SHOWN = 50  # skipped rows and notices listed in the terminal (all in JSON)


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """A progress bar on stderr, for a terminal and a file of more than a few hundred
    rows; None (no reports) otherwise."""
    if not err().is_terminal:
        yield None
        return
    bar = progress()
    tasks: dict[str, Any] = {}
    words = {"check": _("checking rows"), "write": _("writing incidents")}

    def report(phase: str, done: int, total: int) -> None:
        if total < BAR_FROM:
            return
        if not bar.live.is_started:
            bar.start()
        if phase not in tasks:
            tasks[phase] = bar.add_task(words.get(phase, phase), total=total)
        bar.update(tasks[phase], completed=done)

    try:
        yield report
    finally:
        if bar.live.is_started:
            bar.stop()


def _problem_json(p: Problem) -> dict[str, Any]:
    return {"row": p.row or None, "column": p.column or None, "problem": p.message}


def import_json(result: ImportResult) -> dict[str, Any]:
    return {
        "file": result.file,
        "rows": result.rows,
        "dry_run": result.dry_run,
        "ok": result.ok,
        "columns": [{"header": h, "field": f} for h, f in result.mapping],
        "ignored_columns": list(result.ignored),
        "imported": [
            {"row": i.row, "ref": i.ref, "source_ref": i.source_ref or None}
            for i in result.imported
        ],
        "skipped": [{"row": s.row, "reason": s.reason} for s in result.skipped],
        "problems": [_problem_json(p) for p in result.problems],
        "notices": [_problem_json(p) for p in result.notices],
    }


def import_report(result: ImportResult, *, as_json: bool) -> None:
    """The report; raises BadInput (exit 2) after it when a row is bad."""
    if as_json:
        print_json(import_json(result))
    else:
        _terminal(result)
    if result.problems:
        raise BadInput(
            _("{n} problem(s) in {file}; nothing was imported").format(
                n=len(result.problems), file=result.file
            ),
            hint=_("correct the rows named above (or map the columns with --map) and run again"),
        )


def _terminal(result: ImportResult) -> None:
    console = out()
    say(
        Text(
            clean(_("{file}: {rows} rows").format(file=result.file, rows=result.rows)),
            style="bold",
        )
    )
    mapped = ", ".join(f"{h} → {f}" if h != f else h for h, f in result.mapping)
    say(Text(clean(_("columns read: {columns}").format(columns=mapped))))
    if result.ignored:
        say(
            Text(
                clean(_("columns left out: {columns}").format(columns=", ".join(result.ignored))),
                style="dim",
            )
        )
    if result.problems:
        rows: list[list[Cell]] = [
            [str(p.row) if p.row else "—", clean(p.column) or "—", Text(clean(p.message))]
            for p in result.problems
        ]
        columns = [
            Column(_("row"), token=True, justify="right"),
            Column(_("column"), min_width=8),
            Column(_("problem")),
        ]
        console.print(fitted(columns, rows, title=_("Problems")))
    if result.skipped:
        say(Text(_("skipped {n} row(s):").format(n=len(result.skipped)), style="yellow"))
        for s in result.skipped[:SHOWN]:
            say(Text(clean(_("  row {row}: {reason}").format(row=s.row, reason=s.reason))))
        if len(result.skipped) > SHOWN:
            say(
                Text(
                    _("  … and {n} more (--json lists them all)").format(
                        n=len(result.skipped) - SHOWN
                    )
                )
            )
    for notice in result.notices[:SHOWN]:
        say(
            Text(
                clean(_("  row {row}: {reason}").format(row=notice.row, reason=notice.message)),
                style="dim",
            )
        )
    if result.problems:
        return
    if result.dry_run:
        n = result.rows - len(result.skipped)
        say(
            Text(
                _("dry run: {n} row(s) would be imported; nothing was written").format(n=n),
                style="green",
            )
        )
        return
    imported = result.imported
    if imported:
        refs = sorted(i.ref for i in imported)
        say(
            Text(
                _("imported {n} incident(s) as late entries (补录): {first} … {last}").format(
                    n=len(imported), first=refs[0], last=refs[-1]
                ),
                style="green",
            )
        )
        renumbered = sum(1 for i in imported if i.source_ref and i.source_ref != i.ref)
        if renumbered:
            say(
                Text(
                    _(
                        "{n} kept the file's own number (编号) as their source, shown by "
                        "`yq log REF`; --json lists each"
                    ).format(n=renumbered),
                    style="dim",
                )
            )
    else:
        say(Text(_("nothing to import")))
