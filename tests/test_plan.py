"""The shipped plan, the plan loader's checks, and `yq plan …`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from yuqing_cli.plan.files import load_plan, shipped_plan_path
from yuqing_cli.plan.loader import check_plan

from conftest import PLANS, REPO, SHIPPED_PLAN, ok, ok_json, run_yq, yq

pytestmark = pytest.mark.no_store  # never opens a database: run once, on SQLite

BROKEN = sorted((PLANS / "broken").glob("*.yaml"))


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return load_plan(SHIPPED_PLAN)


def test_shipped_plan_is_the_packaged_plan() -> None:
    assert shipped_plan_path().read_bytes() == SHIPPED_PLAN.read_bytes()


def test_shipped_plan_checks_clean() -> None:
    plan, errors, warnings = check_plan(SHIPPED_PLAN.read_bytes(), "plan.yaml")
    assert plan is not None
    assert errors == [] and warnings == []


def test_every_article_is_cited(plan) -> None:  # type: ignore[no-untyped-def]
    data = SHIPPED_PLAN.read_text(encoding="utf-8")
    cited = {m.split(".")[0] for m in re.findall(r'article: "([\d.]+)"', data)}
    assert cited >= {str(n) for n in range(1, 9)}
    assert [a.id for a in plan.articles] == [str(n) for n in range(1, 9)]


def test_every_item_cites_an_article(plan) -> None:  # type: ignore[no-untyped-def]
    groups = (
        plan.roles,
        plan.people,
        plan.levels,
        plan.categories,
        plan.stages,
        plan.steps,
        plan.routines,
        plan.principles,
        plan.duties,
        plan.permissions,
    )
    for group in groups:
        for item in group:
            assert re.fullmatch(r"[1-8](\.\d+)?", item.article), item


def test_roster_of_article_3(plan) -> None:  # type: ignore[no-untyped-def]
    assert plan.holders("leader") == ("郭雁",)
    assert plan.holders("deputy") == ("张江晖",)
    assert plan.holders("liaison") == ("李丹",)
    assert set(plan.holders("member")) == {
        "李丹",
        "郭俊涛",
        "秦可娟",
        "刘红艳",
        "张利君",
        "刘静贤",
        "张艳霞",
        "侯立楠",
    }
    assert plan.role("新闻发言人").per_incident
    assert len(plan.duties) == 6
    assert [p.article for p in plan.principles] == ["2.1", "2.2", "2.3", "2.4"]


def test_levels_lowest_to_highest(plan) -> None:  # type: ignore[no-untyped-def]
    assert [(lv.name, lv.roman) for lv in plan.levels] == [
        ("一般", "IV"),
        ("较大", "III"),
        ("重大", "II"),
        ("特别重大", "I"),
    ]
    for token in ("特别重大", "I", "i", "especially_major"):
        assert plan.level(token).id == "especially_major"
    assert [lv.rank for lv in plan.levels] == [0, 1, 2, 3]


def test_categories_of_article_2_4(plan) -> None:  # type: ignore[no-untyped-def]
    office = {c.id for c in plan.categories if c.office}
    assert office == {"political", "mass_incident", "national_security", "image"}
    assert {"staff_error", "rumour", "complaint", "other"} <= {c.id for c in plan.categories}


def test_required_steps_of_the_spec(plan) -> None:  # type: ignore[no-untyped-def]
    report = plan.step("report_leading_group")
    assert report.when.always and report.required and report.article == "4"
    superior = plan.step("report_superior")
    assert superior.when.levels == {"especially_major"} and superior.roles == ("liaison",)
    assert plan.step("hand_to_office").when.categories == {
        "political",
        "mass_incident",
        "national_security",
        "image",
    }
    for step_id in ("designate_spokesperson", "press_conference"):
        assert plan.step(step_id).when.levels == {"major", "especially_major"}
    assert plan.step("unified_line").article == "7.3"
    assert plan.step("accountability").when.categories == {"staff_error"}
    assert plan.step("watch_flareup").stage == "monitoring"


def test_deadlines_cite_national_rules(plan) -> None:  # type: ignore[no-untyped-def]
    first = plan.step("state_position").due
    assert first.hours_for("major") == 5 and first.hours_for("general") == 48
    assert "80号" in first.source and "61号" in first.source
    assert plan.step("press_conference").due.hours_for("especially_major") == 24
    for step in plan.steps:
        if step.due is not None:
            assert step.due.source


def test_routines_have_a_cadence(plan) -> None:  # type: ignore[no-untyped-def]
    assert plan.routine("patrol").article == "4" and plan.routine("patrol").every_hours == 24
    assert plan.routine("coordination").article == "8"


def test_stages_in_order(plan) -> None:  # type: ignore[no-untyped-def]
    assert [s.name for s in plan.stages] == ["发现", "报告", "处置", "跟踪", "平息"]
    assert plan.stages[-1].final and plan.stages[-1].reopen_to == "handling"


def test_minimal_plan_is_valid() -> None:
    ok("plan", "check", str(PLANS / "minimal.yaml"))


def test_broken_corpus_is_large_enough() -> None:
    assert len(BROKEN) >= 12


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_plan_is_refused(path: Path) -> None:
    expected = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    result = yq("plan", "check", str(path))
    assert result.exit_code == 2
    assert expected in result.stdout
    assert "Traceback" not in result.output
    # Every other command refuses the plan too, naming the file and the defect.
    result = yq("--plan", str(path), "plan", "show")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"yq: error: bad plan: {path}")
    assert "Traceback" not in result.output


def test_error_names_the_line() -> None:
    result = yq("plan", "check", str(PLANS / "broken" / "unknown_role_step.yaml"))
    assert re.search(
        r"unknown_role_step\.yaml:\d+: step 'report' names unknown role 'writer'", result.stdout
    )


def test_role_nobody_holds_is_a_warning(tmp_path: Path) -> None:
    text = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("{name: 乙, roles: [member]", "{name: 乙, roles: [leader]")
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    result = ok("plan", "check", str(path))
    assert "warning:" in result.stdout and "'member'" in result.stdout
    assert yq("plan", "check", "--strict", str(path)).exit_code == 2


def test_missing_plan_file() -> None:
    result = yq("--plan", "no-such-plan.yaml", "plan", "show")
    assert result.exit_code == 2
    assert "plan file not found" in result.stderr and "hint:" in result.stderr


def test_plan_show_lists_every_stage_and_step(plan) -> None:  # type: ignore[no-untyped-def]
    out = ok("plan", "show").stdout
    for stage in plan.stages:
        assert f"{stage.name} ({stage.id})" in out
    for step in plan.steps:
        assert f"{step.id}  {step.title}  [Art. {step.article}]" in out


def test_plan_show_json(plan) -> None:  # type: ignore[no-untyped-def]
    data = ok_json("plan", "show")
    assert [s["id"] for s in data["stages"]] == [s.id for s in plan.stages]
    assert data["version"] == plan.version


def test_plan_found_in_current_directory(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YQ_PLAN")
    (env / "plan.yaml").write_bytes((PLANS / "minimal.yaml").read_bytes())
    assert "测试预案" in ok("plan", "show").stdout
    (env / "plan.yaml").unlink()
    assert "红旗区" in ok("plan", "show").stdout  # the shipped copy


def test_installed_yq_works_from_any_directory(tmp_path: Path) -> None:
    env = {"YQ_PLAN": "", "YQ_DB": str(tmp_path / "x.db")}
    check = run_yq(["plan", "check"], env=env, cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    show = run_yq(["plan", "show"], env=env, cwd=tmp_path)
    assert show.returncode == 0 and "平息 (closed)" in show.stdout


@pytest.mark.parametrize("args", [["--help"], ["plan", "show"], ["plan", "check"]])
def test_no_sqlalchemy_for_help_and_plan(args: list[str], tmp_path: Path) -> None:
    code = (
        "import sys; from yuqing_cli.cli import main\n"
        f"sys.argv = ['yq', *{args!r}]\n"
        "try:\n    main()\nfinally:\n"
        "    sys.__stderr__.write('LOADED=' + str(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('sqlalchemy', 'sqlmodel'))))\n"
    )
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "LOADED=[]" in proc.stderr


def test_version() -> None:
    from yuqing_cli import __version__

    assert ok("--version").stdout.strip() == f"yq {__version__}"


def test_plan_cache_by_content(env: Path, tmp_path: Path) -> None:
    from yuqing_cli.plan.files import cache_dir, load_plan

    source = tmp_path / "p.yaml"
    source.write_bytes(SHIPPED_PLAN.read_bytes())
    first = load_plan(source)
    entries = list(cache_dir().glob("*.json"))
    assert len(entries) == 1 and first.version in entries[0].name
    assert load_plan(source) == first
    entries[0].write_bytes(b"not json")  # a damaged entry is rebuilt, not trusted
    assert load_plan(source) == first
    # An entry that decodes, but to another file's plan, is not trusted either.
    other = SHIPPED_PLAN.read_text(encoding="utf-8").replace("郭雁", "王五")
    (tmp_path / "other.yaml").write_text(other, encoding="utf-8")
    foreign = cache_dir() / "foreign.json"
    load_plan(tmp_path / "other.yaml")
    next(e for e in cache_dir().glob("*.json") if e != entries[0]).rename(foreign)
    entries[0].write_bytes(foreign.read_bytes())
    assert load_plan(source) == first and load_plan(source).person("郭雁")
    foreign.unlink()
    source.write_text(
        SHIPPED_PLAN.read_text(encoding="utf-8").replace("1 小时为本工具默认值", "一小时"),
        encoding="utf-8",
    )
    changed = load_plan(source)
    assert changed.version != first.version
    assert len(list(cache_dir().glob("*.json"))) == 2
    assert not list(cache_dir().glob("*.pickle"))
    source.write_text("format: 1\nplan: [", encoding="utf-8")  # a bad plan is never cached
    with pytest.raises(Exception, match="bad plan"):
        load_plan(source)


def test_check_of_a_missing_file() -> None:
    result = yq("plan", "check", "no-such-plan.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("yq: error: plan file not found: no-such-plan.yaml")


# -- the schema declared once -------------------------------------------------------------


def test_plan_format_tables_are_written_from_the_declarations() -> None:
    """docs/plan-format.md's field tables are generated; when this fails, run
    python -m yuqing_cli.plan.docs"""
    from yuqing_cli.plan import docs

    text = (REPO / "docs" / "plan-format.md").read_text(encoding="utf-8")
    assert docs.update(text) == text, "run python -m yuqing_cli.plan.docs"
    assert docs.tabled(text) == set(docs.models()), "every model needs its table"
    for row in (
        "| `assigns` | no | a role id |",
        "| `countersign.signatures` | yes | whole number |",
        "| `from` | yes | one of `detected`, `stage`, `wave`, `graded`, or a milestone id |",
        "| `approximate_minutes` | no, default `30` | number |",
        "| `reference_prefix` | no, default `YQ` | text |",
    ):
        assert row in text


def test_every_field_of_every_model_is_declared() -> None:
    from dataclasses import dataclass

    from yuqing_cli.plan import docs
    from yuqing_cli.plan.fields import declared

    assert len(docs.models()) >= 24
    for cls in docs.models().values():
        assert declared(cls)

    @dataclass
    class Undeclared:
        name: str

    with pytest.raises(TypeError, match=r"Undeclared\.name has no plan declaration"):
        declared(Undeclared)


def test_the_loader_restates_no_key_of_the_schema() -> None:
    """The loader's key lists come from the declarations: no YAML key of a model is
    written as a string in plan/loader.py or plan/sections.py (issue 19)."""
    import ast

    keys = {
        "when", "suggest", "countersign", "min_level", "from", "unknown", "plan", "format",
        "roles", "title", "id", "name", "name_en", "article", "steps", "levels", "sign_off",
        "signatures", "approvers", "kinds", "timezone", "reference_prefix", "purpose",
        "assigns", "milestone", "hours", "source", "reads", "rank", "trend", "consecutive",
    }  # fmt: skip
    for module in ("loader.py", "sections.py"):
        tree = ast.parse((REPO / "src" / "yuqing_cli" / "plan" / module).read_text("utf-8"))
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
        assert not keys & strings, module


def test_a_missing_required_key_is_named_with_its_line(tmp_path: Path) -> None:
    text = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace("        roles: [member]\n", ""), encoding="utf-8")
    result = yq("plan", "check", str(path))
    assert result.exit_code == 2
    assert f"{path}:34: step 'report' is missing 'roles' — add `roles:`" in result.stdout


def test_a_section_may_name_what_the_file_lists_after_it(tmp_path: Path) -> None:
    """References wait for the section they name: milestones after the stages that use
    them, a stage's `next` before that stage."""
    text = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("due: {from: detected,", "milestone: told\n        due: {from: told,")
    text += 'milestones:\n  - {id: told, name: 已报告, article: "2"}\n'
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    plan, errors, _warnings = check_plan(path.read_bytes(), str(path))
    assert errors == [] and plan is not None
    assert plan.step("report").due.from_ == "told" and plan.step("report").milestone == "told"


