"""The office rules as pure functions: facts and a clock in, a decision out.

Each rule is a small function over facts returning a `Refusal` or None; a
decision runs its rules in order and the first refusal wins. Adding a rule is
adding a function to a tuple, and its tests.
"""

from __future__ import annotations

from collections.abc import Callable
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
class ReceiveFacts:
    level: str
    kind: str
    home: str
    home_kind: str


@dataclass(frozen=True)
class Refusal:
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Allowed:
    flags: tuple[str, ...] = ()
    approval: ApprovalFacts | None = None
    params: dict[str, Any] = field(default_factory=dict)


Decision = Allowed | Refusal


def _item_params(item: ItemFacts) -> dict[str, Any]:
    return {"code": item.code, "title": item.title, "level": item.level, "kind": item.kind}


def rank(level_slug: str) -> int:
    return LEVEL_BY_SLUG[level_slug].rank


# --- check-out rules --------------------------------------------------------


def item_is_home(f: CheckOutFacts) -> Refusal | None:
    """An item can be lent only while it is in."""
    if f.item.status == "in":
        return None
    if f.item.status == "out":
        holder = f.item.holder.name if f.item.holder else "?"
        since = f.item.since.isoformat(timespec="minutes") if f.item.since else "?"
        return Refusal("already_out", {**_item_params(f.item), "holder": holder, "since": since})
    return Refusal("not_available", {**_item_params(f.item), "status": f.item.status})


def person_may_hold(f: CheckOutFacts) -> Refusal | None:
    """P8: inactive people and people in their off-post period hold nothing."""
    p = f.person
    if not p.active:
        return Refusal("person_inactive", {**_item_params(f.item), "person": p.name})
    if p.off_post_until is not None and f.now.date() <= p.off_post_until:
        return Refusal(
            "person_off_post",
            {**_item_params(f.item), "person": p.name, "until": p.off_post_until.isoformat()},
        )
    return None


def clearance(f: CheckOutFacts) -> Refusal | None:
    """P8: a person holds only items at or below their clearance."""
    if rank(f.person.clearance) >= rank(f.item.level):
        return None
    return Refusal(
        "clearance_too_low",
        {**_item_params(f.item), "person": f.person.name, "clearance": f.person.clearance},
    )


def leader_present(f: CheckOutFacts) -> bool:
    return f.approver is not None and f.approver.role == "leader" and f.approver.id != f.person.id


def _valid_approval(f: CheckOutFacts) -> ApprovalFacts | None:
    for a in f.approvals:
        if (
            a.person_id == f.person.id
            and a.item_code == f.item.code
            and not a.used
            and a.valid_from <= f.now <= a.valid_until
        ):
            return a
    return None


def need_to_know(f: CheckOutFacts) -> Refusal | None:
    """P9: outside the item's distribution scope, borrowing needs a leader's approval."""
    scope = f.item.scope
    if not scope or f.person.dept in scope or f.person.badge in scope or f.person.name in scope:
        return None
    if leader_present(f) or _valid_approval(f):
        return None
    return Refusal("outside_scope", {**_item_params(f.item), "person": f.person.name})


def top_secret_needs_leader(f: CheckOutFacts) -> Refusal | None:
    """P10: a top-secret item is lent only with an office leader's approval."""
    if f.item.level != "top-secret" or leader_present(f) or _valid_approval(f):
        return None
    return Refusal("needs_leader", {**_item_params(f.item), "person": f.person.name})


CHECK_OUT_RULES: tuple[Callable[[CheckOutFacts], Refusal | None], ...] = (
    item_is_home,
    person_may_hold,
    clearance,
    need_to_know,
    top_secret_needs_leader,
)


def decide_check_out(f: CheckOutFacts) -> Decision:
    for rule in CHECK_OUT_RULES:
        refusal = rule(f)
        if refusal is not None:
            return refusal
    approval = None
    if not leader_present(f):
        approval = _valid_approval(f)
    return Allowed(approval=approval, params={**_item_params(f.item), "person": f.person.name})


# --- return -----------------------------------------------------------------


def decide_return(f: ReturnFacts) -> Decision:
    """P7/P12: a return is accepted when the item is out; hand-on and a wrong station are flagged."""
    if f.item.status != "out":
        return Refusal("not_out", {**_item_params(f.item), "status": f.item.status})
    flags: list[str] = []
    holder = f.item.holder
    params = {
        **_item_params(f.item),
        "holder": holder.name if holder else "?",
        "station": f.station,
        "home": f.item.home,
    }
    if f.presenter is not None and holder is not None and f.presenter.id != holder.id:
        flags.append("returned_by_other")
        params["presenter"] = f.presenter.name
    if f.station != f.item.home:
        flags.append("returned_elsewhere")
    return Allowed(flags=tuple(flags), params=params)


# --- receive ----------------------------------------------------------------

HOME_IN_SAFE_KINDS = ("seal", "letter")


def decide_receive(f: ReceiveFacts) -> Decision:
    """P5: top-secret items, seals and letters of introduction live in a safe."""
    if (f.level == "top-secret" or f.kind in HOME_IN_SAFE_KINDS) and f.home_kind != "safe":
        return Refusal(
            "home_not_safe",
            {"level": f.level, "kind": f.kind, "station": f.home, "station_kind": f.home_kind},
        )
    return Allowed()


# --- approve ----------------------------------------------------------------


def decide_approve(approver: PersonFacts) -> Decision:
    """P10/P23: only office leaders approve."""
    if approver.role != "leader" or not approver.active:
        return Refusal("approver_not_leader", {"approver": approver.name})
    return Allowed()
