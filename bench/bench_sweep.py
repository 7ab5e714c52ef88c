"""Closing-time benchmarks (issue 6), each beside a bare indexed SQL count on the same data:

1. the sweep of the present moment with 1,000,000 items of which 10,000 are out (aim < 200 ms);
2. `sweep --at` replayed over a ledger of 5,000,000 events (aim < 10 s);
3. reconciling an RFID batch of 10,000 reads in an inventory count (aim < 1 s).

The data is generated with bulk inserts straight into a temporary SQLite file, outside the write
path (a valid hash chain, so `custody verify` would pass on it); generating takes a few minutes.

    python bench/bench_sweep.py [--items 1000000] [--events 5000000] [--out 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from custody import codes
from custody.actions import inventory
from custody.clock import FixedClock
from custody.ledger.chain import GENESIS, canonical
from custody.models.core import to_text
from custody.reports import lookup, sweep
from custody.store.core import Store

STATIONS = 100  # station 1 is the safe counted in (3); 1..10 are safes
PEOPLE = 1000
COUNT_STATION_ITEMS = 10_000
LEVELS = ("secret", "confidential", "internal", "top-secret")
START = datetime(2025, 1, 2, 1, 0, tzinfo=UTC)


def item_code(i: int) -> str:
    body = str(10_000_000_000 + i * 37)
    return body + codes.damm_digit(body)


def station_of(i: int) -> int:
    return 1 if i < COUNT_STATION_ITEMS else 2 + i % (STATIONS - 1)


class Chain:
    """Appends events to a list with a real hash chain, as ledger.append does."""

    def __init__(self) -> None:
        self.seq, self.prev = 0, GENESIS

    def event(
        self, at: str, kind: str, item: str | None, person: int | None, station: str | None, data: str
    ) -> tuple:
        self.seq += 1
        digest = hashlib.sha256(
            canonical([self.seq, at, kind, item, person, station, "bench", data, self.prev]).encode()
        ).hexdigest()
        row = (self.seq, at, kind, item, person, station, "bench", data, self.prev, digest)
        self.prev = digest
        return row


def generate(path: Path, n_items: int, n_events: int, n_out: int) -> datetime:
    """Fill the database; return the moment the last event happened."""
    Store.open(f"sqlite:///{path}", create=True).close()
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF;")
    names = {s: f"站点{s:03d}" for s in range(1, STATIONS + 1)}
    created = to_text(START)
    db.executemany(
        "INSERT INTO station (id, name, kind, created_at) VALUES (?, ?, ?, ?)",
        [(s, names[s], "safe" if s <= 10 else "reading-room", created) for s in names],
    )
    db.executemany(
        "INSERT INTO person (id, name, role, clearance, dept, active, created_at) VALUES (?,?,?,?,?,1,?)",
        [
            (p, f"人员{p}", "custodian" if p == 1 else "staff", "top-secret", "", created)
            for p in range(1, PEOPLE + 1)
        ],
    )
    db.executemany(
        "INSERT INTO tag (code, kind, person_id) VALUES (?, 'badge', ?)",
        [(f"B{p:05d}", p) for p in range(1, PEOPLE + 1)],
    )
    rng = random.Random(6)
    chain = Chain()
    pairs = (n_events - n_items - n_out) // 2
    span = timedelta(days=360).total_seconds()
    step = span / (n_items + 2 * pairs + n_out)
    clock = [0.0]

    def tick() -> str:
        clock[0] += step
        return to_text(START + timedelta(seconds=clock[0]))

    def flush(items: list, tags: list, events: list) -> None:
        db.executemany(
            "INSERT INTO item (id, code, title, kind, level, period, copy_no, doc_no, issuer, scope, home_id,"
            " received_at, status, location_id) VALUES (?,?,?,?,?,?,?,?,?,'[]',?,?,'in',?)",
            items,
        )
        db.executemany("INSERT INTO tag (code, kind, item_id, hex_low32, dec_value) VALUES (?,?,?,?,?)", tags)
        db.executemany(
            "INSERT INTO event (seq, at, kind, item, person, station, actor, data, prev_hash, hash)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            events,
        )
        items.clear()
        tags.clear()
        events.clear()

    items: list = []
    tags: list = []
    events: list = []
    for i in range(n_items):
        code, home, level = item_code(i), station_of(i), LEVELS[i % len(LEVELS)]
        at = tick()
        items.append((i + 1, code, f"文件{i}", "document", level, "10y", 1, "", "", home, at, home))
        tags.append((code, "item-barcode", i + 1, None, None))
        if home == 1:
            tags.append((f"E2{i:08X}", "item-rfid", i + 1, i, None))
        data = canonical(
            {
                "title": f"文件{i}",
                "kind": "document",
                "level": level,
                "period": "10y",
                "copy_no": 1,
                "total_copies": None,
                "doc_no": "",
                "issuer": "",
                "scope": [],
                "home": names[home],
                "brought_by": None,
            }
        )
        events.append(chain.event(at, "received", code, None, names[home], data))
        if len(events) >= 50_000:
            flush(items, tags, events)
    flush(items, tags, events)
    returned = canonical({"presented_by": None, "flags": []})
    for _ in range(pairs):
        i = rng.randrange(COUNT_STATION_ITEMS, n_items)
        code, home, person = item_code(i), names[station_of(i)], rng.randrange(1, PEOPLE + 1)
        events.append(chain.event(tick(), "checked_out", code, person, home, "{}"))
        events.append(chain.event(tick(), "returned", code, person, home, returned))
        if len(events) >= 50_000:
            flush(items, tags, events)
    outstanding = rng.sample(range(COUNT_STATION_ITEMS, n_items), n_out)
    state = []
    for i in outstanding:
        at, person = tick(), rng.randrange(1, PEOPLE + 1)
        events.append(chain.event(at, "checked_out", item_code(i), person, names[station_of(i)], "{}"))
        state.append((person, at, i + 1))
    flush(items, tags, events)
    db.executemany("UPDATE item SET status='out', holder_id=?, since=? WHERE id=?", state)
    db.execute("INSERT INTO ledger_head (id, seq, hash) VALUES (1, ?, ?)", (chain.seq, chain.prev))
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return START + timedelta(seconds=clock[0])


def timed(fn: Callable[[], object], runs: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def row(what: str, seconds: float, aim: float | None, bare: float) -> str:
    verdict = "" if aim is None else ("ok" if seconds < aim else "SLOW")
    aim_text = f"< {aim * 1000:.0f} ms" if aim is not None and aim < 1 else (f"< {aim:.0f} s" if aim else "")
    return f"{what:<52} {seconds * 1000:9.1f} ms  {aim_text:>9} {verdict:>4}   bare SQL {bare * 1000:8.2f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--out", type=int, default=10_000)
    ap.add_argument("--keep", help="keep the generated database in this directory")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    path = tmp / "custody.db"
    try:
        t0 = time.perf_counter()
        last = generate(path, args.items, args.events, args.out)
        print(
            f"generated {args.items:,} items, {args.events:,} events, {args.out:,} out "
            f"in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        clock = FixedClock(last + timedelta(minutes=1))
        store = Store.open(f"sqlite:///{path}", clock=clock)
        raw = store.db.connection()
        lines = []

        t_sweep, s = timed(lambda: sweep.sweep(store), 5)
        t_json, _ = timed(lambda: sweep.to_json(sweep.sweep(store), sweep.ZoneInfo("Asia/Shanghai")), 5)
        t_bare, n = timed(
            lambda: raw.execute("SELECT count(*) FROM item WHERE status = 'out'").fetchone()[0], 5
        )
        assert len(s.entries) == n == args.out, (len(s.entries), n)
        lines.append(row(f"present sweep ({n:,} out of {args.items:,})", t_sweep, 0.2, t_bare))
        lines.append(row("present sweep + JSON", t_json, 0.2, t_bare))

        at = last - timedelta(days=180)
        t_replay, past = timed(lambda: sweep.sweep(store, at=at), 1)
        until = to_text(at)
        t_bare, n_events = timed(
            lambda: raw.execute("SELECT count(*) FROM event WHERE at <= ?", (until,)).fetchone()[0], 1
        )
        total = raw.execute("SELECT count(*) FROM event").fetchone()[0]
        lines.append(row(f"sweep --at replay ({n_events:,} of {total:,} events)", t_replay, 10, t_bare))
        t_full, _ = timed(lambda: sweep.sweep(store, at=last), 1)
        lines.append(
            row(
                f"sweep --at replay of the whole ledger ({total:,})",
                t_full,
                10,
                timed(lambda: raw.execute("SELECT count(*) FROM event").fetchone()[0], 1)[0],
            )
        )
        assert past.entries is not None

        safe = lookup.station("站点001")
        custodian = lookup.person_by_badge("B00001")
        t_start, _ = timed(lambda: inventory.start_count(store, safe, custodian, "bench"), 1)
        count = inventory.open_count(safe)
        rng = random.Random(7)
        seen = rng.sample(range(COUNT_STATION_ITEMS), 9_000)
        reads = [f"E2{i:08X}" for i in seen + rng.sample(seen, 990)] + [f"DEAD{n:06X}" for n in range(10)]
        rng.shuffle(reads)
        t_batch, out = timed(lambda: inventory.mark_seen_batch(store, count, reads, "bench"), 1)
        t_close, closed = timed(lambda: inventory.close_count(store, safe, custodian, "bench"), 1)
        t_bare, expected = timed(
            lambda: raw.execute(
                "SELECT count(*) FROM item WHERE home_id = ? AND status = 'in'", (safe.id,)
            ).fetchone()[0],
            3,
        )
        assert closed.extra["found"] == 9_000 and closed.extra["missing"] == expected - 9_000, closed.extra
        lines.append(row(f"count start (freeze {expected:,} expected)", t_start, None, t_bare))
        lines.append(row(f"RFID batch of {len(reads):,} reads", t_batch, 1, t_bare))
        lines.append(row("count close (reconcile, store the result)", t_close, 1, t_bare))
        lines.append(row("RFID batch + close", t_batch + t_close, 1, t_bare))
        store.close()
        print("\n".join(lines))
        return 1 if any(" SLOW " in line for line in lines) else 0
    finally:
        if args.keep:
            dest = Path(args.keep)
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, dest / "custody.db")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
