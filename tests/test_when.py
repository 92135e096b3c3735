"""Times as people type them: every accepted form, the intervals, what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import setup
from yuqing_cli.when import EPOCH, Anchor, TimeRules, When, parse_day, parse_when, show_when
from yuqing_cli.when.forms import PARTS

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

    when = parse_when("2024-11-23", RULES, now=NOW)
    assert when.at.utcoffset() == timedelta(0) and when.at == local("2024-11-23 00:00")
    replayed = When.from_data(when.at.astimezone(UTC), when.to_data())
    assert codec.dumps(replayed) == codec.dumps(when)


def test_an_exact_time_kept_in_event_data_reads_back() -> None:
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


# -- whatever a time is shown as reads back to the same interval ---------------------------------

ZONE = ZoneInfo(TZ)
# From 1992: China kept summer time until 1991, and an hour of its autumn repeats.
FIRST = datetime(1992, 1, 1, tzinfo=CST)
MINUTES = int((NOW - FIRST.astimezone(UTC)).total_seconds() // 60)


def _minute(n: int) -> datetime:
    return (FIRST + timedelta(minutes=n)).astimezone(UTC)


def _midnight(day: int) -> datetime:
    start = FIRST.date() + timedelta(days=day)
    return datetime.combine(start, datetime.min.time(), tzinfo=ZONE).astimezone(UTC)


DAYS = (NOW.astimezone(CST).date() - FIRST.date()).days
instants = st.integers(0, MINUTES).map(_minute)
days = st.integers(0, DAYS - 1)


@st.composite
def whens(draw: st.DrawFn) -> When:
    """Times as the reader gives them: each precision and kind of interval."""
    kind = draw(
        st.sampled_from(
            ["exact", "approx", "part", "date", "range", "days", "month", "tenday", "year"]
            + ["before", "after", "unknown"]
        )
    )
    if kind == "exact":
        return When.exact(draw(instants))
    if kind == "approx":
        at = draw(instants.filter(lambda t: t <= NOW - RULES.approximate))
        return When(at, at - RULES.approximate, at + RULES.approximate, "approx")
    if kind == "part":
        part = draw(st.sampled_from(sorted(PARTS)))
        start = _midnight(draw(days))
        lo = start + timedelta(hours=PARTS[part].start)
        hi = min(start + timedelta(hours=PARTS[part].end), NOW)
        return When(lo, lo, hi, "part", part)
    if kind == "date":
        lo = _midnight(draw(days))
        return When(lo, lo, lo + timedelta(days=1), "date")
    if kind == "range":
        lo, hi = sorted(draw(st.lists(instants, min_size=2, max_size=2, unique=True)))
        return When(lo, lo, hi, "range")
    if kind == "days":
        first = draw(st.integers(0, DAYS - 3))
        last = draw(st.integers(first + 2, min(first + 400, DAYS)))
        return When(_midnight(first), _midnight(first), _midnight(last), "range")
    if kind in ("month", "tenday", "year"):
        day = FIRST.date() + timedelta(days=draw(days))
        if kind == "year":
            lo_day, hi_day = (
                day.replace(month=1, day=1),
                day.replace(year=day.year + 1, month=1, day=1),
            )
        else:
            lo_day = day.replace(day=1)
            hi_day = (lo_day + timedelta(days=32)).replace(day=1)
            if kind == "tenday":
                index = min(day.day - 1, 29) // 10
                kind = ("month_early", "month_mid", "month_late")[index]
                lo_day = lo_day.replace(day=1 + 10 * index)
                hi_day = hi_day if index == 2 else lo_day.replace(day=lo_day.day + 10)
        lo = datetime.combine(lo_day, datetime.min.time(), tzinfo=ZONE).astimezone(UTC)
        hi = datetime.combine(hi_day, datetime.min.time(), tzinfo=ZONE).astimezone(UTC)
        return When(lo, lo, min(hi, NOW), "range", kind)
    if kind == "before":
        hi = draw(instants)
        return When(hi, EPOCH, hi, "range", "before")
    if kind == "after":
        lo = draw(instants.filter(lambda t: t < NOW))  # an interval, not an instant
        return When(lo, lo, NOW, "range", "after")
    return When(EPOCH, EPOCH, NOW, "unknown")


@settings(max_examples=400, deadline=None)
@given(whens(), st.sampled_from(["en", "zh", "document"]))
def test_what_is_shown_reads_back_to_the_same_interval(when: When, shown_as: str) -> None:
    setup("zh" if shown_as == "zh" else "en")
    try:
        text = show_when(when, TZ, chinese=shown_as == "document")
        again = parse_when(text, RULES, now=NOW, anchor=Anchor(year=2000))
    finally:
        setup("en")
    assert (again.lo, again.hi, again.precision, again.part) == (
        when.lo, when.hi, when.precision, when.part,
    ), text  # fmt: skip


# -- refusals: what was not understood, and a form built from the user's text ---------------------


@pytest.mark.parametrize(
    ("text", "now", "in_message", "in_hint"),
    [
        ("2022年6月10日腊月", NOW, "'腊'", "2022年6月10日 15:30"),
        ("2022年6月10日3点", NOW, "03:00 or 15:00", "2022年6月10日15:00"),
        ("2022年6月10日晚上5点", NOW, "2022-06-11 05:00", "2022-06-10 17:00"),
        ("2022年6月10日上午15点", NOW, "'上午15点'", "2022年6月10日15:00"),
        ("2022年6月10日上午3:30 PM", NOW, "contradicts", "2022年6月10日15:30"),
        ("2022年6月10日（周四）", NOW, "周五", "2022年6月10日"),
        ("6月13日 10:00", local("2026-06-12 10:00"), "2025-06-13", "2025年6月13日 10:00"),
        ("当日15时", NOW, "'当日'", "11月29日15时"),
        ("20时至7时", NOW, "ends before it starts", "20时至次日7时"),
        ("10日前", NOW, "10 days ago", "10天前"),
        ("2022年6月10日左右", NOW, "needs a time of day", "2022年6月10日"),
    ],
)
def test_a_refusal_says_what_and_suggests_a_form_from_the_text(
    text: str, now: datetime, in_message: str, in_hint: str
) -> None:
    with pytest.raises(BadInput) as info:
        parse_when(text, RULES, now=now)
    assert in_message in info.value.message
    assert in_hint in (info.value.hint or "")


def test_refusals_are_in_the_interface_language() -> None:
    setup("zh")
    try:
        with pytest.raises(BadInput) as info:
            parse_when("2022年6月10日3点", RULES, now=NOW)
    finally:
        setup("en")
    assert "可能是 03:00，也可能是 15:00" in info.value.message
    assert info.value.hint == "请写作 2022年6月10日03:00 或 2022年6月10日15:00"


def test_a_bare_hour_is_read_by_the_plans_convention() -> None:
    rules = TimeRules(TZ, bare_hour="24h")
    assert parse_when("2022年6月10日3点", rules, now=NOW).at == local("2022-06-10 03:00")
    assert parse_when("2022年6月10日12点", rules, now=NOW).at == local("2022-06-10 12:00")
    # a part of the day still decides: the convention is for a bare hour only
    assert parse_when("2022年6月10日下午3点", rules, now=NOW).at == local("2022-06-10 15:00")
    with pytest.raises(BadInput):
        parse_when("2022年6月10日3点", RULES, now=NOW)


# -- anchors -------------------------------------------------------------------------------------


def test_a_date_without_its_year_is_read_near_the_incident() -> None:
    detected = When.exact(local("2020-03-30 08:00"))
    anchor = Anchor.incident(detected, None, TZ)
    later = local("2026-11-29 14:00")
    when = parse_when("3月30日 16:00", RULES, now=later, anchor=anchor)
    assert when.at == local("2020-03-30 16:00")  # not 2026-03-30 (issue 21)
    assert parse_when("7月1日", RULES, now=later, anchor=anchor).lo == local("2020-07-01 00:00")
    with pytest.raises(BadInput, match="no year"):
        parse_when("3月29日", RULES, now=later, anchor=anchor)  # before its detection
    # a first-seen time may be before the detection: the previous entry alone
    seen = parse_when("3月29日晚上", RULES, now=later, anchor=Anchor(last=anchor.start))
    assert seen.lo == local("2020-03-29 18:00")


def test_relative_days_count_from_the_previous_entry_or_now() -> None:
    anchor = Anchor.incident(
        When.exact(local("2020-03-30 08:00")), When.exact(local("2020-04-02 10:00")), TZ
    )
    assert parse_when("当日15时", RULES, now=NOW, anchor=anchor).at == local("2020-04-02 15:00")
    assert parse_when("次日凌晨", RULES, now=NOW, anchor=anchor).lo == local("2020-04-03 00:00")
    assert parse_when("昨晚8点", RULES, now=NOW, anchor=anchor).at == local("2026-11-28 20:00")


def test_a_year_given_for_a_whole_file() -> None:
    ledger = Anchor(year=2024)
    now = local("2026-11-29 14:00")
    assert parse_when("11月25日", RULES, now=now, anchor=ledger).lo == local("2024-11-25 00:00")
    with pytest.raises(BadInput, match="no month"):
        parse_when("25日", RULES, now=now, anchor=ledger)


def test_a_floor_bounds_unknown_and_before() -> None:
    floor = local("2022-06-10 08:00")
    anchor = Anchor(start=floor.astimezone(CST).date())
    before = parse_when("6月10日15时前", RULES, now=NOW, floor=floor, anchor=anchor)
    assert (before.lo, before.hi, before.part) == (floor, local("2022-06-10 15:00"), "before")
    assert show_when(before, TZ) == "before 2022-06-10 15:00"
    assert show_when(before, TZ, chinese=True) == "2022-06-10 15:00前"


# -- the text as typed is kept --------------------------------------------------------------------


def test_the_text_as_typed_is_kept_with_the_time() -> None:
    when = parse_when("2022年6月10日晚上1点", RULES, now=NOW)
    assert when.at == local("2022-06-11 01:00") and when.written == "2022年6月10日晚上1点"
    assert When.from_data(when.at, when.to_data()).written == when.written
    assert When.from_plain(when.to_plain()).written == when.written
    assert when == When.exact(when.at)  # kept beside the time, not part of its value
    assert parse_when("2022-06-10 9:30", RULES, now=NOW).written == ""  # digits: as shown
    approx = parse_when(
        "当日15时许", RULES, now=NOW, anchor=Anchor(last=local("2022-06-10 09:00").date())
    )
    assert When.from_dict(approx.to_dict()).written == "当日15时许"


# -- cells of an imported table ------------------------------------------------------------------


def test_spreadsheet_cells() -> None:
    from datetime import date

    from yuqing_cli.when import from_serial, read_cell

    assert from_serial(44722, TZ).lo == local("2022-06-10 00:00")  # 2022-01-01 is 44562
    assert from_serial(44722, TZ).precision == "date"
    assert from_serial(44722.75, TZ) == When.exact(local("2022-06-10 18:00"))
    with pytest.raises(BadInput, match="day number"):
        from_serial(12, TZ)
    naive = datetime(2022, 6, 10, 14, 30)
    assert read_cell(naive, RULES, now=NOW) == When.exact(local("2022-06-10 14:30"))
    assert read_cell(date(2022, 6, 10), RULES, now=NOW).precision == "date"
    assert read_cell(44722.5, RULES, now=NOW).at == local("2022-06-10 12:00")
    cell = read_cell("11月25日 下午", RULES, now=NOW, anchor=Anchor(year=2024))
    assert (cell.lo, cell.precision) == (local("2024-11-25 12:00"), "part")
    with pytest.raises(BadInput, match="future"):
        read_cell(datetime(2027, 1, 1), RULES, now=NOW)


_PIECES = (
    list("0123456789:-/.~ 年月日号时点分秒半刻许前后起至到或—()（）,〇一二三四五六七八九十廿两")
    + ["上午", "下午", "凌晨", "晚上", "深夜", "当日", "次日", "昨天", "今晨", "周五", "上旬"]
    + ["左右", "约", "多", "PM", "am", "T", "Z", "+08:00", "分钟", "小时", "天", "至今", "北京时间"]
)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join),
    st.sampled_from([None, Anchor(start=NOW.date()), Anchor(year=2024)]),
)
def test_any_text_is_read_or_refused_never_a_crash(text: str, anchor: Anchor | None) -> None:
    try:
        when = parse_when(text, RULES, now=NOW, anchor=anchor)
    except BadInput as error:
        assert error.message and "Traceback" not in error.message
    else:
        assert when.lo <= when.at <= when.hi <= NOW + timedelta(minutes=5)
