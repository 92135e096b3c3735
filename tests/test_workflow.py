"""The incident workflow through the CLI (R-FLOW, R-AUDIT-1, R-CLI-3..5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import (
    DEPUTY,
    LEADER,
    LIAISON,
    MEMBER,
    Clock,
    event_count,
    holder,
    new,
    ok,
    ok_json,
    run_yq,
    step_roles,
    steps,
    walk_to_close,
    walk_until,
    yq,
)


def test_new_prints_reference_stage_and_level() -> None:
    data = ok_json(
        "new",
        "网传社区矫正中心工作人员态度恶劣",
        "-l",
        "重大",
        "-c",
        "complaint",
        "-s",
        "微博",
        "--url",
        "https://weibo.example/1",
        "--sentiment",
        "负面",
        "--at",
        "2024-11-23 09:15",
        user=LIAISON,
    )
    assert data["ref"] == "YQ-20241123-001"
    assert data["stage"] == "detected" and data["level"] == "major"
    assert data["detected_at"] == "2024-11-23T09:15:00+08:00"
    assert data["reporter"] == LIAISON and data["sentiment"] == "negative"
    assert new(at="2024-11-23 10:00") == "YQ-20241123-002"
    assert new(at="2024-11-24 00:30") == "YQ-20241124-001"
    # The day of the reference is the plan's (Asia/Shanghai) day, not UTC's.
    assert new(at="2024-11-25T17:00:00+00:00") == "YQ-20241126-001"


def test_levels_by_id_name_or_roman() -> None:
    for token, expected in (
        ("II", "major"),
        ("特别重大", "especially_major"),
        ("large", "large"),
        ("iv", "general"),
    ):
        assert ok_json("new", f"t {token}", "-l", token, user=LIAISON)["level"] == expected


def test_major_rumour_end_to_end() -> None:
    ref = new("网传矫正对象集体脱管", level="重大", category="rumour", at="2024-11-23 09:00")
    before = event_count()
    result = yq("advance", ref, user=LEADER)
    assert result.exit_code == 1
    assert "assess" in result.stderr and "report_leading_group" in result.stderr
    assert event_count() == before  # refused: nothing written
    assert ok_json("checklist", ref)["stage"] == "detected"

    # A step done by someone whose role may not do it is refused, naming who may.
    result = yq("done", ref, "assess", user=LEADER)
    assert result.exit_code == 1
    assert "may not complete step assess" in result.stderr and MEMBER in result.stderr
    assert event_count() == before

    walk_to_close(ref)
    data = ok_json("show", ref)
    assert data["stage"] == "closed" and data["closed_at"] is not None
    assert data["assignments"] == {"spokesperson": "秦可娟"}
    # 重大 rumour: spokesperson, press conference and clarification were required.
    done = {e["subject"] for e in data["events"] if e["action"] == "done"}
    assert {"designate_spokesperson", "press_conference", "clarify", "watch_flareup"} <= done
    assert "report_superior" not in done and "accountability" not in done

    # Closed is final: advancing again is refused; a flare-up reopens it.
    assert yq("advance", ref, user=LEADER).exit_code == 1
    result = ok("reopen", ref, "--reason", "再次发酵", user=DEPUTY)
    assert "处置" in result.stdout
    data = ok_json("checklist", ref)
    assert data["stage"] == "handling"
    assert all(s["status"] == "open" for s in data["steps"])
    assert ok_json("show", ref)["reopened"] == 1
    walk_to_close(ref)


def test_regrade_makes_superior_report_outstanding() -> None:
    ref = new("网传中心违规收费", level="重大", category="complaint", at="2024-11-23 09:00")
    walk_until(ref, "handling")
    result = ok("grade", ref, "特别重大", "--reason", "扩散至全网", user=LEADER)
    assert "report_superior" in result.stdout
    data = ok_json("checklist", ref)
    assert "report_superior" in data["missing"]
    item = {s["id"]: s for s in data["steps"]}["report_superior"]
    assert item["stage"] == "reported" and item["status"] == "open"
    for step in list(data["missing"]):
        if step != "report_superior":
            ok("done", ref, step, user=holder(step_roles(data, step)))
    result = yq("advance", ref, user=LEADER)
    assert result.exit_code == 1 and "report_superior" in result.stderr
    result = yq("done", ref, "report_superior", user=MEMBER)  # the liaison reports upward
    assert result.exit_code == 1 and LIAISON in result.stderr
    ok("done", ref, "report_superior", user=LIAISON)
    assert ok_json("advance", ref, user=LEADER)["stage"] == "monitoring"


def test_category_and_level_conditions() -> None:
    office = new("涉群体性事件", level="一般", category="群体性事件", at="2024-11-23 09:00")
    walk_until(office, "reported")
    assert "hand_to_office" in steps(office)
    assert "designate_spokesperson" not in steps(office)
    staff = new("工作人员失误", level="较大", category="staff_error", at="2024-11-23 09:00")
    walk_until(staff, "handling")
    assert {"accountability", "contact_media", "notify_units"} <= set(steps(staff))
    assert "press_conference" not in steps(staff) and "clarify" not in steps(staff)


def test_waive_is_for_leaders_and_needs_a_reason() -> None:
    ref = new(at="2024-11-23 09:00")
    result = yq("waive", ref, "assess", "--reason", "无需", user=MEMBER)
    assert result.exit_code == 1 and "may not waive" in result.stderr
    result = yq("waive", ref, "assess", user=LEADER)
    assert result.exit_code == 2 and "reason" in result.stderr
    ok("waive", ref, "assess", "--reason", "已由上级研判", user=DEPUTY)
    item = steps(ref)["assess"]
    assert item["status"] == "waived" and item["note"] == "已由上级研判"
    assert yq("done", ref, "assess", user=MEMBER).exit_code == 1  # already waived


def test_overdue_and_due_times(clock: Clock) -> None:
    clock.set("2024-11-23 11:00")
    ref = new(level="重大", at="2024-11-23 09:00")
    item = steps(ref)["report_leading_group"]
    assert item["due"] == "2024-11-23T10:00:00+08:00" and item["overdue"] is True
    assert (item["verdict"], item["late_by"]) == ("missed", 3600)
    assert [v["ref"] for v in ok_json("list", "--overdue")] == [ref]
    ok("done", ref, "report_leading_group", "--at", "2024-11-23 09:30", user=MEMBER)
    item = steps(ref)["report_leading_group"]
    assert item["overdue"] is False and item["at"] == "2024-11-23T09:30:00+08:00"
    assert (item["verdict"], item["margin"]) == ("met", 1800)
    assert ok_json("show", ref)["reported_at"] == "2024-11-23T09:30:00+08:00"
    assert ok_json("list", "--overdue") == []
    # The national 5 h limit runs whatever stage the incident is in.
    clock.set("2024-11-23 14:30")
    assert [v["ref"] for v in ok_json("list", "--overdue")] == [ref]
    deadlines = {d["step"]: d for d in ok_json("show", ref)["deadlines"]}
    assert deadlines["state_position"]["verdict"] == "missed"
    assert deadlines["state_position"]["late_by"] == 30 * 60
    assert deadlines["press_conference"]["verdict"] == "pending"


def test_list_filters() -> None:
    a = new("一般事件", level="一般", at="2024-11-23 09:00")
    b = new("重大事件", level="重大", at="2024-11-23 10:00")
    c = new("演练事件", at="2024-11-23 11:00", extra=["--exercise"])
    assert [v["ref"] for v in ok_json("list")] == [c, b, a]
    assert [v["ref"] for v in ok_json("list", "--level", "II")] == [b]
    assert [v["ref"] for v in ok_json("list", "--stage", "发现", "--no-exercises")] == [b, a]
    assert ok_json("list", "--stage", "handling") == []
    walk_to_close(a)
    assert a not in [v["ref"] for v in ok_json("list")]
    assert a in [v["ref"] for v in ok_json("list", "--all")]
    out = ok("list").stdout
    assert "[exercise]" in out and c in out


def test_assign_and_note() -> None:
    ref = new(level="重大", at="2024-11-23 09:00")
    assert yq("assign", ref, "spokesperson", "无名氏", user=LEADER).exit_code == 2
    assert yq("assign", ref, "leader", MEMBER, user=LEADER).exit_code == 2
    assert yq("assign", ref, "spokesperson", MEMBER, user=MEMBER).exit_code == 1
    ok("assign", ref, "新闻发言人", "张利君", user=LEADER)
    assert ok_json("show", ref)["assignments"] == {"spokesperson": "张利君"}
    ok("note", ref, "已联系平台", user=MEMBER)
    events = ok_json("log", ref)
    assert events[-1]["action"] == "note" and events[-1]["note"] == "已联系平台"
    assert events[-2]["action"] == "assign" and events[-2]["new"] == "张利君"


def test_spokesperson_holds_the_role_for_that_incident_only() -> None:
    ref = new(level="重大", at="2024-11-23 09:00")
    other = new(level="重大", at="2024-11-23 09:05")
    walk_until(ref, "reported")
    ok("assign", ref, "spokesperson", "张艳霞", user=LEADER)
    assert steps(ref)["designate_spokesperson"]["status"] == "done"
    walk_until(ref, "handling")
    ok("done", ref, "state_position", user="张艳霞")  # as the designated spokesperson
    walk_until(other, "handling")
    result = yq("done", other, "state_position", user="张艳霞")
    assert result.exit_code == 1


def test_log_shows_every_change_with_both_times() -> None:
    ref = new(level="重大", at="2024-11-23 09:00")
    ok("done", ref, "assess", "--at", "2024-11-23 09:10", user=MEMBER)
    ok("waive", ref, "trace_source", "--reason", "来源已知", user=LEADER)
    ok("done", ref, "report_leading_group", user=MEMBER)
    ok("advance", ref, user=LEADER)
    ok("grade", ref, "较大", "--reason", "影响有限", user=LEADER)
    ok("note", ref, "跟进中", user=MEMBER)
    events = ok_json("log", ref)
    assert [e["action"] for e in events] == [
        "create",
        "done",
        "waived",
        "done",
        "advance",
        "grade",
        "note",
    ]
    assert [e["seq"] for e in events] == list(range(1, 8))
    assert events[0]["happened_at"] == "2024-11-23T09:00:00+08:00"
    assert events[1]["happened_at"] == "2024-11-23T09:10:00+08:00"
    assert all(e["recorded_at"] > "2026" for e in events)
    assert events[4]["old"] == "detected" and events[4]["new"] == "reported"
    assert events[5]["old"] == "major" and events[5]["new"] == "large"
    out = ok("log", ref).stdout
    assert "2024-11-23 09:10" in out and "re-graded" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["show", "YQ-20990101-001"], 1, "no incident"),
        (["checklist", "nope"], 1, "no incident"),
        (["--as", LEADER, "done", "{ref}", "no_such_step"], 2, "unknown step"),
        (["--as", LEADER, "grade", "{ref}", "超级", "--reason", "x"], 2, "unknown level"),
        (["--as", LIAISON, "new", "x", "--level", "urgent"], 2, "unknown level"),
        (["--as", LIAISON, "new", "x", "--at", "yesterday-ish"], 2, "cannot read the time"),
        (["--as", LIAISON, "new", "x", "--at", "2024-13-45 10:00"], 2, "not a real date"),
        (["--as", LIAISON, "new", "x", "--at", "2099-01-01 10:00"], 2, "in the future"),
        (["--as", LIAISON, "new", "x", "--at", "2999-01-01 10:00"], 2, "out of range"),
        (["--as", LIAISON, "new", "x", "--at", "unknown"], 2, "cannot be unknown"),
        (["--as", "王五", "new", "x"], 2, "not on the plan's roster"),
        (["new", "x"], 2, "who is acting"),
        (["--as", LIAISON, "new", "   "], 2, "title is empty"),
        (["--as", LIAISON, "new", "x", "-c", "spam"], 2, "unknown category"),
        (["--as", MEMBER, "done", "{ref}", "assess", "--at", "2024-11-22 08:00"], 2, "before"),
        (["--as", MEMBER, "done", "{ref}", "unified_line"], 1, "has not reached"),
        (["--as", MEMBER, "done", "{ref}", "report_superior"], 1, "does not apply"),
        (["--as", LEADER, "reopen", "{ref}", "--reason", "x"], 1, "cannot be reopened"),
        (["log", "--since", "23/11/2024"], 2, "cannot read"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    args: list[str], code: int, message: str
) -> None:
    ref = new(at="2024-11-23 09:00")
    before = event_count()
    result = yq(*[a.replace("{ref}", ref) for a in args])
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("yq: error: ") and message in lines[0]
    assert lines[-1].startswith("hint: ") or len(lines) == 1
    assert "Traceback" not in result.output
    assert event_count() == before


def test_duplicate_url_is_refused_with_the_existing_reference() -> None:
    ref = new(extra=["--url", "https://weibo.example/42"], at="2024-11-23 09:00")
    result = yq("new", "同一条", "--url", "https://weibo.example/42", user=LIAISON)
    assert result.exit_code == 1 and ref in result.stderr and "--allow-duplicate" in result.stderr
    other = new(extra=["--url", "https://weibo.example/42", "--allow-duplicate"])
    assert other != ref


def test_untrusted_text_is_printed_literally() -> None:
    # C0 controls (ESC, BEL) are refused at input; the C1 CSI acts as ESC [ on some
    # terminals, and the bidi override and line separator are invisible.
    title = "[bold red]x[/] \x9b2J\u202e\u2028 标题"
    ref = new(title, extra=["--summary", "[link=http://evil]点我[/link]"])
    ok("note", ref, "备注 \x9b31m红\u200b", user=MEMBER)
    for args in (["list"], ["show", ref], ["checklist", ref], ["log", ref]):
        out = ok(*args).stdout
        assert not {"\x9b", "\u202e", "\u2028", "\u200b"} & set(out), args
    out = ok("show", ref).stdout
    assert "[bold red]x[/]" in out and "\\x9b2J\\u202e\\u2028" in out
    assert "[link=http://evil]点我[/link]" in out
    assert "\\x9b31m" in ok("log", ref).stdout
    # JSON keeps the exact text, escaped by JSON itself.
    assert ok_json("show", ref)["title"] == title
    refused = yq("note", ref, "备注 \x1b[31m红", user=MEMBER)
    assert refused.exit_code == 2 and "U+001B" in refused.stderr
    assert "position 4" in refused.stderr and "\x1b" not in refused.stderr


def test_debug_shows_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    result = yq("--debug", "show", "YQ-20990101-001")
    assert result.exit_code != 0 and result.exception is not None


def test_incident_follows_its_plan_version(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = new(level="重大", at="2024-11-23 09:00")
    original = ok_json("show", ref)["plan_version"]
    # A new plan in which the leading-group report has another id and no deadline.
    from conftest import SHIPPED_PLAN

    changed = SHIPPED_PLAN.read_text(encoding="utf-8").replace(
        "id: report_leading_group", "id: report_group"
    )
    path = env / "plan-v2.yaml"
    path.write_text(changed, encoding="utf-8")
    monkeypatch.setenv("YQ_PLAN", str(path))
    assert "report_leading_group" in steps(ref)  # the old incident keeps its plan
    # A plan file that is not adopted governs nothing: writing with it is refused.
    refused = yq("new", "x", user=LIAISON)
    assert refused.exit_code == 1 and "not the plan adopted" in refused.stderr
    assert "yq plan adopt" in refused.stderr
    assert yq("plan", "adopt", str(path), user=MEMBER).exit_code == 1  # a member may not
    ok("plan", "adopt", str(path), "--note", "第二版", user=LEADER)
    history = ok_json("plan", "history")
    assert [h["current"] for h in history] == [False, True]
    assert history[-1]["adopted_by"] == LEADER and history[-1]["note"] == "第二版"
    newer = new(level="重大", at="2024-11-23 10:00")
    assert "report_group" in steps(newer)
    assert ok_json("show", newer)["plan_version"] != original
    assert "report_leading_group" in steps(ref)  # still on the version it was opened under
    assert [e["action"] for e in ok_json("log") if not e["ref"]] == ["adopt", "adopt"]
    ok("verify")


def test_installed_yq_in_a_subprocess(tmp_path: Path) -> None:
    env = {"YQ_DB": str(tmp_path / "sub.db"), "YQ_USER": LIAISON}
    created = run_yq(["new", "子进程测试", "-l", "I", "--json"], env=env)
    assert created.returncode == 0, created.stderr
    ref = json.loads(created.stdout)["ref"]
    refused = run_yq(["advance", ref], env={**env, "YQ_USER": LEADER})
    assert refused.returncode == 1
    assert refused.stderr.startswith("yq: error:") and "Traceback" not in refused.stderr
    unknown = run_yq(["show", "YQ-19990101-001"], env=env)
    assert unknown.returncode == 1 and len(unknown.stderr.strip().splitlines()) == 2
    usage = run_yq(["new"], env=env)
    assert usage.returncode == 2


def test_a_closed_pipe_ends_quietly(env: Path) -> None:
    """`yq log | head -1`: the reader goes away; yq ends with exit 0 and says nothing."""
    import os
    import subprocess

    from conftest import yq_bin

    ref = new(at="2024-11-23 09:00")
    ok("note", ref, "备注", user=MEMBER)
    for args in (["log"], ["log", "--json"], ["checklist", ref], ["show", ref]):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first line is written
        try:
            result = subprocess.run(
                [yq_bin(), *args],
                stdout=write_end,
                stderr=subprocess.PIPE,
                env=os.environ,
                timeout=120,
                check=False,
            )
        finally:
            os.close(write_end)
        assert (result.returncode, result.stderr) == (0, b""), (args, result.stderr)
