"""Opening the database from a URL, and the one way to write: `writing()`.

SQLite: WAL, synchronous=FULL, foreign keys, a busy timeout, `BEGIN IMMEDIATE`
for every transaction, and writes serialised inside the process by one lock
held only around BEGIN … COMMIT (DESIGN.md's known traps). PostgreSQL: the
same models; appends to the ledger are serialised in the database by a lock
on the chain-head row (see ledger.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import peewee

from custody.errors import StorageError

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "full"),
    ("foreign_keys", 1),
    ("busy_timeout", 15000),
)


def open_database(url: str) -> peewee.Database:
    """A peewee database for `sqlite:///path` or `postgresql://…`."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc or not path:
            raise StorageError(
                f"数据库地址“{url}”无效：SQLite 应写作 sqlite:///绝对路径",
                f"database URL {url!r} is invalid: write SQLite as sqlite:///absolute/path",
            )
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = peewee.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=15)
    elif scheme in ("postgres", "postgresql"):
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            raise StorageError(
                "使用 PostgreSQL 需要安装 psycopg2：pip install 'custody[postgres]'",
                "PostgreSQL needs psycopg2: pip install 'custody[postgres]'",
            ) from None
        if not parsed.path.strip("/"):
            raise StorageError(
                f"数据库地址“{url}”缺少数据库名", f"database URL {url!r} names no database"
            )
        db = peewee.PostgresqlDatabase(
            parsed.path.lstrip("/"),
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname or None,
            port=parsed.port or None,
        )
    else:
        raise StorageError(
            f"数据库地址“{url}”无法识别；可用：sqlite:///路径 或 postgresql://用户@主机:端口/库名",
            f"unreadable database URL {url!r}; allowed: sqlite:///path or postgresql://user@host:port/name",
        )
    db.write_lock = threading.RLock()  # type: ignore[attr-defined]
    return db


def is_sqlite(db: peewee.Database) -> bool:
    return isinstance(db, peewee.SqliteDatabase)


@contextmanager
def writing(db: peewee.Database) -> Iterator[None]:
    """One write transaction. Nested calls join the outer transaction."""
    lock: threading.RLock = db.write_lock  # type: ignore[attr-defined]
    with lock:
        if db.in_transaction():
            yield
            return
        with db.atomic():
            yield
