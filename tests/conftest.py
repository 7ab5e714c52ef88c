"""Shared fixtures for the scan service: an office in a SQLite file under tmp_path, and real
servers on free ports — in a thread of this process (fast; its clock can be moved) or as a
`custody serve --port 0` subprocess (restarts, signals) — each waited on by polling its
health endpoint, never by a fixed sleep."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from core_support import BACKENDS, START, Office, build_office, fresh_office

from custody.cli.serve import wait_healthy
from custody.clock import FixedClock, SystemClock

# Runs the real CLI in a fresh interpreter.
SERVE_BOOT = "from custody.cli.main import main\nmain()\n"
__all__ = ["Office", "build_office"]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(params=BACKENDS)
def office(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Office]:
    """The scan tests' office (core_support.LAYOUTS["scan"]) on a fixed clock, for the domain tests
    and the in-thread server: on SQLite (a copy of the session's template) and, when CUSTODY_TEST_PG
    names a server, on a fresh PostgreSQL database too."""
    with fresh_office(tmp_path, "scan", clock, request.param) as built:
        yield built


@contextmanager
def open_live_office(home: Path, backend: str = "sqlite") -> Iterator[Office]:
    """The office on the system clock (for servers in other processes, which use it too): in
    `home`'s SQLite file, or (backend "postgres") in a fresh PostgreSQL database."""
    with fresh_office(home, "scan", SystemClock(), backend) as built:
        yield built


@pytest.fixture
def live_office(tmp_path: Path) -> Iterator[Office]:
    with open_live_office(tmp_path / "home") as office:
        yield office


def new_id() -> str:
    return str(uuid.uuid4())


def scan(office: Office, code: str, station: str = "保密室", **kw: Any) -> dict[str, Any]:
    """One scan through the domain (no HTTP): its answer."""
    from custody.scan.station import ScanInput, submit

    return submit(office.store, office.station(station), ScanInput(code, kw.pop("scan_id", new_id()), **kw))


def kinds(events: list[Any]) -> list[str]:
    return [e.kind for e in events]


class Client:
    """A station talking to a service: requests with its bearer token. With `reader` (a function
    giving a fresh session token of a signed-in admin), its GETs are made as that user instead:
    a device token reads nothing but its own display (P23), and the read API is tested apart
    from who may read it (tests/test_access_matrix.py)."""

    def __init__(
        self, url: str, token: str | None, lang: str | None = None, reader: Callable[[], str] | None = None
    ) -> None:
        self.url = url
        self.reader = reader
        self.http = requests.Session()
        if token is not None:
            self.http.headers["Authorization"] = f"Bearer {token}"
        if lang:
            self.http.headers["Accept-Language"] = lang

    def scan(
        self, code: str, scan_id: str | None = None, scanned_at: datetime | str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Post one scan; assert 200; the answer."""
        r = self.post_scan(code, scan_id, scanned_at, **kwargs)
        assert r.status_code == 200, r.text
        return r.json()

    def post_scan(
        self, code: str, scan_id: str | None = None, scanned_at: datetime | str | None = None, **kwargs: Any
    ) -> requests.Response:
        body: dict[str, Any] = {"code": code, "scan_id": scan_id or new_id()}
        if scanned_at is not None:
            body["scanned_at"] = scanned_at.isoformat() if isinstance(scanned_at, datetime) else scanned_at
        return self.http.post(self.url + "/api/v1/scans", json=body, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url + path, timeout=30, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        if self.reader is not None:  # as the signed-in admin: the session cookie, no bearer token
            return self.http.get(
                self.url + path,
                params=params,
                timeout=30,
                headers={"Authorization": None},
                cookies={"custody_session": self.reader()},
            )
        return self.http.get(self.url + path, params=params, timeout=30)


_ADMIN_LOCK = threading.Lock()


def admin_reader(office: Office) -> Callable[[], str]:
    """A function giving a fresh session token of the office's admin user (made now if missing, so
    that its `user_added` event comes before anything a test counts)."""
    from custody.actions import users

    m = office.store.m
    with _ADMIN_LOCK:
        user = m.AppUser.get_or_none(m.AppUser.username == "test-admin") or users.add_user(
            office.store, "test-admin", "admin", "test-admin-password", actor="test"
        )

    def token() -> str:
        return users.start_session(office.store, user, "127.0.0.1")[0]

    return token


@dataclass
class Service:
    url: str
    office: Office
    reader: Callable[[], str] | None = None  # the office admin's sessions (made as the service starts)

    def client(self, station: str = "保密室", lang: str | None = None) -> Client:
        """The station's client; its reads are made as the office's admin (`Client.reader`)."""
        return Client(self.url, self.office.tokens[station], lang, reader=self.reader)


@pytest.fixture
def service(office: Office) -> Iterator[Service]:
    """A real granian server on a free port, run from this process, on the office's store."""
    from web.server import start_in_thread

    running = start_in_thread(office.store, "127.0.0.1", 0, threads=8)
    try:
        wait_healthy(running.url)
        yield Service(running.url, office, admin_reader(office))
    finally:
        running.stop()


@dataclass
class ServeProcess:
    """`custody serve --port 0` as a child process, in a process group of its own (so that a test
    can send it Ctrl-C as a terminal does: to every process of the group)."""

    home: Path
    args: list[str] = field(default_factory=list)
    db: str = ""  # CUSTODY_DB for the server; none: the home's SQLite file
    ca: str = ""  # the certificate an https server is checked against
    proc: subprocess.Popen[str] | None = None
    url: str = ""
    stderr_lines: list[str] = field(default_factory=list)
    _reader: threading.Thread | None = None

    def start(self, timeout: float = 20.0) -> str:
        env = {**os.environ, "CUSTODY_HOME": str(self.home), "PYTHONUNBUFFERED": "1"}
        env.pop("CUSTODY_DB", None)
        if self.db:
            env["CUSTODY_DB"] = self.db
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVE_BOOT, "serve", "--port", "0", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until the server listens (or the process dies)
        m = re.search(r"serving on (https?://\S+)", line)
        if not m:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            raise AssertionError(f"custody serve did not start: {line!r} {err}")
        self.url = m.group(1)
        self.stderr_lines = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        wait_healthy(self.url, timeout, ca=self.ca or None)
        return self.url

    def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line.rstrip("\n"))

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        return code

    def client(self, token: str | None, lang: str | None = None) -> Client:
        return Client(self.url, token, lang)


