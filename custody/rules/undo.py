"""Undoing a check-out or a return at the station (CMD-UNDO): allowed only while nothing has
changed the item since, and undoing a return re-lends, so it asks P8 like a check-out."""

from __future__ import annotations

from collections.abc import Callable

from custody.rules.facts import Allowed, Decision, Refusal, UndoFacts, first_refusal, item_params
from custody.rules.people import may_hold


def unchanged_since(f: UndoFacts) -> Refusal | None:
    """The event must still be the item's latest, and its person must still exist."""
    if f.last_seq == f.seq and f.holder is not None:
        return None
    return Refusal("undo_changed_since", item_params(f.item))


def relend_allowed(f: UndoFacts) -> Refusal | None:
    """Undoing a return gives the item back to its holder: P8 must allow them to hold it now."""
    if f.kind != "returned" or f.holder is None:
        return None
    return may_hold(f.holder, f.item, f.now.date())


UNDO_RULES: tuple[Callable[[UndoFacts], Refusal | None], ...] = (unchanged_since, relend_allowed)


def decide_undo(f: UndoFacts) -> Decision:
    return first_refusal(UNDO_RULES, f) or Allowed(params=item_params(f.item))
