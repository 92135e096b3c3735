"""Time yq as whole processes and print every figure the targets are stated in.

    python bench/run.py [--large PATH] [--small PATH] [--runs N]

Run it with the interpreter of a virtual environment where yq is installed (not
editable, and not through a pyenv shim): `.venv/bin/python bench/run.py …`.

Start-up (each case N times, default 15, after two warm-ups, alternating with its floor;
the figure is the median of the pairwise ratios, which holds when the machine's speed
drifts):
- `python -c pass`, the interpreter's floor;
- `yq plan show` against bench/bare_plan_show.py (a bare Typer app that loads a YAML
  file and prints a Rich table), `yq --help` against `python -c pass`;
- the writing commands `yq new`, `yq note`, `yq done` against bench/bare_new.py (the
  stack imported and one row committed);
- reading commands on the large database against the same on an empty one, and
  `yq report --date` for a busy day of the large database against that day on the
  empty one.

Size (once each, on --large, a database built by build_db.py; copy it first, the
writing cases add rows): the CSV export (incidents/s), `yq log` over the whole history
to a pipe (events/s), `yq list --all` (incidents/s), `yq verify` (seconds): each with
the time to its first line of output and its peak memory (the process's maximum
resident set). With --small (a second, smaller database built the same way) the peaks
are measured there too: flat means independent of the data.

`yq batch`: 100 commands in one process against one, the cost of each further command.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
YQ = str(BIN / "yq")
PY = sys.executable
USER = "李丹"
LEADER = "郭雁"


def run_once(argv: Sequence[str], env: dict[str, str], stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, input=stdin, capture_output=True, check=True)
    return time.perf_counter() - start


def paired(
    a: Sequence[str], b: Sequence[str], env: dict[str, str], runs: int
) -> tuple[float, float, float]:
    """Medians of A and B, and the median of the ratios A/B of runs taken in turn."""
    for _ in range(2):
        run_once(a, env)
        run_once(b, env)
    ta, tb = [], []
    for _ in range(runs):
        ta.append(run_once(a, env))
        tb.append(run_once(b, env))
    ratios = [x / y for x, y in zip(ta, tb, strict=True)]
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios)


def streamed(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float, int, float, float]:
    """Wall seconds, seconds to the first line, lines written, peak memory (MiB) and CPU
    seconds (user and system, its child processes included) of one run whose output
    goes to a pipe."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    first = 0.0
    lines = 0
    while chunk := proc.stdout.read1(1 << 16):
        if not first and b"\n" in chunk:
            first = time.perf_counter() - start
        lines += chunk.count(b"\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the process and its children
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, first, lines, usage.ru_maxrss / 1024, cpu


def busy_day(db: str) -> str:
    """The day before the last day of the large database's history: a full day (with
    bench/build_db.py's history, about 96 incidents logged and 1,500 events)."""
    conn = sqlite3.connect(db)
    last = conn.execute("SELECT max(happened_at) FROM event").fetchone()[0]
    conn.close()
    day = datetime.fromisoformat(last).replace(tzinfo=UTC) + timedelta(hours=8) - timedelta(days=1)
    return day.date().isoformat()


def some_ref(db: str) -> str:
    conn = sqlite3.connect(db)
    ref = conn.execute(
        "SELECT ref FROM incident WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    conn.close()
    assert ref, "no open incident"
    return str(ref[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", help="a database built by bench/build_db.py (a copy)")
    parser.add_argument("--small", help="a smaller one, to show peaks do not grow")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--skip", default="", help="comma-separated: size, batch (e.g. for an older yq)"
    )
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    work = Path(tempfile.mkdtemp(prefix="yq-bench-"))
    env = {
        **os.environ,
        "YQ_PLAN": "",
        "YQ_USER": USER,
        "YQ_LANG": "en",
        "NO_COLOR": "1",
        "XDG_CACHE_HOME": str(work / "cache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    rows: list[tuple[str, str, str]] = []

    def ratio(name: str, a: Sequence[str], b: Sequence[str], floor: str) -> None:
        ta, tb, r = paired(a, b, env, args.runs)
        rows.append((name, f"{ta * 1000:.0f} ms vs {tb * 1000:.0f} ms", f"{r:.2f}× {floor}"))
        print(f"  {name}: {r:.2f}", file=sys.stderr)

    day = busy_day(args.large) if args.large else ""  # before the writing cases add events
    ratio("yq --help", [YQ, "--help"], [PY, "-c", "pass"], "python -c pass")
    ratio(
        "yq plan show",
        [YQ, "plan", "show"],
        [PY, str(HERE / "bare_plan_show.py")],
        "bare_plan_show.py",
    )

    empty = str(work / "empty.db")
    bare = [PY, str(HERE / "bare_new.py"), str(work / "bare.db")]

    def new_ref(db: str) -> str:
        out = subprocess.run(
            [YQ, "--db", db, "new", "bench", "--allow-duplicate", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return str(json.loads(out)["ref"])  # fmt: skip

    ref = new_ref(empty)
    new = [YQ, "--db", empty, "new", "bench", "--allow-duplicate"]
    ratio("yq new [empty]", new, bare, "bare_new.py")
    ratio("yq note [empty]", [YQ, "--db", empty, "note", ref, "bench"], bare, "bare_new.py")
    # `yq done` needs an open step each time: a new incident before each pair (not timed).
    for _ in range(2):
        run_once([YQ, "--db", empty, "done", new_ref(empty), "assess"], env)
        run_once(bare, env)
    ta, tb = [], []
    for _ in range(args.runs):
        fresh = new_ref(empty)
        ta.append(run_once([YQ, "--db", empty, "done", fresh, "assess"], env))
        tb.append(run_once(bare, env))
    r = statistics.median([x / y for x, y in zip(ta, tb, strict=True)])
    rows.append(("yq done [empty]",
                 f"{statistics.median(ta) * 1000:.0f} ms vs {statistics.median(tb) * 1000:.0f} ms",
                 f"{r:.2f}× bare_new.py"))  # fmt: skip

    if args.large:
        large = args.large
        big_ref = some_ref(large)
        for name, tail in (
            ("yq show", ["show", big_ref]),
            ("yq checklist", ["checklist", big_ref]),
            ("yq list --overdue", ["list", "--overdue"]),
            ("yq report", ["report"]),
            ("yq new", ["new", "bench", "--allow-duplicate"]),
        ):
            empty_tail = [t if t != big_ref else ref for t in tail]
            ratio(f"{name} [large ÷ empty]", [YQ, "--db", large, *tail],
                  [YQ, "--db", empty, *empty_tail], "empty")  # fmt: skip
        ratio(f"yq report --date {day} (busy) [large ÷ empty]",
              [YQ, "--db", large, "report", "--date", day],
              [YQ, "--db", empty, "report", "--date", day], "empty")  # fmt: skip

    if args.large and "size" not in skip:
        large = args.large
        conn = sqlite3.connect(large)
        incidents = conn.execute("SELECT count(*) FROM incident WHERE exercise = 0").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM event").fetchone()[0]
        conn.close()
        sizes = {"large": large, **({"small": args.small} if args.small else {})}
        for label, db in sizes.items():
            cases = {
                "export (CSV)": ([YQ, "--db", db, "export"], "incidents/s"),
                "log --since 2000-01-01": (
                    [YQ, "--db", db, "log", "--since", "2000-01-01"], "events/s"),
                "list --all": ([YQ, "--db", db, "list", "--all"], "incidents/s"),
                "verify": ([YQ, "--db", db, "verify"], ""),
            }  # fmt: skip
            for name, (argv, unit) in cases.items():
                wall, first, lines, peak, cpu = streamed(argv, env)
                if label == "large":
                    count = {"incidents/s": incidents, "events/s": events}.get(unit, 0)
                    rate = f"{count / wall:,.0f} {unit}" if unit else f"{events:,} events"
                    rows.append((f"{name} [large]",
                                 f"{wall:.1f} s (cpu {cpu:.1f} s), first line {first:.2f} s",
                                 f"{rate}, peak {peak:.0f} MiB"))  # fmt: skip
                else:
                    rows.append((f"{name} [small]", f"{wall:.1f} s", f"peak {peak:.0f} MiB"))
                print(f"  {name} [{label}]: {wall:.1f} s", file=sys.stderr)

    if "batch" in skip:
        _print(rows)
        shutil.rmtree(work, ignore_errors=True)
        return
    script = "".join(f"note {ref} 'batch {i}'\n" for i in range(100)).encode()
    one = [run_once([YQ, "--db", empty, "batch", "-"], env, script[: script.index(b"\n") + 1])
           for _ in range(3)]  # fmt: skip
    hundred = [run_once([YQ, "--db", empty, "batch", "-"], env, script) for _ in range(3)]
    each = (statistics.median(hundred) - statistics.median(one)) / 99
    rows.append(("yq batch: 100 notes vs 1",
                 f"{statistics.median(hundred):.2f} s vs {statistics.median(one) * 1000:.0f} ms",
                 f"{each * 1000:.0f} ms per further command"))  # fmt: skip

    _print(rows)
    shutil.rmtree(work, ignore_errors=True)


def _print(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'case':<{width}}{'time':<46}figure")
    for name, when, figure in rows:
        print(f"{name:<{width}}{when:<46}{figure}")


if __name__ == "__main__":
    main()
