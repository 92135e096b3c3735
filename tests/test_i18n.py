"""Chinese and English interfaces: catalog coverage and the language actually shown."""

from __future__ import annotations

import ast
import functools
import gettext
import os
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
    assert "登记新舆情并打印编号" in zh.stdout and "命令" in zh.stdout
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
    ok("routine", "done", "patrol", "--zero", "--force", user=MEMBER)
    checklist = ok("--lang", "zh", "checklist", ref).stdout
    for word in ("步骤", "标题", "条款", "状态", "时限", "完成", "免除", "转入报告前"):
        assert word in checklist
    # Step ids are the plan's identifiers; everything else is Chinese.
    assert _english_words(checklist, {"detected", "assess", "trace_source"}) == set()
    report = ok("--lang", "zh", "report").stdout
    for word in ("舆情日报", "概况", "重点舆情", "处置情况", "超时事项", "下步工作建议", "零报告"):
        assert word in report
    assert _english_words(report, {"Asia", "Shanghai", "assess", "trace_source"}) == set()
    markdown = ok("--lang", "zh", "report", "--format", "markdown").stdout
    assert "# 红旗区社区矫正中心舆情日报\n\n（草稿，未签发）  \n2024年11月23日" in markdown
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


_ZH_PROBE = r"""
import json, os, sys
os.environ["YQ_LANG"] = "zh"
from typer.testing import CliRunner
from yuqing_cli.cli import app
import typer.main

runner = CliRunner()
root = typer.main.get_command(app)
paths = []
for name, command in root.commands.items():
    sub = getattr(command, "commands", None)
    paths += [[name, child] for child in sub] if sub else [[name]]
out = {}
for path in [[]] + paths:
    out[" ".join(path + ["--help"])] = runner.invoke(app, path + ["--help"]).output
corpus = json.loads(sys.argv[1])
for args in corpus:
    result = runner.invoke(app, args)
    out[" ".join(args)] = result.output
print(json.dumps(out, ensure_ascii=False))
"""

# Commands that go wrong in every way a user can make them go wrong, and a few that work.
_CORPUS = [
    ["--as", "郭俊涛", "new", "网传某事", "--at", "2024-11-23 09:00"],
    ["--as", "郭俊涛", "done", "YQ-20241123-001", "assess"],
    ["done"],
    ["done", "YQ-20241123-001"],
    ["done", "YQ-20241123-001", "assess", "--bogus"],
    ["doen"],
    ["list", "extra"],
    ["list", "-n", "x"],
    ["list", "-n", "0"],
    ["report", "-f", "pdf"],
    ["new", "x", "--at"],
    ["routine"],
    ["show", "YQ-19990101-001"],
    ["--as", "郭俊涛", "done", "YQ-20241123-001", "asess"],
    ["--as", "郭俊涛", "done", "YQ-20241123-001", "assess"],
    ["--as", "郭俊涛", "advance", "YQ-20241123-001"],
    ["--as", "郭雁", "advance", "YQ-20241123-001"],
    ["--as", "郭雁", "grade", "YQ-20241123-001", "超级", "--reason", "x"],
    ["--as", "王五", "note", "YQ-20241123-001", "x"],
    ["--as", "郭俊涛", "new", "x", "--at", "明天"],
    ["--as", "郭俊涛", "new", "x", "--at", "2099-01-01 10:00"],
    ["--as", "郭俊涛", "new", "x", "-c", "spam"],
    ["--as", "郭俊涛", "note", "YQ-20241123-001", "x", "--at", "2024-11-22 10:00"],
    ["--as", "郭俊涛", "statement", "add", "YQ-20241123-001", "-k", "表态", "-t", "x"],
    ["--as", "郭俊涛", "line", "approve", "YQ-20241123-001"],
    ["checklist", "YQ-20241123-001"],
    ["show", "YQ-20241123-001"],
    ["log", "YQ-20241123-001"],
    ["report", "--date", "2024-11-23"],
    ["--as", "郭俊涛", "todo"],
    ["due"],
    ["plan", "show"],
    ["verify"],
    ["export", "--format", "json"],
]

# What may stay Latin in the Chinese interface: commands, options, placeholders, ids,
# references, and a few technical names.
_LATIN_OK = re.compile(
    r"`[^`]*`"  # a command to type
    r"|(?m:^\s*yq [^\n]*$)"  # an example: a whole command line to type
    r"|<[a-z|]+>"  # the choices of an option
    r"|(?<![\w-])--?[a-zA-Z][\w-]*"  # an option
    r"|\b[A-Z][A-Z_|.]*[A-Z]\b"  # a placeholder, an environment variable
    r"|YQ-\d{8}-\d{3}"  # a reference
    r"|'[^'\n]*'"  # a value echoed as typed
    r"|[\w.-]+\.(?:yaml|csv|md|txt|json|db|docx|xlsx)\b"  # a file name
    r"|\bzh_\*|\bshell\b|\b(?:no-)?strict\b"
    r"|\b(?:Excel|Word|WPS|LibreOffice|Pandoc)\b"  # a program's name, as the office says it
    r"|https?://\S+|[\w.~-]*/[\w./-]+"  # a link, a path
    r"|\b[0-9a-f]{6,}\b"  # a hash
    r"|\b(?:yq|yuqing|UTF|JSON|CSV|XLSX|Markdown|SQLite|PostgreSQL|SQLAlchemy|Asia|"
    r"Shanghai|zh_CN|cron|systemd|pip|psycopg|sqlite3)\b"
)


def _plan_ids() -> set[str]:
    from yuqing_cli.plan.files import load_plan

    plan = load_plan(REPO / "plan.yaml")
    ids = {x.id for group in (plan.roles, plan.levels, plan.categories, plan.sentiments,
                              plan.stages, plan.steps, plan.routines, plan.milestones)
           for x in group}  # fmt: skip
    if plan.statements:
        ids |= {k.id for k in plan.statements.kinds}
    if plan.assessment:
        ids |= {r.id for r in plan.assessment.rules}
    return ids | set(METRIC_WORDS)


METRIC_WORDS = (
    "reads",
    "reposts",
    "comments",
    "likes",
    "rank",
    "rising",
    "steady",
    "falling",
    "table",
    "markdown",
    "json",
    "csv",
    "docx",
    "xlsx",
    "zero",
    "done",
    "en",
    "zh",
)


def test_no_english_left_in_the_chinese_interface(tmp_path: Path) -> None:
    """Every command's help and a corpus of errors and outputs, in Chinese: no English
    word of three letters or more that is not a command, option, id, reference or
    placeholder."""
    import json
    import subprocess
    import sys

    env = {
        **os.environ,
        "YQ_LANG": "zh",
        "YQ_DB": str(tmp_path / "zh.db"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "COLUMNS": "200",
    }
    probe = subprocess.run(
        [sys.executable, "-c", _ZH_PROBE, json.dumps(_CORPUS, ensure_ascii=False)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    outputs: dict[str, str] = json.loads(probe.stdout)
    ids = _plan_ids()
    found: dict[str, set[str]] = {}
    commands = {w for key in outputs for w in re.split(r"[\s-]", key) if w.isalpha()}
    for what, text in outputs.items():
        if text.lstrip().startswith(("{", "[")):
            continue  # JSON: its keys are identifiers
        rest = _LATIN_OK.sub(" ", text)
        words = {w for w in re.findall(r"[A-Za-z][A-Za-z_]{2,}", rest) if w not in ids | commands}
        if words:
            found[what] = words
    assert found == {}
