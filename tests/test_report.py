"""The daily report (舆情日报), the ledger export and the routines."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from conftest import (
    LEADER,
    LIAISON,
    MEMBER,
    Clock,
    new,
    ok,
    ok_json,
    walk_to_close,
    walk_until,
    yq,
)

EXPECTED = Path(__file__).resolve().parent / "expected"
FORMULA_TITLE = "=cmd|' /C calc'!A0 工作人员失误"


@pytest.fixture
def scripted_day(clock: Clock) -> dict[str, str]:
    """2024-11-23: a patrol with nothing found, four incidents and an exercise, one closed."""
    clock.set("2024-11-22 15:30")
    e = new(
        "前一日的投诉",
        level="一般",
        category="complaint",
        at="2024-11-22 15:00",
        extra=["--source", "论坛"],
    )
    clock.set("2024-11-23 08:00")
    ok("routine", "done", "patrol", "--zero", "--note", "未发现", user=LIAISON)
    clock.set("2024-11-23 09:05")
    a = new(
        "网传中心办事拖延",
        level="一般",
        category="complaint",
        at="2024-11-23 09:00",
        extra=["--source", "微博"],
    )
    clock.set("2024-11-23 09:20")
    ok("done", a, "report_leading_group", user=MEMBER)
    clock.set("2024-11-23 10:00")
    b = new("网传矫正对象脱管", level="重大", category="rumour", extra=["--source", "抖音"])
    clock.set("2024-11-23 11:00")
    c = new(FORMULA_TITLE, level="较大", category="staff_error", extra=["--source", "微信公众号"])
    clock.set("2024-11-23 13:00")
    ok("done", c, "report_leading_group", user=MEMBER)
    d = new("演练：特别重大", level="特别重大", extra=["--exercise", "--source", "微博"])
    clock.set("2024-11-23 14:00")
    walk_to_close(e)
    clock.set("2024-11-23 16:00")
    ok("grade", b, "特别重大", "--reason", "转发过万", user=LEADER)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def _later_work(clock: Clock, refs: dict[str, str]) -> None:
    clock.set("2024-11-24 10:00")
    walk_until(refs["a"], "reported")
    ok("done", refs["b"], "report_leading_group", user=MEMBER)
    ok("reopen", refs["e"], "--reason", "再次发酵", user=LEADER)
    new("次日新增", at="2024-11-24 09:30")
    ok("note", refs["c"], "补记", "--at", "2024-11-23 12:00", user=MEMBER)  # late, about the 23rd


def _report(*args: str) -> dict:  # type: ignore[type-arg]
    return json.loads(ok("report", "--date", "2024-11-23", "--format", "json", *args).stdout)


def test_scripted_day_counts(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-25 09:00")
    data = _report()
    a, b, c, e = (scripted_day[k] for k in "abce")
    assert data["date"] == "2024-11-23"
    assert data["counts"] | {} == {
        "new": 3,
        "open": 3,
        "closed": 1,
        "overdue": 1,
        "reopened": 0,
        "open_by_stage": {"detected": 3, "reported": 0, "handling": 0, "monitoring": 0},
        "open_by_level": {"general": 1, "large": 1, "major": 0, "especially_major": 1},
    }
    assert [i["ref"] for i in data["incidents"]] == [e, a, b, c]
    assert [i["ref"] for i in data["incidents"] if i["new"]] == [a, b, c]
    # report_superior applies to b now, but b has not reached its stage: not overdue yet.
    assert [(o["ref"], o["step"]) for o in data["overdue"]] == [(b, "report_leading_group")]
    assert data["overdue"][0]["late_minutes"] == 13 * 60  # due 11:00, day ends 24:00
    reported = data["response_times"]["reported"]
    assert reported["count"] == 3  # a (20 min), c (2 h, late), e (23 h, late)
    assert (reported["median_minutes"], reported["worst_minutes"]) == (120, 23 * 60)
    assert (reported["within_deadline"], reported["late"]) == (1, 2)
    first = data["response_times"]["first_response"]
    assert (first["count"], first["within_deadline"]) == (1, 1)  # e: 23 h < 48 h
    moved = [(m["ref"], m["action"]) for m in data["moved"]]
    assert (b, "grade") in moved and (e, "close") in moved and (a, "done") in moved
    patrol = next(r for r in data["routines"] if r["id"] == "patrol")
    assert patrol["missing"] is False and patrol["runs"][0]["zero"] is True


def test_exercises_only_when_asked(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-25 09:00")
    assert scripted_day["d"] not in [i["ref"] for i in _report()["incidents"]]
    data = _report("--include-exercises")
    assert data["counts"]["new"] == 4 and data["include_exercises"] is True
    assert scripted_day["d"] in [i["ref"] for i in data["incidents"]]


def test_past_report_is_unchanged_by_later_work(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-24 09:00")
    before = {
        fmt: ok("report", "--date", "2024-11-23", "--format", fmt).stdout
        for fmt in ("json", "markdown", "csv", "table")
    }
    _later_work(clock, scripted_day)
    clock.set("2024-11-24 09:00")  # the same generation time, so only the data could differ
    after = {
        fmt: ok("report", "--date", "2024-11-23", "--format", fmt).stdout
        for fmt in ("json", "markdown", "csv", "table")
    }
    assert after == before
    # ... while the current state did change.
    assert ok_json("show", scripted_day["e"])["stage"] == "handling"


def test_day_without_patrol_is_flagged(scripted_day: dict[str, str], clock: Clock) -> None:
    _later_work(clock, scripted_day)
    clock.set("2024-11-25 09:00")
    data = json.loads(ok("report", "--date", "2024-11-24", "--json").stdout)
    patrol = next(r for r in data["routines"] if r["id"] == "patrol")
    assert patrol["missing"] is True and patrol["runs"] == []
    assert "no patrol this day" in ok("report", "--date", "2024-11-24").stdout
    assert "(zero report)" in ok("report", "--date", "2024-11-23").stdout
    assert data["counts"]["reopened"] == 1 and data["counts"]["new"] == 1


def _expected(name: str, text: str) -> None:
    """Compare with a checked-in file; UPDATE_EXPECTED=1 rewrites it (then review the diff)."""
    path = EXPECTED / name
    if os.environ.get("UPDATE_EXPECTED"):
        path.write_text(text, encoding="utf-8", newline="")
    assert text == path.read_bytes().decode("utf-8"), f"{name} differs"


def test_markdown_and_csv_match_expected_files(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-25 09:00")
    markdown = ok("report", "--date", "2024-11-23", "--format", "markdown").stdout
    _expected("report-2024-11-23.md", markdown)
    csv_text = ok("report", "--date", "2024-11-23", "--format", "csv").stdout
    _expected("report-2024-11-23.csv", csv_text)
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    title = next(r["title"] for r in rows if r["ref"] == scripted_day["c"])
    assert title == "'" + FORMULA_TITLE


def test_export_ledger(scripted_day: dict[str, str], clock: Clock, env: Path) -> None:
    clock.set("2024-11-25 09:00")
    text = ok("export").stdout
    _expected("ledger.csv", text)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["编号", "标题", "平台", "链接"]
    assert len(rows) == 1 + 4  # the exercise is left out
    assert [r[1] for r in rows if r[0] == scripted_day["c"]] == ["'" + FORMULA_TITLE]
    data = json.loads(ok("export", "--format", "json", "--include-exercises").stdout)
    assert len(data) == 5 and data[0]["ref"] == scripted_day["e"]
    assert data[0]["closed_at"] == "2024-11-23T14:00:00+08:00"
    out = env / "台账.csv"
    result = ok("export", "--output", str(out))
    assert "written" in result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, for spreadsheets
    assert out.read_text(encoding="utf-8-sig") == text


def test_report_to_file_and_bad_input(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    clock.set("2024-11-25 09:00")
    target = env / "日报.md"
    ok("report", "--date", "2024-11-23", "-f", "markdown", "-o", str(target))
    assert target.read_text(encoding="utf-8").startswith("# Daily public-opinion report 2024-11-23")
    plain = env / "日报.txt"
    ok("report", "--date", "2024-11-23", "-o", str(plain))
    assert "\x1b" not in plain.read_text(encoding="utf-8")
    assert yq("report", "--date", "2024-02-30").exit_code == 2
    assert yq("report", "--date", "2030-01-01").exit_code == 2
    assert yq("report", "--format", "pdf").exit_code == 2
    assert yq("report", "-o", str(env / "missing" / "x.md")).exit_code == 2


def test_terminal_report_sections(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-25 09:00")
    out = ok("report", "--date", "2024-11-23").stdout
    for heading in (
        "New incidents",
        "What moved",
        "Overdue steps",
        "Under monitoring",
        "Response times",
        "Routines",
        "Open, by level",
    ):
        assert heading in out
    assert "█" in out and "\\x1b" not in out


def test_routines(clock: Clock) -> None:
    clock.set("2024-11-23 08:00")
    data = ok_json("routine", "list")
    assert [(r["id"], r["overdue"], r["last_at"]) for r in data] == [
        ("patrol", True, None),
        ("coordination", True, None),
    ]
    result = yq("routine", "done", "patrol", user=LEADER)
    assert result.exit_code == 1 and "舆情评论员" in result.stderr
    assert yq("routine", "done", "sleep", user=LIAISON).exit_code == 2
    ok("routine", "done", "每日网上巡查", "--note", "发现 1 条", user=LIAISON)
    ok("routine", "done", "coordination", "--at", "2024-11-20 15:00", user=LEADER)
    data = ok_json("routine", "list")
    assert data[0]["last_by"] == LIAISON and data[0]["overdue"] is False
    assert data[0]["due"] == "2024-11-24T08:00:00+08:00"
    assert data[1]["overdue"] is False  # weekly, last on the 20th
    clock.set("2024-11-24 08:01")
    assert ok_json("routine", "list")[0]["overdue"] is True
    events = ok_json("log", "--since", "2024-11-01")
    assert [e["action"] for e in events] == ["routine", "routine"]
    ok("verify")


def test_replay_matches_current_state(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    """The report's replay of events agrees with the tables the commands keep."""
    _later_work(clock, scripted_day)
    from sqlmodel import select

    from yuqing_cli.plan.files import load_plan
    from yuqing_cli.services.history import replay
    from yuqing_cli.services.incidents import _load_state
    from yuqing_cli.store.db import Store
    from yuqing_cli.store.tables import Event, Incident

    from conftest import SHIPPED_PLAN

    plan = load_plan(SHIPPED_PLAN)
    store = Store.open(str(env / "yq.db"))
    with store.read() as session:
        for incident in session.exec(select(Incident)):
            events = session.exec(
                select(Event).where(Event.incident_id == incident.id).order_by(Event.seq)
            )  # type: ignore[arg-type]
            r = replay(incident, plan, events)
            state = _load_state(session, incident)
            assert (r.stage, r.level) == (incident.stage, incident.level)
            assert r.steps == dict(state.steps) and r.assignments == dict(state.assignments)
            assert (r.reported_at, r.first_response_at, r.closed_at, r.reopened) == (
                incident.reported_at,
                incident.first_response_at,
                incident.closed_at,
                incident.reopened,
            )
    store.close()
