"""Every test runs against a fresh database with the shipped plan.

By default that is a SQLite file in the test's temporary directory. With
``YQ_TEST_POSTGRES_URL`` set to a database on a PostgreSQL server, as its superuser
(``.ci/run`` starts such a server), each test gets a fresh schema of that database
instead, and tests marked ``sqlite_only`` are skipped; tests marked ``postgres_only``
run only then.

Markers: ``sqlite_only`` (opens the file with sqlite3, checks pragmas…),
``postgres_only`` (logins, grants, the server's identity), ``no_store`` (never opens a
database: run once, on SQLite), ``processes`` (real concurrent or killed processes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


POSTGRES_URL = os.environ.get("YQ_TEST_POSTGRES_URL", "")
NO_POSTGRES = (
    "needs a PostgreSQL server: set YQ_TEST_POSTGRES_URL to a database on it, as its "
    "superuser (.ci/run starts one)"
)
SQLITE_ONLY = "SQLite-specific (works on the file, its pragmas or sqlite3): run on SQLite"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        sqlite_only = item.get_closest_marker("sqlite_only")
        if POSTGRES_URL and sqlite_only:
            item.add_marker(pytest.mark.skip(reason=sqlite_only.kwargs.get("reason", SQLITE_ONLY)))
        if not POSTGRES_URL and item.get_closest_marker("postgres_only"):
            item.add_marker(pytest.mark.skip(reason=NO_POSTGRES))


@pytest.fixture(autouse=True)
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Path]:
    node = request.node
    if POSTGRES_URL and not (
        node.get_closest_marker("sqlite_only") or node.get_closest_marker("no_store")
    ):
        server = pg_server()
        test = server.begin_test(monkeypatch)
        monkeypatch.setenv("YQ_DB", test.url)
    else:
        test = None
        monkeypatch.setenv("YQ_DB", str(tmp_path / "yq.db"))
    monkeypatch.setenv("YQ_PLAN", str(SHIPPED_PLAN))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("YQ_LANG", "en")
    for name in ("YQ_USER", "YQ_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    from yuqing_cli import i18n

    i18n.setup()  # English again, whatever a test before ran with --lang
    try:
        yield tmp_path
    finally:
        if test is not None:
            test.end()
        i18n.setup()


def database() -> str:
    """The test's database, as YQ_DB gives it: a file path, or a PostgreSQL URL."""
    return os.environ["YQ_DB"]


@contextmanager
def tampering() -> Iterator[Any]:
    """A connection to the test's database behind yq's back, the append-only triggers
    off: on SQLite they are dropped; on PostgreSQL, as the superuser, triggers are off
    for the transaction. Use ``text()`` statements: they work on both."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from yuqing_cli.paths import db_url

    engine = create_engine(db_url(database()), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.execute(text("DROP TRIGGER IF EXISTS event_no_update"))
                conn.execute(text("DROP TRIGGER IF EXISTS event_no_delete"))
            else:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn
    finally:
        engine.dispose()


def tamper(*statements: str) -> None:
    """Run SQL statements on the test's database behind yq's back (see tampering)."""
    from sqlalchemy import text

    with tampering() as conn:
        for statement in statements:
            conn.execute(text(statement))


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

    ``build()`` runs the first time; its database and its return value are kept, and
    later tests start from a copy: of the SQLite file (SQLite's backup API, so the copy is
    consistent), or on PostgreSQL of a template database (CREATE DATABASE … TEMPLATE).
    """
    if POSTGRES_URL and pg_server().current is not None:
        return pg_server().from_template(name, build)
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


# -- PostgreSQL -----------------------------------------------------------------------------


def with_login(url: str, login: str, password: str | None = None) -> str:
    """``url`` with another login (and password), same server, database and options."""
    from sqlalchemy.engine import make_url

    return (
        make_url(url).set(username=login, password=password).render_as_string(hide_password=False)
    )


