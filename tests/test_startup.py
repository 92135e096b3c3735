"""A run builds only the command it names, converts plain values without pydantic, and
uses Typer through its public interface only; `yq batch` runs many commands in one
process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LEADER, LIAISON, MEMBER, REPO, new, ok, ok_json, yq


def _loaded(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> set[str]:
    """The modules a real run of `yq ARGS` imported."""
    code = (
        "import sys; from yuqing_cli.cli import main\n"
        f"sys.argv = ['yq', *{args!r}]\n"
        "try:\n    main()\nfinally:\n"
        "    sys.__stderr__.write('LOADED=' + ' '.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={**__import__("os").environ, **(env or {})},
    )
    assert proc.returncode == 0, proc.stderr
    return set(proc.stderr.rsplit("LOADED=", 1)[1].split())


def test_plan_show_builds_its_command_alone_without_pydantic(tmp_path: Path) -> None:
    loaded = _loaded(["plan", "show"], tmp_path)
    assert "yuqing_cli.cli.plan_cmd" in loaded
    others = {"incident_cmd", "report_cmd", "db_cmd", "batch_cmd"}
    assert not {f"yuqing_cli.cli.{m}" for m in others} & loaded
    assert not {m for m in loaded if m.split(".")[0] in ("pydantic", "sqlalchemy", "sqlmodel")}


def test_a_writing_command_builds_no_type_adapters(tmp_path: Path) -> None:
    env = {"YQ_DB": str(tmp_path / "x.db"), "YQ_USER": LIAISON}
    args = ["new", "事件", "--level", "重大", "--category", "rumour", "--url", "https://x/1"]
    loaded = _loaded(args, tmp_path, env)
    assert "typer._adapters" not in loaded  # Typer's pydantic validation of parameters
    assert "yuqing_cli.cli.report_cmd" not in loaded


def test_help_lists_every_command_in_order() -> None:
    from yuqing_cli.cli.app import COMMANDS

    text = ok("--help").stdout
    listed = [n for n in COMMANDS if re.search(rf"^\s+{n}\s", text, re.M)]
    assert listed == list(COMMANDS)


def test_the_command_map_names_the_module_of_each_command() -> None:
    """Registration that cannot drift: every command is in COMMANDS, with its module."""
    from yuqing_cli.cli import full_app
    from yuqing_cli.cli.app import COMMANDS, command_name

    app = full_app()
    registered = {command_name(c): c.callback.__module__ for c in app.registered_commands}
    registered |= {g.name: g.typer_instance.registered_commands[0].callback.__module__
                   for g in app.registered_groups}  # fmt: skip
    assert registered == {name: f"yuqing_cli.cli.{module}" for name, module in COMMANDS.items()}


def test_no_private_module_of_typer_is_used() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "src").rglob("*.py"))
    assert not re.search(r"typer\._|from typer import _", source)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["list", "-n", "0"], 2),  # below the option's minimum
        (["list", "-n", "x"], 2),
        (["report", "--format", "pdf"], 2),
        (["report", "--format", "json"], 0),
        (["log", "-n", "3"], 0),
        (["export", "-o", "."], 2),  # a directory where a file is wanted
        (["--plan", ".", "plan", "show"], 2),
    ],
)
def test_plain_values_are_checked_as_typer_checks_them(args: list[str], code: int) -> None:
    result = yq(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)


def test_unset_and_repeated_options_keep_their_meaning() -> None:
    ref = new("事件", category="rumour", extra=["--category", "complaint"])
    shown = ok_json("show", ref)
    assert shown["categories"] == ["rumour", "complaint"]
    assert shown["url"] is None and shown["summary"] == ""
    assert [e["action"] for e in ok_json("log", ref, "-n", "1")] == ["create"]


# -- yq batch ------------------------------------------------------------------------------


def test_batch_runs_each_line_with_the_same_checks(env: Path) -> None:
    script = env / "commands.txt"
    script.write_text(
        "# a morning's work\n"
        f'--as {LIAISON} new "网传事件" --level 重大 --at "2024-11-23 09:15"\n'
        f"yq --as {MEMBER} done YQ-20241123-001 assess  # a comment\n"
        f'--as {LEADER} waive YQ-20241123-001 trace_source --reason "来源 \\\n'
        '已明"\n'
        f"--as {LEADER} advance YQ-20241123-001\n"  # refused: a step is open
        f"--as {MEMBER} note YQ-20241123-001 never-reached\n",
        encoding="utf-8",
    )
    result = yq("batch", str(script))
    assert result.exit_code == 1
    assert "logged YQ-20241123-001" in result.stdout and "trace_source waived" in result.stdout
    assert "line 6 failed (exit 1)" in result.stderr and "report_leading_group" in result.stderr
    trail = ok_json("log", "YQ-20241123-001")
    assert [e["action"] for e in trail] == ["create", "done", "waived"]
    assert trail[2]["note"] == "来源 已明"


def test_batch_keep_going_json_lines_and_the_first_failure_code() -> None:
    ref = new(at="2024-11-23 09:00")
    lines = "\n".join(
        [
            f"--as {MEMBER} done {ref} assess",
            f"--as {MEMBER} done {ref} no_such_step",  # exit 2
            f"--as {MEMBER} done {ref} assess",  # exit 1: already done
            f"checklist {ref} --json",
            'note "unbalanced',
            "batch -",
        ]
    )
    result = yq("batch", "--keep-going", "--json", input=lines + "\n")
    assert result.exit_code == 2
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["exit"] for r in records] == [0, 2, 1, 0, 2, 2]
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert records[3]["result"]["ref"] == ref
    assert "no_such_step" in records[1]["errors"] and records[0]["output"].startswith(ref)
    stopped = yq("batch", input=lines + "\n")  # the first line now fails: done already
    assert stopped.exit_code == 1 and "line 1 failed (exit 1)" in stopped.stderr
    assert "line 2" not in stopped.stderr


def test_batch_lang_holds_for_its_line_only() -> None:
    ref = new(at="2024-11-23 09:00")
    result = yq("batch", input=f"--lang zh note {ref} 备注\nnote {ref} x\n", user=MEMBER)
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert "note added" not in first and second == f"{ref}: note added"


def test_batch_of_a_missing_file() -> None:
    result = yq("batch", "no-such-file.txt")
    assert result.exit_code == 2 and "no-such-file.txt" in result.stderr
