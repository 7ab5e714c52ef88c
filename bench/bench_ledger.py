"""How fast does the write path append to the ledger on SQLite (synchronous=FULL)?

Prints check-out + return actions per second through custody.actions (each
one transaction: policy, event with its hash, current state), beside the
baseline of raw durable single-row SQLite commits on the same disk, in the same run.

    python bench/bench_ledger.py [--n 2000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from custody.actions import core as actions
from custody.ledger.verify import verify
from custody.store.core import Store


def baseline(path: Path, n: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=wal")
    db.execute("PRAGMA synchronous=full")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    start = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (v) VALUES (?)", (f"row {i}",))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return n / elapsed


def write_path(path: Path, n: int) -> tuple[float, float]:
    store = Store.open(f"sqlite:///{path}", create=True)
    safe, _ = actions.add_station(store, "保密室", "safe", actor="bench")
    person = actions.add_person(store, "张三", badge="B001", clearance="secret", actor="bench")
    items = actions.receive(store, title="文件", level="secret", copies=50, actor="bench")
    start = time.perf_counter()
    for i in range(n // 2):
        code = items[i % len(items)].code
        actions.check_out(store, code, person, safe, actor="bench")
        actions.return_item(store, code, safe, actor="bench")
    elapsed = time.perf_counter() - start
    t0 = time.perf_counter()
    assert verify().ok
    verify_s = time.perf_counter() - t0
    store.close()
    return (n // 2 * 2) / elapsed, verify_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--dir", default=None, help="directory on the disk to measure (default: a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        base = baseline(Path(d) / "baseline.db", args.n)
        rate, verify_s = write_path(Path(d) / "custody.db", args.n)
    print(f"baseline: raw durable single-row commits  {base:8.0f} /s")
    print(f"custody:  write-path actions (events)      {rate:8.0f} /s   ({rate / base:.0%} of baseline)")
    print(f"verify of {args.n + 55} events: {verify_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
