"""Opening the database from a URL, and the one way to write: `writing()`.

SQLite: WAL, synchronous=FULL, foreign keys, a busy timeout, `BEGIN IMMEDIATE`
for every transaction, and writes serialised inside the process by one lock
held only around BEGIN … COMMIT (DESIGN.md's known traps). PostgreSQL: the
same models; every write transaction first takes a transaction-level advisory
lock (`WRITERS_LOCK`), so the writers of all processes and machines sharing
the database take turns, and each decides on what the ones before it
committed (two stations can never both be lent one item). Appends to the
ledger are serialised by a lock on the chain-head row as well (see ledger.py).

Several processes may write one SQLite file (`custody serve --workers N`, the
CLI beside the service): writers also take turns on an advisory lock on a file
beside the database (`WriteLock`), so a writer waiting for another process is
woken the moment it may go, instead of by SQLite's busy handler, which sleeps
1, 2, 5, 10 … ms between tries.

`write_grouped` is group commit for the scan path: the write transactions
several threads ask for at once run one after another in ONE transaction on
one connection, made durable by one commit (one fsync), and each caller gets
its result only after that commit.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

import peewee

from custody.config import create_private, make_private_dir
from custody.errors import StorageError
from custody.messages import Msg

try:
    import fcntl
except ImportError:  # not POSIX: writers of other processes wait in SQLite's busy handler
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

WAL_CHECKPOINT_PAGES = 256  # a checkpoint (under the write lock, at COMMIT) once the WAL holds ~1 MB
WAL_KEEP_BYTES = 1024 * 1024  # after a checkpoint, the WAL file is cut back to this size

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "full"),
    ("foreign_keys", 1),
    ("busy_timeout", 15000),
    # the WAL stays small: SQLite's default waits for 1,000 pages (4 MB; at ~70 KB a scan that is
    # one checkpoint every ~60 scans) and never gives the file's space back
    ("wal_autocheckpoint", WAL_CHECKPOINT_PAGES),
    ("journal_size_limit", WAL_KEEP_BYTES),
)


class DiskFull(StorageError):
    """The disk holding the database is full: the transaction was not committed (nothing of it
    is kept, so nothing acknowledged is lost); writes succeed again once there is space."""

    http_status = 507  # Insufficient Storage: a 5xx, so an agent keeps its scan and sends it again


def is_disk_full(exc: BaseException) -> bool:
    """Whether a database error says the disk is full (SQLite's SQLITE_FULL, PostgreSQL's 53100)."""
    seen: list[object] = [exc, exc.__cause__, exc.__context__, *exc.args[:1]]
    for error in seen:
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if getattr(error, "pgcode", None) == "53100":
            return True
    return "database or disk is full" in str(exc)


def disk_full(exc: BaseException) -> DiskFull:
    log.error("the disk holding the database is full: %s", exc)
    return DiskFull(
        Msg(
            "the disk holding the database is full: nothing was recorded; free some space"
            " (custody carries on by itself once there is)"
        )
    )


class SqliteFile(peewee.SqliteDatabase):
    """peewee's SQLite database, except that a ROLLBACK after SQLite has already ended the
    transaction itself (it does on a full disk: COMMIT fails with SQLITE_FULL and the
    transaction is gone) is skipped, so the error that caused it is the one raised, instead of
    "cannot rollback - no transaction is active" hiding it."""

    def rollback(self) -> None:
        if not self.is_closed() and not self.connection().in_transaction:
            log.info("no transaction left to roll back: SQLite ended it on the error")
            return
        super().rollback()


def open_database(url: str) -> peewee.Database:
    """A peewee database for `sqlite:///path` or `postgresql://…`."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc or not path:
            raise StorageError(
                "database URL {url} is invalid: write SQLite as sqlite:///absolute/path", url=url
            )
        _create_private(Path(path))
        # check_same_thread off: a connection whose thread ended is closed from another thread
        # (custody.store.orphans); a connection is still only ever used by its own thread
        db = SqliteFile(
            path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=15, check_same_thread=False
        )
    elif scheme in ("postgres", "postgresql"):
        if not parsed.path.strip("/"):
            raise StorageError("database URL {url} names no database", url=url)
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            raise StorageError("PostgreSQL needs psycopg2: pip install 'custody[postgres]'") from None
        db = peewee.PostgresqlDatabase(
            parsed.path.lstrip("/"),
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname or None,
            port=parsed.port or None,
        )
    else:
        raise StorageError(
            "unreadable database URL {url}; allowed: sqlite:///path or postgresql://user@host:port/name",
            url=url,
        )
    db.write_lock = WriteLock(path if scheme == "sqlite" else None)  # type: ignore[attr-defined]
    db.write_group = WriteGroup(db) if scheme == "sqlite" else None  # type: ignore[attr-defined]
    return db


