"""The store: SQLite settings, migrations, and the schema they build."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import SQLModel

from yuqing_cli.plan.files import load_plan
from yuqing_cli.services.incidents import NewIncident, new_incident
from yuqing_cli.store import tables  # noqa: F401  (registers the models)
from yuqing_cli.store.db import Store
from yuqing_cli.store.migrations import MIGRATIONS, applied

from conftest import LEADER, LIAISON, SHIPPED_PLAN, event_count, new, ok, ok_json, yq


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
    store = Store.open(str(env / "yq.db"))
    inspector = inspect(store.engine)
    for table in SQLModel.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= indexes, table.name
    store.close()


def test_migrations_recorded_and_skipped_when_current(env: Path) -> None:
    new()
    db = sqlite3.connect(env / "yq.db")
    names = [r[0] for r in db.execute("SELECT name FROM _yq_migrations ORDER BY name")]
    assert names == [m.name for m in MIGRATIONS]
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()


def test_database_of_the_first_schema_version_is_upgraded(env: Path) -> None:
    """A database written when only m001 existed opens, migrates, and keeps its data."""
    path = env / "old.db"
    old = Store.open(str(path), migrations=MIGRATIONS[:1])
    plan = load_plan(SHIPPED_PLAN)
    ref = new_incident(
        old,
        plan,
        LIAISON,
        NewIncident(title="旧库中的事件", level="major", category="rumour", sentiment="negative"),
    ).ref
    old.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.execute("UPDATE event SET note = 'allowed before m002'")  # no triggers yet
    db.execute("UPDATE event SET note = ''")
    db.commit()
    db.close()

    ok("--db", str(path), "db", "status")
    store = Store.open(str(path))
    with store.read() as session:
        assert applied(session.connection()) == [m.name for m in MIGRATIONS]
    store.close()
    assert ok_json("--db", str(path), "show", ref)["title"] == "旧库中的事件"
    ok("--db", str(path), "verify")


def test_db_path_is_in_the_user_data_directory(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("YQ_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    out = ok("db", "path").stdout.strip()
    assert out == str(tmp_path / "xdg" / "yuqing-cli" / "yq.db")
    ok("--as", LIAISON, "new", "首次运行")
    assert Path(out).is_file()


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
    from conftest import yq

    first = yq("list")
    assert first.exit_code == 0
    assert f"created a new database at {env / 'yq.db'}" in first.stderr
    assert "yq demo" in first.stderr
    assert "created" not in yq("list").stderr  # only the first time
