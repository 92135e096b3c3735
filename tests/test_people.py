"""People first: what to do now, reminders and hooks, corrections, references and names as
people type them, `--as` anywhere."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from conftest import (
    DEPUTY,
    LEADER,
    LIAISON,
    MEMBER,
    Clock,
    event_count,
    new,
    ok,
    ok_json,
    yq,
)


def _day(clock: Clock) -> dict[str, str]:
    """Three open incidents at 10:00 on 2024-11-23."""
    clock.set("2024-11-23 08:00")
    a = new("甲", level="一般", at="2024-11-23 07:30")  # report due 08:30: overdue at 10:00
    clock.set("2024-11-23 09:50")
    b = new("乙", level="重大", at="2024-11-23 09:45")  # report due 10:45
    for step in ("assess", "trace_source", "report_leading_group"):
        ok("done", b, step, user=MEMBER)
    ok("advance", b, user=LEADER)  # approve due 11:50, designate open
    c = new("丙", level="一般", category="rumour", at="2024-11-23 09:00")
    for step in ("assess", "trace_source", "report_leading_group"):
        ok("done", c, step, user=MEMBER)  # ready to advance
    clock.set("2024-11-23 10:00")
    return {"a": a, "b": b, "c": c}


def test_todo_lists_what_each_person_may_do_now(clock: Clock) -> None:
    refs = _day(clock)
    a, b, c = refs["a"], refs["b"], refs["c"]
    member = ok_json("todo", user=MEMBER)
    assert [(t["ref"], t["step"]) for t in member] == [
        (a, "report_leading_group"),  # overdue first
        (a, "assess"),
        (a, "trace_source"),
    ]
    assert member[0]["overdue"] is True
    assert member[0]["command"] == f"yq done {a} report_leading_group"
    leader = ok_json("mine", user=LEADER)
    assert [(t["ref"], t["kind"], t["step"]) for t in leader] == [
        (a, "step", "report_leading_group"),
        (b, "step", "approve_handling"),  # due 11:50
        (b, "assign", "designate_spokesperson"),
        (c, "advance", None),
    ]
    assert leader[2]["command"] == f"yq assign {b} spokesperson NAME"
    everyone = ok_json("todo", "--all")
    assert {t["command"] for t in everyone} >= {t["command"] for t in leader + member}
    liaison = ok_json("todo", "--role", "liaison")
    assert [t["step"] for t in liaison] == ["report_leading_group"]
    text = ok("todo", user=MEMBER).stdout
    assert "OVERDUE" in text and f"yq done {a} report_leading_group" in text
    assert [i["ref"] for i in ok_json("list", "--mine", user=MEMBER)] == [a]
    assert yq("todo").exit_code == 2  # whose? no --as and no YQ_USER


def test_due_exits_4_when_something_is_due(clock: Clock) -> None:
    refs = _day(clock)
    soon = yq("due", "--within", "1h", "--json")
    assert soon.exit_code == 4
    found = [(t["ref"], t["step"]) for t in json.loads(soon.stdout)]
    assert found == [(refs["a"], "report_leading_group")]  # overdue; b's approval is at 11:50
    later = yq("due", "--within", "2h", "--json")
    assert [(t["ref"], t["step"]) for t in json.loads(later.stdout)] == [
        (refs["a"], "report_leading_group"),
        (refs["b"], "approve_handling"),
    ]
    assert yq("due", "--within", "soon").exit_code == 2
    clock.set("2024-11-23 09:55")
    for ref in (refs["a"],):
        for step in ("assess", "trace_source", "report_leading_group"):
            ok("done", ref, step, user=MEMBER)
    clock.set("2024-11-23 10:00")
    quiet = yq("due", "--within", "30m")
    assert quiet.exit_code == 0 and "nothing to do" in quiet.stdout


def test_a_hook_receives_each_event_and_a_failing_one_loses_nothing(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received = env / "received.jsonl"
    monkeypatch.setenv("YQ_HOOK", f"cat >> {received}")
    ref = new("挂钩", at="2024-11-23 09:00")
    ok("done", ref, "assess", user=MEMBER)
    lines = [json.loads(x) for x in received.read_text(encoding="utf-8").splitlines()]
    assert [x["action"] for x in lines] == ["adopt", "create", "done"]
    assert lines[1]["ref"] == ref and lines[2]["subject"] == "assess"
    assert lines[2]["happened_at"].endswith("+08:00")
    # A hook in the configuration directory, failing: the event stays written.
    monkeypatch.delenv("YQ_HOOK")
    hooks = env / "config" / "yuqing-cli" / "hooks"
    hooks.mkdir(parents=True)
    script = hooks / "post-event"
    script.write_text("#!/bin/sh\ncat > /dev/null\necho 'push failed' >&2\nexit 7\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(env / "config"))
    before = event_count()
    result = yq("done", ref, "trace_source", user=MEMBER)
    assert result.exit_code == 0 and "hook" in result.stderr and "exit 7" in result.stderr
    assert event_count() == before + 1
    ok("verify")


def test_edit_void_multiple_categories_and_undo(clock: Clock) -> None:
    clock.set("2024-11-23 10:00")
    ref = new("网传中心工作人员态度差", at="2024-11-23 09:00")
    dup = new("网传中心工作人员态度差（重复）", at="2024-11-23 09:05")
    # A rumour logged without --category: the correction brings its clarify step.
    edited = ok_json("edit", ref, "--category", "谣言,工作人员失误", "--title", "网传态度差",
                     "--reason", "核实后更正", user=MEMBER)  # fmt: skip
    assert edited["categories"] == ["rumour", "staff_error"]
    assert any("clarify" in d for d in edited["details"])
    assert any("accountability" in d for d in edited["details"])
    assert edited["title"] == "网传态度差"
    nothing = yq("edit", ref, "--title", "网传态度差", user=MEMBER)
    assert nothing.exit_code == 1
    assert yq("void", dup, "--reason", "重复", user=MEMBER).exit_code == 1  # leaders
    voided = ok_json("void", dup, "--reason", "重复登记", "--duplicate-of", ref, user=LEADER)
    assert voided["voided"] is True and voided["duplicate_of"] == ref
    assert [i["ref"] for i in ok_json("list")] == [ref]
    assert {i["ref"] for i in ok_json("list", "--voided")} == {ref, dup}
    day = json.loads(ok("report", "--date", "2024-11-23", "--json").stdout)
    assert day["counts"]["new"] == 1  # the duplicate no longer counts
    ledger = {r["ref"]: r for r in json.loads(ok("export", "--format", "json").stdout)}
    assert ledger[dup]["voided"] is True  # kept in the ledger, with its mark
    # undo: one's own last step, or a leader's for anyone
    ok("done", ref, "assess", user=MEMBER)
    ok("done", ref, "trace_source", user=LIAISON)
    undone = ok_json("undo", ref, user=MEMBER)
    assert "assess is open again" in undone["message"]
    assert yq("undo", ref, "trace_source", user=MEMBER).exit_code == 1  # someone else's
    ok("undo", ref, "trace_source", "--reason", "误点", user=DEPUTY)
    steps = {s["id"]: s["status"] for s in ok_json("checklist", ref)["steps"]}
    assert steps["assess"] == steps["trace_source"] == "open"
    actions = [e["action"] for e in ok_json("log", ref)]
    assert actions.count("undo") == 2 and "edit" in actions
    assert [e["action"] for e in ok_json("log", dup)][-1] == "void"
    ok("verify")


@pytest.mark.parametrize(
    "form", ["YQ-20241123-002", "yq-20241123-002", "20241123-002", "20241123-2", "002", "-002", "2"]
)
def test_references_as_people_type_them(form: str, clock: Clock) -> None:
    clock.set("2024-11-23 12:00")
    new("一", at="2024-11-23 09:00")
    ref = new("二", at="2024-11-23 10:00")
    assert ok_json("show", form)["ref"] == ref


def test_steps_by_id_prefix_title_and_near_misses(clock: Clock) -> None:
    clock.set("2024-11-23 12:00")
    ref = new(at="2024-11-23 09:00")
    assert ok_json("done", ref, "了解舆情出处", user=MEMBER)["message"].endswith("(了解舆情出处)")
    ok("done", ref, "report_l", user=MEMBER)  # a unique start of the id
    typo = yq("done", ref, "asess", user=MEMBER)
    assert typo.exit_code == 2 and "did you mean assess" in typo.stderr
    person = yq("--as", "郭言", "note", ref, "x")
    assert person.exit_code == 2 and "did you mean 郭雁" in person.stderr
    level = yq("grade", ref, "Majr", "--reason", "x", user=LEADER)
    assert level.exit_code == 2 and "did you mean major" in level.stderr
    for token in ("II级", "二级", "Ⅱ", "重大舆情", "Major"):
        assert ok_json("new", f"级别 {token}", "-l", token, user=LIAISON)["level"] == "major"
    missing = yq("show", "YQ-20241123-009")
    assert missing.exit_code == 1 and "did you mean YQ-20241123-00" in missing.stderr


def test_as_anywhere_and_refusals_that_name_who_to_ask(clock: Clock) -> None:
    clock.set("2024-11-23 12:00")
    ref = new(at="2024-11-23 09:00")
    ok("done", ref, "assess", "--as", MEMBER)
    ok("note", ref, "备注", f"--as={MEMBER}")
    refused = yq("advance", ref, "--as", MEMBER)
    assert refused.exit_code == 1
    assert "ask them" in refused.stderr and LEADER in refused.stderr
    assert "--as NAME" not in refused.stderr  # never: type the leader's name


def test_a_zero_report_on_a_day_with_new_incidents_needs_force(clock: Clock) -> None:
    clock.set("2024-11-23 18:00")
    new(at="2024-11-23 09:00")
    refused = yq("routine", "done", "patrol", "--zero", user=MEMBER)
    assert refused.exit_code == 1 and "--force" in refused.stderr
    ok("routine", "done", "patrol", "--zero", "--force", user=MEMBER)
    ok("routine", "done", "patrol", "--zero", "--at", "2024-11-22 18:00", user=MEMBER)


def test_the_spokesperson_already_designated_completes_the_new_step(clock: Clock) -> None:
    clock.set("2024-11-23 12:00")
    ref = new(level="较大", at="2024-11-23 09:00")
    for step in ("assess", "trace_source", "report_leading_group"):
        ok("done", ref, step, user=MEMBER)
    ok("advance", ref, user=LEADER)
    ok("assign", ref, "spokesperson", "秦可娟", user=LEADER)
    ok("grade", ref, "重大", "--reason", "升级", user=LEADER)  # designate_spokesperson applies
    again = ok_json("assign", ref, "spokesperson", "秦可娟", user=LEADER)
    assert "step designate_spokesperson done" in again["details"]
    assert yq("assign", ref, "spokesperson", "秦可娟", user=LEADER).exit_code == 1
