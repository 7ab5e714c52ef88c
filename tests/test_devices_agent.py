"""The agent against a local receiver that keeps the scan API's idempotency
contract: spool first, deliver in order, retry, never lose or double a scan."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_support import wait_for

from custody.errors import CustodyError
from devices.agent import Agent, BeepFeedback, ConsoleFeedback, Result, fan_out
from devices.backoff import Backoff
from devices.client import DELIVERED, REJECTED, RETRY, UNSUPPORTED, ServiceClient
from devices.spool import DELIVERED as SPOOL_DELIVERED
from devices.spool import Spool, SpoolBusy

try:
    from test_devices_receiver import TOKEN, Receiver, receiver  # noqa: F401 - fixture
except ImportError:  # tests/ is a package
    from tests.test_devices_receiver import TOKEN, Receiver, receiver  # noqa: F401

REPO = Path(__file__).resolve().parent.parent


def fast_backoff() -> Backoff:
    return Backoff(0.005, 0.05)


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    with Spool(tmp_path / "spool.db") as sp:
        yield sp


class Collected:
    def __init__(self) -> None:
        self.results: list[Result] = []
        self.lock = threading.Lock()

    def __call__(self, result: Result) -> None:
        with self.lock:
            self.results.append(result)

    def lines(self) -> list[str]:
        with self.lock:
            return [r.line() for r in self.results if r.entry.kind == "scan"]


@pytest.fixture
def running(spool: Spool, receiver: Receiver) -> Iterator[tuple[Agent, Collected]]:
    collected = Collected()
    agent = Agent(
        spool,
        ServiceClient(receiver.url, TOKEN),
        on_result=collected,
        backoff=fast_backoff(),
        dedup_window=0,
        idle_poll=0.05,
    )
    agent.start()
    try:
        yield agent, collected
    finally:
        agent.stop()


# --- the spool --------------------------------------------------------------------


def test_spool_is_wal_with_full_sync_and_keeps_rows_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "spool.db"
    with Spool(path) as sp:
        first = sp.add_scan("A1", "/dev/custody/x", "2024-05-01T09:00:00.000+08:00")
        second = sp.add_scan("A2", "/dev/custody/x", "2024-05-01T09:00:01.000+08:00")
        mode = sp._db.execute("PRAGMA journal_mode").fetchone()[0]
        sync = sp._db.execute("PRAGMA synchronous").fetchone()[0]
    assert (mode, sync) == ("wal", 2)
    assert second.seq == first.seq + 1 and first.uid != second.uid
    with Spool(path) as sp:
        pending = sp.next_pending()
        assert pending == first
        sp.finish(first.seq, SPOOL_DELIVERED, status=200, outcome="unknown")
        assert sp.next_pending() == second
        third = sp.add_scan("A3", "x", "t")
        assert third.seq == second.seq + 1


def test_a_second_agent_cannot_open_the_same_spool(tmp_path: Path) -> None:
    with Spool(tmp_path / "spool.db"):
        with pytest.raises(SpoolBusy) as raised:
            Spool(tmp_path / "spool.db")
    assert isinstance(raised.value, CustodyError) and "另一个 agent" in raised.value.message("zh")


def test_an_unusable_spool_is_one_clear_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "spool.db"
    not_a_db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CustodyError, match="spool") as raised:
        Spool(not_a_db)
    assert "暂存文件" in raised.value.message("zh")
    with pytest.raises(CustodyError, match="spool"):
        Spool(not_a_db)


def test_prune_keeps_pending_rows_and_the_sequence(spool: Spool) -> None:
    entries = [spool.add_scan(f"C{i}", "d", "t") for i in range(10)]
    for entry in entries[:8]:
        spool.finish(entry.seq, SPOOL_DELIVERED, status=200)
    assert spool.prune(keep=3) == 5
    assert spool.counts() == {"delivered": 3, "pending": 2}
    assert spool.next_pending() == entries[8]
    assert spool.add_scan("next", "d", "t").seq == entries[-1].seq + 1


# --- the client's verdicts --------------------------------------------------------------


def test_client_sorts_answers_into_verdicts(receiver: Receiver) -> None:
    client = ServiceClient(receiver.url, TOKEN)
    ok = client.post_scan("A1", "s-1", "2024-05-01T09:00:00+08:00")
    assert (ok.verdict, ok.status, ok.body["outcome"]) == (DELIVERED, 200, "unknown")
    assert receiver.scans == [{"code": "A1", "scan_id": "s-1", "scanned_at": "2024-05-01T09:00:00+08:00"}]
    receiver.rejects["BAD"] = (400, "编码格式错误")
    bad = client.post_scan("BAD", "s-2", "t")
    assert (bad.verdict, bad.status, bad.reason) == (REJECTED, 400, "编码格式错误")
    receiver.fail_status = 503
    assert client.post_scan("A2", "s-3", "t").verdict == RETRY
    receiver.fail_status = None
    assert ServiceClient(receiver.url, "wrong").post_scan("A2", "s-3", "t").verdict == RETRY  # 401
    assert ServiceClient(receiver.url + "/nowhere", TOKEN).post_scan("A2", "s-3", "t").verdict == RETRY  # 404
    receiver.stop()
    down = client.post_scan("A2", "s-3", "t")
    assert down.verdict == RETRY and down.status is None and "ConnectionError" in down.reason


def test_client_reports_events_and_treats_404_as_unsupported(receiver: Receiver) -> None:
    client = ServiceClient(receiver.url, TOKEN)
    assert client.post_event("connected", "/dev/custody/x", "2024-05-01T09:00:00+08:00").verdict == DELIVERED
    assert receiver.events == [
        {"event": "connected", "device": "/dev/custody/x", "at": "2024-05-01T09:00:00+08:00"}
    ]
    receiver.events_status = 404
    assert client.post_event("disconnected", "/dev/custody/x", "t").verdict == UNSUPPORTED


# --- delivery ---------------------------------------------------------------------


def test_scans_are_delivered_in_order_with_their_outcomes(running, receiver: Receiver) -> None:
    agent, collected = running
    receiver.outcomes["1001"] = ("badge", "张三已刷卡")
    receiver.outcomes["123456789012"] = ("checked_out", "张三借出机密文件“预算”（123456789012）")
    for code in ("1001", "123456789012"):
        assert agent.scan(code, "/dev/custody/x") is not None
    wait_for(lambda: len(collected.lines()) == 2, what="two answers")
    assert collected.lines() == ["badge 张三已刷卡", "checked_out 张三借出机密文件“预算”（123456789012）"]
    assert [s["code"] for s in receiver.scans] == ["1001", "123456789012"]
    assert all(s["scanned_at"][-6] in "+-" for s in receiver.scans)  # ISO 8601 with offset


def test_rejected_scan_is_shown_with_its_reason_and_does_not_block_the_queue(
    running, receiver: Receiver
) -> None:
    agent, collected = running
    receiver.rejects["BAD"] = (400, "编码格式错误")
    agent.scan("BAD", "d")
    agent.scan("GOOD", "d")
    wait_for(lambda: len(collected.lines()) == 2, what="two answers")
    assert collected.lines()[0] == "rejected 服务拒收此次扫描（HTTP 400）：编码格式错误"
    assert collected.lines()[1].startswith("unknown ")
    assert agent.spool.counts() == {"rejected": 1, "delivered": 1}


def test_duplicate_reads_within_the_window_are_counted_not_spooled(spool: Spool, receiver: Receiver) -> None:
    now = [0.0]
    suppressed: list[tuple[str, int]] = []
    agent = Agent(
        spool,
        ServiceClient(receiver.url, TOKEN),
        dedup_window=2.0,
        clock=lambda: now[0],
        on_suppressed=lambda code, device, count: suppressed.append((code, count)),
    )
    assert agent.scan("A1", "d") is not None
    now[0] = 1.0
    assert agent.scan("A1", "d") is None
    assert agent.scan("A1", "other-device") is not None
    now[0] = 3.5
    assert agent.scan("A1", "d") is not None
    assert suppressed == [("A1", 1)] and agent.dedup.suppressed["d"] == 1
    assert spool.pending_count() == 3


def test_device_events_are_reported_in_order_and_404_is_only_logged(running, receiver: Receiver) -> None:
    agent, collected = running
    agent.device_event("connected", "/dev/custody/x")
    agent.scan("A1", "/dev/custody/x")
    wait_for(lambda: agent.spool.pending_count() == 0, what="delivery")
    assert [e["event"] for e in receiver.events] == ["connected"]
    receiver.events_status = 404
    agent.device_event("disconnected", "/dev/custody/x")
    agent.scan("A2", "/dev/custody/x")
    wait_for(lambda: receiver.codes() == ["A1", "A2"], what="the scan after an unsupported event")
    assert agent.spool.counts()["unsupported"] == 1
    assert collected.lines() == [line for line in collected.lines() if line.startswith("unknown ")]


def test_a_wrong_token_keeps_scans_pending_instead_of_dropping_them(spool: Spool, receiver: Receiver) -> None:
    """Guards against losing every scan of a station whose token was mistyped (401 is not about the scan)."""
    agent = Agent(spool, ServiceClient(receiver.url, "wrong"), backoff=fast_backoff(), dedup_window=0)
    agent.scan("A1", "d")
    agent.start()
    try:
        wait_for(lambda: agent.backoff.failures >= 3, what="several refused attempts")
        assert spool.pending_count() == 1 and receiver.codes() == []
    finally:
        agent.stop()
    agent = Agent(spool, ServiceClient(receiver.url, TOKEN), backoff=fast_backoff(), dedup_window=0)
    agent.start()
    try:
        assert agent.wait_idle(10)
    finally:
        agent.stop()
    assert receiver.codes() == ["A1"]


def test_a_lost_answer_is_resent_and_recorded_once(running, receiver: Receiver) -> None:
    agent, collected = running
    receiver.lose_answers = 3
    for i in range(5):
        agent.scan(f"L{i}", "d")
    wait_for(lambda: len(collected.lines()) == 5, what="five answers")
    assert receiver.codes() == [f"L{i}" for i in range(5)]
    assert receiver.duplicates == 3
    assert sum(r.duplicate for r in collected.results) == 3


def test_stopping_with_drain_sends_what_is_pending(spool: Spool, receiver: Receiver) -> None:
    agent = Agent(spool, ServiceClient(receiver.url, TOKEN), backoff=fast_backoff(), dedup_window=0)
    for i in range(20):
        agent.scan(f"D{i}", "d")
    agent.start()
    agent.stop(drain=10)
    assert spool.pending_count() == 0 and len(receiver.codes()) == 20


def test_thousand_scans_while_the_service_stops_and_starts_three_times(running, receiver: Receiver) -> None:
    agent, collected = running
    codes = [f"S{i:04d}" for i in range(1000)]

    def feed() -> None:
        for code in codes:
            agent.scan(code, "/dev/custody/scanner")

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    for outage in range(3):
        wait_for(lambda n=outage: len(receiver.codes()) >= 200 * (n + 1), timeout=60, what="progress")
        receiver.stop()
        failures = agent.backoff.failures
        wait_for(lambda f=failures: agent.backoff.failures >= f + 3, what="the agent noticing the outage")
        receiver.fail_status = 500 if outage == 1 else None  # the second time it comes back failing
        receiver.start()
        if outage == 1:
            failures = agent.backoff.failures
            wait_for(lambda f=failures: agent.backoff.failures >= f + 3, what="500 answers")
            receiver.fail_status = None
    feeder.join(60)
    wait_for(
        lambda: agent.spool.pending_count() == 0 and len(receiver.codes()) == 1000,
        timeout=60,
        what="all scans",
    )
    assert receiver.codes() == codes
    assert len({s["scan_id"] for s in receiver.scans}) == 1000
    assert agent.spool.counts() == {"delivered": 1000}
    assert len(collected.lines()) == 1000


# --- kill -9 ----------------------------------------------------------------------


def _spooled_scans(path: Path) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute("SELECT count(*) FROM outbox WHERE kind = 'scan'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def _start_agent(link: Path, spool: Path, url: str, out: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "devices", "agent",
        "--station", "机要室", "--server", url, "--token", TOKEN,
        "--serial", str(link), "--spool", str(spool),
        "--dedup-window", "0", "--retry-initial", "0.01", "--retry-max", "0.1",
    ]  # fmt: skip
    with out.open("a") as stdout:
        return subprocess.Popen(command, cwd=REPO, stdout=stdout, stderr=subprocess.DEVNULL)


def test_agent_killed_mid_stream_loses_and_doubles_nothing(tmp_path: Path, receiver: Receiver) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    link = tmp_path / "scanner-safe"
    link.symlink_to(os.ttyname(slave))
    spool_path = tmp_path / "agent.db"
    out = tmp_path / "outcomes.txt"
    first_batch = [f"K{i:05d}" for i in range(300)]
    second_batch = [f"K{i:05d}" for i in range(300, 500)]
    receiver.hold_at = 150  # the answer to the 150th scan never reaches the first agent
    agent = _start_agent(link, spool_path, receiver.url, out)
    try:
        wait_for(lambda: len(receiver.events) >= 1, timeout=30, what="the first agent connecting")
        os.write(master, b"".join(code.encode() + b"\r" for code in first_batch))
        wait_for(lambda: _spooled_scans(spool_path) == 300, timeout=30, what="300 spooled scans")
        wait_for(receiver.held.is_set, timeout=30, what="the held answer")
        agent.send_signal(signal.SIGKILL)
        agent.wait(10)
        receiver.release.set()
        assert len(receiver.codes()) == 150

        agent = _start_agent(link, spool_path, receiver.url, out)
        wait_for(lambda: len(receiver.events) >= 2, timeout=30, what="the second agent connecting")
        os.write(master, b"".join(code.encode() + b"\r" for code in second_batch))
        wait_for(lambda: len(receiver.codes()) >= 500, timeout=60, what="all 500 scans")
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(20) == 0
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        os.close(master)
        os.close(slave)
    assert receiver.codes() == first_batch + second_batch
    assert receiver.duplicates >= 1  # the 150th scan was sent again and answered as a duplicate
    assert [e["event"] for e in receiver.events] == ["connected", "connected", "disconnected"]
    lines = out.read_text(encoding="utf-8").splitlines()  # both agents' consoles
    assert lines == [f"unknown 未登记的编码 {code}" for code in first_batch + second_batch]


# --- feedback ------------------------------------------------------------------------


def test_console_and_beep_feedback(spool: Spool) -> None:
    out, err = io.StringIO(), io.StringIO()
    written: list[bytes] = []
    console = ConsoleFeedback(out, err)
    beep = BeepFeedback(lambda data: written.append(data) or True, b"\x1b7,", b"\x1b8,")
    feedback = fan_out(console, beep)
    scan = spool.add_scan("A1", "d", "t")
    event = spool.add_event("connected", "d", "t")
    feedback(Result(scan, DELIVERED, "checked_out", "借出", 200))
    feedback(Result(scan, DELIVERED, "refused", "许可级别不够", 200))
    feedback(Result(scan, REJECTED, "rejected", "服务拒收", 400))
    feedback(Result(event, DELIVERED, "connected", "", 200))
    console.suppressed("A1", "d", 2)
    assert out.getvalue().splitlines() == ["checked_out 借出", "refused 许可级别不够", "rejected 服务拒收"]
    assert written == [b"\x1b7,", b"\x1b8,", b"\x1b8,"]
    assert "A1" in err.getvalue() and "2" in err.getvalue()
