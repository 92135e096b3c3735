"""Faults that are not bugs (issue 22): a full disk, a time edited by hand — exit 1 with
one message and its hint, never "internal error" (exit 3); and a document that cannot be
written leaves no issued report behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from conftest import LEADER, MEMBER, new, ok, ok_json, tampering, yq, yq_bin

FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full")


def _to_full_disk(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed yq with its stdout on a full disk."""
    with FULL.open("w") as full:
        return subprocess.run(
            [yq_bin(), *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
            timeout=120,
            check=False,
        )


def _one_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("yq: error: "), lines
    assert lines[1].startswith("hint: ")
    for word in ("internal error", "Traceback", "Exception ignored"):
        assert word not in result.stderr
    return lines[0]


@needs_dev_full
def test_output_to_a_full_disk_exits_1_with_one_message(clock: Any) -> None:
    clock.set("2024-11-23 18:00")
    ref = new(level="重大", at="2024-11-23 09:00")
    ok("note", ref, "备注", user=MEMBER)
    for args in (
        ("log",),
        ("show", ref),
        ("export",),
        ("verify", "--json"),
        ("report", "--date", "2024-11-23", "-f", "docx"),
        ("list", "--json"),
        ("--help",),
    ):
        message = _one_error(_to_full_disk(*args))
        assert "cannot write the output: No space left on device" in message, args
    events = len(ok_json("log", ref))
    result = _to_full_disk("--as", MEMBER, "note", ref, "再记一条")
    _one_error(result)
    assert "recorded stands" in result.stderr  # the note was committed before printing
    assert len(ok_json("log", ref)) == events + 1


@pytest.mark.sqlite_only  # a server's timestamp column holds only timestamps
def test_a_time_edited_by_hand_is_reported_not_a_crash() -> None:
    ref = new(at="2024-11-23 09:00")
    ok("note", ref, "备注", user=MEMBER)
    with tampering() as conn:
        conn.execute(text("UPDATE event SET happened_at = 'yesterday' WHERE action = 'note'"))
    for args in (("log", ref), ("show", ref), ("log",)):
        result = yq(*args)
        assert result.exit_code == 1, (args, result.exception)
        assert "a time yq never writes ('yesterday')" in result.stderr
        assert "internal error" not in result.stderr
    verified = yq("verify")
    assert verified.exit_code == 1 and "BROKEN at event" in verified.stdout
    with tampering() as conn:
        conn.execute(text("UPDATE incident SET detected_at = '2024-13-45 99:00:00.000000'"))
    for args in (("list",), ("report", "--date", "2024-11-23"), ("export",)):
        result = yq(*args)
        assert result.exit_code == 1, (args, result.exception)
        assert "2024-13-45" in result.stderr and "yq verify" in result.stderr


@needs_dev_full
def test_an_issue_whose_document_cannot_be_written_records_nothing(clock: Any) -> None:
    """`report issue -o /dev/full` fails before the issue is committed: the retry, without
    --revision, is No. 1."""
    clock.set("2024-11-23 18:00")
    new(at="2024-11-23 09:00")
    for fmt in ("docx", "markdown", "csv"):
        failed = yq("report", "issue", "-f", fmt, "-o", str(FULL), user=LEADER)
        assert failed.exit_code == 1, failed.stdout
        assert "No space left on device" in failed.stderr
        assert ok_json("report", "list") == []
    printed = _to_full_disk("--as", LEADER, "report", "issue", "-f", "markdown")
    _one_error(printed)
    assert ok_json("report", "list") == []
    issued = ok_json("report", "issue", user=LEADER)
    assert (issued["number"], issued["total"]) == (1, 1)
    assert [r["total"] for r in ok_json("report", "list")] == [1]
