"""Build a large yq database quickly: by default 1,000,000 events.

    python bench/build_db.py PATH [--events N] [--open N] [--seed N]

The database is what the tool itself would have written, so `yq verify` passes on it:
the schema is the store's own (created by its migrations), the shipped plan is adopted
by the first event, and every incident's events are a walk through the plan that its
commands would accept — the steps of each stage done by people the plan entitles, then
advanced, until the incident is closed — with re-grades, notes, designated
spokespersons, uncertain times and reopened incidents mixed in. Each incident's state
is the real fold of its events (:func:`yuqing_cli.plan.state.apply`), and its rows are
the services' own projection (``incident_columns``, ``step_rows``, ``assignment_rows``),
so nothing here restates what those rows hold. Rows are written in bulk.

The history ends a few days before now, so "today" on the large database is as quiet as
on an empty one and a comparison measures size, not a busier day. The last ``--open``
incidents (20) are left open part-way through.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from yuqing_cli.plan import rules
from yuqing_cli.plan.files import load_plan, shipped_plan_path
from yuqing_cli.plan.schema import Plan
from yuqing_cli.plan.state import Fact, IncidentState, apply
from yuqing_cli.services.audit import GENESIS, event_hash
from yuqing_cli.services.state import assignment_rows, event_data, incident_columns, step_rows
from yuqing_cli.store.db import Store
from yuqing_cli.store.tables import Assignment, Event, Incident, PlanVersion, StepRecord
from yuqing_cli.timeutil import local
from yuqing_cli.when import When

LEVELS = ["general"] * 12 + ["large"] * 5 + ["major"] * 2 + ["especially_major"]
CATEGORIES = ["rumour", "complaint", "other", "other", "staff_error", "image", "mass_incident"]
PLATFORMS = ["微博", "微信公众号", "抖音", "今日头条", "论坛"]
SENTIMENTS = ["negative", "negative", "neutral"]
BATCH = 2_000  # incidents per insert


@dataclass
class Walk:
    """One incident's events, built with the plan's rules and applied with the fold."""

    plan: Plan
    incident_id: int
    clock: datetime
    rng: random.Random
    state: IncidentState | None = None
    facts: list[tuple[Fact, str | None]] = field(default_factory=list)  # with stored data

    def record(self, action: str, actor: str, when: When, **kw: Any) -> None:
        data = kw.pop("data", None)
        fact = Fact(
            action,
            actor,
            when,
            when.hi + timedelta(seconds=30),
            data=data or {},
            seq=len(self.facts) + 1,
            plan_version=self.plan.version,
            **kw,
        )
        self.state = apply(self.plan, self.state, fact)
        self.facts.append((fact, event_data(when, data)))

    def tick(self, low: int = 3, high: int = 25) -> When:
        self.clock += timedelta(minutes=self.rng.randint(low, high))
        if self.rng.random() < 0.03:  # "about 10:40" (约 10:40): within 30 minutes
            half = timedelta(minutes=30)
            when = When(self.clock, self.clock - half, self.clock + half, "approx")
            self.clock += half
            return when
        return When.exact(self.clock)


def holder(
    plan: Plan, roles: tuple[str, ...], rng: random.Random, state: IncidentState | None
) -> str:
    """Someone entitled to act for ``roles`` (a designated role counts)."""
    people = {p.name for p in plan.people if set(p.roles) & set(roles)}
    if state is not None:
        people |= {person for role, person in state.assignments.items() if role in roles}
    return rng.choice(sorted(people))


def finish_stage(walk: Walk) -> None:
    """Do what the current stage (and any earlier one) still needs, then move on."""
    plan, rng = walk.plan, walk.rng
    assert walk.state is not None
    for step in rules.outstanding(plan, walk.state):
        state = walk.state
        if step.assigns:
            leader = holder(plan, plan.permission("assign"), rng, state)
            person = holder(plan, ("member",), rng, state)
            when = walk.tick()
            walk.record("assign", leader, when, subject=step.assigns, new=person)
            role = plan.role(step.assigns).name
            walk.record("done", leader, when, subject=step.id, old="open", new="done",
                        note=f"{role}: {person}")  # fmt: skip
        else:
            walk.record("done", holder(plan, step.roles, rng, state), walk.tick(),
                        subject=step.id, old="open", new="done")  # fmt: skip
    state = walk.state
    check = rules.check_advance(plan, state)
    assert check.target is not None and not check.missing
    walk.record(check.action, holder(plan, plan.permission(check.action), rng, state),
                walk.tick(), subject="stage", old=state.stage, new=check.target.id)  # fmt: skip


def incident_walk(
    plan: Plan, incident_id: int, ref: str, detected: datetime, rng: random.Random, *, close: bool
) -> Walk:
    walk = Walk(plan, incident_id, detected, rng)
    categories = [rng.choice(CATEGORIES)]
    fields = {
        "title": f"网传舆情 {incident_id}：{rng.choice(PLATFORMS)}用户发帖",
        "level": rng.choice(LEVELS),
        "categories": categories,
        "category": categories[0],
        "sentiment": rng.choice(SENTIMENTS),
        "platform": rng.choice(PLATFORMS),
        "url": f"https://example.org/post/{incident_id}",
        "summary": "转发量较大，评论以质疑为主" if rng.random() < 0.3 else "",
        "exercise": False,
        "stage": plan.initial_stage.id,
    }
    first = rng.random()
    if first < 0.02:  # "that afternoon" (当天下午)
        day = local(detected, plan.info.timezone).replace(hour=12, minute=0, second=0)
        when = When(day.astimezone(UTC), day.astimezone(UTC),
                    (day + timedelta(hours=6)).astimezone(UTC), "part", "afternoon")  # fmt: skip
        walk.clock = when.hi
    else:
        when = When.exact(detected)
    data = None
    if rng.random() < 0.2:
        data = {"first_seen": When.exact(detected - timedelta(hours=rng.randint(1, 30))).to_dict()}
    reporter = holder(plan, plan.permission("new"), rng, None)
    created = json.dumps({**fields, "ref": ref}, ensure_ascii=False, sort_keys=True)
    walk.record("create", reporter, when, data=data, new=created)
    assert walk.state is not None
    if rng.random() < 0.04:  # re-graded early
        higher = [lv.id for lv in plan.levels if lv.rank > plan.level(walk.state.level).rank]
        if higher:
            walk.record("grade", holder(plan, plan.permission("grade"), rng, walk.state),
                        walk.tick(), subject="level", old=walk.state.level,
                        new=rng.choice(higher), note="转发量上升")  # fmt: skip
    stages = len(plan.stages) - 1 if close else rng.randint(1, len(plan.stages) - 2)
    for _ in range(stages):
        if rng.random() < 0.1:
            walk.record("note", holder(plan, plan.permission("note"), rng, walk.state),
                        walk.tick(), note="已联系平台")  # fmt: skip
        finish_stage(walk)
    if close and rng.random() < 0.01:  # a flare-up: reopened a day later, closed again
        target = rules.reopen_target(plan, walk.state)
        assert target is not None
        walk.clock += timedelta(days=1)
        walk.record("reopen", holder(plan, plan.permission("reopen"), rng, walk.state),
                    walk.tick(), subject="stage", old=walk.state.stage, new=target.id,
                    note="再次发酵")  # fmt: skip
        while not plan.stage(walk.state.stage).final:
            finish_stage(walk)
    return walk


def incidents(
    plan: Plan, start: datetime, events: int, open_count: int, seed: int
) -> Iterator[tuple[int, str, Walk]]:
    rng = random.Random(seed)
    spacing = timedelta(minutes=15)
    day_counts: dict[str, int] = {}
    total = 1  # the adoption
    incident_id = 0
    while total < events:
        incident_id += 1
        detected = start + spacing * incident_id
        day = local(detected, plan.info.timezone).strftime("%Y%m%d")
        day_counts[day] = day_counts.get(day, 0) + 1
        ref = f"{plan.info.reference_prefix}-{day}-{day_counts[day]:03d}"
        left = events - total
        walk = incident_walk(plan, incident_id, ref, detected, rng, close=left > 16 * open_count)
        total += len(walk.facts)
        yield incident_id, ref, walk


def events_per_incident(plan: Plan, seed: int, sample: int = 300) -> float:
    """How many events an incident has on average, from the first ``sample`` walks."""
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    total = sum(
        len(incident_walk(plan, n, f"R-{n}", start, rng, close=True).facts)
        for n in range(1, sample + 1)
    )
    return total / sample


def build(path: Path, events: int, open_count: int, seed: int) -> None:
    if path.exists():
        sys.exit(f"{path} exists; give a new path")
    plan = load_plan(shipped_plan_path())
    store = Store.open(str(path))
    # One incident every 15 minutes, the last a few days ago.
    span = timedelta(minutes=15) * round(events / events_per_incident(plan, seed))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2) - span
    t0 = time.perf_counter()
    adopter = next(p.name for p in plan.people if "leader" in p.roles)
    adoption = {
        "incident_id": None,
        "seq": 0,
        "action": "adopt",
        "actor": adopter,
        "subject": plan.version,
        "old": None,
        "new": plan.source,
        "note": "adopted when the database was first written to",
        "happened_at": start,
        "recorded_at": start,
        "plan_version": plan.version,
        "data": None,
    }
    prev = event_hash(GENESIS, adoption)
    rows: dict[str, list[dict[str, Any]]] = {"event": [], "incident": [], "step": [], "role": []}
    counts = {"incidents": 0, "events": 1}
    tables = {
        "incident": Incident.__table__,  # type: ignore[attr-defined]
        "step": StepRecord.__table__,  # type: ignore[attr-defined]
        "role": Assignment.__table__,  # type: ignore[attr-defined]
        "event": Event.__table__,  # type: ignore[attr-defined]
    }
    with store.write() as session:
        conn = session.connection()
        conn.execute(
            insert(PlanVersion.__table__),  # type: ignore[attr-defined]
            [
                {
                    "version": plan.version,
                    "source": plan.source,
                    "text": plan.text,
                    "stored_at": start,
                }
            ],  # fmt: skip
        )
        conn.execute(insert(tables["event"]), [{**adoption, "prev_hash": GENESIS, "hash": prev}])

        def flush() -> None:
            for name in ("incident", "step", "role", "event"):
                if rows[name]:
                    conn.execute(insert(tables[name]), rows[name])
                    rows[name].clear()
            print(
                f"  {counts['incidents']:>7} incidents, {counts['events']:>8} events"
                f"  {time.perf_counter() - t0:5.1f} s",
                file=sys.stderr,
            )

        for incident_id, ref, walk in incidents(plan, start, events, open_count, seed):
            state = walk.state
            assert state is not None and state.ref == ref
            rows["incident"].append({"id": incident_id, **incident_columns(plan, state)})
            rows["step"] += [
                {"incident_id": incident_id, "step_id": step, **values}
                for step, values in step_rows(state).items()
            ]
            rows["role"] += [
                {"incident_id": incident_id, "role": role, **values}
                for role, values in assignment_rows(state).items()
            ]
            for fact, data in walk.facts:
                content = {
                    "incident_id": incident_id,
                    "seq": fact.seq,
                    "action": fact.action,
                    "actor": fact.actor,
                    "subject": fact.subject,
                    "old": fact.old,
                    "new": fact.new,
                    "note": fact.note,
                    "happened_at": fact.when.at,
                    "recorded_at": fact.recorded_at,
                    "plan_version": fact.plan_version,
                    "data": data,
                }
                digest = event_hash(prev, content)
                rows["event"].append({**content, "prev_hash": prev, "hash": digest})
                prev = digest
            counts["incidents"] += 1
            counts["events"] += len(walk.facts)
            if counts["incidents"] % BATCH == 0:
                flush()
        flush()
    store.close()
    print(
        f"built {path}: {counts['incidents']} incidents, {counts['events']} events in "
        f"{time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=20, dest="open_count")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    build(args.path, args.events, args.open_count, args.seed)


if __name__ == "__main__":
    main()
