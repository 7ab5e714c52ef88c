"""Where one scan's CPU goes: per step and per SQL statement, in-process, through the real WSGI app.

N stations (4 by default) each post badge / check-out / return sequences to `web.app.make_app` on an
SQLite file (or `--pg URL`: a database made for the run and dropped after it), called directly as a
WSGI application — no HTTP server, no client on the same cores — so what is printed is the scan's
own cost. Three passes over the same sequence of scans:

  1. plain: CPU (process time) and wall time per scan, no instrumentation;
  2. counted: every statement through `store.db.execute_sql`, by kind (its SQL's first words), with
     its count per scan and the time spent in it (the driver's work included);
  3. profiled (cProfile): the inclusive time of each step of the scan, per scan, as a share of the
     profiled total (cProfile inflates Python-heavy steps; read the shares, and the plain pass for
     the absolute figure).

    python bench/profile_scan.py [--scans 3000] [--stations 4] [--pg URL] [--top 25]
    python bench/profile_scan.py --compare before=DIR --compare after=. [--rounds 5]

`--compare` runs the plain and counted passes of each source tree in turns, in fresh processes,
several rounds, and prints each round's CPU per scan: before and after a change on the same minute
of a shared machine.

A script, not a test: nothing here asserts a time. The statement count per scan is asserted in
tests/test_scan_cache.py.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if "--tree" in sys.argv:  # the source tree to profile (a copy from before a change, say)
    sys.path.insert(0, sys.argv[sys.argv.index("--tree") + 1])
else:
    sys.path.insert(0, str(ROOT))

from custody.actions import core as actions  # noqa: E402
from custody.store.core import Store  # noqa: E402
from web.app import make_app  # noqa: E402

ITEMS_PER_STATION = 3

# (step, the functions whose inclusive time it is: "module-path-suffix:function")
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("the whole request (WSGI app)", ("web/app.py:wsgi",)),
    ("  headers, auth: token lookup (+ version, settings)", ("web/app.py:_station_and_language",)),
    ("  body: read and validate the JSON", ("web/api.py:json",)),
    ("  the scan (submit: transaction, commit included)", ("custody/scan/station.py:submit_batch",)),
    ("    group commit: the job in BEGIN … COMMIT", ("custody/store/db.py:_run",)),
    ("      COMMIT (WAL append and fsync: CPU only)", ("peewee.py:commit",)),
    ("    station state: session, scan_id, code, item", ("custody/scan/state.py:station_state",)),
    ("    code in its other forms (resolve)", ("custody/scan/state.py:resolve",)),
    ("    badge: open / continue the session", ("custody/scan/station.py:_badge",)),
    ("    check-out (facts, rules, ledger, item)", ("custody/actions/loans.py:check_out",)),
    ("    return (facts, rules, ledger, item)", ("custody/actions/loans.py:return_item",)),
    (
        "      facts: item and person",
        ("custody/actions/items.py:item_facts", "custody/actions/people.py:person_facts"),
    ),
    (
        "      rules: decide",
        ("custody/rules/loans.py:decide_check_out", "custody/rules/loans.py:decide_return"),
    ),
    ("      ledger append (head, hash, insert)", ("custody/ledger/chain.py:append",)),
    ("        canonical JSON + SHA-256", ("custody/ledger/chain.py:event_hash",)),
    ("      item state update", ("custody/actions/loans.py:set_state",)),
    (
        "    session writes (open, touch)",
        ("custody/actions/scan.py:open_session", "custody/actions/scan.py:touch_session"),
    ),
    ("    message rendering (gettext)", ("custody/actions/outcome.py:message",)),
    ("      catalog load (Babel, once per process)", ("custody/messages/__init__.py:_load",)),
    (
        "    answer shapes: item and person JSON",
        ("custody/scan/station.py:_item_json", "custody/scan/station.py:person_json"),
    ),
    ("    stored scan row (answer JSON, insert)", ("custody/actions/scan.py:store_scan",)),
    ("  the response JSON", ("web/app.py:_json",)),
)


def setup(url: str, n: int) -> list[tuple[str, str, list[str]]]:
    store = Store.open(url, create=True)
    stations = []
    for i in range(n):
        name = f"阅文室{i:02d}"
        _, token = actions.add_station(store, name, "reading-room", actor="bench")
        actions.add_person(store, f"人员{i:02d}", badge=f"P{i:03d}", clearance="secret", actor="bench")
        items = actions.receive(
            store, title=f"文件{i}", level="secret", copies=ITEMS_PER_STATION, home=name, actor="bench"
        )
        stations.append((token, f"P{i:03d}", [it.code for it in items]))
    store.close()
    return stations


def requests(stations: list[tuple[str, str, list[str]]], scans: int) -> Iterator[tuple[str, str]]:
    """(token, code) in the benchmark's order: each station badge, its items out, back, again;
    the stations take turns scan by scan (as concurrent stations would)."""
    sequences = [[(token, code) for code in (badge, *codes, *codes)] for token, badge, codes in stations]
    k = 0
    while True:
        for seq in sequences:
            yield seq[k % len(seq)]
            scans -= 1
            if scans == 0:
                return
        k += 1


def post(app: Callable[..., Any], token: str, code: str) -> tuple[str, bytes]:
    body = json.dumps({"code": code, "scan_id": str(uuid.uuid4())}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/scans",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8750",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status: list[str] = []
    out = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    return status[0], out


def kind(sql: str) -> str:
    """A statement's kind: its first words, up to the first table it names (and the setting key or
    the compiled query's first selected table, which tell the scan path's SELECTs apart)."""
    text = " ".join(sql.split())
    m = re.match(
        r"(?i)(INSERT INTO|UPDATE|DELETE FROM|BEGIN\w*|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\s*(\"?\w+\"?)?",
        text,
    )
    if m:
        return " ".join(p for p in m.groups() if p).replace('"', "")
    if text.upper().startswith("SELECT"):
        outer = _outside_parentheses(text)
        m = re.search(r"(?i)\bFROM (\"?\w+\"?)", outer)
        what = re.match(r"(?i)SELECT (.*?) FROM", outer)
        shown = what.group(1) if what and len(what.group(1)) <= 24 else "…"
        extra = " + joins" if " JOIN " in outer.upper() else ""
        sub = " + subqueries" if "(SELECT" in text.upper() else ""
        where = re.search(r"(?i)\bWHERE \(*\"?(\w+)\"?\.?\"?(\w*)", outer)
        by = f" by {where.group(2) or where.group(1)}" if where else ""
        table = m.group(1) if m else "?"
        return f"SELECT {shown} FROM {table}{by}{extra}{sub}".replace('"', "")
    return text[:60]


def _outside_parentheses(text: str) -> str:
    """The text with every parenthesised part replaced by `(…)` (subqueries, function calls)."""
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            if depth == 0:
                out.append("(…)")
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


@contextmanager
def counting(store: Store) -> Iterator[dict[str, list[float]]]:
    """Count (and time) every statement through `store.db.execute_sql`, by kind."""
    seen: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    db = store.db
    original = db.execute_sql

    def execute_sql(sql: str, params: Any = None, *args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(sql, params, *args, **kw)
        finally:
            entry = seen[kind(sql)]
            entry[0] += 1
            entry[1] += time.perf_counter() - t0

    def wrapped(name: str) -> Callable[..., Any]:
        method = getattr(db, name)

        def call(*args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return method(*args, **kw)
            finally:
                entry = seen[name.upper() + " (transaction)"]
                entry[0] += 1
                entry[1] += time.perf_counter() - t0

        return call

    db.execute_sql = execute_sql  # type: ignore[method-assign]
    db.begin, db.commit = wrapped("begin"), wrapped("commit")  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del db.execute_sql, db.begin, db.commit


def drive(app: Callable[..., Any], stations: list[tuple[str, str, list[str]]], scans: int) -> None:
    for token, code in requests(stations, scans):
        status, body = post(app, token, code)
        if not status.startswith("200"):
            raise SystemExit(f"{status} {body[:200]!r}")


def step_times(stats: pstats.Stats) -> dict[str, float]:
    """Inclusive time per step (seconds), from cProfile's stats."""
    by_name: dict[str, float] = defaultdict(float)
    for (path, _, func), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_name[f"{Path(path).as_posix()}:{func}"] = max(
            by_name[f"{Path(path).as_posix()}:{func}"], cumulative
        )
    out = {}
    for step, names in STEPS:
        total = 0.0
        for name in names:
            total += sum(t for key, t in by_name.items() if key.endswith(name))
        out[step] = total
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scans", type=int, default=3000, help="scans per pass")
    ap.add_argument("--stations", type=int, default=4)
    ap.add_argument("--pg", default=None, metavar="URL", help="a PostgreSQL server (a database per run)")
    ap.add_argument("--top", type=int, default=0, help="also print cProfile's top N functions by own time")
    ap.add_argument("--tree", default=None, help="profile this copy of the source tree")
    ap.add_argument("--plain", action="store_true", help="the plain and counted passes only")
    ap.add_argument("--compare", action="append", default=[], metavar="NAME=DIR", help="trees to compare")
    ap.add_argument("--rounds", type=int, default=5, help="with --compare: rounds")
    args = ap.parse_args()
    if args.compare:
        compare(args)
        return

    base = Path(tempfile.mkdtemp(prefix="profile-scan-"))
    admin = None
    if args.pg:
        import psycopg2

        admin = psycopg2.connect(args.pg)
        admin.autocommit = True
        admin.cursor().execute("DROP DATABASE IF EXISTS profile_scan")
        admin.cursor().execute("CREATE DATABASE profile_scan")
        url = args.pg.rsplit("/", 1)[0] + "/profile_scan"
    else:
        url = f"sqlite:///{base / 'custody.db'}"
    try:
        stations = setup(url, args.stations)
        store = Store.open(url)
        app = make_app(store)
        drive(app, stations, 200)  # warm: compiled queries, the catalog, imports

        c0, w0 = time.process_time(), time.perf_counter()
        drive(app, stations, args.scans)
        cpu, wall = (time.process_time() - c0) / args.scans, (time.perf_counter() - w0) / args.scans
        print(
            f"{args.scans} scans, {args.stations} stations, {url.split(':', 1)[0]}, one thread, no HTTP server"
        )
        print(
            f"plain pass: {cpu * 1e6:,.0f} µs CPU and {wall * 1e6:,.0f} µs wall per scan (commit's fsync in wall)"
        )
        print()

        with counting(store) as seen:
            drive(app, stations, args.scans)
        total_n = sum(n for k, (n, _) in seen.items() if not k.endswith("(transaction)"))
        print(f"statements per scan: {total_n / args.scans:.2f} (BEGIN and COMMIT besides)")
        print(
            f"  {'per scan':>8} {'µs each':>8}  statement (µs: wall, the driver's and database's work included)"
        )
        for name, (n, t) in sorted(seen.items(), key=lambda kv: -kv[1][0]):
            print(f"  {n / args.scans:>8.2f} {t / n * 1e6:>8.0f}  {name}")
        print()

        if args.plain:
            return
        profiler = cProfile.Profile(
            time.process_time
        )  # CPU time: the commit's wait for the disk is not in it
        profiler.enable()
        drive(app, stations, args.scans)
        profiler.disable()
        stats = pstats.Stats(profiler)
        times = step_times(stats)
        whole = times[STEPS[0][0]] or 1.0
        print(
            "steps (cProfile on CPU time, inclusive; µs per scan scaled to the plain pass's CPU, and share):"
        )
        for step, _ in STEPS:
            t = times[step]
            print(f"  {t / whole * cpu * 1e6:>7.0f} µs {t / whole:>6.1%}  {step}")
        if args.top:
            print()
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(args.top)
            print(buf.getvalue())
        store.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if admin is not None:
            admin.cursor().execute("DROP DATABASE IF EXISTS profile_scan WITH (FORCE)")
            admin.close()


def compare(args: argparse.Namespace) -> None:
    import subprocess

    trees = [t.split("=", 1) for t in args.compare]
    got: dict[str, list[str]] = {name: [] for name, _ in trees}
    for _ in range(args.rounds):
        for name, tree in trees:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--tree",
                    str(Path(tree).resolve()),
                    "--plain",
                    "--scans",
                    str(args.scans),
                    "--stations",
                    str(args.stations),
                    *(["--pg", args.pg] if args.pg else []),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            cpu = re.search(r"plain pass: ([\d,]+) µs CPU", out)
            n = re.search(r"statements per scan: ([\d.]+)", out)
            got[name].append(f"{cpu.group(1) if cpu else '?'} µs ({n.group(1) if n else '?'} statements)")
    for name, rounds in got.items():
        print(f"{name:>10}: " + "  ".join(rounds))


if __name__ == "__main__":
    main()
