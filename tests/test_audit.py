"""The tamper-evident audit trail: append-only events, the hash chain, `yq verify`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import select

from yuqing_cli.services import audit
from yuqing_cli.store.db import Store
from yuqing_cli.store.tables import PlanVersion

from conftest import LEADER, MEMBER, database, new, ok, ok_json, tampering, yq

FIELDS = [*audit.CONTENT_FIELDS, "prev_hash"]


def _history() -> str:
    """Two incidents with a varied trail: 12 events with the plan's adoption (event 1)."""
    ref = new("事件一", level="重大", at="2024-11-23 09:00")
    other = new("事件二", at="2024-11-23 10:00")
    ok("done", ref, "assess", "--note", "研判", user=MEMBER)
    ok("waive", ref, "trace_source", "--reason", "已知", user=LEADER)
    ok("done", ref, "report_leading_group", user=MEMBER)
    ok("advance", ref, user=LEADER)
    ok("assign", ref, "spokesperson", "秦可娟", user=LEADER)
    ok("grade", ref, "I", "--reason", "升级", user=LEADER)
    ok("note", other, "备注", user=MEMBER)
    ok("note", ref, "备注二", user=MEMBER)
    return ref


@contextmanager
def tamper(env: Path, name: str = "yq.db") -> Iterator[sqlite3.Connection]:
    """Work on the file behind the tool's back, with the append-only triggers dropped."""
    db = sqlite3.connect(env / name)
    db.execute("DROP TRIGGER IF EXISTS event_no_update")
    db.execute("DROP TRIGGER IF EXISTS event_no_delete")
    try:
        yield db
        db.commit()
    finally:
        db.close()


def verify_json() -> tuple[int, dict]:  # type: ignore[type-arg]
    import json

    result = yq("verify", "--json")
    return result.exit_code, json.loads(result.stdout)


