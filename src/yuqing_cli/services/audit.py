"""The audit trail: appending hash-chained events, and verifying the chain.

Every event stores ``hash = sha256(prev_hash + canonical(content))`` where the
content is everything the event says (incident, sequence, actor, action, old and
new values, both times, plan version, and its data and the login that wrote it when it
has them). The chain runs
over the whole database in append (``id``) order, starting from :data:`GENESIS`.
Appends happen only inside a writing transaction, which holds the store's write lock
(see :func:`yuqing_cli.store.dialect.lock_for_write`), so the head read here is final.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.engine import Connection, RowMapping
from sqlmodel import Session

from yuqing_cli.i18n import _
from yuqing_cli.store import dialect
from yuqing_cli.store.bulk import insert_many
from yuqing_cli.store.tables import Event
from yuqing_cli.timeutil import fmt_iso

GENESIS = "0" * 64
_LAST_HASH = "yq_last_hash"
APPENDED = "yq_appended"  # session.info key: the events this transaction appended

CONTENT_FIELDS = (
    "incident_id",
    "seq",
    "action",
    "actor",
    "subject",
    "old",
    "new",
    "note",
    "happened_at",
    "recorded_at",
    "plan_version",
    "data",  # only in the content when not null: events written before it existed
    "login",  # the database login that wrote it (on a server; not null there)
    "login_admin",  # whether that login was an administrator's
)
# Left out of the canonical form when null, so events written before they existed (and
# every event on SQLite) keep their hashes.
OPTIONAL_FIELDS = frozenset({"data", "login", "login_admin"})
_LOGIN = "yq_login"


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical(content: Mapping[str, Any]) -> bytes:
    """One byte string per content: sorted keys, no spaces, UTF-8, times in UTC ISO form.

    A null ``data``, ``login`` or ``login_admin`` is left out, so events written before
    the column existed keep their hashes.
    """
    normal = dict(content)
    for key in _TIMES:
        value = normal.get(key)
        if isinstance(value, datetime):
            normal[key] = fmt_iso(value)
    for key in OPTIONAL_FIELDS:
        if key in normal and normal[key] is None:
            del normal[key]
    return _CANONICAL.encode(normal).encode()


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("utf-8") + b"\n" + canonical(content)).hexdigest()


def append(
    session: Session,
    *,
    incident_id: int | None,
    seq: int,
    action: str,
    actor: str,
    happened_at: datetime,
    recorded_at: datetime,
    plan_version: str,
    subject: str = "",
    old: str | None = None,
    new: str | None = None,
    note: str = "",
    data: str | None = None,
) -> Event:
    """Append one event in the caller's (writing) transaction, chained to the previous one.

    ``data`` is canonical JSON (:func:`yuqing_cli.codec.dumps`) or None. On a database
    server the event names the session's login (the server checks it).
    """
    prev = session.info.get(_LAST_HASH)
    if prev is None:
        # The head of the chain, by primary key (max() of the key is a single lookup).
        table = Event.__table__  # type: ignore[attr-defined]
        last_id = select(func.max(table.c.id)).scalar_subquery()
        head = session.scalar(select(table.c.hash).where(table.c.id == last_id))
        prev = str(head) if head is not None else GENESIS
    content: dict[str, Any] = {
        "incident_id": incident_id,
        "seq": seq,
        "action": action,
        "actor": actor,
        "subject": subject,
        "old": old,
        "new": new,
        "note": note,
        "happened_at": happened_at,
        "recorded_at": recorded_at,
        "plan_version": plan_version,
        "data": data,
    }
    login = session_login(session)
    if login is not None:
        content["login"] = login.name
        content["login_admin"] = login.admin
    event = Event(**content, prev_hash=prev, hash=event_hash(prev, content))
    session.add(event)
    session.info[_LAST_HASH] = event.hash
    session.info.setdefault(APPENDED, []).append(event)
    return event


def append_many(session: Session, contents: Sequence[Mapping[str, Any]]) -> None:
    """Append many events at once (a bulk import), chained in the order given: the same
    content and hashes as :func:`append` one by one, written in one statement.

    Events added with :func:`append` and not yet written are flushed first, so the
    chain follows the ``id`` order."""
    if not contents:
        return
    session.flush()
    prev = session.info.get(_LAST_HASH)
    table = Event.__table__  # type: ignore[attr-defined]
    if prev is None:
        last_id = select(func.max(table.c.id)).scalar_subquery()
        head = session.scalar(select(table.c.hash).where(table.c.id == last_id))
        prev = str(head) if head is not None else GENESIS
    login = session_login(session)
    mark = {"login": login.name, "login_admin": login.admin} if login is not None else {}
    rows = []
    for content in contents:
        if mark:
            content = {**content, **mark}
        digest = event_hash(prev, content)
        rows.append({**content, "prev_hash": prev, "hash": digest})
        prev = digest
    insert_many(session.connection(), table, rows)
    session.info[_LAST_HASH] = prev


def session_login(session: Session) -> dialect.Login | None:
    """The login of this (writing) session on a database server, asked once; None on SQLite."""
    if _LOGIN not in session.info:
        session.info[_LOGIN] = dialect.server_login(session.connection())
    login: dialect.Login | None = session.info[_LOGIN]
    return login


# -- verification ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Breach:
    """The first place where the chain does not hold."""

    event_id: int
    kind: str  # changed | missing | inserted | out of order
    detail: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    count: int
    head_id: int  # the last event that holds
    head: str  # its hash: record `head_id:head` to detect later rewrites (--anchor)
    breach: Breach | None

    @property
    def ok(self) -> bool:
        return self.breach is None


_TIMES = ("happened_at", "recorded_at")
# The event table as raw values: verification must read a tampered row, not choke on it.
_RAW = Table(
    "event",
    MetaData(),
    Column("id", Integer, primary_key=True),
    # Integer has no result processing on SQLite: a hand-written text comes back as text.
    Column("incident_id", Integer),
    *(
        Column(name, String)
        for name in CONTENT_FIELDS
        if name not in _TIMES + ("seq", "incident_id")
    ),
    Column("seq", String),
    *(Column(name, String) for name in _TIMES),
    Column("prev_hash", String),
    Column("hash", String),
)


# How SQLite stores a time written by the tool (SQLAlchemy's format for DateTime).
_STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"


def _raw_content(row: RowMapping) -> dict[str, Any] | None:
    """The content as it was hashed, or None if a value is not what the tool writes.

    Strict on purpose: '01' in an integer column, or a time written in another
    format, means the row was edited even when the value reads the same.
    """
    content: dict[str, Any] = {name: row[name] for name in CONTENT_FIELDS}
    for name in _TIMES:
        value = content[name]
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return None
            if parsed.tzinfo is not None or parsed.strftime(_STORED_TIME) != value:
                return None
            value = parsed
        if not isinstance(value, datetime):
            return None
        content[name] = value if value.tzinfo else value.replace(tzinfo=UTC)
    for name in ("seq", "incident_id"):
        value = content[name]
        if name == "incident_id" and value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            return None
    admin = content["login_admin"]
    if admin is not None and not isinstance(admin, bool):
        # SQLite keeps a boolean as the integer 0 or 1; anything else was written by hand.
        if not isinstance(admin, int) or admin not in (0, 1):
            return None
        content["login_admin"] = bool(admin)
    return content


def _rows(conn: Connection, batch: int = 5000) -> Iterator[RowMapping]:
    """All events in id order, fetched in batches by key (never all rows at once)."""
    table = _RAW
    columns = list(table.c)
    last = 0
    while True:
        rows = (
            conn.execute(
                select(*columns).where(table.c.id > last).order_by(table.c.id).limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def _owner_of(conn: Connection, digest: str) -> int | None:
    table = _RAW
    found = conn.execute(select(table.c.id).where(table.c.hash == digest)).first()
    return int(found[0]) if found is not None else None


def verify(conn: Connection, anchors: Mapping[int, str] | None = None) -> VerifyResult:
    """Walk the chain in id order; stop at the first event that does not hold.

    ``anchors`` maps event ids to hashes recorded earlier (``yq verify`` prints the
    head): an anchor that no longer matches shows history was rewritten wholesale.
    """
    count = 0
    first_id = 0
    prev_id = 0
    prev_hash = GENESIS
    before_prev_hash: str | None = None
    for row in _rows(conn):
        count += 1
        content = _raw_content(row)
        if content is None or event_hash(str(row["prev_hash"]), content) != row["hash"]:
            return VerifyResult(
                count,
                prev_id,
                prev_hash,
                Breach(
                    row["id"],
                    "changed",
                    _(
                        "its content does not match its hash "
                        "(a field was changed, or the row forged)"
                    ),
                ),
            )
        if row["prev_hash"] != prev_hash:
            return VerifyResult(
                count,
                prev_id,
                prev_hash,
                _diagnose_link(conn, row, first_id, prev_id, before_prev_hash),
            )
        if anchors and row["id"] in anchors and anchors[row["id"]] != row["hash"]:
            return VerifyResult(
                count,
                prev_id,
                prev_hash,
                Breach(
                    row["id"],
                    "changed",
                    _("its hash differs from the one recorded earlier (history was rewritten)"),
                ),
            )
        first_id = first_id or row["id"]
        before_prev_hash, prev_hash, prev_id = prev_hash, row["hash"], row["id"]
    if anchors and max(anchors) > prev_id:
        return VerifyResult(
            count,
            prev_id,
            prev_hash,
            Breach(max(anchors), "missing", _("an event recorded earlier is no longer there")),
        )
    return VerifyResult(count, prev_id, prev_hash, None)


def _diagnose_link(
    conn: Connection, row: RowMapping, first_id: int, prev_id: int, before_prev_hash: str | None
) -> Breach:
    """Row ``row`` is intact but does not follow the previous row: say why."""
    row_id = row["id"]
    if prev_id == 0:
        return Breach(
            row_id,
            "missing",
            _("the chain starts at event {row_id}: the events before it are gone").format(
                row_id=row_id
            ),
        )
    if row["prev_hash"] == GENESIS:
        return Breach(
            first_id,
            "inserted",
            _(
                "events {first_id}–{prev_id} stand before the start of the chain (event {row_id})"
            ).format(first_id=first_id, prev_id=prev_id, row_id=row_id),
        )
    if before_prev_hash is not None and row["prev_hash"] == before_prev_hash:
        return Breach(
            prev_id,
            "inserted",
            _("it is not part of the chain: event {row_id} follows the event before it").format(
                row_id=row_id
            ),
        )
    owner = _owner_of(conn, row["prev_hash"])
    if owner is not None and owner != prev_id:
        return Breach(
            row_id,
            "out of order",
            _("it follows event {owner} in the chain, not event {prev_id}").format(
                owner=owner, prev_id=prev_id
            ),
        )
    if row_id != prev_id + 1 and owner is None:
        return Breach(
            prev_id + 1,
            "missing",
            _(
                "events {v1}–{v3} are gone: event {row_id} follows an event that is no longer there"
            ).format(v1=prev_id + 1, v3=row_id - 1, row_id=row_id),
        )
    return Breach(
        prev_id,
        "changed",
        _(
            "it was rewritten and its hash recomputed: event {row_id} still links to the original"
        ).format(row_id=row_id),
    )
