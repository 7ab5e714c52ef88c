"""Rebuilding state from the ledger alone: for `verify` and for sweeps at a past moment."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from custody.ledger.chain import Record
from custody.models.core import to_text

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
    no_copy: bool = False
    due_back: str | None = None
    copy_of: str | None = None
    lost_from: str | None = None
    # issue 14: the distribution scope (P9) and a loan's terms (P13/P14/P28)
    scope: tuple[str, ...] = ()
    loan_purpose: str | None = None
    loan_due: str | None = None
    second_holder: int | None = None
    loan_unit: str | None = None
    loan_recipient: str | None = None
    loan_use: str | None = None
    # issue 16: the rest of the row, so that verify compares every column
    total_copies: int | None = None
    received_by: int | None = None
    brought_by: int | None = None
    received_at: str | None = None
    reviewed_on: str | None = None


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
        no_copy=bool(d.get("no_copy", False)),
        due_back=d.get("due_back"),
        copy_of=d.get("copy_of"),
        scope=tuple(d.get("scope") or ()),
        total_copies=d.get("total_copies"),
        received_by=r.person,
        brought_by=d.get("brought_by"),
        received_at=r.at,
    )


def _checked_out(states: dict[str, ItemState], r: Record) -> None:
    s = states[r.item]
    s.status, s.holder, s.since, s.location = "out", r.person, r.at, r.station
    _set_terms(s, json.loads(r.data))


def _set_terms(s: ItemState, d: dict) -> None:
    """A loan's terms as its check-out recorded them (issue 14); a return clears them."""
    s.loan_purpose = d.get("purpose")
    due = d.get("due") if s.loan_purpose else None
    s.loan_due = to_text(datetime.fromisoformat(due)) if due else None
    s.second_holder = d.get("with")
    s.loan_unit, s.loan_recipient, s.loan_use = d.get("unit"), d.get("recipient"), d.get("use")


def _returned(states: dict[str, ItemState], r: Record) -> None:
    s = states[r.item]
    s.status, s.holder, s.since, s.location = "in", None, None, r.station
    _set_terms(s, {})


def _scope_set(states: dict[str, ItemState], r: Record) -> None:
    """P9: a leader changed the distribution scope."""
    states[r.item].scope = tuple(json.loads(r.data)["scope"])


def _loan_recorded(states: dict[str, ItemState], r: Record) -> None:
    """A loan that existed before the item was registered here (an imported register): out since `since`."""
    s = states[r.item]
    s.status, s.holder, s.since, s.location = "out", r.person, json.loads(r.data)["since"], r.station


# --- an item's whole life (issue 13) ---


def _ended(status: str):
    def apply(states: dict[str, ItemState], r: Record) -> None:
        s = states[r.item]
        s.status, s.holder, s.since, s.lost_from = status, None, None, None

    return apply


def _reported_lost(states: dict[str, ItemState], r: Record) -> None:
    """P19: lost until resolved; the holder (if it was out) stays on record."""
    s = states[r.item]
    s.lost_from, s.status = s.status, "lost"


def _loss_found(states: dict[str, ItemState], r: Record) -> None:
    """P19: found, back to where it was before the report."""
    s = states[r.item]
    if s.status != "lost" or s.lost_from is None:
        raise ReplayError(r.seq, f"{r.item} found, but no loss of it is open")
    s.status, s.lost_from = s.lost_from, None


def _reviewed(states: dict[str, ItemState], r: Record) -> None:
    d = json.loads(r.data)
    s = states[r.item]
    s.level, s.period = d["level"], d["period"]
    s.reviewed_on = d.get("on")


def _due_back_set(states: dict[str, ItemState], r: Record) -> None:
    states[r.item].due_back = json.loads(r.data)["due_back"]


CREATES = ("received", "copied")  # the events that register an item

APPLY = {
    "received": _received,
    "copied": _received,  # P16: a copy is registered like a receipt, naming its original
    "checked_out": _checked_out,
    "returned": _returned,
    "loan_recorded": _loan_recorded,
    "destroyed": _ended("destroyed"),
    "returned_to_issuer": _ended("returned-to-issuer"),
    "loss_confirmed": _ended("lost"),
    "reported_lost": _reported_lost,
    "loss_found": _loss_found,
    "reviewed": _reviewed,
    "due_back_set": _due_back_set,
    "scope_set": _scope_set,
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
        if r.kind not in CREATES and r.item not in states:
            raise ReplayError(r.seq, f"{r.kind} of unknown item {r.item}")
        if r.kind in CREATES and r.item in states:
            raise ReplayError(r.seq, f"item {r.item} received twice")
        fn(states, r)
    return states
