"""Two `custody serve` on one PostgreSQL database (issue 16): two stations, one on each service,
scan the same item at the same moment, round after round. The database decides: in every round
exactly one check-out wins (to the session's person of the station that won) and the other scan
returns it; afterwards there is one chain (`custody verify` on the database), the item rows match
it, and each station's answers name its own session's person.

Needs CUSTODY_TEST_PG (a server the tests may create databases on); skipped without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from conftest import SERVE_BOOT, ServeProcess, open_live_office

from custody.actions import core as actions

ROUNDS = 30


def race(clients: list[Any], code: str) -> list[dict[str, Any]]:
    """Both stations scan `code` at once (a barrier releases both posts together)."""
    barrier = threading.Barrier(len(clients))
    answers: list[dict[str, Any]] = [{} for _ in clients]

    def post(i: int) -> None:
        barrier.wait(10)
        answers[i] = clients[i].scan(code)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def test_two_services_on_one_postgresql_race_for_one_item(tmp_path: Path):
    with open_live_office(tmp_path / "home", backend="postgres") as office:
        _, second_safe = actions.add_station(office.store, "保密室二", "safe", actor="test")
        services = [
            ServeProcess(office.home, args=["--workers", "2", "--no-access-log"], db=office.url),
            ServeProcess(office.home, args=["--workers", "2", "--no-access-log"], db=office.url),
        ]
        try:
            for service in services:
                service.start()
            a = services[0].client(office.tokens["保密室"], lang="en")
            b = services[1].client(second_safe, lang="en")
            assert a.scan("B001")["person"]["name"] == "张三"  # a session at each station
            assert b.scan("C001")["person"]["name"] == "赵保密员"
            wins: Counter[str] = Counter()
            for n in range(ROUNDS):
                code = office.secret[n % len(office.secret)]
                first, second = race([a, b], code)
                outcomes = sorted([first["outcome"], second["outcome"]])
                assert outcomes == ["checked_out", "returned"], (first, second)
                winner = first if first["outcome"] == "checked_out" else second
                expected = "张三" if winner is first else "赵保密员"
                assert winner["item"]["holder"]["name"] == expected  # lent to the winning station's person
                assert first["person"]["name"] == "张三" and second["person"]["name"] == "赵保密员"
                wins["a" if winner is first else "b"] += 1
            print(f"\n{ROUNDS} races through two services: station A won {wins['a']}, station B {wins['b']}")
        finally:
            for service in services:
                if service.proc is not None and service.proc.poll() is None:
                    assert service.stop() == 0
        m = office.store.m
        office.store.db.close()  # a fresh connection sees the services' commits
        events = list(m.Event.select().order_by(m.Event.seq))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))  # one chain, no fork, no gap
        kinds = Counter(e.kind for e in events if e.item in office.secret)
        assert kinds["checked_out"] == ROUNDS and kinds["returned"] == ROUNDS, kinds
        assert all(office.item(code).status == "in" for code in office.secret)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
        env.update(CUSTODY_HOME=str(office.home), CUSTODY_DB=office.url)
        proc = subprocess.run(
            [sys.executable, "-c", SERVE_BOOT, "--lang", "en", "verify"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert "state matches the ledger" in proc.stdout
