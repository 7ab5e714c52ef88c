"""Label throughput on one core (issue 5).

    python bench/bench_labels.py [--labels 2000] [--sheet-labels 1000] [--check]

1. Complete 50×30 mm labels at 300 dpi as PNG bytes (layout, text, bars,
   1-bit PNG), per second — beside python-barcode's own bare
   `Code128(code, writer=ImageWriter()).render()` of the same codes, measured
   in the same run.
2. A 1,000-label PDF job on A4 L7160 sheets, end to end: label data checked,
   drawn, placed, compressed and written atomically to disk.

Targets: at least 300 labels/s, and the PDF job in under 10 s. With
`--check`, exit 1 if either is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from barcode import Code128
from barcode.writer import ImageWriter

from custody.codes import new_item_code
from labels import ItemLabel, default_fonts, label_bytes, write_labels

TARGET_PER_SECOND = 300
TARGET_PDF_SECONDS = 10.0
UNITS = ["办公室机要科", "市委办公室", "保密室", "档案室", "综合处", "财务处", "人事处", "信息中心"]
LEVELS = [
    ("top-secret", "30y"),
    ("secret", "10y"),
    ("secret", "long-term"),
    ("confidential", "6m"),
    ("internal", ""),
]
KINDS = ["document", "document", "document", "seal", "letter", "medium", "archive"]


def one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity)"


def sample_rows(n: int, seed: int, documents: int = 40) -> list[dict]:
    """Varied label data: distinct codes and copy numbers, `documents` documents, 8 receiving units."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        doc = i % documents
        level, period = LEVELS[doc % len(LEVELS)]
        rows.append(
            {
                "code": new_item_code(rng),  # type: ignore[arg-type]
                "level": level,
                "period": period,
                "copy_no": i // documents + 1,
                "kind": KINDS[doc % len(KINDS)],
                "doc_no": f"国保发〔2024〕{doc + 1}号",
                "unit": f"{UNITS[doc % len(UNITS)]}{doc if documents > 40 else ''}",
                "received": date(2024, 1, 1) + timedelta(days=doc % 365),
            }
        )
    return rows


def png_rate(labels: list[ItemLabel]) -> tuple[float, int]:
    start = time.perf_counter()
    total = 0
    for label in labels:
        total += len(label_bytes([label], "png", size="50x30", dpi=300))
    return rate(len(labels), time.perf_counter() - start), total // len(labels)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labels", type=int, default=2000)
    parser.add_argument("--sheet-labels", type=int, default=1000)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    print(f"Python {sys.version.split()[0]}, {one_core()}")
    start = time.perf_counter()
    default_fonts().sans_font(40)
    print(
        f"font load (Noto Sans CJK SC from noto-cjk-sans-otc): {1000 * (time.perf_counter() - start):.0f} ms"
    )

    labels = [ItemLabel(**row) for row in sample_rows(args.labels, seed=5)]
    first = time.perf_counter()
    label_bytes([labels[0]], "png", size="50x30", dpi=300)
    print(f"first label (cold caches): {1000 * (time.perf_counter() - first):.1f} ms")
    ours_rate, size_each = png_rate(labels)
    distinct = [ItemLabel(**row) for row in sample_rows(args.labels, seed=6, documents=args.labels)]
    distinct_rate, _ = png_rate(distinct)

    codes = [label.code for label in labels[: min(len(labels), 500)]]
    Code128(codes[0], writer=ImageWriter()).render()  # load its font once, as ours is loaded above
    start = time.perf_counter()
    for code in codes:
        Code128(code, writer=ImageWriter()).render()
    theirs = rate(len(codes), time.perf_counter() - start)

    print(
        f"\n50x30 mm, 300 dpi, complete PNG labels (40 documents): {ours_rate:,.0f} labels/s "
        f"({1000 / ours_rate:.2f} ms each, {size_each / 1024:.1f} KiB each, n={len(labels)})"
    )
    print(f"  the same with every document number and unit distinct: {distinct_rate:,.0f} labels/s")
    print(
        f"python-barcode Code128(code, writer=ImageWriter()).render(), same codes, bars and digits only: "
        f"{theirs:,.0f} /s ({1000 / theirs:.2f} ms each, n={len(codes)})"
    )

    rows = sample_rows(args.sheet_labels, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        [path] = write_labels(Path(tmp) / "bench.pdf", [ItemLabel(**row) for row in rows], sheet="L7160")
        pdf_seconds = time.perf_counter() - start
        size = path.stat().st_size
    pages = -(-args.sheet_labels // 21)
    print(
        f"{args.sheet_labels:,}-label PDF on L7160 sheets ({pages} pages, {size / 1e6:.1f} MB), end to end: "
        f"{pdf_seconds:.2f} s"
    )

    ok_rate = ours_rate >= TARGET_PER_SECOND
    ok_pdf = pdf_seconds < TARGET_PDF_SECONDS or args.sheet_labels != 1000
    print(
        f"\ntargets: ≥{TARGET_PER_SECOND} labels/s {'met' if ok_rate else 'MISSED'}; "
        f"1,000-label PDF < {TARGET_PDF_SECONDS:g} s {'met' if ok_pdf else 'MISSED'}"
    )
    return 0 if (ok_rate and ok_pdf) or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
