"""Running the app on waitress, configured explicitly, and stopping it cleanly.

waitress binds 0.0.0.0 when given no host and takes bodies of any size unless
told (DESIGN.md's known traps), so the host, the thread count and the body
and header limits are always set here. Stopping (SIGTERM, SIGINT or `stop()`)
closes the listening socket at once, then lets the requests in flight finish
and their answers go out before the workers stop: a scan that was committed
is answered.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import waitress
from waitress import wasyncore

from custody.store.core import Store
from web.app import BODY_LIMIT, ApiApp, make_app

log = logging.getLogger(__name__)

# waitress itself refuses (413, plain text) bodies over this; the app answers JSON 413 above BODY_LIMIT
SERVER_BODY_LIMIT = 4 * BODY_LIMIT
HEADER_LIMIT = 16 * 1024
DRAIN_SECONDS = 30.0
LOOP_SECONDS = 0.2


def create_server(app: ApiApp, host: str, port: int, threads: int, sock: socket.socket | None = None) -> Any:
    """A waitress server bound to host:port (port 0: a free one), or on a listening socket
    `sock` opened already (shared by worker processes); not running yet."""
    where: dict[str, Any] = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    return waitress.create_server(
        app,
        **where,
        threads=threads,
        max_request_body_size=SERVER_BODY_LIMIT,
        max_request_header_size=HEADER_LIMIT,
        channel_timeout=120,
        connection_limit=256,
        ident="custody",
        clear_untrusted_proxy_headers=True,
        expose_tracebacks=False,
        asyncore_use_poll=True,
    )


def url_of(server: Any) -> str:
    return address_url(server.effective_host, server.effective_port)


def address_url(host: str, port: int) -> str:
    """The base URL of host:port (an IPv6 address in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run(server: Any, app: ApiApp, stop: threading.Event, drain_seconds: float = DRAIN_SECONDS) -> None:
    """Serve until `stop` is set, then drain: no new connections, requests in flight finish."""
    the_map = server._map
    try:
        while not stop.is_set():
            wasyncore.loop(timeout=LOOP_SECONDS, map=the_map, use_poll=True, count=1)
        log.info("stopping: no new connections; finishing %s request(s) in flight", app.in_flight)
        server.del_channel()
        server.socket.close()
        deadline = time.monotonic() + drain_seconds
        while time.monotonic() < deadline:
            busy = False
            for channel in list(server.active_channels.values()):
                if channel.requests or channel.total_outbufs_len or channel.request is not None:
                    busy = True
                else:
                    channel.handle_close()  # idle keep-alive connection
            if not busy and app.in_flight == 0:
                break
            wasyncore.loop(timeout=0.05, map=the_map, use_poll=True, count=1)
        else:
            log.warning(
                "stopped with %s request(s) still in flight after %.0f s", app.in_flight, drain_seconds
            )
    finally:
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        wasyncore.close_all(the_map)
    log.info("stopped")


def serve(store: Store, host: str, port: int, threads: int, announce: Callable[[str], None] = print) -> None:
    """Serve in the foreground until SIGTERM or SIGINT (the `custody serve` command)."""
    app = make_app(store)
    server = create_server(app, host, port, threads)
    serve_until_signalled(server, app, ready=lambda: announce(url_of(server)))


def serve_until_signalled(server: Any, app: ApiApp, ready: Callable[[], object] | None = None) -> None:
    """Run `server` until SIGTERM or SIGINT, then drain; `ready` is called once the handlers are set."""
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        # no logging here: the handler may interrupt the main thread inside a logging call
        stop.set()
        server.pull_trigger()  # wake the loop now (no lock is taken without a thunk)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        if ready is not None:
            ready()
        run(server, app, stop)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@dataclass
class RunningServer:
    url: str
    stop: Callable[[], None]
    app: ApiApp


def start_in_thread(store: Store, host: str = "127.0.0.1", port: int = 0, threads: int = 4) -> RunningServer:
    """Serve from a background thread (tests, `custody emulate`); `stop()` drains and joins it."""
    app = make_app(store)
    server = create_server(app, host, port, threads)
    stop_event = threading.Event()
    thread = threading.Thread(target=run, args=(server, app, stop_event), name="custody-server", daemon=True)
    thread.start()

    def stop() -> None:
        stop_event.set()
        server.pull_trigger()
        thread.join(DRAIN_SECONDS + 10)

    return RunningServer(url_of(server), stop, app)
