"""Concurrent appends leave one unbroken chain: 8 threads on SQLite; 2 processes on PostgreSQL."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from core_support import PG_URL, office, open_store, pg_database

from custody import actions
from custody.models import Event
from custody.store import Store
from custody.verify import verify


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
        report = verify()
        assert report.ok, report.problem
        assert Event.select().where(Event.kind.in_(["checked_out", "returned"])).count() == 8 * 15 * 2


WORKER = """
import sys
from custody import actions, lookup
from custody.store import Store
store = Store.open(sys.argv[1])
st = lookup.station("保密室")
p = lookup.person_by_badge("B001")
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
        procs = [subprocess.Popen([sys.executable, str(script), url, code, "40"]) for code in (a.code, b.code)]
        assert [p.wait(timeout=180) for p in procs] == [0, 0]
        store = Store.open(url)
        report = verify()
        assert report.ok, report.problem
        assert Event.select().where(Event.actor == "proc").count() == 2 * 40 * 2
        store.close()
