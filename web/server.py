"""Running the app on granian (a Rust HTTP engine serving WSGI), configured explicitly.

Every limit is set here rather than left to a default (DESIGN.md's known traps):
the host, the workers, the Python threads of each, the header buffer, how long a
request's headers may take to arrive (which is also how long a keep-alive
connection may sit idle), and how many connections a worker holds at once. The
body limit is the app's (`web.app.BODY_LIMIT`, a JSON 413): granian has none of
its own and hands the app the body as it comes.

Two ways to run it:

- `serve`, for `custody serve`: granian's own supervisor (a parent process that
  forks the workers, replaces one that dies, and on SIGTERM or SIGINT stops them
  all after the requests in flight are answered). Each worker opens its own
  store after the fork (`open_app` runs in the worker); worker 1 also runs what
  `in_first_worker` starts (the closing sweep), so that runs once however many
  workers there are.
- `start_in_thread`, for tests and `custody emulate`/`demo`: one granian worker in
  this process on a store opened already (whose clock a test may move). granian's
  Rust runtime runs it; no Python thread of ours waits on a socket, so stopping
  is one signal and a wait for granian to say it has drained.

granian 2.8's `Server` offers no way to serve on a socket opened elsewhere nor to
name the port it chose for port 0, and it has no in-process WSGI server; this
module therefore reserves a free port itself for port 0 (a bound, never
listening socket with SO_REUSEPORT, which the workers' own listeners share) and,
for the in-process server, drives granian's `WSGIWorker` the way granian's own
free-threaded server does. Both lean on granian internals, hence the narrow
version range in pyproject.toml.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from granian._futures import _new_cbscheduler
from granian._granian import SocketHolder, WorkerSignal, WSGIWorker
from granian.constants import HTTPModes, Interfaces, SSLProtocols
from granian.http import HTTP1Settings
from granian.server.common import WORKERS_METHODS
from granian.server.mp import MPServer, WorkerProcess
from granian.wsgi import _callback_wrapper

from custody.errors import CustodyError
from custody.store.core import Store
from web.app import ApiApp, make_app

log = logging.getLogger(__name__)

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}

HEADER_LIMIT = 16 * 1024  # the request line and headers; beyond it granian answers 431
HEADER_SECONDS = 10  # for a request's headers to arrive, and for a keep-alive connection to sit idle
CONNECTIONS = 1000  # a worker holds at most this many connections at once (granian's backpressure)
BACKLOG = 1024
DRAIN_SECONDS = 30  # a worker still busy this long after being told to stop is killed
IDLE_THREAD_SECONDS = 600  # a Python thread idle this long ends (and its database connection with it)
DISCARD_LIMIT = 1024 * 1024  # of a refused body, what is read (and dropped) so that the 413 is seen


@dataclass(frozen=True)
class Tls:
    cert: Path
    key: Path


def http1() -> HTTP1Settings:
    return HTTP1Settings(
        header_read_timeout=HEADER_SECONDS * 1000,
        keep_alive=True,
        max_buffer_size=HEADER_LIMIT,
        pipeline_flush=False,
    )


def address_url(host: str, port: int, tls: bool = False) -> str:
    """The base URL of host:port (an IPv6 address in brackets)."""
    scheme = "https" if tls else "http"
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def reserve(host: str, port: int) -> tuple[str, int, socket.socket]:
    """The numeric address for `host`, and `port` or (port 0) a free one, held by a socket that is
    bound but never listens: granian's workers bind the same port beside it (SO_REUSEPORT), and
    no other program can take it meanwhile. Close the socket once the server has stopped."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    if port:  # SO_REUSEPORT would share a port another server holds: first make sure nobody does
        probe = socket.socket(family, kind, proto)
        try:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            probe.bind(address)
        except OSError as exc:
            raise CustodyError(
                "cannot listen on {host} port {port}: {reason} (another program uses it? choose one with --port)",
                host=host,
                port=port,
                reason=exc.strerror or str(exc),
            ) from None
        finally:
            probe.close()
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    bound_host, bound_port = sock.getsockname()[:2]
    return bound_host, bound_port, sock


