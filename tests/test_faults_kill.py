"""Proof under SIGKILL (issue 16): four stations, each a real `custody agent --emulate` process
(stdin → pty → the real serial driver → its spool → HTTP), post 5,000 scans to a real
`custody serve` (two workers) on one port, while the service's whole process group is SIGKILLed 5
times and the agents 5 times (each restarted on its own spool), at random points of progress.

At the end every scan_id spooled is recorded exactly once, nothing else is recorded, the ledger
verifies (`custody verify`: the chain, and state rebuilt by replay equals the tables), and every
spool is empty.

Negative control: the same run with the idempotency keys removed — the agents post through a
proxy in this test that gives EVERY request a fresh scan_id (so a scan sent again after a lost
answer or an agent's restart is a new scan to the service) — must record duplicates, and the test
asserts it does. No production code knows of this: the proxy is the test's.

A read the agent took from its pty but had not yet committed to its spool when it was killed is
gone, as a real scanner's read is when its agent dies before the beep: the test counts what each
spool holds after a kill and feeds the station's codes again from there, so that 5,000 scans are
spooled in all.

Figures are printed (-s): scans, kills, lost, doubled, time.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import pytest
import requests
from conftest import SERVE_BOOT, ServeProcess, open_live_office
from core_support import Office, sqlite_only, wait_for

from custody.actions import core as actions
from custody.config import DB_FILE

pytestmark = [pytest.mark.slow, sqlite_only]

STATIONS = (("保密室", "safe"), ("阅文室", "reading-room"), ("档案室", "archive-room"), ("收发台", "desk"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plan(office: Office, station: int, n: int) -> list[str]:
    """A station's codes: a badge, then items lent and given back (and sometimes refused)."""
    badges = ("B001", "B002", "L001", "C001")
    items = [*office.secret, *office.confidential, office.top]
    rng = random.Random(station)
    codes: list[str] = []
    while len(codes) < n:
        codes.append(badges[station])
        for _ in range(rng.randint(1, 4)):
            codes.append(rng.choice(items))
    return codes[:n]


def spool_ids(path: Path) -> list[str]:
    """The scan_ids a spool holds, in order (read by its own connection: the agent is dead or done)."""
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    try:
        return [r[0] for r in db.execute("SELECT uid FROM outbox WHERE kind = 'scan' ORDER BY seq")]
    finally:
        db.close()


def spool_keys(path: Path, station: str) -> list[tuple[str, str, datetime]]:
    """What a spool's scans are, recognisable without their scan_id: (station, code, scanned_at)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT code, at FROM outbox WHERE kind = 'scan'").fetchall()
    finally:
        db.close()
    return [(station, code, datetime.fromisoformat(at)) for code, at in rows]


def recorded_keys(db: Path) -> list[tuple[str, str, datetime]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT station.name, scan.code, scan.scanned_at FROM scan JOIN station ON station.id = scan.station_id"
        ).fetchall()
    finally:
        conn.close()
    return [(name, code, datetime.fromisoformat(at)) for name, code, at in rows]


def spool_pending(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    finally:
        db.close()


class FreshIds:
    """The negative control's proxy: forwards every POST to the service, with a fresh scan_id."""

    def __init__(self, target: str) -> None:
        session = requests.Session()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    data = json.loads(body)
                    if isinstance(data, dict) and "scan_id" in data:
                        data["scan_id"] = str(uuid.uuid4())  # the idempotency key, removed
                        body = json.dumps(data).encode()
                except ValueError:
                    pass
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")
                }
                try:
                    r = session.post(target + self.path, data=body, headers=headers, timeout=15)
                    status, answer = r.status_code, r.content
                except requests.RequestException:
                    status, answer = 502, b'{"error": "the service is down"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the agent was killed while waiting: its answer is lost
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Station:
    """One station's agent process, its spool and the codes it still has to scan."""

    name: str
    token: str
    codes: list[str]
    spool: Path
    logs: Path
    proc: subprocess.Popen[str] | None = None
    feeder: threading.Thread | None = None
    starts: int = 0
    log_files: list[IO[str]] = field(default_factory=list)

    def start(self, server: str) -> None:
        """Start the agent on its spool and feed it the codes not yet spooled."""
        done = len(spool_ids(self.spool))
        self.starts += 1
        out = open(self.logs / f"{self.name}-{self.starts}.log", "w")  # noqa: SIM115 - closed in close()
        self.log_files.append(out)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVE_BOOT,
                "--lang",
                "en",
                "agent",
                "--emulate",
                "--station",
                self.name,
                "--server",
                server,
                "--token",
                self.token,
                "--spool",
                str(self.spool),
                "--retry-initial",
                "0.05",
                "--retry-max",
                "0.5",
            ],  # fmt: skip
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        left = self.codes[done:]
        proc = self.proc

        def feed() -> None:
            assert proc.stdin is not None
            try:
                for code in left:
                    proc.stdin.write(code + "\n")
                proc.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):  # killed meanwhile
                pass

        self.feeder = threading.Thread(target=feed, daemon=True)
        self.feeder.start()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(30)
        if self.feeder is not None:
            self.feeder.join(30)

    def finish(self, timeout: float) -> int:
        """All codes fed: close stdin, so the agent delivers what is left and exits."""
        assert self.proc is not None and self.feeder is not None
        self.feeder.join(timeout)
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for f in self.log_files:
            f.close()


