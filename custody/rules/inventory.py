"""Inventory counts (P22, P23): who may start and close a count, and how a count is sorted.

Pure: facts in, `Allowed`/`Refusal` or a `Reconciliation` out (no database, no clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from custody.rules.facts import Allowed, PersonFacts, Refusal

Decision = Allowed | Refusal

STARTERS = ("custodian", "leader")  # who may start a count (P23)


@dataclass(frozen=True)
class OpenCount:
    """The count already open at a station: who started it and when (local text)."""

    starter_id: int
    starter: str
    since: str


def decide_start_count(person: PersonFacts, station: str, open_count: OpenCount | None) -> Decision:
    """P23: an active custodian or leader starts a count; one count at a time per station (P22)."""
    if person.role not in STARTERS or not person.active:
        return Refusal("count_start_not_allowed", {"person": person.name}, "P23")
    if open_count is not None:
        return Refusal(
            "count_already_open",
            {"station": station, "starter": open_count.starter, "since": open_count.since},
            "P22",
        )
    return Allowed()


def decide_close_count(person: PersonFacts, count: OpenCount) -> Decision:
    """P23: a count is closed by the person who started it, or by an active custodian."""
    if person.id == count.starter_id or (person.role == "custodian" and person.active):
        return Allowed()
    return Refusal("count_close_not_allowed", {"starter": count.starter, "person": person.name}, "P23")


# --- sorting a count ----------------------------------------------------------------


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
