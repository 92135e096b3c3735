"""The store: SQLite settings, migrations, and the schema they build."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from yuqing_cli.plan.files import load_plan
from yuqing_cli.services import audit
from yuqing_cli.store import tables  # noqa: F401  (registers the models)
from yuqing_cli.store.db import Store
from yuqing_cli.store.migrations import MIGRATIONS, applied

from conftest import (
    LEADER,
    LIAISON,
    MEMBER,
    SHIPPED_PLAN,
    database,
    event_count,
    new,
    ok,
    ok_json,
    yq,
)


@pytest.mark.sqlite_only
def test_sqlite_settings(env: Path) -> None:
    new()
    store = Store.open(str(env / "yq.db"))
    with store.write() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    store.close()


@pytest.mark.sqlite_only
def test_write_takes_the_lock_at_begin(env: Path) -> None:
    """BEGIN IMMEDIATE: a second writer cannot start while the first is open."""
    new()
    store = Store.open(str(env / "yq.db"))
    with store.write() as session:
        session.connection()
        other = sqlite3.connect(env / "yq.db", timeout=0.1)
        try:
            other.execute("BEGIN IMMEDIATE")
            raise AssertionError("second writer got the lock")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
        finally:
            other.close()
    store.close()


def test_schema_built_by_migrations_matches_the_models(env: Path) -> None:
    store = Store.open(database())
    inspector = inspect(store.engine)
    for table in SQLModel.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= indexes, table.name
    store.close()


@pytest.mark.sqlite_only
def test_migrations_recorded_and_skipped_when_current(env: Path) -> None:
    new()
    db = sqlite3.connect(env / "yq.db")
    names = [r[0] for r in db.execute("SELECT name FROM _yq_migrations ORDER BY name")]
    assert names == [m.name for m in MIGRATIONS]
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()


def _old_database(path: Path) -> str:
    """A database as yq wrote it before events had data and incidents a state: the
    schema of m001 and m002, and rows written the way that version wrote them."""
    Store.open(str(path), migrations=MIGRATIONS[:2]).close()
    plan = load_plan(SHIPPED_PLAN)
    db = sqlite3.connect(path)
    stored = "2024-11-23 01:00:00.000000"
    db.execute(
        "INSERT INTO plan_version VALUES (?, ?, ?, ?)",
        (plan.version, "plan.yaml", plan.text, stored),
    )
    db.execute(
        "INSERT INTO incident (id, ref, title, summary, platform, url, level, category, "
        "sentiment, stage, exercise, reporter, plan_version, detected_at, recorded_at, "
        "stage_entered, reported_at, first_response_at, closed_at, reopened, last_seq) "
        "VALUES (1, 'YQ-20241123-001', '旧库中的事件', '', '微博', NULL, 'major', 'rumour', "
        "'negative', 'detected', 0, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, 2)",
        (
            LIAISON,
            plan.version,
            "2024-11-23 01:00:00.000000",
            "2024-11-23 01:05:00.000000",
            '{"detected": "2024-11-23T01:00:00+00:00"}',
            "2024-11-23 01:30:00.000000",
        ),
    )
    fields = {
        "title": "旧库中的事件", "level": "major", "category": "rumour", "sentiment": "negative",
        "platform": "微博", "url": None, "summary": "", "exercise": False, "stage": "detected",
    }  # fmt: skip
    events = [
        (1, "create", "", None, json.dumps(fields, ensure_ascii=False, sort_keys=True), "",
         "01:00", "01:05"),
        (2, "done", "report_leading_group", "open", "done", "", "01:30", "01:31"),
    ]  # fmt: skip
    prev = audit.GENESIS
    for seq, action, subject, old, new_, note, happened, recorded in events:
        content = {
            "incident_id": 1, "seq": seq, "action": action, "actor": LIAISON,
            "subject": subject, "old": old, "new": new_, "note": note,
            "happened_at": datetime.fromisoformat(f"2024-11-23T{happened}:00+00:00"),
            "recorded_at": datetime.fromisoformat(f"2024-11-23T{recorded}:00+00:00"),
            "plan_version": plan.version, "data": None,
        }  # fmt: skip
        digest = audit.event_hash(prev, content)
        row = {**content, "prev_hash": prev, "hash": digest}
        row.pop("data")
        for key in ("happened_at", "recorded_at"):
            row[key] = row[key].strftime("%Y-%m-%d %H:%M:%S.%f")
        db.execute(
            f"INSERT INTO event ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        prev = digest
    db.execute(
        "INSERT INTO step_record VALUES (1, 'report_leading_group', 'done', ?, '', ?, ?)",
        (LIAISON, "2024-11-23 01:30:00.000000", "2024-11-23 01:31:00.000000"),
    )
    db.commit()
    db.close()
    return "YQ-20241123-001"


@pytest.mark.sqlite_only
def test_database_of_an_older_version_is_upgraded(env: Path) -> None:
    """A database written before m003 opens for an upgrade, keeps its data and its chain,
    and gets its projections rebuilt from the events."""
    path = env / "old.db"
    ref = _old_database(path)
    before = path.read_bytes()
    status = ok("--db", str(path), "db", "status").stdout
    assert "applied m002_append_only_events" in status and "pending m003" in status
    refused = yq("--db", str(path), "list")  # reading does not upgrade
    assert refused.exit_code == 1 and "yq db upgrade" in refused.stderr
    assert path.read_bytes() == before
    ok("--db", str(path), "db", "upgrade")
    store = Store.open(str(path))
    with store.read() as session:
        assert applied(session.connection()) == [m.name for m in MIGRATIONS]
    store.close()
    shown = ok_json("--db", str(path), "show", ref)
    assert shown["title"] == "旧库中的事件" and shown["categories"] == ["rumour"]
    assert shown["reported_at"] == "2024-11-23T09:30:00+08:00"
    assert ok_json("--db", str(path), "verify", "--json")["ok"] is True
    ok("--db", str(path), "done", ref, "assess", user=MEMBER)  # and it can be worked on


def test_db_path_is_in_the_user_data_directory(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("YQ_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    out = ok("db", "path").stdout.strip()
    assert out == str(tmp_path / "xdg" / "yuqing-cli" / "yq.db")
    ok("--as", LIAISON, "new", "首次运行")
    assert Path(out).is_file()


@pytest.mark.sqlite_only
def test_one_transaction_per_command(env: Path) -> None:
    """A command that fails half-way writes nothing (`assign` writes an assignment, two
    events and a step record; the step record is made to fail)."""
    ref = new(level="重大", at="2024-11-23 09:00")
    for step in ("assess", "trace_source", "report_leading_group"):
        ok("done", ref, step, user="郭俊涛")
    ok("advance", ref, user=LEADER)
    before = event_count()
    db = sqlite3.connect(env / "yq.db")
    db.execute(
        "CREATE TRIGGER no_steps BEFORE INSERT ON step_record "
        "BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    db.commit()
    result = yq("assign", ref, "spokesperson", "秦可娟", user=LEADER)
    assert result.exit_code == 3 and "internal error" in result.stderr
    assert "Traceback" not in result.output
    assert event_count() == before
    assert db.execute("SELECT count(*) FROM assignment").fetchone()[0] == 0
    db.close()


def test_first_run_says_where_the_database_is_and_what_next(env: Path) -> None:
    from yuqing_cli.paths import display_url

    on_server = "://" in database()
    where = display_url(database()) if on_server else str(env / "yq.db")
    reading = yq("list")  # a reading command creates nothing
    assert reading.exit_code == 0 and "no database" in reading.stderr
    assert Store.describe(database()).state in ("missing", "empty")
    first = yq("new", "首次", user=LIAISON)
    assert first.exit_code == 0
    assert f"created a new database at {where}" in first.stderr
    assert "yq demo" in first.stderr
    assert "created" not in yq("list").stderr  # only the first time


def test_copy_between_files_keeps_every_row_and_the_chain(tmp_path: Path) -> None:
    """`yq db copy` needs no server: file to file gives the same chain (the server's
    round trip is in test_postgres.py)."""
    source, target = tmp_path / "a.db", tmp_path / "b.db"
    ref = ok_json("--db", str(source), "new", "复制", "--at", "2024-11-23 09:00", user=LIAISON)[
        "ref"
    ]
    ok("--db", str(source), "done", ref, "assess", user=MEMBER)
    ok("--db", str(source), "routine", "done", "patrol", user=LIAISON)
    head = ok_json("--db", str(source), "verify")["head"]
    copied = ok("--db", str(source), "db", "copy", "--to", str(target))
    assert "(events: 4, incidents: 1)" in copied.stdout and head in copied.stdout
    assert ok_json("--db", str(target), "verify")["head"] == head
    log = ["log", "--since", "2000-01-01"]
    assert ok_json("--db", str(target), *log) == ok_json("--db", str(source), *log)
    assert yq("--db", str(source), "db", "copy", "--to", str(target)).exit_code == 1


def test_copy_refuses_a_source_edited_by_hand(tmp_path: Path) -> None:
    source, target = tmp_path / "a.db", tmp_path / "b.db"
    ok("--db", str(source), "new", "复制", user=LIAISON)
    db = sqlite3.connect(source)
    db.execute("UPDATE incident SET detected_at = 'yesterday'")
    db.commit()
    db.close()
    result = yq("--db", str(source), "db", "copy", "--to", str(target))
    assert result.exit_code == 1 and "never writes" in result.stderr
    assert "Traceback" not in result.output
    assert ok_json("--db", str(target), "log", "--since", "2000-01-01") == []
