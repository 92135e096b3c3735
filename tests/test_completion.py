"""Shell completion through Typer's completion environment variables (R-CLI-6)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from yuqing_cli.cli import app

from conftest import LIAISON, MEMBER, new, ok


def complete(line: str) -> str:
    result = CliRunner().invoke(
        app, [], prog_name="yq", env={"_YQ_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_done_offers_the_open_steps_of_the_incident() -> None:
    ref = new(level="重大", at="2024-11-23 09:00")
    ok("done", ref, "assess", user=MEMBER)
    out = complete(f"yq done {ref} ")
    assert '"trace_source":"了解舆情出处"' in out
    assert '"report_leading_group"' in out
    assert "assess" not in out  # done already
    assert "unified_line" not in out  # a later stage
    assert '"report_' in complete(f"yq done {ref} report_")
    assert "trace_source" not in complete(f"yq done {ref} report_")


def test_references_levels_and_names() -> None:
    ref = new(at="2024-11-23 09:00")
    assert ref in complete("yq show YQ-2024")
    assert ref not in complete("yq show YQ-1999")
    levels = complete("yq new x --level ")
    assert '"especially_major"' in levels and '"特别重大"' in levels
    assert '"郭雁":"组长"' in complete("yq --as 郭")
    assert '"spokesperson":"新闻发言人"' in complete(f"yq assign {ref} ")
    assert '"patrol"' in complete("yq routine done ")


@pytest.mark.parametrize("line", ["yq done NOPE ", "yq --db /nonexistent/dir/x.db show "])
def test_completion_never_fails(line: str) -> None:
    complete(line)  # completes nothing, but exits 0 without a traceback


def test_completion_with_the_installed_script(env) -> None:  # type: ignore[no-untyped-def]
    from conftest import run_yq

    ref = new(at="2024-11-23 09:00", user=LIAISON)
    proc = run_yq(
        [],
        env={"_YQ_COMPLETE": "complete_bash", "COMP_WORDS": f"yq done {ref} tr", "COMP_CWORD": "3"},
    )
    assert proc.returncode == 0 and proc.stdout.split() == ["trace_source"]
