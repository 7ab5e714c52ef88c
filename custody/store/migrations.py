"""Schema creation and in-place migrations, as frozen steps.

Each step's DDL is written out in `steps/NNNN.sqlite.sql` and
`steps/NNNN.postgresql.sql` as it was released, and never edited: the tables
of a fresh database are made by replaying the steps, never from the live
models, so a column added to a model reaches every database through one new
step. `SCHEMA_VERSION` is the number of steps; `upgrade()` brings an older
database up to it one step at a time, each in a transaction; a database of a
newer version is refused, never touched. tests/test_migrations.py builds a
database at every past version, upgrades it, and compares it with a fresh one
and with the models.
"""

from __future__ import annotations

import logging
from pathlib import Path

import peewee

from custody.errors import StorageError
from custody.store.db import is_sqlite

log = logging.getLogger(__name__)

STEPS = Path(__file__).with_name("steps")


def backend(db: peewee.Database) -> str:
    return "sqlite" if is_sqlite(db) else "postgresql"


def statements(version: int, kind: str) -> list[str]:
    """The frozen DDL of one step (`steps/NNNN.<kind>.sql`), one statement a line ending in `;`."""
    text = (STEPS / f"{version:04d}.{kind}.sql").read_text(encoding="utf-8")
    out: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if not current and (not line.strip() or line.startswith("--")):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            out.append("\n".join(current).rstrip()[:-1])
            current = []
    if current:
        raise ValueError(f"step {version} ({kind}) ends without a semicolon")
    return out


def _step_count() -> int:
    return len(sorted(STEPS.glob("*.sqlite.sql")))


SCHEMA_VERSION = _step_count()
"""The version this program writes: the number of frozen steps."""


def apply_step(db: peewee.Database, version: int) -> None:
    """Run step `version`'s DDL as written (inside the caller's transaction)."""
    for sql in statements(version, backend(db)):
        db.execute_sql(sql)


def current_version(db: peewee.Database) -> int:
    if not db.table_exists("schema_info"):
        return 0
    row = db.execute_sql("SELECT max(version) FROM schema_info").fetchone()
    return row[0] if row and row[0] is not None else 0


def check(db: peewee.Database) -> None:
    """Refuse a database that is not initialised or of another version."""
    version = current_version(db)
    if version == 0:
        raise StorageError("the database is not initialised: run custody init")
    if version > SCHEMA_VERSION:
        raise StorageError(
            "the database is at schema version {version}, newer than this program's {ours}: upgrade custody",
            version=version,
            ours=SCHEMA_VERSION,
        )
    if version < SCHEMA_VERSION:
        raise StorageError(
            "the database is at schema version {version}; run custody init to upgrade to {ours}",
            version=version,
            ours=SCHEMA_VERSION,
        )


def upgrade(db: peewee.Database) -> tuple[int, int]:
    """Create or upgrade in place; idempotent. Returns (from, to)."""
    start = current_version(db)
    if start > SCHEMA_VERSION:
        check(db)
    for version in range(start + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            apply_step(db, version)
            db.execute_sql("DELETE FROM schema_info")
            db.execute_sql(f"INSERT INTO schema_info (version) VALUES ({version:d})")
        log.info("database upgraded to schema version %s", version)
    return start, SCHEMA_VERSION
