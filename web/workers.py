"""`custody serve --workers N`: N processes answering on one listening socket, supervised.

One Python process runs Python on one core at a time (the GIL), however many
threads it has; on a machine with several cores, several worker processes
answer more scans. Each worker is a child process with its own database
connections and its own waitress server (with its threads) on the socket the
parent opened, and it drains on SIGTERM exactly as a single server does.
Station sessions, stored answers and the ledger live in the database, so it
does not matter which worker a station's request reaches; the writers of all
workers take turns on the database's write lock (`custody.store.db.WriteLock`).

The parent only supervises. It starts the workers, starts another when one
dies unexpectedly (and gives up if they keep dying at once), and on SIGTERM or
SIGINT passes SIGTERM to every worker and waits for them to finish the
requests in flight. Signals reach the parent only through `sigtimedwait`
(they are blocked in it and in its threads), so no handler ever runs in the
middle of its bookkeeping.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from custody.store.core import Store
from web import server

log = logging.getLogger(__name__)

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
WATCHED = STOP_SIGNALS | {signal.SIGCHLD}
QUICK_DEATH = 5.0  # a worker that dies sooner than this after starting counts towards giving up
GIVE_UP_AFTER = 5  # quick deaths in a row


def listening_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """A listening TCP socket on host:port (port 0: a free one) for the workers to share."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


@dataclass
class Supervisor:
    """The parent: runs each role in a child process, replaces those that die, stops them all.

    A role is a function run in the child; when it returns the child exits 0, when it raises, 1.
    A child that exits 0 was told to stop and is not replaced; when none is left, the parent
    stops too. The parent starts no threads, so forking a replacement never copies a lock some
    thread held.
    """

    roles: dict[str, Callable[[], None]]
    children: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid → role, started (monotonic)
    quick_deaths: int = 0

    def spawn(self, role: str) -> None:
        pid = os.fork()
        if pid == 0:
            _child(role, self.roles[role])  # never returns
        self.children[pid] = (role, time.monotonic())
        log.info("%s %d started", role, pid)

    def reap(self) -> list[tuple[int, str, int, float]]:
        """Children that have ended: (pid, role, exit status, seconds they lived)."""
        ended = []
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            found = self.children.pop(pid, None)
            if found is not None:
                role, started = found
                ended.append((pid, role, os.waitstatus_to_exitcode(status), time.monotonic() - started))
        return ended

    def supervise(self) -> int:
        """Run every role until SIGTERM or SIGINT; the parent's exit code. The watched signals
        must be blocked in the calling thread (they are taken with `sigtimedwait`)."""
        for role in self.roles:
            self.spawn(role)
        code = 0
        while code == 0 and self.children:
            got = signal.sigtimedwait(WATCHED, 60.0)
            if got is not None and got.si_signo in STOP_SIGNALS or signal.sigpending() & STOP_SIGNALS:
                break  # (Ctrl-C reaches the workers too: they end before the parent hears of it)
            for pid, role, status, lived in self.reap():
                if status == 0:  # it was told to stop (Ctrl-C reaches every process of the group)
                    log.info("%s %d stopped", role, pid)
                    continue
                self.quick_deaths = self.quick_deaths + 1 if lived < QUICK_DEATH else 0
                if self.quick_deaths >= GIVE_UP_AFTER:
                    log.error(
                        "%s %d ended with status %d; %d children in a row died at once: stopping",
                        role,
                        pid,
                        status,
                        self.quick_deaths,
                    )
                    code = 1
                    break
                log.warning(
                    "%s %d ended with status %d after %.0f s: starting another", role, pid, status, lived
                )
                self.spawn(role)
        self.stop()
        return code

    def stop(self, drain_seconds: float = server.DRAIN_SECONDS + 10) -> None:
        """SIGTERM to every child, then wait for them to drain (SIGKILL after `drain_seconds`)."""
        for pid in self.children:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + drain_seconds
        while True:
            for pid, role, status, _ in self.reap():
                log.info("%s %d stopped (status %d)", role, pid, status)
            if not self.children:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                for pid, (role, _) in self.children.items():
                    log.warning("%s %d did not stop in %.0f s: killed", role, pid, drain_seconds)
                    _signal(pid, signal.SIGKILL)
                deadline = time.monotonic() + 5.0
                continue
            signal.sigtimedwait({signal.SIGCHLD}, min(left, 1.0))


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _child(role: str, run: Callable[[], None]) -> None:
    """In a forked child: run the role, then exit (never return into the parent's code)."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        run()
        code = 0
    except BaseException:
        log.exception("%s %d failed", role, os.getpid())
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed stream must not keep the child alive
                pass
        os._exit(code)


def worker(
    sock: socket.socket, open_store: Callable[[], Store], threads: int, cpu: int | None = None
) -> Callable[[], None]:
    """The role of a worker: serve on the shared socket until SIGTERM or SIGINT (then drain),
    on one CPU if `cpu` is given."""

    def run() -> None:
        from web.app import make_app

        if cpu is not None:
            os.sched_setaffinity(0, {cpu})  # its threads stay on one core's caches
        store = open_store()  # its own connections: none may cross a fork
        try:
            app = make_app(store)
            srv = server.create_server(app, "", 0, threads, sock=sock)
            # the handlers are in place before the stop signals are let through
            server.serve_until_signalled(
                srv, app, ready=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            )
        finally:
            store.close()

    return run


def worker_cpus(workers: int) -> list[int]:
    """The CPU for each worker: the ones this process may use, in turn."""
    if not hasattr(os, "sched_getaffinity"):
        raise OSError("pinning workers to CPUs needs Linux (sched_setaffinity)")
    cpus = sorted(os.sched_getaffinity(0))
    return [cpus[n % len(cpus)] for n in range(workers)]


def serve_workers(
    open_store: Callable[[], Store],
    host: str,
    port: int,
    threads: int,
    workers: int,
    announce: Callable[[str], None] = print,
    others: dict[str, Callable[[], None]] | None = None,
    pin_cpus: bool = False,
) -> int:
    """Serve with `workers` processes until SIGTERM or SIGINT; returns the exit code.

    `others` are further roles, each run in one more child (the closing scheduler): a role
    returns when SIGTERM or SIGINT reaches it, which it must let through itself. With
    `pin_cpus`, worker n runs on the n-th CPU this process may use (in turn).
    """
    cpus: list[int | None] = list(worker_cpus(workers)) if pin_cpus else [None] * workers
    sock = listening_socket(host, port)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED)
    roles = {f"worker-{n + 1}": worker(sock, open_store, threads, cpus[n]) for n in range(workers)}
    roles.update(others or {})
    supervisor = Supervisor(roles)
    try:
        announce(server.address_url(*sock.getsockname()[:2]))
        return supervisor.supervise()
    finally:
        if supervisor.children:
            supervisor.stop()
        sock.close()
        while signal.sigpending() & WATCHED:  # taken here, not raised when the mask is restored
            signal.sigtimedwait(WATCHED, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
