"""One source of truth: the event chain. Tables are projections `yq verify` checks; the
plan that grants rights is adopted; nothing harms a database that is not ours."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yuqing_cli import codec
from yuqing_cli.cli.app import AppState
from yuqing_cli.errors import YqError
from yuqing_cli.render.safe import spreadsheet_safe
from yuqing_cli.services import incidents, queries, substance
from yuqing_cli.services.verify import verify

from conftest import (
    DEPUTY,
    LEADER,
    LIAISON,
    MEMBER,
    SHIPPED_PLAN,
    database,
    event_count,
    new,
    ok,
    ok_json,
    run_yq,
    tamper,
    yq,
)


def _incident_with_history() -> str:
    ref = new("事件", level="重大", at="2024-11-23 09:00")
    for step in ("assess", "trace_source", "report_leading_group"):
        ok("done", ref, step, user=MEMBER)
    ok("advance", ref, user=LEADER)
    ok("assign", ref, "spokesperson", "秦可娟", user=LEADER)
    return ref


def _verify() -> dict:  # type: ignore[type-arg]
    result = yq("verify", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == (0 if data["ok"] else 1)
    return data


TAMPERING = {
    "step record inserted": (
        "INSERT INTO step_record VALUES (2, 'approve_handling', 'done', '张江晖', '', "
        "'2024-11-23 02:00:00.000000', '2024-11-23 02:00:00.000000')",
        "step_record approve_handling",
    ),
    "stage changed": ("UPDATE incident SET stage = 'closed' WHERE id = 2", "incident.stage"),
    "closing forged": (
        "UPDATE incident SET closed_at = '2024-11-24 00:00:00.000000' WHERE id = 2",
        "incident.closed_at",
    ),
    "assignment added": (
        "INSERT INTO assignment VALUES (2, 'watcher', '郭俊涛', '2024-11-23 02:00:00.000000')",
        "assignment watcher",
    ),
    "ledger projection edited": (
        "UPDATE incident SET ledger = '{}' WHERE id = 2",
        "incident.ledger",
    ),
    "plan text edited": (
        "UPDATE plan_version SET text = replace(text, '{name: 郭俊涛, roles: [member', "
        "'{name: 郭俊涛, roles: [leader, member')",
        "plan version does not match its hash",
    ),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_each_tampering_is_named_by_verify(name: str, env: Path) -> None:
    _incident_with_history()
    new("另一个", at="2024-11-23 10:00")  # incident id 2 is this one; 1 has the history
    assert _verify()["ok"]
    sql, expected = TAMPERING[name]
    tamper(sql)
    data = _verify()
    assert not data["ok"]
    assert any(expected in f["detail"] or expected in f["where"] for f in data["findings"]), data
    text = yq("verify")
    assert text.exit_code == 1 and "FINDING" in text.stdout


def test_an_unreadable_ledger_projection_stops_the_export(env: Path) -> None:
    new("事件", at="2024-11-23 09:00")
    tamper("UPDATE incident SET ledger = 'not json' WHERE id = 1")
    result = yq("export")
    assert result.exit_code == 1 and "cannot be read" in result.stderr
    assert "Traceback" not in result.output


def test_a_forged_approval_grants_nothing(env: Path) -> None:
    """Rows written behind yq's back never decide what a command may do."""
    ref = _incident_with_history()
    tamper(
        "INSERT INTO step_record VALUES (1, 'approve_handling', 'done', '张江晖', '', "
        "'2024-11-23 02:00:00.000000', '2024-11-23 02:00:00.000000')",
    )
    before = event_count()
    result = yq("advance", ref, user=DEPUTY)
    assert result.exit_code == 1 and "does not match its audit trail" in result.stderr
    assert event_count() == before


