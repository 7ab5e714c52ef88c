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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from custody import codes as codes_mod
from custody import settings
from custody.actions.core import Outcome
from custody.closing.schedule import refuse
from custody.errors import Conflict
from custody.ledger import chain as ledger
from custody.models.closing import InventoryCount, InventoryExpected, InventorySeen
from custody.models.core import Item, Person, Station, Tag, to_text
from custody.reports.shapes import iso
from custody.store.core import Store

STARTERS = ("custodian", "leader")  # who may start a count (P23)
CHUNK = 500  # values per IN (…) or multi-row INSERT: inside every database's parameter limit


def _t(store: Store, zh: str, en: str) -> str:
    return en if store.lang == "en" else zh


# --- the pure part ------------------------------------------------------------------


@dataclass(frozen=True)
class SeenFacts:
    """What the tables say about an item that was seen."""

    home: str
    status: str


@dataclass
class Reconciliation:
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    misplaced: list[str] = field(default_factory=list)
    out_but_seen: list[str] = field(default_factory=list)
    not_in_stock: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicates: dict[str, int] = field(default_factory=dict)  # code → reads, for codes read more than once


def classify(station: str, f: SeenFacts) -> str:
    """The category of one seen item: found, misplaced, out_but_seen or not_in_stock."""
    if f.status == "out":
        return "out_but_seen"
    if f.status != "in":
        return "not_in_stock"
    return "found" if f.home == station else "misplaced"


def reconcile(
    station: str,
    expected: Iterable[str],
    seen: Mapping[str, SeenFacts],
    unknown: Mapping[str, int],
    reads: Mapping[str, int],
) -> Reconciliation:
    """Sort a count: `expected` is the frozen list, `seen` the items seen (by code), `unknown` the codes
    that matched no item with their reads, `reads` the reads of each seen item."""
    r = Reconciliation()
    for code in sorted(seen):
        getattr(r, classify(station, seen[code])).append(code)
    r.missing = sorted(set(expected) - seen.keys())
    r.unknown = sorted(unknown)
    r.duplicates = {c: n for c, n in sorted({**reads, **unknown}.items()) if n > 1}
    return r


# --- resolving scanned codes ------------------------------------------------------------


def resolve(raw_codes: Iterable[str]) -> dict[str, tuple[int, str] | None]:
    """Each scanned code (stripped) → (item id, item code), or None when it names no item.

    A barcode, an RFID tag in its registered form, or an EM4100 tag in its other form (hex ↔ the
    decimal fob number) all resolve, in a few queries for any number of codes."""
    texts = {c.strip() for c in raw_codes if c and c.strip()}
    out: dict[str, tuple[int, str] | None] = dict.fromkeys(texts)
    wanted = {t: t for t in texts} | {t.upper(): t for t in texts if t.upper() not in texts}
    keys = sorted(wanted)
    for i in range(0, len(keys), CHUNK):
        chunk = keys[i : i + CHUNK]
        for tag_code, item_id, item_code in (
            Tag.select(Tag.code, Item.id, Item.code)
            .join(Item, on=(Tag.item == Item.id))
            .where(Tag.code.in_(chunk))
            .tuples()
        ):
            text = wanted[tag_code]
            if out[text] is None:
                out[text] = (item_id, item_code)
    by_low: dict[int, list[str]] = {}
    by_dec: dict[int, list[str]] = {}
    for text, found in out.items():
        if found is None and len(text) == 10:
            low, dec = codes_mod.rfid_keys(text)
            if low is not None:
                by_low.setdefault(low, []).append(text)
            if dec is not None:
                by_dec.setdefault(dec, []).append(text)
    for values, column, index in (
        (sorted(by_low), Tag.dec_value, by_low),
        (sorted(by_dec), Tag.hex_low32, by_dec),
    ):
        for i in range(0, len(values), CHUNK):
            chunk = values[i : i + CHUNK]
            for value, item_id, item_code in (
                Tag.select(column, Item.id, Item.code)
                .join(Item, on=(Tag.item == Item.id))
                .where(column.in_(chunk))
                .tuples()
            ):
                for text in index[value]:
                    if out[text] is None:
                        out[text] = (item_id, item_code)
    return out


