"""The corpus of time expressions (tests/data/time_corpus.txt): each is read as written
there by hand, or refused. No wrong reading; contradictions and ambiguities refused; at
least 85 % of the point-like and short-span expressions read (issue 21).

``python tests/test_time_corpus.py`` prints the figures by category.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from yuqing_cli.errors import BadInput
from yuqing_cli.when import EPOCH, Anchor, TimeRules, When, parse_when

pytestmark = pytest.mark.no_store

CORPUS = Path(__file__).parent / "data" / "time_corpus.txt"
TZ = "Asia/Shanghai"
ZONE = ZoneInfo(TZ)  # with the summer time China kept from 1986 to 1991
CATEGORIES = ("point", "short", "long", "contradiction", "ambiguous", "unsupported", "future")


@dataclass(frozen=True)
class Case:
    line: int
    category: str
    text: str
    now: datetime
    anchor: Anchor | None
    bare_hour: str
    expected: str
    precision: str
    source: str

    @property
    def refused(self) -> bool:
        return self.expected == "refused"

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}"


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(UTC)


def _anchor(text: str) -> Anchor | None:
    if text == "-":
        return None
    if text.startswith("year="):
        return Anchor(year=int(text[5:]))
    start, _, last = text.partition("/")
    return Anchor(
        date.fromisoformat(start) if start else None,
        date.fromisoformat(last) if last else None,
    )


def load() -> list[Case]:
    cases = []
    for number, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(" | ")]
        assert len(fields) == 8, f"line {number}: {len(fields)} fields"
        category, text, now, anchor, plan, expected, precision, source = fields
        assert category in CATEGORIES, f"line {number}: {category}"
        cases.append(
            Case(
                number,
                category,
                text,
                _local(now),
                _anchor(anchor),
                "24h" if plan == "24h" else "ask",
                expected,
                precision,
                source,
            )  # fmt: skip
        )
    return cases


CASES = load()


def read(case: Case) -> When | BadInput:
    rules = TimeRules(TZ, bare_hour="24h" if case.bare_hour == "24h" else "ask")
    try:
        return parse_when(case.text, rules, now=case.now, anchor=case.anchor)
    except BadInput as error:
        return error


def _bound(text: str, case: Case) -> datetime:
    if text == "*":
        return EPOCH
    if text == "now":
        return case.now
    return _local(text)


def verdict(case: Case, got: When | BadInput) -> str:
    """ "" when the reading is the one written by hand, else what is wrong."""
    if case.refused:
        return "" if isinstance(got, BadInput) else f"read as {got}, expected a refusal"
    if isinstance(got, BadInput):
        return f"refused: {got.message} ({got.hint})"
    lo, _, hi = case.expected.partition(" .. ")
    expected = (_bound(lo, case), _bound(hi or lo, case), case.precision)
    if (got.lo, got.hi, got.precision) != expected:
        return f"read as {got.lo}..{got.hi} {got.precision}, expected {expected}"
    if not got.lo <= got.at <= got.hi:
        return f"nominal instant {got.at} outside its interval"
    return ""


def test_the_corpus_is_large_and_from_its_sources() -> None:
    assert len(CASES) >= 300
    assert len({(c.text, c.now, c.anchor, c.bare_hour) for c in CASES}) == len(CASES)
    sources = Counter(c.source for c in CASES)
    assert sources["jionlp"] >= 90 and sources["issue21"] >= 40 and sources["notice"] >= 30


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_expression_is_read_as_written_by_hand(case: Case) -> None:
    problem = verdict(case, read(case))
    assert not problem, problem


def figures() -> dict[str, tuple[int, int]]:
    """Per category: how many expressions, and how many read."""
    out: dict[str, tuple[int, int]] = {}
    for category in CATEGORIES:
        cases = [c for c in CASES if c.category == category]
        read_ = sum(1 for c in cases if not isinstance(read(c), BadInput))
        out[category] = (len(cases), read_)
    return out


def test_most_point_like_and_short_expressions_are_read() -> None:
    found = figures()
    total = found["point"][0] + found["short"][0]
    read_ = found["point"][1] + found["short"][1]
    assert read_ >= 0.85 * total, found
    for category in ("contradiction", "ambiguous", "unsupported", "future"):
        assert found[category][1] == 0, category


def test_refusals_say_what_to_write_in_a_short_line() -> None:
    from rich.cells import cell_len

    for case in CASES:
        got = read(case)
        if isinstance(got, BadInput):
            assert cell_len(got.hint or "") <= 70, (case, got.hint)
            assert "UTC" not in got.message + (got.hint or ""), case


if __name__ == "__main__":  # pragma: no cover - prints the figures for the report
    for category, (count, done) in figures().items():
        print(f"{category:14} {count:4} expressions, {done:4} read, {count - done:4} refused")
    print(f"{'all':14} {len(CASES):4}")
