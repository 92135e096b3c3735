"""Deadlines and their verdicts (pure): origins, re-grades, waves, uncertain times."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facts import T0, Builder, at
from yuqing_cli.plan import deadlines
from yuqing_cli.plan.files import load_plan
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import IncidentState
from yuqing_cli.when import When

from conftest import SHIPPED_PLAN

pytestmark = pytest.mark.no_store  # never opens a database: run once, on SQLite

PLAN: Plan = load_plan(SHIPPED_PLAN)
H = timedelta(hours=1)


def due(state: IncidentState, step: str, wave: int | None = None) -> When | None:
    return deadlines.due_window(PLAN, PLAN.step(step), state, wave or state.wave)


def verdict(state: IncidentState, step: str, hours: float) -> deadlines.Verdict:
    found = deadlines.step_verdict(PLAN, state, PLAN.step(step), T0 + hours * H)
    assert found is not None
    return found


def test_due_from_detection_per_level() -> None:
    assert due(Builder(PLAN, "major").state, "state_position") == at(5)
    assert due(Builder(PLAN, "general").state, "state_position") == at(48)
    assert due(Builder(PLAN).state, "report_leading_group") == at(1)


def test_approval_counts_from_when_the_group_was_told_not_from_the_advance() -> None:
    b = Builder(PLAN)
    assert due(b.state, "approve_handling") is None  # not told yet: no deadline yet
    b.done("assess", 0.2).done("trace_source", 0.3).done("report_leading_group", 0.5)
    b.advance(6)  # someone typed `advance` hours later
    assert due(b.state, "approve_handling") == at(2.5)


def test_a_step_made_applicable_by_a_regrade_is_never_due_before_it() -> None:
    b = Builder(PLAN, "major").grade("especially_major", 10)
    assert due(b.state, "report_superior") == at(11)  # not 1 h after detection
    assert due(b.state, "press_conference") == at(24)  # applied since detection: unchanged


def test_graded_counts_anew_when_the_regrade_changes_the_hours() -> None:
    b = Builder(PLAN, "general").grade("major", 30)
    assert due(b.state, "state_position") == at(35)  # not 5 h after detection
    assert due(b.state, "press_conference") == at(54)  # newly applicable at 30 h
    same = Builder(PLAN, "major").grade("especially_major", 3)
    assert due(same.state, "state_position") == at(5)  # 5 h before and after: unchanged


def _closed(b: Builder, hours: float) -> Builder:
    """Take the incident through every stage (steps at ``hours``), and close it."""
    while b.state.closed is None:
        for step in PLAN.stage(b.state.stage).steps:
            if step.required and step.when.applies(b.state.level, b.state.categories):
                if step.id not in b.state.steps:
                    b.done(step.id, hours)
        b.advance(hours)
    return b


def test_a_reopen_starts_a_wave_with_its_own_deadlines_and_keeps_the_first_closing() -> None:
    b = _closed(Builder(PLAN, "major"), 3)
    first = b.state.closed
    b.reopen(24 * 100)
    assert b.state.wave == 2 and b.state.waves[0].closed == first
    assert b.state.closed is None
    # state_position is asked for again: due 5 h after the reopen, not 2,400 h late.
    assert due(b.state, "state_position") == at(24 * 100 + 5)
    assert verdict(b.state, "state_position", 24 * 100 + 1).kind == "pending"
    # the first wave's record keeps its verdict
    kinds = {(v.step.id, v.wave): v.kind for v in deadlines.verdicts(PLAN, b.state, T0)}
    assert kinds[("state_position", 1)] == "met"
    assert kinds[("state_position", 2)] == "pending"


def test_verdicts() -> None:
    b = Builder(PLAN, "major")
    assert verdict(b.state, "report_leading_group", 0.5).kind == "pending"
    assert verdict(b.state, "report_leading_group", 0.5).margin == timedelta(minutes=30)
    late = verdict(b.state, "report_leading_group", 3)
    assert (late.kind, late.open, late.late_by) == ("missed", True, 2 * H)
    b.done("report_leading_group", 0.75)
    met = verdict(b.state, "report_leading_group", 100)
    assert (met.kind, met.margin) == ("met", timedelta(minutes=15))
    b.done("assess", 1).done("trace_source", 1).advance(1)
    b.done("approve_handling", 4)  # due 2.75 h
    done_late = verdict(b.state, "approve_handling", 100)
    assert (done_late.kind, done_late.open, done_late.late_by) == ("missed", False, 1.25 * H)
    w = Builder(PLAN, "especially_major").waived("report_leading_group", 5)
    assert verdict(w.state, "report_leading_group", 9).kind == "waived"


def test_uncertain_times_give_undeterminable_never_a_guess() -> None:
    afternoon = When(at(4).at, at(4).at, at(10).at, "part", "afternoon")  # 13:00–19:00
    b = Builder(PLAN, "major")
    b.done("report_leading_group", afternoon)  # due 10:00 (1 h): certainly missed
    assert verdict(b.state, "report_leading_group", 50).kind == "missed"
    c = Builder(PLAN, "major")
    c.done("assess", 0.1).done("trace_source", 0.1)
    straddles = When(at(0.5).at, at(0.5).at, at(1.5).at, "range")  # 09:30–10:30 vs 10:00
    c.done("report_leading_group", straddles)
    assert verdict(c.state, "report_leading_group", 50).kind == "undeterminable"
    # An uncertain detection makes the deadline itself an interval.
    d = Builder(PLAN, "major", detected=When(at(0).at, at(0).at, at(2).at, "range"))
    window = due(d.state, "report_leading_group")
    assert window is not None and (window.lo, window.hi) == (at(1).at, at(3).at)
    assert verdict(d.state, "report_leading_group", 2).kind == "undeterminable"
    assert verdict(d.state, "report_leading_group", 3.5).kind == "missed"


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0, max_value=10),
    st.floats(min_value=0, max_value=5),
    st.floats(min_value=0, max_value=10),
)
def test_verdict_agrees_with_the_interval(lo: float, width: float, now: float) -> None:
    """met only if surely on time, missed only if surely late, else undeterminable."""
    done = When(at(lo).at, at(lo).at, at(lo + width).at, "range")
    b = Builder(PLAN, "major").done("report_leading_group", done)
    v = verdict(b.state, "report_leading_group", now + 20)
    window = due(b.state, "report_leading_group")
    assert window is not None
    if v.kind == "met":
        assert done.hi <= window.lo
    elif v.kind == "missed":
        assert done.lo > window.hi
    else:
        assert v.kind == "undeterminable" and done.lo <= window.hi and done.hi > window.lo
