"""A team on one PostgreSQL server, against the same work on one SQLite file.

    python bench/server.py --url postgresql+psycopg://postgres@127.0.0.1:5432/yqbench \
        [--writers 8] [--commands 200] [--runs 15]

``--url`` names a database on a local server, as its superuser; the benchmark works in a
schema of its own there (dropped at the end). It measures, with the installed `yq`:

1. `yq new` as one process at a time (two warm-ups, then the median of ``--runs``):
   on an empty SQLite file, and on the server with a personal login linked to a person
   (so the login's identity is checked, as in daily work).
2. ``--writers`` processes, each running ``--commands`` writing commands one after the
   other (new, three steps done, advance, a note on a shared incident, repeated), all at
   once: on the server each writer has its own logins (a member's and a leader's), on
   SQLite each names the person with --as. Every command's wall time is kept: p50 and
   p95 per backend and per command. Then: failures (there should be none), the number
   of events against the number expected (none lost, none twice), `yq verify`.
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
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

YQ = str(Path(sys.executable).parent / "yq")
MEMBER, LEADER, LIAISON = "郭俊涛", "郭雁", "李丹"
STEPS = ("assess", "trace_source", "report_leading_group")


def run(env: dict[str, str], db: str, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    done = subprocess.run(
        [YQ, "--db", db, *args], env=env, capture_output=True, text=True, check=False
    )
    return done, time.perf_counter() - start


def must(env: dict[str, str], db: str, *args: str) -> str:
    done, _seconds = run(env, db, *args)
    if done.returncode:
        raise SystemExit(f"yq {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def median_new(env: dict[str, str], db: str, runs: int, user: list[str]) -> float:
    times = []
    for i in range(runs + 2):
        done, seconds = run(env, db, *user, "new", f"bench {i}", "--allow-duplicate")
        if done.returncode:
            raise SystemExit(done.stderr)
        if i >= 2:
            times.append(seconds)
    return statistics.median(times)


class Writer:
    """One person at a desk: ``commands`` writing commands, one after the other."""

    def __init__(self, env: dict[str, str], tag: str, member: list[str], leader: list[str]):
        self.env = env
        self.tag = tag
        self.member = member  # --db URL (and --as NAME on SQLite) of the member
        self.leader = leader
        self.times: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []

    def _do(self, kind: str, who: list[str], *args: str) -> subprocess.CompletedProcess[str]:
        start = time.perf_counter()
        done = subprocess.run(
            [YQ, *who, *args], env=self.env, capture_output=True, text=True, check=False
        )
        self.times[kind].append(time.perf_counter() - start)
        if done.returncode:
            self.failures.append(f"{self.tag} {kind}: {done.stderr.strip()}")
        return done

    def work(self, commands: int, shared: str) -> None:
        count = 0
        cycle = 0
        while count + 6 <= commands:
            made = self._do("new", self.member, "new", f"{self.tag} {cycle}", "--json")
            count += 1
            if made.returncode:
                continue
            ref = json.loads(made.stdout)["ref"]
            for step in STEPS:
                self._do("done", self.member, "done", ref, step)
            self._do("advance", self.leader, "advance", ref)
            self._do("note", self.member, "note", shared, f"{self.tag} {cycle}")
            count += 5
            cycle += 1
        while count < commands:
            self._do("note", self.member, "note", shared, f"{self.tag} extra {count}")
            count += 1


@dataclass
class Load:
    elapsed: float
    failures: list[str]
    events: int  # new events in the database
    expected: int
    duplicates: int  # event ids seen twice
    verified: bool
    times: dict[str, list[float]]  # per command ("all" too)

    @property
    def good(self) -> bool:
        return (
            not self.failures
            and self.events == self.expected
            and not self.duplicates
            and self.verified
        )


def all_events(env: dict[str, str], db: str) -> list[dict[str, object]]:
    out = must(env, db, "log", "--since", "2000-01-01", "-n", "1000000", "--json")
    events: list[dict[str, object]] = json.loads(out)
    return events


def load(env: dict[str, str], db: str, writers: list[Writer], commands: int, shared: str) -> Load:
    before = len(all_events(env, db))
    start = time.perf_counter()
    with ThreadPoolExecutor(len(writers)) as pool:
        for future in [pool.submit(w.work, commands, shared) for w in writers]:
            future.result()
    elapsed = time.perf_counter() - start
    events = all_events(env, db)
    ids = [e["id"] for e in events]
    verify, _seconds = run(env, db, "verify", "--json")
    report = json.loads(verify.stdout)
    times: dict[str, list[float]] = defaultdict(list)
    for w in writers:
        for kind, values in w.times.items():
            times[kind] += values
            times["all"] += values
    return Load(
        elapsed,
        [f for w in writers for f in w.failures],
        len(events) - before,
        len(writers) * commands,
        len(ids) - len(set(ids)),
        bool(report["ok"] and not report["findings"]),
        times,
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database on the server, as superuser")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    work = Path(tempfile.mkdtemp(prefix="yq-server-bench-"))
    env = {
        **os.environ,
        "YQ_PLAN": "",
        "NO_COLOR": "1",
        "XDG_CACHE_HOME": str(work / "cache"),
    }
    env.pop("YQ_USER", None)
    schema = f"yq_bench_{os.getpid()}"
    admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
    base = make_url(args.url).update_query_dict({"options": f"-csearch_path={schema}"})

    def url_as(login: str) -> str:
        return base.set(username=login, password=None).render_as_string(hide_password=False)

    superuser = base.render_as_string(hide_password=False)
    roles = [f"{schema}_{i}_{kind}" for i in range(args.writers) for kind in ("m", "l")]
    roles.append(f"{schema}_desk")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        for role in roles:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        must(env, superuser, "db", "upgrade")
        must(
            env,
            superuser,
            "db",
            "setup-roles",
            "--apply",
            *(a for role in roles for a in ("--writer", role)),
        )
        must(env, superuser, "--as", LEADER, "people", "link", roles[1], LEADER)
        for role in roles:
            person = LEADER if role.endswith("_l") else MEMBER
            if role != roles[1]:
                must(env, url_as(roles[1]), "people", "link", role, person)
        desk = url_as(roles[-1])

        sqlite = str(work / "bench.db")
        must(env, sqlite, "--as", MEMBER, "new", "seed")
        must(env, desk, "new", "seed")
        new_sqlite = median_new(env, sqlite, args.runs, ["--as", MEMBER])
        new_server = median_new(env, desk, args.runs, [])

        results: dict[str, Load] = {}
        for label, db in (("SQLite", str(work / "load.db")), ("PostgreSQL", None)):
            if db is None:
                shared = json.loads(must(env, desk, "new", "shared", "--json"))["ref"]
                writers = [
                    Writer(
                        env,
                        f"w{i}",
                        ["--db", url_as(roles[2 * i])],
                        ["--db", url_as(roles[2 * i + 1])],
                    )
                    for i in range(args.writers)
                ]
                results[label] = load(env, superuser, writers, args.commands, shared)
            else:
                shared = json.loads(must(env, db, "--as", LIAISON, "new", "shared", "--json"))[
                    "ref"
                ]
                writers = [
                    Writer(env, f"w{i}", ["--db", db, "--as", MEMBER], ["--db", db, "--as", LEADER])
                    for i in range(args.writers)
                ]
                results[label] = load(env, db, writers, args.commands, shared)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            for role in roles:
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
        shutil.rmtree(work, ignore_errors=True)

    ratio = new_server / new_sqlite
    print(f"`yq new`, one process at a time (median of {args.runs}):")
    print(f"  SQLite file             {new_sqlite * 1000:7.1f} ms")
    print(f"  PostgreSQL, own login   {new_server * 1000:7.1f} ms  ({ratio:.2f}× SQLite)")
    print()
    print(f"{args.writers} writers × {args.commands} writing commands at once (ms):")
    kinds = ("new", "done", "advance", "note")
    print(f"  {'':<12}{'p50':>7}{'p95':>7}" + "".join(f"{k + ' p50':>13}" for k in kinds))
    for label, r in results.items():
        every = r.times["all"]
        row = f"  {label:<12}{pct(every, 0.5) * 1000:>7.0f}{pct(every, 0.95) * 1000:>7.0f}"
        print(row + "".join(f"{pct(r.times[k], 0.5) * 1000:>13.0f}" for k in kinds))
    for label, r in results.items():
        print(
            f"  {label}: {len(r.times['all'])} commands in {r.elapsed:.1f} s; "
            f"failures {len(r.failures)}; events {r.events} (expected {r.expected}); "
            f"ids twice {r.duplicates}; verify {'ok' if r.verified else 'FAILED'}"
        )
        for failure in r.failures[:10]:
            print(f"    {failure}")
    sys.exit(0 if all(r.good for r in results.values()) else 1)


if __name__ == "__main__":
    main()