def reading_refused_bodies(app: Callable[..., Any]) -> Callable[..., Any]:
    """The app, except that after a 413 the rest of the body (up to DISCARD_LIMIT) is read and
    dropped before the answer goes out: granian closes a connection whose body was left unread,
    and a client still sending it then sees the connection reset instead of the JSON 413."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        statuses: list[str] = []

        def recording(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        body = app(environ, recording)
        if statuses and statuses[0].startswith("413"):
            left, stream = DISCARD_LIMIT, environ["wsgi.input"]
            while left > 0 and (chunk := stream.read(min(left, 64 * 1024))):
                left -= len(chunk)
        return body

    return wrapped


# --- custody serve: granian's supervisor and its worker processes ------------------


class _Worker(WorkerProcess):
    """A worker process that ended with status 0 was stopped by a signal of its own (Ctrl-C in a
    terminal reaches every process of the group): it is not replaced, and when no worker is left
    the parent stops too. Any other end is a crash, logged with its status, and replaced."""

    parent: CustodyServer

    def _watcher(self) -> None:
        self.inner.join()
        if self.interrupt_by_parent:
            return
        status, lived = self.inner.exitcode, time.monotonic() - self.birth
        if status == 0:
            log.info("worker-%d %s stopped", self.idx + 1, self.inner.pid)
            self.parent.worker_stopped(self.idx)
            return
        log.warning(
            "worker-%d %s ended with status %s after %.0f s: starting another",
            self.idx + 1,
            self.inner.pid,
            status,
            lived,
        )
        self.parent.interrupt_children.append(self.idx)
        self.parent.main_loop_interrupt.set()


class CustodyServer(MPServer):
    """granian's multi-process server with custody's worker (its own store, stop signals taken
    once) and the stopping rule of `_Worker`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stopped: set[int] = set()
        self._stopped_lock = threading.Lock()

    def _spawn_worker(self, idx: int, target: Any, callback_loader: Any) -> WorkerProcess:
        worker = super()._spawn_worker(idx, target, callback_loader)
        worker.__class__ = _Worker  # not started yet: its watcher thread starts with it
        return worker

    def worker_stopped(self, idx: int) -> None:
        with self._stopped_lock:
            self._stopped.add(idx)
            if len(self._stopped) >= self.workers:
                self.interrupt_signal = True
                self.main_loop_interrupt.set()


def _log_config() -> dict[str, Any]:
    """granian's loggers into this process's root handler (stderr), so stdout carries only the
    "serving on" line; set again in every worker."""
    root = logging.getLogger()
    # the entry point's formatter (the CLI's stamps lines in the office's time zone), else the plain one
    formatter = (
        type(root.handlers[0].formatter)
        if root.handlers and root.handlers[0].formatter
        else logging.Formatter
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"()": formatter, "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": logging.getLevelName(root.level)},
        "loggers": {"_granian": {"level": "INFO", "propagate": True}},
    }


