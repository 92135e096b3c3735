"""What `yq import` says: the columns it read, what it imported or would, what it
skipped, and every problem by row and column."""

from __future__ import annotations

import re
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
        if (total or done) < BAR_FROM:  # total 0: not known yet (the file is streamed)
            return
        if not bar.live.is_started:
            bar.start()
        if phase not in tasks:
            tasks[phase] = bar.add_task(words.get(phase, phase), total=total or None)
        bar.update(tasks[phase], completed=done, total=total or None)

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
        "sheet": result.sheet or None,
        "header_row": result.header_row,
        "year": result.year,
        "year_from": result.year_from or None,
        "rows": result.rows,
        "to_import": result.kept,
        "arriving_open": result.arriving_open,
        "read_as": [
            {
                "column": x.column or None,
                "reading": x.message,
                "count": x.count,
                "examples": [{"row": n, "written": w, "read": r} for n, w, r in x.examples],
            }
            for x in result.read_as
        ],
        "not_carried": list(result.not_carried),
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
    if result.sheet:
        say(Text(clean(_("sheet {sheet}").format(sheet=result.sheet))))
    if result.header_row > 1:
        say(Text(_("the header is row {row}").format(row=result.header_row)))
    if result.year is not None:
        say(
            Text(
                clean(
                    _("dates without a year are read in {year} ({source})").format(
                        year=result.year, source=result.year_from
                    )
                )
            )
        )
    mapped = ", ".join(f"{h} → {f}" if h != f else h for h, f in result.mapping)
    say(Text(clean(_("columns read: {columns}").format(columns=mapped))))
    if result.not_carried:
        say(
            Text(
                clean(
                    _("computed again, not read: {columns}").format(
                        columns=", ".join(result.not_carried)
                    )
                ),
                style="dim",
            )
        )
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
    if result.read_as:
        say(Text(_("read as:"), style="bold"))
    for x in result.read_as:
        examples = "; ".join(
            _("row {row} {written!r} → {read}").format(row=n, written=w, read=r)
            for n, w, r in x.examples
        )
        # names and values are never broken across lines
        whole = {p for _n, w, r in x.examples for p in re.split(r"[、，,；;\s]+", f"{w}、{r}") if p}
        say(
            Text(
                clean(
                    _("  {column}: {reading} ({n}): {examples}").format(
                        column=x.column or "—", reading=x.message, n=x.count, examples=examples
                    )
                    + (" …" if x.count > len(x.examples) else "")
                )
            ),
            whole=sorted(whole, key=len, reverse=True),
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
        n = result.kept
        say(
            Text(
                _(
                    "dry run: {n} row(s) would be imported, {open} of them open; nothing was "
                    "written"
                ).format(n=n, open=result.arriving_open),
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
        if result.arriving_open:
            say(
                Text(
                    _(
                        "{n} arrived open: their deadlines before today are judged from the "
                        "file alone, never as alarms"
                    ).format(n=result.arriving_open),
                    style="dim",
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
