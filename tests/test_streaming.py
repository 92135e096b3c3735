"""Outputs that grow with the data are read in batches and written as they go: memory
does not grow with the database (the bench measures the speed)."""

from __future__ import annotations

import importlib.util
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from conftest import REPO, from_template

pytestmark = pytest.mark.sqlite_only(
    reason="the large database is built as a SQLite file (bench/build_db.py)"
)

EVENTS = 30_000  # about 1,800 incidents
CEILING = 5_000_000  # bytes: loading every event alone takes several times this


class _Sink:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


@pytest.fixture
def large(env: Path, template_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    def build() -> None:
        spec = importlib.util.spec_from_file_location("build_db", REPO / "bench" / "build_db.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["build_db"] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
        module.build(env / "yq.db", EVENTS, 20, 16)

    from_template("streaming", env, template_dir, build)
    from yuqing_cli.services import ledger, queries, verify

    for module, name, size in (
        (ledger, "BATCH", 100),
        (queries, "LOG_BATCH", 500),
        (queries, "BATCH", 100),
        (verify, "BATCH", 50),
    ):
        monkeypatch.setattr(module, name, size)
    return env / "yq.db"


@contextmanager
def _selects() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _run(task: Callable[[], int]) -> tuple[int, int, list[str]]:
    """``task``'s count of rows, its peak of memory, and its SELECT statements."""
    real = sys.stdout
    sys.stdout = _Sink()  # type: ignore[assignment]
    tracemalloc.start()
    try:
        with _selects() as statements:
            rows = task()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        sys.stdout = real
    return rows, peak, statements


def _state(db: Path) -> Any:
    from yuqing_cli.cli.app import AppState

    return AppState(db=str(db))


def _count(statements: list[str], table: str) -> int:
    return sum(1 for s in statements if f"FROM {table}" in s)


def test_export_reads_in_batches(large: Path) -> None:
    from yuqing_cli.render.ledger_view import write_csv
    from yuqing_cli.services.ledger import ledger

    def export() -> int:
        with ledger(_state(large)) as result:
            return write_csv(result, _Sink())  # type: ignore[arg-type]

    rows, peak, statements = _run(export)
    assert rows > 1_500
    assert _count(statements, "incident") >= rows // 100
    assert peak < CEILING, peak


def test_log_over_everything_reads_in_batches(large: Path) -> None:
    from yuqing_cli.render.incident_view import events_table
    from yuqing_cli.services.queries import LogQuery, log

    def everything() -> int:
        with log(_state(large), LogQuery(since="2000-01-01")) as trail:
            counted = _Counted(trail.events)
            events_table(type(trail)(trail.tz, counted, trail.incident), as_json=False)
            return counted.n

    rows, peak, statements = _run(everything)
    assert rows >= EVENTS - 1
    assert _count(statements, "event") >= rows // 500
    assert peak < CEILING, peak


def test_list_all_reads_in_batches(large: Path) -> None:
    from yuqing_cli.render.incident_view import incident_list
    from yuqing_cli.services.queries import ListFilter, list_incidents

    def every() -> int:
        with list_incidents(_state(large), ListFilter(include_closed=True)) as views:
            counted = _Counted(views)
            incident_list(counted, as_json=True)
            return counted.n

    rows, peak, statements = _run(every)
    assert rows > 1_500
    assert _count(statements, "incident") >= rows // 100
    assert peak < CEILING, peak


def test_verify_reads_in_batches(large: Path) -> None:
    from yuqing_cli.services.verify import verification

    def check() -> int:
        with verification(_state(large)) as run:
            assert list(run.findings()) == []
            result = run.chain()
            assert result.ok
            return result.count

    rows, peak, statements = _run(check)
    assert rows >= EVENTS
    assert _count(statements, "event") >= rows // 1_000  # events of 50 incidents at a time
    assert peak < CEILING, peak


class _Counted:
    def __init__(self, items: Any) -> None:
        self.items = items
        self.n = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.n += 1
            yield item


def test_verify_split_between_processes_finds_what_one_finds(
    large: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large database is verified by several processes: the same findings, in the
    order one process gives them, and the chain walked once."""
    import sqlite3

    from yuqing_cli.services import verify

    db = sqlite3.connect(large)
    refs = [
        db.execute("SELECT ref FROM incident WHERE id = ?", (i,)).fetchone()[0] for i in (10, 1500)
    ]
    db.execute("UPDATE incident SET stage = 'detected' WHERE id IN (10, 1500)")
    db.execute("DROP TRIGGER event_no_update")
    db.execute("UPDATE event SET note = 'x' WHERE incident_id = 1700 AND seq = 2")
    db.commit()
    db.close()

    def run() -> tuple[list[Any], Any, int]:
        with verify.verification(_state(large)) as check:
            found = list(check.findings())
            return found, check.chain(), check.incidents

    one = run()
    monkeypatch.setattr(verify, "PER_PROCESS", 400)
    monkeypatch.setattr(verify, "_workers", lambda: 3)
    several = run()
    assert several == one
    found, chain, incidents = several
    assert [f.where for f in found if "incident.stage" in f.detail] == refs
    assert chain.breach is not None and chain.breach.kind == "changed"
    assert incidents > 1_500


def test_long_listings_are_plain_lines_aligned_in_terminal_cells() -> None:
    """More than 100 rows: plain lines, each column starting at the same terminal cell
    as its heading, Chinese characters counted as two cells."""
    import re

    from rich.cells import cell_len

    from conftest import LIAISON, MEMBER, new, ok

    ref = new("很长的一个标题", at="2024-11-23 09:00")
    for i in range(110):
        ok("note", ref, f"第{i}条备注" if i % 2 else f"note {i}", user=MEMBER)
    for lang in ("en", "zh"):
        lines = ok("--lang", lang, "log", ref).stdout.splitlines()
        assert len(lines) == 2 + 111 and set(lines[1].strip()) == {"─"}
        header = lines[0]
        starts = [cell_len(header[: m.start()]) for m in re.finditer(r"(?<=  )\S", header)]
        who, detail = starts[-3], starts[-1]  # #, happened, recorded, who, what, detail
        for line in lines[2:]:
            person = MEMBER if MEMBER in line else LIAISON
            assert cell_len(line[: line.index(person)]) == who, line
            last = line.rstrip().rsplit("  ", 1)[1]
            assert cell_len(line[: line.rindex(last)]) == detail, line
