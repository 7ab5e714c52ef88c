"""The scanner agent against the real service (issue 4): a thousand scans while
`custody serve` is stopped and started three times are each recorded exactly once, in order."""

import socket
import threading

from core_support import wait_for

from devices.agent import Agent
from devices.backoff import Backoff
from devices.client import ServiceClient
from devices.spool import Spool


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recorded(office) -> list[str]:
    office.store.db.close()  # a fresh connection sees the server's commits
    station = office.station("保密室")
    m = office.store.m
    return [s.code for s in m.Scan.select(m.Scan.code).where(m.Scan.station == station).order_by(m.Scan.id)]


def test_thousand_scans_across_three_restarts_of_the_real_service(live_office, serve_process, tmp_path):
    port = free_port()
    serve_process.args = ["--port", str(port), "--no-access-log"]
    url = serve_process.start()
    assert url.endswith(f":{port}")
    codes = [f"T{i:04d}" for i in range(1000)]
    with Spool(tmp_path / "spool.db") as spool:
        agent = Agent(
            spool,
            ServiceClient(url, live_office.tokens["保密室"]),
            backoff=Backoff(0.01, 0.1),
            dedup_window=0,
            idle_poll=0.05,
        )
        agent.start()
        try:
            feeder = threading.Thread(
                target=lambda: [agent.scan(c, "/dev/custody/safe") for c in codes], daemon=True
            )
            feeder.start()
            for outage in range(3):
                wait_for(
                    lambda n=outage: len(recorded(live_office)) >= 150 * (n + 1),
                    timeout=120,
                    what="progress before an outage",
                )
                assert serve_process.stop() == 0
                failures = agent.backoff.failures
                wait_for(
                    lambda f=failures: agent.backoff.failures >= f + 2,
                    timeout=30,
                    what="the agent noticing the outage",
                )
                serve_process.start()
            feeder.join(60)
            wait_for(lambda: spool.pending_count() == 0, timeout=120, what="the spool to drain")
        finally:
            agent.stop()
    assert serve_process.stop() == 0
    got = recorded(live_office)
    assert got == codes  # every scan exactly once, in the order scanned
    m = live_office.store.m
    assert m.Scan.select().where(m.Scan.outcome == "unknown").count() >= 1000