def test_a_duplicated_sequence_and_a_deleted_last_event(env: Path) -> None:
    ref = _incident_with_history()
    new("另一个", at="2024-11-23 10:00")
    tamper(
        "DROP INDEX ux_event_incident_seq",
        "INSERT INTO event (incident_id, seq, action, actor, subject, old, new, note, "
        "happened_at, recorded_at, plan_version, prev_hash, hash) SELECT incident_id, seq, "
        "action, actor, subject, old, new, '重复', happened_at, recorded_at, plan_version, "
        "prev_hash, 'x' || hash FROM event WHERE incident_id = 1 AND seq = 3",
    )
    findings = _verify()["findings"]
    assert any(f["kind"] == "sequence" and "number 3" in f["detail"] for f in findings)
    # The last event of the other incident removed: the chain cannot tell (it is the
    # tail), the incident's own numbering can.
    tamper("DELETE FROM event WHERE hash LIKE 'x%'")
    tamper("DELETE FROM event WHERE id = (SELECT max(id) FROM event)")
    data = _verify()
    assert any(
        f["kind"] == "sequence" and "missing at the end" in f["detail"] for f in data["findings"]
    ), data
    assert ref


def test_an_event_its_author_was_not_entitled_to_is_named(env: Path) -> None:
    """A client that checks nothing (or a hand-written INSERT with a correct hash): the
    replay holds every event to the rights of the plan."""
    from datetime import UTC, datetime

    from yuqing_cli.services import audit
    from yuqing_cli.store.db import Store

    ref = new("事件", at="2024-11-23 09:00")
    store = Store.open(database())
    with store.write() as session:
        from sqlmodel import select

        from yuqing_cli.store.tables import Incident

        row = session.exec(select(Incident).where(Incident.ref == ref)).one()
        now = datetime.now(UTC)
        audit.append(
            session,
            incident_id=row.id,
            seq=2,
            action="waived",
            actor=MEMBER,
            subject="assess",
            old="open",
            new="waived",
            note="自行免除",
            happened_at=now,
            recorded_at=now,
            plan_version=row.plan_version,
        )
        row.last_seq = 2
        session.add(row)
    store.close()
    findings = _verify()["findings"]
    assert any(
        f["kind"] == "rights" and MEMBER in f["detail"] and "waived" in f["detail"]
        for f in findings
    )


