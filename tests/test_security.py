"""Nobody at a desk can forge, hide or lock out (issue 22): every stored event is
verified, the schema is ours, the plan cache decides nothing, the files are private."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from yuqing_cli.services import audit
from yuqing_cli.store.db import Store
from yuqing_cli.store.migrations import MIGRATIONS, Migration

from conftest import LEADER, LIAISON, MEMBER, database, new, ok, ok_json, tampering, yq

M007 = "m007_positive_event_ids"


def _history() -> str:
    ok("routine", "done", "patrol", "--zero", "--note", "未发现", user=LIAISON)
    ref = new("事件一", level="重大", at="2024-11-23 09:00")
    ok("done", ref, "assess", "--note", "研判", user=MEMBER)
    ok("done", ref, "report_leading_group", user=MEMBER)
    ok("note", ref, "备注", user=MEMBER)
    ok("note", ref, "备注二", user=MEMBER)
    return ref


def _verify(*args: str) -> tuple[int, dict[str, Any]]:
    result = yq("verify", "--json", *args)
    return result.exit_code, json.loads(result.stdout)


def _without_id_check() -> None:
    """A database as if the CHECK on event ids had been removed (a superuser on the
    server can drop it; on SQLite whoever can write the file): everything of this
    version's schema but that constraint."""
    skipped = [m if m.name != M007 else Migration(M007, lambda conn: None) for m in MIGRATIONS]
    Store.open(database(), migrations=skipped).close()


def _rows() -> list[Sequence[Any]]:
    with tampering() as conn:
        return list(conn.execute(select(*audit.RAW_COLUMNS).order_by(audit.RAW.c.id)).all())


def _forge(event_id: int, prev: str, **fields: Any) -> dict[str, Any]:
    """An event at ``event_id`` whose hash is right for its content over ``prev``."""
    from datetime import UTC, datetime

    when = datetime(2024, 11, 23, 1, 0, tzinfo=UTC)
    row = _rows()[0]
    content: dict[str, Any] = {
        "incident_id": None, "seq": 0, "action": "routine", "actor": LEADER,
        "subject": "patrol", "old": None, "new": None, "note": "零报告", "happened_at": when,
        "recorded_at": when, "plan_version": row[audit.VERSION], "data": None,
    }  # fmt: skip
    content.update(fields)
    return {**content, "id": event_id, "prev_hash": prev, "hash": audit.event_hash(prev, content)}


def _insert(conn: Any, row: dict[str, Any]) -> None:
    values = dict(row)
    for key in ("happened_at", "recorded_at"):
        if conn.dialect.name == "sqlite":
            values[key] = values[key].strftime("%Y-%m-%d %H:%M:%S.%f")
        else:
            values[key] = values[key].replace(tzinfo=None)
    names = ", ".join(values)
    conn.execute(
        text(f"INSERT INTO event ({names}) VALUES ({', '.join(':' + k for k in values)})"), values
    )


# -- 1. every stored event is verified ---------------------------------------------------


def test_the_database_refuses_an_event_id_of_zero_or_below() -> None:
    _history()
    for event_id in (0, -1):
        with pytest.raises(DBAPIError, match="(?i)check"), tampering() as conn:
            _insert(conn, _forge(event_id, audit.GENESIS))
    assert _verify()[0] == 0


def test_events_below_one_are_verified_not_skipped() -> None:
    """A forged zero report at id -1 — its hash right for its content, or junk — and a
    waive at id 0: verify fails, naming the first."""
    _without_id_check()
    ref = _history()
    code, data = _verify()
    assert code == 0, data
    head = data["head"]
    with tampering() as conn:
        _insert(conn, _forge(-1, audit.GENESIS))
    code, data = _verify()
    assert code == 1 and data["breach"]["event"] == -1, data
    assert data["breach"]["kind"] == "inserted"
    assert yq("verify", "--anchor", head).exit_code == 1
    with tampering() as conn:
        conn.execute(text("UPDATE event SET hash = 'junk' WHERE id = -1"))
        incident = conn.execute(text("SELECT id FROM incident WHERE ref = :r"), {"r": ref}).scalar()
        _insert(
            conn,
            _forge(0, "junk", incident_id=incident, seq=99, action="waive",
                   subject="trace_source", note="", actor=LEADER),
        )  # fmt: skip
    code, data = _verify()
    assert code == 1 and data["breach"]["event"] == -1
    shown = yq("verify")
    assert shown.exit_code == 1 and "event -1" in shown.stdout


def test_an_upgrade_refuses_a_database_holding_ids_below_one(env: Path) -> None:
    """m007 does not renumber or drop forged rows: it refuses, and changes nothing."""
    _without_id_check()
    _history()
    with tampering() as conn:
        _insert(conn, _forge(-3, audit.GENESIS))
        conn.execute(text("DELETE FROM _yq_migrations WHERE name = :n"), {"n": M007})
        if conn.dialect.name == "sqlite":
            conn.execute(text(f"PRAGMA user_version = {len(MIGRATIONS) - 1}"))
    before = (env / "yq.db").read_bytes() if database().endswith(".db") else None
    result = yq("db", "upgrade")
    assert result.exit_code == 1
    assert "1 events have an id of 0 or below (the lowest: -3)" in result.stderr
    assert "Traceback" not in result.stderr
    if before is not None:
        assert (env / "yq.db").read_bytes() == before
    assert yq("--as", LEADER, "note", "YQ-x", "n").exit_code != 0  # nothing opens it