class PgTest:
    """One test's place on the server: a fresh schema, and the logins it made."""

    def __init__(self, server: PgServer, monkeypatch: pytest.MonkeyPatch, schema: str) -> None:
        self.server = server
        self.monkeypatch = monkeypatch
        self.schema = schema
        self.database: str | None = None  # a database of its own (a template's copy)
        self.logins: list[str] = []
        self.url = server.url_for(schema=schema)

    def login(self, name: str, password: str | None = None) -> str:
        """A new login on the server (dropped after the test); its URL for this test."""
        role = f"{self.server.prefix}{name}"
        quoted = self.server.quote(role)
        self.server.run(
            f"CREATE ROLE {quoted} LOGIN"
            + (f" PASSWORD '{password}'" if password is not None else "")
        )
        self.logins.append(role)
        return role

    def url_as(self, login: str, password: str | None = None) -> str:
        return with_login(self.url, login, password)

    def sql(self, statement: str, **params: Any) -> list[Any]:
        """Run SQL as the superuser in this test's database and schema."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    def end(self) -> None:
        server = self.server
        server.current = None
        if self.database is not None:
            server.run(f"DROP DATABASE IF EXISTS {server.quote(self.database)} WITH (FORCE)")
        server.run(f"DROP SCHEMA IF EXISTS {server.quote(self.schema)} CASCADE")
        for role in self.logins:
            quoted = server.quote(role)
            server.run(f"DROP OWNED BY {quoted} CASCADE")
            server.run(f"DROP ROLE IF EXISTS {quoted}")


class PgServer:
    """The test server, reached as its superuser through ``YQ_TEST_POSTGRES_URL``."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.url = url
        self.database = make_url(url).database or "postgres"
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self.prefix = f"yqt{os.getpid()}_"
        self.count = 0
        self.current: PgTest | None = None
        self.templates: dict[str, tuple[str, Any]] = {}

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def run(self, statement: str) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql(statement)

    def url_for(self, *, schema: str | None = None, database: str | None = None) -> str:
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if database is not None:
            url = url.set(database=database)
        if schema is not None:
            url = url.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def begin_test(self, monkeypatch: pytest.MonkeyPatch) -> PgTest:
        self.count += 1
        schema = f"{self.prefix}{self.count}"
        self.run(f"CREATE SCHEMA {self.quote(schema)}")
        self.current = PgTest(self, monkeypatch, schema)
        return self.current

    def from_template(self, name: str, build: Any) -> Any:
        test = self.current
        assert test is not None
        if name not in self.templates:
            template = f"{self.prefix}tpl_{name}"
            self.run(f"DROP DATABASE IF EXISTS {self.quote(template)}")
            self.run(f"CREATE DATABASE {self.quote(template)}")
            test.monkeypatch.setenv("YQ_DB", self.url_for(database=template))
            self.templates[name] = (template, build())
        template, value = self.templates[name]
        self.count += 1
        copy = f"{self.prefix}db{self.count}"
        self.run(f"CREATE DATABASE {self.quote(copy)} TEMPLATE {self.quote(template)}")
        test.database = copy
        test.url = self.url_for(database=copy)
        test.monkeypatch.setenv("YQ_DB", test.url)
        return value

    def close(self) -> None:
        for template, _value in self.templates.values():
            self.run(f"DROP DATABASE IF EXISTS {self.quote(template)} WITH (FORCE)")
        self.engine.dispose()


_SERVER: list[PgServer] = []


def pg_server() -> PgServer:
    if not _SERVER:
        _SERVER.append(PgServer(POSTGRES_URL))
    return _SERVER[0]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SERVER:
        _SERVER.pop().close()


@pytest.fixture
def pg(env: Path) -> PgTest:
    """This test's place on the PostgreSQL server (tests that use it are postgres_only)."""
    test = pg_server().current if POSTGRES_URL else None
    if test is None:
        pytest.skip(NO_POSTGRES)
    return test
