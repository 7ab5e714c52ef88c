"""Copying a whole database to another URL: `custody migrate-db --to postgresql://…`.

Every table the models declare is copied (`Models.tables`, in the order of
their foreign keys, so a table added by a new migration step is copied without
a line changing here), from ONE snapshot of the source (`store.reading()`),
into ONE transaction on the target: a copy that fails half-way leaves the
target as empty as it was. Values go through each field's own conversion
(a boolean is 0/1 in SQLite and `true` in PostgreSQL), primary keys are kept
(the ledger and the scan rows name rows by id), and on PostgreSQL each table's
id sequence is set past the highest id copied, so the next row the service
writes does not collide with a copied one.

The target must be empty: a database with no custody tables, or one that
`custody init` created and nothing has written since. Anything else is
refused with nothing changed. The caller verifies the copy on arrival
(`verify`, the same check `custody verify` runs) and compares the row counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import peewee

from custody.errors import InvalidInput, StorageError
from custody.models import Models
from custody.store import migrations as schema
from custody.store.core import Store
from custody.store.db import is_sqlite, open_database

log = logging.getLogger(__name__)

BATCH = 500  # rows read and inserted at a time

Verdict = tuple[bool, str]  # ok, the first problem


@dataclass(frozen=True)
class Transferred:
    """What was copied: rows per table (in copy order), and the ledger's length."""

    rows: dict[str, int] = field(default_factory=dict)
    events: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def redacted(url: str) -> str:
    """`url` as it may be printed or logged: a password in it shown as `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _rows(model: type[peewee.Model]) -> Iterator[tuple[object, ...]]:
    """Every row of `model`, as python values, ordered by primary key, `BATCH` at a time."""
    pk = model._meta.primary_key
    fields = model._meta.sorted_fields
    last: object = None
    while True:
        query = model.select(*fields).order_by(pk).limit(BATCH)
        if last is not None:
            query = query.where(pk > last)
        batch = list(query.tuples())
        if not batch:
            return
        yield from batch
        last = batch[-1][fields.index(pk)]


def _copy_table(source: type[peewee.Model], target: type[peewee.Model]) -> int:
    fields = target._meta.sorted_fields
    count = 0
    pending: list[tuple[object, ...]] = []
    for row in _rows(source):
        pending.append(row)
        if len(pending) >= BATCH:
            target.insert_many(pending, fields=fields).execute()
            count += len(pending)
            pending = []
    if pending:
        target.insert_many(pending, fields=fields).execute()
        count += len(pending)
    return count


def _reset_sequences(db: peewee.Database, tables: tuple[type[peewee.Model], ...]) -> None:
    """PostgreSQL: each table's id sequence past its highest id (a SERIAL column keeps its own
    counter, which rows inserted with their ids never moved)."""
    for model in tables:
        pk = model._meta.primary_key
        if not isinstance(pk, peewee.AutoField):
            continue
        table, column = model._meta.table_name, pk.column_name
        db.execute_sql(
            f'SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max("{column}"), 1), '
            f'max("{column}") IS NOT NULL) FROM "{table}"',
            (f'"{table}"', column),
        )


def _occupied(models: Models) -> list[str]:
    """The tables of an initialised target that hold rows (schema_info's own row aside)."""
    return [
        m._meta.table_name
        for m in models.tables
        if m is not models.SchemaInfo and m.select().limit(1).exists()
    ]


def _open_target(url: str, shown: str) -> Store:
    """The target, initialised if it has no custody tables yet; refused when it holds anything."""
    db = open_database(url)
    try:
        db.connect(reuse_if_open=True)
    except peewee.OperationalError as exc:
        raise StorageError(
            "cannot open the database {url}: {error}", url=redacted(url), error=str(exc)
        ) from None
    try:
        version = schema.current_version(db)
        if version == 0 and db.get_tables():
            raise InvalidInput(
                "the target {url} holds tables that are not custody's ({tables}); migrate into an empty database",
                url=shown,
                tables=", ".join(sorted(db.get_tables())[:5]),
            )
        if version not in (0, schema.SCHEMA_VERSION):
            schema.check(db)  # names the version and what to do
        schema.upgrade(db)
        target = Store(db)
        occupied = _occupied(target.m)
    except BaseException:
        db.close()
        raise
    if occupied:
        target.close()
        raise InvalidInput(
            "the target {url} is not empty ({tables} hold rows); nothing was copied",
            url=shown,
            tables=", ".join(occupied),
        )
    return target


def transfer(source: Store, url: str, verify: Callable[[Store], Verdict]) -> Transferred:
    """Copy everything in `source` into the empty database at `url`, and check the copy before
    committing it: every table must hold as many rows as the source's and `verify(target)` (the
    ledger walk and state check) must pass, else the copy is rolled back and StorageError raised.
    InvalidInput (nothing copied) for a target that is not empty."""
    shown = redacted(url)
    target = _open_target(url, shown)
    try:
        rows: dict[str, int] = {}
        with source.reading(), target.writing():  # one snapshot in, one transaction out
            if is_sqlite(target.db):
                target.db.execute_sql("PRAGMA defer_foreign_keys = ON")
            for model in source.m.tables:
                if model is source.m.SchemaInfo:  # the target's own, written by its upgrade
                    continue
                name = model._meta.table_name
                rows[name] = _copy_table(model, target.m.of(model))
                log.info("copied %d rows of %s", rows[name], name)
            if not is_sqlite(target.db):
                _reset_sequences(target.db, target.m.tables)
            done = Transferred(rows, rows.get(source.m.Event._meta.table_name, 0))
            _check_arrival(target, done, verify, shown)  # raising here rolls the copy back
        return done
    finally:
        target.close()


def _check_arrival(target: Store, done: Transferred, verify: Callable[[Store], Verdict], url: str) -> None:
    """Inside the copy's transaction: the row counts, then the full verify, on the target."""
    counted = {
        m._meta.table_name: m.select().count() for m in target.m.tables if m is not target.m.SchemaInfo
    }
    differ = [name for name, n in done.rows.items() if counted.get(name) != n]
    if differ:
        raise StorageError(
            "the copy in {url} differs from the source in {tables}; nothing was copied",
            url=url,
            tables=", ".join(differ),
        )
    ok, problem = verify(target)
    if not ok:
        raise StorageError(
            "the copy in {url} does not verify: {problem}; nothing was copied", url=url, problem=problem
        )
