"""Stopping finishes what is in flight: a scan waiting for the write lock when the server is told to
stop is still committed and answered, while new connections are already refused."""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlparse

from conftest import Client, Office, new_id
from core_support import wait_for

from custody.cli.serve import wait_healthy
from web.server import start_in_thread


def test_a_scan_in_flight_at_stop_is_committed_and_answered(office: Office) -> None:
    running = start_in_thread(office.store, "127.0.0.1", 0, threads=4)
    wait_healthy(running.url)
    client = Client(running.url, office.tokens["保密室"])
    sid = new_id()
    answers: list = []
    stopped = threading.Event()
    with office.store.db.write_lock:  # the scan will wait for the one writer
        poster = threading.Thread(target=lambda: answers.append(client.post_scan("B001", sid)))
        poster.start()
        wait_for(lambda: running.app.in_flight == 1)
        stopper = threading.Thread(target=lambda: (running.stop(), stopped.set()))
        stopper.start()
        u = urlparse(running.url)

        def refused() -> bool:
            try:
                socket.create_connection((u.hostname, u.port), timeout=1).close()
                return False
            except (ConnectionRefusedError, ConnectionResetError):  # a reset: the listener closed under us
                return True

        wait_for(refused)  # no new connections while the scan is still in flight
        assert not stopped.is_set() and not answers
    poster.join(30)
    stopper.join(30)
    assert stopped.is_set()
    (r,) = answers
    assert r.status_code == 200 and r.json()["outcome"] == "badge"
    assert office.store.m.Scan.get(office.store.m.Scan.scan_id == sid).outcome == "badge"
