"""Times as people type them: every accepted form, the intervals, what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from yuqing_cli.errors import BadInput
from yuqing_cli.when import TimeRules, parse_day, parse_when, show_when

pytestmark = pytest.mark.no_store  # never opens a database: run once, on SQLite

TZ = "Asia/Shanghai"
RULES = TimeRules(TZ)
CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=CST).astimezone(UTC)  # Sunday 14:00


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST).astimezone(UTC)


EXACT = [
    ("2026/11/29 9:30", "2026-11-29 09:30"),
    ("2026-11-29 9:30", "2026-11-29 09:30"),
    ("2026.11.29 09:30", "2026-11-29 09:30"),
    ("11月29日 9时", "2026-11-29 09:00"),  # 时: the 24-hour clock of official writing
    ("11月29日上午9点30分", "2026-11-29 09:30"),
    ("11月29日早上9点半", "2026-11-29 09:30"),
    ("2024年11月23日9时15分", "2024-11-23 09:15"),
    ("今天 9:30", "2026-11-29 09:30"),
    ("昨天 14:30", "2026-11-28 14:30"),
    ("前天 8:00", "2026-11-27 08:00"),
    ("9:30", "2026-11-29 09:30"),
    ("09：30", "2026-11-29 09:30"),
    ("２０２６－１１－２９　０９：３０", "2026-11-29 09:30"),
    ("2026-11-29 09:30:15", "2026-11-29 09:30:15"),
    ("2024-11-23T14:30:00+08:00", "2024-11-23 14:30"),
    ("2024-11-23T06:30:00Z", "2024-11-23 14:30"),
    ("2024-11-23 06:30Z", "2024-11-23 14:30"),
    ("2020-02-26 下午3点", "2020-02-26 15:00"),
    ("昨天晚上8点", "2026-11-28 20:00"),
    ("9月30日 10:00", "2026-09-30 10:00"),  # no year, no incident: within three months
]


@pytest.mark.parametrize(("text", "expected"), EXACT)
def test_exact_forms(text: str, expected: str) -> None:
    when = parse_when(text, RULES, now=NOW)
    assert when.precision == "exact" and when.lo == when.hi == when.at == local(expected)


INTERVALS = [
    ("2020-03-31", "date", "2020-03-31 00:00", "2020-04-01 00:00", "2020-03-31"),
    ("2020年3月31日", "date", "2020-03-31 00:00", "2020-04-01 00:00", "2020-03-31"),
    ("2020-02-26 下午", "part", "2020-02-26 12:00", "2020-02-26 18:00", "2020-02-26 afternoon"),
    ("2020-02-26 上午", "part", "2020-02-26 06:00", "2020-02-26 12:00", "2020-02-26 morning"),
    ("2020-02-26 中午", "part", "2020-02-26 11:00", "2020-02-26 13:00", "2020-02-26 noon"),
    ("2020-02-26 晚上", "part", "2020-02-26 18:00", "2020-02-27 00:00", "2020-02-26 evening"),
    ("2020-02-26 凌晨", "part", "2020-02-26 00:00", "2020-02-26 06:00", "2020-02-26 early morning"),
    ("2020-02-26 深夜", "part", "2020-02-26 22:00", "2020-02-27 03:00", "2020-02-26 late at night"),
    ("~2020-06-10 16:00", "approx", "2020-06-10 15:30", "2020-06-10 16:30", "~2020-06-10 16:00"),
    ("约2020-06-10 16:00", "approx", "2020-06-10 15:30", "2020-06-10 16:30", "~2020-06-10 16:00"),
    ("2020-06-10 16:00左右", "approx", "2020-06-10 15:30", "2020-06-10 16:30", "~2020-06-10 16:00"),
    (
        "2022-06-10 14:00..18:00",
        "range",
        "2022-06-10 14:00",
        "2022-06-10 18:00",
        "2022-06-10 14:00–18:00",
    ),
    (
        "2022-06-10 23:00..06-11 01:00",
        "range",
        "2022-06-10 23:00",
        "2022-06-11 01:00",
        "2022-06-10 23:00–06-11 01:00",
    ),
    (
        "2022-06-10 14:00至18:00",
        "range",
        "2022-06-10 14:00",
        "2022-06-10 18:00",
        "2022-06-10 14:00–18:00",
    ),
]


@pytest.mark.parametrize(("text", "precision", "lo", "hi", "shown"), INTERVALS)
def test_uncertain_forms(text: str, precision: str, lo: str, hi: str, shown: str) -> None:
    when = parse_when(text, RULES, now=NOW)
    assert (when.precision, when.lo, when.hi) == (precision, local(lo), local(hi))
    assert when.lo <= when.at <= when.hi
    assert show_when(when, TZ) == shown


def test_today_is_cut_at_the_clock_and_unknown_at_the_floor() -> None:
    today = parse_when("今天", RULES, now=NOW)
    assert (today.lo, today.hi) == (local("2026-11-29 00:00"), NOW)
    floor = local("2026-11-20 09:00")
    unknown = parse_when("unknown", RULES, now=NOW, floor=floor)
    assert (unknown.precision, unknown.lo, unknown.hi) == ("unknown", floor, NOW)
    assert parse_when("不详", RULES, now=NOW, floor=floor).precision == "unknown"
    with pytest.raises(BadInput, match="does not allow"):
        parse_when("unknown", TimeRules(TZ, allow_unknown=False), now=NOW)


@pytest.mark.parametrize(
    "text",
    [
        "明天",
        "25:00",
        "2026-02-30 10:00",
        "x",
        "0001-01-01",
        "9999-12-31",
        "2026-11-29 15:00",
        "1000-01-01T00:00:00Z",
        "2022-06-10 18:00..14:00",
        "~2020-06-10",
        "11月29日 9点",  # 09:00 or 21:00: asked (issue 21)
        "12月30日 10:00",  # no year, and last year's is eleven months ago (issue 21)
    ],
)
def test_refused(text: str) -> None:
    with pytest.raises(BadInput) as info:
        parse_when(text, RULES, now=NOW)
    assert "UTC" not in info.value.message + (info.value.hint or "")


def test_future_error_names_the_time_in_the_plans_zone() -> None:
    with pytest.raises(BadInput) as info:
        parse_when("2026-11-29 15:00", RULES, now=NOW)
    assert "2026-11-29 14:00" in (info.value.hint or "")


def test_days() -> None:
    for text in ("2024-11-23", "2024/11/23", "2024年11月23日"):
        assert parse_day(text, TZ, now=NOW).isoformat() == "2024-11-23"
    assert parse_day("昨天", TZ, now=NOW).isoformat() == "2026-11-28"
    assert parse_day("11月23日", TZ, now=NOW).isoformat() == "2026-11-23"
    for bad in ("2024-11-23 10:00", "x", "0001-01-01"):
        with pytest.raises(BadInput):
            parse_day(bad, TZ, now=NOW)


def test_a_date_is_kept_in_utc_like_every_stored_instant() -> None:
    """A state folded from a typed date and one replayed from the stored event encode the
    same (the nominal instant is UTC, not the plan's zone)."""
    from yuqing_cli import codec
    from yuqing_cli.when import When

    when = parse_when("2024-11-23", RULES, now=NOW)
    assert when.at.utcoffset() == timedelta(0) and when.at == local("2024-11-23 00:00")
    replayed = When.from_data(when.at.astimezone(UTC), when.to_data())
    assert codec.dumps(replayed) == codec.dumps(when)


def test_an_exact_time_kept_in_event_data_reads_back() -> None:
    from yuqing_cli.when import When

    exact = When.exact(local("2024-11-23 09:00"))
    assert When.from_dict(exact.to_dict()) == exact


def test_the_quick_form_reads_like_the_general_one() -> None:
    for text in ("2024-11-23 09:15", "2024-1-3 9:05", "2024-11-23 09:15:30"):
        quick = parse_when(text, RULES, now=NOW)
        general = parse_when(" " + text, RULES, now=NOW)  # the space skips the quick path
        assert quick == general
    with pytest.raises(BadInput):
        parse_when("2024-02-30 09:00", RULES, now=NOW)
    with pytest.raises(BadInput):
        parse_when("2027-01-01 09:00", RULES, now=NOW)  # in the future
