"""CLI: `custody serve`, and a service started in-process for `custody emulate`."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from custody.actions import core as actions
from custody.errors import CustodyError
from custody.store.core import Store

if TYPE_CHECKING:
    from custody.closing.schedule import ClosingScheduler


def register(cli: click.Group) -> None:
    cli.add_command(serve)


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 only behind TLS (tokens travel in every request).",
)
@click.option(
    "--port",
    default=8750,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port; 0 picks a free one (the URL is printed).",
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker threads (each keeps its own database connection); about one per busy station.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Worker processes sharing the port (each with --threads threads); "
    "one per CPU core for a busy office.",
)
@click.option(
    "--pin-cpus",
    is_flag=True,
    help="With --workers: keep each worker on one CPU (worker n on the n-th, in turn); "
    "measured to cut the slowest answers on a busy 2-core machine.",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="Log one line per request on stderr.",
)
@click.pass_obj
def serve(obj, host: str, port: int, threads: int, workers: int, pin_cpus: bool, access_log: bool) -> None:
    """Run the scan API and web service until SIGTERM or Ctrl-C (requests in flight finish).

    Prints "serving on URL" once it listens. Scanner agents post to URL/api/v1/scans
    with their station's token (custody station add / rotate). With --workers N,
    N processes answer on the same port, a parent process supervises them (and starts
    another if one crashes), and the closing sweep runs in one more process.

    \b
    Example:
      custody serve --host 127.0.0.1 --port 8750 --threads 8
      custody serve --workers 2 --threads 8 --pin-cpus
      curl http://127.0.0.1:8750/api/v1/health
    """
    from web import server

    if pin_cpus and workers == 1:
        raise click.UsageError(
            obj.t("--pin-cpus 需与 --workers 2 或更多一起使用", "--pin-cpus goes with --workers 2 or more")
        )
    if access_log:
        logging.getLogger("web").setLevel(logging.INFO)
    logging.getLogger("web.server").setLevel(logging.INFO)
    logging.getLogger("web.workers").setLevel(logging.INFO)
    store = obj.store()
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo(
            obj.t(
                f"注意：在 {host} 上监听；令牌以明文传输，请置于 TLS 之后",
                f"note: listening on {host}; tokens travel in clear text, put TLS in front",
            ),
            err=True,
        )
    announce = lambda url: click.echo(f"serving on {url}")  # noqa: E731
    if workers > 1:
        from web.workers import serve_workers

        store.close()  # opened to check the database; every child opens its own
        code = serve_workers(
            obj.reopen,
            host,
            port,
            threads,
            workers,
            announce=announce,
            others={"closing-sweep": lambda: _closing_sweep(obj.reopen)},
            pin_cpus=pin_cpus,
        )
        if code:
            raise CustodyError(
                "服务的子进程接连退出，已停止（见日志）",
                "the service's child processes kept dying; stopped (see the log)",
            )
        return
    scheduler = _closing_scheduler(store)
    scheduler.start()
    try:
        server.serve(store, host, port, threads, announce=announce)
    finally:
        scheduler.stop()


def _closing_scheduler(store: Store) -> ClosingScheduler:
    """The automatic closing sweep of each station, and its notifications (P6)."""
    from custody.closing.schedule import ClosingScheduler

    return ClosingScheduler(lambda: store, store.clock, interval=30)


def _closing_sweep(open_store: Callable[[], Store]) -> None:
    """The closing scheduler in a process of its own (`serve --workers`), until SIGTERM or SIGINT."""
    import signal

    from web.workers import STOP_SIGNALS

    store = open_store()
    scheduler = _closing_scheduler(store)
    scheduler.start()  # its thread keeps the stop signals blocked, as this one does
    try:
        signal.sigwait(STOP_SIGNALS)
    finally:
        scheduler.stop()
        store.close()


def start_local_service(
    db: str | Path | Store, station_name: str, *, actor: str = "cli:emulate", threads: int = 4
) -> tuple[str, str, Callable[[], None]]:
    """Start the service in this process on a free port of 127.0.0.1 and issue `station_name`
    a fresh token (recorded in the ledger; the station's old token stops working).

    `db` is an opened Store, a database URL, or a custody home directory.
    Returns (base URL, token, stop); `stop()` lets requests in flight finish.
    """
    from web.server import start_in_thread

    opened = not isinstance(db, Store)
    if isinstance(db, Store):
        store = db
    else:
        text = str(db)
        store = Store.open(
            text if "://" in text else f"sqlite:///{Path(text).expanduser() / 'custody.store.db'}"
        )
    try:
        token = actions.rotate_token(store, station_name, actor=actor)
        running = start_in_thread(store, "127.0.0.1", 0, threads)
    except BaseException:
        if opened:
            store.close()
        raise

    def stop() -> None:
        running.stop()
        if opened:
            store.close()

    try:
        wait_healthy(running.url)
    except BaseException:
        stop()
        raise
    return running.url, token, stop


def wait_healthy(url: str, timeout: float = 15.0) -> None:
    """Poll the health endpoint until it answers 200, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2) as response:
                if response.status == 200 and json.load(response).get("status") == "ok":
                    return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(0.05)
    raise TimeoutError(f"the service at {url} did not answer its health check: {last}")
