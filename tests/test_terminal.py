"""What a person sees in a terminal: colour rules and tables that line up in Chinese."""

from __future__ import annotations

import re

from rich.cells import cell_len

from conftest import MEMBER, new, ok, run_yq

COLOUR = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-7]|9[0-7]|38;[25];[\d;]+)m")


def test_no_colour_when_piped_or_with_no_color(env) -> None:  # type: ignore[no-untyped-def]
    ref = new(level="特别重大", at="2024-11-23 09:00")
    piped = run_yq(["checklist", ref], env={"NO_COLOR": "", "FORCE_COLOR": ""})
    assert piped.returncode == 0 and "\x1b[" not in piped.stdout
    forced = run_yq(["checklist", ref], env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert COLOUR.search(forced.stdout), "a forced terminal gets colour"
    plain = run_yq(["checklist", ref], env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert not COLOUR.search(plain.stdout)


def test_tables_line_up_with_chinese_text() -> None:
    ref = new(
        "网传中心违规收费，群众反映强烈", level="重大", category="complaint", at="2024-11-23 09:00"
    )
    ok("done", ref, "assess", "--note", "转发量较大，需持续关注", user=MEMBER)
    for args in (["checklist", ref], ["list"], ["log", ref], ["--lang", "zh", "checklist", ref]):
        table = [line for line in ok(*args).stdout.splitlines() if line.startswith(" ")]
        assert len(table) >= 3, args
        # Every line of a table, Chinese or not, is the same width in terminal cells.
        widths = {cell_len(line) for line in table}
        assert len(widths) == 1, (args, widths)
