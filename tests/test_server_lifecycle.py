"""`custody serve` as a real process: it binds 127.0.0.1 on the port asked for, logs a line per
request, keeps sessions and answers across a restart, and on SIGTERM or SIGINT finishes the
requests in flight, so every scan it acknowledged is stored."""

from __future__ import annotations

import signal
import subprocess
import threading
from pathlib import Path

import pytest
import requests
from conftest import SERVE_BOOT, Client, Office, ServeProcess, new_id

from custody.ledger.verify import verify


def test_serve_help_has_an_example() -> None:
    import shutil
    import sys

    exe = shutil.which("custody") or str(Path(sys.executable).parent / "custody")
    r = subprocess.run([exe, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Example:" in r.stdout and "custody serve --host 127.0.0.1 --port 8750" in r.stdout
    assert "--threads" in r.stdout


def test_serves_on_127_0_0_1_and_logs_a_line_per_request(
    live_office: Office, serve_process: ServeProcess
) -> None:
    url = serve_process.start()
    assert url.startswith("http://127.0.0.1:")
    c = serve_process.client(live_office.tokens["保密室"])
    assert c.scan("B001")["outcome"] == "badge"
    assert c.get("/api/v1/items").status_code == 403  # a device token reads no items (P23)
    assert requests.get(url + "/api/v1/items", timeout=10).status_code == 401
    assert serve_process.stop() == 0
    access = [line for line in serve_process.stderr_lines if "web.access" in line]
    assert len(access) == 4  # the health poll, the scan, two reads
    assert any('"POST /api/v1/scans" 200' in line and "station=保密室" in line for line in access)
    assert any('"GET /api/v1/items" 401' in line for line in access)
    assert not any("Traceback" in line for line in serve_process.stderr_lines)


def test_sessions_and_answers_survive_a_restart(live_office: Office, serve_process: ServeProcess) -> None:
    o = live_office
    serve_process.start()
    c = serve_process.client(o.tokens["保密室"])
    c.scan("B001")
    sid = new_id()
    first = c.scan(o.secret[0], scan_id=sid)
    assert serve_process.stop() == 0

    serve_process.start()
    c = serve_process.client(o.tokens["保密室"])
    assert c.scan(o.secret[0], scan_id=sid) == {**first, "duplicate": True}
    second = c.scan(o.secret[1])  # the session opened before the restart is still open
    assert second["outcome"] == "checked_out" and second["person"]["badge"] == "B001"
    assert serve_process.stop(signal.SIGINT) == 0
    assert o.store.m.Event.select().where(o.store.m.Event.kind == "checked_out").count() == 2
    assert verify(o.store).ok


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_under_load_loses_no_acknowledged_scan(
    live_office: Office, serve_process: ServeProcess, sig: int
) -> None:
    o = live_office
    serve_process.start()
    acknowledged: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def station(n: int) -> None:
        c = Client(serve_process.url, o.tokens["保密室" if n % 2 else "阅文室"])
        while True:
            sid = new_id()
            try:
                r = c.post_scan(f"UNKNOWN-{n}", sid)
            except requests.ConnectionError:
                return  # the server stopped taking requests
            with lock:
                if r.status_code == 200 and r.json()["scan_id"] == sid:
                    acknowledged.append(sid)
                    if len(acknowledged) >= 60:
                        enough.set()
                else:
                    failures.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=station, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    assert enough.wait(60)
    assert serve_process.stop(sig) == 0
    for t in threads:
        t.join(60)
    assert not failures
    stored = {s.scan_id for s in o.store.m.Scan.select(o.store.m.Scan.scan_id)}
    assert set(acknowledged) <= stored
    assert "stopped" in serve_process.stderr_lines[-1]


def test_a_database_that_is_not_initialised_is_one_clear_line(tmp_path: Path) -> None:
    import os
    import sys

    env = {**os.environ, "CUSTODY_HOME": str(tmp_path / "empty")}
    r = subprocess.run(
        [sys.executable, "-c", SERVE_BOOT, "serve", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == ["custody: 数据库尚未初始化：请先运行 custody init"]


def test_start_local_service_issues_a_fresh_recorded_token(live_office: Office) -> None:
    """Guards against `custody emulate` replacing the station's token (it cut off a running agent):
    the local service gets a device token of its own, revoked when it stops (issue 15)."""
    from custody.cli.serve import start_local_service

    o = live_office
    agent = Client("http://unused", o.tokens["保密室"])
    mark = o.last_seq()
    url, token, stop = start_local_service(o.url, "保密室")
    try:
        assert url.startswith("http://127.0.0.1:")
        assert Client(url, token).scan("B001")["outcome"] == "badge"
        agent.url = url
        assert agent.post_scan("B001").status_code == 200  # the station's agent keeps working
        assert [e.kind for e in o.events_since(mark)] == ["device_token_added"]
    finally:
        stop()
    assert [e.kind for e in o.events_since(mark)][-1] == "device_token_revoked"
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/v1/health", timeout=5)
