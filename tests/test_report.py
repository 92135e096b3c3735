"""The daily report (舆情日报), the ledger export and the routines."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

import report_day

from conftest import (
    FORMULA_TITLE,
    LEADER,
    LIAISON,
    MEMBER,
    SHIPPED_PLAN,
    Clock,
    from_template,
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
    assert "(late entry, recorded 2024-11-24)" in ok("report", "--date", "2024-11-23").stdout


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
    assert "每日网上巡查: not done that day" in ok("report", "--date", "2024-11-24").stdout
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
    assert "# 红旗区社区矫正中心舆情日报" in target.read_text(encoding="utf-8")
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
    headings = ["Overview", "Incidents", "Handling", "Deadlines missed", "Next steps"]
    assert [line for line in out.splitlines() if line[1:3] == ". "] == [
        f"{n}. {heading}" for n, heading in enumerate(headings, 1)
    ]
    assert "\\x1b" not in out
    assert "视频发布者已删帖" in out and "Response times: 报告领导小组: 3" in out


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


# -- the report a leader reads: content, one count, the unit's language -------------------------


@pytest.fixture
def busy_day(clock: Clock, env: Path, template_dir: Path) -> dict[str, str]:
    refs: dict[str, str] = from_template("busy", env, template_dir, lambda: report_day.build(clock))
    clock.set("2024-12-03 09:00")
    return refs


def _markdown(day: str, *args: str) -> str:
    return ok("report", "--date", day, "-f", "markdown", *args).stdout


def _section(markdown: str, title: str) -> str:
    """One section of a Markdown report (its ## heading ends with ``title``)."""
    found = re.search(rf"^## [^\n]*{title}\n(.*?)(?=^## |^---$|\Z)", markdown, re.M | re.S)
    assert found, title
    return found[1]


def _rows(section: str) -> list[list[str]]:
    lines = [x for x in section.splitlines() if x.startswith("|")]
    return [[c.strip() for c in x.strip("|").split("|")] for x in lines[2:]]


def _figure(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return int(found[1])


def _reconcile(day: str) -> None:
    """The overview's figures are the rows of the sections and the JSON's lists: one
    source for every count."""
    data = json.loads(ok("report", "--date", day, "--json").stdout)
    markdown = _markdown(day)
    overview = _section(markdown, "概况")
    counts = data["counts"]
    assert (
        _figure(overview, r"新发现舆情(\d+)起")
        == counts["new"]
        == sum(i["new"] for i in data["incidents"])
    )
    assert _figure(overview, r"前期延续在办(\d+)起") == counts["carried"]
    assert _figure(overview, r"当日办结(\d+)起") == counts["closed"]
    assert _figure(overview, r"重新打开(\d+)起") == counts["reopened"]
    assert _figure(overview, r"在办舆情(\d+)起") == counts["open"]
    assert (
        counts["carried"] + counts["new"] + counts["reopened"] - counts["closed"] == counts["open"]
    )
    incidents = _section(markdown, "重点舆情")
    assert incidents.count("当日新发现") == counts["new"]
    assert incidents.count("当日已办结") == counts["closed"]
    missed = data["missed"]
    assert counts["missed"] == len(missed)
    if missed:
        rows = _rows(_section(markdown, "超时事项"))
        assert _figure(overview, r"当日超时事项(\d+)项") == len(rows) == len(missed)
        still_open = [r for r in rows if r[3].endswith("未完成**")]
        assert _figure(overview, r"仍未完成(\d+)项") == len(still_open) == counts["missed_open"]
        assert _figure(overview, r"超时完成(\d+)项") == len(rows) - len(still_open)
        assert _figure(overview, r"涉及舆情(\d+)起") == len({r[0] for r in rows})
        assert [(r[0], r[1]) for r in rows] == [(m["ref"], m["title"]) for m in missed]
        nexts = _section(markdown, "下步工作建议")
        assert _figure(nexts, r"超时未完成事项(\d+)项") == len(still_open)
    else:
        assert "当日无超时事项" in overview and "超时事项" not in _section(markdown, "下步工作建议")
    names = {
        "reported": "报告领导小组",
        "first_response": "首次公开回应",
        "authoritative": "发布权威信息",
    }
    for milestone, figures in data["response_times"].items():
        if not figures["count"] or milestone not in names:
            continue
        said = re.search(rf"{names[milestone]}(\d+)起，按时(\d+)起、超时(\d+)起", overview)
        assert said, (milestone, overview)
        assert [int(x) for x in said.groups()] == [
            figures["count"], figures["met"], figures["missed"],
        ]  # fmt: skip
        late = [
            m for m in missed
            if m["still_open"] is False and m["step"] in MILESTONE_STEPS[milestone]
        ]  # fmt: skip
        assert figures["missed"] <= len(late)


MILESTONE_STEPS = {
    "reported": {"report_leading_group"},
    "first_response": {"state_position"},
    "authoritative": {"authoritative_release"},
}


def test_every_count_has_one_source(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-25 09:00")
    _reconcile("2024-11-23")
    _later_work(clock, scripted_day)
    clock.set("2024-11-25 09:00")
    _reconcile("2024-11-24")
    _reconcile("2024-11-22")


def test_busy_day_counts_reconcile(busy_day: dict[str, str]) -> None:
    _reconcile(report_day.DAY)
    data = json.loads(ok("report", "--date", report_day.DAY, "--json").stdout)
    # b reported 30 min late (with a reason), b and c with open steps past due at 24:00
    assert [(m["ref"], m["step"], m["still_open"]) for m in data["missed"]] == [
        (busy_day["b"], "approve_handling", True),
        (busy_day["c"], "approve_handling", True),
        (busy_day["c"], "state_position", True),
        (busy_day["c"], "authoritative_release", True),
        (busy_day["b"], "report_leading_group", False),
    ]


def test_a_voided_incident_has_no_verdicts(busy_day: dict[str, str]) -> None:
    d = busy_day["d"]  # logged twice at 10:40, voided at 11:00: its 1 h report was never due
    data = json.loads(ok("report", "--date", report_day.DAY, "--json").stdout)
    assert d not in {i["ref"] for i in data["incidents"]}
    assert d not in {m["ref"] for m in data["missed"] + data["next_steps"]}
    assert d not in _markdown(report_day.DAY) and d not in ok("report", "-d", report_day.DAY).stdout


def test_what_was_done_is_in_the_report(busy_day: dict[str, str]) -> None:
    text = _markdown(report_day.DAY)
    handling = _section(text, "处置情况")
    for note in report_day.NOTES.values():  # the closed incident's step notes
        assert note in handling, note
    assert report_day.STATEMENT in handling  # our statement, whole
    assert f"“{report_day.LINE}”" in handling and "统一口径第1版经郭雁、张江晖签批审定" in handling
    assert "第1次发布，依据统一口径第1版" in handling
    assert report_day.OTHER_STATEMENT in handling and "区公安分局（王警官）" in handling
    assert "已发布权威通报，无需召开发布会" in handling  # the waiver's reason
    assert "18:30，郭雁决定办结：舆情平息。" in handling
    incidents = _section(text, "重点舆情")
    assert "微博账号发布视频称某矫正对象夜间外出无人监管" in incidents  # 摘要
    assert "https://weibo.com/7001/Nabc" in incidents  # link
    assert "阅读80万、转发1.2万、热搜第35位、情绪负面、趋势上升" in incidents  # heat, trend
    assert "视频系2022年外地旧闻，已核实为谣言" in incidents  # the assessment in words
    assert "由区司法局办公室牵头处置" in incidents  # the hand-over
    missed = _section(text, "超时事项")
    assert report_day.LATE_REASON in missed  # why it was late, where given
    nexts = _section(text, "下步工作建议")
    assert "研判提示“负面情绪持续上升”" in nexts and "召开新闻发布会或通气会" in nexts
    # no machine text: no step ids, no English, no #N or vN
    for word in ("first assessment", "line version", "#1", "v1", "statement", "report_"):
        assert word not in text, word
    from docx import Document

    target = Path("busy.docx")
    ok("report", "--date", report_day.DAY, "-f", "docx", "-o", str(target))
    document = Document(str(target))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    body = "\n".join([p.text for p in document.paragraphs] + cells)
    assert report_day.STATEMENT in body and report_day.LINE in body
    words = re.findall(r"[A-Za-z]{3,}", re.sub(r"YQ-\d{8}-\d{3}|https?://\S+", "", body))
    assert words == []


def test_the_event_log_only_when_asked(busy_day: dict[str, str]) -> None:
    a, d = busy_day["a"], busy_day["d"]
    assert "附件" not in _markdown(report_day.DAY)
    rows = _rows(_section(_markdown(report_day.DAY, "--with-log"), "附件：当日事件记录"))
    assert ["09:05", a, "郭俊涛", "完成： 了解舆情出处 · 首发账号为外地营销号"] in rows
    assert any(r[:3] == ["10:40", a, report_day.SPOKESPERSON] and "第1次发布" in r[3] for r in rows)
    assert d not in {r[1] for r in rows}
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_documents_are_written_in_the_units_language(
    scripted_day: dict[str, str], clock: Clock, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator without a Chinese locale (LANG=C) issues the report of a unit whose
    documents are Chinese: the document is Chinese; only the terminal is English."""
    from docx import Document

    from yuqing_cli import i18n

    monkeypatch.delenv("YQ_LANG")
    monkeypatch.setenv("LANG", "C")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert i18n.setup() == "en"
    clock.set("2024-11-24 17:00")
    target = env / "第1期.docx"
    result = ok("report", "issue", "-d", "2024-11-23", "-f", "docx", "-o", str(target), user=LEADER)
    assert "issued No. 1 of 2024" in result.stderr  # the terminal: the operator's language
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "第1期（总第1期）" in text and "签发人：郭雁" in text and "一、概况" in text
    assert not re.search(r"\b(?:No|Daily|report|Overview|overall)\b", text)
    for args in (("-f", "markdown"), ()):
        shown = ok("--lang", "en", "report", "show", "1", *args).stdout
        assert "第1期（总第1期）" in shown and "一、概况" in shown and "Overview" not in shown
    draft = ok("--lang", "en", "report", "-d", "2024-11-23", "-f", "markdown").stdout
    assert "## 一、概况" in draft  # a document: the unit's language
    assert "1. Overview" in ok("report", "-d", "2024-11-23").stdout  # the terminal: --lang


def test_a_unit_may_write_its_documents_in_english(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    plan = env / "plan-en.yaml"
    plan.write_text(
        SHIPPED_PLAN.read_text(encoding="utf-8").replace("  language: zh", "  language: en"),
        encoding="utf-8",
    )
    clock.set("2024-11-25 09:00")
    ok("plan", "adopt", str(plan), user=LEADER)
    text = ok("--lang", "zh", "report", "-d", "2024-11-23", "-f", "markdown").stdout
    assert "## 1. Overview" in text and "(draft, not issued)" in text and "概况" not in text
    assert "\n一、概况\n" in ok("--lang", "zh", "report", "-d", "2024-11-23").stdout
    bad = env / "plan-fr.yaml"
    bad.write_text(plan.read_text(encoding="utf-8").replace("language: en", "language: fr"))
    result = yq("plan", "check", str(bad))
    assert result.exit_code == 2 and "fr" in result.stdout + result.stderr


def test_a_correction_says_what_it_changes(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    clock.set("2024-11-24 17:00")
    ok("report", "issue", "-d", "2024-11-23", user=LEADER)
    clock.set("2024-11-25 10:00")
    ok("note", scripted_day["c"], "已约谈当事人", "--at", "2024-11-23 12:00", user=MEMBER)
    ok("report", "issue", "-d", "2024-11-23", "--revision", user=LEADER)
    shown = ok("report", "show", "2", "-f", "markdown").stdout
    preface = shown.split("## 一、概况")[0]
    assert "本期更正2024年第1期（总第1期）" in preface
    assert f"处置情况（{scripted_day['c']}）" in preface
    assert "超时事项" not in preface and "重点舆情" not in preface
    assert "已约谈当事人" in _section(shown, "处置情况")
    assert "更正" in shown.split("## ")[0]  # marked in the masthead