def test_database_refuses_update_and_delete(env: Path) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    from yuqing_cli.paths import db_url

    _history()
    engine = create_engine(db_url(database()), poolclass=NullPool)
    for statement in (
        "UPDATE event SET actor = '某人' WHERE id = 2",
        "DELETE FROM event WHERE id = 2",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


def test_intact_chain_verifies() -> None:
    _history()
    code, data = verify_json()
    assert code == 0 and data["ok"] and data["events"] == 12 and data["breach"] is None
    assert data["incidents"] == 2 and data["findings"] == []
    head_id, head = data["head"].split(":")
    assert int(head_id) == data["events"] and len(head) == 64
    assert "chain intact" in ok("verify").stdout


def test_empty_database_verifies() -> None:
    code, data = verify_json()
    assert code == 0 and data["events"] == 0


def test_changed_field(env: Path) -> None:
    _history()
    with tampering() as db:
        db.execute(text("UPDATE event SET actor = '张三' WHERE id = 5"))
    code, data = verify_json()
    assert code == 1 and data["breach"]["event"] == 5 and data["breach"]["kind"] == "changed"
    result = yq("verify")
    assert result.exit_code == 1 and "event 5" in result.stdout


def test_deleted_row(env: Path) -> None:
    _history()
    with tampering() as db:
        db.execute(text("DELETE FROM event WHERE id = 4"))
    code, data = verify_json()
    assert code == 1 and data["breach"]["event"] == 4 and data["breach"]["kind"] == "missing"


def test_deleted_first_row(env: Path) -> None:
    _history()
    with tampering() as db:
        db.execute(text("DELETE FROM event WHERE id = 1"))
    code, data = verify_json()
    assert code == 1 and data["breach"]["kind"] == "missing"


def test_forged_row_appended(env: Path) -> None:
    _history()
    with tampering() as db:
        cols = ", ".join(FIELDS + ["hash"])
        db.execute(
            text(
                f"INSERT INTO event ({cols}) SELECT "
                + ", ".join("seq + 100" if f == "seq" else f for f in FIELDS)
                # another first digit: a hash no event has
                + ", CASE WHEN substr(hash, 1, 1) = 'f' THEN '0' ELSE 'f' END || substr(hash, 2)"
                + " FROM event WHERE id = 3"
            )
        )
        forged = db.execute(text("SELECT max(id) FROM event")).scalar()
    code, data = verify_json()
    assert code == 1 and data["breach"]["event"] == forged


@pytest.mark.sqlite_only
def test_forged_row_inserted_in_the_middle(env: Path) -> None:
    """A row slipped in between 6 and 7 with a correct hash over its own content."""
    _history()
    with tamper(env) as db:
        db.execute("UPDATE event SET id = id + 1000 WHERE id > 6")
        row = db.execute(f"SELECT {', '.join(FIELDS)} FROM event WHERE id = 6").fetchone()
        content = dict(zip(FIELDS, row, strict=True))
        prev = db.execute("SELECT hash FROM event WHERE id = 6").fetchone()[0]
        content["note"] = "伪造"
        content["seq"] += 100
        content.pop("prev_hash")
        for key in ("happened_at", "recorded_at"):
            content[key] = datetime.fromisoformat(content[key]).replace(tzinfo=UTC)
        digest = audit.event_hash(prev, content)
        content.update(prev_hash=prev, hash=digest, id=7)
        db.execute(
            f"INSERT INTO event ({', '.join(content)}) VALUES ({', '.join('?' for _ in content)})",
            [
                v.replace(tzinfo=None).isoformat(" ") if isinstance(v, datetime) else v
                for v in content.values()
            ],
        )
        db.execute("UPDATE event SET id = id - 1000 + 1 WHERE id > 1000")
    code, data = verify_json()
    assert code == 1
    assert data["breach"]["event"] == 7 and data["breach"]["kind"] == "inserted"


@pytest.mark.sqlite_only
def test_swapped_rows(env: Path) -> None:
    _history()
    with tamper(env) as db:
        cols = FIELDS + ["hash"]
        a = db.execute(f"SELECT {', '.join(cols)} FROM event WHERE id = 4").fetchone()
        b = db.execute(f"SELECT {', '.join(cols)} FROM event WHERE id = 8").fetchone()
        assign = ", ".join(f"{c} = ?" for c in cols)
        db.execute("UPDATE event SET hash = 'tmp', seq = -1 WHERE id = 4")
        db.execute(f"UPDATE event SET {assign} WHERE id = 8", a)
        db.execute(f"UPDATE event SET {assign} WHERE id = 4", b)
    code, data = verify_json()
    assert code == 1
    assert data["breach"]["event"] == 4 and data["breach"]["kind"] == "out of order"


@pytest.mark.sqlite_only
def test_recomputed_hash_without_fixing_the_next(env: Path) -> None:
    _history()
    with tamper(env) as db:
        row = db.execute(f"SELECT {', '.join(FIELDS)} FROM event WHERE id = 5").fetchone()
        content = dict(zip(FIELDS, row, strict=True))
        prev = content.pop("prev_hash")
        content["actor"] = "张三"
        for key in ("happened_at", "recorded_at"):
            content[key] = datetime.fromisoformat(content[key]).replace(tzinfo=UTC)
        db.execute(
            "UPDATE event SET actor = '张三', hash = ? WHERE id = 5",
            (audit.event_hash(prev, content),),
        )
    code, data = verify_json()
    assert code == 1 and data["breach"]["event"] == 5 and data["breach"]["kind"] == "changed"


@pytest.mark.sqlite_only
def test_anchor_catches_a_rebuilt_chain(env: Path) -> None:
    _history()
    code, data = verify_json()
    anchor = data["head"]
    # Rewrite event 2 and recompute every hash after it, as a forger with the code would.
    store = Store.open(str(env / "yq.db"))
    with tamper(env) as db:
        db.execute("UPDATE event SET note = '改写' WHERE id = 2")
        rows = db.execute(f"SELECT id, {', '.join(FIELDS)} FROM event ORDER BY id").fetchall()
        prev = audit.GENESIS
        for row in rows:
            content = dict(zip(FIELDS, row[1:], strict=True))
            content.pop("prev_hash")
            for key in ("happened_at", "recorded_at"):
                content[key] = datetime.fromisoformat(content[key]).replace(tzinfo=UTC)
            digest = audit.event_hash(prev, content)
            db.execute(
                "UPDATE event SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row[0])
            )
            prev = digest
    store.close()
    assert yq("verify").exit_code == 0  # the chain alone cannot tell
    result = yq("verify", "--anchor", anchor)
    assert result.exit_code == 1 and "rewritten" in result.stdout
    assert yq("verify", "--anchor", "nonsense").exit_code == 2


def _copy(src: Path, dst: Path) -> None:
    dst.unlink(missing_ok=True)
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()


@pytest.mark.sqlite_only
def test_any_changed_field_is_caught(env: Path) -> None:
    """Change one field of one event, chosen at random: the check always fails."""
    _history()
    _copy(env / "yq.db", env / "template.db")

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        event_id=st.integers(min_value=1, max_value=12),
        column=st.sampled_from(FIELDS + ["hash"]),
        value=st.one_of(
            st.text(min_size=1, max_size=8), st.integers(min_value=-(2**63), max_value=2**63 - 1)
        ),
    )
    def check(event_id: int, column: str, value: object) -> None:
        _copy(env / "template.db", env / "case.db")
        with tamper(env, "case.db") as db:
            old = db.execute(f"SELECT {column} FROM event WHERE id = ?", (event_id,)).fetchone()[0]
            if str(value) == str(old):
                value = f"{old}x"
            try:
                db.execute(f"UPDATE event SET {column} = ? WHERE id = ?", (value, event_id))
            except sqlite3.IntegrityError:
                reject()  # another event's hash: not a change the schema allows
            stored = db.execute(f"SELECT {column} FROM event WHERE id = ?", (event_id,)).fetchone()[
                0
            ]
            if stored == old and type(stored) is type(old):
                reject()  # column affinity turned e.g. '01' back into 1: nothing changed
        result = yq("--db", str(env / "case.db"), "verify", "--json")
        assert result.exit_code == 1, (event_id, column, value)

    check()
    # A time that reads the same but is not written the way the tool writes it is an edit.
    _copy(env / "template.db", env / "case.db")
    with tamper(env, "case.db") as db:
        stored = db.execute("SELECT happened_at FROM event WHERE id = 1").fetchone()[0]
        db.execute("UPDATE event SET happened_at = ? WHERE id = 1", (stored.replace(" ", "T"),))
    assert yq("--db", str(env / "case.db"), "verify").exit_code == 1
    assert yq("--db", str(env / "template.db"), "verify").exit_code == 0


