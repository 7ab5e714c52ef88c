"""The plain facts every rule reads, and what a rule answers (`Allowed` or `Refusal`).

Facts are frozen dataclasses built by `custody.actions` from rows; rules never see a row, a
database or a clock (`now` is a fact).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from custody.vocab import LEVEL_BY_SLUG


@dataclass(frozen=True)
class PersonFacts:
    id: int
    name: str
    role: str
    clearance: str
    dept: str = ""
    badge: str = ""
    active: bool = True
    off_post_until: date | None = None


@dataclass(frozen=True)
class ItemFacts:
    code: str
    title: str
    kind: str
    level: str
    status: str = "in"
    holder: PersonFacts | None = None
    since: datetime | None = None
    home: str = ""
    home_kind: str = "safe"
    scope: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApprovalFacts:
    id: int
    person_id: int
    item_code: str
    approver: str
    valid_from: datetime
    valid_until: datetime
    used: bool = False


@dataclass(frozen=True)
class CheckOutFacts:
    item: ItemFacts
    person: PersonFacts
    station: str
    station_kind: str
    now: datetime
    approver: PersonFacts | None = None  # a leader present at the station (P10)
    approvals: tuple[ApprovalFacts, ...] = ()


@dataclass(frozen=True)
class ReturnFacts:
    item: ItemFacts
    station: str
    now: datetime
    presenter: PersonFacts | None = None


@dataclass(frozen=True)
class LoanFacts:
    """An existing loan to record (an imported register): `item` is to be out to `person`."""

    item: ItemFacts
    person: PersonFacts
    now: datetime


@dataclass(frozen=True)
class ReceiveFacts:
    level: str
    kind: str
    home: str
    home_kind: str


@dataclass(frozen=True)
class UndoFacts:
    """Undoing the custody event `seq` (a `checked_out` or a `returned`) of `item`.

    `last_seq`: the item's latest state-changing event; `holder`: the person that event names
    (None if that person no longer exists)."""

    kind: str
    seq: int
    last_seq: int | None
    item: ItemFacts
    holder: PersonFacts | None
    now: datetime


@dataclass(frozen=True)
class Refusal:
    reason: str  # a key of custody.messages.catalog.CATALOG
    params: dict[str, Any] = field(default_factory=dict)
    rule: str = ""  # the office rule applied (`P8`)


@dataclass(frozen=True)
class Allowed:
    flags: tuple[str, ...] = ()
    approval: ApprovalFacts | None = None
    params: dict[str, Any] = field(default_factory=dict)


Decision = Allowed | Refusal


def item_params(item: ItemFacts) -> dict[str, Any]:
    """The values every message about an item names."""
    return {"code": item.code, "title": item.title, "level": item.level, "kind": item.kind}


def rank(level_slug: str) -> int:
    return LEVEL_BY_SLUG[level_slug].rank


def first_refusal(rules: tuple, facts: Any) -> Refusal | None:
    """Run `rules` in order over `facts`; the first refusal wins."""
    for rule in rules:
        refusal = rule(facts)
        if refusal is not None:
            return refusal
    return None