def test_a_home_made_plan_governs_nothing(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = new("事件", at="2024-11-23 09:00")  # the shipped plan is adopted
    home_made = SHIPPED_PLAN.read_text(encoding="utf-8").replace(
        "{name: 郭俊涛, roles: [member, commentator]", "{name: 郭俊涛, roles: [leader, member]"
    )
    (env / "plan.yaml").write_text(home_made, encoding="utf-8")
    monkeypatch.delenv("YQ_PLAN")
    before = event_count()
    for args in (
        ["waive", ref, "assess", "--reason", "x"],
        ["note", ref, "x"],
        ["new", "y"],
        ["grade", ref, "重大", "--reason", "x"],
        ["routine", "done", "patrol"],
    ):
        result = yq(*args, user=MEMBER)
        assert result.exit_code == 1, args
        assert "not the plan adopted" in result.stderr and "yq plan adopt" in result.stderr
    refused = yq("plan", "adopt", "plan.yaml", user=MEMBER)
    assert refused.exit_code == 1 and "may not adopt" in refused.stderr
    assert event_count() == before
    # Checking and showing it is fine.
    ok("plan", "check")
    assert "郭俊涛" in ok("plan", "show").stdout
    ok("plan", "adopt", "plan.yaml", user=LEADER)
    assert ok_json("plan", "history")[-1]["current"] is True
    ok("waive", ref, "assess", "--reason", "新预案下由其免除", user=MEMBER)
    assert [e["action"] for e in ok_json("log") if e["action"] == "adopt"] == ["adopt", "adopt"]
    assert _verify()["ok"]


# -- the write path and the replay agree -------------------------------------------------


MILESTONE_ON_ASSIGN = (
    SHIPPED_PLAN.read_text(encoding="utf-8")
    .replace("        milestone: first_response\n", "")
    .replace(
        "        assigns: spokesperson\n",
        "        assigns: spokesperson\n        milestone: first_response\n",
    )
)


@dataclass
class _Op:
    name: str
    args: tuple[object, ...]


_STEPS = [
    "assess",
    "trace_source",
    "report_leading_group",
    "approve_handling",
    "report_superior",
    "hand_to_office",
    "confirm_facts",
    "unified_line",
    "state_position",
    "press_conference",
    "watch_flareup",
    "report_progress",
]
_ops = st.one_of(
    st.builds(_Op, st.just("done"), st.tuples(st.sampled_from(_STEPS))),
    st.builds(_Op, st.just("waive"), st.tuples(st.sampled_from(_STEPS))),
    st.builds(_Op, st.just("advance"), st.just(())),
    st.builds(_Op, st.just("grade"), st.tuples(st.sampled_from(["一般", "重大", "特别重大"]))),
    st.builds(_Op, st.just("assign"), st.tuples(st.sampled_from(["秦可娟", "刘红艳"]))),
    st.builds(_Op, st.just("note"), st.just(())),
    st.builds(_Op, st.just("reopen"), st.just(())),
    st.builds(_Op, st.just("assess"), st.tuples(st.integers(0, 30_000))),
    st.builds(_Op, st.just("line"), st.just(())),
    st.builds(_Op, st.just("approve"), st.sampled_from([(LEADER,), (DEPUTY,)])),
    st.builds(_Op, st.just("statement"), st.sampled_from([("表态",), ("新闻发布会",)])),
    st.builds(_Op, st.just("retract"), st.tuples(st.integers(1, 3))),
)


def _run(db: Path, plan: Path, ops: list[_Op]) -> None:
    def as_(person: str) -> AppState:
        return AppState(plan_path=str(plan), db=str(db), user=person)

    ref = incidents.new_incident(
        as_(LIAISON),
        incidents.NewIncident("网传", level="重大", categories=("rumour",), at="2024-11-23 09:00"),
    ).ref
    for op in ops:
        try:
            if op.name == "done":
                step = str(op.args[0])
                for person in (MEMBER, LIAISON, LEADER):
                    try:
                        incidents.complete_step(as_(person), ref, step)
                        break
                    except YqError:
                        continue
            elif op.name == "waive":
                incidents.complete_step(as_(LEADER), ref, str(op.args[0]), note="x", waive=True)
            elif op.name == "advance":
                incidents.advance(as_(LEADER), ref)
            elif op.name == "grade":
                incidents.grade(as_(LEADER), ref, str(op.args[0]), reason="x")
            elif op.name == "assign":
                incidents.assign(as_(LEADER), ref, "spokesperson", str(op.args[0]))
            elif op.name == "note":
                incidents.add_note(as_(MEMBER), ref, "备注")
            elif op.name == "reopen":
                incidents.reopen(as_(LEADER), ref, reason="再次发酵")
            elif op.name == "assess":
                substance.assess(
                    as_(MEMBER), ref, substance.AssessmentInput({"reposts": int(op.args[0])})
                )
            elif op.name == "line":
                substance.draft_line(as_(LIAISON), ref, "口径")
            elif op.name == "approve":
                substance.approve_line(as_(str(op.args[0])), ref)
            elif op.name == "statement":
                substance.add_statement(
                    as_(LEADER), ref, substance.StatementInput(str(op.args[0]), "表态内容")
                )
            elif op.name == "retract":
                substance.retract_statement(as_(LEADER), ref, int(op.args[0]), reason="有误")
        except YqError:
            continue
    reader = as_(LIAISON)
    report = verify(reader)
    assert report.ok, report.findings
    shown = queries.show(reader, ref)[0]
    assert shown.incident.ref == ref
    reader.close()


@pytest.mark.sqlite_only(reason="makes its own SQLite files: the fold is the same on any backend")
@pytest.mark.parametrize("variant", ["shipped", "milestone on an assign step"])
def test_write_path_and_replay_agree(variant: str, tmp_path: Path) -> None:
    plan = SHIPPED_PLAN
    if variant != "shipped":
        plan = tmp_path / "variant.yaml"
        plan.write_text(MILESTONE_ON_ASSIGN, encoding="utf-8")
    counter = iter(range(10_000))

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(_ops, min_size=3, max_size=14))
    def check(ops: list[_Op]) -> None:
        _run(tmp_path / f"case-{next(counter)}.db", plan, ops)

    check()


