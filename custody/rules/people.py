"""P8, who may hold an item: the one place it is decided (check-out, a recorded loan, undo).

Each rule reads a `HoldFacts` and returns a `Refusal` or None; `HOLD_RULES` runs them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from custody.rules.facts import ItemFacts, PersonFacts, Refusal, item_params, rank


@dataclass(frozen=True)
class HoldFacts:
    person: PersonFacts
    item: ItemFacts
    today: date


def _params(f: HoldFacts) -> dict:
    return {**item_params(f.item), "person": f.person.name}


def is_active(f: HoldFacts) -> Refusal | None:
    """P8: an inactive person holds nothing."""
    if f.person.active:
        return None
    return Refusal("person_inactive", _params(f), "P8")


def not_off_post(f: HoldFacts) -> Refusal | None:
    """P8: nor does a person in their off-post period (脱密期), its last day included."""
    until = f.person.off_post_until
    if until is None or f.today > until:
        return None
    return Refusal("person_off_post", {**_params(f), "until": until.isoformat()}, "P8")


def cleared(f: HoldFacts) -> Refusal | None:
    """P8: a person holds only items at or below their clearance."""
    if rank(f.person.clearance) >= rank(f.item.level):
        return None
    return Refusal("clearance_too_low", {**_params(f), "clearance": f.person.clearance}, "P8")


HOLD_RULES: tuple[Callable[[HoldFacts], Refusal | None], ...] = (is_active, not_off_post, cleared)


def may_hold(person: PersonFacts, item: ItemFacts, today: date) -> Refusal | None:
    """Why `person` may not hold `item` on `today`, or None."""
    f = HoldFacts(person, item, today)
    for rule in HOLD_RULES:
        refusal = rule(f)
        if refusal is not None:
            return refusal
    return None


# --- P8/P27: changing a person who holds items ---------------------------------------------------


def held_list(held: tuple[ItemFacts, ...]) -> str:
    """What to hand back, as a refusal names it: `123456789012 “title”, …`."""
    return ", ".join(f"{i.code} “{i.title}”" for i in held)


def may_close_out(person: PersonFacts, held: tuple[ItemFacts, ...]) -> Refusal | None:
    """P8/P27: a person holding anything (as holder or second holder) is not deactivated nor put
    off post: refused with the list of what to hand back."""
    if not held:
        return None
    return Refusal(
        "must_hand_back", {"person": person.name, "count": len(held), "items": held_list(held)}, "P8"
    )


def may_lower_clearance(person: PersonFacts, held: tuple[ItemFacts, ...], clearance: str) -> Refusal | None:
    """P8: a clearance is not lowered below what the person holds (equal to the level is fine)."""
    above = tuple(i for i in held if rank(i.level) > rank(clearance))
    if not above:
        return None
    return Refusal(
        "clearance_below_held",
        {"person": person.name, "clearance": clearance, "items": held_list(above)},
        "P8",
    )
