"""An item's whole life after receipt (issue 13): copies (P16), return to issuer (P17), destruction
(P18), loss (P19), the secrecy-period review (P4), and the one approval model every one of them asks.

Pure, like every rule: facts in (`LifeItem`, `PersonFacts`, `Grant`, `now`), `Allowed` or
`Refusal(reason, params, rule)` out. Each decision is a table of small rules run in order; the first
refusal wins. The reasons' texts are in `custody.messages.catalog` (Chinese in zh/lifecycle.po).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from custody import vocab
from custody.rules.facts import Allowed, Decision, ItemFacts, PersonFacts, Refusal, first_refusal, item_params

GONE = ("destroyed", "returned-to-issuer")  # statuses that end an item's life here (with a confirmed loss)
REGISTRARS = ("custodian", "admin")  # P23: only they register, copy, destroy and return to the issuer
ACTIONS = ("check-out", "copy", "destroy")  # what a request may ask approval for
REVIEW_OUTCOMES = ("declassify", "extend", "keep")

# which rule a status that ends (or suspends) an item's life applies
_STATUS_RULE = {"destroyed": "P18", "returned-to-issuer": "P17", "lost": "P19"}


@dataclass(frozen=True)
class LifeItem:
    """An item's facts with what its life after receipt needs."""

    item: ItemFacts
    copy_no: int = 1
    doc_no: str = ""
    issuer: str = ""
    period: str = ""
    received_on: date | None = None
    no_copy: bool = False
    due_back: date | None = None
    copy_of: str | None = None
    lost_from: str | None = None  # the status before an unresolved loss report

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def status(self) -> str:
        return self.item.status

    @property
    def document(self) -> tuple[str, str] | None:
        """The document (issuer, number) this item is a copy of, when it has a number."""
        return (self.issuer, self.doc_no) if self.doc_no else None

    @property
    def ended(self) -> bool:
        """Destroyed, returned to the issuer, or confirmed lost: its life here has ended."""
        return self.status in GONE or (self.status == "lost" and self.lost_from is None)