@WorkerProcess.wrap_target
def _worker_main(
    worker_id: int,
    callback: Callable[[int], tuple[ApiApp, Callable[[], None]]],
    sock: Any,
    ipc: Any,
    loop: Any,
    runtime_mode: Any,
    runtime_threads: int,
    runtime_blocking_threads: int | None,
    blocking_threads: int,
    blocking_threads_idle_timeout: int,
    backpressure: int,
    task_impl: Any,
    http_mode: Any,
    http1_settings: HTTP1Settings | None,
    http2_settings: Any,
    websockets: bool,
    static_path: Any,
    log_access_fmt: str | None,
    ssl_ctx: Any,
    scope_opts: dict[str, Any],
    metrics: Any,
) -> None:
    """One worker process: granian's own WSGI worker (`MPServer._spawn_wsgi_worker`) except that
    the app is opened here (with a cleanup for when the worker stops) and the stop signals are
    taken with `sigwait`, blocked in every thread: Ctrl-C gives a worker SIGINT from the terminal
    and at once SIGTERM from the parent, and with Python handlers the worker could miss both
    (the second one reached a Rust thread, the main thread slept on) or, with granian's handler,
    block for ever (its WorkerSignal set twice)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # before any thread: they inherit it
    app, cleanup = callback(worker_id)  # in this process, after the fork: the store is its own
    try:
        stopping = WorkerSignal()
        drained = threading.Event()
        stopping.add_cb(drained.set)  # granian calls it once the requests in flight are answered
        worker = WSGIWorker(
            worker_id,
            sock,
            ipc,
            runtime_threads,
            runtime_blocking_threads,
            blocking_threads,
            blocking_threads_idle_timeout,
            backpressure,
            http_mode,
            http1_settings,
            http2_settings,
            static_path,
            *ssl_ctx,
            metrics,
        )
        serve = getattr(worker, WORKERS_METHODS[runtime_mode][False])
        serve(
            _new_cbscheduler(
                loop, _callback_wrapper(reading_refused_bodies(app), scope_opts, None), impl_asyncio=True
            ),
            loop,
            stopping,
        )
        signal.sigwait(STOP_SIGNALS)  # a second stop signal stays pending, unheeded
        stopping.set()
        drained.wait()
    finally:
        cleanup()


def serve(
    open_app: Callable[[int], tuple[ApiApp, Callable[[], None]]],
    host: str,
    port: int,
    *,
    workers: int,
    threads: int,
    tls: Tls | None = None,
    pin_cpus: bool = False,
    announce: Callable[[str], None] = print,
) -> int:
    """Serve until SIGTERM or SIGINT (the `custody serve` command); the exit status.

    `open_app(worker_number)` runs in each worker process after the fork and returns the app
    and what to do when the worker stops (close its store). With `pin_cpus`, worker n runs on
    the n-th CPU this process may use (in turn).
    """
    address, port, reservation = reserve(host, port)
    cpus = sorted(os.sched_getaffinity(0)) if pin_cpus else []

    def open_worker(number: int) -> tuple[ApiApp, Callable[[], None]]:
        if cpus:
            os.sched_setaffinity(0, {cpus[(number - 1) % len(cpus)]})  # its threads stay on one core
        return open_app(number)

    server = CustodyServer(
        "custody",
        address=address,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        blocking_threads_idle_timeout=IDLE_THREAD_SECONDS,
        runtime_threads=1,
        http=HTTPModes.http1,
        websockets=False,
        backlog=BACKLOG,
        backpressure=CONNECTIONS,
        http1_settings=http1(),
        log_dictconfig=_log_config(),
        log_access=False,  # the app logs one line per request itself (web.access)
        ssl_cert=tls.cert if tls else None,
        ssl_key=tls.key if tls else None,
        ssl_protocol_min=SSLProtocols.tls12,
        respawn_failed_workers=True,
        workers_kill_timeout=DRAIN_SECONDS,
    )
    server.on_startup(lambda: announce(address_url(address, port, tls is not None)))
    try:
        # the "target" granian loads in each worker is `open_worker` itself, called there with
        # the worker's number
        server.serve(spawn_target=_worker_main, target_loader=lambda: open_worker, wrap_loader=False)
    except SystemExit as stop:  # granian's way of saying the workers kept dying
        return stop.code if isinstance(stop.code, int) else 1
    finally:
        reservation.close()
    log.info("stopped")
    return 0


# --- in this process: tests, custody emulate and demo ------------------------------


@dataclass
class RunningServer:
    url: str
    stop: Callable[[], None]
    app: ApiApp


def start_in_thread(store: Store, host: str = "127.0.0.1", port: int = 0, threads: int = 4) -> RunningServer:
    """Serve `store` from granian's runtime in this process (tests, `custody emulate`);
    `stop()` closes the listener at once and returns when the requests in flight are answered."""
    app = make_app(store)
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
        bound = sock.getsockname()[:2]
    except BaseException:
        sock.close()
        raise
    holder = SocketHolder(sock.detach(), False, BACKLOG)  # granian owns (and closes) it from here
    loop = asyncio.new_event_loop()  # granian wants one; WSGI calls never run on it
    stopping = WorkerSignal()
    drained = threading.Event()
    stopping.add_cb(drained.set)
    worker = WSGIWorker(
        1,
        (None, holder),
        None,
        1,
        512,
        threads,
        IDLE_THREAD_SECONDS,
        CONNECTIONS,
        HTTPModes.http1.value,
        http1(),
        None,
        None,
        False,
        None,
        None,
        None,
        SSLProtocols.tls12.value,
        None,
        [],
        False,
        (None, None),
    )
    worker.serve_mtr(
        _new_cbscheduler(loop, _callback_wrapper(reading_refused_bodies(app), {}, None), impl_asyncio=True),
        loop,
        stopping,
    )
    once = threading.Lock()
    stopped = [False]

    def stop() -> None:
        with once:  # a WorkerSignal set twice blocks forever
            if not stopped[0]:
                stopped[0] = True
                stopping.set()
        if not drained.wait(DRAIN_SECONDS + 10):
            log.warning(
                "stopped with %s request(s) still in flight after %.0f s", app.in_flight, DRAIN_SECONDS
            )
        loop.close()
        store.connections.close_orphans()  # the server threads' connections (custody.store.orphans)

    return RunningServer(address_url(*bound), stop, app)
