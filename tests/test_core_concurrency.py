"""Concurrent writers leave one unbroken chain (8 threads on SQLite; 2 processes on PostgreSQL), a
writer decides on what other processes committed before it, and a reading sees one moment."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from core_support import BACKENDS, PG_URL, office, open_store, pg_database, url_of, wait_for

from custody.actions import core as actions
from custody.ledger.verify import verify
from custody.store.core import Store
from custody.store.db import is_sqlite


def test_eight_threads_on_sqlite(tmp_path):
    with open_store("sqlite", tmp_path) as store:
        o = office(store)
        items = actions.receive(store, title="要点", level="secret", copies=8, actor="t")
        errors: list[BaseException] = []

        def worker(code: str) -> None:
            try:
                for _ in range(15):
                    actions.check_out(store, code, o["zhang"], o["safe"], actor="t")
                    actions.return_item(store, code, o["safe"], actor="t")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                store.db.close()

        threads = [threading.Thread(target=worker, args=(i.code,)) for i in items]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors
        report = verify(store)
        assert report.ok, report.problem
        assert (
            store.m.Event.select().where(store.m.Event.kind.in_(["checked_out", "returned"])).count()
            == 8 * 15 * 2
        )


WORKER = """
import sys
from custody.actions import core as actions
from custody.reports import lookup
from custody.store.core import Store
store = Store.open(sys.argv[1])
st = lookup.station(store, "保密室")
p = lookup.person_by_badge(store, "B001")
for _ in range(int(sys.argv[3])):
    actions.check_out(store, sys.argv[2], p, st, actor="proc")
    actions.return_item(store, sys.argv[2], st, actor="proc")
"""


@pytest.mark.skipif(not PG_URL, reason="CUSTODY_TEST_PG not set")
def test_two_processes_on_postgresql(tmp_path):
    script = Path(tmp_path) / "worker.py"
    script.write_text(WORKER)
    with pg_database() as url:
        store = Store.open(url, create=True)
        office(store)
        a, b = actions.receive(store, title="要点", level="secret", copies=2, actor="t")
        store.db.close()
        procs = [
            subprocess.Popen([sys.executable, str(script), url, code, "40"]) for code in (a.code, b.code)
        ]
        assert [p.wait(timeout=180) for p in procs] == [0, 0]
        store = Store.open(url)
        report = verify(store)
        assert report.ok, report.problem
        assert store.m.Event.select().where(store.m.Event.actor == "proc").count() == 2 * 40 * 2
        store.close()


HOLD_OR_TRY = """
import sys
from custody.actions import core as actions
from custody.reports import lookup
from custody.store.core import Store
store = Store.open(sys.argv[1])
code, badge, hold = sys.argv[2], sys.argv[3], sys.argv[4] == "hold"
with store.writing():
    out = actions.check_out(store, code, lookup.person_by_badge(store, badge), lookup.station(store, "保密室"), actor="p-" + badge)
    print(out.outcome, flush=True)
    if hold:
        sys.stdin.readline()
print("committed", flush=True)
"""


def waiting_for_a_lock(store: Store, pid: int) -> bool:
    """Whether process `pid` (SQLite: on the lock file) or some backend (PostgreSQL) waits for a lock."""
    if is_sqlite(store.db):
        return any(
            " FLOCK " in line and "->" in line and f" {pid} " in line
            for line in Path("/proc/locks").read_text().splitlines()
        )
    return (
        store.db.execute_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        > 0
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_writer_of_another_process_decides_on_what_was_committed_before_it(backend, tmp_path):
    """Process A checks an item out and holds its transaction open; process B, asking for the same
    item meanwhile, waits and then sees it out (refused), never both lending it."""
    script = Path(tmp_path) / "hold_or_try.py"
    script.write_text(HOLD_OR_TRY)
    with open_store(backend, tmp_path) as store:
        office(store)
        code = actions.receive(store, title="要点", level="secret", actor="t")[0].code
        url = url_of(store)
        holder = subprocess.Popen(
            [sys.executable, str(script), url, code, "B001", "hold"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        other = None
        try:
            assert holder.stdout is not None and holder.stdin is not None
            assert holder.stdout.readline().strip() == "checked_out"
            other = subprocess.Popen(
                [sys.executable, str(script), url, code, "C001", "go"], stdout=subprocess.PIPE, text=True
            )
            wait_for(lambda: waiting_for_a_lock(store, other.pid), what="the second writer to wait")
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "committed"
            out, _ = other.communicate(timeout=60)
            assert out.split() == ["refused", "committed"]
        finally:
            for p in (holder, other):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait(10)
        assert (
            store.m.Event.select()
            .where((store.m.Event.kind == "checked_out") & (store.m.Event.item == code))
            .count()
            == 1
        )
        assert store.m.Item.get(store.m.Item.code == code).holder.name == "张三"
        assert verify(store).ok


MORE = """
import sys
from custody.actions import core as actions
from custody.store.core import Store
store = Store.open(sys.argv[1])
actions.receive(store, title="又一份", level="secret", actor="p")
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_reading_sees_one_moment_while_another_process_writes(backend, tmp_path):
    script = Path(tmp_path) / "more.py"
    script.write_text(MORE)
    with open_store(backend, tmp_path) as store:
        office(store)
        url = url_of(store)
        with store.reading():
            events, head = store.m.Event.select().count(), store.m.LedgerHead.get_by_id(1).seq
            subprocess.run([sys.executable, str(script), url], check=True, timeout=60)
            assert (store.m.Event.select().count(), store.m.LedgerHead.get_by_id(1).seq) == (events, head)
            assert verify(store).ok  # the chain and its head as of that one moment
        assert store.m.Event.select().count() == events + 1
