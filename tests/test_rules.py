"""The pure workflow rules, tested directly and with generated incidents."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facts import Builder, at
from yuqing_cli.plan import rules
from yuqing_cli.plan.files import load_plan
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Grading, IncidentState, StepRecord

from conftest import SHIPPED_PLAN

pytestmark = pytest.mark.no_store  # never opens a database: run once, on SQLite

PLAN: Plan = load_plan(SHIPPED_PLAN)
LEVELS = [lv.id for lv in PLAN.levels]
CATEGORIES = [c.id for c in PLAN.categories]
STAGES = [s.id for s in PLAN.stages]


def state(
    level: str = "general",
    category: str = "other",
    stage: str = "detected",
    done: tuple[str, ...] = (),
) -> IncidentState:
    base = Builder(PLAN, level, (category,)).state
    records = {s: StepRecord("done", "李丹", at(1), at(1).at) for s in done}
    return replace(base, stage=stage, steps=records)


def ids(steps: list) -> list[str]:  # type: ignore[type-arg]
    return [s.id for s in steps]


def test_every_incident_reports_to_the_leading_group() -> None:
    for level in LEVELS:
        for category in CATEGORIES:
            assert "report_leading_group" in ids(rules.applicable_steps(PLAN, level, [category]))


def test_superior_report_only_for_especially_major() -> None:
    applies = {
        lv for lv in LEVELS if "report_superior" in ids(rules.applicable_steps(PLAN, lv, ["other"]))
    }
    assert applies == {"especially_major"}


def test_several_categories_bring_the_steps_of_each() -> None:
    one = ids(rules.applicable_steps(PLAN, "general", ["rumour"]))
    both = ids(rules.applicable_steps(PLAN, "general", ["rumour", "staff_error"]))
    assert "clarify" in one and "accountability" not in one
    assert "clarify" in both and "accountability" in both


def test_outstanding_includes_earlier_stages_after_regrade() -> None:
    passed = state(
        "major",
        stage="handling",
        done=(
            "assess",
            "trace_source",
            "report_leading_group",
            "approve_handling",
            "designate_spokesperson",
        ),
    )
    assert "report_superior" not in ids(rules.outstanding(PLAN, passed))
    regraded = replace(
        passed, gradings=(*passed.gradings, Grading(at(2), "especially_major", ("other",)))
    )
    assert "report_superior" in ids(rules.outstanding(PLAN, regraded))


def test_advance_from_final_stage_has_no_target() -> None:
    check = rules.check_advance(PLAN, state(stage="closed"))
    assert check.target is None and not check.allowed


def test_entering_final_stage_needs_close_permission() -> None:
    check = rules.check_advance(PLAN, state(stage="monitoring"))
    assert check.action == "close"
    assert rules.check_advance(PLAN, state()).action == "advance"


def test_permissions_follow_roles() -> None:
    assert rules.may(PLAN, "郭雁", "waive") and rules.may(PLAN, "张江晖", "close")
    assert not rules.may(PLAN, "郭俊涛", "waive")
    assert rules.may(PLAN, "郭俊涛", "new")
    assert rules.may(PLAN, "郭雁", "adopt") and not rules.may(PLAN, "张江晖", "adopt")
    step = PLAN.step("state_position")
    assert not rules.may_complete(PLAN, "张艳霞", step)
    assert rules.may_complete(PLAN, "张艳霞", step, {"spokesperson": "张艳霞"})
    assert rules.who_may(PLAN, ("leader", "deputy")) == "组长/副组长（郭雁、张江晖）"


@st.composite
def incidents(draw: st.DrawFn) -> IncidentState:
    level = draw(st.sampled_from(LEVELS))
    category = draw(st.sampled_from(CATEGORIES))
    stage = draw(st.sampled_from(STAGES))
    all_steps = [s.id for s in PLAN.steps]
    done = draw(st.lists(st.sampled_from(all_steps), unique=True))
    return state(level, category, stage, tuple(done))


@settings(max_examples=300, deadline=None)
@given(incidents())
def test_advance_allowed_exactly_when_nothing_required_is_open(s: IncidentState) -> None:
    check = rules.check_advance(PLAN, s)
    index = PLAN.stage_index(s.stage)
    required_open = [
        step.id
        for stage in PLAN.stages[: index + 1]
        for step in stage.steps
        if step.required and step.when.applies(s.level, s.categories) and step.id not in s.steps
    ]
    assert ids(list(check.missing)) == required_open
    assert check.allowed == (not required_open and not PLAN.stage(s.stage).final)
    # Nothing outstanding ever comes from a later stage, or is optional, or does not apply.
    for step in check.missing:
        assert PLAN.stage_index(step.stage) <= index
        assert step.required and step.when.applies(s.level, s.categories)


@settings(max_examples=200, deadline=None)
@given(incidents(), st.sampled_from(LEVELS))
def test_escalation_never_removes_outstanding_steps_of_higher_levels(
    s: IncidentState, new_level: str
) -> None:
    """Raising the level only adds steps here: every level condition in the plan is 'at least'."""
    if PLAN.level(new_level).rank < PLAN.level(s.level).rank:
        return
    higher = replace(s, gradings=(*s.gradings, Grading(at(3), new_level, s.categories)))
    before = set(ids(rules.outstanding(PLAN, s)))
    after = set(ids(rules.outstanding(PLAN, higher)))
    assert before <= after


@pytest.mark.parametrize("stage", STAGES)
def test_reopen_only_from_final(stage: str) -> None:
    target = rules.reopen_target(PLAN, state(stage=stage))
    assert (target is not None) == PLAN.stage(stage).final
