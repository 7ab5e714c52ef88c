"""A store: one opened database, its own bound tables (`store.m`) and a clock.

The store is passed to whatever reads or writes; nothing reaches a database
through a global. The reader's language is not the store's: messages are
rendered at the edge (CLI, web, station answers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import TYPE_CHECKING

import peewee

from custody.clock import Clock, SystemClock
from custody.errors import StorageError
from custody.models import Models
from custody.store import migrations as schema
from custody.store.db import is_sqlite, keep_on_rollback, open_database, writing
from custody.store.orphans import ConnectionTracker

if TYPE_CHECKING:
    from custody.ledger.checkpoint import Keeper


class Store:
    def __init__(self, db: peewee.Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.m = Models(db)
        # closes the connections of threads that ended without freeing them (granian's)
        self.connections = ConnectionTracker(db)
        # where signed checkpoints are written (set by whoever knows the home: the CLI's Ctx);
        # None: this store writes none (custody.ledger.checkpoint)
        self.checkpoints: Keeper | None = None

    @classmethod
    def open(cls, url: str, clock: Clock | None = None, create: bool = False) -> Store:
        db = open_database(url)
        try:
            db.connect(reuse_if_open=True)
        except peewee.OperationalError as exc:
            raise StorageError("cannot open the database {url}: {error}", url=url, error=str(exc)) from None
        if create:
            schema.upgrade(db)
        else:
            schema.check(db)
        return cls(db, clock)

    def now(self) -> datetime:
        return self.clock.now()

    def writing(self) -> AbstractContextManager[None]:
        """One write transaction; nested calls join the outer one."""
        return writing(self.db)

    def keep_on_rollback(self, write: Callable[[], object]) -> None:
        """Inside a write transaction: if it is rolled back, run `write` again afterwards in a
        transaction of its own (a refusal stays on record when an enclosing transaction fails, P24).
        If it commits, nothing more happens: `write` has already been done inside it."""
        keep_on_rollback(self.db, write)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A consistent snapshot for multi-query reads: every query inside sees the database as it
        was at the first one. On SQLite a deferred transaction, so readers never take the write
        lock; on PostgreSQL a REPEATABLE READ, READ ONLY transaction (its default, READ COMMITTED,
        would show each query what was committed just before it)."""
        if self.db.in_transaction():
            yield
            return
        if is_sqlite(self.db):
            with self.db.atomic(lock_type="DEFERRED"):
                yield
            return
        with self.db.atomic():
            self.db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    def close(self) -> None:
        lock = getattr(self.db, "write_lock", None)
        if not self.db.is_closed():
            # the last connection to an SQLite file checkpoints it as it closes: never while
            # another connection (of any process) writes (DESIGN.md: the WAL-reset bug)
            with lock if lock is not None else nullcontext():
                self.db.close()
        if lock is not None:
            lock.close()
