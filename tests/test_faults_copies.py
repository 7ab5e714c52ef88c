"""Plain copies of the database file (`cp custody.db custody.db-wal`, no backup API) taken at random
moments while four stations write (issue 16).

What a plain copy can be expected to be: SQLite keeps the newest commits in the WAL and moves them
into the database file at a checkpoint, after which the next writer starts the WAL over. `cp` reads
the two files one after the other, so a copy taken while writers run may pair a database file from
before a checkpoint with a WAL started over after it (the commits in between are in neither), or a
WAL from before with a database file from after (old pages replayed over newer ones): such a copy
can be torn, and nothing can promise it verifies. What can be promised, and is tested here:

- a copy of both files taken while holding custody's write lock (`flock custody.db-writelock cp …`:
  every writer of every process, and every checkpoint, runs under that lock) always opens and
  verifies, and holds every scan answered before the copy began;
- the database file alone, copied under the lock, is the state at the last checkpoint: it opens and
  verifies too (it is only older);
- a copy taken without the lock either verifies or is refused by `custody restore` (its verify), so
  a torn copy never replaces a database.

docs/admin-guide.md ("Faults") says the same to the administrator: `custody backup`, or `flock`.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import threading
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import requests
from core_support import Office, fresh_office, sqlite_only, wait_for

from custody.cli.serve import wait_healthy
from custody.config import DB_FILE
from custody.errors import InvalidInput
from custody.ledger.verify import verify
from custody.store import backup as copies
from custody.store.core import Store
from custody.store.db import LOCK_SUFFIX
from web.server import start_in_thread

COPIES = 12

pytestmark = sqlite_only


def check(store: Store) -> tuple[bool, str, int, int]:
    report = verify(store)
    return report.ok, report.problem, report.events, report.items


def verified(path: Path) -> tuple[bool, str, set[str]]:
    """Open a copy: (verifies, the problem, the scan_ids it holds)."""
    try:
        store = Store.open(f"sqlite:///{path}")
    except Exception as exc:  # a torn copy may not even open
        return False, f"{type(exc).__name__}: {exc}", set()
    try:
        with store.reading():
            report = verify(store)
            ids = {s.scan_id for s in store.m.Scan.select(store.m.Scan.scan_id)}
        return report.ok, report.problem, ids
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}", set()
    finally:
        store.close()


class Writers:
    """Four stations posting badge / check-out / return scans to the service until stopped; the
    scan_ids answered 200, in order."""

    def __init__(self, office: Office, url: str) -> None:
        self.answered: list[str] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        plan = {"保密室": ["B001", *office.secret], "阅文室": ["B002", *office.confidential]}
        self.threads = [
            threading.Thread(target=self._run, args=(url, office.tokens[name], plan[name]), daemon=True)
            for name in (*plan, *plan)
        ]

    def _run(self, url: str, token: str, codes: list[str]) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        i = 0
        while not self.stop.is_set():
            scan_id = str(uuid.uuid4())
            r = http.post(
                url + "/api/v1/scans", json={"code": codes[i % len(codes)], "scan_id": scan_id}, timeout=30
            )
            if r.status_code == 200:
                self.answered.append(scan_id)
            else:
                self.failures.append(r.text)
            i += 1

    def __enter__(self) -> Writers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)


def take_copies(
    office: Office, writers: Writers, dest: Path, command: list[str]
) -> list[tuple[Path, set[str]]]:
    """COPIES copies by `command` (+ the files + a directory), each after a random number of
    further answered scans; with the scan_ids answered before each copy began."""
    rng = random.Random(16)
    db = office.home / DB_FILE
    made = []
    for n in range(COPIES):
        target = len(writers.answered) + rng.randint(5, 60)
        wait_for(lambda t=target: len(writers.answered) >= t, 60, "more scans")
        before = set(writers.answered)
        copy = dest / f"copy-{n:02d}"
        copy.mkdir(parents=True)
        subprocess.run([*command, "cp", str(db), f"{db}-wal", str(copy)], check=True, timeout=60)
        made.append((copy / DB_FILE, before))
    return made


@pytest.fixture
def running(tmp_path: Path):
    with fresh_office(tmp_path / "home", "scan") as office:
        server = start_in_thread(office.store, threads=4)
        try:
            wait_healthy(server.url)
            with Writers(office, server.url) as writers:
                yield office, writers
        finally:
            server.stop()


def test_copies_taken_under_the_write_lock_all_open_and_verify(running, tmp_path):
    office, writers = running
    lock = f"{office.home / DB_FILE}{LOCK_SUFFIX}"
    made = take_copies(office, writers, tmp_path / "locked", ["flock", lock])
    results = [(verified(path), before) for path, before in made]
    print(f"\n{COPIES} copies under the write lock during {len(writers.answered)} scans:", end=" ")
    print(sum(ok for (ok, _, _), _ in results), "verify")
    for (ok, problem, ids), before in results:
        assert ok, problem
        assert before <= ids  # every scan answered before the copy began is in it
    assert not writers.failures


def test_the_database_file_alone_copied_under_the_lock_is_an_older_state_that_verifies(running, tmp_path):
    office, writers = running
    db = office.home / DB_FILE
    lock = f"{db}{LOCK_SUFFIX}"
    for n in range(4):
        target = len(writers.answered) + 40
        wait_for(lambda t=target: len(writers.answered) >= t, 60, "more scans")
        copy = tmp_path / f"alone-{n}"
        copy.mkdir()
        subprocess.run(["flock", lock, "cp", str(db), str(copy)], check=True, timeout=60)
        ok, problem, _ = verified(copy / DB_FILE)
        assert ok, problem


def test_copies_taken_without_the_lock_verify_or_are_refused_by_restore(running, tmp_path):
    office, writers = running
    made = take_copies(office, writers, tmp_path / "unlocked", [])
    good = torn = 0
    for n, (path, _) in enumerate(made):
        ok, problem, _ = verified(path)
        home = tmp_path / f"restore-{n}"
        home.mkdir()
        source = path.with_name("as-one-file.db")  # restore reads one file: the copy with its WAL folded in
        if not ok:
            torn += 1
            shutil.copyfile(path, source)
            with pytest.raises(InvalidInput, match="nothing was changed"):
                copies.restore(home / DB_FILE, source, datetime.now(), check)
            assert not (home / DB_FILE).exists()
            continue
        good += 1
        copies.sqlite_copy(path, source)
        done = copies.restore(home / DB_FILE, source, datetime.now(), check)
        assert done.events > 0
    print(f"\n{COPIES} plain copies without the lock: {good} verify, {torn} torn and refused by restore")


def test_a_torn_copy_is_refused_by_restore(tmp_path):
    """What `cp` without the lock can give: the database file copied before a checkpoint and the WAL
    after the WAL started over. It does not open as a sound database, and restore refuses it."""
    from conftest import scan

    copy = tmp_path / "torn"
    copy.mkdir()
    with fresh_office(tmp_path / "home", "scan") as office:
        codes = ("B001", *office.secret)
        for i in range(50):
            scan(office, codes[i % 4])
        shutil.copy(office.home / DB_FILE, copy / DB_FILE)
        for i in range(300):  # past a checkpoint: the WAL starts over
            scan(office, codes[i % 4])
        shutil.copy(office.home / f"{DB_FILE}-wal", copy / f"{DB_FILE}-wal")
    ok, problem, _ = verified(copy / DB_FILE)
    assert not ok and "malformed" in problem
    home = tmp_path / "restore"
    with pytest.raises(InvalidInput, match="nothing was changed"):
        copies.restore(home / DB_FILE, copy / DB_FILE, datetime.now(), check)
    assert not (home / DB_FILE).exists()
