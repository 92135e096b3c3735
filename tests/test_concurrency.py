"""Several people at once, and processes killed mid-write (R-NF-3, R-NF-4).

These tests run the installed `yq` in real processes against the test's database (a
SQLite file, or a PostgreSQL schema).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from yuqing_cli.paths import db_url

from conftest import LEADER, LIAISON, MEMBER, database, new, ok, ok_json, yq_bin

pytestmark = pytest.mark.processes

WORKER = r"""
import json, subprocess, sys
yq, cycles, tag, shared = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def run(*args, user):
    p = subprocess.run([yq, "--as", user, *args], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"FAIL {args}: {p.stderr.strip()}", flush=True)
    return p
for cycle in range(cycles):
    ref = json.loads(run("new", f"{tag} {cycle}", "--json", user="郭俊涛").stdout)["ref"]
    for step in ("assess", "trace_source", "report_leading_group"):
        run("done", ref, step, user="郭俊涛")
    run("advance", ref, user="郭雁")
    run("note", shared, f"{tag} {cycle}", user="李丹")
"""
EVENTS_PER_CYCLE = 6  # create, three steps, advance, note


@pytest.mark.sqlite_only(
    reason="writers on one SQLite file (R-NF-3); a server: test_eight_writers_with_their_own_logins"
)
def test_four_writers_at_once(env: Path, tmp_path: Path) -> None:
    shared = new("共享事件", at="2024-11-23 09:00")
    cycles = 3
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, yq_bin(), str(cycles), f"w{i}", shared],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ},
        )
        for i in range(4)
    ]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert "".join(outputs) == "", "".join(outputs)  # no failure, no 'database is locked'
    events = ok_json("log", "--since", "2000-01-01")
    assert len(events) == 2 + 4 * cycles * EVENTS_PER_CYCLE  # with the plan's adoption
    assert len(ok_json("log", shared)) == 1 + 4 * cycles
    listed = ok_json("list", "--all")
    assert len(listed) == 1 + 4 * cycles and len({i["ref"] for i in listed}) == len(listed)
    assert sum(1 for i in listed if i["stage"] == "reported") == 4 * cycles
    ok("verify")


PAUSED = r"""
import sys, time
from yuqing_cli.services import audit
append = audit.append
def paused(*args, **kwargs):
    event = append(*args, **kwargs)
    time.sleep(30)  # inside the transaction: the test kills us here
    return event
audit.append = paused
from yuqing_cli.cli import main
sys.argv[0] = "yq"
sys.exit(main())
"""


def _integrity() -> tuple[str, int]:
    """SQLite's own check of the file ("ok" on a server), and incidents without the
    event that created them."""
    engine = create_engine(db_url(database()), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            check = (
                str(conn.execute(text("PRAGMA integrity_check")).scalar())
                if conn.dialect.name == "sqlite"
                else "ok"
            )
            orphans = conn.execute(
                text(
                    "SELECT count(*) FROM incident i WHERE NOT EXISTS (SELECT 1 FROM event e "
                    "WHERE e.incident_id = i.id AND e.action = 'create')"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return check, int(orphans)


def test_killed_writers_leave_a_consistent_database(env: Path) -> None:
    ref = new("被反复写入的事件", level="重大", at="2024-11-23 09:00")
    rng = random.Random(20241123)
    always_write = [
        ["--as", LIAISON, "new", "崩溃测试", "--allow-duplicate"],
        ["--as", MEMBER, "note", ref, "崩溃测试"],
    ]
    commands = always_write + [
        ["--as", LEADER, "assign", ref, "spokesperson", "秦可娟"],
        ["--as", MEMBER, "done", ref, "assess"],
    ]
    killed_in_transaction = 0
    for attempt in range(20):
        if attempt % 2 == 0:
            args = rng.choice(always_write)
            # Paused just after writing its first event, inside the open transaction.
            proc = subprocess.Popen(
                [sys.executable, "-c", PAUSED, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _poll in range(6000):  # until it holds the write lock (or has exited)
                if proc.poll() is not None or _write_locked():
                    break
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.05))
        else:
            args = rng.choice(commands)
            proc = subprocess.Popen(
                [yq_bin(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            time.sleep(rng.uniform(0.05, 0.8))  # anywhere: start-up, opening, writing
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed_in_transaction += attempt % 2 == 0
        proc.communicate(timeout=60)
        check, orphans = _integrity()
        assert check == "ok" and orphans == 0, (attempt, args)
    assert killed_in_transaction == 10  # every paused writer died inside its transaction
    result = ok("verify", "--json")
    assert json.loads(result.stdout)["ok"] is True
    # The database is still usable, and the killed paused writers left no trace.
    assert ok_json("show", ref)["ref"] == ref
    ok("--as", MEMBER, "note", ref, "之后仍可写入")


def _write_locked() -> bool:
    """True once a writer holds the write lock (the paused writer is mid-transaction)."""
    location = database()
    if "://" in location:
        from yuqing_cli.store.dialect import WRITE_LOCK_KEY

        engine = create_engine(location, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return bool(
                    conn.execute(
                        text(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                            "AND granted AND (classid::bigint << 32 | objid::bigint) = :key"
                        ),
                        {"key": WRITE_LOCK_KEY},
                    ).scalar_one()
                )
        finally:
            engine.dispose()
    conn = sqlite3.connect(location, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()