def recorded(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT scan_id FROM scan")]
    finally:
        conn.close()


def count_recorded(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT count(*) FROM scan").fetchone()[0]
    finally:
        conn.close()


def kill_group(service: ServeProcess) -> None:
    """SIGKILL the service's supervisor and its workers at once (their process group)."""
    assert service.proc is not None
    os.killpg(service.proc.pid, signal.SIGKILL)
    service.proc.wait(30)


def restart(service: ServeProcess) -> None:
    """Start the service again on its port (a port still held by a dying worker is retried)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            service.start()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


@dataclass
class Run:
    """What a run spooled and what the service recorded: by scan_id, and by what each scan was
    (station, code, scanned_at), which survives the negative control's fresh scan_ids."""

    scans: int
    spooled: list[str]
    recorded: list[str]
    spooled_keys: Counter[tuple[str, str, datetime]]
    recorded_keys: Counter[tuple[str, str, datetime]]
    service_kills: int
    agent_kills: int
    seconds: float
    pending: int

    @property
    def lost(self) -> int:
        return sum((self.spooled_keys - self.recorded_keys).values())

    @property
    def doubled(self) -> int:
        return sum((self.recorded_keys - self.spooled_keys).values())

    def line(self, what: str) -> str:
        return (
            f"{what}: {self.scans} scans by 4 agents, {self.service_kills} SIGKILLs of the service,"
            f" {self.agent_kills} of agents; {len(self.recorded)} recorded, {self.lost} lost,"
            f" {self.doubled} doubled, {self.pending} left in spools; {self.seconds:.0f} s"
            f" ({self.scans / self.seconds:.0f} scans/s)"
        )


def run_under_kills(
    office: Office,
    tmp_path: Path,
    *,
    scans: int,
    kills: int,
    fresh_ids: bool = False,
    until_doubled: int = 0,
    last: float = 0.9,
) -> Run:
    """The harness: 4 agents, `scans` in all, `kills` SIGKILLs of the service and of agents each
    at random points of progress; with `fresh_ids` through the FreshIds proxy, and then up to
    `until_doubled` more agent kills while no duplicate has been recorded yet. The kills fall
    between 5 % and `last` of the scans recorded."""
    rng = random.Random(1616)
    db = office.home / DB_FILE
    tokens = dict(office.tokens)
    for name, kind in STATIONS[2:]:
        _, tokens[name] = actions.add_station(office.store, name, kind, actor="test")
    base = count_recorded(db)
    assert base == 0
    port = free_port()
    service = ServeProcess(office.home, args=["--port", str(port), "--no-access-log"])
    (tmp_path / "logs").mkdir()
    stations = [
        Station(
            name, tokens[name], plan(office, i, scans // 4), tmp_path / f"spool-{i}.db", tmp_path / "logs"
        )
        for i, (name, _) in enumerate(STATIONS)
    ]
    proxy = None
    started = time.monotonic()
    try:
        service.start()
        url = service.url
        if fresh_ids:
            proxy = FreshIds(url)
            url = proxy.url
        for st in stations:
            st.start(url)
        moments = sorted(rng.uniform(0.05, last) * scans for _ in range(2 * kills))
        whom = ["service"] * kills + ["agent"] * kills
        rng.shuffle(whom)
        service_kills = agent_kills = 0
        for at, victim in zip(moments, whom, strict=True):
            wait_for(lambda a=at: count_recorded(db) - base >= a, 180, f"{at:.0f} scans recorded")
            if victim == "service":
                kill_group(service)
                service_kills += 1
                restart(service)
            else:
                st = rng.choice(stations)
                st.kill()
                agent_kills += 1
                st.start(url)
        extra = 0
        while fresh_ids and extra < until_doubled and not doubled_yet(stations, db):
            busy = [st for st in stations if spool_pending(st.spool) > 0]
            if not busy:  # everything delivered: no scan left in flight to lose an answer of
                break
            st = rng.choice(busy)
            st.kill()
            agent_kills += 1
            extra += 1
            st.start(url)
        for st in stations:
            assert st.finish(180) == 0, (st.logs / f"{st.name}-{st.starts}.log").read_text()[-3000:]
        seconds = time.monotonic() - started
        spooled = [uid for st in stations for uid in spool_ids(st.spool)]
        keys = Counter(k for st in stations for k in spool_keys(st.spool, st.name))
        pending = sum(spool_pending(st.spool) for st in stations)
        return Run(
            len(spooled),
            spooled,
            recorded(db),
            keys,
            Counter(recorded_keys(db)),
            service_kills,
            agent_kills,
            seconds,
            pending,
        )
    finally:
        for st in stations:
            st.close()
        if proxy is not None:
            proxy.close()
        if service.proc is not None and service.proc.poll() is None:
            kill_group(service)


def doubled_yet(stations: list[Station], db: Path) -> bool:
    """Whether a scan is recorded more often than its station spooled it (a duplicate)."""
    spooled = Counter(k for st in stations for k in spool_keys(st.spool, st.name))
    return bool(Counter(recorded_keys(db)) - spooled)


def verify_cli(home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env["CUSTODY_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-c", SERVE_BOOT, "--lang", "en", "verify"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Path]:
    """Where the home and the spools live: a directory in RAM (/dev/shm) when there is one. A
    SIGKILL loses no page cache, so what is under test (scan_ids, spools, retries) does not depend
    on fsync, and fsync on this 2-CPU machine's disk costs 3-4 times the run's time; losing power
    is a different fault, not tested here."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    place = Path(tempfile.mkdtemp(prefix="custody-kill-", dir=shm))
    try:
        yield place
    finally:
        shutil.rmtree(place, ignore_errors=True)


@pytest.fixture
def office(place: Path) -> Iterator[Office]:
    with open_live_office(place / "home") as built:
        yield built


def test_5000_scans_through_real_agents_survive_sigkills_of_service_and_agents(office, place):
    run = run_under_kills(office, place, scans=5000, kills=5)
    print("\n" + run.line("idempotent"))
    assert run.scans == 5000
    assert (run.service_kills, run.agent_kills) == (5, 5)
    assert run.pending == 0  # spools empty
    assert sorted(run.recorded) == sorted(run.spooled)  # every scan_id exactly once, nothing else
    assert run.lost == 0 and run.doubled == 0 and sum(run.recorded_keys.values()) == 5000
    proc = verify_cli(office.home)
    assert proc.returncode == 0, proc.stderr
    assert "state matches the ledger" in proc.stdout


def test_negative_control_without_idempotency_keys_sees_duplicates(office, place):
    """The same faults with every request given a fresh scan_id: scans sent again after a lost
    answer are recorded twice. If this saw none, the run above would prove nothing."""
    run = run_under_kills(office, place, scans=1200, kills=5, fresh_ids=True, until_doubled=20, last=0.5)
    print("\n" + run.line("fresh scan_ids (negative control)"))
    assert run.pending == 0 and run.lost == 0
    assert run.doubled > 0
    assert not set(run.spooled) & set(run.recorded)  # the proxy did give every request its own id
