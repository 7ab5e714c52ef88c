"""Migrations are frozen steps: a database built at every past version and upgraded equals a fresh one,
a fresh one has every column the models declare, and no released step is edited afterwards.

Regression guarded: migration 1 used to create its tables from the live models (`create_tables`), so
the first column added to a model would reach a fresh database through step 1 and a later step's
ALTER would then fail on it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest
from core_support import BACKENDS, pg_database

from custody.models import Models
from custody.store import migrations
from custody.store.db import open_database

# sha256 of each released step; a step is never edited once released (add a step instead)
RELEASED = {
    "0001.sqlite.sql": "1ac9fd20ea43fce2f26b0f872d226bd7af5e0fb25297c00ec2a94e157d7a27ef",
    "0001.postgresql.sql": "f64495e2181253a005a04a72e71eb7c72aeec09d28c6d7e07069463ae1ec8ad4",
    "0002.sqlite.sql": "90c70b5e5125fc605dd3af6d343342e0824d87c1954b99acbf907ff1993f43a6",
    "0002.postgresql.sql": "ac9c611754c80e344b3e0c7a893f56e9030c5294ebea829ab94bdd32db40664f",
    "0003.sqlite.sql": "c99699efb11a4f45318a9b417b7969075d1efd48b81245b98279e8333d23e353",
    "0003.postgresql.sql": "90161c5e8cc867de500849ce636b6474c2cc730e099c96f9cbe9c697e03eacea",
    "0004.sqlite.sql": "097e36a7928b87f0bcac5236723d30913966a8103d358ac988986619ec596b2e",
    "0004.postgresql.sql": "62c5be19c82500307cf5bd0428125ac14203d3320b3963cbae31a0edc9c05fa5",
}


def _digest(name: str) -> str:
    return hashlib.sha256((migrations.STEPS / name).read_bytes()).hexdigest()


def test_released_steps_are_frozen() -> None:
    for name, digest in RELEASED.items():
        assert _digest(name) == digest, f"{name} was edited after release: add a new step instead"
    assert sorted(p.name for p in migrations.STEPS.glob("*.sql")) == sorted(RELEASED), (
        "a step lacks its digest"
    )


def test_every_step_exists_for_both_backends() -> None:
    for version in range(1, migrations.SCHEMA_VERSION + 1):
        for kind in ("sqlite", "postgresql"):
            assert migrations.statements(version, kind), f"step {version} ({kind}) is empty"


@pytest.fixture(params=BACKENDS)
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[callable]:
    """A factory of empty databases of one backend."""
    made: list[peewee.Database] = []
    pg = []

    def make() -> peewee.Database:
        if request.param == "sqlite":
            db = open_database(f"sqlite:///{tmp_path / f'db{len(made)}.sqlite'}")
        else:
            ctx = pg_database()
            pg.append(ctx)
            db = open_database(ctx.__enter__())
        db.connect(reuse_if_open=True)
        made.append(db)
        return db

    yield make
    for db in made:
        db.close()
    for ctx in pg:
        ctx.__exit__(None, None, None)


def schema_of(db: peewee.Database) -> dict[str, object]:
    """Tables with their columns (name, type, not null, default, key), indexes and triggers, in a form
    that compares equal for equal schemas."""
    if isinstance(db, peewee.SqliteDatabase):
        tables = [
            r[0] for r in db.execute_sql("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        columns = {t: [tuple(r[1:]) for r in db.execute_sql(f'PRAGMA table_info("{t}")')] for t in tables}
        indexes = sorted(
            (r[0], r[1], r[2])
            for r in db.execute_sql(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
            )
        )
        triggers = sorted(r[0] for r in db.execute_sql("SELECT sql FROM sqlite_master WHERE type='trigger'"))
    else:
        tables = [
            r[0]
            for r in db.execute_sql("SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY 1")
        ]
        columns = {
            t: list(
                db.execute_sql(
                    "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
                    "WHERE table_schema='public' AND table_name=%s ORDER BY ordinal_position",
                    (t,),
                )
            )
            for t in tables
        }
        indexes = sorted(
            tuple(r)
            for r in db.execute_sql(
                "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname='public'"
            )
        )
        triggers = sorted(
            tuple(r)
            for r in db.execute_sql(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"
            )
        )
    return {"tables": tables, "columns": columns, "indexes": indexes, "triggers": triggers}


def build_at(db: peewee.Database, version: int) -> None:
    """A database as a release at `version` left it: its steps applied and its version recorded."""
    for v in range(1, version + 1):
        with db.atomic():
            migrations.apply_step(db, v)
            db.execute_sql("DELETE FROM schema_info")
            db.execute_sql(f"INSERT INTO schema_info (version) VALUES ({v:d})")


def test_every_past_version_upgrades_to_what_a_fresh_database_is(new_db) -> None:
    fresh = new_db()
    assert migrations.upgrade(fresh) == (0, migrations.SCHEMA_VERSION)
    expected = schema_of(fresh)
    for version in range(0, migrations.SCHEMA_VERSION):
        db = new_db()
        build_at(db, version)
        assert migrations.current_version(db) == version
        assert migrations.upgrade(db) == (version, migrations.SCHEMA_VERSION)
        assert schema_of(db) == expected, f"upgraded from version {version}"
        assert migrations.upgrade(db) == (migrations.SCHEMA_VERSION, migrations.SCHEMA_VERSION)  # idempotent
        assert schema_of(db) == expected


def test_a_fresh_database_has_every_column_the_models_declare(new_db) -> None:
    db = new_db()
    migrations.upgrade(db)
    schema = schema_of(db)
    for model in Models(db).tables:
        table = model._meta.table_name
        assert table in schema["tables"], f"no step creates {table}"
        have = {c[0] if isinstance(db, peewee.PostgresqlDatabase) else c[0] for c in schema["columns"][table]}
        want = {f.column_name for f in model._meta.sorted_fields}
        assert want <= have, f"{table}: the models declare {sorted(want - have)} but no step adds them"


def test_the_ledger_stays_append_only_after_an_upgrade(new_db) -> None:
    db = new_db()
    build_at(db, migrations.SCHEMA_VERSION - 1)
    migrations.upgrade(db)
    db.execute_sql(
        "INSERT INTO event (seq, at, kind, actor, data, prev_hash, hash) VALUES (1, 'x', 'k', 'a', '{}', 'p', 'h')"
    )
    with pytest.raises(peewee.DatabaseError, match="append-only"):
        with db.atomic():
            db.execute_sql("UPDATE event SET kind = 'changed'")
    with pytest.raises(peewee.DatabaseError, match="append-only"):
        with db.atomic():
            db.execute_sql("DELETE FROM event")


def test_a_newer_database_is_refused_and_left_untouched(new_db) -> None:
    from custody.errors import StorageError

    db = new_db()
    migrations.upgrade(db)
    db.execute_sql("DELETE FROM schema_info")
    db.execute_sql(f"INSERT INTO schema_info (version) VALUES ({migrations.SCHEMA_VERSION + 1:d})")
    before = schema_of(db)
    with pytest.raises(StorageError, match="newer than this program"):
        migrations.upgrade(db)
    assert schema_of(db) == before
