"""`custody backup` and `custody restore` on real files through the console script: a copy that
verifies replaces the database (the old one kept aside); one that does not is refused, nothing changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_checkpoint import events, rewrite, run

from custody.config import DB_FILE


def item_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM item").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "home"
    run(home, "init")
    run(home, "station", "add", "保密室", "--kind", "safe")
    run(home, "item", "receive", "--title", "要点", "--level", "secret", "--copies", "2")
    return home


def test_backup_is_0600_and_restores_in_place_keeping_the_old_one(home, tmp_path):
    copy = tmp_path / "copy.db"
    run(home, "backup", str(copy))
    assert copy.stat().st_mode & 0o777 == 0o600
    run(home, "item", "receive", "--title", "later", "--level", "secret")  # 3 items now, 2 in the copy
    proc = run(home, "restore", str(copy))
    assert "2 items verified" in proc.stdout
    kept = sorted(home.glob(f"{DB_FILE}.before-restore-*"))
    assert len(kept) == 1 and f"kept as {kept[0]}" in proc.stdout
    assert item_count(home / DB_FILE) == 2 and item_count(kept[0]) == 3
    assert (home / DB_FILE).stat().st_mode & 0o777 == 0o600
    # station_added, device_token_added (its first device), two received
    assert "ledger intact: 4 events, 2 items" in run(home, "verify").stdout
    assert copy.exists() and item_count(copy) == 2  # the copy itself is left as it was
    assert not list(home.glob("*.restoring-*"))


def test_a_copy_that_does_not_verify_is_refused_and_nothing_changes(home, tmp_path):
    copy = tmp_path / "copy.db"
    run(home, "backup", str(copy))
    db = sqlite3.connect(copy)
    db.execute("DROP TRIGGER event_no_update")
    db.execute("UPDATE event SET actor = 'forger' WHERE seq = 2")
    db.commit()
    db.close()
    before = (home / DB_FILE).read_bytes()
    proc = run(home, "restore", str(copy), ok=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"custody: {copy} does not verify: #2: content does not match its hash (the event was changed);"
        " nothing was changed"
    ]
    assert (home / DB_FILE).read_bytes() == before
    assert not list(home.glob(f"{DB_FILE}.*-*"))


def test_a_file_that_is_no_database_is_refused(home, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    proc = run(home, "restore", str(junk), ok=False)
    assert proc.returncode == 1 and "not a readable SQLite database" in proc.stderr
    assert "nothing was changed" in proc.stderr
    assert item_count(home / DB_FILE) == 2


def test_a_database_of_no_custody_schema_is_refused(home, tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.commit()
    proc = run(home, "restore", str(other), ok=False)
    assert proc.returncode == 1 and "cannot be restored" in proc.stderr and "custody init" in proc.stderr


def test_a_home_with_no_database_yet_is_fine(home, tmp_path):
    copy = tmp_path / "copy.db"
    run(home, "backup", str(copy))
    fresh = tmp_path / "fresh"
    proc = run(fresh, "restore", str(copy))
    assert "old database" not in proc.stdout
    assert item_count(fresh / DB_FILE) == 2
    assert "ledger intact" in run(fresh, "verify").stdout


def test_a_rewritten_copy_restores_but_fails_the_kept_checkpoint(home, tmp_path):
    """restore checks what verify checks; a backup whose history was rewritten consistently passes
    that, and is caught by the checkpoint kept off the machine (SECURITY.md)."""
    cp = tmp_path / "cp.json"
    run(home, "checkpoint", "--out", str(cp))
    copy = tmp_path / "copy.db"
    run(home, "backup", str(copy))
    rewrite(_as_home(copy), [{**e, "actor": "cli:forger"} for e in events(_as_home(copy))])
    run(home, "restore", str(copy))
    assert run(home, "verify", "--checkpoint", str(cp), ok=False).returncode == 1


def _as_home(db: Path) -> Path:
    """A directory whose DB_FILE is `db` (the helpers of test_checkpoint take a home)."""
    home = db.parent / "as-home"
    home.mkdir(exist_ok=True)
    link = home / DB_FILE
    if not link.exists():
        link.symlink_to(db)
    return home
