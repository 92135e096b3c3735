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
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, true
from sqlalchemy.engine import Connection
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
        prev = head(session)[1]
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
    if prev is None:
        prev = head(session)[1]
    table = Event.__table__  # type: ignore[attr-defined]
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


def head(session: Session) -> tuple[int, str]:
    """The id and hash of the newest event: ``(0, GENESIS)`` when there is none. By
    primary key: max() of the key is a single lookup."""
    table = Event.__table__  # type: ignore[attr-defined]
    last_id = select(func.max(table.c.id)).scalar_subquery()
    row = session.execute(select(table.c.id, table.c.hash).where(table.c.id == last_id)).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)


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
RAW = Table(
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
# A raw event as a row of ``select(*RAW_COLUMNS)``, its values in this order.
RAW_ORDER = ("id", *CONTENT_FIELDS, "prev_hash", "hash")
(ID, INCIDENT, SEQ, ACTION, ACTOR, SUBJECT, OLD, NEW, NOTE, HAPPENED, RECORDED, VERSION, DATA,
 LOGIN, LOGIN_ADMIN, PREV, HASH) = range(len(RAW_ORDER))  # fmt: skip
RAW_COLUMNS = tuple(RAW.c[name] for name in RAW_ORDER)


# How SQLite stores a time written by the tool (SQLAlchemy's format for DateTime).
_STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"


def _raw_content(row: Sequence[Any]) -> dict[str, Any] | None:
    """The content as it was hashed, or None if a value is not what the tool writes.

    Strict on purpose: '01' in an integer column, or a time written in another
    format, means the row was edited even when the value reads the same.
    """
    content: dict[str, Any] = dict(zip(CONTENT_FIELDS, row[1:PREV], strict=True))
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


# A time exactly as SQLite keeps what the tool writes (naive UTC, to the microsecond).
_STORED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")


def _stored_time(value: Any) -> str | None:
    """The canonical form (UTC ISO) of a time as SQLite stores it (``2024-11-23
    01:15:00.000000``), or None if ``value`` is not exactly that form."""
    if type(value) is not str or _STORED.fullmatch(value) is None:
        return None
    micro = value[19:]
    return f"{value[:10]}T{value[11:19]}{'' if micro == '.000000' else micro}+00:00"


_quote = json.encoder.encode_basestring  # what json.dumps writes for a str (ensure_ascii=False)
_TEXTS = (ACTION, ACTOR, DATA, NEW, NOTE, OLD, VERSION, SUBJECT)


def digest(row: Sequence[Any]) -> str | None:
    """The hash the content of raw event ``row`` must have (over its stored
    ``prev_hash``), or None if the row holds a value the tool never writes.

    The same as :func:`event_hash` over :func:`_raw_content`, without building either:
    the canonical text of the usual row (SQLite's stored times, text fields) is written
    directly, anything else goes the general way.
    """
    happened, recorded = _stored_time(row[HAPPENED]), _stored_time(row[RECORDED])
    incident, seq, prev = row[INCIDENT], row[SEQ], row[PREV]
    texts = [
        _quote(v) if type(v) is str else "null" if v is None else ""
        for v in [row[i] for i in _TEXTS]
    ]
    if (
        happened is None
        or recorded is None
        or row[LOGIN] is not None
        or row[LOGIN_ADMIN] is not None
        or type(seq) is not int
        or not (incident is None or type(incident) is int)
        or "" in texts
        or type(prev) is not str
    ):
        content = _raw_content(row)
        return None if content is None else event_hash(str(prev), content)
    action, actor, data, new, note, old, version, subject = texts
    text = (
        f'{{"action":{action},"actor":{actor},'
        + ("" if data == "null" else f'"data":{data},')
        + f'"happened_at":"{happened}","incident_id":{"null" if incident is None else incident},'
        f'"new":{new},"note":{note},"old":{old},"plan_version":{version},'
        f'"recorded_at":"{recorded}","seq":{seq},"subject":{subject}}}'
    )
    return hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()


@dataclass
class ContentCheck:
    """Each event's content against its hash, in any order: the first (by id) that does
    not hold, and how many were checked."""

    checked: int = 0
    first_bad: int | None = None
    last_unreadable: bool = False  # the row last checked holds a value yq never writes

    def merge(self, other: ContentCheck) -> None:
        """Add what another check (of other events) found."""
        self.checked += other.checked
        if other.first_bad is not None:
            self.first_bad = min(other.first_bad, self.first_bad or other.first_bad)

    def check(self, row: Sequence[Any]) -> bool:
        self.checked += 1
        found = digest(row)
        self.last_unreadable = found is None
        if found == row[HASH]:
            return True
        if self.first_bad is None or row[ID] < self.first_bad:
            self.first_bad = row[ID]
        return False


def after(column: Any, last: int | None) -> Any:
    """The keyset condition of a scan in id order: everything after ``last``, and on
    the first batch (``last`` None) everything — ids of 0 and below included, which yq
    never writes but a hand may: a scan that started at ``id > 0`` would not see them."""
    return true() if last is None else column > last


def _links(conn: Connection, batch: int = 2_000) -> Iterator[Sequence[Any]]:
    """(id, prev_hash, hash) of every event in id order, in batches by key."""
    table = RAW
    last: int | None = None
    while True:
        rows = conn.execute(
            select(table.c.id, table.c.prev_hash, table.c.hash)
            .where(after(table.c.id, last))
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def _owner_of(conn: Connection, digest: str) -> int | None:
    table = RAW
    found = conn.execute(select(table.c.id).where(table.c.hash == digest)).first()
    return int(found[0]) if found is not None else None


def _changed(event_id: int) -> Breach:
    return Breach(
        event_id,
        "changed",
        _("its content does not match its hash (a field was changed, or the row forged)"),
    )


def verify_links(
    conn: Connection, anchors: Mapping[int, str] | None = None, changed: int | None = None
) -> VerifyResult:
    """Walk the chain in id order; stop at the first event that does not hold.

    ``changed`` is the first event whose content was found not to match its hash
    (:class:`ContentCheck`, run over every event beforehand); the walk itself checks
    that each event links to the one before it, and that its id is one yq gives (from
    1). ``anchors`` maps event ids to hashes recorded earlier (``yq verify`` prints the
    head): each must be there, with that hash. One that no longer matches shows history
    was rewritten wholesale; one the walk steps over (a gap where it was) or never
    reaches shows it was removed.
    """
    count = 0
    first_id = 0
    prev_id = 0
    prev_hash = GENESIS
    before_prev_hash: str | None = None
    waiting = sorted(anchors or {})  # anchors not reached yet, lowest first
    if waiting and waiting[0] == 0:  # the head of an empty chain (a report issued then)
        waiting.pop(0)
        if anchors is not None and anchors[0] != GENESIS:
            return VerifyResult(0, 0, GENESIS, _anchor_gone(0))
    for row_id, row_prev, row_hash in _links(conn):
        count += 1
        if waiting and waiting[0] < row_id:
            return VerifyResult(count, prev_id, prev_hash, _anchor_gone(waiting[0]))
        if row_id <= 0:
            return VerifyResult(
                count,
                prev_id,
                prev_hash,
                Breach(
                    row_id,
                    "inserted",
                    _("its id is not one yq gives (ids start at 1): it was written by hand"),
                ),
            )
        if row_id == changed:
            return VerifyResult(count, prev_id, prev_hash, _changed(row_id))
        if row_prev != prev_hash:
            return VerifyResult(
                count,
                prev_id,
                prev_hash,
                _diagnose_link(conn, row_id, row_prev, first_id, prev_id, before_prev_hash),
            )
        if waiting and waiting[0] == row_id:
            waiting.pop(0)
            if anchors is not None and anchors[row_id] != row_hash:
                return VerifyResult(
                    count,
                    prev_id,
                    prev_hash,
                    Breach(
                        row_id,
                        "changed",
                        _("its hash differs from the one recorded earlier (history was rewritten)"),
                    ),
                )
        first_id = first_id or row_id
        before_prev_hash, prev_hash, prev_id = prev_hash, row_hash, row_id
    if waiting:
        return VerifyResult(count, prev_id, prev_hash, _anchor_gone(waiting[0]))
    return VerifyResult(count, prev_id, prev_hash, None)


def _anchor_gone(event_id: int) -> Breach:
    return Breach(event_id, "missing", _("an event recorded earlier is no longer there"))


def verify(conn: Connection, anchors: Mapping[int, str] | None = None) -> VerifyResult:
    """The whole chain: every event's content against its hash, then the links."""
    check = ContentCheck()
    table = RAW
    last: int | None = None
    while True:
        rows = conn.execute(
            select(*RAW_COLUMNS).where(after(table.c.id, last)).order_by(table.c.id).limit(5000)
        ).all()
        if not rows:
            break
        for row in rows:
            check.check(row)
        last = rows[-1][0]
    return verify_links(conn, anchors, check.first_bad)


def _diagnose_link(
    conn: Connection,
    row_id: int,
    row_prev: str,
    first_id: int,
    prev_id: int,
    before_prev_hash: str | None,
) -> Breach:
    """Event ``row_id`` is intact but does not follow the previous one: say why."""
    if prev_id == 0:
        return Breach(
            row_id,
            "missing",
            _("the chain starts at event {row_id}: the events before it are gone").format(
                row_id=row_id
            ),
        )
    if row_prev == GENESIS:
        return Breach(
            first_id,
            "inserted",
            _(
                "events {first_id}–{prev_id} stand before the start of the chain (event {row_id})"
            ).format(first_id=first_id, prev_id=prev_id, row_id=row_id),
        )
    if before_prev_hash is not None and row_prev == before_prev_hash:
        return Breach(
            prev_id,
            "inserted",
            _("it is not part of the chain: event {row_id} follows the event before it").format(
                row_id=row_id
            ),
        )
    owner = _owner_of(conn, row_prev)
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
