"""Build a large yq database quickly: by default 100,000 incidents and 1,000,000 events.

    python bench/build_db.py PATH [--incidents N] [--open N]

The schema is the store's own (created by its migrations); rows are inserted in bulk,
and the events carry a real hash chain, so `yq verify` passes on the result. Each
incident has ten events (logged, the first stage's three steps, advance, approval,
advance, three handling steps); all but the last ``--open`` (20) are closed. The
history ends two days before now.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from yuqing_cli.plan.files import load_plan, shipped_plan_path
from yuqing_cli.services.audit import GENESIS, event_hash
from yuqing_cli.store.db import Store
from yuqing_cli.store.tables import Event, Incident, PlanVersion, StepRecord
from yuqing_cli.timeutil import fmt_iso

PEOPLE = ["李丹", "郭俊涛", "秦可娟", "刘红艳", "张利君", "刘静贤", "张艳霞", "侯立楠"]
LEVELS = ["general", "general", "general", "large", "large", "major", "especially_major"]
CATEGORIES = ["rumour", "complaint", "other", "staff_error", "image"]
PLATFORMS = ["微博", "微信公众号", "抖音", "今日头条", "论坛"]
# (action, subject, old, new) after the creation event
STEPS = [
    ("done", "assess", "open", "done"),
    ("done", "trace_source", "open", "done"),
    ("done", "report_leading_group", "open", "done"),
    ("advance", "stage", "detected", "reported"),
    ("done", "approve_handling", "open", "done"),
    ("advance", "stage", "reported", "handling"),
    ("done", "confirm_facts", "open", "done"),
    ("done", "unified_line", "open", "done"),
    ("done", "state_position", "open", "done"),
]
BATCH = 20_000


def build(path: Path, incidents: int, open_count: int) -> None:
    if path.exists():
        sys.exit(f"{path} exists; give a new path")
    plan = load_plan(shipped_plan_path())
    store = Store.open(str(path))
    # The history ends two days ago, so "today" on the large database is as quiet as on
    # an empty one and the comparison measures size, not a busier day.
    start = datetime.now(UTC) - timedelta(days=2, minutes=10 * incidents)
    prev = GENESIS
    event_id = 0
    t0 = time.perf_counter()
    with store.write() as session:
        conn = session.connection()
        conn.execute(
            insert(PlanVersion.__table__),
            [
                {  # type: ignore[attr-defined]
                    "version": plan.version,
                    "source": plan.source,
                    "text": plan.text,
                    "stored_at": start,
                }
            ],
        )
        day_counts: dict[str, int] = {}
        for first in range(1, incidents + 1, BATCH):
            rows, steps, events = [], [], []
            for n in range(first, min(first + BATCH, incidents + 1)):
                detected = start + timedelta(minutes=10 * n)
                day = (detected + timedelta(hours=8)).strftime("%Y%m%d")
                day_counts[day] = day_counts.get(day, 0) + 1
                closed = n <= incidents - open_count
                level = LEVELS[n % len(LEVELS)]
                fields = {
                    "title": f"舆情 {n}",
                    "level": level,
                    "category": CATEGORIES[n % len(CATEGORIES)],
                    "sentiment": "negative",
                    "platform": PLATFORMS[n % len(PLATFORMS)],
                    "url": f"https://example.org/{n}",
                    "summary": "",
                    "exercise": False,
                    "stage": "detected",
                }
                at = [detected + timedelta(minutes=i) for i in range(10)]
                rows.append(
                    {
                        "id": n,
                        "ref": f"YQ-{day}-{day_counts[day]:03d}",
                        "title": fields["title"],
                        "summary": "",
                        "platform": fields["platform"],
                        "url": fields["url"],
                        "level": level,
                        "category": fields["category"],
                        "sentiment": "negative",
                        "stage": "closed" if closed else "handling",
                        "exercise": False,
                        "reporter": PEOPLE[n % len(PEOPLE)],
                        "plan_version": plan.version,
                        "detected_at": detected,
                        "recorded_at": detected,
                        "stage_entered": json.dumps(
                            {
                                "detected": fmt_iso(at[0]),
                                "reported": fmt_iso(at[4]),
                                "handling": fmt_iso(at[6]),
                            }
                        ),
                        "reported_at": at[3],
                        "first_response_at": at[9],
                        "closed_at": at[9] + timedelta(hours=1) if closed else None,
                        "reopened": 0,
                        "last_seq": 10,
                    }
                )
                content = [
                    ("create", "", None, json.dumps(fields, ensure_ascii=False, sort_keys=True))
                ]
                content += [(a, s, o, w) for a, s, o, w in STEPS]
                for seq, (action, subject, old, new) in enumerate(content, start=1):
                    event_id += 1
                    actor = PEOPLE[(n + seq) % len(PEOPLE)]
                    item = {
                        "incident_id": n,
                        "seq": seq,
                        "action": action,
                        "actor": actor,
                        "subject": subject,
                        "old": old,
                        "new": new,
                        "note": "",
                        "happened_at": at[seq - 1],
                        "recorded_at": at[seq - 1] + timedelta(seconds=30),
                        "plan_version": plan.version,
                    }
                    digest = event_hash(prev, item)
                    events.append({**item, "id": event_id, "prev_hash": prev, "hash": digest})
                    prev = digest
                    if action == "done":
                        steps.append(
                            {
                                "incident_id": n,
                                "step_id": subject,
                                "status": "done",
                                "actor": actor,
                                "note": "",
                                "happened_at": at[seq - 1],
                                "recorded_at": at[seq - 1] + timedelta(seconds=30),
                            }
                        )
            conn.execute(insert(Incident.__table__), rows)  # type: ignore[attr-defined]
            conn.execute(insert(StepRecord.__table__), steps)  # type: ignore[attr-defined]
            conn.execute(insert(Event.__table__), events)  # type: ignore[attr-defined]
            print(
                f"  {n:>7} incidents, {event_id:>8} events  {time.perf_counter() - t0:5.1f} s",
                file=sys.stderr,
            )
    store.close()
    print(
        f"built {path}: {incidents} incidents, {event_id} events in "
        f"{time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=20, dest="open_count")
    args = parser.parse_args()
    build(args.path, args.incidents, args.open_count)


if __name__ == "__main__":
    main()
