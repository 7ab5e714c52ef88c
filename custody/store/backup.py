"""Copies of an SQLite database: `backup` while it runs, `restore` that checks a copy first.

Both go through SQLite's online backup API, so a copy is consistent (one
snapshot, WAL included) and the file is written 0600 whatever the umask.
`restore` never touches the database in place until the copy has opened and
verified: it copies the file beside the database, verifies that copy (the
chain walk and every table `custody verify` compares), sets the old database
aside as `custody.db.before-restore-<time>` and renames the copy into place.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import peewee

from custody.config import create_private
from custody.errors import CustodyError, InvalidInput, StorageError
from custody.store.core import Store
from custody.store.db import is_sqlite

SIDE_FILES = ("-wal", "-shm", "-journal", "-writelock")


def sqlite_copy(source: Path | sqlite3.Connection, dest: Path) -> None:
    """A consistent copy of `source` (a file, opened read-only, or an open connection) in the new
    file `dest`, mode 0600; never overwrites. A failed copy leaves nothing behind."""
    if dest.exists():
        raise InvalidInput("backup file {path} exists; not overwriting", path=str(dest))
    part = dest.with_name(dest.name + ".part")
    os.close(create_private(part, replace=True))
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True) if isinstance(source, Path) else source
        try:
            target = sqlite3.connect(part)
            try:
                conn.backup(target)
            finally:
                target.close()
        finally:
            if isinstance(source, Path):
                conn.close()
        part.rename(dest)
    finally:
        part.unlink(missing_ok=True)
        for suffix in SIDE_FILES:
            Path(f"{part}{suffix}").unlink(missing_ok=True)


def backup(store: Store, dest: Path) -> None:
    """`custody backup FILE`: a consistent copy of the store's SQLite database while it runs."""
    if not is_sqlite(store.db):
        raise CustodyError("back up PostgreSQL with pg_dump, e.g. pg_dump -Fc -f custody.dump DBNAME")
    sqlite_copy(store.db.connection(), dest)


@dataclass(frozen=True)
class Restored:
    events: int
    items: int
    kept_as: Path | None  # where the old database was set aside (None: there was none)


Verdict = tuple[bool, str, int, int]  # ok, the first problem, events, items


def restore(db_path: Path, source: Path, now: datetime, verify: Callable[[Store], Verdict]) -> Restored:
    """Put the verified copy `source` in place of the database file `db_path`.

    `verify(store)` answers (ok, problem, events, items) for the opened copy. Refused with nothing
    changed when the copy cannot be read, is not a current custody database, or does not verify."""
    if not source.is_file():
        raise InvalidInput("{path} is not a file", path=str(source))
    if source.resolve() == db_path.resolve():
        raise InvalidInput("{path} is the database itself", path=str(source))
    stamp = now.strftime("%Y%m%dT%H%M%S")
    staged = db_path.with_name(f"{db_path.name}.restoring-{stamp}")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        try:
            sqlite_copy(source, staged)
        except sqlite3.Error as exc:
            raise InvalidInput(
                "{path} is not a readable SQLite database ({error}); nothing was changed",
                path=str(source),
                error=str(exc),
            ) from None
        ok, problem, events, items = _verified(staged, verify, source)
        if not ok:
            raise InvalidInput(
                "{path} does not verify: {problem}; nothing was changed", path=str(source), problem=problem
            )
        kept = _set_aside(db_path, stamp)
        staged.rename(db_path)
        return Restored(events, items, kept)
    finally:
        staged.unlink(missing_ok=True)
        for suffix in SIDE_FILES:
            Path(f"{staged}{suffix}").unlink(missing_ok=True)


def _verified(staged: Path, verify: Callable[[Store], Verdict], source: Path) -> Verdict:
    store: Store | None = None
    try:
        store = Store.open(f"sqlite:///{staged}")
        with store.reading():
            return verify(store)
    except CustodyError as exc:
        raise InvalidInput(
            "{path} cannot be restored: {problem}; nothing was changed", path=str(source), problem=exc.msg
        ) from None
    except (peewee.PeeweeException, sqlite3.Error) as exc:  # the ledger walk reads with raw cursors
        raise InvalidInput(
            "{path} is not a readable SQLite database ({error}); nothing was changed",
            path=str(source),
            error=str(exc),
        ) from None
    finally:
        if store is not None:
            store.close()


def _set_aside(db_path: Path, stamp: str) -> Path | None:
    """Move the current database (its WAL folded in first) to `<name>.before-restore-<stamp>`."""
    if not db_path.exists():
        return None
    try:
        conn = sqlite3.connect(db_path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StorageError(
            "cannot set the current database {path} aside: {error}", path=str(db_path), error=str(exc)
        ) from None
    kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    db_path.rename(kept)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{db_path}{suffix}")
        if side.exists():
            side.rename(Path(f"{kept}{suffix}"))
    return kept
