"""Untrusted text (issue 22): one escaping for every output, control characters refused at
input with their position, and `yq batch` bounded, linear and never echoing a line raw."""

from __future__ import annotations

import json
import shlex
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from yuqing_cli.cli import batch_cmd
from yuqing_cli.render.safe import UNSAFE, clean, json_safe

from conftest import MEMBER, database, new, ok, ok_json, tampering, yq

ESCAPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}
INVISIBLE_LETTERS = "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0"


# -- 8. one escaping for every output ---------------------------------------------------


@pytest.mark.no_store
def test_every_invisible_and_separator_character_is_escaped() -> None:
    """Against this Python's Unicode database: every character of the categories Cc, Cf,
    Zl, Zp, Co and Cs (but tab and newline), the whole tag block and the invisible
    letters — and nothing a text needs to be read (CJK, emoji with their variation
    selector, the ideographic space, an ideographic variation sequence)."""
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if (
            unicodedata.category(chr(code)) in ESCAPED_CATEGORIES
            or 0xE0000 <= code <= 0xE007F
            or chr(code) in INVISIBLE_LETTERS
        )
        and code not in (0x09, 0x0A)
        and not UNSAFE.fullmatch(chr(code))
    ]
    assert missed == []
    for kept in ("舆情日报", "❤️", "\u3000", "葛\U000e0100", "a\tb\nc", "Ωé"):
        assert clean(kept) == kept and json_safe(kept) == kept
    assert clean("x\u200dy\U000e0041\u2029") == "x\\u200dy\\U000e0041\\u2029"
    assert clean("a\nb\tc\rd", single_line=True) == "a b c\\x0dd"
    # In JSON, escapes that decode to the same text (a surrogate pair above U+FFFF).
    escaped = json_safe(json.dumps({"t": "x\u202e\U000e0041\x85"}, ensure_ascii=False))
    assert escaped == '{"t": "x\\u202e\\udb40\\udc41\\u0085"}'
    assert json.loads(escaped)["t"] == "x\u202e\U000e0041\x85"


def _store_behind(ref: str, marker: str, value: str) -> None:
    """Put ``value`` where ``marker`` is in an incident's stored text, as a database
    written before control characters were refused holds it (JSON columns get it
    JSON-escaped)."""
    encoded = json.dumps(value)[1:-1]
    with tampering() as conn:
        for table, columns in (
            ("incident", ("title",)),
            ("event", ("note",)),
        ):
            for column in columns:
                conn.execute(
                    text(f"UPDATE {table} SET {column} = replace({column}, :m, :v)"),
                    {"m": marker, "v": value},
                )
        for table, column in (("incident", "state"), ("incident", "ledger"), ("event", "new")):
            conn.execute(
                text(f"UPDATE {table} SET {column} = replace({column}, :m, :v)"),
                {"m": marker, "v": encoded},
            )


def test_control_characters_already_stored_are_escaped_in_every_output(clock: Any) -> None:
    clock.set("2024-11-23 18:00")
    title = "标题MARK尾"
    ref = new(title, at="2024-11-23 09:00")
    ok("note", ref, "备注MARK", user=MEMBER)
    hostile = "\x1b]0;pwned\x07\x1b[2J\u2028\U000e0041"
    if not database().startswith("postgresql"):  # a server cannot hold a NUL at all
        hostile += "\x00"
    _store_behind(ref, "MARK", hostile)
    outputs = {
        "list": ok("list").stdout,
        "show": ok("show", ref).stdout,
        "log": ok("log", ref).stdout,
        "report": ok("report", "--date", "2024-11-23").stdout,
        "markdown": ok("report", "--date", "2024-11-23", "-f", "markdown").stdout,
        "csv": ok("report", "--date", "2024-11-23", "-f", "csv").stdout,
        "export": ok("export").stdout,
        "json": ok("show", ref, "--json").stdout,
    }
    for name, out in outputs.items():
        assert not {"\x1b", "\x07", "\x00", "\u2028", "\U000e0041"} & set(out), name
    assert "\\x1b]0;pwned\\x07" in outputs["show"]
    assert ok_json("show", ref)["title"] == f"标题{hostile}尾"


# -- 8. control characters refused at input ---------------------------------------------


def test_control_characters_are_refused_in_arguments_with_their_position() -> None:
    ref = new(at="2024-11-23 09:00")
    before = ok_json("log", ref)
    for args, position in (
        (("note", ref, "备注\x00"), 3),
        (("note", ref, "a\rb"), 2),
        (("new", "\x1b[31m红", "--level", "一般"), 1),
        (("note", ref, "--at", "2024-11-23 10:00\x08"), 17),
    ):
        result = yq(*args, user=MEMBER)
        assert result.exit_code == 2, args
        assert f"at position {position}" in result.stderr
        assert "\x1b" not in result.stderr and "\x00" not in result.stderr
    ok("note", ref, "第一行\n第二行\t缩进", user=MEMBER)  # tab and newline are text
    assert len(ok_json("log", ref)) == len(before) + 1
    refused = yq("--as", f"{MEMBER}\x00", "note", ref, "x")
    assert refused.exit_code == 2 and "at position 4" in refused.stderr


