"""The grading aid: what an incident's assessments suggest (pure).

The plan's assessment rules say when a re-grade or a step is worth considering (e.g.
reposts over 10,000 → 重大; negative sentiment rising over two assessments → the Art. 6
release in mainstream media). The tool suggests, citing the rule and its article; it
never re-grades or does a step by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from yuqing_cli.plan.schema import AssessmentRule, Level, Plan, Step
from yuqing_cli.plan.state import Assessment, IncidentState


@dataclass(frozen=True, slots=True)
class Suggestion:
    rule: AssessmentRule
    level: Level | None = None  # re-grade to this
    step: Step | None = None  # consider this step


def holds(rule: AssessmentRule, a: Assessment) -> bool:
    """Does one assessment show what the rule looks for?"""
    for metric, threshold in rule.at_least.items():
        if a.metrics.get(metric, -1) < threshold:
            return False
    if rule.rank_at_most is not None and (a.rank is None or a.rank > rule.rank_at_most):
        return False
    if rule.sentiment is not None and a.sentiment != rule.sentiment:
        return False
    return rule.trend is None or a.trend == rule.trend


def suggestions(plan: Plan, state: IncidentState) -> list[Suggestion]:
    """The rules that hold for the latest assessments and still have something to say:
    a level above the current one, or an applicable step not yet done."""
    if plan.assessment is None or not state.assessments:
        return []
    current = plan.level(state.level).rank
    found = []
    for rule in plan.assessment.rules:
        recent = state.assessments[-rule.consecutive :]
        if len(recent) < rule.consecutive or not all(holds(rule, a) for a in recent):
            continue
        if rule.suggest_level is not None:
            level = plan.level(rule.suggest_level)
            if level.rank > current:
                found.append(Suggestion(rule, level=level))
        if rule.suggest_step is not None and plan.has_step(rule.suggest_step):
            step = plan.step(rule.suggest_step)
            if step.id not in state.steps and step.when.applies(state.level, state.categories):
                found.append(Suggestion(rule, step=step))
    return found
