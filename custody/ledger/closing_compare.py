"""The closing records set beside their state rebuilt from the ledger (`custody.ledger.closing_replay`):
sweep records, closing checks, inventory counts, their frozen lists and their seen rows, the first
difference named as `custody.ledger.compare` names it (table, row, column, both values).

Not compared, because no event holds them (docs/admin-guide.md, "What verify proves"):
- a sweep record's delivery state (`notify_status`, `notify_attempts`, `notify_error`, `notified`):
  it changes as a notification is tried, outside the ledger's transaction, and a pass that reached no
  channel leaves no event; the `notified`/`notify_failed` events say what was sent;
- the descriptive parts of the JSON a record keeps (a sweep's `data`, a check's `outstanding`, a
  count's `result`): titles, holders' names, levels as they were then. The codes in them, their
  order and the counts are compared; the rest is how the item rows read at that moment;
- the reads and scan ids of seen rows made by an RFID burst recorded before the burst's event kept
  them (`SeenState.exact`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from custody.ledger.closing_replay import CountState
from custody.ledger.compare import Difference, Tables, _eq, _first, _near, _person_shown, _rows, _same_time
from custody.ledger.rebuild import Rebuilt

if TYPE_CHECKING:
    from custody.store.core import Store

SWEEP_SQL = (
    "SELECT id, station_id, kind, day, at, recorded_at, auto_key, outstanding, unclosed, data, event_seq "
    "FROM sweep_record ORDER BY id"
)
AUTO_KINDS = ("closing", "grace")  # the scheduler's records, stored under `auto_key` (once a station and day)
COUNT_WORDS = ("missing", "misplaced", "out_but_seen", "unknown", "duplicates")  # inventory_count columns


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def _json(text: Any) -> Any:
    try:
        return json.loads(text) if text is not None else None
    except ValueError:
        return text


def _codes(entries: Any) -> Any:
    """The codes of a stored JSON list of entries, in order (the list itself if it is not one)."""
    if not isinstance(entries, list):
        return entries
    return [e.get("code") if isinstance(e, dict) else e for e in entries]


def sweep_records(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    ids = {name: sid for sid, name in t.station_names.items()}
    sweeps = s.closing.sweeps
    seen: set[int] = set()
    rows = _rows(store, SWEEP_SQL)
    t.counts["sweep_record"] = len(rows)
    for rid, station_id, kind, day, at, recorded_at, auto_key, outstanding, unclosed, data, seq in rows:
        station = t.station_names.get(station_id, f"#{station_id}") if station_id is not None else None
        w = sweeps.get(seq)
        if w is None or seq in seen:
            return Difference("sweep_record", f"#{rid} (event #{seq})", why="has no sweep_recorded event")
        seen.add(seq)
        stored = _json(data)
        body = stored if isinstance(stored, dict) else {}
        expected_key = (
            f"{w.kind}:{ids.get(w.station, '?')}:{w.day}" if w.kind in AUTO_KINDS and w.station else None
        )
        pairs = (
            ("station", station, w.station, _eq),
            ("kind", kind, w.kind, _eq),
            ("day", _day(day), w.day, _eq),
            ("at", at, w.at, _same_time),
            ("recorded_at", recorded_at, w.recorded_at, _same_time),
            ("auto_key", auto_key, expected_key, _eq),
            ("outstanding", outstanding, len(w.outstanding), _eq),
            ("unclosed", unclosed, len(w.unclosed), _eq),
            ("data.outstanding (codes)", _codes(body.get("outstanding")), w.outstanding, _eq),
            ("data.counts", body.get("counts"), w.counts, _eq),
            ("data.at", body.get("at"), w.at, _same_time),
        )
        found = _first("sweep_record", _sweep_row(w.station, w.day, w.kind, seq), seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(sweeps) - seen)
    if missing:
        w = sweeps[missing[0]]
        return Difference(
            "sweep_record", _sweep_row(w.station, w.day, w.kind, w.seq), replayed=True, seq=w.seq
        )
    return None


def _sweep_row(station: str | None, day: str, kind: str, seq: int) -> str:
    return f"{station or '(every station)'} {day} {kind} (event #{seq})"


CHECK_SQL = (
    "SELECT id, station_id, day, closed_by_id, closed_at, out_count, outstanding, event_seq, checker_id, "
    "checked_at, check_seq FROM closing_check ORDER BY id"
)


def closing_checks(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    person = _person_shown(s)
    checks = s.closing.checks
    seen: set[int] = set()
    rows = _rows(store, CHECK_SQL)
    t.counts["closing_check"] = len(rows)
    for (
        rid,
        station_id,
        day,
        closed_by,
        closed_at,
        out_count,
        outstanding,
        seq,
        checker,
        checked_at,
        check_seq,
    ) in rows:
        c = checks.get(seq)
        if c is None or seq in seen:
            return Difference("closing_check", f"#{rid} (event #{seq})", why="has no safe_closed event")
        seen.add(seq)
        pairs = (
            ("station", t.station_names.get(station_id, f"#{station_id}"), c.station, _eq),
            ("day", _day(day), c.day, _eq),
            ("closed_by", person(closed_by), person(c.closed_by), _eq),
            ("closed_at", closed_at, c.closed_at, _same_time),
            ("out_count", out_count, len(c.outstanding), _eq),
            ("outstanding (codes)", _codes(_json(outstanding)), c.outstanding, _eq),
            ("checker", person(checker), person(c.checker), _eq),
            ("checked_at", checked_at, c.checked_at, _same_time),
            ("check_seq", check_seq, c.check_seq, _eq),
        )
        found = _first("closing_check", _check_row(c.station, c.day, seq), seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(checks) - seen)
    if missing:
        c = checks[missing[0]]
        return Difference("closing_check", _check_row(c.station, c.day, c.seq), replayed=True, seq=c.seq)
    return None


def _check_row(station: str, day: str, seq: int) -> str:
    return f"{station} {day} (event #{seq})"


COUNT_SQL = (
    "SELECT id, station_id, started_by_id, started_at, start_seq, expected_count, open_key, closed_by_id, "
    "closed_at, close_seq, result, found, missing, misplaced, out_but_seen, unknown, duplicates "
    "FROM inventory_count ORDER BY id"
)


def inventory_counts(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    """Each count against its events, then its frozen list and its seen rows."""
    person = _person_shown(s)
    ids = {name: sid for sid, name in t.station_names.items()}
    counts = s.closing.counts
    seen: set[int] = set()
    rows = _rows(store, COUNT_SQL)
    t.counts["inventory_count"] = len(rows)
    for row in rows:
        cid, station_id, started_by, started_at, start_seq, expected, open_key = row[:7]
        closed_by, closed_at, close_seq, result, found_n, *numbers = row[7:]
        c = counts.get(cid)
        if c is None:
            return Difference("inventory_count", f"#{cid}", why="has no count_started event")
        seen.add(cid)
        summary = c.summary or {}
        stored = _json(result)
        body = stored if isinstance(stored, dict) else {}
        pairs = [
            ("station", t.station_names.get(station_id, f"#{station_id}"), c.station, _eq),
            ("started_by", person(started_by), person(c.started_by), _eq),
            ("started_at", started_at, c.started_at, _same_time),
            ("start_seq", start_seq, c.start_seq, _eq),
            ("expected_count", expected, c.expected_count, _eq),
            ("open_key", open_key, ids.get(c.station) if c.close_seq is None else None, _eq),
            ("closed_by", person(closed_by), person(c.closed_by), _eq),
            ("closed_at", closed_at, c.closed_at, _same_time),
            ("close_seq", close_seq, c.close_seq, _eq),
            ("found", found_n, summary.get("found"), _eq),
        ]
        pairs += [(w, n, summary.get(w), _eq) for w, n in zip(COUNT_WORDS, numbers, strict=True)]
        if c.codes is None:
            pairs.append(("result", stored, None, _eq))
        else:
            pairs.append(("result.found (how many)", len(body.get("found") or ()), summary.get("found"), _eq))
            pairs += [(f"result.{w} (codes)", _codes(body.get(w)), v, _eq) for w, v in c.codes.items()]
        found = _first("inventory_count", _count_row(c), c.start_seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(counts) - seen)
    if missing:
        c = counts[missing[0]]
        return Difference("inventory_count", _count_row(c), replayed=True, seq=c.start_seq)
    return _expected(store, s, t) or _seen_rows(store, s, t)


def _count_row(c: CountState) -> str:
    return f"#{c.id} at {c.station} (event #{c.start_seq})"


def _expected(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    """The frozen lists: every (count, item) pair, none more."""
    counts = s.closing.counts
    rows = _rows(store, "SELECT count_id, item_id FROM inventory_expected ORDER BY id")
    t.counts["inventory_expected"] = len(rows)
    stored: dict[int, set[str]] = {}
    for cid, item_id in rows:
        code = t.item_codes.get(item_id, f"#{item_id}")
        c = counts.get(cid)
        if c is None or code not in c.expected:
            return Difference(
                "inventory_expected", f"count #{cid} item {code}", seq=c.start_seq if c else None
            )
        stored.setdefault(cid, set()).add(code)
    for cid, c in sorted(counts.items()):
        left = sorted(c.expected - stored.get(cid, set()))
        if left:
            return Difference(
                "inventory_expected", f"count #{cid} item {left[0]}", replayed=True, seq=c.start_seq
            )
    return None


SEEN_SQL = "SELECT count_id, key, item_id, reads, first_at, scan_id FROM inventory_seen ORDER BY id"


def _seen_rows(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    counts = s.closing.counts
    rows = _rows(store, SEEN_SQL)
    t.counts["inventory_seen"] = len(rows)
    matched: set[tuple[int, str]] = set()
    for cid, key, item_id, reads, first_at, scan_id in rows:
        c = counts.get(cid)
        v = c.seen.get(key) if c is not None else None
        ref = f"count #{cid} {key}"
        if v is None or (cid, key) in matched:
            return Difference("inventory_seen", ref, why="was seen by no inventory_seen event")
        matched.add((cid, key))
        item = t.item_codes.get(item_id, f"#{item_id}") if item_id is not None else None
        pairs = [("item", item, v.item, _eq), ("first_at", first_at, v.first_at, _near)]
        if v.exact:
            pairs += [("reads", reads, v.reads, _eq), ("scan_id", scan_id, v.scan_id, _eq)]
        found = _first("inventory_seen", ref, v.seq, iter(pairs))
        if found is not None:
            return found
    for cid, c in sorted(counts.items()):
        for key, v in c.seen.items():
            if (cid, key) not in matched:
                return Difference("inventory_seen", f"count #{cid} {key}", replayed=True, seq=v.seq)
    return None


CLOSING_TABLES = (sweep_records, closing_checks, inventory_counts)
