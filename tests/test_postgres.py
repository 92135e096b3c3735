"""A team on one PostgreSQL server: who acts is the server's login, writers cannot
rewrite history, a database moves between a file and the server, connection problems
are one line.

Every other test also runs on PostgreSQL when YQ_TEST_POSTGRES_URL is set (see
conftest.py); these need the server itself: its logins, grants and triggers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from yuqing_cli.services import audit

from conftest import (
    DEPUTY,
    LEADER,
    LIAISON,
    MEMBER,
    PgTest,
    new,
    ok,
    ok_json,
    run_yq,
    walk_until,
    with_login,
    yq,
    yq_bin,
)

pytestmark = pytest.mark.postgres_only


@dataclass
class Team:
    """Logins of a unit on the test's schema: writers linked to people, one not linked,
    a reader; the superuser (an administrator's login) set it up."""

    pg: PgTest
    urls: dict[str, str]  # person (or "unlinked", "reader") → the URL of their login
    logins: dict[str, str]  # the same → the login name

    def as_(self, who: str, *args: str, user: str | None = None) -> Any:
        return yq("--db", self.urls[who], *args, user=user)

    def ok(self, who: str, *args: str) -> Any:
        result = self.as_(who, *args)
        assert result.exit_code == 0, (who, args, result.stdout, result.stderr)
        return result

    def ok_json(self, who: str, *args: str) -> Any:
        return json.loads(self.ok(who, *args, "--json").stdout)


@pytest.fixture
def team(pg: PgTest) -> Team:
    people = {LEADER: "guoyan", MEMBER: "guojuntao", LIAISON: "lidan", DEPUTY: "zhangjianghui"}
    logins = {who: pg.login(name) for who, name in people.items()}
    logins["unlinked"] = pg.login("visitor")
    logins["reader"] = pg.login("auditor")
    writers = [logins[who] for who in (*people, "unlinked")]
    # The administrator (the superuser owns the schema): tables, grants, the first link.
    ok("db", "upgrade")
    ok(
        "db",
        "setup-roles",
        "--apply",
        *(a for w in writers for a in ("--writer", w)),
        "--reader",
        logins["reader"],
    )
    ok("people", "link", logins[LEADER], LEADER, user=LEADER)
    urls = {who: pg.url_as(login) for who, login in logins.items()}
    team = Team(pg, urls, logins)
    # The leader links the others with their own login.
    for who in (MEMBER, LIAISON, DEPUTY):
        team.ok(LEADER, "people", "link", logins[who], who)
    return team


def _events() -> list[dict[str, Any]]:
    return ok_json("log", "--since", "2000-01-01", "-n", "100000")


def _verify() -> dict[str, Any]:
    result = yq("verify", "--json")
    data: dict[str, Any] = json.loads(result.stdout)
    assert result.exit_code == (0 if data["ok"] else 1)
    return data


# -- identity ---------------------------------------------------------------------------


def test_a_linked_login_writes_as_its_person(team: Team) -> None:
    ref = team.ok_json(MEMBER, "new", "服务器上的事件", "-l", "重大", "--at", "2024-11-23 09:00")[
        "ref"
    ]
    team.ok(MEMBER, "done", ref, "assess")
    team.ok(MEMBER, "--as", MEMBER, "done", ref, "trace_source")  # --as may confirm it
    team.ok(LIAISON, "done", ref, "report_leading_group")
    team.ok(LEADER, "advance", ref)
    trail = ok_json("log", ref)
    assert [(e["actor"], e["login"]) for e in trail] == [
        (MEMBER, team.logins[MEMBER]),
        (MEMBER, team.logins[MEMBER]),
        (MEMBER, team.logins[MEMBER]),
        (LIAISON, team.logins[LIAISON]),
        (LEADER, team.logins[LEADER]),
    ]
    assert all(e["login_admin"] is False for e in trail)
    table = ok("log", ref).stdout
    assert team.logins[MEMBER] in table
    data = _verify()
    assert data["ok"], data
    by_login = {c["login"]: c for c in data["logins"]}
    assert by_login[team.logins[MEMBER]] == {
        "login": team.logins[MEMBER],
        "admin": False,
        "events": 3,
        "as": [MEMBER],
    }
    assert by_login["postgres"]["admin"] is True  # the set-up: adoption and first link


def test_acting_as_someone_else_is_refused_and_writes_nothing(team: Team) -> None:
    ref = team.ok_json(MEMBER, "new", "事件", "--at", "2024-11-23 09:00")["ref"]
    before = len(_events())
    for who, args in (
        (MEMBER, ("--as", LEADER, "advance", ref)),
        (MEMBER, ("--as", LIAISON, "note", ref, "冒名")),
        (LIAISON, ("--as", MEMBER, "done", ref, "assess")),
    ):
        result = team.as_(who, *args)
        assert result.exit_code == 1, result.output
        assert "may not act as" in result.stderr and len(result.stderr.splitlines()) == 2
    # YQ_USER is --as too.
    env = {"YQ_DB": team.urls[MEMBER], "YQ_USER": LEADER}
    refused = run_yq(["waive", ref, "assess", "--reason", "x"], env=env)
    assert refused.returncode == 1 and "may not act as" in refused.stderr
    assert len(_events()) == before


def test_an_unlinked_login_reads_but_does_not_write(team: Team) -> None:
    ref = team.ok_json(MEMBER, "new", "事件", "--at", "2024-11-23 09:00")["ref"]
    before = len(_events())
    assert team.ok_json("unlinked", "show", ref)["ref"] == ref
    team.ok("unlinked", "report", "--date", "2024-11-23")
    team.ok("reader", "list", "--all")
    for args in (("new", "无名"), ("--as", MEMBER, "note", ref, "x"), ("note", ref, "x")):
        result = team.as_("unlinked", *args)
        assert result.exit_code == 1, result.output
        assert "not linked to anyone" in result.stderr
        assert f"yq people link {team.logins['unlinked']}" in result.stderr
    # A reader's login is refused by the server itself, as one line.
    team.ok(LEADER, "people", "link", team.logins["reader"], LIAISON)
    refused = team.as_("reader", "note", ref, "x")
    assert refused.exit_code == 1 and "may not do this" in refused.stderr
    assert "Traceback" not in refused.output and "INSERT" not in refused.output
    assert len(_events()) == before + 1  # the link


def test_the_demo_needs_a_file_or_the_administrator(team: Team) -> None:
    """The demo plays several people: a personal login may not."""
    refused = team.as_(MEMBER, "demo")
    assert refused.exit_code == 1 and "acts as several people" in refused.stderr
    assert not [e for e in _events() if e["action"] == "create"]


def test_links_are_a_leaders_and_in_the_chain(team: Team) -> None:
    member = team.logins[MEMBER]
    # Nobody links themselves (or anyone) to a leader unless they may manage people.
    refused = team.as_(MEMBER, "people", "link", member, LEADER)
    assert refused.exit_code == 1 and "may not link logins" in refused.stderr
    refused = team.as_("unlinked", "people", "link", team.logins["unlinked"], LEADER)
    assert refused.exit_code == 1 and "not linked to anyone" in refused.stderr
    assert team.as_(LEADER, "people", "link", "nobody_here", MEMBER).exit_code == 2
    assert team.as_(LEADER, "people", "link", member, "不在名单").exit_code == 2
    # The leader moves a login to another person, and takes one away.
    moved = team.ok_json(LEADER, "people", "link", member, DEPUTY)
    assert moved == {
        "login": member,
        "person": DEPUTY,
        "previous": MEMBER,
        "changed": True,
        "event": moved["event"],
    }
    assert not team.ok_json(LEADER, "people", "link", member, DEPUTY)["changed"]
    team.ok(LEADER, "people", "unlink", team.logins[LIAISON])
    listed = team.ok_json(MEMBER, "people", "list")
    assert listed["login"] == member and listed["acting_as"] == DEPUTY
    assert {(x["login"], x["person"]) for x in listed["links"]} == {
        (team.logins[LEADER], LEADER),
        (member, DEPUTY),
        (team.logins[DEPUTY], DEPUTY),
    }
    assert "login linked" in ok("log", "-n", "20").stdout
    # The last login that may manage the links stays.
    last = team.as_(LEADER, "people", "unlink", team.logins[LEADER])
    assert last.exit_code == 1 and "leave no login" in last.stderr
    links = [e for e in _events() if e["action"] in ("link", "unlink")]
    assert [(e["action"], e["subject"], e["old"], e["new"]) for e in links][-2:] == [
        ("link", member, MEMBER, DEPUTY),
        ("unlink", team.logins[LIAISON], LIAISON, None),
    ]
    assert _verify()["ok"]


@contextmanager
def _server(url: str) -> Iterator[Connection]:
    """A plain connection to the server as the login of ``url``, as its own SQL would."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _forge(conn: Connection, **fields: Any) -> None:
    """Append an event with a correct hash, by hand, as the connection's login."""
    head = conn.execute(text("SELECT hash FROM event ORDER BY id DESC LIMIT 1")).scalar_one()
    version = conn.execute(text("SELECT version FROM plan_version LIMIT 1")).scalar_one()
    login = conn.execute(text("SELECT session_user")).scalar_one()
    now = datetime.now(UTC)
    content = {
        "incident_id": None,
        "seq": 0,
        "subject": "",
        "old": None,
        "new": None,
        "note": "",
        "happened_at": now,
        "recorded_at": now,
        "plan_version": version,
        "data": None,
        "login": login,
        "login_admin": False,
        **fields,
    }
    digest = audit.event_hash(head, content)
    row = {**content, "prev_hash": head, "hash": digest}
    for key in ("happened_at", "recorded_at"):
        row[key] = row[key].replace(tzinfo=None)
    conn.execute(
        text(f"INSERT INTO event ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"),
        row,
    )


def test_a_writer_cannot_forge_who_acted(team: Team) -> None:
    member = team.logins[MEMBER]
    # The server refuses an event that names another login, or claims an administrator's.
    for fields in ({"login": team.logins[LEADER]}, {"login_admin": True}, {"login": None}):
        with pytest.raises(DBAPIError, match="must name the login"):
            with _server(team.urls[MEMBER]) as conn:
                _forge(conn, action="routine", actor=MEMBER, subject="patrol", **fields)
    # An event with its own login but another actor goes in, and verify names it.
    with _server(team.urls[MEMBER]) as conn:
        _forge(conn, action="routine", actor=LEADER, subject="patrol")
    data = _verify()
    assert not data["ok"] and data["breach"] is None
    assert any(
        f["kind"] == "identity" and member in f["detail"] and LEADER in f["detail"]
        for f in data["findings"]
    ), data


def test_a_forged_link_links_nobody(team: Team) -> None:
    member = team.logins[MEMBER]
    with _server(team.urls[MEMBER]) as conn:
        # As itself, to a leader: not entitled. As the leader: not its person.
        _forge(conn, action="link", actor=MEMBER, subject=member, old=MEMBER, new=LEADER)
        _forge(conn, action="link", actor=LEADER, subject=member, old=MEMBER, new=LEADER)
        # And the projection table edited to match: commands never read it to decide.
        conn.execute(
            text("UPDATE person_login SET person = :p WHERE login = :l"), {"p": LEADER, "l": member}
        )
    ref = team.ok_json(LEADER, "new", "事件", "--at", "2024-11-23 09:00")["ref"]
    refused = team.as_(MEMBER, "--as", LEADER, "waive", ref, "assess", "--reason", "x")
    assert refused.exit_code == 1 and f"is {MEMBER}'s" in refused.stderr
    assert team.ok_json(MEMBER, "note", ref, "仍是本人")["ref"] == ref
    assert ok_json("log", ref)[-1]["actor"] == MEMBER
    # Linking refuses to build on an edited table.
    edited = team.as_(LEADER, "people", "link", team.logins[LIAISON], MEMBER)
    assert edited.exit_code == 1 and "do not match the audit trail" in edited.stderr
    findings = _verify()["findings"]
    kinds = {(f["kind"], f["where"]) for f in findings}
    assert ("projection", "person_login") in kinds
    assert sum(1 for f in findings if f["kind"] in ("rights", "identity")) == 2, findings


def test_a_writer_cannot_rewrite_history(team: Team) -> None:
    team.ok_json(MEMBER, "new", "事件", "--at", "2024-11-23 09:00")
    attempts = (
        "UPDATE event SET actor = 'x' WHERE id = 1",
        "DELETE FROM event WHERE id = 1",
        "TRUNCATE event",
        "DROP TRIGGER event_append_only ON event",
        "DROP TRIGGER event_login ON event",
        "ALTER TABLE event DISABLE TRIGGER event_append_only",
        "DROP TABLE event",
        "ALTER TABLE event ADD COLUMN x INTEGER",
        "CREATE TABLE event_copy (id INTEGER)",
        "UPDATE plan_version SET text = 'x'",
        "SET session_replication_role = replica",
    )
    for statement in attempts:
        with pytest.raises(DBAPIError, match="permission denied|must be owner"):
            with _server(team.urls[MEMBER]) as conn:
                conn.execute(text(statement))
    # A reader writes nothing at all.
    for statement in (
        "INSERT INTO incident (id) VALUES (99)",
        "DELETE FROM step_record",
        "INSERT INTO event (id) VALUES (99)",
    ):
        with pytest.raises(DBAPIError, match="permission denied"):
            with _server(team.urls["reader"]) as conn:
                conn.execute(text(statement))
    assert _verify()["ok"]


def test_setup_roles_prints_exactly_the_grants(team: Team, pg: PgTest, tmp_path: Path) -> None:
    sql = ok("db", "setup-roles", "--writer", "someone", "--reader", "inspector").stdout
    statements = [line for line in sql.splitlines() if not line.startswith("--")]
    grants = [s for s in statements if s.startswith("GRANT")]
    assert f'GRANT SELECT, INSERT ON "{pg.schema}"."event" TO "someone";' in grants
    assert not any("UPDATE" in g and '"event"' in g for g in grants)
    assert f'GRANT SELECT ON "{pg.schema}"."event" TO "inspector";' in grants
    assert all("inspector" not in g or g.startswith("GRANT SELECT ON") or "USAGE ON SCHEMA" in g
               or "CONNECT" in g for g in grants)  # fmt: skip
    notes = yq("db", "setup-roles", "--writer", "someone").stderr
    assert "does not exist yet" in notes
    assert yq("db", "setup-roles", "--apply", "--writer", "someone").exit_code == 2
    assert "grants cannot limit" in yq("db", "setup-roles", "--writer", "postgres").stderr
    # Only the owner applies them.
    refused = team.as_(LEADER, "db", "setup-roles", "--apply", "--writer", team.logins[MEMBER])
    assert refused.exit_code == 1 and "only the database's owner" in refused.stderr
    assert yq("db", "setup-roles").exit_code == 2
    sqlite = yq("--db", str(tmp_path / "file.db"), "db", "setup-roles", "--writer", "x")
    assert sqlite.exit_code == 2 and "PostgreSQL" in sqlite.stderr


def test_the_administrators_login_acts_as_named(pg: PgTest) -> None:
    """The owner (here the superuser) could drop the triggers anyway: like a file's owner,
    it acts as --as names, and its events say so."""
    ref = new("管理员录入", at="2024-11-23 09:00", user=MEMBER)
    ok("note", ref, "代录", user=LIAISON)
    trail = ok_json("log", ref)
    assert [(e["actor"], e["login"], e["login_admin"]) for e in trail] == [
        (MEMBER, "postgres", True),
        (LIAISON, "postgres", True),
    ]
    assert "postgres*" in ok("log", ref).stdout
    assert _verify()["ok"]
    assert ok_json("people", "list")["admin"] is True
    assert "administrator's" in ok("people", "list").stdout


def test_people_on_sqlite(tmp_path: Path) -> None:
    """On a SQLite file nothing changes: --as names who acts, and there are no logins."""
    db = str(tmp_path / "file.db")
    ok("--db", db, "new", "文件中的事件", user=MEMBER)
    refused = yq("--db", db, "people", "link", "guoyan", LEADER, user=LEADER)
    assert refused.exit_code == 1 and "belong to a database server" in refused.stderr
    assert ok_json("--db", db, "people", "list") == {
        "server": False,
        "login": None,
        "admin": False,
        "acting_as": None,
        "links": [],
    }
    assert "SQLite file" in ok("--db", db, "people", "list").stdout
    assert ok_json("--db", db, "log", "-n", "1")[0]["login"] is None


# -- moving between a file and the server -----------------------------------------------


def _history() -> str:
    """A varied history: incidents, steps, a routine run, a re-grade."""
    ref = new("迁移中的事件", level="重大", at="2024-11-23 09:00", user=MEMBER)
    walk_until(ref, "reported")
    ok("assign", ref, "spokesperson", "秦可娟", user=LEADER)
    ok("grade", ref, "特别重大", "--reason", "扩散", user=LEADER)
    ok("routine", "done", "patrol", "--zero", user=LIAISON)
    new("第二件", at="2024-11-23 10:00", extra=["--url", "https://x/1"], user=MEMBER)
    return ref


def test_copy_round_trip_keeps_the_chain(
    pg: PgTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tmp_path / "first.db"
    back = tmp_path / "back.db"
    monkeypatch.setenv("YQ_DB", str(first))  # the history is made in a file
    ref = _history()
    file_head = _verify()["head"]
    copied = ok("--db", str(first), "db", "copy", "--to", pg.url)
    assert "copied" in copied.stdout and file_head in copied.stdout
    assert len(copied.stdout.strip().splitlines()) == 1
    monkeypatch.setenv("YQ_DB", pg.url)
    server = _verify()
    assert server["ok"] and server["head"] == file_head
    # The server goes on from there: ids continue, the chain too.
    ok("note", ref, "迁移后", user=MEMBER)
    head = _verify()["head"]
    assert int(head.split(":")[0]) == int(file_head.split(":")[0]) + 1
    ok("db", "copy", "--to", str(back))
    on_server = _events()
    monkeypatch.setenv("YQ_DB", str(back))
    assert _verify()["head"] == head
    assert _events() == on_server  # every event, with its login
    by_login = {e["login"]: e for e in on_server}
    assert set(by_login) == {None, "postgres"} and by_login["postgres"]["note"] == "迁移后"
    # A target with data is refused and left as it was.
    before = back.read_bytes()
    again = yq("--db", pg.url, "db", "copy", "--to", str(back))
    assert again.exit_code == 1 and "already holds data" in again.stderr
    assert back.read_bytes() == before
    onto_server = yq("--db", str(first), "db", "copy", "--to", pg.url)
    assert onto_server.exit_code == 1 and "already holds data" in onto_server.stderr
    monkeypatch.setenv("YQ_DB", pg.url)
    assert _verify()["head"] == head


def test_copy_refuses_what_is_not_empty_or_not_there(pg: PgTest, tmp_path: Path) -> None:
    missing = yq("--db", str(tmp_path / "none.db"), "db", "copy", "--to", pg.url)
    assert missing.exit_code == 1 and "no database" in missing.stderr
    new("事件", at="2024-11-23 09:00", user=MEMBER)
    same = yq("db", "copy", "--to", pg.url)
    assert same.exit_code == 2
    foreign = tmp_path / "foreign.db"
    import sqlite3

    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    refused = yq("db", "copy", "--to", str(foreign))
    assert refused.exit_code in (1, 2) and foreign.read_bytes() == before


# -- connection problems ----------------------------------------------------------------


def test_connection_problems_are_one_line(pg: PgTest) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(pg.url)
    down = url.set(port=1, password="s3cret").render_as_string(hide_password=False)
    unknown = url.set(database="no_such_db_here", password="s3cret").render_as_string(
        hide_password=False
    )
    for location, code, words in (
        (down, 1, "cannot connect"),
        (unknown, 2, "does not exist"),
    ):
        for args in (["list"], ["--as", MEMBER, "new", "x"], ["verify"], ["db", "status"]):
            result = run_yq(["--db", location, *args])
            assert result.returncode == code, (args, result.stderr)
            assert words in result.stderr and "s3cret" not in result.stderr
            assert ":***@" in result.stderr
            assert len(result.stderr.strip().splitlines()) == 2  # the error and a hint
            assert "Traceback" not in result.stderr


PASSWORD_GROUP = "yq_password_login"  # .ci/run's pg_hba.conf asks its members for passwords


def test_a_wrong_password_is_one_line(pg: PgTest) -> None:
    login = pg.login("pw", password="right-one")
    if not pg.sql("SELECT 1 FROM pg_roles WHERE rolname = :r", r=PASSWORD_GROUP):
        pytest.skip(f"the server has no role {PASSWORD_GROUP} whose members need a password")
    pg.server.run(f"GRANT {PASSWORD_GROUP} TO {pg.server.quote(login)}")
    wrong = with_login(pg.url, login, "wrong-one")
    right = yq("--db", with_login(pg.url, login, "right-one"), "list")
    result = run_yq(["--db", wrong, "list"])
    if result.returncode == 0:
        pytest.skip("this server trusts the login without a password (pg_hba.conf)")
    assert right.exit_code == 0
    assert result.returncode == 1 and "refused the login" in result.stderr
    assert "wrong-one" not in result.stderr and ":***@" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2


# -- many writers ---------------------------------------------------------------------------


WORKER = r"""
import json, subprocess, sys
yq, url, ref, me = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
steps = ["assess", "trace_source", "report_leading_group"]
def run(*args):
    p = subprocess.run([yq, "--db", url, *args], capture_output=True, text=True)
    if p.returncode:
        print(args, p.returncode, p.stderr.strip(), flush=True)
    return p
own = json.loads(run("new", f"并发 {me}", "--at", "2024-11-23 10:00", "--json").stdout)["ref"]
run("note", ref, f"{me}")
run("done", own, steps[me % 3])
run("note", own, "自己的")
"""


@pytest.mark.processes
def test_eight_writers_with_their_own_logins(pg: PgTest) -> None:
    """Eight members at once, each with their own login: every command goes through,
    exactly the events expected are there, no reference or number twice, verify holds."""
    ok("db", "upgrade")
    logins = [pg.login(f"w{n}") for n in range(8)]
    ok("db", "setup-roles", "--apply", *(a for w in logins for a in ("--writer", w)))
    for login in logins:
        ok("people", "link", login, MEMBER, user=LEADER)
    shared = new("共享", at="2024-11-23 09:00", user=MEMBER)
    before = len(_events())
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, yq_bin(), pg.url_as(login), shared, str(n)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        for n, login in enumerate(logins)
    ]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert "".join(outputs) == ""
    events = _events()
    assert len(events) == before + 8 * 4
    assert len({e["id"] for e in events}) == len(events)
    refs = [i["ref"] for i in ok_json("list", "--all")]
    assert len(refs) == len(set(refs)) == 1 + 8
    trail = ok_json("log", shared)
    assert [e["seq"] for e in trail] == list(range(1, 10))
    assert {e["login"] for e in trail[1:]} == set(logins)
    report = _verify()
    assert report["ok"] and report["findings"] == []
    counts = {c["login"]: c["events"] for c in report["logins"]}
    assert all(counts[login] == 4 for login in logins)
