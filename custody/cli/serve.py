"""CLI: `custody serve`, and a service started in-process for `custody emulate`."""

from __future__ import annotations

import ipaddress
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from custody.actions import stations as station_actions
from custody.errors import CustodyError, InvalidInput, NotFound
from custody.store.core import Store

if TYPE_CHECKING:
    from custody.closing.schedule import ClosingScheduler
    from web.app import ApiApp

# measured on the 2-core machine of docs/performance.md: two workers of 4 threads answered the
# most scans with the lowest tails at 8 and 32 stations
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4


def register(cli: click.Group) -> None:
    cli.add_command(serve)


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; beyond loopback only with --tls-cert (tokens travel in every request).",
)
@click.option(
    "--port",
    default=8750,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port; 0 picks a free one (the URL is printed).",
)
@click.option(
    "--workers",
    default=DEFAULT_WORKERS,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Worker processes answering on the port; one per CPU core for a busy office "
    "(a Python process runs Python on one core at a time).",
)
@click.option(
    "--threads",
    default=DEFAULT_THREADS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Python threads per worker (each keeps its own database connection); "
    "more than 4 measured no faster on one core, only slower at the tail.",
)
@click.option(
    "--pin-cpus",
    is_flag=True,
    help="With --workers: keep each worker on one CPU (worker n on the n-th, in turn).",
)
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Serve https with this certificate (PEM; with --tls-key).",
)
@click.option(
    "--tls-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The certificate's private key (PEM, unencrypted).",
)
@click.option(
    "--admin-token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file holding the bearer token of the lifecycle routes (copy, destroy, requests …); "
    "without it they answer 403 and those actions stay with the CLI on this machine.",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="Log one line per request on stderr.",
)
@click.pass_obj
def serve(
    obj,
    host: str,
    port: int,
    workers: int,
    threads: int,
    pin_cpus: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
    admin_token_file: Path | None,
    access_log: bool,
) -> None:
    """Run the scan API and web service until SIGTERM or Ctrl-C (requests in flight finish).

    Prints "serving on URL" once it listens. Scanner agents post to URL/api/v1/scans
    with their station's token (custody station add / rotate). The service runs on
    granian: a parent process supervises --workers processes (and starts another if
    one crashes); the closing sweep runs in worker 1 only. The defaults (2 workers of
    4 threads) were measured best on a 2-core machine; on 4 or more cores use one
    worker per core (docs/performance.md).

    \b
    Example:
      custody serve --host 127.0.0.1 --port 8750 --threads 4
      custody serve --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem
      custody serve --workers 4 --threads 4 --pin-cpus
      curl http://127.0.0.1:8750/api/v1/health
    """
    from web import server

    if pin_cpus and workers == 1:
        raise click.UsageError(obj.t("--pin-cpus goes with --workers 2 or more"))
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError(obj.t("give --tls-cert and --tls-key together"))
    admin_token = _admin_token(admin_token_file)
    if access_log:
        logging.getLogger("web").setLevel(logging.INFO)
    logging.getLogger("web.server").setLevel(logging.INFO)
    from custody.cli.main import OfficeTimeFormatter

    OfficeTimeFormatter.use(obj.tz())  # the access log in the office's time zone
    obj.store().close()  # opened to check the database; every worker opens its own after the fork
    if tls_cert is None and not _is_loopback(host):
        click.echo(
            obj.t(
                "note: listening on {host} without TLS; tokens travel in clear text: use --tls-cert/--tls-key",
                host=host,
            ),
            err=True,
        )

    def open_worker(number: int) -> tuple[ApiApp, Callable[[], None]]:
        """In worker `number`'s process: its own store and app; worker 1 runs the closing sweep."""
        from web.app import make_app

        store = obj.reopen()
        scheduler = _closing_scheduler(store) if number == 1 else None
        if scheduler is not None:
            scheduler.start()

        def close() -> None:
            if scheduler is not None:
                scheduler.stop()
            store.close()

        return make_app(store, admin_token=admin_token, secure=tls_cert is not None), close

    code = server.serve(
        open_worker,
        host.strip("[]"),
        port,
        workers=workers,
        threads=threads,
        tls=server.Tls(tls_cert, tls_key) if tls_cert and tls_key else None,
        pin_cpus=pin_cpus,
        announce=lambda url: click.echo(f"serving on {url}"),
    )
    if code:
        raise CustodyError("the service's worker processes kept dying; stopped (see the log)")


