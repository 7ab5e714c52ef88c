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
from typing import TYPE_CHECKING, Any

from custody.models.core import to_text
from custody.store.db import is_sqlite
from custody.store.fastsql import execute

if TYPE_CHECKING:
    from custody.store.core import Store

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
    store: Store,
    kind: str,
    at: datetime,
    *,
    item: str | None = None,
    person: int | None = None,
    station: str | None = None,
    actor: str,
    data: dict[str, Any] | None = None,
) -> Record:
    """Append one event to `store`'s ledger. Must run inside `store.writing()`; only
    `custody.actions` calls it (tests/test_layout.py)."""
    db = store.db
    if not db.in_transaction():
        raise RuntimeError("ledger.append outside a write transaction")
    lock = "" if is_sqlite(db) else " FOR UPDATE"  # SQLite: the writer holds the database's lock
    row = execute(db, f"SELECT seq, hash FROM ledger_head WHERE id = 1{lock}").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    at_text = to_text(at)
    text = canonical(data or {})
    digest = event_hash(seq, at_text, kind, item, person, station, actor, text, prev)
    execute(
        db,
        f"INSERT INTO event ({COLUMNS}) VALUES ({', '.join(['?'] * 10)})",
        (seq, at_text, kind, item, person, station, actor, text, prev, digest),
    )
    if row:
        execute(db, "UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1", (seq, digest))
    else:
        execute(db, "INSERT INTO ledger_head (id, seq, hash) VALUES (1, ?, ?)", (seq, digest))
    return Record(seq, at_text, kind, item, person, station, actor, text, prev, digest)


COLUMNS = "seq, at, kind, item, person, station, actor, data, prev_hash, hash"


def walk(store: Store, until: str | None = None, batch: int = 5000) -> Iterator[Record]:
    """Every stored event in sequence order (optionally only those at or before `until`)."""
    last = 0
    while True:
        sql = f"SELECT {COLUMNS} FROM event WHERE seq > ? ORDER BY seq LIMIT ?"
        rows = execute(store.db, sql, (last, batch)).fetchall()
        if not rows:
            return
        for r in rows:
            rec = Record(*r)
            if until is not None and rec.at > until:
                continue
            yield rec
        last = rows[-1][0]


def history(store: Store, code: str) -> list[Record]:
    """Every event about one item, oldest first."""
    Event = store.m.Event
    q = Event.select().where(Event.item == code).order_by(Event.seq)
    return [
        Record(e.seq, e.at, e.kind, e.item, e.person, e.station, e.actor, e.data, e.prev_hash, e.hash)
        for e in q
    ]
