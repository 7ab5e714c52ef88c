"""P26 handover (交接) and P9 scope changes: who may take part, pure over plain facts."""

from __future__ import annotations

from custody.rules.facts import Allowed, Decision, PersonFacts, Refusal
from custody.rules.lifecycle import approver_may_approve


def decide_handover(giver: PersonFacts, taker: PersonFacts, supervisor: PersonFacts) -> Decision:
    """P26: three different active people — the one handing over (移交人), the one taking over
    (接交人) and a supervisor (监交人) who is an active office leader."""
    people = (giver, taker, supervisor)
    if len({p.id for p in people}) != 3:
        return Refusal("handover_people", {}, "P26")
    for p in people:
        if not p.active:
            return Refusal("handover_inactive", {"person": p.name}, "P26")
    if not approver_may_approve(supervisor):
        return Refusal("approver_not_leader", {"approver": supervisor.name}, "P26")
    return Allowed()


def decide_handover_count(station: str, missing: tuple[str, ...]) -> Decision:
    """P26: the handover is recorded only when every item of the station is accounted for."""
    if missing:
        return Refusal(
            "handover_incomplete",
            {"station": station, "count": len(missing), "items": ", ".join(missing)},
            "P26",
        )
    return Allowed()


def decide_scope_change(by: PersonFacts) -> Decision:
    """P9: a distribution scope is changed later only by an active office leader."""
    if approver_may_approve(by):
        return Allowed()
    return Refusal("scope_needs_leader", {"by": by.name}, "P9")
