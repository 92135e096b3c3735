"""Build incident states through the fold, for the pure tests: every state a test uses
is one the events could make."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Fact, IncidentState, apply
from yuqing_cli.when import When

T0 = datetime(2024, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai


def at(hours: float) -> When:
    return When.exact(T0 + timedelta(hours=hours))


class Builder:
    """An incident, one event at a time: ``Builder(plan).done("assess", 0.5).state``."""

    def __init__(
        self,
        plan: Plan,
        level: str = "general",
        categories: tuple[str, ...] = ("other",),
        detected: When | None = None,
    ) -> None:
        self.plan = plan
        self.seq = 0
        fields = {
            "title": "t",
            "level": level,
            "categories": list(categories),
            "category": categories[0],
            "sentiment": "neutral",
            "stage": plan.initial_stage.id,
            "ref": "YQ-20241123-001",
        }
        self.state: IncidentState = self._apply(
            "create", detected or at(0), new=json.dumps(fields), state=None
        )

    def _apply(
        self,
        action: str,
        when: When,
        *,
        state: IncidentState | None = None,
        **kw: str | None | dict[str, object],
    ) -> IncidentState:
        self.seq += 1
        data = kw.pop("data", None) or {}
        fact = Fact(action, "李丹", when, when.hi, data=data, seq=self.seq, **kw)  # type: ignore[arg-type]
        return apply(self.plan, state if action == "create" else self.state, fact)

    def event(self, action: str, hours: float | When, **kw: object) -> Builder:
        when = hours if isinstance(hours, When) else at(hours)
        self.state = self._apply(action, when, **kw)  # type: ignore[arg-type]
        return self

    def done(self, step: str, hours: float | When) -> Builder:
        return self.event("done", hours, subject=step, old="open", new="done")

    def waived(self, step: str, hours: float | When) -> Builder:
        return self.event("waived", hours, subject=step, old="open", new="waived")

    def advance(self, hours: float | When) -> Builder:
        current = self.plan.stage(self.state.stage)
        assert current.next is not None
        action = "close" if self.plan.stage(current.next).final else "advance"
        return self.event(action, hours, subject="stage", old=current.id, new=current.next)

    def grade(self, level: str, hours: float | When) -> Builder:
        return self.event("grade", hours, subject="level", old=self.state.level, new=level)

    def reopen(self, hours: float | When) -> Builder:
        target = self.plan.stage(self.state.stage).reopen_to
        return self.event(
            "reopen", hours, subject="stage", old=self.state.stage, new=target, note="再次发酵"
        )
