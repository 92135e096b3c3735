"""Every test runs against a fresh SQLite file in a temporary directory, with the shipped plan."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

os.environ["YQ_LANG"] = "en"  # before the commands (and their help) are defined

from yuqing_cli.cli import app  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHIPPED_PLAN = REPO / "plan.yaml"
PLANS = Path(__file__).resolve().parent / "plans"

LEADER = "郭雁"
DEPUTY = "张江晖"
LIAISON = "李丹"  # also a member and a commentator
MEMBER = "郭俊涛"  # also a commentator


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("YQ_DB", str(tmp_path / "yq.db"))
    monkeypatch.setenv("YQ_PLAN", str(SHIPPED_PLAN))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("YQ_LANG", "en")
    for name in ("YQ_USER", "YQ_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def yq(*args: str, user: str | None = None, input: str | None = None) -> Result:
    """Run a yq command in-process through Typer's test runner."""
    argv: list[str] = []
    if user is not None:
        argv += ["--as", user]
    argv += list(args)
    return CliRunner().invoke(app, argv, input=input)


def ok(*args: str, user: str | None = None) -> Result:
    result = yq(*args, user=user)
    assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
    return result


def ok_json(*args: str, user: str | None = None) -> Any:
    return json.loads(ok(*args, "--json", user=user).stdout)


def yq_bin() -> str:
    """The installed console script beside the running interpreter."""
    path = Path(sys.executable).parent / "yq"
    found = str(path) if path.exists() else shutil.which("yq")
    assert found, "the yq console script is not installed"
    return found


def run_yq(
    args: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `yq` in a real process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [yq_bin(), *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def new(
    title: str = "网传某社区矫正对象脱管",
    *,
    level: str = "一般",
    category: str = "other",
    at: str | None = None,
    user: str = LIAISON,
    extra: Sequence[str] = (),
) -> str:
    """Log an incident through the CLI and return its reference."""
    args = ["new", title, "--level", level, "--category", category, *extra]
    if at is not None:
        args += ["--at", at]
    data = ok_json(*args, user=user)
    assert isinstance(data["ref"], str)
    return data["ref"]


def steps(ref: str) -> dict[str, dict[str, Any]]:
    """The checklist's steps by id."""
    return {s["id"]: s for s in ok_json("checklist", ref)["steps"]}


def event_count() -> int:
    return len(ok_json("log", "--since", "2000-01-01"))


def holder(roles: Sequence[str]) -> str:
    """A roster person holding the first of ``roles``."""
    return {
        "leader": LEADER,
        "deputy": DEPUTY,
        "member": MEMBER,
        "commentator": MEMBER,
        "liaison": LIAISON,
        "spokesperson": LEADER,
    }[roles[0]]


def step_roles(checklist: dict[str, Any], step: str) -> list[str]:
    return next(s["roles"] for s in checklist["steps"] if s["id"] == step)


def _finish_stage(ref: str, data: dict[str, Any], extra: Sequence[str]) -> None:
    for step in data["missing"]:
        if step == "designate_spokesperson":
            ok("assign", ref, "spokesperson", "秦可娟", *extra, user=LEADER)
        else:
            ok("done", ref, step, *extra, user=holder(step_roles(data, step)))
    ok("advance", ref, *extra, user=LEADER)


def walk_until(ref: str, stage: str, at: str | None = None) -> None:
    """Do every missing required step and advance, until ``ref`` is in ``stage``."""
    extra = ["--at", at] if at else []
    while (data := ok_json("checklist", ref))["stage"] != stage:
        _finish_stage(ref, data, extra)


def walk_to_close(ref: str, at: str | None = None) -> None:
    extra = ["--at", at] if at else []
    while (data := ok_json("checklist", ref))["next_stage"] is not None:
        _finish_stage(ref, data, extra)


class Clock:
    """A settable clock for in-process tests of what depends on the day."""

    def __init__(self) -> None:
        self.now = datetime(2024, 11, 23, tzinfo=UTC)

    def set(self, local_time: str) -> None:
        """Set the clock to a time in Asia/Shanghai, e.g. '2024-11-23 09:00'."""
        self.now = (
            datetime.fromisoformat(local_time)
            .replace(tzinfo=timezone(timedelta(hours=8)))
            .astimezone(UTC)
        )

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from yuqing_cli import timeutil

    fake = Clock()
    monkeypatch.setattr(timeutil, "_clock", fake)
    return fake


# -- a scripted day, shared by the report, ledger and office tests -------------------------

FORMULA_TITLE = "=cmd|' /C calc'!A0 工作人员失误"


def _build_day(clock: Clock) -> dict[str, str]:
    """2024-11-23: a patrol with nothing found, four incidents and an exercise, one closed."""
    clock.set("2024-11-22 15:30")
    e = new(
        "前一日的投诉",
        level="一般",
        category="complaint",
        at="2024-11-22 15:00",
        extra=["--source", "论坛"],
    )
    clock.set("2024-11-23 08:00")
    ok("routine", "done", "patrol", "--zero", "--note", "未发现", user=LIAISON)
    clock.set("2024-11-23 09:05")
    a = new(
        "网传中心办事拖延",
        level="一般",
        category="complaint",
        at="2024-11-23 09:00",
        extra=["--source", "微博"],
    )
    clock.set("2024-11-23 09:20")
    ok("done", a, "report_leading_group", user=MEMBER)
    clock.set("2024-11-23 10:00")
    b = new("网传矫正对象脱管", level="重大", category="rumour", extra=["--source", "抖音"])
    clock.set("2024-11-23 11:00")
    c = new(FORMULA_TITLE, level="较大", category="staff_error", extra=["--source", "微信公众号"])
    clock.set("2024-11-23 13:00")
    ok("done", c, "report_leading_group", user=MEMBER)
    d = new("演练：特别重大", level="特别重大", extra=["--exercise", "--source", "微博"])
    clock.set("2024-11-23 14:00")
    walk_to_close(e)
    clock.set("2024-11-23 16:00")
    ok("grade", b, "特别重大", "--reason", "转发过万", user=LEADER)
    ok("note", a, "视频发布者已删帖", user=MEMBER)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


@pytest.fixture
def scripted_day(clock: Clock, env: Path, template_dir: Path) -> dict[str, str]:
    refs: dict[str, str] = from_template("day", env, template_dir, lambda: _build_day(clock))
    return refs


_TEMPLATES: dict[str, tuple[Path, Any]] = {}


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("templates")


def from_template(name: str, env: Path, template_dir: Path, build: Any) -> Any:
    """Build a database once per test session and give each test its own copy.

    ``build()`` runs the first time, against the test's own ``YQ_DB``; its database and
    its return value are kept, and later tests start from a copy (SQLite's backup API,
    so the copy is consistent).
    """
    target = env / "yq.db"
    if name not in _TEMPLATES:
        value = build()
        keep = template_dir / f"{name}.db"
        _copy_db(target, keep)
        _TEMPLATES[name] = (keep, value)
        return value
    source, value = _TEMPLATES[name]
    target.unlink(missing_ok=True)
    _copy_db(source, target)
    return value


def _copy_db(source: Path, target: Path) -> None:
    import sqlite3

    a, b = sqlite3.connect(source), sqlite3.connect(target)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
