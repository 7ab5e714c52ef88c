"""Rebuilding state from the ledger alone: for `verify` and for sweeps at a past moment."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from custody.ledger.chain import Record

REGISTRATION_FIELDS = ("title", "kind", "level", "period", "copy_no", "doc_no", "issuer", "home")


@dataclass
class ItemState:
    code: str
    title: str
    kind: str
    level: str
    period: str
    copy_no: int
    doc_no: str
    issuer: str
    home: str
    status: str = "in"
    holder: int | None = None
    since: str | None = None
    location: str | None = None
    first_seq: int = 0


# What each event kind does to an item's state. Rules that land later add kinds here.
def _received(states: dict[str, ItemState], r: Record) -> None:
    d = json.loads(r.data)
    states[r.item] = ItemState(
        code=r.item,
        title=d["title"],
        kind=d["kind"],
        level=d["level"],
        period=d["period"],
        copy_no=d["copy_no"],
        doc_no=d["doc_no"],
        issuer=d["issuer"],
        home=d["home"],
        location=d["home"],
        first_seq=r.seq,
    )


def _checked_out(states: dict[str, ItemState], r: Record) -> None:
    s = states[r.item]
    s.status, s.holder, s.since, s.location = "out", r.person, r.at, r.station


def _returned(states: dict[str, ItemState], r: Record) -> None:
    s = states[r.item]
    s.status, s.holder, s.since, s.location = "in", None, None, r.station


def _loan_recorded(states: dict[str, ItemState], r: Record) -> None:
    """A loan that existed before the item was registered here (an imported register): out since `since`."""
    s = states[r.item]
    s.status, s.holder, s.since, s.location = "out", r.person, json.loads(r.data)["since"], r.station


APPLY = {
    "received": _received,
    "checked_out": _checked_out,
    "returned": _returned,
    "loan_recorded": _loan_recorded,
}


class ReplayError(Exception):
    def __init__(self, seq: int, why: str) -> None:
        super().__init__(f"event #{seq}: {why}")
        self.seq = seq
        self.why = why


def replay(records: Iterable[Record]) -> dict[str, ItemState]:
    """Item states after applying every record in order."""
    states: dict[str, ItemState] = {}
    for r in records:
        fn = APPLY.get(r.kind)
        if fn is None:
            continue
        if r.kind != "received" and r.item not in states:
            raise ReplayError(r.seq, f"{r.kind} of unknown item {r.item}")
        if r.kind == "received" and r.item in states:
            raise ReplayError(r.seq, f"item {r.item} received twice")
        fn(states, r)
    return states
