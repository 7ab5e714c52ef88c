"""Check-out, return and a recorded loan (P7–P12): each rule a small function over the facts.

`CHECK_OUT_RULES` runs in order and the first refusal wins. `APPROVAL_RULES` says which of them
an office leader's approval lifts, and for which items: the write path loads the approvals
given beforehand only when `needs_approval(item)`.
"""

from __future__ import annotations

from collections.abc import Callable

from custody.rules import approvals
from custody.rules.facts import (  # noqa: F401 - the facts are part of this module's interface
    Allowed,
    ApprovalFacts,
    CheckOutFacts,
    Decision,
    ItemFacts,
    LoanFacts,
    PersonFacts,
    Refusal,
    ReturnFacts,
    first_refusal,
    item_params,
)
from custody.rules.people import may_hold

Rule = Callable[[CheckOutFacts], Refusal | None]


def _status_refusal(item: ItemFacts) -> Refusal | None:
    """An item can be lent only while it is in."""
    if item.status == "in":
        return None
    if item.status == "out":
        holder = item.holder.name if item.holder else "?"
        since = item.since.isoformat(timespec="minutes") if item.since else "?"
        return Refusal("already_out", {**item_params(item), "holder": holder, "since": since}, "P7")
    return Refusal("not_available", {**item_params(item), "status": item.status}, "P7")


def item_is_home(f: CheckOutFacts) -> Refusal | None:
    """P7: an item can be lent only while it is in."""
    return _status_refusal(f.item)


def person_may_hold(f: CheckOutFacts) -> Refusal | None:
    """P8 (custody.rules.people): active, not off post, cleared for the item's level."""
    return may_hold(f.person, f.item, f.now.date())


def approved(f: CheckOutFacts) -> bool:
    """A leader at the station, or an approval given beforehand valid now (P10)."""
    return approvals.leader_present(f.approver, f.person) or (
        approvals.valid_approval(f.approvals, f.person.id, f.item.code, f.now) is not None
    )


def is_scoped(item: ItemFacts) -> bool:
    return bool(item.scope)


def in_scope(f: CheckOutFacts) -> bool:
    p = f.person
    return p.dept in f.item.scope or p.badge in f.item.scope or p.name in f.item.scope


def need_to_know(f: CheckOutFacts) -> Refusal | None:
    """P9: outside the item's distribution scope, borrowing needs a leader's approval."""
    if not is_scoped(f.item) or in_scope(f) or approved(f):
        return None
    return Refusal("outside_scope", {**item_params(f.item), "person": f.person.name}, "P9")


def is_top_secret(item: ItemFacts) -> bool:
    return item.level == "top-secret"


def top_secret_needs_leader(f: CheckOutFacts) -> Refusal | None:
    """P10: a top-secret item is lent only with an office leader's approval."""
    if not is_top_secret(f.item) or approved(f):
        return None
    return Refusal("needs_leader", {**item_params(f.item), "person": f.person.name}, "P10")


CHECK_OUT_RULES: tuple[Rule, ...] = (item_is_home, person_may_hold, need_to_know, top_secret_needs_leader)

# rule -> the items for which an approval (a leader present, or given beforehand) lifts it
APPROVAL_RULES: dict[Rule, Callable[[ItemFacts], bool]] = {
    need_to_know: is_scoped,
    top_secret_needs_leader: is_top_secret,
}


def needs_approval(item: ItemFacts) -> bool:
    """Whether any rule for this item asks for an approval (so approvals must be loaded)."""
    return any(applies(item) for applies in APPROVAL_RULES.values())


def decide_check_out(f: CheckOutFacts) -> Decision:
    refusal = first_refusal(CHECK_OUT_RULES, f)
    if refusal is not None:
        return refusal
    approval = None
    if not approvals.leader_present(f.approver, f.person):
        approval = approvals.valid_approval(f.approvals, f.person.id, f.item.code, f.now)
    return Allowed(approval=approval, params={**item_params(f.item), "person": f.person.name})


# --- a loan recorded from an imported register -------------------------------------------------

LOAN_RULES: tuple[Callable[[LoanFacts], Refusal | None], ...] = (
    lambda f: _status_refusal(f.item),
    lambda f: may_hold(f.person, f.item, f.now.date()),
)


def decide_record_loan(f: LoanFacts) -> Decision:
    """A loan that existed before the item was registered: the item must be in, and P8 must
    allow the person to hold it, exactly as for a check-out (approvals were given elsewhere)."""
    return first_refusal(LOAN_RULES, f) or Allowed(params={**item_params(f.item), "person": f.person.name})


# --- return -------------------------------------------------------------------------------------


def decide_return(f: ReturnFacts) -> Decision:
    """P7/P12: a return is accepted when the item is out; hand-on and a wrong station are flagged."""
    if f.item.status != "out":
        return Refusal("not_out", {**item_params(f.item), "status": f.item.status}, "P7")
    flags: list[str] = []
    holder = f.item.holder
    params = {
        **item_params(f.item),
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
