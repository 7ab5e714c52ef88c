"""Schema creation and in-place migrations.

`SCHEMA_VERSION` is the version this program writes. `upgrade()` brings an
older database up to it one numbered step at a time, each in a transaction;
a database of a newer version is refused, never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import peewee

from custody.errors import StorageError
from custody.models import closing as models_closing
from custody.models import scan as models_scan
from custody.models.core import TABLES, SchemaInfo
from custody.store.db import is_sqlite

log = logging.getLogger(__name__)

SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS event_no_update BEFORE UPDATE ON event "
    "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE refused'); END",
    "CREATE TRIGGER IF NOT EXISTS event_no_delete BEFORE DELETE ON event "
    "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: DELETE refused'); END",
)

PG_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION custody_event_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the ledger is append-only: %% refused', TG_OP; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS event_append_only ON event",
    "CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event "
    "FOR EACH ROW EXECUTE FUNCTION custody_event_append_only()",
    "DROP TRIGGER IF EXISTS event_no_truncate ON event",
    "CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event "
    "FOR EACH STATEMENT EXECUTE FUNCTION custody_event_append_only()",
)


def _v1(db: peewee.Database) -> None:
    db.create_tables(TABLES + models_scan.TABLES + models_closing.TABLES)
    for sql in SQLITE_TRIGGERS if is_sqlite(db) else PG_TRIGGERS:
        db.execute_sql(sql)
    # copy numbers of one document are unique (P2)
    db.execute_sql(
        "CREATE UNIQUE INDEX IF NOT EXISTS item_copy_unique ON item (issuer, doc_no, copy_no) "
        "WHERE doc_no <> ''"
    )
    db.execute_sql("CREATE INDEX IF NOT EXISTS item_status_level ON item (status, level)")


MIGRATIONS: tuple[Callable[[peewee.Database], None], ...] = (_v1,)
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(db: peewee.Database) -> int:
    if not db.table_exists("schema_info"):
        return 0
    row = SchemaInfo.select().order_by(SchemaInfo.version.desc()).first()
    return row.version if row else 0


def check(db: peewee.Database) -> None:
    """Refuse a database that is not initialised or of another version."""
    version = current_version(db)
    if version == 0:
        raise StorageError(
            "数据库尚未初始化：请先运行 custody init", "the database is not initialised: run custody init"
        )
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"数据库的结构版本为 {version}，比本程序（{SCHEMA_VERSION}）新：请升级 custody",
            f"the database is at schema version {version}, newer than this program's "
            f"{SCHEMA_VERSION}: upgrade custody",
        )
    if version < SCHEMA_VERSION:
        raise StorageError(
            f"数据库的结构版本为 {version}，需要升级到 {SCHEMA_VERSION}：请运行 custody init",
            f"the database is at schema version {version}; run custody init to upgrade to {SCHEMA_VERSION}",
        )


def upgrade(db: peewee.Database) -> tuple[int, int]:
    """Create or upgrade in place; idempotent. Returns (from, to)."""
    start = current_version(db)
    if start > SCHEMA_VERSION:
        check(db)
    for version in range(start + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            MIGRATIONS[version - 1](db)
            SchemaInfo.delete().execute()
            SchemaInfo.create(version=version)
        log.info("database upgraded to schema version %s", version)
    return start, SCHEMA_VERSION
