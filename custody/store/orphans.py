"""Connections whose thread has ended, closed.

Each thread keeps its own database connection (DESIGN.md "Known traps"), in peewee's thread-local
state. A thread that Python started frees that state when it ends, and the connection closes with
it. The service's threads are granian's, started by Rust: when one ends (idle for
`web.server.IDLE_THREAD_SECONDS`, or the server stopped) its thread state is never cleared, and its
connection — a file descriptor for the database and one for its WAL, or a PostgreSQL socket —
stayed open for the life of the process (measured: 7 more descriptors at every burst of 8
threads after an idle spell, without end).

`ConnectionTracker` wraps the database's connect: it remembers which native thread opened each
connection, and whenever a new one is opened (and on `close_orphans`) closes those whose thread no
longer exists (`/proc/self/task`; where that cannot be read, Python's own list of threads). An
SQLite connection is closed under the store's write lock: the last one to close checkpoints the
file, never while another writes (the WAL-reset bug).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import peewee

log = logging.getLogger(__name__)

TASKS = "/proc/self/task"


def _live_threads() -> set[int]:
    try:
        return {int(name) for name in os.listdir(TASKS)}
    except OSError:
        return {t.native_id for t in threading.enumerate() if t.native_id is not None}


class ConnectionTracker:
    """The connections `db` opened, by the native id of the thread that opened each."""

    def __init__(self, db: peewee.Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._open: list[tuple[int, Any]] = []
        self._connect: Callable[..., Any] = db._connect
        db._connect = self._connect_tracked  # type: ignore[method-assign]

    def _connect_tracked(self, *args: Any, **kwargs: Any) -> Any:
        self.close_orphans()
        conn = self._connect(*args, **kwargs)
        with self._lock:
            self._open.append((threading.get_native_id(), conn))
        return conn

    @property
    def count(self) -> int:
        """Connections opened and not yet found orphaned (some may have been closed by their thread)."""
        with self._lock:
            return len(self._open)

    def close_orphans(self) -> int:
        """Close the connections whose thread has ended; returns how many."""
        with self._lock:
            if not self._open:
                return 0
            alive = _live_threads()
            orphans = [conn for tid, conn in self._open if tid not in alive]
            self._open = [(tid, conn) for tid, conn in self._open if tid in alive]
        if not orphans:
            return 0
        lock = getattr(self.db, "write_lock", None)
        with lock if lock is not None else nullcontext():
            for conn in orphans:
                try:
                    conn.close()
                except Exception as exc:  # already closed, or the server went away
                    log.debug("closing an orphaned connection: %s", exc)
        log.debug("closed %d connection(s) of ended threads", len(orphans))
        return len(orphans)
