"""The closing records rebuilt from the ledger: sweep records, closing checks, inventory counts with
their frozen lists and what they saw (`custody.models.closing`).

Applied by `custody.ledger.rebuild` event by event, into plain state that
`custody.ledger.closing_compare` sets beside the tables. Rows are known by what names them in the
ledger: a sweep record and a closing check by the event that made them (`sweep_recorded`,
`safe_closed`), a count by the id its `count_started` event recorded, a seen row by its count and
key (the item's code, or the code as read when it named no item).

A count's frozen list (`inventory_expected`) is what the replayed items say was home at the station
and in when `count_started` happened; its events hold only the number. The reads of each code in an
RFID burst are in the burst's event since this version (`seen`, `scan_ids`); a burst recorded before
kept only its total, and the reads and scan ids of the rows it made cannot be proven (`exact` False).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from custody.ledger.chain import Record
from custody.ledger.replay import ItemState, ReplayError


@dataclass
class SweepState:
    seq: int
    station: str | None
    kind: str
    day: str
    at: str
    recorded_at: str
    outstanding: list[str]
    counts: dict[str, Any]
    unclosed: list[str]


@dataclass
class CheckState:
    seq: int  # the `safe_closed` event: the row's event_seq
    station: str
    day: str
    closed_by: int | None
    closed_at: str
    outstanding: list[str]
    checker: int | None = None
    checked_at: str | None = None
    check_seq: int | None = None


@dataclass
class SeenState:
    item: str | None  # the item's code; None for a code that named no item
    reads: int
    first_at: str
    scan_id: str | None
    seq: int  # the event that made the row
    exact: bool = True  # False: made by a burst whose event kept no reads per code (before this version)


@dataclass
class CountState:
    id: int
    station: str
    started_by: int | None
    started_at: str
    start_seq: int
    expected_count: int
    expected: set[str]  # the item codes frozen at the start
    seen: dict[str, SeenState] = field(default_factory=dict)  # by key
    closed_by: int | None = None
    closed_at: str | None = None
    close_seq: int | None = None
    summary: dict[str, int] | None = None
    codes: dict[str, list[str]] | None = None  # per category, every one but `found`


@dataclass
class ClosingState:
    sweeps: dict[int, SweepState] = field(default_factory=dict)  # by event seq
    checks: dict[int, CheckState] = field(default_factory=dict)  # by the safe_closed event's seq
    counts: dict[int, CountState] = field(default_factory=dict)  # by count id


def _sweep_recorded(c: ClosingState, r: Record, d: dict[str, Any], items: dict[str, ItemState]) -> None:
    c.sweeps[r.seq] = SweepState(
        r.seq,
        r.station,
        d["kind"],
        d["day"],
        d["at"],
        r.at,
        list(d["outstanding"]),
        d["counts"],
        list(d.get("unclosed_safes") or ()),
    )


def _safe_closed(c: ClosingState, r: Record, d: dict[str, Any], items: dict[str, ItemState]) -> None:
    if r.station is None:
        raise ReplayError(r.seq, "safe_closed names no station")
    c.checks[r.seq] = CheckState(r.seq, r.station, d["day"], r.person, r.at, list(d["outstanding"]))


def _safe_checked(c: ClosingState, r: Record, d: dict[str, Any], items: dict[str, ItemState]) -> None:
    check = c.checks.get(d["closed_seq"])
    if check is None:
        raise ReplayError(r.seq, f"safe_checked of event #{d['closed_seq']}, which closed no safe")
    check.checker, check.checked_at, check.check_seq = r.person, r.at, r.seq


def _count(c: ClosingState, r: Record, d: dict[str, Any]) -> CountState:
    count = c.counts.get(d["count"])
    if count is None:
        raise ReplayError(r.seq, f"{r.kind} of count {d['count']}, which was never started")
    return count


def _count_started(c: ClosingState, r: Record, d: dict[str, Any], items: dict[str, ItemState]) -> None:
    if r.station is None or d["count"] in c.counts:
        raise ReplayError(r.seq, f"count {d['count']} started twice or at no station")
    expected = {code for code, it in items.items() if it.home == r.station and it.status == "in"}
    c.counts[d["count"]] = CountState(d["count"], r.station, r.person, r.at, r.seq, d["expected"], expected)


def _seen(
    count: CountState, key: str, r: Record, reads: int, scan_id: str | None, item: bool, exact: bool
) -> None:
    row = count.seen.get(key)
    if row is None:
        count.seen[key] = SeenState(key if item else None, reads, r.at, scan_id, r.seq, exact)
    else:
        row.reads += reads
        row.exact = row.exact and exact


def _inventory_seen(c: ClosingState, r: Record, d: dict[str, Any], items: dict[str, ItemState]) -> None:
    count = _count(c, r, d)
    if "code" in d:  # one scan
        key = r.item or d["code"]
        if key:
            _seen(count, key, r, 1, d.get("scan_id"), r.item is not None, True)
        return
    per_key = d.get("seen")  # a burst: reads per code since this version
    scan_ids = d.get("scan_ids") or {}
    known = set(d["items"])
    for key in [*d["items"], *d["unknown"]]:
        if per_key is not None:
            _seen(count, key, r, per_key[key], scan_ids.get(key), key in known, True)
        else:
            _seen(count, key, r, 0, None, key in known, False)


def _count_closed(c: ClosingState, r: Record, d: dict[str, Any], items: dict[str, ItemState]) -> None:
    count = _count(c, r, d)
    if count.close_seq is not None:
        raise ReplayError(r.seq, f"count {count.id} closed twice")
    count.closed_by, count.closed_at, count.close_seq = r.person, r.at, r.seq
    count.summary, count.codes = dict(d["summary"]), {k: list(v) for k, v in d["codes"].items()}


APPLY_CLOSING = {
    "sweep_recorded": _sweep_recorded,
    "safe_closed": _safe_closed,
    "safe_checked": _safe_checked,
    "count_started": _count_started,
    "inventory_seen": _inventory_seen,
    "count_closed": _count_closed,
}
