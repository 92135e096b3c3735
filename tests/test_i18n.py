"""Chinese and English interfaces: catalog coverage and the language actually shown."""

from __future__ import annotations

import ast
import functools
import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import yuqing_cli
from yuqing_cli import i18n

from conftest import LEADER, MEMBER, REPO, Clock, new, ok, run_yq, yq

PACKAGE = Path(yuqing_cli.__file__).resolve().parent
SOURCE = REPO / "src" / "yuqing_cli"
LOCALE = SOURCE / "locale" / "zh_CN" / "LC_MESSAGES"
CJK = re.compile("[\u4e00-\u9fff]")


def _catalog(name: str = "yuqing_cli"):  # type: ignore[no-untyped-def]
    with (LOCALE / f"{name}.po").open("rb") as f:
        return read_po(f)


@functools.cache
def _source_messages() -> frozenset[str]:
    """Every msgid in the source, extracted once per test session."""
    found = extract_from_dir(str(SOURCE), method_map=[("**.py", "python")], keywords={"_": None})
    return frozenset(
        message for _file, _line, message, _comments, _context in found if isinstance(message, str)
    )


def _fields(text: str) -> list[str]:
    return sorted(f[1] for f in string.Formatter().parse(text) if f[1] is not None)


@pytest.mark.no_store
def test_every_message_has_a_chinese_translation() -> None:
    catalog = _catalog()
    translated = {m.id: m.string for m in catalog if m.id}
    messages = _source_messages()
    untranslated = sorted(m for m in messages if not translated.get(m))
    assert untranslated == [], "run pybabel extract/update and translate these"
    assert not [m.id for m in catalog if m.id and m.fuzzy]


@pytest.mark.no_store
def test_catalog_has_no_stale_messages() -> None:
    messages = _source_messages()
    stale = sorted(m.id for m in _catalog() if m.id and m.id not in messages)
    assert stale == [], "run pybabel update to drop these"


@pytest.mark.no_store
@pytest.mark.parametrize("name", ["yuqing_cli", "messages"])
def test_translations_keep_the_placeholders(name: str) -> None:
    for message in _catalog(name):
        if message.id:
            assert _fields(message.id) == _fields(message.string), message.id


@pytest.mark.no_store
@pytest.mark.parametrize("name", ["yuqing_cli", "messages"])
def test_compiled_catalog_is_current(name: str) -> None:
    """The .mo shipped in the package says what the .po says (pybabel compile)."""
    with (PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / f"{name}.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for message in _catalog(name):
        if message.id:
            assert compiled.gettext(message.id) == message.string, message.id


@pytest.mark.no_store
def test_format_fields_match_the_arguments() -> None:
    """Every _("… {name} …").format(name=…) names the same fields on both sides."""
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format"
            ):
                continue
            inner = node.func.value
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Name)
                and inner.func.id == "_"
                and isinstance(inner.args[0], ast.Constant)
            ):
                expected = {f.split("!")[0].split(":")[0] for f in _fields(inner.args[0].value)}
                assert expected == {k.arg for k in node.keywords}, f"{path}:{node.lineno}"


@pytest.mark.no_store
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"YQ_LANG": "zh"}, "zh"),
        ({"YQ_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"YQ_LANG": "", "LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),
        ({"YQ_LANG": "", "LC_ALL": "", "LANG": "en_US.UTF-8"}, "en"),
        ({"YQ_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}, "en"),
    ],
)
def test_language_detection(
    env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert i18n.detect() == expected
    assert i18n.detect("zh") == "zh" and i18n.detect("en") == "en"


@pytest.mark.no_store
def test_chinese_help_from_the_installed_script() -> None:
    zh = run_yq(["--help"], env={"YQ_LANG": "zh"})
    assert zh.returncode == 0
    assert "登记一条新舆情并打印其编号" in zh.stdout and "命令" in zh.stdout
    assert "Log a new incident" not in zh.stdout
    en = run_yq(["--lang", "en", "--help"], env={"YQ_LANG": "zh"})
    assert "Log a new incident" in en.stdout and "登记一条新舆情" not in en.stdout
    sub = run_yq(["checklist", "--help"], env={"LANG": "zh_CN.UTF-8", "YQ_LANG": ""})
    assert "当前阶段的步骤" in sub.stdout


def _english_words(text: str, allowed: set[str]) -> set[str]:
    words = set(re.findall(r"(?<![\w`-])[A-Za-z]{4,}(?![\w`])", text))
    return words - allowed


def test_checklist_and_report_in_chinese(clock: Clock) -> None:
    clock.set("2024-11-23 09:30")
    ref = new("网传某矫正对象脱管", level="重大", category="rumour", at="2024-11-23 09:00")
    ok("done", ref, "assess", user=MEMBER)
    ok("waive", ref, "trace_source", "--reason", "来源已明", user=LEADER)
    ok("routine", "done", "patrol", "--zero", user=MEMBER)
    checklist = ok("--lang", "zh", "checklist", ref).stdout
    for word in ("步骤", "标题", "条款", "状态", "时限", "完成", "免除", "转入报告前"):
        assert word in checklist
    # Step ids are the plan's identifiers; everything else is Chinese.
    assert _english_words(checklist, {"detected", "assess", "trace_source"}) == set()
    report = ok("--lang", "zh", "report").stdout
    for word in ("舆情日报", "新增舆情", "当日进展", "超时事项", "响应时间", "例行工作", "零报告"):
        assert word in report
    assert _english_words(report, {"Asia", "Shanghai", "assess", "trace_source"}) == set()
    markdown = ok("--lang", "zh", "report", "--format", "markdown").stdout
    assert markdown.startswith("# 舆情日报 2024年11月23日")
    error = yq("--lang", "zh", "show", "YQ-19990101-001")
    assert error.exit_code == 1 and error.stderr.startswith("yq：错误：没有舆情")
    assert "提示：" in error.stderr


def test_checklist_and_report_in_english(clock: Clock) -> None:
    clock.set("2024-11-23 09:30")
    ref = new("网传某矫正对象脱管", level="重大", at="2024-11-23 09:00")
    for args in (["checklist", ref], ["report"], ["list"]):
        out = ok("--lang", "en", *args).stdout
        chinese = set(CJK.findall(out))
        plan_text = set(CJK.findall(Path(REPO / "plan.yaml").read_text(encoding="utf-8")))
        assert chinese <= plan_text | set(CJK.findall("网传某矫正对象脱管")), args


@pytest.mark.no_store
def test_chinese_help_has_typers_own_words_translated() -> None:
    zh = run_yq(["done", "--help"], env={"YQ_LANG": "zh"})
    assert zh.stdout.startswith("用法：yq done")
    assert "显示此帮助并退出" in zh.stdout and "Show this message" not in zh.stdout
    root = run_yq(["--help"], env={"YQ_LANG": "zh"})
    assert "为当前 shell 安装命令补全" in root.stdout and "Install completion" not in root.stdout
    en = run_yq(["done", "--help"], env={"YQ_LANG": "en"})
    assert en.stdout.startswith("Usage: yq done") and "Show this message and exit." in en.stdout