@pytest.fixture
def serve_process(live_office: Office) -> Iterator[ServeProcess]:
    """A `custody serve` subprocess on the live office's home (not started: call .start())."""
    sp = ServeProcess(live_office.home)
    try:
        yield sp
    finally:
        if sp.proc is not None and sp.proc.poll() is None:
            sp.proc.kill()
            sp.proc.wait(10)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The scanner tests (real ptys, serial ports, scanner threads) run first. After the whole of the
    suite before them, the test process holds more than 1,024 open descriptors (a leak of earlier
    tests, not yet found: stores, servers or sockets left open), so a new pty's descriptor is numbered
    past 1024 and pyserial's `select()` cannot watch it: the scanner thread dies and the tests time
    out. Running them first keeps them meaningful until the leak is found."""
    items.sort(key=lambda item: 0 if item.path.name.startswith("test_devices_") else 1)


# --- descriptor leaks: CUSTODY_TEST_FD_REPORT=1 prints, at the end, the tests that left the most
# descriptors open (a count of /proc/self/fd before and after each test) -----------------------
_FD_GROWTH: list[tuple[int, str]] = []


def _open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    if not os.environ.get("CUSTODY_TEST_FD_REPORT"):
        yield
        return
    before = _open_fds()
    yield
    grown = _open_fds() - before
    if grown > 0:
        _FD_GROWTH.append((grown, item.nodeid))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FD_GROWTH:
        return
    total = sum(n for n, _ in _FD_GROWTH)
    terminalreporter.write_line(f"descriptors left open: {total} by {len(_FD_GROWTH)} tests; the most:")
    for grown, nodeid in sorted(_FD_GROWTH, reverse=True)[:25]:
        terminalreporter.write_line(f"  +{grown}  {nodeid}")
