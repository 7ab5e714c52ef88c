"""P10/P23: who may approve, and which approval given beforehand is valid now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from custody.rules.facts import Allowed, ApprovalFacts, Decision, PersonFacts, Refusal

MAX_HOURS = 24 * 31  # the longest window an approval may have


def decide_approve(approver: PersonFacts) -> Decision:
    """P10/P23: only active office leaders approve."""
    if approver.role != "leader" or not approver.active:
        return Refusal("approver_not_leader", {"approver": approver.name}, "P10")
    return Allowed()


def leader_present(approver: PersonFacts | None, person: PersonFacts) -> bool:
    """An ACTIVE leader's badge at the station (or named at the desk) counts as approval, but not
    for the leader's own loan (P8: an approver must be an active leader)."""
    return approver is not None and approver.role == "leader" and approver.active and approver.id != person.id


def window(start: datetime, hours: float) -> tuple[datetime, datetime]:
    """An approval's window: from `start` for `hours`, both ends included."""
    return start, start + timedelta(hours=hours)


def hours_allowed(hours: float) -> bool:
    return 0 < hours <= MAX_HOURS


def is_valid(a: ApprovalFacts, person_id: int, item_code: str, now: datetime) -> bool:
    """An approval counts for this person and item, unused, inside its window (first and last
    moment included)."""
    return (
        a.person_id == person_id
        and a.item_code == item_code
        and not a.used
        and a.valid_from <= now <= a.valid_until
    )


def valid_approval(
    approvals: Iterable[ApprovalFacts], person_id: int, item_code: str, now: datetime
) -> ApprovalFacts | None:
    """The first approval that counts now, or None."""
    for a in approvals:
        if is_valid(a, person_id, item_code, now):
            return a
    return None
