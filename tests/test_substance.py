"""The substance of a response: assessments (研判), the unified line (口径), public
statements and hand-over, through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import (
    DEPUTY,
    LEADER,
    LIAISON,
    MEMBER,
    PLANS,
    Clock,
    event_count,
    new,
    ok,
    ok_json,
    yq,
)

SPOKESPERSON = "秦可娟"


def _case(clock: Clock) -> str:
    """A rumour about the centre, handled on 2024-11-23 (times in Asia/Shanghai)."""
    clock.set("2024-11-23 18:00")
    ref = new("网传中心发生聚集性感染", level="较大", category="rumour", at="2024-11-23 08:00")
    return ref


def test_a_scripted_response(clock: Clock) -> None:
    ref = _case(clock)
    first = ok_json(
        "assess", ref, "--reposts", "3000", "--reads", "200000", "--sentiment", "负面",
        "--trend", "rising", "--at", "2024-11-23 08:30", user=MEMBER,
    )  # fmt: skip
    assert "step assess done" in first["details"] and first["suggestions"] == []
    second = ok_json(
        "assess", ref, "--reposts", "15000", "--reads", "900000", "--rank", "12",
        "--sentiment", "负面", "--trend", "rising", "--at", "2024-11-23 09:30", user=MEMBER,
    )  # fmt: skip
    rules = {(s["rule"], s["level"], s["step"]) for s in second["suggestions"]}
    assert ("reposts_10k", "major", None) in rules and ("hot_search", "major", None) in rules
    assert ("negative_rising", None, "mainstream_release") in rules
    assert any("转发量过万" in d and "Art. 2.1" in d for d in second["details"])
    assert second["level"] == "large"  # suggested, never applied
    ok("grade", ref, "重大", "--reason", "转发过万", "--at", "2024-11-23 09:40", user=LEADER)

    # Before any approved line, a statement of ours is refused (exit 1), nothing written.
    before = event_count()
    refused = yq("statement", "add", ref, "--kind", "表态", "--text", "正在核实",
                 "--at", "2024-11-23 09:45", user=SPOKESPERSON)  # fmt: skip
    assert refused.exit_code == 1 and "no approved unified line" in refused.stderr
    assert event_count() == before

    ok("line", "draft", ref, "--text", "经核查，网传情况不实。", "--at", "2024-11-23 09:50",
       user=SPOKESPERSON)  # fmt: skip
    one = ok_json("line", "approve", ref, "--at", "2024-11-23 10:00", user=LEADER)
    assert "not yet approved" in one["message"]  # 重大: two must sign (会签)
    twice = yq("line", "approve", ref, user=LEADER)
    assert twice.exit_code == 1 and "already signed" in twice.stderr
    assert yq("line", "approve", ref, user=MEMBER).exit_code == 1  # a member may not
    still = yq("statement", "add", ref, "--kind", "表态", "--text", "正在核实", user=SPOKESPERSON)
    assert still.exit_code == 1
    both = ok_json("line", "approve", ref, "--at", "2024-11-23 10:05", user=DEPUTY)
    assert "approved" in both["message"] and "step unified_line done" in both["details"]

    # A statement dated before the line it follows was approved: refused (exit 2).
    early = yq("statement", "add", ref, "--kind", "表态", "--text", "x",
               "--at", "2024-11-23 10:02", user=SPOKESPERSON)  # fmt: skip
    assert early.exit_code == 2 and "before the line it follows was approved" in early.stderr
    wrong = ok_json("statement", "add", ref, "--kind", "表态", "--text", "网传不实，中心无人感染",
                    "--channel", "微博", "--at", "2024-11-23 10:10", user=SPOKESPERSON)  # fmt: skip
    assert "step state_position done" in wrong["details"]
    assert wrong["first_response_at"] == "2024-11-23T10:10:00+08:00"
    ok("statement", "add", ref, "--kind", "权威信息/通报", "--text", "经核查，有2名工作人员确诊",
       "--at", "2024-11-23 12:00", user=SPOKESPERSON)  # fmt: skip
    retracted = ok_json("statement", "retract", ref, "1", "--reason", "与事实不符",
                        "--replaced-by", "2", "--at", "2024-11-23 12:05", user=LEADER)  # fmt: skip
    assert any("now rests on statement 2" in d for d in retracted["details"])
    assert retracted["first_response_at"] == "2024-11-23T12:00:00+08:00"  # moved to #2
    ok("statement", "add", ref, "--kind", "新闻发布会", "--text", "新闻发布会实录",
       "--channel", "新闻发布会", "--at", "2024-11-23 15:00", user=SPOKESPERSON)  # fmt: skip
    ok("statement", "add", ref, "--kind", "权威信息/通报", "--body", "市司法局",
       "--speaker", "市司法局新闻发言人王某", "--text", "上级通报", "--at", "2024-11-23 16:00",
       user=LIAISON)  # fmt: skip

    shown = ok_json("show", ref)
    statements = {x["number"]: x for x in shown["statements"]}
    assert statements[1]["retracted"]["replaced_by"] == 2
    assert statements[4]["ours"] is False and statements[4]["body"] == "市司法局"
    assert statements[4]["speaker_external"] is True
    milestones = {k: (v or {}).get("at") for k, v in shown["milestones"].items()}
    assert milestones["first_response"] == "2024-11-23T12:00:00+08:00"
    assert milestones["authoritative"] == "2024-11-23T12:00:00+08:00"
    assert milestones["press_conference"] == "2024-11-23T15:00:00+08:00"
    verdicts = {d["step"]: d for d in shown["deadlines"]}
    # 重大 since 09:40: 5 h for the first word and authoritative information, 24 h for
    # the press conference, all from the re-grade.
    assert (verdicts["state_position"]["verdict"], verdicts["state_position"]["margin"]) == (
        "met",
        2 * 3600 + 40 * 60,
    )
    assert verdicts["authoritative_release"]["verdict"] == "met"
    assert verdicts["press_conference"]["verdict"] == "met"
    assert [v["version"] for v in shown["lines"]] == [1]
    assert [x["by"] for x in shown["lines"][0]["signatures"]] == [LEADER, DEPUTY]

    text = ok("show", ref).stdout
    assert "Assessments" in text and "▁" in text and "█" in text
    assert "retracted: 与事实不符" in text and "(external)" in text
    lines = ok("line", "show", ref).stdout
    assert "signed by 郭雁" in lines and "signed by 张江晖" in lines

    day = json.loads(ok("report", "--date", "2024-11-23", "--json").stdout)
    assert [x["number"] for x in day["statements"]] == [1, 2, 3, 4]
    assert day["statements"][0]["retracted"] is not None
    assert [v["version"] for v in day["lines_approved"]] == [1]
    assert day["assessments"][0]["metrics"]["reposts"] == 15000
    terminal = ok("report", "--date", "2024-11-23").stdout
    for said in ("version 1 of the unified line was approved", "published", "Heat: "):
        assert said in terminal
    ledger = json.loads(ok("export", "--format", "json").stdout)[0]
    assert ledger["first_response_kind"] == "权威信息/通报" and ledger["statements"] == 2
    assert ledger["heat"]["metrics"]["reposts"] == 15000
    ok("verify")


def test_without_a_line_only_a_leader_with_a_reason(clock: Clock) -> None:
    ref = _case(clock)
    member = yq("statement", "add", ref, "-k", "表态", "-t", "x", "--without-line", "-r", "急",
                user=MEMBER)  # fmt: skip
    assert member.exit_code == 1 and "may not publish without" in member.stderr
    no_reason = yq("statement", "add", ref, "-k", "表态", "-t", "x", "--without-line",
                   user=LEADER)  # fmt: skip
    assert no_reason.exit_code == 2
    done = ok_json("statement", "add", ref, "-k", "表态", "-t", "先行表态", "--without-line",
                   "-r", "情况紧急，口径未及会签", user=LEADER)  # fmt: skip
    assert done["statements"][0]["without_line"] == "情况紧急，口径未及会签"
    assert "without an approved line" in ok("show", ref).stdout
    ok("verify")


def test_statements_of_other_bodies_need_no_line_and_count_for_nothing(clock: Clock) -> None:
    ref = _case(clock)
    shown = ok_json("statement", "add", ref, "-k", "新闻发布会", "--body", "区公安分局",
                    "-t", "警情通报", user=MEMBER)  # fmt: skip
    assert shown["first_response_at"] is None and shown["statements"][0]["ours"] is False
    assert shown["details"] == []  # another body's statement completes none of our steps


def test_hand_over_records_who_leads(clock: Clock) -> None:
    clock.set("2024-11-23 12:00")
    ref = new("损害中心形象", level="重大", category="image", at="2024-11-23 09:00")
    for step in ("assess", "trace_source", "report_leading_group"):
        ok("done", ref, step, user=MEMBER)
    ok("advance", ref, user=LEADER)
    done = ok_json("done", ref, "hand_to_office", user=LEADER)
    assert done["lead"] == "区司法局办公室"
    up = ok_json("handover", ref, "--to", "市司法局", "--reason", "上级接管", user=DEPUTY)
    assert up["lead"] == "市司法局" and "still tracked" in up["message"]
    assert "led by" in ok("show", ref).stdout
    assert yq("handover", ref, "--to", "x", "--reason", "y", user=MEMBER).exit_code == 1
    ok("note", ref, "上级已发布通报", user=MEMBER)  # still tracked here
    ok("verify")


def test_text_limits_files_and_escaping(clock: Clock, env: Path) -> None:
    ref = _case(clock)
    too_long = yq("line", "draft", ref, "--text", "口" * 20_001, user=SPOKESPERSON)
    assert too_long.exit_code == 2 and "too long" in too_long.stderr
    neither = yq("line", "draft", ref, user=SPOKESPERSON)
    assert neither.exit_code == 2
    path = env / "口径.txt"
    path.write_text("第一段\u202e反转\n第二段", encoding="utf-8")
    ok("line", "draft", ref, "--file", str(path), user=SPOKESPERSON)
    bad = env / "bad.txt"
    bad.write_bytes(b"\xff\xfe")
    assert yq("line", "draft", ref, "--file", str(bad), user=SPOKESPERSON).exit_code == 2
    shown = ok("line", "show", ref).stdout
    assert "\u202e" not in shown and "\\u202e" in shown
    raw = yq("show", ref, "--json").stdout
    assert "\u202e" not in raw and json.loads(raw)["lines"][0]["text"].startswith("第一段")


def test_a_line_diff_between_versions(clock: Clock) -> None:
    ref = _case(clock)
    ok("line", "draft", ref, "--text", "经核查，网传情况不实。", user=SPOKESPERSON)
    ok("line", "draft", ref, "--text", "经核查，网传情况部分属实。", user=SPOKESPERSON)
    out = ok("line", "show", ref).stdout
    assert "情况[-不-]{+部分属+}实" in out


def test_a_countersign_nobody_can_give_fails_plan_check(tmp_path: Path) -> None:
    text = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    lonely = text + (
        'line:\n  approvers: [leader]\n  article: "1"\n'
        "  countersign: {min_level: low, signatures: 2}\n"
    )
    path = tmp_path / "lonely.yaml"
    path.write_text(lonely, encoding="utf-8")
    result = yq("plan", "check", str(path))
    assert result.exit_code == 2 and "needs 2 signatures" in result.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["assess", "{ref}"], 2),  # no measure
        (["assess", "{ref}", "--reposts", "-1"], 2),
        (["assess", "{ref}", "--trend", "up"], 2),
        (["statement", "add", "{ref}", "-k", "八卦", "-t", "x"], 2),
        (["statement", "retract", "{ref}", "9", "-r", "x"], 2),
        (["line", "approve", "{ref}"], 1),  # nothing drafted
    ],
)
def test_bad_input(args: list[str], code: int, clock: Clock) -> None:
    ref = _case(clock)
    user = LEADER if args[0] in ("line", "statement") else MEMBER
    result = yq(*[a.replace("{ref}", ref) for a in args], user=user)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