# --- the write path ------------------------------------------------------------------


def open_count(station: Station) -> InventoryCount | None:
    """The count open at a station, if any."""
    return InventoryCount.get_or_none(
        (InventoryCount.station == station) & InventoryCount.open_key.is_null(False)
    )


def _since(store: Store, count: InventoryCount) -> str:
    tz = ZoneInfo(settings.get(store, "timezone"))
    return count.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def start_count(store: Store, station: Station, person: Person, actor: str) -> Outcome:
    """Start a count at a station: freeze the list of what should be there. A second start is refused."""
    refusal: tuple[str, dict[str, Any]] | None = None
    with store.writing():
        existing = open_count(station)
        if person.role not in STARTERS or not person.active:
            refusal = ("count_start_not_allowed", {"person": person.name})
        elif existing is not None:
            refusal = (
                "count_already_open",
                {
                    "station": station.name,
                    "starter": existing.started_by.name,
                    "since": _since(store, existing),
                },
            )
        else:
            now = store.now()
            count = InventoryCount.create(
                station=station,
                started_by=person,
                started_at=now,
                start_seq=0,
                expected_count=0,
                open_key=station.id,
            )
            InventoryExpected.insert_from(
                Item.select(peewee.Value(count.id), Item.id).where(
                    (Item.home == station) & (Item.status == "in")
                ),
                fields=[InventoryExpected.count, InventoryExpected.item],
            ).execute()
            expected = InventoryExpected.select().where(InventoryExpected.count == count).count()
            rec = ledger.append(
                "count_started",
                now,
                person=person.id,
                station=station.name,
                actor=actor,
                data={"count": count.id, "expected": expected},
            )
            InventoryCount.update(start_seq=rec.seq, expected_count=expected).where(
                InventoryCount.id == count.id
            ).execute()
    if refusal is not None:
        raise refuse(
            store,
            "count_start",
            refusal[0],
            refusal[1],
            actor=actor,
            station=station.name,
            person_id=person.id,
        )
    return Outcome(
        "command",
        _t(
            store,
            f"{station.name}开始清点（{person.name}）：应在 {expected} 件，请逐件扫描",
            f"count started at {station.name} by {person.name}: {expected} items expected, scan each one",
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


def _record_reads(store: Store, count: InventoryCount, reads: Sequence[tuple[str, str | None]]) -> _Batch:
    """Add reads to a count (inside the caller's transaction): one row per item or unknown code."""
    if InventoryCount.get_by_id(count.id).open_key is None:
        raise Conflict(f"第 {count.id} 次清点已结束，不能再扫", f"count {count.id} is closed; no more scans")
    resolved = resolve(code for code, _ in reads)
    batch = _Batch()
    per_key: dict[str, int] = {}
    scan_of: dict[str, str | None] = {}
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
    existing: dict[str, int] = {}
    keys = list(per_key)
    for i in range(0, len(keys), CHUNK):
        existing.update(
            InventorySeen.select(InventorySeen.key, InventorySeen.id)
            .where((InventorySeen.count == count) & InventorySeen.key.in_(keys[i : i + CHUNK]))
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
        InventorySeen.insert_many(rows[i : i + CHUNK // 5]).execute()
    by_increment: dict[int, list[int]] = {}
    for k, row_id in existing.items():
        by_increment.setdefault(per_key[k], []).append(row_id)
    for n, ids in by_increment.items():
        for i in range(0, len(ids), CHUNK):
            InventorySeen.update(reads=InventorySeen.reads + n).where(
                InventorySeen.id.in_(ids[i : i + CHUNK])
            ).execute()
    batch.new = [r["key"] for r in rows]
    batch.repeated = sorted(existing) + [k for k, n in per_key.items() if n > 1 and k not in existing]
    return batch


def mark_seen(store: Store, count: InventoryCount, code: str, scan_id: str | None, actor: str) -> Outcome:
    """One scan during a count (outcome `inventory_seen`), with what it means for this station."""
    station = Station.get_by_id(count.station_id)
    with store.writing():
        batch = _record_reads(store, count, [(code, scan_id)])
        key = next(iter(batch.items), None) or (batch.unknown[0] if batch.unknown else code.strip())
        item = Item.get_by_id(batch.items[key]) if key in batch.items else None
        rec = ledger.append(
            "inventory_seen",
            store.now(),
            item=item.code if item else None,
            station=station.name,
            actor=actor,
            data={"count": count.id, "code": code.strip(), "scan_id": scan_id, "known": item is not None},
        )
    repeat = _t(store, "（重复）", " (again)") if key in batch.repeated else ""
    if item is None:
        return Outcome(
            "inventory_seen",
            _t(store, f"清点：编码“{key}”未登记{repeat}", f"count: code {key!r} is not registered{repeat}"),
            seq=rec.seq,
            extra={"count": count.id, "category": "unknown", "duplicate": bool(repeat)},
        )
    category = classify(station.name, SeenFacts(item.home.name, item.status))
    notes = {
        "found": ("", ""),
        "misplaced": (f"，应存放于“{item.home.name}”", f"; its home is “{item.home.name}”"),
        "out_but_seen": (
            f"，登记为借给{item.holder.name if item.holder_id else '?'}，归还未扫描",
            f"; recorded as out to {item.holder.name if item.holder_id else '?'}: a return never scanned",
        ),
        "not_in_stock": (f"，状态为{item.status}", f"; its status is {item.status}"),
    }[category]
    return Outcome(
        "inventory_seen",
        _t(
            store,
            f"清点：“{item.title}”（{item.code}）{notes[0]}{repeat}",
            f"count: “{item.title}” ({item.code}){notes[1]}{repeat}",
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
    station = Station.get_by_id(count.station_id)
    reads = list(zip(codes, scan_ids or [None] * len(codes), strict=True))
    with store.writing():
        batch = _record_reads(store, count, reads)
        rec = ledger.append(
            "inventory_seen",
            store.now(),
            station=station.name,
            actor=actor,
            data={
                "count": count.id,
                "reads": batch.reads,
                "items": sorted(batch.items),
                "unknown": batch.unknown,
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
        _t(
            store,
            f"清点：{batch.reads} 次读取，{len(batch.items)} 件物品（新 {new}），"
            f"未登记编码 {len(batch.unknown)} 个",
            f"count: {batch.reads} reads, {len(batch.items)} items ({new} new), "
            f"{len(batch.unknown)} unknown codes",
        ),
        seq=rec.seq,
        extra=extra,
    )


def close_count(store: Store, station: Station, person: Person, actor: str) -> Outcome:
    """Close the open count at a station (only its starter or a custodian) and store its result."""
    refusal: tuple[str, dict[str, Any]] | None = None
    with store.writing():
        count = open_count(station)
        if count is None:
            raise Conflict(f"“{station.name}”没有正在进行的清点", f"no count is open at “{station.name}”")
        if person.id != count.started_by_id and (person.role != "custodian" or not person.active):
            refusal = ("count_close_not_allowed", {"starter": count.started_by.name, "person": person.name})
        else:
            result = _result(station, count)
            now = store.now()
            summary = {k: len(v) for k, v in result.items() if k != "found"} | {"found": len(result["found"])}
            rec = ledger.append(
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
            InventoryCount.update(
                open_key=None,
                closed_by=person,
                closed_at=now,
                close_seq=rec.seq,
                result=json.dumps(result, ensure_ascii=False),
                found=summary["found"],
                missing=summary["missing"],
                misplaced=summary["misplaced"],
                out_but_seen=summary["out_but_seen"],
                unknown=summary["unknown"],
                duplicates=summary["duplicates"],
            ).where(InventoryCount.id == count.id).execute()
    if refusal is not None:
        raise refuse(
            store,
            "count_close",
            refusal[0],
            refusal[1],
            actor=actor,
            station=station.name,
            person_id=person.id,
        )
    s = summary
    return Outcome(
        "command",
        _t(
            store,
            f"{station.name}清点结束：在位 {s['found']}，缺失 {s['missing']}，错放 {s['misplaced']}，"
            f"借出但在位 {s['out_but_seen']}，未登记编码 {s['unknown']}，重复 {s['duplicates']}",
            f"count closed at {station.name}: found {s['found']}, missing {s['missing']}, "
            f"misplaced {s['misplaced']}, out but seen {s['out_but_seen']}, unknown {s['unknown']}, "
            f"duplicates {s['duplicates']}",
        ),
        person=person,
        seq=rec.seq,
        extra={"command": "count_close", "count": count.id, **summary},
    )


def _result(station: Station, count: InventoryCount) -> dict[str, list[dict[str, Any]]]:
    """Reconcile a count from its tables and describe each entry for the report."""
    expected = {
        code
        for (code,) in (
            Item.select(Item.code)
            .join(InventoryExpected, on=(InventoryExpected.item == Item.id))
            .where(InventoryExpected.count == count)
            .tuples()
        )
    }
    seen: dict[str, SeenFacts] = {}
    reads: dict[str, int] = {}
    unknown: dict[str, int] = {}
    names = {s.id: s.name for s in Station.select(Station.id, Station.name)}
    for key, item_id, n, home, status in (
        InventorySeen.select(
            InventorySeen.key, InventorySeen.item, InventorySeen.reads, Item.home, Item.status
        )
        .join(Item, peewee.JOIN.LEFT_OUTER, on=(InventorySeen.item == Item.id))
        .where(InventorySeen.count == count)
        .tuples()
    ):
        if item_id is None:
            unknown[key] = n
        else:
            seen[key] = SeenFacts(names[home], status)
            reads[key] = n
    r = reconcile(station.name, expected, seen, unknown, reads)
    described = _describe(set(r.missing) | set(r.misplaced) | set(r.out_but_seen) | set(r.not_in_stock))
    return {
        "found": [{"code": c} for c in r.found],
        "missing": [described[c] for c in r.missing],
        "misplaced": [described[c] for c in r.misplaced],
        "out_but_seen": [described[c] for c in r.out_but_seen],
        "not_in_stock": [described[c] for c in r.not_in_stock],
        "unknown": [{"code": c, "reads": unknown[c]} for c in r.unknown],
        "duplicates": [{"code": c, "reads": n} for c, n in r.duplicates.items()],
    }


def _describe(item_codes: set[str]) -> dict[str, dict[str, Any]]:
    names = {s.id: s.name for s in Station.select(Station.id, Station.name)}
    people = {}
    out: dict[str, dict[str, Any]] = {}
    wanted = sorted(item_codes)
    for i in range(0, len(wanted), CHUNK):
        for it in Item.select().where(Item.code.in_(wanted[i : i + CHUNK])):
            if it.holder_id and it.holder_id not in people:
                people[it.holder_id] = Person.get_by_id(it.holder_id).name
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


def report(count: InventoryCount, tz: ZoneInfo) -> dict[str, Any]:
    """A count as JSON: its header, and its result once closed (its progress while open)."""
    station = Station.get_by_id(count.station_id)
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
        seen = InventorySeen.select().where(InventorySeen.count == count)
        data["progress"] = {
            "seen_items": seen.where(InventorySeen.item.is_null(False)).count(),
            "unknown": seen.where(InventorySeen.item.is_null()).count(),
        }
    return data


def last_count(station: Station) -> InventoryCount | None:
    return (
        InventoryCount.select()
        .where(InventoryCount.station == station)
        .order_by(InventoryCount.started_at.desc(), InventoryCount.id.desc())
        .first()
    )
