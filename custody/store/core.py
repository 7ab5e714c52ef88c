"""A store: one opened database, a clock and the reader's language."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime

import peewee

from custody.clock import Clock, SystemClock
from custody.models.core import proxy
from custody.store import migrations as schema
from custody.store.db import is_sqlite, open_database, writing


class Store:
    def __init__(self, db: peewee.Database, clock: Clock | None = None, lang: str = "zh") -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.lang = lang
        proxy.initialize(db)

    @classmethod
    def open(
        cls, url: str, clock: Clock | None = None, lang: str | None = None, create: bool = False
    ) -> Store:
        db = open_database(url)
        try:
            db.connect(reuse_if_open=True)
        except peewee.OperationalError as exc:
            from custody.errors import StorageError

            raise StorageError(
                f"无法打开数据库“{url}”：{exc}", f"cannot open database {url!r}: {exc}"
            ) from None
        store = cls(db, clock, lang or "zh")
        if create:
            schema.upgrade(db)
        else:
            schema.check(db)
        if lang is None:
            from custody import settings

            store.lang = settings.get(store, "language")
        return store

    def now(self) -> datetime:
        return self.clock.now()

    def writing(self) -> AbstractContextManager[None]:
        return writing(self.db)

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
