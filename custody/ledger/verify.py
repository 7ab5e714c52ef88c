"""`custody verify`: re-walk the chain, recompute every hash, rebuild every table from the events
alone and compare each with the tables (`custody.ledger.rebuild`, `custody.ledger.compare`).

The first problem found is reported: a broken link of the chain (the event named), a head that does
not match the last event, or the first difference between a table and its rebuilt state (table, row,
column, the table's value and the ledger's).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from custody.ledger import chain as ledger
from custody.ledger import compare
from custody.ledger.chain import GENESIS, Record
from custody.ledger.closing_compare import CLOSING_TABLES
from custody.ledger.rebuild import Rebuilt, rebuild
from custody.ledger.replay import ReplayError

if TYPE_CHECKING:
    from custody.store.core import Store

# the order tables are compared in: items first (as the first verify did), the rows they name next
TABLES = (
    compare.items,
    compare.people,
    compare.tags,
    compare.device_tokens,
    compare.users,
    compare.departments,
    compare.settings,
    compare.approvals,
    compare.requests,
    *CLOSING_TABLES,  # sweep records, closing checks, inventory counts with their lists and seen rows
)


@dataclass
class Report:
    ok: bool
    events: int
    items: int
    bad_seq: int | None = None
    problem: str = ""
    # the first difference between a table and the ledger, when that is what failed
    table: str | None = None
    row: str | None = None
    column: str | None = None
    stored: Any = None
    replayed: Any = None
    counts: dict[str, int] = field(default_factory=dict)  # rows compared, per table
    unprovable: list[str] = field(default_factory=list)  # device tokens whose hash the ledger lacks


def _checked_chain(records: Iterator[Record], counter: list[Any]) -> Iterator[Record]:
    """The records, checked link by link; `counter` holds how many passed and the last one's hash."""
    expected_seq, prev = 1, GENESIS
    event_hash = ledger.event_hash
    for r in records:
        if r.seq != expected_seq:
            raise ReplayError(
                r.seq, f"sequence gap: expected #{expected_seq} (an event is missing or reordered)"
            )
        if r.prev_hash != prev:
            raise ReplayError(r.seq, "previous-hash link broken (an earlier event was removed or reordered)")
        digest = event_hash(r.seq, r.at, r.kind, r.item, r.person, r.station, r.actor, r.data, r.prev_hash)
        if digest != r.hash:
            raise ReplayError(r.seq, "content does not match its hash (the event was changed)")
        counter[0] += 1
        counter[1] = r.hash
        expected_seq, prev = r.seq + 1, r.hash
        yield r


def verify(store: Store) -> Report:
    """The whole check, read in one snapshot (`store.reading()`)."""
    with store.reading():
        return _verify(store)


def _verify(store: Store) -> Report:
    LedgerHead = store.m.LedgerHead  # noqa: N806 - the store's table
    counter: list[Any] = [0, GENESIS]
    try:
        state = rebuild(_checked_chain(ledger.walk(store), counter))
    except ReplayError as exc:
        return Report(False, counter[0], 0, exc.seq, exc.why)
    head = LedgerHead.get_or_none(LedgerHead.id == 1)
    at_head = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if at_head != (counter[0], counter[1]):
        return Report(
            False,
            counter[0],
            len(state.items),
            head.seq if head else None,
            "chain head does not match the last event (events were removed from the end)",
        )
    return compare_tables(store, state, counter[0])


def compare_tables(store: Store, state: Rebuilt, events: int) -> Report:
    """Every table against `state`; the report of the first difference, or ok."""
    t = compare.Tables({}, {}, {}, [])
    # stations first: the other tables name stations by id, the ledger by name
    checks = [compare.stations, *TABLES]
    for check in checks:
        diff = check(store, state, t)
        if diff is not None:
            return _failed(diff, events, state)
    diff = compare.scans(store, state, t, events)
    if diff is not None:
        return _failed(diff, events, state)
    return Report(True, events, len(state.items), counts=t.counts, unprovable=t.unprovable)


def _failed(diff: compare.Difference, events: int, state: Rebuilt) -> Report:
    return Report(
        False,
        events,
        len(state.items),
        diff.seq,
        diff.problem,
        table=diff.table,
        row=diff.row,
        column=diff.column,
        stored=diff.stored,
        replayed=diff.replayed,
    )