def _create_private(path: Path) -> None:
    """A new SQLite file is created empty, mode 0600 (its directory 0700) whatever the umask,
    before SQLite opens it: SQLite gives the WAL and shared-memory files the database's mode."""
    if path.exists() or str(path) == ":memory:":
        return
    make_private_dir(path.parent)
    try:
        os.close(create_private(path))
    except FileExistsError:  # created by another process meanwhile
        pass


def is_sqlite(db: peewee.Database) -> bool:
    return isinstance(db, peewee.SqliteDatabase)


LOCK_SUFFIX = "-writelock"
WRITERS_LOCK = 0x6375_7374_6F64_79  # "custody": PostgreSQL's advisory lock key for write transactions


def take_turn(db: peewee.Database) -> None:
    """At the start of a write transaction on PostgreSQL: wait until no other write transaction of
    any process holds `WRITERS_LOCK`; it is released at COMMIT or ROLLBACK. (SQLite's writers take
    turns on BEGIN IMMEDIATE and the lock file.)"""
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITERS_LOCK,))


@contextmanager
def held_if_free(db: peewee.Database, name: str, key: int) -> Iterator[bool]:
    """A lock named (`name`, `key`) across every process and thread using this database, taken
    without waiting: yields True if the caller now holds it (released on leaving), False if
    someone else does. For work that must not run twice at once, such as sending one sweep
    record's notification from two service machines.

    PostgreSQL: a session-level advisory lock on this thread's connection (keys `name`'s CRC and
    `key`). SQLite: an exclusive `flock` on the file `<database>-<name>` (one lock for every key),
    opened afresh, so another thread of this process is told no as well."""
    if isinstance(db, peewee.PostgresqlDatabase):
        keys = (zlib.crc32(name.encode()) & 0x7FFF_FFFF, key)
        if not db.execute_sql("SELECT pg_try_advisory_lock(%s, %s)", keys).fetchone()[0]:
            yield False
            return
        try:
            yield True
        finally:
            db.execute_sql("SELECT pg_advisory_unlock(%s, %s)", keys)
        return
    if fcntl is None or not isinstance(db, peewee.SqliteDatabase):  # nothing to lock with: alone
        yield True
        return
    fd = os.open(f"{db.database}-{name}", os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


class WriteLock:
    """Whose turn it is to write one database: the threads of this process take turns on a
    re-entrant lock; with a `path` (SQLite), the outermost holder in this process also holds an
    exclusive `flock` on `path + LOCK_SUFFIX`, which every process writing that file takes.

    The kernel releases the file lock when its holder dies, and hands it to one waiter at once.
    A process must open its own database (its own WriteLock) after a fork: the inherited file
    descriptor would share the lock with the parent.
    """

    def __init__(self, path: str | None) -> None:
        self._threads = threading.RLock()
        self._depth = 0  # changed only by the thread holding _threads
        self._path = path + LOCK_SUFFIX if path is not None and fcntl is not None else None
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._depth == 0 and self._path is not None:
            try:
                fd = self._file()
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                self._threads.release()
                raise
        self._depth += 1

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def _file(self) -> int | None:
        if self._fd is None and self._path is not None:
            try:
                # read-only is enough for flock; created 0600 like the database itself
                self._fd = os.open(self._path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                log.warning(
                    "no lock file %s (%s): other processes' writers wait in SQLite's busy handler",
                    self._path,
                    exc,
                )
                self._path = None
        return self._fd

    def close(self) -> None:
        """Close the lock file (the database is being closed)."""
        with self._threads:
            if self._fd is not None and self._depth == 0:
                os.close(self._fd)
                self._fd = None


_kept = threading.local()  # per thread: what to write again if this thread's transaction rolls back


def keep_on_rollback(db: peewee.Database, write: Callable[[], object]) -> None:
    """Inside a write transaction of `writing()` or of a write group: if that transaction is rolled
    back, run `write` afterwards in a transaction of its own. Outside one, nothing to keep."""
    pending: list[Callable[[], object]] | None = getattr(_kept, "pending", None)
    if pending is not None:
        pending.append(write)


@contextmanager
def _keeping() -> Iterator[list[Callable[[], object]]]:
    """The outermost transaction's list of writes to keep; cleared when it ends."""
    _kept.pending = pending = []
    try:
        yield pending
    finally:
        _kept.pending = None


def _write_kept(db: peewee.Database, pending: list[Callable[[], object]]) -> None:
    """After a rollback: the kept writes, in one transaction of their own (never raises over the
    error that caused the rollback; a failure here is logged)."""
    if not pending:
        return
    try:
        with db.atomic():
            take_turn(db)
            for write in pending:
                write()
    except Exception:
        log.exception("could not record %d refusal(s) after a rollback", len(pending))


@contextmanager
def writing(db: peewee.Database) -> Iterator[None]:
    """One write transaction. Nested calls join the outer transaction. Writes registered with
    `keep_on_rollback` inside it are done again, on their own, if it is rolled back."""
    lock: WriteLock = db.write_lock  # type: ignore[attr-defined]
    with lock:
        if db.in_transaction():
            yield
            return
        with _keeping() as pending:
            try:
                with db.atomic():
                    take_turn(db)
                    yield
            except peewee.OperationalError as exc:
                if not is_disk_full(exc):
                    _write_kept(db, pending)
                    raise
                raise disk_full(exc) from exc  # the kept refusals would not fit either
            except BaseException:
                _write_kept(db, pending)
                raise


T = TypeVar("T")
MAX_GROUP = 64  # write jobs in one shared transaction at most


def write_grouped(db: peewee.Database, job: Callable[[], T]) -> T:
    """Run `job` in a write transaction and return its result once that transaction is durable.

    On SQLite, jobs that other threads submit at the same moment share the transaction (and its
    fsync): one thread runs them all, in the order they came, and commits once. If one of them
    raises, the shared transaction is rolled back and each job of the group runs again alone in
    its own transaction, as `writing()` would have run it, so a job's error never undoes or
    changes another's work. A job must therefore be safe to run again (database work only).
    Inside a transaction already, or on PostgreSQL (which groups commits itself), it is simply
    `with writing(db): job()`.
    """
    group: WriteGroup | None = getattr(db, "write_group", None)
    if group is None or db.in_transaction():
        with writing(db):
            return job()
    return group.run(job)


class _Job:
    __slots__ = ("job", "value", "error", "done", "wake")

    def __init__(self, job: Callable[[], Any]) -> None:
        self.job = job
        self.value: Any = None
        self.error: BaseException | None = None
        self.done = False
        self.wake = threading.Event()


class WriteGroup:
    """The queue of write jobs waiting for one SQLite database (see `write_grouped`).

    The thread whose job is first in the queue leads: it takes the write lock, runs every queued
    job (its own among them) in one transaction, commits, hands each job its result, and wakes
    the first job that queued meanwhile to lead the next group.
    """

    def __init__(self, db: peewee.Database) -> None:
        self.db = db
        self._mutex = threading.Lock()
        self._queue: deque[_Job] = deque()

    def run(self, job: Callable[[], T]) -> T:
        mine = _Job(job)
        with self._mutex:
            self._queue.append(mine)
            leads = len(self._queue) == 1
        if not leads:
            mine.wake.wait()  # done by a leader, or first in the queue now
        if not mine.done:
            self._lead()
        if mine.error is not None:
            raise mine.error
        return mine.value  # type: ignore[no-any-return]

    def _lead(self) -> None:
        batch: list[_Job] = []
        try:
            with self.db.write_lock:
                with self._mutex:
                    batch = list(islice(self._queue, MAX_GROUP))
                self._run(batch)
        finally:
            for j in batch:
                if not j.done:  # the leader was interrupted: nothing of the group was committed
                    j.value, j.error, j.done = (
                        None,
                        RuntimeError("the write group stopped before committing"),
                        True,
                    )
            with self._mutex:
                for _ in batch:
                    self._queue.popleft()
                following = self._queue[0] if self._queue else None
            for j in batch:
                j.wake.set()
            if following is not None:
                following.wake.set()

    def _run(self, batch: list[_Job]) -> None:
        """All jobs in one transaction; if one raises, each again alone, in order."""
        values: list[Any] = []
        job_failed = False
        try:
            with _keeping() as pending, self.db.atomic():
                for j in batch:
                    try:
                        values.append(j.job())
                    except Exception:
                        job_failed = True
                        raise
        except Exception as exc:
            if isinstance(exc, peewee.OperationalError) and is_disk_full(exc):
                full = disk_full(exc)  # every job would fail alone too, and its refusals with it
                for j in batch:
                    j.error, j.done = full, True
                return
            if not job_failed or len(batch) == 1:  # BEGIN or COMMIT failed, or a job alone raised
                _write_kept(self.db, pending)
                for j in batch:
                    j.error, j.done = exc, True
                return
            # each job runs again alone and keeps its own refusals: the group's are not written
            log.info("a write job failed in a group of %d: each runs again alone", len(batch))
            for j in batch:
                try:
                    with _keeping() as alone:
                        try:
                            with self.db.atomic():
                                j.value = j.job()
                        except Exception:
                            _write_kept(self.db, alone)
                            raise
                except Exception as again:
                    j.error = again
                j.done = True
            return
        for j, value in zip(batch, values, strict=True):
            j.value, j.done = value, True
