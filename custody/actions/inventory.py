"""Inventory counts (P22): what is physically at a station, against what should be.

Starting a count freezes the list of what should be there (items whose home
is the station and which are in). Each scan marks an item seen — barcode by
barcode, or a burst of RFID reads in one transaction; an item's barcode and
its RFID tag count as one item, codes matching no item are kept as unknown,
and repeated reads are counted. Closing the count stores its result:

- found: seen, home here, in;
- missing: on the frozen list, not seen;
- misplaced: seen here, home elsewhere;
- out but seen: seen here while recorded as checked out (a return never scanned);
- not in stock: seen though destroyed, returned to issuer or lost;
- unknown: codes that match no item;
- duplicates: codes read more than once.

The sorting itself is `reconcile`, a pure function.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from custody import settings
from custody.actions import core as actions_core
from custody.actions.outcome import Outcome
from custody.errors import Conflict, Refused
from custody.ledger import chain as ledger
from custody.messages import N_, Msg
from custody.models.closing import InventoryCount
from custody.models.core import Person, Station, to_text
from custody.reports import lookup
from custody.reports.shapes import iso
from custody.rules import inventory as rules
from custody.rules.facts import Refusal
from custody.rules.inventory import SeenFacts, classify, reconcile
from custody.store.core import Store

STARTERS = rules.STARTERS
CHUNK = 500  # values per IN (…) or multi-row INSERT: inside every database's parameter limit


# --- resolving scanned codes ------------------------------------------------------------


def resolve(store: Store, raw_codes: Iterable[str]) -> dict[str, tuple[int, str] | None]:
    """Each scanned code (stripped) → (item id, item code), or None when it names no item
    (`lookup.match_tags`, the one code matcher)."""
    return {
        text: (tag.item_id, tag.item.code) if tag is not None and tag.item_id is not None else None
        for text, tag in lookup.match_tags(store, raw_codes).items()
    }


# --- the write path ------------------------------------------------------------------


def open_count(store: Store, station: Station) -> InventoryCount | None:
    """The count open at a station, if any (a read)."""
    m = store.m
    return m.InventoryCount.get_or_none(  # type: ignore[no-any-return]
        (m.InventoryCount.station == station.id) & m.InventoryCount.open_key.is_null(False)
    )


def last_count(store: Store, station: Station) -> InventoryCount | None:
    """The station's latest count, open or closed (a read)."""
    m = store.m
    return (  # type: ignore[no-any-return]
        m.InventoryCount.select()
        .where(m.InventoryCount.station == station.id)
        .order_by(m.InventoryCount.started_at.desc(), m.InventoryCount.id.desc())
        .first()
    )


def _since(store: Store, count: InventoryCount) -> str:
    tz = ZoneInfo(settings.get(store, "timezone"))
    return count.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _open_facts(store: Store, count: InventoryCount) -> rules.OpenCount:
    return rules.OpenCount(count.started_by_id, count.started_by.name, _since(store, count))


def _refuse(
    store: Store, action: str, refusal: Refusal, *, actor: str, person: Person, station: Station
) -> Refused:
    """Record the refusal (P24: it stays on record when the transaction is rolled back) and give the
    error to raise."""
    out = actions_core.record_refusal(
        store, action, refusal, actor=actor, person=person.id, station=station.name
    )
    return Refused(out.msg, reason=refusal.reason, rule=refusal.rule)


def start_count(store: Store, station: Station, person: Person, actor: str) -> Outcome:
    """Start a count at a station: freeze the list of what should be there. A second start is refused."""
    m = store.m
    with store.writing():
        existing = open_count(store, station)
        decision = rules.decide_start_count(
            actions_core.person_facts(store, person),
            station.name,
            _open_facts(store, existing) if existing is not None else None,
        )
        if isinstance(decision, Refusal):
            raise _refuse(store, "count_start", decision, actor=actor, person=person, station=station)
        now = store.now()
        count = m.InventoryCount.create(
            station=station.id,
            started_by=person.id,
            started_at=now,
            start_seq=0,
            expected_count=0,
            open_key=station.id,
        )
        m.InventoryExpected.insert_from(
            m.Item.select(peewee.Value(count.id), m.Item.id).where(
                (m.Item.home == station.id) & (m.Item.status == "in")
            ),
            fields=[m.InventoryExpected.count, m.InventoryExpected.item],
        ).execute()
        expected = m.InventoryExpected.select().where(m.InventoryExpected.count == count.id).count()
        rec = ledger.append(
            store,
            "count_started",
            now,
            person=person.id,
            station=station.name,
            actor=actor,
            data={"count": count.id, "expected": expected},
        )
        m.InventoryCount.update(start_seq=rec.seq, expected_count=expected).where(
            m.InventoryCount.id == count.id
        ).execute()
    return Outcome(
        "command",
        Msg(
            "count started at {station} by {person}: {expected} items expected, scan each one",
            {"station": station.name, "person": person.name, "expected": expected},
        ),
        person=person,
        seq=rec.seq,
        extra={"command": "count_start", "count": count.id, "expected": expected},
    )


