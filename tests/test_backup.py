"""Backups (issue 22): `yq db backup` copies a SQLite file while others write, verifies the
copy and prints its head; `yq db restore` brings it back into an empty database, refusing
one that does not verify; the restore drill of docs/team.md runs."""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import (
    LEADER,
    LIAISON,
    MEMBER,
    REPO,
    new,
    ok,
    ok_json,
    run_yq,
    yq,
    yq_bin,
)

HEAD = re.compile(r"head (\d+):([0-9a-f]{64})")


def _history(db: str | None = None) -> None:
    extra = ["--db", db] if db else []
    ref = new("事件一", level="重大", at="2024-11-23 09:00", extra=extra)
    ok(*extra, "done", ref, "assess", "--note", "研判", user=MEMBER)
    ok(*extra, "waive", ref, "trace_source", "--reason", "已知", user=LEADER)
    ok(*extra, "note", ref, "备注", user=MEMBER)


def _head(output: str) -> str:
    found = HEAD.search(output)
    assert found is not None, output
    return f"{found[1]}:{found[2]}"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only
def test_a_backup_is_private_verified_and_restores_to_the_same_head(env: Path) -> None:
    _history()
    live = ok_json("verify", "--json")["head"]
    before = os.umask(0)
    try:
        made = ok("db", "backup", str(env / "backups" / "b1.db"))
    finally:
        os.umask(before)
    backup = env / "backups" / "b1.db"
    assert _head(made.stdout) == live and "verified" in made.stdout
    assert (_mode(backup), _mode(backup.parent)) == (0o600, 0o700)
    assert sorted(p.name for p in backup.parent.iterdir()) == ["b1.db"]  # one file, no WAL
    assert ok_json("--db", str(backup), "verify", "--json")["head"] == live
    restored = env / "restored.db"
    result = ok("--db", str(restored), "db", "restore", str(backup))
    assert _head(result.stdout) == live
    assert _mode(restored) == 0o600
    assert ok_json("--db", str(restored), "verify", "--json")["head"] == live
    assert ok_json("--db", str(restored), "list", "--all") == ok_json("list", "--all")
    # never over a file, never into a database that holds data
    again = yq("db", "backup", str(backup))
    assert again.exit_code == 1 and "never replaces a file" in again.stderr
    twice = yq("--db", str(restored), "db", "restore", str(backup))
    assert twice.exit_code == 1 and "already holds data" in twice.stderr


def test_a_backup_restores_onto_the_test_database(env: Path) -> None:
    """A SQLite backup brought into the test's database: a new file, or on the CI's
    server run an empty PostgreSQL schema."""
    source = str(env / "desk.db")
    _history(source)
    made = ok("--db", source, "db", "backup", str(env / "desk-backup.db"))
    result = ok("db", "restore", str(env / "desk-backup.db"))
    assert _head(result.stdout) == _head(made.stdout)
    assert ok_json("verify", "--json")["head"] == _head(made.stdout)


@pytest.mark.postgres_only
def test_a_server_is_backed_up_with_its_own_tools(env: Path) -> None:
    _history()
    result = yq("db", "backup", str(env / "server.db"))
    assert result.exit_code == 2 and "pg_dump" in result.stderr
    assert not (env / "server.db").exists()


@pytest.mark.sqlite_only
def test_a_database_that_does_not_verify_is_not_backed_up(env: Path) -> None:
    _history()
    db = sqlite3.connect(env / "yq.db")
    db.execute("DROP TRIGGER event_no_update")
    db.execute("UPDATE event SET note = '改过' WHERE id = 3")
    db.commit()
    db.close()
    result = yq("db", "backup", str(env / "bad.db"))
    assert result.exit_code == 1 and "does not verify" in result.stderr
    assert "event 3" in result.stderr and "nothing was kept" in result.stderr
    assert not [p for p in env.iterdir() if "backup" in p.name or p.name.startswith("bad")]


