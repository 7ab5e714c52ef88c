"""Connections of ended threads are closed (custody.store.orphans).

granian's threads are started by Rust; when one ends (idle for IDLE_THREAD_SECONDS) its Python
thread state is never cleared, and before the tracker its database connection stayed open for the
life of the process: a service that saw bursts after idle spells ran out of descriptors."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
import requests
from core_support import START, fresh_office

import web.server as server
from custody.cli.serve import wait_healthy
from custody.clock import FixedClock


def db_descriptors(path: str) -> int:
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == path:
                n += 1
        except OSError:
            pass
    return n


def wait_for(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_burst_after_an_idle_spell_does_not_leak_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server, "IDLE_THREAD_SECONDS", 1)
    with fresh_office(tmp_path, "scan", FixedClock(START), "sqlite") as office:
        path = str(Path(office.store.db.database).resolve())
        running = server.start_in_thread(office.store, "127.0.0.1", 0, threads=6)
        try:
            wait_healthy(running.url)
            token = office.tokens["保密室"]
            baseline_tasks = len(os.listdir("/proc/self/task"))
            counts = []
            for _ in range(4):

                def hit() -> None:
                    with requests.Session() as s:
                        for _ in range(10):
                            s.get(
                                running.url + "/api/v1/stations",
                                headers={"Authorization": f"Bearer {token}"},
                                timeout=10,
                            )

                threads = [threading.Thread(target=hit) for _ in range(6)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                counts.append(db_descriptors(path))
                # the idle server threads end (granian retires them after IDLE_THREAD_SECONDS)
                wait_for(lambda: len(os.listdir("/proc/self/task")) <= baseline_tasks)
        finally:
            running.stop()
    # without the tracker each burst added a connection per thread (7, 13, 19, …)
    assert max(counts) <= 6 + 2, counts
    assert counts[-1] <= counts[0] + 1, counts