# -- one lookup for every kind of item ----------------------------------------------------


@pytest.mark.parametrize(
    ("lookup", "token", "expected"),
    [
        ("level", "特别重大", "especially_major"),
        ("level", "i", "especially_major"),
        ("level", "二级", "major"),
        ("level", "Ⅱ", "major"),
        ("level", "II级", "major"),
        ("level", "重大舆情", "major"),
        ("level", "Major", "major"),
        ("level", "重大", "major"),  # a whole name wins over the start of another
        ("level", "特别", "especially_major"),
        ("level", "较", "large"),
        ("category", "rumour", "rumour"),
        ("category", "谣言", "rumour"),
        ("category", "ＲＵＭＯＵＲ", "rumour"),
        ("category", "工作人员", "staff_error"),
        ("sentiment", " negative ", "negative"),
        ("sentiment", "负面", "negative"),
        ("sentiment", "负", "negative"),
        ("role", "spokesperson", "spokesperson"),
        ("role", "新闻发言人", "spokesperson"),
        ("role", "新闻", "spokesperson"),
        ("role", "Deputy leader", "deputy"),
        ("routine", "patrol", "patrol"),
        ("routine", "每日网上巡查", "patrol"),
        ("routine", "部门", "coordination"),
        ("stage", "handling", "handling"),
        ("stage", "处置", "handling"),
        ("stage", "Handling", "handling"),
        ("stage", "平", "closed"),
        ("step", "trace_source", "trace_source"),
        ("step", "了解舆情出处", "trace_source"),
        ("step", "了解", "trace_source"),
        ("milestone", "reported", "reported"),
        ("milestone", "报告领导小组", "reported"),
        ("milestone", "首次", "first_response"),
    ],
)
def test_lookups_accept_every_name_and_a_unique_start(
    plan, lookup: str, token: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    assert getattr(plan, lookup)(token).id == expected


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("表态", "position"),
        ("authoritative", "authoritative"),
        ("权威信息/通报", "authoritative"),
        ("通报", "authoritative"),  # one name of 权威信息/通报
        ("权威", "authoritative"),
        ("吹风会", "briefing"),
        ("吹风", "briefing"),
        ("Briefing", "briefing"),
        ("阶段性", "staged"),
    ],
)
def test_statement_kinds_by_either_name_or_its_start(plan, token: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert plan.statements.kind(token).id == expected


def test_a_start_that_fits_several_is_refused_with_the_candidates(plan) -> None:  # type: ignore[no-untyped-def]
    from yuqing_cli.errors import BadInput

    with pytest.raises(BadInput) as caught:
        plan.step("向")
    message = str(caught.value)
    for step_id in ("report_leading_group", "notify_units", "report_progress"):
        assert step_id in message
    assert caught.value.hint == "type more of the name, or the id"


def test_a_person_is_named_in_full(plan) -> None:  # type: ignore[no-untyped-def]
    from yuqing_cli.errors import BadInput

    assert plan.person("郭  雁").name == "郭雁"
    with pytest.raises(BadInput, match="not on the plan's roster") as caught:
        plan.person("张江")  # the start of 张江晖's name is not 张江晖
    assert caught.value.hint == "did you mean 张江晖?"


def test_unknown_tokens_keep_their_hints(plan) -> None:  # type: ignore[no-untyped-def]
    from yuqing_cli.errors import BadInput

    cases = [
        ("level", "xx", "unknown level 'xx'", "levels: 一般 (general, IV)"),
        ("stage", "nope", "unknown stage 'nope'", "stages: detected (发现)"),
        ("milestone", "zz", "unknown milestone 'zz'", "milestones: reported (报告领导小组)"),
        ("step", "report", "unknown step 'report'", "did you mean report_superior"),
    ]
    for lookup, token, message, hint in cases:
        with pytest.raises(BadInput) as caught:
            getattr(plan, lookup)(token)
        assert str(caught.value) == message and caught.value.hint.startswith(hint)


# -- names that hide characters (issue 22) ------------------------------------------------


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ('{name: 甲, roles: [leader], article: "1"}', 17),
        ('{id: member, name: 成员, article: "1"}', 14),
        ('{id: low, name: 一般, roman: IV, colour: blue, article: "1"}', 22),
        ('{id: rumour, name: 谣言, article: "2"}', 25),
        ("    name: 发现\n", 28),
    ],
    ids=["person", "role", "level", "category", "stage"],
)
@pytest.mark.parametrize(
    "char",
    ["\u034f", "\u200b", "\u2060", "\ufe0f", "\U000e0041", "\u3164", "\x85", "\x07", "\x1b"],
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_a_name_with_a_hidden_character_is_refused(
    tmp_path: Path, where: str, line: int, char: str
) -> None:
    text = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    name = re.search(r"name: (\S+?)[,\n]", where)[1]  # type: ignore[index]
    escaped = f"\\U{ord(char):08X}"  # written as a YAML escape: the file stays plain text
    assert where in text
    text = text.replace(where, where.replace(f"name: {name}", f'name: "{name}{escaped}"'))
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    result = yq("plan", "check", str(path))
    assert result.exit_code == 2, result.stdout
    assert f"{path}:{line}: " in result.stdout
    assert "contains invisible or compatibility characters" in result.stdout
    assert f"without U+{ord(char):04X}" in result.stdout
    assert "Traceback" not in result.output
