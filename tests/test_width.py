"""80 and 60 columns: help pages, the list of commands and their examples.

A Chinese character takes two columns, so widths are measured as the terminal shows them
(``rich.cells.cell_len``), never by ``len``.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from yuqing_cli.render.wrap import CLOSING, OPENING, wrap

from conftest import ok


def _commands() -> Iterator[tuple[str, Any]]:
    """Every command and group below the root, by path ("line draft")."""
    from typer.main import get_command

    from yuqing_cli.cli import app

    root = get_command(app)

    def walk(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        if path:
            yield " ".join(path), command
        if hasattr(command, "list_commands"):
            ctx = command.context_class(command, info_name="yq")
            for name in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, name), [*path, name])

    return walk(root, [])


COMMANDS = dict(_commands())


def test_every_command_has_a_summary_and_examples() -> None:
    from yuqing_cli.cli.examples import EXAMPLES, summaries

    assert set(summaries()) == set(COMMANDS)
    assert set(EXAMPLES) == set(COMMANDS)
    for path, summary in summaries().items():
        # the list of commands: two spaces, the longest name, two spaces, the summary
        assert 2 + max(len(p) for p in COMMANDS) + 2 + cell_len(summary) <= 80, path


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_examples_are_command_lines_yq_takes(
    path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each example parses: its options exist, its arguments are all there (files they
    read exist, as they would where the example is typed)."""
    from typer.main import get_command

    from yuqing_cli.cli import app
    from yuqing_cli.cli.examples import EXAMPLES

    monkeypatch.chdir(tmp_path)
    for example in EXAMPLES[path]:
        args = shlex.split(example)
        for arg in args:
            if arg.endswith((".xlsx", ".csv", ".txt", ".yaml")):
                (tmp_path / arg).touch()
        root = get_command(app)
        ctx = root.make_context("yq", list(args))
        command: Any = root
        words: list[str] = []
        while hasattr(command, "resolve_command"):
            rest = [*ctx._protected_args, *ctx.args]
            if not rest:
                break  # a group's own example (`yq routine` alone is not one)
            name, command, rest = command.resolve_command(ctx, rest)
            words.append(name)
            ctx = command.make_context(name, rest, parent=ctx)
        assert " ".join(words).startswith(path.split()[0]), example


# Help is built when the commands are imported, in the language of that moment: each
# language is read in a process of its own, at both widths.
_HELP_PROBE = r"""
import json, os, sys
os.environ["YQ_LANG"] = sys.argv[1]
from typer.testing import CliRunner
from yuqing_cli.cli import app

runner = CliRunner()
out = {}
for columns in ("80", "60"):
    os.environ["COLUMNS"] = columns
    for path in json.loads(sys.argv[2]):
        args = [*path.split(), "--help"]
        out[columns + " " + path] = runner.invoke(app, args, env={"COLUMNS": columns}).output
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module", params=["en", "zh"])
def help_pages(request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    lang = request.param
    probe = subprocess.run(
        [sys.executable, "-c", _HELP_PROBE, lang, json.dumps(["", *COMMANDS])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    return lang, json.loads(probe.stdout)


def test_help_pages_fit_the_terminal(help_pages: tuple[str, dict[str, str]]) -> None:
    lang, pages = help_pages
    assert len(pages) == 2 * (len(COMMANDS) + 1)
    for key, text in pages.items():
        columns, _sp, path = key.partition(" ")
        assert text.startswith("用法：" if lang == "zh" else "Usage: "), key
        for line in text.splitlines():
            assert cell_len(line) <= int(columns), (key, line)
            start = line.strip()[:2]
            if start and not re.fullmatch(r"\.[\w/]", start):  # ./plan.yaml, .xlsx: names
                assert start[0] not in CLOSING, (key, line)
        if path:
            assert ("示例" if lang == "zh" else "Examples:") in text, key


def test_list_of_commands_shows_summaries_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = ok("--help").stdout
    assert "assign     Designate a per-incident role\n" in text
    assert "reopen     Reopen a closed incident after a flare-up\n" in text
    assert "..." not in text.split("Commands", 1)[1]


@pytest.mark.parametrize("width", [10, 20, 37, 60])
def test_wrap_follows_chinese_line_breaking(width: int) -> None:
    text = (
        "网传矫正对象脱管（YQ-20241123-002），经核实：系误传。"
        "中心已于2024-11-23 14:30在官方微博发布《情况通报》，"
        "请以权威发布为准！report_leading_group 已完成。"
    )
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for i, line in enumerate(lines):
        assert cell_len(line) <= width, line
        if i:
            assert line[0] not in CLOSING, line
        if i < len(lines) - 1:
            assert line[-1] not in OPENING, line
    # references, times and step ids are never broken where they fit on a line with the
    # punctuation that may not be parted from them
    for token in ("（YQ-20241123-002），", "14:30", "report_leading_group"):
        if cell_len(token) <= width:
            assert any(token in line for line in lines), (token, lines)


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("due 2024-11-23 10:15 missed by 736d 8h", ("2024-11-23 10:15", "736d 8h")),
        ("时限 2024年11月23日 14:15，已超时 736天8小时", ("2024年11月23日 14:15", "736天8小时")),
        ("约 ~2020-06-10 16:00 或 2022-06-10 14:00..18:00", ("~2020-06-10 16:00",)),
        ("发现于 2024-11-23 下午 · 剩余 1小时59分", ("2024-11-23 下午", "1小时59分")),
        ("yq new 标题 --at '今天 09:40' -m '电话报告郭雁'", ("'今天 09:40'", "'电话报告郭雁'")),
    ],
)
def test_times_durations_and_quoted_values_stay_whole(text: str, whole: tuple[str, ...]) -> None:
    """A date with its time, a duration, a value typed in quotes: never parted at a
    space or between characters, at any width they fit in (with a mark glued to them)."""
    for width in range(max(cell_len(w) for w in whole) + 2, cell_len(text) + 1):
        lines = wrap(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), (width, lines)
        for token in whole:
            assert any(token in line for line in lines), (width, token, lines)