@pytest.mark.sqlite_only
def test_a_backup_whose_chain_is_broken_is_not_restored(env: Path) -> None:
    _history()
    backup = env / "b.db"
    ok("db", "backup", str(backup))
    db = sqlite3.connect(backup)
    db.execute("DROP TRIGGER event_no_delete")
    db.execute("DELETE FROM event WHERE id = 4")
    db.commit()
    db.close()
    target = env / "new.db"
    result = yq("--db", str(target), "db", "restore", str(backup))
    assert result.exit_code == 1 and "does not verify" in result.stderr
    assert "nothing was restored" in result.stderr
    assert not target.exists()
    missing = yq("--db", str(target), "db", "restore", str(env / "no-such.db"))
    assert missing.exit_code == 1 and not target.exists()


WRITER = r"""
import subprocess, sys
yq, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = "".join(
    f'new "{tag} 第{i}条" --level 一般 --at "2024-11-23 09:00"\n' for i in range(count)
)
p = subprocess.run([yq, "--as", "李丹", "batch", "-"], input=lines, text=True,
                   capture_output=True)
if p.returncode != 0:
    print(f"FAIL {tag}: {p.stderr.strip()}", flush=True)
"""


@pytest.mark.processes
@pytest.mark.sqlite_only(reason="the SQLite online backup; a server: pg_dump")
def test_a_backup_made_while_four_writers_run_is_complete(env: Path) -> None:
    """Four processes log incidents while backups are taken: each backup is one moment of
    the database — it verifies (every incident matches its trail), its chain has no gap,
    and its head is an event of the live chain with the same hash; a restore of it
    reproduces that head."""
    new("开始", at="2024-11-23 09:00", user=LIAISON)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, yq_bin(), "40", f"w{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ},
        )
        for i in range(4)
    ]
    heads = []
    try:
        while any(w.poll() is None for w in writers):
            target = env / f"backup-{len(heads)}.db"
            made = run_yq(["db", "backup", str(target)])
            assert made.returncode == 0, made.stderr
            heads.append((target, _head(made.stdout)))
    finally:
        outputs = [w.communicate(timeout=600)[0] for w in writers]
    assert "".join(outputs) == ""
    assert heads, "no backup was made while the writers ran"
    final = ok_json("verify", "--json")
    assert final["events"] == 2 + 4 * 40  # the adoption, the first incident, 160 more
    for target, head in heads:
        checked = ok_json("--db", str(target), "verify", "--json")
        assert checked["ok"] and checked["head"] == head
        head_id = int(head.split(":")[0])
        assert checked["events"] == head_id  # every event up to its head: no gap
        assert run_yq(["verify", "--anchor", head]).returncode == 0  # part of the live chain
    target, head = heads[-1]
    restored = env / "restored.db"
    assert _head(ok("--db", str(restored), "db", "restore", str(target)).stdout) == head
    assert ok_json("--db", str(restored), "verify", "--json")["head"] == head


@pytest.mark.sqlite_only
def test_the_restore_drill_of_the_team_guide_runs(env: Path) -> None:
    """The commands of docs/team.md's restore drill, as written there, with the head the
    backup prints in the place of ID:HASH."""
    guide = (REPO / "docs" / "team.md").read_text(encoding="utf-8")
    drill = guide.split("**The restore drill**", 1)[1]
    block = re.search(r"```sh\n(.*?)```", drill, re.S)
    assert block is not None
    _history()
    head = ""
    commands = [line.split("#", 1)[0].strip() for line in block[1].splitlines()]
    assert len(commands) == 4
    for i, command in enumerate(commands):
        argv = shlex.split(command.replace("ID:HASH", head))
        assert argv[0] == "yq"
        result = run_yq(argv[1:], cwd=env)
        assert result.returncode == 0, (command, result.stderr)
        if i == 0:
            head = _head(result.stdout)
        if " restore " in command:
            assert _head(result.stdout) == head
    assert (env / "restored.db").is_file()