def test_snapshot_is_the_fold_of_the_events(env: Path) -> None:
    """The state kept beside the trail is exactly the replay, for a varied history."""
    from yuqing_cli.plan.files import load_plan
    from yuqing_cli.services import state as st_
    from yuqing_cli.store.db import Store

    ref = _incident_with_history()
    ok("grade", ref, "特别重大", "--reason", "扩散", user=LEADER)
    ok("note", ref, "备注", "--at", "2024-11-23 下午", user=MEMBER)
    store = Store.open(database())
    plan = load_plan(SHIPPED_PLAN)
    with store.read() as session:
        loaded = st_.load_for_write(session, plan, ref)
        assert codec.dumps(loaded.state) == loaded.row.state
    store.close()


# -- never harm a database that is not ours ---------------------------------------------


COMMANDS = [
    ["list"],
    ["list", "--all"],
    ["show", "YQ-20241123-001"],
    ["report"],
    ["export"],
    ["verify"],
    ["log"],
    ["db", "status"],
    ["--as", LIAISON, "new", "x"],
    ["--as", LIAISON, "routine", "done", "patrol"],
    ["db", "upgrade"],
]


def _foreign(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("INSERT INTO customers VALUES (1, 'A')")
    db.commit()
    db.close()


def _newer(path: Path) -> None:
    ok("--db", str(path), "--as", LIAISON, "new", "x")
    db = sqlite3.connect(path)
    db.execute("INSERT INTO _yq_migrations VALUES ('m099_future', '2030-01-01 00:00:00')")
    db.execute("PRAGMA user_version = 7")
    db.execute("PRAGMA journal_mode = DELETE")
    db.commit()
    db.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("kind", ["foreign", "newer", "not sqlite", "damaged"])
def test_a_database_that_is_not_ours_is_left_byte_identical(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    if kind == "foreign":
        _foreign(path)
    elif kind == "newer":
        _newer(path)
    elif kind == "not sqlite":
        path.write_bytes("这不是数据库\n".encode() * 50)
    else:
        _foreign(path)
        data = bytearray(path.read_bytes())
        data[100:4096] = b"\xff" * (4096 - 100)
        path.write_bytes(bytes(data))
    before = path.read_bytes()
    for args in COMMANDS:
        result = yq("--db", str(path), *args)
        assert result.exit_code in (1, 2), (kind, args, result.output)
        assert "Traceback" not in result.output and "internal error" not in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr
        assert path.read_bytes() == before, (kind, args)
        assert not (tmp_path / "other.db-wal").exists()
    if kind == "newer":
        result = yq("--db", str(path), "list")
        assert "newer yq" in result.stderr


def test_reading_a_missing_database_creates_nothing(env: Path) -> None:
    target = env / "nowhere" / "yq.db"
    for args in (["list"], ["report"], ["verify"], ["log"], ["export"], ["db", "status"]):
        result = yq("--db", str(target), *args)
        assert result.exit_code == 0, (args, result.output)
    assert not target.parent.exists()


BAD_INPUT = [
    (["list", "\udcff"], "not valid UTF-8"),
    (["--as", "李\udce4", "new", "x"], "not valid UTF-8"),
    (["--as", LIAISON, "new", "x", "--at", "0001-01-01"], "out of range"),
    (["--as", LIAISON, "new", "x", "--at", "9999-12-31"], "out of range"),
    (["report", "--date", "0001-01-01"], "out of range"),
    (["log", "--since", "9999-12-31"], "out of range"),
    (["--db", "postgresql+pg8000://u:secret@localhost/yq", "list"], "not installed"),
    (["--db", "nonsense+driver://u:secret@h/yq", "list"], "database"),
    (
        ["--db", "postgresql+psycopg://u:secret@127.0.0.1:1/yq", "list"],
        "connect" if importlib.util.find_spec("psycopg") else "not installed",
    ),
    (["--as", LIAISON, "new", "x", "--url", "u" * 3000], "too long"),
    (["--as", LIAISON, "new", "x", "--source", "s" * 3000], "too long"),
    (["--as", LIAISON, "routine", "done", "patrol", "--note", "n" * 30_000], "too long"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_never_exits_3(args: list[str], message: str, env: Path) -> None:
    exists = "://" in database() or (env / "yq.db").exists()
    before = event_count() if exists else 0
    result = yq(*args)
    assert result.exit_code in (1, 2), result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output and "secret" not in result.output
    assert "SELECT" not in result.output
    if exists:
        assert event_count() == before


def test_driver_errors_are_translated_without_sql() -> None:
    from sqlalchemy.exc import OperationalError

    from yuqing_cli.store.errors import translate

    for message, code in (
        ("database or disk is full", 1),
        ("attempt to write a readonly database", 1),
        ("file is not a database", 2),
        ("database disk image is malformed", 2),
    ):
        exc = OperationalError("SELECT secret FROM x WHERE a = ?", ("p@ss",), Exception(message))
        error = translate(exc, "/data/yq.db")
        assert isinstance(error, YqError) and int(error.exit_code) == code
        assert "SELECT" not in error.message and "p@ss" not in error.message


# -- output files ------------------------------------------------------------------------


def test_output_file_kinds(env: Path) -> None:
    new("事件", at="2024-11-23 09:00")
    regular = env / "ledger.csv"
    regular.write_text("old", encoding="utf-8")
    os.chmod(regular, 0o600)
    ok("export", "-o", str(regular))
    assert stat.S_IMODE(regular.stat().st_mode) == 0o600
    assert regular.read_text(encoding="utf-8-sig").startswith("序号")
    target = env / "real.csv"
    target.write_text("", encoding="utf-8")
    link = env / "link.csv"
    link.symlink_to(target)
    ok("export", "-o", str(link))
    assert link.is_symlink() and target.read_text(encoding="utf-8-sig").startswith("序号")
    fifo = env / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    ok("export", "-o", str(fifo))
    reader.join(timeout=30)
    assert received and "序号".encode() in received[0]
    assert yq("export", "-o", str(env / "no-such-dir" / "x.csv")).exit_code == 2
    piped = run_yq(["export", "-o", "/dev/stdout"])
    assert piped.returncode == 0 and "序号" in piped.stdout
    full = yq("export", "-o", "/dev/full")
    assert full.exit_code == 1 and "Traceback" not in full.output


# -- untrusted text, the plan's own included ----------------------------------------------


def test_invisible_characters_are_escaped_in_every_output() -> None:
    title = "正常\u202eevil\u200b\x85\x9b31m\U000e0041"
    ref = new(title, at="2024-11-23 09:00")
    raw = yq("show", ref, "--json").stdout
    for char in ("\u202e", "\u200b", "\x85", "\x9b", "\U000e0041"):
        assert char not in raw
    assert json.loads(raw)["title"] == title  # the escapes decode to the same text
    table = ok("show", ref).stdout
    assert "\u202e" not in table and "\\u202e" in table and "\\x9b" in table
    assert "\\U000e0041" in table


def test_full_width_formula_starts_are_neutralised() -> None:
    for value in ("＝1+1", "＋1", "－1", "＠SUM(A1)", "=1", "@x"):
        assert spreadsheet_safe(value).startswith("'")
    assert spreadsheet_safe("普通") == "普通"