def test_a_statement_file_with_a_control_character_is_refused(env: Path) -> None:
    ref = new(level="重大", at="2024-11-23 09:00")
    text_file = env / "口径.txt"
    text_file.write_text("经核查，\r\n情况属实。\x1b[2J\n", encoding="utf-8")
    result = yq("line", "draft", ref, "--file", str(text_file), user=MEMBER)
    assert result.exit_code == 2, result.stdout
    assert "U+001B" in result.stderr and "line 2, column 6" in result.stderr


# -- 7. yq batch: bounded, linear, escaped -----------------------------------------------

SHELLISH = st.text(alphabet=st.sampled_from(list("ab $#'\"\\\t中")), max_size=24)


@pytest.mark.no_store
@settings(max_examples=2000, deadline=None)
@given(SHELLISH)
def test_the_batch_tokenizer_splits_as_shlex_does(line: str) -> None:
    try:
        expected = shlex.split(line, comments=True)
    except ValueError:
        with pytest.raises(batch_cmd.SplitError):
            batch_cmd.split(line)
        return
    assert batch_cmd.split(line) == expected


@pytest.mark.no_store
def test_the_batch_tokenizer_on_known_lines() -> None:
    assert batch_cmd.split("""note X '一 "二"' "三 \\"四\\" \\$" a\\ b c#d # e""") == [
        "note", "X", '一 "二"', '三 "四" \\$', "a b", "c",
    ]  # fmt: skip
    assert batch_cmd.split("x '' \"\"") == ["x", "", ""]
    for bad in ("note 'open", 'note "open', "note x\\", 'note "x\\'):
        with pytest.raises(batch_cmd.SplitError):
            batch_cmd.split(bad)


def test_a_batch_line_that_is_not_utf8_exits_2_naming_it(env: Path) -> None:
    ref = new(at="2024-11-23 09:00")
    script = env / "commands.txt"
    script.write_bytes(
        f"--as {MEMBER} note {ref} 第一\n".encode()
        + f"--as {MEMBER} note {ref} ".encode()
        + b"\xff\xfe\n"
        + f"--as {MEMBER} note {ref} never\n".encode()
    )
    result = yq("batch", str(script))
    assert result.exit_code == 2, result.stderr
    assert "line 2: it is not UTF-8 text (byte 0xff at column" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    notes = [e["note"] for e in ok_json("log", ref) if e["action"] == "note"]
    assert notes == ["第一"]


def test_a_batch_line_with_a_control_character_is_refused(env: Path) -> None:
    ref = new(at="2024-11-23 09:00")
    result = yq("batch", "--json", input=f"--as {MEMBER} note {ref} a\x00b\n")
    assert result.exit_code == 2
    record = json.loads(result.stdout)
    assert "line 1: a control character (U+0000) at column" in record["errors"]
    assert "\x00" not in result.stdout


def test_batch_refuses_long_lines_and_large_batches_and_keeps_going(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = new(at="2024-11-23 09:00")
    huge = f"--as {MEMBER} note {ref} " + "长" * (1024 * 1024) + "\n"
    lines = huge + f"--as {MEMBER} note {ref} 之后\n"
    result = yq("batch", "--keep-going", input=lines)
    assert result.exit_code == 2
    assert "line 1: the line is longer than 64 KB" in result.stderr
    assert len(result.stderr) < 1000  # the line is not echoed
    assert [e["note"] for e in ok_json("log", ref) if e["action"] == "note"] == ["之后"]
    monkeypatch.setattr(batch_cmd, "MAX_BATCH", 200)
    many = "".join(f"--as {MEMBER} note {ref} n{i}\n" for i in range(10))
    result = yq("batch", "--keep-going", input=many)
    assert result.exit_code == 2 and "the batch is longer than" in result.stderr
    written = [e["note"] for e in ok_json("log", ref) if e["action"] == "note"]
    assert 1 <= len(written) - 1 < 10  # the lines within the limit ran, then it stopped


def test_a_failing_batch_line_is_echoed_escaped_and_shortened() -> None:
    ref = new(at="2024-11-23 09:00")
    line = f"--as {MEMBER} done {ref} no_such_step \x9b2J\u202e " + "x" * 500
    result = yq("batch", input=line + "\n")
    assert result.exit_code == 2
    echo = next(e for e in result.stderr.splitlines() if "line 1 failed" in e)
    assert "\x9b" not in echo and "\u202e" not in echo and "\\x9b2J" in echo
    assert echo.endswith("…") and len(echo) < 200
