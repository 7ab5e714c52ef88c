"""How long does `custody verify` take on a ledger of N events?

Builds an office through the write path (items received in batches, then check-outs and returns at
the desk and, one in ten, by scans at a station, so that scan rows are compared too; many actions
share one transaction to build quickly), then times, in the same run:

- the chain walk alone (every event read, its hash recomputed and linked);
- the verify of before issue 16 (bench/verify_before.py: items, requests, departments);
- the full verify (every table rebuilt from the ledger and compared).

    python bench/bench_verify.py [--events 100000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from custody.actions import core as actions
from custody.clock import FixedClock
from custody.ledger import chain
from custody.ledger.verify import _checked_chain, verify
from custody.scan.station import ScanInput, submit
from custody.store.core import Store

sys.path.insert(0, str(Path(__file__).parent))
from verify_before import verify as verify_before  # noqa: E402

BATCH = 500  # actions per transaction while building


def build(store: Store, events: int) -> None:
    clock = store.clock
    safe, _ = actions.add_station(store, "保密室", "safe", actor="bench")
    people = [
        actions.add_person(store, f"员工{i}", badge=f"B{i:04d}", clearance="secret", actor="bench")
        for i in range(50)
    ]
    codes: list[str] = []
    for _ in range(max(1, events // 10 // 1000)):
        codes += [
            i.code for i in actions.receive(store, title="文件", level="secret", copies=1000, actor="bench")
        ]
    n = 0
    while store.m.LedgerHead.get_by_id(1).seq < events:
        with store.writing():
            for _ in range(BATCH // 2):
                code, person = codes[n % len(codes)], people[n % len(people)]
                clock.advance(seconds=1)
                if n % 10 == 0:
                    submit(store, safe, ScanInput(f"B{n % len(people):04d}", uuid.uuid4().hex))
                    submit(store, safe, ScanInput(code, uuid.uuid4().hex))
                    submit(store, safe, ScanInput(code, uuid.uuid4().hex))
                else:
                    actions.check_out(store, code, person, safe, actor="bench")
                    actions.return_item(store, code, safe, actor="bench")
                n += 1


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--dir", default=None, help="directory for the database (default: a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        clock = FixedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}", clock=clock, create=True)
        built, _ = timed(lambda: build(store, args.events))
        events = store.m.LedgerHead.get_by_id(1).seq
        scans = store.m.Scan.select().count()
        print(f"built {events} events ({scans} scans) in {built:.1f} s")

        def walk() -> int:
            counter = [0, chain.GENESIS]
            for _ in _checked_chain(chain.walk(store), counter):
                pass
            return counter[0]

        walk_s, walked = timed(walk)
        before_s, before = timed(lambda: verify_before(store))
        full_s, full = timed(lambda: verify(store))
        assert walked == events and before.ok and full.ok, (before.problem, full.problem)
        print(f"chain walk alone : {walk_s:6.2f} s  ({events / walk_s:,.0f} events/s)")
        print(f"verify before    : {before_s:6.2f} s  (items, requests, departments)")
        print(
            f"verify (full)    : {full_s:6.2f} s  ({', '.join(f'{t} {n}' for t, n in full.counts.items())})"
        )
        store.close()


if __name__ == "__main__":
    main()
