"""Every query behind the everyday commands uses an index: no full scan of incidents
or events, whatever the size of the database (R-NF-2)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from conftest import LEADER, MEMBER, new, ok

# SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans by statistics, and on a test's few rows
# a full scan is its right choice.
pytestmark = pytest.mark.sqlite_only


@contextmanager
def recorded() -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if not executemany:
            statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def full_scans(db: Path, statements: list[tuple[str, Any]]) -> list[str]:
    """Scans of incident or event that read the whole table. A scan in the order a
    query asks for, stopped by its LIMIT (the newest N events), reads N rows: bounded."""
    conn = sqlite3.connect(db)
    bad = []
    for statement, parameters in statements:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        plan = [
            row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ())
        ]
        bounded = " LIMIT " in statement.upper() and not any("TEMP B-TREE" in d for d in plan)
        for detail in plan:
            if detail.startswith("SCAN") and detail.split()[1] in ("incident", "event"):
                if not bounded:
                    bad.append(f"{detail}  <-  {' '.join(statement.split())[:160]}")
    conn.close()
    return bad


@pytest.fixture
def populated(env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    # Tiny batches, so that every query that continues a keyset read runs here too.
    from yuqing_cli.services import ledger, queries, state, verify

    for module, name in (
        (queries, "LOG_BATCH"),
        (queries, "BATCH"),
        (ledger, "BATCH"),
        (state, "BATCH"),
        (verify, "BATCH"),
        (verify, "UNIT_BATCH"),
        (verify, "PER_PROCESS"),  # verify splits the incidents between processes too
    ):
        monkeypatch.setattr(module, name, 2)
    for n in range(5):
        new(f"事件 {n}", level="重大", at=f"2024-11-2{n} 09:00")
    ref = new("主事件", level="重大", at="2024-11-23 09:00", extra=["--url", "https://x/1"])
    ok("done", ref, "assess", user=MEMBER)
    ok("routine", "done", "patrol", "--zero", user=MEMBER)
    return ref


COMMANDS = [
    ["report"],
    ["report", "--date", "2024-11-23"],
    ["list", "--overdue"],
    ["list"],
    ["log"],
    ["log", "-n", "5"],
    ["log", "--since", "2024-11-20", "--recorded"],
    ["list", "--late"],
    ["log", "{ref}"],
    ["log", "{ref}", "-n", "2"],
    ["log", "--since", "2024-11-20", "--until", "2024-11-23"],
    ["log", "--since", "2000-01-01"],
    ["log", "--since", "2000-01-01", "-n", "3"],
    ["log", "--since", "2000-01-01", "--recorded", "--json"],
    ["log", "-n", "3", "--json"],
    ["list", "--all"],
    ["list", "--all", "--json"],
    ["export"],
    ["export", "--format", "json", "--include-exercises"],
    ["verify"],
    ["verify", "--json"],
    ["show", "{ref}"],
    ["checklist", "{ref}"],
    ["routine", "list"],
    ["--as", MEMBER, "new", "新事件", "--url", "https://x/2"],
    ["--as", MEMBER, "done", "{ref}", "trace_source"],
    ["--as", LEADER, "advance", "{ref}"],
    ["--as", MEMBER, "note", "{ref}", "备注"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_no_full_scan(args: list[str], populated: str, env: Path) -> None:
    argv = [a.replace("{ref}", populated) for a in args]
    with recorded() as statements:
        from conftest import yq

        yq(*argv)
    assert statements, "no SQL recorded"
    assert full_scans(env / "yq.db", statements) == []
