"""How fast does the scan service answer N stations at once (SQLite, synchronous=FULL)?

N concurrent stations (1, 8, 32 by default) each post badge / check-out / return sequences to a
real `custody serve` over keep-alive HTTP (driven from client processes of four stations each,
so that the client's own GIL is not what is measured); prints scans per second and p50/p99
latency beside two baselines measured in the same run on the same disk:

  (a) raw durable single-row SQLite commits (one connection, WAL, synchronous=FULL);
  (b) a bare bottle endpoint doing one durable insert per request (a connection kept open per
      thread, writes serialised by one lock), on granian — the service's engine — and, for
      reference, on waitress (the service's previous engine); the two are run one after the other
      at each station count, so that both meet the same minute of the machine.

`x1` is (b) as a single process, the baseline the aims are stated against; `xW` is (b) with as
many processes as the scan service has workers (granian's workers; waitress forked onto one
socket; between processes only SQLite's own lock serialises the writes). The two ratio columns are
the scan service over granian's (b)x1 and (b)xW. `cpu` is the CPU time (user + system) per request
of the server and its worker processes. Afterwards the ledger is verified (`custody verify`'s
check). Every server gets the same threads per process (`--threads`); `--pin-cpus` pins the
service's workers (`custody serve --pin-cpus`). Any answer but 200 stops the run.

With `--pg URL` (a PostgreSQL server the user may create databases on) the scan service keeps its
records there instead, in a database made for each run and dropped after it; the baselines stay
SQLite on the disk, so the ratios then compare the service on PostgreSQL with (b) on SQLite.

    python bench/bench_scans.py [--stations 1,8,32] [--seconds 5] [--threads 4] [--workers 1,2]
                                [--pin-cpus] [--dir DIR] [--pg postgresql://user@host:port/db]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
ITEMS_PER_STATION = 3
STATIONS_PER_CLIENT = 4  # stations driven by one client process

BARE_SERVER = r"""
import os, signal, socket, sqlite3, sys, threading
import bottle
path, threads, processes, engine = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
local = threading.local()
lock = threading.Lock()

def conn():
    if not hasattr(local, "db"):
        local.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        local.db.execute("PRAGMA journal_mode=wal")
        local.db.execute("PRAGMA synchronous=full")
        local.db.execute("PRAGMA busy_timeout=15000")
    return local.db

app = bottle.Bottle()

@app.post("/api/v1/scans")
def scan():
    body = bottle.request.json
    db = conn()
    with lock:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO scan (scan_id, code) VALUES (?, ?)", (body["scan_id"], body["code"]))
        db.execute("COMMIT")
    return {"scan_id": body["scan_id"], "outcome": "unknown", "duplicate": False}

@app.get("/api/v1/health")
def health():
    return {"status": "ok"}

setup = sqlite3.connect(path)
setup.execute("PRAGMA journal_mode=wal")
setup.execute("CREATE TABLE IF NOT EXISTS scan (id INTEGER PRIMARY KEY, scan_id TEXT UNIQUE, code TEXT)")
setup.close()
if engine == "granian":
    # granian's own workers (processes > 1: each binds the port with SO_REUSEPORT, as custody serve
    # does); between processes only SQLite's own lock serialises the writes
    from granian.constants import HTTPModes, Interfaces
    from granian.server import Server
    from web.server import reserve
    host, port, reservation = reserve("127.0.0.1", 0)
    server = Server("bare", address=host, port=port, interface=Interfaces.WSGI, workers=processes,
                    blocking_threads=threads, http=HTTPModes.http1, websockets=False, log_enabled=False)
    server.on_startup(lambda: print(f"serving on http://127.0.0.1:{port}", flush=True))
    server.serve(target_loader=lambda: app, wrap_loader=False)
    raise SystemExit(0)
