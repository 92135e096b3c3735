"""The daily report (舆情日报), the ledger export and the routines."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from conftest import (
    FORMULA_TITLE,
    LEADER,
    LIAISON,
    MEMBER,
    Clock,
    new,
    ok,
    ok_json,
    walk_until,
    yq,
)

EXPECTED = Path(__file__).resolve().parent / "expected"


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
    counts = data["counts"]
    assert {k: counts[k] for k in ("carried", "new", "reopened", "closed", "open")} == {
        "carried": 1,
        "new": 3,
        "reopened": 0,
        "closed": 1,
        "open": 3,
    }
    assert counts["carried"] + counts["new"] + counts["reopened"] - counts["closed"] == 3
    assert counts["open_by_stage"] == {"detected": 3, "reported": 0, "handling": 0, "monitoring": 0}
    assert counts["open_by_level"] == {"general": 1, "large": 1, "major": 0, "especially_major": 1}
    assert [i["ref"] for i in data["incidents"]] == [e, a, b, c]
    assert [i["ref"] for i in data["incidents"] if i["new"]] == [a, b, c]
    # Open past due at the end of the day: b's report (due 11:00), its 5 h first response
    # (due 15:00: it was 重大 from 10:00, and 特别重大 keeps 5 h), the report to the
    # superior (due 17:00: the re-grade at 16:00 made it apply), and the approvals of a
    # and c, due 2 h after the leading group was told (09:20 and 13:00).
    missed = {(m["ref"], m["step"]): m for m in data["missed"]}
    open_missed = {(m["ref"], m["step"]): m["late_by"] for m in data["missed"] if m["still_open"]}
    assert open_missed == {
        (b, "report_leading_group"): 13 * 3600,
        (a, "approve_handling"): 12 * 3600 + 40 * 60,
        (b, "state_position"): 9 * 3600,
        (b, "authoritative_release"): 9 * 3600,
        (c, "approve_handling"): 9 * 3600,
        (b, "report_superior"): 7 * 3600,
    }
    lateness = [m["late_by"] for m in data["missed"] if m["still_open"]]
    assert lateness == sorted(lateness, reverse=True)
    # Done late that day: c's report (due 12:00, done 13:00), e's (due 16:00 the day before).
    assert missed[(c, "report_leading_group")]["late_by"] == 3600
    assert missed[(e, "report_leading_group")]["late_by"] == 22 * 3600
    assert counts["overdue"] == 3  # incidents with open steps past due
    reported = data["response_times"]["reported"]
    assert reported["count"] == 3  # a (20 min), c (2 h, late), e (23 h, late)
    assert (reported["median_seconds"], reported["worst_seconds"]) == (7200, 23 * 3600)
    assert (reported["met"], reported["missed"], reported["undeterminable"]) == (1, 2, 0)
    first = data["response_times"]["first_response"]
    assert (first["count"], first["met"]) == (1, 1)  # e: 23 h < 48 h
    moved = [(m["ref"], m["action"]) for m in data["moved"]]
    assert (b, "grade") in moved and (e, "close") in moved and (a, "done") in moved
    assert (a, "note") in moved  # 当日进展 includes notes
    patrol = next(r for r in data["routines"] if r["id"] == "patrol")
    assert patrol["missing"] is False and patrol["runs"][0]["zero"] is True


def test_exercises_only_when_asked(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-25 09:00")
    assert scripted_day["d"] not in [i["ref"] for i in _report()["incidents"]]
    data = _report("--include-exercises")
    assert data["counts"]["new"] == 4 and data["include_exercises"] is True
    assert scripted_day["d"] in [i["ref"] for i in data["incidents"]]


def test_a_past_day_as_known_then_is_unchanged_by_later_work(
    scripted_day: dict[str, str], clock: Clock
) -> None:
    end_of_day = "2024-11-24 00:00"

    def reports() -> dict[str, str]:
        return {
            fmt: ok(
                "report", "--date", "2024-11-23", "--as-known-at", end_of_day, "--format", fmt
            ).stdout
            for fmt in ("json", "markdown", "csv", "table")
        }

    def without_generated(text: str) -> str:
        return "\n".join(line for line in text.splitlines() if "generated" not in line)

    clock.set("2024-11-24 09:00")
    before = reports()
    _later_work(clock, scripted_day)
    clock.set("2024-11-26 15:00")
    after = reports()
    for fmt in before:
        assert without_generated(after[fmt]) == without_generated(before[fmt]), fmt
    # ... while the day as known now includes the late entry about it, marked as such.
    now = _report()
    late = [m for m in now["moved"] if m["late_entry"]]
    assert [(m["ref"], m["action"], m["note"]) for m in late] == [
        (scripted_day["c"], "note", "补记")
    ]
    assert "late entry, recorded 2024-11-24" in ok("report", "--date", "2024-11-23").stdout


def test_backfilled_incident_is_new_on_the_day_it_was_detected(clock: Clock) -> None:
    clock.set("2024-11-23 22:00")
    ok("routine", "done", "patrol", "--zero", user=LIAISON)
    clock.set("2024-11-25 10:00")
    ref = new("补录的舆情", level="重大", at="2024-11-23 09:00")
    assert ref == "YQ-20241123-001"
    day = _report()
    assert [(i["ref"], i["new"], i["late_entry"]) for i in day["incidents"]] == [(ref, True, True)]
    assert day["counts"]["new"] == 1
    today = json.loads(ok("report", "--json").stdout)
    assert today["counts"]["new"] == 0  # new on exactly one day: the day it was detected
    known = _report("--as-known-at", "2024-11-24 00:00")
    assert known["counts"]["new"] == 0 and known["incidents"] == []
    assert "补录" in ok("--lang", "zh", "report", "--date", "2024-11-23").stdout


def test_day_without_patrol_is_flagged(scripted_day: dict[str, str], clock: Clock) -> None:
    _later_work(clock, scripted_day)
    clock.set("2024-11-25 09:00")
    data = json.loads(ok("report", "--date", "2024-11-24", "--json").stdout)
    patrol = next(r for r in data["routines"] if r["id"] == "patrol")
    assert patrol["missing"] is True and patrol["runs"] == []
    assert "not done this day" in ok("report", "--date", "2024-11-24").stdout
    assert "(zero report)" in ok("report", "--date", "2024-11-23").stdout
    counts = data["counts"]
    assert (counts["reopened"], counts["new"]) == (1, 1)
    assert (
        counts["carried"] + counts["new"] + counts["reopened"] - counts["closed"]
        == (counts["open"])
    )


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
    assert csv_text.startswith("\ufeff")  # a BOM on stdout too, for spreadsheets
    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    title = next(r["标题"] for r in rows if r["编号"] == scripted_day["c"])
    assert title == "'" + FORMULA_TITLE


def test_export_ledger(scripted_day: dict[str, str], clock: Clock, env: Path) -> None:
    clock.set("2024-11-25 09:00")
    text = ok("export").stdout
    _expected("ledger.csv", text)
    assert text.startswith("\ufeff")  # a BOM on stdout too
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["序号", "编号", "首发时间（北京时间）", "发现时间"]
    assert len(rows) == 1 + 4  # the exercise is left out
    header = rows[0]
    by_ref = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_ref[scripted_day["c"]]["标题"] == "'" + FORMULA_TITLE
    c = by_ref[scripted_day["c"]]
    assert (c["报告领导小组时间"], c["报告领导小组用时"], c["报告领导小组结论"]) == (
        "2024-11-23 13:00",
        "2小时00分",
        "超时",
    )
    assert by_ref[scripted_day["a"]]["报告领导小组结论"] == "按时"
    assert by_ref[scripted_day["e"]]["是否办结"] == "是"
    data = json.loads(ok("export", "--format", "json", "--include-exercises").stdout)
    assert len(data) == 5 and data[0]["ref"] == scripted_day["e"]
    lines = ok("export", "--format", "jsonl", "--include-exercises").stdout.splitlines()
    assert [json.loads(line) for line in lines] == data
    assert data[0]["closed"]["at"] == "2024-11-23T14:00:00+08:00"
    assert data[0]["milestones"]["reported"]["verdict"] == "missed"
    out = env / "台账.csv"
    result = ok("export", "--output", str(out))
    assert "written" in result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, for spreadsheets
    assert out.read_text(encoding="utf-8") == text


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
        "Deadlines missed",
        "Under monitoring",
        "Response times",
        "Routines",
        "Open, by level",
    ):
        assert heading in out
    assert "█" in out and "\\x1b" not in out
    assert "视频发布者已删帖" in out


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
    assert sorted(e["action"] for e in events) == ["adopt", "routine", "routine"]
    ok("verify")
