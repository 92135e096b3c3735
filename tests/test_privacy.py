"""Private by default (issue 22): the data directory, the database, its -wal/-shm and the
plan cache are the owner's alone whatever the umask; `yq db status` says when they are
not; a read cannot lock the owner out; a cache others could write decides nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from yuqing_cli.store.db import Store

from conftest import LEADER, LIAISON, MEMBER, new, ok, run_yq, yq

pytestmark = pytest.mark.sqlite_only

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534  # another account's uid (chown needs root)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_000() -> Iterator[None]:
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def _journal_modes(db: Path) -> tuple[int, int]:
    """The modes of the -wal and -shm files SQLite makes while yq writes."""
    store = Store.open(str(db))
    try:
        with store.write() as session:
            session.connection().exec_driver_sql("CREATE TABLE scratch (a)")
            modes = mode(Path(f"{db}-wal")), mode(Path(f"{db}-shm"))
            session.rollback()
    finally:
        store.close()
    return modes


# -- 4. the database --------------------------------------------------------------------


def test_a_fresh_database_directory_wal_and_cache_are_private_under_umask_000(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_000: None
) -> None:
    monkeypatch.delenv("YQ_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    new()
    data = tmp_path / "data" / "yuqing-cli"
    db = data / "yq.db"
    assert db.is_file()
    assert (mode(tmp_path / "data"), mode(data), mode(db)) == (0o700, 0o700, 0o600)
    assert _journal_modes(db) == (0o600, 0o600)
    cache = tmp_path / "cache" / "yuqing-cli"
    entries = list((cache / "plans").glob("*.json"))
    assert entries
    assert (mode(tmp_path / "cache"), mode(cache), mode(cache / "plans")) == (0o700,) * 3
    assert {mode(e) for e in entries} == {0o600}


def test_a_database_shared_through_a_group_keeps_its_mode_in_its_journals(
    env: Path,
) -> None:
    """docs/team.md shares a file with a group (0660): the -wal/-shm that any member's
    command makes are 0660 too, whatever that member's umask, so nobody is locked out."""
    new()
    db = env / "yq.db"
    os.chmod(db, 0o660)
    before = os.umask(0o077)
    try:
        assert _journal_modes(db) == (0o660, 0o660)
    finally:
        os.umask(before)


def test_db_status_warns_when_others_can_reach_the_files(env: Path) -> None:
    new()
    db = env / "yq.db"
    assert mode(db) == 0o600
    quiet = yq("db", "status")
    assert quiet.exit_code == 0 and "warning" not in quiet.stderr
    os.chmod(db, 0o644)
    os.chmod(env, 0o755)
    try:
        loud = yq("db", "status")
        assert loud.exit_code == 0 and "applied m001_initial" in loud.stdout
        assert f"{db} can be read by every account on this machine (mode 0644)" in loud.stderr
        assert f"the directory {env} is open to every account" in loud.stderr
        assert "docs/team.md" in loud.stderr
        os.chmod(db, 0o666)
        assert "can be changed by every account" in yq("db", "status").stderr
    finally:
        os.chmod(env, 0o700)


@pytest.mark.skipif(not ROOT, reason="needs root to give a file to another account")
def test_db_status_names_a_journal_file_of_another_account(env: Path) -> None:
    new()
    wal = Path(f"{env / 'yq.db'}-wal")
    wal.write_bytes(b"")
    os.chown(wal, NOBODY, NOBODY)
    assert f"{wal} belongs to another account" in yq("db", "status").stderr