import waitress
# processes > 1: forked after binding, sharing the socket; between processes only SQLite's own
# lock serialises the writes
sock = socket.create_server(("127.0.0.1", 0))
sock.setblocking(False)
print(f"serving on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
for _ in range(processes - 1):
    if os.fork() == 0:
        break
server = waitress.create_server(app, sockets=[sock], threads=threads, max_request_body_size=65536, ident="bare")
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
server.run()
"""


# --- baselines ------------------------------------------------------------------


def raw_commits(path: Path, seconds: float) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=wal")
    db.execute("PRAGMA synchronous=full")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (v) VALUES (?)", (f"row {n}",))
        db.execute("COMMIT")
        n += 1
    elapsed = time.perf_counter() - start
    db.close()
    return n / elapsed


# --- servers ----------------------------------------------------------------------


class Server:
    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        m = re.search(r"serving on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise SystemExit(f"server did not start: {line!r}")
        self.url = m.group(1)

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server and its worker processes have used so far (Linux /proc),
        else None."""
        total, todo = 0, [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                if pid == self.proc.pid:
                    return None
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)

    def stop_tree(self) -> None:
        """Stop a server whose worker processes do not stop with it (the bare endpoint's)."""
        for pid in self.children():
            os.kill(pid, signal.SIGTERM)
        self.stop()

    def children(self) -> list[int]:
        try:
            return [
                int(c)
                for task in Path(f"/proc/{self.proc.pid}/task").iterdir()
                for c in (task / "children").read_text().split()
            ]
        except OSError:
            return []


# --- load -------------------------------------------------------------------------


def station_loop(
    url: str,
    token: str,
    badge: str,
    codes: list[str],
    start_at: float,
    stop_at: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    """One station: badge, check out each item, return each, again and again until `stop_at`."""
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    sequence = [badge, *codes, *codes]
    mine: list[float] = []
    time.sleep(max(0.0, start_at - time.time()))  # all stations start together
    while time.time() < stop_at:
        for code in sequence:
            body = json.dumps({"code": code, "scan_id": str(uuid.uuid4())})
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/scans", body, headers)
            response = conn.getresponse()
            data = response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                errors.append(f"{response.status} {data[:200]!r}")
                return
    conn.close()
    latencies.extend(mine)


def client_process(
    url: str, stations: list[tuple[str, str, list[str]]], start_at: float, stop_at: float, out: Connection
) -> None:
    """A process driving a few stations on threads (one Python process for all stations would make
    the client's own GIL the bottleneck at 32 stations)."""
    latencies: list[float] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=station_loop, args=(url, *st, start_at, stop_at, latencies, errors))
        for st in stations
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send((latencies, errors))
    out.close()


def run_load(
    server: Server,
    stations: list[tuple[str, str, list[str]]],
    seconds: float,
    per_client: int = STATIONS_PER_CLIENT,
) -> dict[str, float]:
    ctx = multiprocessing.get_context("fork")
    groups = [stations[i : i + per_client] for i in range(0, len(stations), per_client)]
    start_at = time.time() + 0.5 + 0.05 * len(groups)  # after every client process is up
    stop_at = start_at + seconds
    pipes, procs = [], []
    for group in groups:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=client_process, args=(server.url, group, start_at, stop_at, send))
        proc.start()
        send.close()
        pipes.append(receive)
        procs.append(proc)
    time.sleep(max(0.0, start_at - time.time()))
    cpu0 = server.cpu_seconds()
    t0 = time.perf_counter()
    latencies: list[float] = []
    errors: list[str] = []
    for receive in pipes:
        got, bad = receive.recv()
        latencies.extend(got)
        errors.extend(bad)
    elapsed = time.perf_counter() - t0
    cpu1 = server.cpu_seconds()
    for proc in procs:
        proc.join()
    if errors:
        raise SystemExit(f"errors under load: {errors[:3]}")
    latencies.sort()
    cpu = (cpu1 - cpu0) / len(latencies) * 1e6 if cpu0 is not None and cpu1 is not None else float("nan")
    return {
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        "n": len(latencies),
        "cpu": cpu,
    }


@contextmanager
def service_database(home: Path, pg: str | None, name: str) -> Iterator[str]:
    """The scan service's database URL: SQLite in `home`, or a fresh database on the `pg` server
    (dropped afterwards)."""
    if not pg:
        yield f"sqlite:///{home / 'custody.db'}"
        return
    import psycopg2

    admin = psycopg2.connect(pg)
    admin.autocommit = True
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield pg.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def setup_office(url: str, n: int) -> list[tuple[str, str, list[str]]]:
    from custody.actions import core as actions
    from custody.store.core import Store

    store = Store.open(url, create=True)
    stations = []
    for i in range(n):
        name = f"阅文室{i:02d}"
        _, token = actions.add_station(store, name, "reading-room", actor="bench")
        actions.add_person(store, f"人员{i:02d}", badge=f"P{i:03d}", clearance="secret", actor="bench")
        codes = [
            it.code
            for it in actions.receive(
                store, title=f"文件{i}", level="secret", copies=ITEMS_PER_STATION, home=name, actor="bench"
            )
        ]
        stations.append((token, f"P{i:03d}", codes))
    store.close()
    return stations


