"""Every command has help, and the README documents every command."""

from __future__ import annotations

import re

import pytest

from yuqing_cli.cli import app
from yuqing_cli.cli.app import YqGroup
from yuqing_cli.plan.loader import parse_plan

from conftest import REPO, SHIPPED_PLAN, ok, ok_json, yq


def _commands() -> list[list[str]]:
    import typer.main

    root = typer.main.get_command(app)
    assert isinstance(root, YqGroup)
    found: list[list[str]] = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        if sub:
            found += [[name, child] for child in sub]
        else:
            found.append([name])
    return found


COMMANDS = _commands()


@pytest.mark.no_store
@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_has_help(path: list[str]) -> None:
    result = ok(*path, "--help")
    assert "Usage:" in result.stdout
    summary = result.stdout.split("\n\n")[1].strip()
    assert len(summary) > 10


@pytest.mark.no_store
@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_readme_mentions_every_command(path: list[str]) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"yq {' '.join(path)}" in readme


@pytest.mark.no_store
def test_readme_quick_start_is_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quick, re.S)
    assert len(blocks) == 2 and all(len(b.strip().splitlines()) == 1 for b in blocks)
    assert blocks[0].strip().endswith("pip install . && yq demo")
    assert blocks[1].strip().endswith("pip install '.[test]' && pytest")


def test_demo_runs_the_first_job() -> None:
    out = ok("demo").stdout
    assert "logged YQ-" in out and "发现 → 报告" in out and "step done" in out
    incidents = ok_json("list")
    assert len(incidents) == 1 and incidents[0]["exercise"] is True
    assert incidents[0]["stage"] == "reported"
    ok("verify")


def test_command_reference_is_current(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """docs/commands.md is generated from the Typer app; regenerate it when this fails:
    python -m typer yuqing_cli.cli utils docs --name yq --title "yq command reference"
    --output docs/commands.md"""
    import subprocess
    import sys

    target = tmp_path / "commands.md"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "typer",
            "yuqing_cli.cli",
            "utils",
            "docs",
            "--name",
            "yq",
            "--title",
            "yq command reference",
            "--output",
            str(target),
        ],
        check=True,
        capture_output=True,
    )
    current = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") == current


@pytest.mark.no_store
def test_docs_cover_the_plan_format_and_json() -> None:
    plan_doc = (REPO / "docs" / "plan-format.md").read_text(encoding="utf-8")
    for key in (
        "format",
        "articles",
        "roles",
        "people",
        "permissions",
        "levels",
        "categories",
        "stages",
        "routines",
        "milestone",
        "milestones",
        "assigns",
        "reopen_to",
        "defaults",
        "time",
        "graded",
        "wave",
    ):
        assert f"`{key}`" in plan_doc
    json_doc = (REPO / "docs" / "json.md").read_text(encoding="utf-8")
    for key in (
        "can_advance",
        "missing",
        "happened_at",
        "late_by",
        "verdict",
        "as_known_at",
        "late_entry",
        "findings",
        "waves",
        "response_times",
        "breach",
        "open_by_stage",
        "login_admin",
        "logins",
        "acting_as",
    ):
        assert f"`{key}`" in json_doc


@pytest.mark.parametrize(("columns", "lang"), [(80, "en"), (60, "zh")])
def test_readme_daily_use_runs(env, monkeypatch, columns: int, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Every line of the README's "Daily use" block, in order, through the CLI, on a
    terminal of 80 columns in English and of 60 in Chinese: every line fits, and
    nothing that must stay whole is broken."""
    import shlex

    monkeypatch.setenv("COLUMNS", str(columns))
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Daily use", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines[0].startswith("export YQ_USER=")
    monkeypatch.setenv("YQ_USER", shlex.split(lines[0].split("#")[0])[1].split("=", 1)[1])
    for line in lines[1:]:
        command, _, comment = line.partition("  #")
        argv = shlex.split(command)
        assert argv[0] == "yq", line
        result = yq("--lang", lang, *argv[1:])
        expected = 1 if "refused (exit 1)" in comment else 0
        assert result.exit_code == expected, (line, result.stdout, result.stderr)
        if "--json" not in argv and "-o" not in argv and "-f" not in argv:
            fits(result.stdout, columns, line)  # messages on stderr are one line each
    # a document: in the unit's language (the shipped plan's: Chinese), whatever --lang
    assert "\n# 红旗区社区矫正中心舆情日报\n" in (env / "日报.md").read_text(encoding="utf-8")
    assert (env / "台账.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    shown = ok_json("show", "YQ-20241123-001")
    assert shown["assignments"] == {"spokesperson": "秦可娟"}
    stage = next(s.name for s in parse_plan(SHIPPED_PLAN.read_bytes()).stages
                 if s.id == shown["stage"])  # fmt: skip
    listed = yq("--lang", lang, "list", "--all").stdout
    assert "YQ-20241123-001" in listed and stage in listed


def fits(text: str, columns: int, what: str) -> None:
    """Every line within ``columns``; references, ids and names whole; no line starts
    with closing punctuation."""
    from rich.cells import cell_len

    from yuqing_cli.render.wrap import CLOSING

    plan = parse_plan(SHIPPED_PLAN.read_bytes())
    ids = {x.id for x in (*plan.steps, *plan.roles, *plan.levels, *plan.categories)}
    ids |= {x.id for x in (*plan.stages, *plan.routines, *plan.milestones)}
    for line in text.splitlines():
        if not re.fullmatch(r"\d+:[0-9a-f]{64}", line):  # an anchor, whole, to be copied
            assert cell_len(line) <= columns, (what, line)
        start = line.strip()[:2]
        if start and not re.fullmatch(r"\.[\w/]", start):
            assert start[0] not in CLOSING, (what, line)
        for ref in re.findall(r"YQ-[\d-]*", line):
            assert re.fullmatch(r"YQ-\d{8}-\d{3}", ref), (what, line)
        for token in re.findall(r"(?<![\w/.-])[a-z]+(?:_[a-z]+)+(?![\w/.-])", line):
            assert token in ids, (what, token, line)
        for person in plan.people:
            for k in range(2, len(person.name)):
                cut = re.escape(person.name[:k]) + "(?:\\s|$)"
                assert not re.search(cut, line), (what, person.name, line)
