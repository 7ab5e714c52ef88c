"""Stores for the core tests: a real SQLite file, or a fresh PostgreSQL database
when CUSTODY_TEST_PG names a server (CI starts one; see .ci/pg-start)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from custody.actions import core as actions
from custody.clock import FixedClock
from custody.store.core import Store
from custody.store.db import is_sqlite

PG_URL = os.environ.get("CUSTODY_TEST_PG", "")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float = 30.0, what: str = "the condition") -> T:
    """Poll `condition()` until it gives a true value, and return that value; fail the test after
    `timeout` seconds. Tests wait on conditions this way, never on a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.005)


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database; dropped afterwards."""
    import psycopg2

    name = "t_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name  # as url_of names it
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def url_of(store: Store) -> str:
    """The URL another process opens `store`'s database by (a file, or a database on CUSTODY_TEST_PG's server)."""
    name = store.db.database
    return f"sqlite:///{name}" if is_sqlite(store.db) else PG_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def open_store(backend: str, tmp_path: Path, clock: FixedClock | None = None) -> Iterator[Store]:
    clock = clock or FixedClock(START)
    if backend == "sqlite":
        store = Store.open(f"sqlite:///{tmp_path / 'custody.store.db'}", clock=clock, lang="zh", create=True)
        try:
            yield store
        finally:
            store.close()
    else:
        with pg_database() as url:
            store = Store.open(url, clock=clock, lang="zh", create=True)
            try:
                yield store
            finally:
                store.close()


def staff(store: Store, custodian_rfid: str | None = None) -> dict:
    """Staff of each clearance, a leader and a custodian."""
    return {
        "zhang": actions.add_person(
            store, "张三", badge="B001", clearance="secret", dept="综合科", actor="test"
        ),
        "li": actions.add_person(store, "李四", badge="B002", clearance="confidential", actor="test"),
        "wang": actions.add_person(
            store, "王主任", badge="L001", clearance="top-secret", role="leader", actor="test"
        ),
        "zhao": actions.add_person(
            store,
            "赵保密员",
            badge="C001",
            clearance="top-secret",
            role="custodian",
            actor="test",
            rfid=custodian_rfid,
        ),
    }


def office(store: Store) -> dict:
    """A small office: a safe, a reading room, staff of each clearance and a leader."""
    safe, _ = actions.add_station(store, "保密室", "safe", actor="test")
    room, _ = actions.add_station(store, "阅文室", "reading-room", actor="test")
    return {"safe": safe, "room": room, **staff(store)}