@dataclass
class _Batch:
    reads: int = 0
    new: list[str] = field(default_factory=list)  # keys seen for the first time in this count
    repeated: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    items: dict[str, int] = field(default_factory=dict)  # key → item id, for keys that are items
    per_key: dict[str, int] = field(default_factory=dict)  # key → reads of it in this batch
    scan_of: dict[str, str | None] = field(default_factory=dict)  # key → the scan_id of its first read


def _record_reads(store: Store, count: InventoryCount, reads: Sequence[tuple[str, str | None]]) -> _Batch:
    """Add reads to a count (inside the caller's transaction): one row per item or unknown code."""
    m = store.m
    if m.InventoryCount.get_by_id(count.id).open_key is None:
        raise Conflict("count {count} is closed; no more scans", count=count.id)
    resolved = resolve(store, (code for code, _ in reads))
    batch = _Batch()
    per_key, scan_of = batch.per_key, batch.scan_of
    for code, scan_id in reads:
        text = code.strip()
        if not text:
            continue
        found = resolved[text]
        key = found[1] if found else text
        if found:
            batch.items[key] = found[0]
        elif key not in per_key:
            batch.unknown.append(key)
        per_key[key] = per_key.get(key, 0) + 1
        scan_of.setdefault(key, scan_id)
        batch.reads += 1
    Seen = m.InventorySeen  # noqa: N806 - the store's table
    existing: dict[str, int] = {}
    keys = list(per_key)
    for i in range(0, len(keys), CHUNK):
        existing.update(
            Seen.select(Seen.key, Seen.id)
            .where((Seen.count == count.id) & Seen.key.in_(keys[i : i + CHUNK]))
            .tuples()
        )
    now = store.now()
    rows = [
        {
            "count": count.id,
            "key": k,
            "item": batch.items.get(k),
            "reads": n,
            "first_at": now,
            "scan_id": scan_of[k],
        }
        for k, n in per_key.items()
        if k not in existing
    ]
    for i in range(0, len(rows), CHUNK // 5):
        Seen.insert_many(rows[i : i + CHUNK // 5]).execute()
    by_increment: dict[int, list[int]] = {}
    for k, row_id in existing.items():
        by_increment.setdefault(per_key[k], []).append(row_id)
    for n, ids in by_increment.items():
        for i in range(0, len(ids), CHUNK):
            Seen.update(reads=Seen.reads + n).where(Seen.id.in_(ids[i : i + CHUNK])).execute()
    batch.new = [r["key"] for r in rows]
    batch.repeated = sorted(existing) + [k for k, n in per_key.items() if n > 1 and k not in existing]
    return batch


SEEN_NOTES = {  # what a seen item's category adds to the answer
    "found": "",
    "misplaced": N_("; its home is “{home}”"),
    "out_but_seen": N_("; recorded as out to {holder}: a return never scanned"),
    "not_in_stock": N_("; its status is {state}"),
}


def mark_seen(store: Store, count: InventoryCount, code: str, scan_id: str | None, actor: str) -> Outcome:
    """One scan during a count (outcome `inventory_seen`), with what it means for this station."""
    m = store.m
    station = m.Station.get_by_id(count.station_id)
    with store.writing():
        batch = _record_reads(store, count, [(code, scan_id)])
        key = next(iter(batch.items), None) or (batch.unknown[0] if batch.unknown else code.strip())
        item = m.Item.get_by_id(batch.items[key]) if key in batch.items else None
        rec = ledger.append(
            store,
            "inventory_seen",
            store.now(),
            item=item.code if item else None,
            station=station.name,
            actor=actor,
            data={"count": count.id, "code": code.strip(), "scan_id": scan_id, "known": item is not None},
        )
    repeat = Msg(" (again)") if key in batch.repeated else ""
    if item is None:
        return Outcome(
            "inventory_seen",
            Msg("count: code “{code}” is not registered{repeat}", {"code": key, "repeat": repeat}),
            seq=rec.seq,
            extra={"count": count.id, "category": "unknown", "duplicate": bool(repeat)},
        )
    category = classify(station.name, SeenFacts(item.home.name, item.status))
    holder = item.holder.name if item.holder_id else "?"
    note = SEEN_NOTES[category]
    return Outcome(
        "inventory_seen",
        Msg(
            "count: “{title}” ({code}){note}{repeat}",
            {
                "title": item.title,
                "code": item.code,
                "note": Msg(note, {"home": item.home.name, "holder": holder, "state": item.status})
                if note
                else "",
                "repeat": repeat,
            },
        ),
        item=item,
        seq=rec.seq,
        extra={"count": count.id, "category": category, "duplicate": bool(repeat)},
    )


def mark_seen_batch(
    store: Store,
    count: InventoryCount,
    codes: Sequence[str],
    actor: str,
    scan_ids: Sequence[str | None] | None = None,
) -> Outcome:
    """A burst of reads (an RFID sweep of a safe) in one transaction and one ledger event."""
    if scan_ids is not None and len(scan_ids) != len(codes):
        raise ValueError("scan_ids must match codes one to one")
    station = store.m.Station.get_by_id(count.station_id)
    reads = list(zip(codes, scan_ids or [None] * len(codes), strict=True))
    with store.writing():
        batch = _record_reads(store, count, reads)
        rec = ledger.append(
            store,
            "inventory_seen",
            store.now(),
            station=station.name,
            actor=actor,
            data={
                "count": count.id,
                "reads": batch.reads,
                "items": sorted(batch.items),
                "unknown": batch.unknown,
                # what verify rebuilds the seen rows from: the reads of each code, its first scan_id
                "seen": batch.per_key,
                "scan_ids": {k: v for k, v in batch.scan_of.items() if v is not None},
            },
        )
    new = sum(1 for k in batch.new if k in batch.items)
    extra = {
        "count": count.id,
        "reads": batch.reads,
        "items": len(batch.items),
        "new": new,
        "unknown": len(batch.unknown),
        "duplicates": len(batch.repeated),
    }
    return Outcome(
        "inventory_seen",
        Msg(
            "count: {reads} reads, {items} items ({new} new), {unknown} unknown codes",
            {"reads": batch.reads, "items": len(batch.items), "new": new, "unknown": len(batch.unknown)},
        ),
        seq=rec.seq,
        extra=extra,
    )


def close_count(store: Store, station: Station, person: Person, actor: str) -> Outcome:
    """Close the open count at a station (only its starter or a custodian) and store its result."""
    m = store.m
    with store.writing():
        count = open_count(store, station)
        if count is None:
            raise Conflict("no count is open at “{station}”", station=station.name)
        decision = rules.decide_close_count(
            actions_core.person_facts(store, person), _open_facts(store, count)
        )
        if isinstance(decision, Refusal):
            raise _refuse(store, "count_close", decision, actor=actor, person=person, station=station)
        result = _result(store, station, count)
        now = store.now()
        summary = {k: len(v) for k, v in result.items() if k != "found"} | {"found": len(result["found"])}
        rec = ledger.append(
            store,
            "count_closed",
            now,
            person=person.id,
            station=station.name,
            actor=actor,
            data={
                "count": count.id,
                "expected": count.expected_count,
                "summary": summary,
                "codes": {k: [e["code"] for e in v] for k, v in result.items() if k != "found"},
            },
        )
        m.InventoryCount.update(
            open_key=None,
            closed_by=person.id,
            closed_at=now,
            close_seq=rec.seq,
            result=json.dumps(result, ensure_ascii=False),
            found=summary["found"],
            missing=summary["missing"],
            misplaced=summary["misplaced"],
            out_but_seen=summary["out_but_seen"],
            unknown=summary["unknown"],
            duplicates=summary["duplicates"],
        ).where(m.InventoryCount.id == count.id).execute()
    return Outcome(
        "command",
        Msg(
            "count closed at {station}: found {found}, missing {missing}, misplaced {misplaced}, "
            "out but seen {out_but_seen}, unknown {unknown}, duplicates {duplicates}",
            {"station": station.name, **summary},
        ),
        person=person,
        seq=rec.seq,
        extra={"command": "count_close", "count": count.id, **summary},
    )


def _result(store: Store, station: Station, count: InventoryCount) -> dict[str, list[dict[str, Any]]]:
    """Reconcile a count from its tables and describe each entry for the report."""
    m = store.m
    expected = {
        code
        for (code,) in (
            m.Item.select(m.Item.code)
            .join(m.InventoryExpected, on=(m.InventoryExpected.item == m.Item.id))
            .where(m.InventoryExpected.count == count.id)
            .tuples()
        )
    }
    seen: dict[str, SeenFacts] = {}
    reads: dict[str, int] = {}
    unknown: dict[str, int] = {}
    names = {s.id: s.name for s in m.Station.select(m.Station.id, m.Station.name)}
    Seen = m.InventorySeen  # noqa: N806 - the store's table
    for key, item_id, n, home, status in (
        Seen.select(Seen.key, Seen.item, Seen.reads, m.Item.home, m.Item.status)
        .join(m.Item, peewee.JOIN.LEFT_OUTER, on=(Seen.item == m.Item.id))
        .where(Seen.count == count.id)
        .tuples()
    ):
        if item_id is None:
            unknown[key] = n
        else:
            seen[key] = SeenFacts(names[home], status)
            reads[key] = n
    r = reconcile(station.name, expected, seen, unknown, reads)
    described = _describe(
        store, set(r.missing) | set(r.misplaced) | set(r.out_but_seen) | set(r.not_in_stock)
    )
    return {
        "found": [{"code": c} for c in r.found],
        "missing": [described[c] for c in r.missing],
        "misplaced": [described[c] for c in r.misplaced],
        "out_but_seen": [described[c] for c in r.out_but_seen],
        "not_in_stock": [described[c] for c in r.not_in_stock],
        "unknown": [{"code": c, "reads": unknown[c]} for c in r.unknown],
        "duplicates": [{"code": c, "reads": n} for c, n in r.duplicates.items()],
    }


def _describe(store: Store, item_codes: set[str]) -> dict[str, dict[str, Any]]:
    m = store.m
    names = {s.id: s.name for s in m.Station.select(m.Station.id, m.Station.name)}
    people = {}
    out: dict[str, dict[str, Any]] = {}
    wanted = sorted(item_codes)
    for i in range(0, len(wanted), CHUNK):
        for it in m.Item.select().where(m.Item.code.in_(wanted[i : i + CHUNK])):
            if it.holder_id and it.holder_id not in people:
                people[it.holder_id] = m.Person.get_by_id(it.holder_id).name
            out[it.code] = {
                "code": it.code,
                "title": it.title,
                "level": it.level,
                "copy_no": f"{it.copy_no:06d}",
                "home": names[it.home_id],
                "status": it.status,
                "location": names.get(it.location_id) if it.location_id else None,
                "holder": people.get(it.holder_id) if it.holder_id else None,
                "since": to_text(it.since) if it.since else None,
            }
    return out


def report(store: Store, count: InventoryCount, tz: ZoneInfo) -> dict[str, Any]:
    """A count as JSON: its header, and its result once closed (its progress while open). A read."""
    m = store.m
    count = m.InventoryCount.get_by_id(count.id)
    station = m.Station.get_by_id(count.station_id)
    data: dict[str, Any] = {
        "id": count.id,
        "station": station.name,
        "started_by": count.started_by.name,
        "started_at": iso(count.started_at, tz),
        "expected": count.expected_count,
        "closed_by": count.closed_by.name if count.closed_by_id else None,
        "closed_at": iso(count.closed_at, tz),
        "open": count.open_key is not None,
    }
    if count.result is not None:
        result = json.loads(count.result)
        data["summary"] = {k: len(v) for k, v in result.items()}
        data["result"] = result
    else:
        seen = m.InventorySeen.select().where(m.InventorySeen.count == count.id)
        data["progress"] = {
            "seen_items": seen.where(m.InventorySeen.item.is_null(False)).count(),
            "unknown": seen.where(m.InventorySeen.item.is_null()).count(),
        }
    return data