MIN_ADMIN_TOKEN = 24  # characters: a token anyone could guess protects nothing


def _admin_token(path: Path | None) -> str | None:
    """The admin token from its file (first line, stripped); refused when too short to be secret."""
    if path is None:
        return None
    token = path.read_text(encoding="utf-8").strip().splitlines()[0].strip() if path.stat().st_size else ""
    if len(token) < MIN_ADMIN_TOKEN:
        raise InvalidInput(
            "the admin token in {file} is {length} characters long: at least {least}, e.g. from "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`",
            file=str(path),
            length=len(token),
            least=MIN_ADMIN_TOKEN,
        )
    return token


def _is_loopback(host: str) -> bool:
    """127.x, ::1 (bracketed or not) and localhost: no warning for listening there without TLS."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _closing_scheduler(store: Store) -> ClosingScheduler:
    """The automatic closing sweep of each station, and its notifications (P6)."""
    from custody.closing.schedule import ClosingScheduler

    return ClosingScheduler(lambda: store, store.clock, interval=30)


def start_local_service(
    db: str | Path | Store, station_name: str, *, actor: str = "cli:emulate", threads: int = 4
) -> tuple[str, str, Callable[[], None]]:
    """Start the service in this process on a free port of 127.0.0.1 with a device token of its own
    for `station_name` (device `emulate-<host>-<pid>`, recorded in the ledger); the station's other
    devices' tokens keep working (a running agent is not cut off). `stop()` lets requests in flight
    finish and revokes that token.

    `db` is an opened Store, a database URL, or a custody home directory.
    Returns (base URL, token, stop).
    """
    from web.server import start_in_thread

    opened = not isinstance(db, Store)
    if isinstance(db, Store):
        store = db
    else:
        text = str(db)
        store = Store.open(text if "://" in text else f"sqlite:///{Path(text).expanduser() / 'custody.db'}")
    device = emulator_device()
    token = ""
    try:
        token = station_actions.add_device_token(store, station_name, device, actor=actor)
        running = start_in_thread(store, "127.0.0.1", 0, threads)
    except BaseException:
        if token:
            station_actions.revoke_device_token(store, station_name, device, actor=actor)
        if opened:
            store.close()
        raise

    def stop() -> None:
        try:
            running.stop()
            try:
                station_actions.revoke_device_token(store, station_name, device, actor=actor)
            except NotFound:  # revoked meanwhile (custody station token revoke)
                pass
        finally:
            if opened:
                store.close()

    try:
        wait_healthy(running.url)
    except BaseException:
        stop()
        raise
    return running.url, token, stop


def emulator_device() -> str:
    """The device name of an emulated scanner's own token: `emulate-<host>-<pid>`."""
    import os
    import socket

    host = "".join(c for c in socket.gethostname() if c.isalnum() or c in "-_.")[:32] or "host"
    return f"emulate-{host}-{os.getpid()}"


def wait_healthy(url: str, timeout: float = 15.0, ca: str | None = None) -> None:
    """Poll the health endpoint until it answers 200, or raise TimeoutError; `ca`: the
    certificate (PEM file) an https service is checked against."""
    import ssl

    context = ssl.create_default_context(cafile=ca) if ca else None
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2, context=context) as response:
                if response.status == 200 and json.load(response).get("status") == "ok":
                    return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(0.05)
    raise TimeoutError(f"the service at {url} did not answer its health check: {last}")