def verify_ledger(url: str) -> str:
    from custody.ledger.verify import verify
    from custody.store.core import Store

    store = Store.open(url)
    try:
        report = verify(store)
    finally:
        store.close()
    return f"ledger intact: {report.events} events" if report.ok else f"LEDGER BROKEN: {report.problem}"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--stations", default="1,8,32", help="comma-separated station counts")
    ap.add_argument("--seconds", type=float, default=5.0, help="load duration per measurement")
    ap.add_argument("--threads", type=int, default=4, help="Python threads per process, for every server")
    ap.add_argument(
        "--workers",
        default="1,2",
        help="comma-separated worker process counts for the scan "
        "service (custody serve --workers) and for (b)xW",
    )
    ap.add_argument(
        "--pin-cpus", action="store_true", help="custody serve --pin-cpus (with --workers 2 or more)"
    )
    ap.add_argument("--dir", default=None, help="directory on the disk to measure (default: a temp dir)")
    ap.add_argument(
        "--pg",
        default=None,
        metavar="URL",
        help="keep the scan service's records on this PostgreSQL server (a database per run)",
    )
    ap.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="run the scan service from this copy of the source tree (PYTHONPATH=DIR) instead of the "
        "current one; repeated, the trees take turns at each station count: before and after a change "
        "in one run",
    )
    args = ap.parse_args()
    trees = [tuple(t.split("=", 1)) for t in args.tree] or [("", None)]
    counts = [int(x) for x in args.stations.split(",")]
    worker_counts = [int(x) for x in args.workers.split(",")]
    base = Path(tempfile.mkdtemp(prefix="bench-scans-", dir=args.dir))

    print(
        f"disk: {base}   server threads: {args.threads}   {args.seconds:.0f} s per run   "
        f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs"
    )
    if args.pg:
        print("the scan service on PostgreSQL; the baselines on SQLite")
    raw = raw_commits(base / "raw.db", args.seconds)
    print(f"(a) raw durable single-row commits: {raw:7.0f} /s")
    print()
    print(
        f"{'':>8} {'':>7}   {'(b) waitress':^23}   {'(b) granian':^30}   {'the scan service (granian)':^33}"
    )
    print(
        f"{'stations':>8} {'workers':>7}   {'x1 /s':>7} {'xW /s':>7} {'p99':>7}   {'x1 /s':>7} {'xW /s':>7} "
        f"{'p99':>7} {'cpu':>6}   {'scans /s':>8} {'p50':>6} {'p99':>7} {'cpu':>7}   {'/(b)x1':>6} {'/(b)xW':>6}"
    )
    for n in counts:
        fake = [("-", f"BADGE{i}", [f"CODE{i}-{k}" for k in range(ITEMS_PER_STATION)]) for i in range(n)]
        bare: dict[tuple[str, int], dict[str, float]] = {}
        for w in sorted({1, *worker_counts}):
            for engine in ("granian", "waitress"):  # interleaved: both on the same minute of the machine
                server = Server(
                    [
                        sys.executable,
                        "-c",
                        BARE_SERVER,
                        str(base / f"bare-{engine}-{n}-{w}.db"),
                        str(args.threads),
                        str(w),
                        engine,
                    ],
                    env={"PYTHONPATH": str(ROOT)},
                )
                try:
                    bare[engine, w] = run_load(server, fake, args.seconds)
                finally:
                    server.stop_tree() if engine == "waitress" else server.stop()
        for w, (tree, tree_dir) in ((w, t) for w in worker_counts for t in trees):
            home = base / f"home-{n}-{w}{'-' + tree if tree else ''}"
            with service_database(home, args.pg, f"bench_scans_{n}_{w}{'_' + tree if tree else ''}") as url:
                stations = setup_office(url, n)
                real = Server(
                    [
                        sys.executable,
                        "-c",
                        "from custody.cli.main import main; main()",
                        "serve",
                        "--port",
                        "0",
                        "--threads",
                        str(args.threads),
                        "--workers",
                        str(w),
                        "--no-access-log",
                        *(["--pin-cpus"] if args.pin_cpus and w > 1 else []),
                    ],
                    env={
                        "CUSTODY_HOME": str(home),
                        "CUSTODY_DB": url,
                        **({"PYTHONPATH": str(tree_dir)} if tree_dir else {}),
                    },
                )
                try:
                    s = run_load(real, stations, args.seconds)
                finally:
                    real.stop()
                g1, gw, wa1, waw = (
                    bare["granian", 1],
                    bare["granian", w],
                    bare["waitress", 1],
                    bare["waitress", w],
                )
                print(
                    f"{n:>8} {w:>7}{(' ' + tree) if tree else ''}   {wa1['rate']:>7.0f} {waw['rate']:>7.0f} {waw['p99']:>5.0f}ms   "
                    f"{g1['rate']:>7.0f} {gw['rate']:>7.0f} {gw['p99']:>5.1f}ms {gw['cpu']:>4.0f}µs   "
                    f"{s['rate']:>8.0f} {s['p50']:>4.1f}ms {s['p99']:>5.1f}ms {s['cpu']:>5.0f}µs   "
                    f"{s['rate'] / g1['rate']:>6.0%} {s['rate'] / gw['rate']:>6.0%}   ({verify_ledger(url)})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
