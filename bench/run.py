"""Time yq as whole processes and print ratios.

    python bench/run.py [--large PATH] [--runs N]

Each case runs N times (default 15) after two warm-up runs; the figure is the median
wall time. The floor is `python -c pass` with the same interpreter; `bare_new.py`
imports the stack (typer, rich, sqlmodel) and commits one row, the floor for `yq new`.
Commands run on an empty database and, with --large, on a database built by
build_db.py (100,000 incidents, 1,000,000 events); copy it first, `yq new` adds rows.
Run the console script of a virtual environment, not a shim: `.venv/bin/python bench/run.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
YQ = str(BIN / "yq")
USER = "李丹"


def timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    for _ in range(2):
        subprocess.run(argv, env=env, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def some_ref(db: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [YQ, "--db", db, "list", "--json", "-n", "1"],
        env=env,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return str(json.loads(out)[0]["ref"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", help="a database built by bench/build_db.py")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yq-bench-"))
    env = {
        **os.environ,
        "YQ_PLAN": "",
        "YQ_USER": USER,
        "NO_COLOR": "1",
        "XDG_CACHE_HOME": str(work / "cache"),
    }
    results: dict[str, float] = {}

    def case(name: str, argv: list[str]) -> float:
        results[name] = timed(argv, env, args.runs)
        return results[name]

    floor = case("python -c pass", [sys.executable, "-c", "pass"])
    bare = case(
        "bare_new.py (stack + one row)",
        [sys.executable, str(HERE / "bare_new.py"), str(work / "bare.db")],
    )
    case("yq --help", [YQ, "--help"])
    case("yq plan show", [YQ, "plan", "show"])

    empty = str(work / "empty.db")
    subprocess.run(
        [YQ, "--db", empty, "new", "bench seed"], env=env, check=True, capture_output=True
    )
    databases = {"empty": empty}
    if args.large:
        databases["large"] = args.large
    for label, db in databases.items():
        ref = some_ref(db, env)
        case(f"yq new [{label}]", [YQ, "--db", db, "new", "bench", "--allow-duplicate"])
        case(f"yq show [{label}]", [YQ, "--db", db, "show", ref])
        case(f"yq checklist [{label}]", [YQ, "--db", db, "checklist", ref])
        case(f"yq list --overdue [{label}]", [YQ, "--db", db, "list", "--overdue"])
        case(f"yq report [{label}]", [YQ, "--db", db, "report"])

    print(f"{'case':<34}{'median ms':>11}{'× floor':>10}{'× bare':>9}{'× empty':>9}")
    for name, value in results.items():
        vs_empty = ""
        if name.endswith("[large]"):
            vs_empty = f"{value / results[name.replace('[large]', '[empty]')]:.2f}"
        print(
            f"{name:<34}{value * 1000:>11.1f}{value / floor:>10.1f}{value / bare:>9.2f}"
            f"{vs_empty:>9}"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
