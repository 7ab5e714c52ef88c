"""The tamper-evident ledger: append-only events chained by SHA-256.

Each event's hash covers its canonical content and the previous event's hash,
so changing, deleting or reordering any stored event breaks the chain from
that event on. Appends lock the chain-head row, so the database serialises
them even across processes sharing one PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee

from custody.models.core import Event, LedgerHead, to_text
from custody.store.db import is_sqlite

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Record:
    """One event as stored, in plain data (also what replay and verify read)."""

    seq: int
    at: str
    kind: str
    item: str | None
    person: int | None
    station: str | None
    actor: str
    data: str
    prev_hash: str
    hash: str

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.data)


def event_hash(
    seq: int,
    at: str,
    kind: str,
    item: str | None,
    person: int | None,
    station: str | None,
    actor: str,
    data: str,
    prev_hash: str,
) -> str:
    body = canonical([seq, at, kind, item, person, station, actor, data, prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    kind: str,
    at: datetime,
    *,
    item: str | None = None,
    person: int | None = None,
    station: str | None = None,
    actor: str,
    data: dict[str, Any] | None = None,
) -> Record:
    """Append one event. Must run inside `db.writing()`."""
    db = Event._meta.database
    if not db.in_transaction():
        raise RuntimeError("ledger.append outside a write transaction")
    sqlite = is_sqlite(db.obj if isinstance(db, peewee.DatabaseProxy) else db)
    if sqlite:
        row = db.execute_sql("SELECT seq, hash FROM ledger_head WHERE id = 1").fetchone()
    else:
        row = db.execute_sql("SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    at_text = to_text(at)
    text = canonical(data or {})
    digest = event_hash(seq, at_text, kind, item, person, station, actor, text, prev)
    mark = "?" if sqlite else "%s"
    db.execute_sql(
        f"INSERT INTO event ({COLUMNS}) VALUES ({', '.join([mark] * 10)})",
        (seq, at_text, kind, item, person, station, actor, text, prev, digest),
    )
    if row:
        db.execute_sql(f"UPDATE ledger_head SET seq = {mark}, hash = {mark} WHERE id = 1", (seq, digest))
    else:
        LedgerHead.insert(id=1, seq=seq, hash=digest).execute()
    return Record(seq, at_text, kind, item, person, station, actor, text, prev, digest)


COLUMNS = "seq, at, kind, item, person, station, actor, data, prev_hash, hash"


def walk(until: str | None = None, batch: int = 5000) -> Iterator[Record]:
    """Every stored event in sequence order (optionally only those at or before `until`)."""
    db = Event._meta.database
    last = 0
    while True:
        sql = f"SELECT {COLUMNS} FROM event WHERE seq > %s ORDER BY seq LIMIT %s"
        params: list[Any] = [last, batch]
        if is_sqlite(db.obj if isinstance(db, peewee.DatabaseProxy) else db):
            sql = sql.replace("%s", "?")
        rows = db.execute_sql(sql, params).fetchall()
        if not rows:
            return
        for r in rows:
            rec = Record(*r)
            if until is not None and rec.at > until:
                continue
            yield rec
        last = rows[-1][0]


def history(code: str) -> list[Record]:
    """Every event about one item, oldest first."""
    q = Event.select().where(Event.item == code).order_by(Event.seq)
    return [
        Record(e.seq, e.at, e.kind, e.item, e.person, e.station, e.actor, e.data, e.prev_hash, e.hash)
        for e in q
    ]