def test_the_upgrade_keeps_every_event_its_links_and_the_append_only_triggers() -> None:
    """m007 rebuilds the event table on SQLite: ids, hashes, the login links naming
    events, the indexes and the triggers all survive it."""
    _without_id_check()
    _history()
    code, data = _verify()
    assert code == 0
    with tampering() as conn:
        conn.execute(
            text(
                "INSERT INTO person_login (login, person, event_id, linked_at, linked_by) "
                "VALUES ('lidan', :p, 3, '2024-11-23 01:00:00', :p)"
            ),
            {"p": LIAISON},
        )
        conn.execute(text("DELETE FROM _yq_migrations WHERE name = :n"), {"n": M007})
        if conn.dialect.name == "sqlite":
            conn.execute(text(f"PRAGMA user_version = {len(MIGRATIONS) - 1}"))
            # the triggers come back from the rebuild, not from here
    ok("db", "upgrade")
    after = _verify()[1]
    assert (after["events"], after["head"], after["breach"]) == (data["events"], data["head"], None)
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from yuqing_cli.paths import db_url

    engine = create_engine(db_url(database()), poolclass=NullPool)
    try:
        for statement in ("UPDATE event SET note = 'x' WHERE id = 2", "DELETE FROM event"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.begin() as conn:
            assert conn.execute(text("SELECT event_id FROM person_login")).scalar() == 3
    finally:
        engine.dispose()
    with pytest.raises(DBAPIError, match="(?i)check"), tampering() as conn:
        _insert(conn, _forge(0, audit.GENESIS))


def _rechain_without(conn: Any, gone: int) -> None:
    """Delete event ``gone`` and continue the chain from the one before it: every later
    event's link and hash recomputed, ids left as they are (a gap)."""
    conn.execute(text("DELETE FROM event WHERE id = :i"), {"i": gone})
    rows = conn.execute(select(*audit.RAW_COLUMNS).order_by(audit.RAW.c.id)).all()
    prev = audit.GENESIS
    for row in rows:
        row = list(row)
        row[audit.PREV] = prev
        digest = audit.digest(row)
        assert digest is not None
        if row[audit.ID] > gone:
            conn.execute(
                text("UPDATE event SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": prev, "h": digest, "i": row[audit.ID]},
            )
        prev = digest


def test_an_anchor_names_an_event_that_must_be_there(clock: Any) -> None:
    """The anchored event (an issued report) deleted, the chain continued from the one
    before it: the ids leave a gap the walk never visits — the anchor still fails."""
    clock.set("2024-11-23 18:00")
    _history()
    ok("report", "issue", user=LEADER)
    anchor_id, anchor = ok_json("verify")["head"].split(":")
    ok("note", ok_json("list")[0]["ref"], "之后", user=MEMBER)
    with tampering() as conn:
        _rechain_without(conn, int(anchor_id))
    code, data = _verify()
    assert code == 0, data  # the chain alone holds: only the anchor shows the removal
    code, data = _verify("--anchor", f"{anchor_id}:{anchor}")
    assert code == 1 and data["breach"]["event"] == int(anchor_id), data
    assert data["breach"]["kind"] == "missing"
    code, data = _verify("--anchor", f"{int(anchor_id) + 50}:{anchor}")
    assert code == 1 and data["breach"]["kind"] == "missing"
    assert _verify("--anchor", f"0:{audit.GENESIS}")[0] == 0  # the empty chain's head
    assert _verify("--anchor", f"0:{'1' * 64}")[0] == 1


def test_report_show_refuses_frozen_content_changed_since_it_was_issued(clock: Any) -> None:
    clock.set("2024-11-23 18:00")
    _history()
    ok("report", "issue", user=LEADER)
    assert ok("report", "show", "1").stdout
    with tampering() as conn:
        conn.execute(
            text("UPDATE event SET data = replace(data, '舆情', '谣言') WHERE action = 'issue'")
        )
    for args in (("1",), ("1", "--json"), ("1", "-f", "markdown")):
        result = yq("report", "show", *args)
        assert result.exit_code == 1, result.stdout
        assert result.stdout == ""
        assert "No. 1" in result.stderr and "changed" in result.stderr
    with tampering() as conn:
        conn.execute(text("UPDATE event SET data = 'not json' WHERE action = 'issue'"))
    result = yq("report", "show", "1")
    assert result.exit_code == 1 and "cannot be read" in result.stderr


# -- 5. refuse what is not ours ----------------------------------------------------------


def test_a_database_with_a_migration_this_version_does_not_know_is_refused(env: Path) -> None:
    ref = _history()
    with tampering() as conn:
        conn.execute(
            text("INSERT INTO _yq_migrations (name, applied_at) VALUES ('m099_future', :t)"),
            {"t": "2024-11-23 01:00:00"},
        )
    before = (env / "yq.db").read_bytes() if database().endswith(".db") else None
    for args in (("note", ref, "写入", "--as", MEMBER), ("list",), ("verify",), ("db", "status")):
        result = yq(*args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert "newer yq" in result.stderr
    if before is not None:
        assert (env / "yq.db").read_bytes() == before
