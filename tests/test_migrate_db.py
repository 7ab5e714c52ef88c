"""`custody migrate-db --to URL` (issue 16): every table the models declare copied, in one
transaction, verified on arrival; a target that holds anything is refused; a source that does not
verify leaves the target empty. Run through the real console script on real databases (a SQLite
file, and a fresh PostgreSQL database when CUSTODY_TEST_PG names a server)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import scan
from core_support import fresh_office, opened, pg_database

from custody.config import DB_FILE
from custody.store.core import Store
from custody.store.transfer import redacted

CUSTODY = shutil.which("custody") or str(Path(sys.executable).with_name("custody"))


def run(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env["CUSTODY_HOME"] = str(home)
    proc = subprocess.run(
        [CUSTODY, "--lang", "en", *args], capture_output=True, text=True, env=env, timeout=120
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def tables(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every model table's rows, in primary-key order (schema_info aside: each database has its own)."""
    out = {}
    for model in store.m.tables:
        if model is store.m.SchemaInfo:
            continue
        pk = model._meta.primary_key
        out[model._meta.table_name] = list(model.select().order_by(pk).tuples())
    return out


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home whose database has a history in most tables: stations, people, tags, items, loans,
    scans and a station session, refusals (events with no state change)."""
    home = tmp_path / "home"
    with fresh_office(home, "scan", backend="sqlite") as office:  # the SQLite file to move
        office.lend(office.secret[0], "zhang")
        office.give_back(office.secret[0])
        scan(office, "B001")  # a session at the safe
        scan(office, office.secret[1])  # checked out through the scan path
        scan(office, office.top)  # refused: clearance (P8)
        scan(office, "NO-SUCH-CODE")
    return home


@pytest.fixture
def target(tmp_path: Path) -> Any:
    """An empty target: a fresh PostgreSQL database when CUSTODY_TEST_PG is set, else a SQLite file."""
    if os.environ.get("CUSTODY_TEST_PG"):
        with pg_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'target' / 'custody.db'}"


def test_every_table_is_copied_and_verified_on_arrival(home: Path, target: str):
    proc = run(home, "migrate-db", "--to", target, "--json")
    copied = json.loads(proc.stdout)
    with opened(f"sqlite:///{home / DB_FILE}", create=False) as source, opened(target, create=False) as there:
        before, after = tables(source), tables(there)
        assert set(copied["rows"]) == set(before)  # every declared table, the users' too
        assert after == before
        assert copied["rows"] == {name: len(rows) for name, rows in before.items()}
        assert copied["events"] == len(before["event"]) > 10
    assert "ledger intact" in run(home, "--db", target, "verify").stdout
    # the copy is live: new rows get fresh ids (on PostgreSQL, the sequences were moved past the copied ids)
    run(home, "--db", target, "person", "add", "新人", "--badge", "B900", "--clearance", "secret")
    run(home, "--db", target, "item", "receive", "--title", "迁移后", "--level", "secret", "--home", "保密室")
    assert "ledger intact" in run(home, "--db", target, "verify").stdout


def test_a_target_that_holds_anything_is_refused_and_left_as_it_was(home: Path, target: str):
    run(home, "migrate-db", "--to", target)
    with opened(target, create=False) as there:
        before = tables(there)
    proc = run(home, "migrate-db", "--to", target, ok=False)
    assert proc.returncode == 1
    assert "is not empty" in proc.stderr and "nothing was copied" in proc.stderr
    with opened(target, create=False) as there:
        assert tables(there) == before


def test_a_target_with_other_tables_is_refused(home: Path, tmp_path: Path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE payroll (x)").connection.commit()
    proc = run(home, "migrate-db", "--to", f"sqlite:///{other}", ok=False)
    assert proc.returncode == 1 and "not custody's (payroll)" in proc.stderr


def test_a_source_that_does_not_verify_leaves_the_target_empty(home: Path, target: str):
    db = sqlite3.connect(home / DB_FILE)
    db.execute("DROP TRIGGER event_no_update")
    db.execute("UPDATE event SET actor = 'forger' WHERE seq = 3")
    db.commit()
    db.close()
    proc = run(home, "migrate-db", "--to", target, ok=False)
    assert proc.returncode == 1
    assert "does not verify: #3: content does not match its hash" in proc.stderr
    assert "nothing was copied" in proc.stderr
    with opened(target, create=False) as there:  # initialised by the attempt, and empty
        assert all(not rows for rows in tables(there).values())
    run(home, "migrate-db", "--to", target, ok=False)  # still refused, still nothing


def test_a_backup_file_migrates_to_postgresql(home: Path, tmp_path: Path):
    """`custody restore` puts a copy back in a SQLite home; a backup restored onto PostgreSQL
    goes through migrate-db with the backup file as the source database (docs/admin-guide.md)."""
    copy = tmp_path / "backup.db"
    run(home, "backup", str(copy))
    with pg_database() as url:
        proc = run(home, "--db", f"sqlite:///{copy}", "migrate-db", "--to", url)
        assert "verified there" in proc.stdout
        assert "ledger intact" in run(home, "--db", url, "verify").stdout


def test_a_password_in_the_url_is_never_printed(home: Path):
    with pg_database() as url:
        scheme, rest = url.split("://", 1)
        user, host = rest.split("@", 1)
        secret_url = f"{scheme}://{user.split(':')[0]}:hunter2-secret@{host}"
        proc = run(home, "migrate-db", "--to", secret_url)
        assert "hunter2" not in proc.stdout + proc.stderr and ":***@" in proc.stdout
        again = run(home, "migrate-db", "--to", secret_url, ok=False)
        assert "hunter2" not in again.stdout + again.stderr and "is not empty" in again.stderr


def test_redacted_hides_only_the_password():
    assert redacted("postgresql://u:pw@h:5432/d") == "postgresql://u:***@h:5432/d"
    assert redacted("postgresql://u@h/d") == "postgresql://u@h/d"
    assert redacted("sqlite:////srv/custody.db") == "sqlite:////srv/custody.db"