def test_a_read_by_an_account_that_cannot_write_leaves_no_files_behind(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite makes -wal/-shm owned by whoever opens a WAL database nobody has open; an
    account that cannot write the file could not remove them, and the owner's next write
    would fail. Such a read is refused while nobody has it open, allowed when they are
    there already."""
    ref = new()
    db = env / "yq.db"
    assert not Path(f"{db}-shm").exists()
    from yuqing_cli.store import privacy

    real = os.access
    monkeypatch.setattr(privacy.os, "access", lambda p, m: False if m == os.W_OK else real(p, m))
    for args in (("list",), ("show", ref), ("verify",), ("db", "status")):
        refused = yq(*args)
        assert refused.exit_code == 1, (args, refused.stdout)
        assert "lock its owner out" in refused.stderr and "yq db backup" in refused.stderr
    assert sorted(p.name for p in env.iterdir() if p.name.startswith("yq.db")) == ["yq.db"]
    owner = sqlite3.connect(db)  # the owner has it open: -wal and -shm are there
    try:
        owner.execute("SELECT count(*) FROM event").fetchone()
        assert yq("show", ref).exit_code == 0
    finally:
        owner.close()


# -- 3. the plan cache ------------------------------------------------------------------


def _cache_entries(env: Path) -> list[Path]:
    return sorted((env / "cache" / "yuqing-cli" / "plans").glob("*.json"))


def _poison(entry: Path, person: str) -> None:
    """Make ``person`` a leader in a cache entry (its text and version untouched)."""
    data = json.loads(entry.read_text(encoding="utf-8"))
    for someone in data["people"]:
        if someone["name"] == person:
            someone["roles"] = [*someone["roles"], "leader"]
    entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _member_is_leader() -> bool:
    """Does this run's plan (through the cache) take the member for a leader?"""
    result = yq("--as", MEMBER, "plan", "show", "--json")
    assert result.exit_code == 0, result.stderr
    people = {p["name"]: p["roles"] for p in json.loads(result.stdout)["people"]}
    return "leader" in people[MEMBER]


def test_verify_parses_every_plan_afresh_whatever_the_cache_says(env: Path) -> None:
    """The account's own cache edited to make a member a leader fools its commands (as an
    edited program would) — but not `yq verify`, which parses the stored text."""
    ref = new(level="重大")
    ok("verify")
    (entry,) = _cache_entries(env)
    _poison(entry, MEMBER)
    assert _member_is_leader()
    assert yq("waive", ref, "trace_source", "--reason", "已知", user=LIAISON).exit_code == 1
    ok("waive", ref, "trace_source", "--reason", "已知", user=MEMBER)  # a leader's act
    result = run_yq(["verify"])  # a process of its own: nothing parsed before
    assert result.returncode == 1
    assert f"recorded by {MEMBER}, who was not entitled" in result.stdout


def test_a_cache_others_could_write_is_closed_emptied_and_rebuilt(env: Path) -> None:
    new()
    (entry,) = _cache_entries(env)
    plans = entry.parent
    _poison(entry, MEMBER)
    os.chmod(plans, 0o777)
    assert not _member_is_leader()
    assert mode(plans) == 0o700
    (rebuilt,) = _cache_entries(env)
    assert MEMBER in rebuilt.read_text(encoding="utf-8")
    assert not _member_is_leader()
    _poison(rebuilt, MEMBER)
    os.chmod(rebuilt, 0o666)  # an entry others could write is not read
    assert not _member_is_leader()
    assert mode(_cache_entries(env)[0]) == 0o600


def test_a_linked_cache_entry_is_not_followed(env: Path) -> None:
    new()
    (entry,) = _cache_entries(env)
    poisoned = env / "elsewhere.json"
    poisoned.write_text(entry.read_text(encoding="utf-8"), encoding="utf-8")
    _poison(poisoned, MEMBER)
    os.chmod(poisoned, 0o600)
    entry.unlink()
    entry.symlink_to(poisoned)
    assert not _member_is_leader()


@pytest.mark.skipif(not ROOT, reason="needs root to give files to another account")
def test_a_cache_of_another_account_is_neither_read_nor_written(env: Path) -> None:
    new()
    (entry,) = _cache_entries(env)
    _poison(entry, MEMBER)
    os.chown(entry, NOBODY, NOBODY)
    assert not _member_is_leader()  # an entry of another account is not read
    plans = entry.parent
    _poison(entry, MEMBER)
    os.chown(entry, NOBODY, NOBODY)
    os.chown(plans, NOBODY, NOBODY)
    assert not _member_is_leader()
    assert entry.stat().st_uid == NOBODY  # not rebuilt in a directory that is not ours
    assert yq("--as", LEADER, "plan", "check").exit_code == 0
