"""The agent's spool: a local SQLite outbox that survives kill -9 and power loss.

Every scan (and every device connected/disconnected event) is committed here,
with a fresh `scan_id` and the next sequence number, before anything is sent.
The sender takes the oldest pending row, posts it, and records the answer.
SQL only: the HTTP side lives in `devices.client`.

One agent per spool: a lock file held for the spool's lifetime refuses a
second agent, which would otherwise send the same rows twice.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from custody.errors import CustodyError

log = logging.getLogger(__name__)

PENDING, DELIVERED, REJECTED, UNSUPPORTED = "pending", "delivered", "rejected", "unsupported"
SCAN, EVENT = "scan", "event"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('scan', 'event')),
    uid TEXT NOT NULL UNIQUE,
    code TEXT,
    event TEXT,
    device TEXT NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'delivered', 'rejected', 'unsupported')),
    attempts INTEGER NOT NULL DEFAULT 0,
    status INTEGER,
    outcome TEXT,
    message TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (seq) WHERE state = 'pending';
PRAGMA user_version = 1;
"""


class SpoolBusy(CustodyError):
    """Another agent holds this spool."""


def _unusable(path: Path, exc: Exception) -> CustodyError:
    return CustodyError("cannot use the spool {path}: {error}", path=path, error=exc)


@dataclass(frozen=True)
class Entry:
    """One spooled row: a scan (`code`) or a device event (`event`)."""

    seq: int
    kind: str
    uid: str
    device: str
    at: str
    code: str | None = None
    event: str | None = None
    attempts: int = 0


_COLUMNS = "seq, kind, uid, device, at, code, event, attempts"


class Spool:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lockfile = open(self.path.with_name(self.path.name + ".lock"), "a")
        except OSError as exc:
            raise _unusable(self.path, exc) from exc
        try:
            fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lockfile.close()
            raise SpoolBusy(
                "spool {path} is in use by another agent: run one agent per scanner", path=self.path
            ) from None
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            self._lockfile.close()
            raise _unusable(self.path, exc) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self._lockfile.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_scan(self, code: str, device: str, at: str) -> Entry:
        """Commit a scan with a fresh scan_id; it is safe on disk when this returns."""
        return self._add(SCAN, device, at, code=code)

    def add_event(self, event: str, device: str, at: str) -> Entry:
        return self._add(EVENT, device, at, event=event)

    def _add(
        self, kind: str, device: str, at: str, code: str | None = None, event: str | None = None
    ) -> Entry:
        uid = str(uuid.uuid4())
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO outbox (kind, uid, code, event, device, at) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, uid, code, event, device, at),
            )
            seq = cur.lastrowid
        assert seq is not None
        log.debug("spooled #%d %s %s from %s", seq, kind, code or event, device)
        return Entry(seq=seq, kind=kind, uid=uid, device=device, at=at, code=code, event=event)

    def next_pending(self) -> Entry | None:
        """The oldest row not yet answered."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1"
            ).fetchone()
        return Entry(*row) if row else None

    def note_attempt(self, seq: int) -> None:
        with self._lock:
            self._db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", (seq,))

    def finish(
        self, seq: int, state: str, *, status: int | None, outcome: str = "", message: str = ""
    ) -> None:
        """Record the answer that settled a row (delivered, rejected or unsupported)."""
        if state == PENDING:
            raise ValueError("finish() settles a row; pending is not an answer")
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = ?, status = ?, outcome = ?, message = ?, attempts = attempts + 1"
                " WHERE seq = ? AND state = 'pending'",
                (state, status, outcome, message, seq),
            )

    def pending_count(self, kind: str | None = None) -> int:
        """Rows not yet answered; only scans or only events when `kind` is given."""
        sql = "SELECT count(*) FROM outbox WHERE state = 'pending'"
        with self._lock:
            if kind is None:
                return self._db.execute(sql).fetchone()[0]
            return self._db.execute(sql + " AND kind = ?", (kind,)).fetchone()[0]

    def counts(self) -> dict[str, int]:
        """Rows by state, scans and events together."""
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        return {state: n for state, n in rows}

    def prune(self, keep: int = 10_000) -> int:
        """Forget settled rows beyond the newest `keep`; pending rows are never removed."""
        with self._lock:
            cur = self._db.execute(
                "DELETE FROM outbox WHERE state != 'pending' AND seq <= "
                "(SELECT seq FROM outbox WHERE state != 'pending' ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                (keep,),
            )
        return cur.rowcount