def test_ten_thousand_events_verify(env: Path) -> None:
    new(at="2024-11-23 09:00")
    store = Store.open(database())
    start = datetime(2024, 11, 23, 2, tzinfo=UTC)
    with store.write() as session:
        version = session.exec(select(PlanVersion.version)).one()
        for i in range(10_000):
            audit.append(
                session,
                incident_id=None,
                seq=0,
                action="routine",
                actor=MEMBER,
                subject="patrol",
                note=f"巡查 {i}",
                happened_at=start + timedelta(minutes=i),
                recorded_at=start + timedelta(minutes=i),
                plan_version=version,
            )
    store.close()
    code, data = verify_json()
    assert code == 0 and data["events"] == 10_002


def test_log_range_and_chain_position() -> None:
    ref = new(at="2024-11-20 09:00")
    ok("done", ref, "assess", "--at", "2024-11-21 10:00", user=MEMBER)
    ok("done", ref, "trace_source", "--at", "2024-11-22 10:00", user=MEMBER)
    in_range = ok_json("log", "--since", "2024-11-21", "--until", "2024-11-21")
    assert [(e["action"], e["subject"]) for e in in_range] == [("done", "assess")]
    after = ok_json("log", "--since", "2024-11-21 12:00")
    assert [e["subject"] for e in after if e["ref"]] == ["trace_source"]
    trail = ok_json("log", ref)
    assert [e["id"] for e in trail] == [2, 3, 4]  # event 1 adopted the plan
    assert [e["seq"] for e in trail] == [1, 2, 3]
    table = ok("log", "--since", "2024-11-01").stdout
    assert table.splitlines()[1].split()[0] == "#"