# --- the one approval model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """An approval: who approved (an office leader), for whom, what (an action on an item, a document
    or — neither named — any item), valid from–until, how many uses are left (None: any number) and
    its reference. `source`: `present` (a leader's badge at the station or desk now, `--approved-by`)
    or `request` (a request made in advance and approved, `R<id>`)."""

    source: str
    approver: PersonFacts
    action: str
    person_id: int | None = None  # None: whoever acts (a leader present approves the act in front of them)
    item_code: str | None = None
    document: tuple[str, str] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    uses_left: int | None = None
    id: int = 0
    reference: str = ""

    @property
    def ref(self) -> str:
        return f"R{self.id}" if self.source == "request" else self.approver.name


def approver_may_approve(approver: PersonFacts) -> bool:
    """P8/P10: only an active office leader approves."""
    return approver.role == "leader" and approver.active


def covers(g: Grant, person_id: int, action: str, item: LifeItem, now: datetime) -> bool:
    """Whether approval `g` lets `person_id` do `action` to `item` now: given by an active leader
    other than that person, for that action, person and item (or its document, or any item), inside
    its window (first and last moment included), with a use left."""
    if not approver_may_approve(g.approver) or g.approver.id == person_id or g.action != action:
        return False
    if g.person_id is not None and g.person_id != person_id:
        return False
    if g.item_code is not None and g.item_code != item.code:
        return False
    if g.document is not None and g.document != item.document:
        return False
    if g.valid_from is not None and now < g.valid_from:
        return False
    if g.valid_until is not None and now > g.valid_until:
        return False
    return g.uses_left is None or g.uses_left > 0


def find_grant(
    grants: Iterable[Grant], person_id: int, action: str, item: LifeItem, now: datetime
) -> Grant | None:
    """The first approval that covers this act now, or None."""
    for g in grants:
        if covers(g, person_id, action, item, now):
            return g
    return None


# --- requests ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFacts:
    id: int
    action: str
    person: PersonFacts  # for whom
    requested_by: PersonFacts
    status: str
    valid_from: datetime
    valid_until: datetime


def decide_request(r: RequestFacts, now: datetime) -> Decision:
    """Making a request: for a known action, a window that ends after it starts and not in the past."""
    params = {"request": f"R{r.id}" if r.id else "", "action": r.action}
    if r.action not in ACTIONS:
        return Refusal("request_unknown_action", {**params, "allowed": ", ".join(ACTIONS)}, "P10")
    if r.valid_until <= r.valid_from or r.valid_until < now:
        return Refusal(
            "request_window_past", {**params, "until": r.valid_until.isoformat(timespec="minutes")}, "P10"
        )
    if not r.requested_by.active:
        return Refusal("person_not_active", {"person": r.requested_by.name}, "P8")
    return Allowed(params=params)


def decide_request_decision(r: RequestFacts, leader: PersonFacts, now: datetime) -> Decision:
    """Approving or rejecting a request: an active leader, not for themselves, while it is pending
    and its window has not passed."""
    params = {"request": f"R{r.id}", "approver": leader.name, "person": r.person.name}
    if not approver_may_approve(leader):
        return Refusal("approver_not_leader", {"approver": leader.name}, "P10")
    if leader.id in (r.person.id, r.requested_by.id):
        return Refusal("own_request", params, "P10")
    if r.status != "pending":
        return Refusal("request_decided", {**params, "state": r.status}, "P10")
    if r.valid_until < now:
        return Refusal(
            "request_window_past", {**params, "until": r.valid_until.isoformat(timespec="minutes")}, "P10"
        )
    return Allowed(params=params)


# --- the facts of each act -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActFacts:
    """One act on one item by `by`, with the approvals at hand (`present`: a leader at the desk now)."""

    item: LifeItem
    by: PersonFacts
    now: datetime
    present: Grant | None = None
    grants: tuple[Grant, ...] = ()
    issuer_ref: str = ""
    witnesses: tuple[PersonFacts, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def grant(self, action: str) -> Grant | None:
        """The approval that covers this act: the leader present, else a request approved beforehand."""
        return find_grant(
            ((self.present,) if self.present else ()) + self.grants, self.by.id, action, self.item, self.now
        )


Rule = Callable[[ActFacts], Refusal | None]


def _params(f: ActFacts) -> dict[str, Any]:
    return {**item_params(f.item.item), "by": f.by.name}


def _gone(f: ActFacts) -> Refusal | None:
    """An item whose life here has ended can never be acted on again."""
    st = f.item.status
    if f.item.ended:
        return Refusal("item_gone", {**_params(f), "status": st}, _STATUS_RULE[st])
    return None


def _on_hand(action: str) -> Rule:
    """P16–P18: the act needs the item in the safe: not out (return it first), not reported lost."""

    def rule(f: ActFacts) -> Refusal | None:
        if (gone := _gone(f)) is not None:
            return gone
        if f.item.status == "out":
            holder = f.item.item.holder.name if f.item.item.holder else "?"
            return Refusal(f"{action}_while_out", {**_params(f), "holder": holder}, _ACT_RULE[action])
        if f.item.status == "lost":
            return Refusal("item_lost", {**_params(f)}, "P19")
        return None

    return rule


_ACT_RULE = {"copy": "P16", "destroy": "P18", "return": "P17"}


def _registrar(action: str) -> Rule:
    """P23: only an active custodian or administrator copies, destroys and returns to the issuer."""

    def rule(f: ActFacts) -> Refusal | None:
        if f.by.role in REGISTRARS and f.by.active:
            return None
        return Refusal("not_registrar", {**_params(f), "role": f.by.role}, "P23")

    return rule


def _approved(action: str) -> Rule:
    """A leader's approval: present (active, not the actor) or an approved request that covers it."""

    def rule(f: ActFacts) -> Refusal | None:
        p = f.present
        if p is not None and p.approver.id == f.by.id:
            return Refusal("own_approval", {**_params(f), "approver": p.approver.name}, _ACT_RULE[action])
        if p is not None and not approver_may_approve(p.approver):
            return Refusal("approver_not_leader", {"approver": p.approver.name}, "P10")
        if f.grant(action) is None:
            return Refusal(f"{action}_needs_leader", _params(f), _ACT_RULE[action])
        return None

    return rule


# --- P16 copies ------------------------------------------------------------------------------------------

COPY_LEVELS_NEEDING_LEADER = ("top-secret", "secret", "confidential")


def copy_allowed_at_all(f: ActFacts) -> Refusal | None:
    """P16: an item received marked "do not copy" is never copied."""
    return Refusal("copy_forbidden", _params(f), "P16") if f.item.no_copy else None


def copy_needs_leader(f: ActFacts) -> Refusal | None:
    """P16: copying a secret, confidential or top-secret item needs a leader's approval."""
    if f.item.item.level not in COPY_LEVELS_NEEDING_LEADER:
        return None
    return _approved("copy")(f)


def top_secret_copy_needs_issuer(f: ActFacts) -> Refusal | None:
    """P16: copying a top-secret item also needs the issuing authority's approval, its reference recorded."""
    if f.item.item.level == "top-secret" and not f.issuer_ref.strip():
        return Refusal("copy_needs_issuer", _params(f), "P16")
    return None


def copies_in_range(f: ActFacts) -> Refusal | None:
    n = f.extra.get("copies", 1)
    return None if 1 <= n <= 1000 else Refusal("copy_count", {**_params(f), "copies": n}, "P16")


COPY_RULES: tuple[Rule, ...] = (
    _on_hand("copy"),
    _registrar("copy"),
    copy_allowed_at_all,
    copies_in_range,
    copy_needs_leader,
    top_secret_copy_needs_issuer,
)


def _decided(rules: tuple[Rule, ...], f: ActFacts) -> Decision:
    return first_refusal(rules, f) or Allowed(params=_params(f))


def decide_copy(f: ActFacts) -> Decision:
    """P16 (`COPY_RULES`); the approval that allowed it is `f.grant("copy")`."""
    return _decided(COPY_RULES, f)


# --- P18 destruction -------------------------------------------------------------------------------------


def two_witnesses(f: ActFacts) -> Refusal | None:
    """P18: at least two witnesses (监销), each active, none of them the one destroying."""
    for w in f.witnesses:
        if w.id == f.by.id:
            return Refusal("witness_is_actor", {**_params(f), "witness": w.name}, "P18")
        if not w.active:
            return Refusal("witness_inactive", {**_params(f), "witness": w.name}, "P18")
    if len({w.id for w in f.witnesses}) < 2:
        return Refusal(
            "destroy_needs_witnesses", {**_params(f), "count": len({w.id for w in f.witnesses})}, "P18"
        )
    return None


DESTROY_RULES: tuple[Rule, ...] = (
    _on_hand("destroy"),
    _registrar("destroy"),
    two_witnesses,
    _approved("destroy"),
)


def decide_destroy(f: ActFacts) -> Decision:
    return _decided(DESTROY_RULES, f)


# --- P17 return to issuer --------------------------------------------------------------------------------

RETURN_RULES: tuple[Rule, ...] = (_on_hand("return"), _registrar("return"))


def decide_return_to_issuer(f: ActFacts) -> Decision:
    return _decided(RETURN_RULES, f)


def due_back_valid(due: date, today: date) -> Refusal | None:
    """P17: a due date is today or later (a date in the past is a contradiction)."""
    return (
        Refusal("due_date_past", {"due": due.isoformat(), "today": today.isoformat()}, "P17")
        if due < today
        else None
    )


def decide_due_back(f: ActFacts, due: date, today: date) -> Decision:
    """P17: a custodian sets the day an item still here is due back; never a day in the past."""
    refusal = _gone(f) or due_back_valid(due, today) or _registrar("due_back")(f)
    return refusal or Allowed(params={**_params(f), "due": due.isoformat()})


def due_state(due: date | None, today: date, ahead_days: int) -> str | None:
    """P17: `overdue` after the due day, `due_soon` from `ahead_days` before it to the day itself."""
    if due is None:
        return None
    if today > due:
        return "overdue_to_issuer"
    if (due - today).days <= ahead_days:
        return "due_to_issuer"
    return None


# --- P19 loss ---------------------------------------------------------------------------------------------


def report_loss_rules(f: ActFacts) -> Refusal | None:
    if (gone := _gone(f)) is not None:
        return gone
    if f.item.status == "lost":
        return Refusal("already_lost", _params(f), "P19")
    if not f.by.active:
        return Refusal("person_not_active", {"person": f.by.name}, "P8")
    return None


def decide_report_loss(f: ActFacts) -> Decision:
    """P19: anyone active reports an item lost or possibly leaked, at once; not one already gone."""
    return first_refusal((report_loss_rules,), f) or Allowed(params=_params(f))


def decide_resolve_loss(f: ActFacts) -> Decision:
    """P19: only an active office leader resolves a loss report (found, or confirmed lost)."""
    if f.item.status != "lost" or f.item.lost_from is None:
        return Refusal("not_lost", {**_params(f), "status": f.item.status}, "P19")
    if not approver_may_approve(f.by):
        return Refusal("resolve_needs_leader", _params(f), "P19")
    return Allowed(params={**_params(f), "back_to": f.item.lost_from})


# --- P4 review and the legal maximum of a period ---------------------------------------------------------


def period_refusal(level: str, spec: str, start: date) -> Refusal | None:
    """P4: a period may not run past the legal maximum for the level, counted from `start`:
    `until:` a date later than that, and `long-term` for a level with a maximum, are refused."""
    lv = vocab.LEVEL_BY_SLUG[level]
    if lv.max_years is None or not spec:
        return None
    p = vocab.Period(spec)
    limit = vocab.Period(f"{lv.max_years}y").expires(start)
    params = {
        "level": level,
        "years": lv.max_years,
        "period": spec,
        "limit": limit.isoformat() if limit else "",
    }
    if spec == "long-term":
        return Refusal("period_long_term", params, "P4")
    expires = p.expires(start)
    if expires is not None and limit is not None and expires > limit:
        return Refusal("period_too_long", params, "P4")
    return None


def decide_review(f: ActFacts) -> Decision:
    """P4: an active office leader records a review outcome of an item still here; extending needs a
    new period within the legal maximum (counted from receipt)."""
    if (gone := _gone(f)) is not None:
        return gone
    if not approver_may_approve(f.by):
        return Refusal("review_needs_leader", _params(f), "P4")
    outcome, period = f.extra.get("outcome"), f.extra.get("period", "")
    if outcome not in REVIEW_OUTCOMES:
        return Refusal("review_outcome", {**_params(f), "outcome": str(outcome)}, "P4")
    if outcome == "extend":
        if not period:
            return Refusal("review_needs_period", _params(f), "P4")
        refusal = period_refusal(f.item.item.level, period, f.item.received_on or f.now.date())
        if refusal is not None:
            return refusal
    return Allowed(params={**_params(f), "outcome": outcome, "period": period})
