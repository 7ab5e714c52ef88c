"""How big does the SQLite WAL grow per scan, and at most, with SQLite's defaults and with custody's?

Posts N scans (badge, check-out, return, by 4 stations at once) to the real service in this
process (granian on a free port) on a fresh office, and samples the WAL file's size after every
answer. Prints, for each setting: bytes the WAL grew per scan before its first checkpoint, the
largest WAL seen, the WAL left at the end, and scans per second.

"defaults" is SQLite's own: a checkpoint once the WAL holds 1,000 pages (4 MB), and the file
never cut back (journal_size_limit -1). "custody" is custody.store.db's WAL_CHECKPOINT_PAGES and
WAL_KEEP_BYTES.

    python bench/bench_wal.py [--scans 2000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from core_support import fresh_office  # noqa: E402

from custody.cli.serve import wait_healthy  # noqa: E402
from custody.clock import SystemClock  # noqa: E402
from custody.store import db as dbmod  # noqa: E402
from web.server import start_in_thread  # noqa: E402

SETTINGS = {
    "defaults": {"wal_autocheckpoint": 1000, "journal_size_limit": -1},
    "custody": {"wal_autocheckpoint": dbmod.WAL_CHECKPOINT_PAGES, "journal_size_limit": dbmod.WAL_KEEP_BYTES},
}


def run(name: str, scans: int, base: Path) -> dict[str, float]:
    home = base / name
    with fresh_office(home, "scan", SystemClock()) as office:
        pragmas = dict(office.store.db._pragmas)
        pragmas.update(SETTINGS[name])
        office.store.db._pragmas = list(pragmas.items())  # each server thread's connection takes them
        wal = home / "custody.db-wal"
        office.store.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # from an empty WAL
        server = start_in_thread(office.store, threads=4)
        sizes: list[int] = []
        lock = threading.Lock()
        try:
            wait_healthy(server.url)
            stations = list(office.tokens)[:2]
            codes = {"保密室": ["B001", *office.secret], "阅文室": ["B002", *office.confidential]}

            def station(name: str, n: int) -> None:
                http = requests.Session()
                http.headers["Authorization"] = f"Bearer {office.tokens[name]}"
                seq = codes[name]
                for i in range(n):
                    r = http.post(
                        server.url + "/api/v1/scans",
                        json={"code": seq[i % len(seq)], "scan_id": str(uuid.uuid4())},
                        timeout=30,
                    )
                    r.raise_for_status()
                    with lock:
                        sizes.append(wal.stat().st_size if wal.exists() else 0)

            threads = [threading.Thread(target=station, args=(stations[i % 2], scans // 4)) for i in range(4)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
        finally:
            server.stop()
        # growth per scan: the WAL's size when it first neared its checkpoint threshold, over
        # the scans answered by then (after a checkpoint the file is reused, or cut back)
        threshold = 0.9 * SETTINGS[name]["wal_autocheckpoint"] * 4096
        near = next((i for i, size in enumerate(sizes) if size >= threshold), len(sizes) - 1)
        per_scan = sizes[near] / (near + 1)
        return {
            "per_scan_kb": per_scan / 1024,
            "max_kb": max(sizes) / 1024,
            "end_kb": sizes[-1] / 1024,
            "scans_per_s": len(sizes) / elapsed,
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scans", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="custody-bench-wal-"))
    print(f"{'setting':10} {'KB/scan':>8} {'max WAL KB':>11} {'end WAL KB':>11} {'scans/s':>8}")
    for name in SETTINGS:
        r = run(name, args.scans, base)
        print(
            f"{name:10} {r['per_scan_kb']:8.1f} {r['max_kb']:11.0f} {r['end_kb']:11.0f} {r['scans_per_s']:8.0f}"
        )


if __name__ == "__main__":
    main()
