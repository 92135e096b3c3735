"""Four people writing to one database at once: 4 processes × 200 writing commands.

    python bench/concurrency.py [--workers 4] [--commands 200]

Each worker runs its commands one after another through the installed `yq` (new,
three steps done, advance, a note on a shared incident, repeated). It prints the
wall time, every failure (there should be none: no "database is locked"), checks the
event count is exact, and runs `yq verify`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

YQ = str(Path(sys.executable).parent / "yq")
CYCLE = 6  # commands (and events) per cycle


def run(env: dict[str, str], user: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [YQ, "--as", user, *args], env=env, capture_output=True, text=True, check=False
    )


def worker(env: dict[str, str], tag: str, cycles: int, shared: str) -> list[str]:
    failures = []
    for cycle in range(cycles):
        made = run(env, "郭俊涛", "new", f"{tag} {cycle}", "--json")
        if made.returncode:
            failures.append(made.stderr.strip())
            continue
        ref = json.loads(made.stdout)["ref"]
        results = [
            run(env, "郭俊涛", "done", ref, step)
            for step in ("assess", "trace_source", "report_leading_group")
        ]
        results.append(run(env, "郭雁", "advance", ref))
        results.append(run(env, "李丹", "note", shared, f"{tag} {cycle}"))
        failures += [r.stderr.strip() for r in results if r.returncode]
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--commands", type=int, default=200)
    args = parser.parse_args()
    cycles = args.commands // CYCLE
    work = Path(tempfile.mkdtemp(prefix="yq-conc-"))
    env = {
        **os.environ,
        "YQ_DB": str(work / "yq.db"),
        "YQ_PLAN": "",
        "XDG_CACHE_HOME": str(work / "cache"),
    }
    shared = json.loads(run(env, "李丹", "new", "shared", "--json").stdout)["ref"]
    start = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as pool:
        futures = [pool.submit(worker, env, f"w{i}", cycles, shared) for i in range(args.workers)]
        failures = [f for future in futures for f in future.result()]
    elapsed = time.perf_counter() - start
    events = json.loads(
        subprocess.run(
            [YQ, "log", "--since", "2000-01-01", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    expected = 1 + args.workers * cycles * CYCLE
    verify = subprocess.run([YQ, "verify"], env=env, capture_output=True, text=True, check=False)
    total = args.workers * cycles * CYCLE
    print(
        f"{args.workers} workers × {cycles * CYCLE} commands = {total} writing commands "
        f"in {elapsed:.1f} s ({total / elapsed:.1f} commands/s)"
    )
    print(f"failures: {len(failures)}" + "".join(f"\n  {f}" for f in failures[:10]))
    print(f"events: {len(events)} (expected {expected})")
    print(f"verify: {verify.stdout.splitlines()[0] if verify.stdout else verify.stderr}")
    sys.exit(0 if not failures and len(events) == expected and verify.returncode == 0 else 1)


if __name__ == "__main__":
    main()
