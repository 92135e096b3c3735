"""The scale-out path (R-NF-6): the same commands on PostgreSQL.

Runs only when YQ_TEST_POSTGRES_URL names an empty database the test may fill, e.g.
``postgresql+psycopg://yq:yq@127.0.0.1/yqtest`` (with ``pip install "psycopg[binary]"``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import LEADER, MEMBER, ok, ok_json, run_yq, yq, yq_bin

URL = os.environ.get("YQ_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not URL, reason="YQ_TEST_POSTGRES_URL is not set")


@pytest.fixture
def pg(monkeypatch: pytest.MonkeyPatch) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    monkeypatch.setenv("YQ_DB", URL)
    return URL


def test_workflow_and_audit_on_postgres(pg: str) -> None:
    ref = ok_json("new", "PG 事件", "-l", "重大", "--at", "2024-11-23 09:00", user=MEMBER)["ref"]
    ok("done", ref, "assess", user=MEMBER)
    assert yq("advance", ref, user=LEADER).exit_code == 1
    ok("waive", ref, "trace_source", "--reason", "已知", user=LEADER)
    ok("done", ref, "report_leading_group", user=MEMBER)
    assert ok_json("advance", ref, user=LEADER)["stage"] == "reported"
    assert json.loads(ok("report", "--date", "2024-11-23", "--json").stdout)["date"]
    ok("verify")

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(pg)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE event SET actor = 'x' WHERE id = 1"))
    engine.dispose()


def test_concurrent_writers_on_postgres(pg: str) -> None:
    """Four processes mixing `new`, `note` and `done`: the reference, the incident's
    sequence numbers and the chain head are all chosen under one lock, so there are no
    errors, no duplicates, and verify holds."""
    ref = ok_json("new", "共享", "--at", "2024-11-23 09:00", user=MEMBER)["ref"]
    script = (
        "import subprocess, sys\n"
        "yq, ref, me = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
        "steps = ['assess', 'trace_source', 'report_leading_group']\n"
        "for i in range(8):\n"
        "    if i % 3 == 0:\n"
        "        args = ['new', f'并发 {me}-{i}', '--at', '2024-11-23 10:00']\n"
        "    elif i % 3 == 1:\n"
        "        args = ['note', ref, f'{me}-{i}']\n"
        "    else:\n"
        "        args = ['done', ref, steps[me % 3]]\n"
        "    p = subprocess.run([yq, '--as', '郭俊涛', *args], capture_output=True, text=True)\n"
        "    if p.returncode not in (0, 1) or 'already' not in p.stderr and p.returncode:\n"
        "        print(args, p.returncode, p.stderr.strip())\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, yq_bin(), ref, str(n)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        for n in range(4)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert "".join(outputs) == ""
    incidents = ok_json("list", "--all")
    refs = [i["ref"] for i in incidents]
    assert len(refs) == len(set(refs)) == 1 + 4 * 3
    trail = ok_json("log", ref)
    seqs = [e["seq"] for e in trail]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len([e for e in trail if e["action"] == "note"]) == 4 * 3
    report = json.loads(run_yq(["verify", "--json"]).stdout)
    assert report["ok"] and report["findings"] == []
