"""Time truth through the command line: a backfilled case, verdicts everywhere, waves,
refused orderings and the audit trail's two times."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import LEADER, LIAISON, MEMBER, Clock, event_count, new, ok, ok_json, yq

REF = "YQ-20200330-001"
H = 3600


def _backfill_case(clock: Clock) -> None:
    """A public timeline from spring 2020, entered from the file months later."""
    clock.set("2020-09-01 10:00")

    def at(when: str) -> list[str]:
        return ["--at", when]

    ref = new(
        "某监狱通报在押人员感染情况",
        level="一般",
        at="2020-03-30 08:00",
        extra=["--first-seen", "2020-03-29 晚上"],
    )
    assert ref == REF
    ok("done", REF, "assess", *at("2020-03-30 08:30"), user=MEMBER)
    ok("done", REF, "trace_source", *at("2020-03-30 08:40"), user=MEMBER)
    ok("done", REF, "report_leading_group", *at("2020-03-30 11:00"), user=MEMBER)  # due 09:00
    ok("advance", REF, *at("2020-03-30 11:10"), user=LEADER)
    ok("done", REF, "approve_handling", *at("2020-03-30 12:00"), user=LEADER)  # due 13:00
    ok("grade", REF, "重大", "--reason", "转发过万", *at("2020-03-30 15:00"), user=LEADER)
    ok("assign", REF, "spokesperson", "秦可娟", *at("2020-03-30 16:00"), user=LEADER)
    ok("advance", REF, *at("2020-03-30 16:10"), user=LEADER)
    ok("done", REF, "confirm_facts", *at("2020-03-30 18:00"), user=MEMBER)
    ok("done", REF, "unified_line", *at("2020-03-30 19:00"), user=LEADER)
    ok("done", REF, "state_position", *at("2020-03-30 22:00"), user=LEADER)  # due 20:00
    ok("done", REF, "authoritative_release", *at("2020-03-30 22:00"), user=LEADER)
    ok("done", REF, "press_conference", *at("2020-04-02 10:00"), user=LEADER)  # due 03-31 15:00
    ok("done", REF, "contact_media", *at("2020-04-02 11:00"), user=MEMBER)
    ok("done", REF, "notify_units", *at("2020-04-02 12:00"), user=LIAISON)
    ok("advance", REF, *at("2020-04-02 13:00"), user=LEADER)
    ok("done", REF, "watch_flareup", *at("2020-04-04 10:00"), user=MEMBER)
    ok("done", REF, "report_progress", *at("2020-04-04 11:00"), user=LIAISON)
    ok("advance", REF, *at("2020-04-05 10:00"), user=LEADER)  # closed
    ok("reopen", REF, "--reason", "再次发酵", *at("2020-07-01 09:00"), user=LEADER)
    ok("done", REF, "state_position", *at("2020-07-01 12:00"), user=LEADER)  # due 14:00


def test_a_backfilled_case_gets_honest_verdicts(clock: Clock) -> None:
    _backfill_case(clock)
    shown = ok_json("show", REF)
    verdicts = {(d["step"], d["wave"]): d for d in shown["deadlines"]}
    assert (
        verdicts[("report_leading_group", 1)]["verdict"],
        verdicts[("report_leading_group", 1)]["late_by"],
    ) == ("missed", 2 * H)
    approve = verdicts[("approve_handling", 1)]  # 2 h from when the group was told (11:00)
    assert (approve["verdict"], approve["margin"], approve["due"]) == (
        "met",
        H,
        "2020-03-30T13:00:00+08:00",
    )
    first = verdicts[("state_position", 1)]  # 5 h from the re-grade to 重大, not detection
    assert (first["due"], first["verdict"], first["late_by"]) == (
        "2020-03-30T20:00:00+08:00",
        "missed",
        2 * H,
    )
    press = verdicts[("press_conference", 1)]  # never due before the re-grade
    assert press["due"] == "2020-03-31T15:00:00+08:00"
    assert (press["verdict"], press["late_by"]) == ("missed", 43 * H)
    second = verdicts[("state_position", 2)]  # wave 2: from the reopen, not from March
    assert (second["due"], second["verdict"], second["margin"]) == (
        "2020-07-01T14:00:00+08:00",
        "met",
        2 * H,
    )
    assert ("report_superior", 1) not in verdicts  # never 特别重大
    assert shown["wave"] == 2 and shown["waves"][0]["closed"]["at"] == "2020-04-05T10:00:00+08:00"
    assert shown["first_seen"]["precision"] == "part"
    assert shown["detection_delay"] is None  # first seen is not exactly known

    day = json.loads(ok("report", "--date", "2020-03-30", "--json").stdout)
    incident = next(i for i in day["incidents"] if i["ref"] == REF)
    assert incident["new"] and incident["late_entry"]
    missed = {m["step"]: m for m in day["missed"]}
    assert missed["report_leading_group"]["late_by"] == 2 * H
    assert missed["state_position"]["late_by"] == 2 * H and missed["state_position"]["late_entry"]
    assert all(m["late_entry"] for m in day["moved"])
    assert "补录" in ok("--lang", "zh", "report", "--date", "2020-03-30").stdout

    rows = list(csv.DictReader(io.StringIO(ok("export").stdout)))
    row = next(r for r in rows if r["编号"] == REF)
    assert (row["报告领导小组结论"], row["报告领导小组用时"]) == ("超时", "3小时00分")
    assert (row["首次公开回应结论"], row["首次公开回应时间"]) == ("超时", "2020-03-30 22:00")
    assert (row["首次办结时间"], row["办结时间"], row["是否办结"]) == ("2020-04-05 10:00", "", "否")
    assert (row["波次"], row["补录"]) == ("2", "是")
    assert ok_json("list", "--late")[0]["ref"] == REF
    assert "第2波" in ok("--lang", "zh", "list").stdout
    ok("verify")


def test_an_uncertain_time_is_undeterminable_and_counted_apart(clock: Clock) -> None:
    clock.set("2024-11-25 10:00")
    ref = new("时间不确定", level="重大", at="2024-11-23 09:00")
    ok("done", ref, "report_leading_group", "--at", "2024-11-23 09:30..10:30", user=MEMBER)
    item = next(s for s in ok_json("checklist", ref)["steps"] if s["id"] == "report_leading_group")
    assert item["verdict"] == "undeterminable" and item["when"]["precision"] == "range"
    times = json.loads(ok("report", "--date", "2024-11-23", "--json").stdout)["response_times"]
    reported = times["reported"]
    assert (reported["count"], reported["undeterminable"], reported["uncertain"]) == (1, 1, 1)
    assert reported["median_seconds"] is None  # never a guessed median


@pytest.mark.parametrize(
    ("args", "bound"),
    [
        (["done", "{ref}", "report_leading_group", "--at", "2024-11-23 08:00"], "before this step"),
        (["note", "{ref}", "x", "--at", "2024-11-22 10:00"], "before the incident was detected"),
        (["advance", "{ref}", "--at", "2024-11-23 09:20"], "before a step this move needs"),
        (["grade", "{ref}", "重大", "-r", "x", "--at", "2024-11-23 08:59"], "before its last"),
        (["done", "{ref}", "approve_handling", "--at", "2024-11-23 09:40"], "stage was entered"),
    ],
)
def test_impossible_orderings_are_refused(args: list[str], bound: str, clock: Clock) -> None:
    clock.set("2024-11-25 10:00")
    ref = new("次序", at="2024-11-23 09:00")
    for step in ("assess", "trace_source"):
        ok("done", ref, step, "--at", "2024-11-23 09:10", user=MEMBER)
    if "report_leading_group" not in args:
        ok("done", ref, "report_leading_group", "--at", "2024-11-23 09:30", user=MEMBER)
    if "approve_handling" in args:
        ok("advance", ref, "--at", "2024-11-23 10:00", user=LEADER)
    before = event_count()
    user = MEMBER if args[0] in ("note",) else LEADER
    result = yq(*[a.replace("{ref}", ref) for a in args], user=user)
    assert result.exit_code == 2, result.output
    assert bound in result.stderr
    assert "2024-11-23" in result.stderr and "UTC" not in result.stderr  # both times, local
    assert event_count() == before


def test_reopen_is_not_dated_before_the_closing(clock: Clock) -> None:
    from conftest import walk_to_close

    clock.set("2024-11-25 10:00")
    ref = new("平息后", at="2024-11-23 09:00")
    walk_to_close(ref, at="2024-11-24 10:00")
    result = yq("reopen", ref, "--reason", "x", "--at", "2024-11-24 09:00", user=LEADER)
    assert result.exit_code == 2 and "before the incident was closed" in result.stderr


def test_log_shows_the_newest_entries_whenever_they_happened(clock: Clock) -> None:
    clock.set("2024-11-25 10:00")
    ref = new("补录很多", at="2020-01-01 09:00")
    for n in range(35):
        ok("note", ref, f"第{n}条", "--at", f"2020-01-02 {n % 24:02d}:00", user=MEMBER)
    newest = ok_json("log")
    assert len(newest) == 20 and newest[-1]["note"] == "第34条"  # newest last
    five = ok_json("log", "-n", "5")
    assert [e["note"] for e in five] == [f"第{n}条" for n in range(30, 35)]
    in_range = ok_json("log", "--since", "2020-01-02", "--until", "2020-01-02")
    assert len(in_range) == 35  # by when it happened
    recorded = ok_json("log", "--since", "2024-11-25", "--recorded")
    assert len(recorded) == 37  # by when it was recorded: the adoption, the new, 35 notes


def test_a_date_or_an_exact_first_seen_verifies() -> None:
    """`--at DAY` and an exact `--first-seen`: the stored state matches the trail."""
    new("只知道日期", at="2024-11-23")
    new("首发时间确切", at="2024-11-23 10:00", extra=["--first-seen", "2024-11-23 09:00"])
    assert "chain intact" in ok("verify").stdout


def test_an_exactly_known_first_seen_time(clock: Clock) -> None:
    clock.set("2024-11-23 12:00")
    ref = new(at="2024-11-23 09:00", extra=["--first-seen", "2024-11-23 08:00"])
    shown = ok_json("show", ref)
    assert shown["first_seen"]["precision"] == "exact"
    assert shown["first_seen"]["at"] == "2024-11-23T08:00:00+08:00"
    assert shown["detection_delay"] == 3600
    assert ok("verify").exit_code == 0


# -- times as clerks write them (issue 21) ---------------------------------------------------------


def test_a_range_written_with_a_hyphen_is_a_range_not_a_time_zone(clock: Clock) -> None:
    clock.set("2024-11-25 10:00")
    ref = new("台账时段", at="2022-06-10 14:00-18:00")
    assert ref.startswith("YQ-20220610-")  # not the 11th, as a UTC offset of -18:00 gave
    detected = ok_json("show", ref)["detected"]
    assert (detected["earliest"], detected["latest"], detected["precision"]) == (
        "2022-06-10T14:00:00+08:00",
        "2022-06-10T18:00:00+08:00",
        "range",
    )


def test_times_about_an_incident_are_read_on_its_own_timeline(clock: Clock) -> None:
    clock.set("2026-11-29 10:00")
    ref = new("补录旧案", at="2020-03-30 08:00")
    ok("done", ref, "assess", "--at", "3月30日 08:30", user=MEMBER)  # 2020, not 2026
    ok("note", ref, "当日下午通报", "--at", "当日15时许", user=MEMBER)
    ok("note", ref, "次日回应", "--at", "次日凌晨1时", user=MEMBER)
    trail = {e["note"]: e for e in ok_json("log", ref) if e.get("note")}
    assert trail["次日回应"]["happened_at"] == "2020-03-31T01:00:00+08:00"
    assert trail["当日下午通报"]["happened_at"] == "2020-03-30T15:00:00+08:00"
    item = next(s for s in ok_json("checklist", ref)["steps"] if s["id"] == "assess")
    assert item["when"]["at"] == "2020-03-30T08:30:00+08:00"


@pytest.mark.parametrize(
    ("at", "said"),
    [
        ("3月30日 16:00", "give the year, e.g. 2026年3月30日 16:00"),
        ("3点", "03:00 or 15:00"),
        ("上午15点", "contradicts itself"),
        ("当日15时", "refers to an earlier date"),
    ],
)
def test_a_time_that_is_not_certain_is_refused_and_nothing_is_logged(
    at: str, said: str, clock: Clock
) -> None:
    clock.set("2026-11-29 18:00")
    before = event_count()
    result = yq("new", "无年份", "--at", at, user=LIAISON)
    assert result.exit_code == 2, result.output
    assert said in result.stderr and "Traceback" not in result.stderr
    assert event_count() == before
