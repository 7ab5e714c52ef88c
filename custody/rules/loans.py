"""Check-out, return and a recorded loan (P7–P12): each rule a small function over the facts.

`CHECK_OUT_RULES` runs in order and the first refusal wins. `APPROVAL_RULES` says which of them
an office leader's approval lifts, and for which items: the write path loads the approvals
given beforehand only when `needs_approval(item)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from custody.rules import approvals
from custody.rules import facts as _facts
from custody.rules.facts import (  # noqa: F401 - the facts are part of this module's interface
    Allowed,
    ApprovalFacts,
    Decision,
    ItemFacts,
    LoanFacts,
    PersonFacts,
    Refusal,
    ReturnFacts,
    first_refusal,
    item_params,
    rank,
)
from custody.rules.people import may_hold
from custody.rules.places import CARRIED, LoanTerms, item_class, place_refusal


@dataclass(frozen=True)
class CheckOutFacts(_facts.CheckOutFacts):  # the facts with the loan's terms (issue 14)
    terms: LoanTerms = field(default_factory=LoanTerms)


Rule = Callable[[CheckOutFacts], Refusal | None]
ENDED = {"destroyed": "P18", "returned-to-issuer": "P17"}  # statuses that end an item's life, and the rule


def _status_refusal(item: ItemFacts) -> Refusal | None:
    """An item can be lent only while it is in."""
    if item.status == "in":
        return None
    if item.status == "out":
        holder = item.holder.name if item.holder else "?"
        # `since` stays a datetime: the edge shows it in the office's time zone
        since = item.since if item.since else "?"
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
    """P9: by department or badge, never by name (names are not unique)."""
    p = f.person
    return bool(p.dept and p.dept in f.item.scope) or bool(p.badge and p.badge in f.item.scope)


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


def _terms(f: CheckOutFacts) -> LoanTerms:
    return getattr(f, "terms", None) or LoanTerms()


def at_this_place(f: CheckOutFacts) -> Refusal | None:
    """P11/P15: what this kind of station allows (`custody.rules.places.PLACES`)."""
    return place_refusal(f.item, f.station, f.station_kind, _terms(f).purpose)


def archive_stays(f: CheckOutFacts) -> Refusal | None:
    """P15: an archive file leaves the archive room only as a special case a leader approves, and
    each consultation records a letter of introduction's number or a leader's approval."""
    if item_class(f.item) != "archive":
        return None
    t = _terms(f)
    if t.purpose != "reading" and not approved(f):
        return Refusal("archive_not_lent", item_params(f.item), "P15")
    if not t.letter.strip() and not approved(f):
        return Refusal("archive_needs_letter", item_params(f.item), "P15")
    return None


def _due_ok(f: CheckOutFacts) -> bool:
    due = _terms(f).due
    return due is not None and due > f.now


def outside_terms(f: CheckOutFacts) -> Refusal | None:
    """P13: out of the office with a leader's approval and a due time; a classified item is carried
    by two people (the second recorded as a holder too)."""
    t = _terms(f)
    if t.purpose != "outside":
        return None
    params = {**item_params(f.item), "person": f.person.name}
    if not approved(f):
        return Refusal("outside_needs_leader", params, "P13")
    if not _due_ok(f):
        return Refusal("loan_needs_due", params, "P13")
    if t.second is None and rank(f.item.level) >= rank("confidential"):
        return Refusal("outside_needs_two", params, "P13")
    return _second_may_hold(f, t)


def _second_may_hold(f: CheckOutFacts, t: LoanTerms) -> Refusal | None:
    if t.second is None:
        return None
    if t.second.id == f.person.id:
        return Refusal("second_same_person", {"person": f.person.name}, "P13")
    return may_hold(t.second, f.item, f.now.date())


def external_terms(f: CheckOutFacts) -> Refusal | None:
    """P14: to another unit with a leader's approval, the unit, a named recipient and a due date
    (top secret never: `at_this_place`)."""
    t = _terms(f)
    if t.purpose != "external":
        return None
    params = {**item_params(f.item), "person": f.person.name}
    if not approved(f):
        return Refusal("external_needs_leader", params, "P14")
    if not t.unit.strip() or not t.recipient.strip():
        return Refusal("external_needs_recipient", params, "P14")
    if not _due_ok(f):
        return Refusal("loan_needs_due", params, "P14")
    return _second_may_hold(f, t)


def seal_or_letter(f: CheckOutFacts) -> Refusal | None:
    """P28: a seal or a blank letter of introduction goes out only for a stated use with a leader's
    approval."""
    if f.item.kind not in CARRIED:
        return None
    if _terms(f).use.strip() and approved(f):
        return None
    return Refusal("seal_needs_use", item_params(f.item), "P28")


CHECK_OUT_RULES: tuple[Rule, ...] = (
    item_is_home,
    person_may_hold,
    at_this_place,
    need_to_know,
    top_secret_needs_leader,
    archive_stays,
    outside_terms,
    external_terms,
    seal_or_letter,
)

# rule -> the items for which an approval (a leader present, or given beforehand) lifts it
APPROVAL_RULES: dict[Rule, Callable[[ItemFacts], bool]] = {
    need_to_know: is_scoped,
    top_secret_needs_leader: is_top_secret,
    archive_stays: lambda item: item.kind == "archive",
    seal_or_letter: lambda item: item.kind in CARRIED,
}


def needs_approval(item: ItemFacts, terms: LoanTerms | None = None) -> bool:
    """Whether any rule for this item (and loan) asks for an approval (so approvals must be loaded):
    every loan out of the office does (P13, P14)."""
    if terms is not None and terms.purpose != "reading":
        return True
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
    if f.item.status == "lost":  # P19: a leader resolves the report (custody found), not a return
        return Refusal("item_lost", item_params(f.item), "P19")
    if f.item.status in ENDED:  # P17/P18: its life here has ended
        return Refusal("item_gone", {**item_params(f.item), "status": f.item.status}, ENDED[f.item.status])
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
