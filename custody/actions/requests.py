"""The one approval model, asked in advance: a request (`R<id>`) made for a person and an act, and an
office leader's decision on it (approve, reject). An approved request is an approval like a leader's
badge at the station (`custody.rules.lifecycle.Grant`), used once unless it says otherwise."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from custody.actions import limits
from custody.actions.outcome import Outcome
from custody.actions.people import person_facts
from custody.actions.refusals import record_refusal
from custody.errors import InvalidInput, NotFound
from custody.ledger import chain as ledger
from custody.messages.catalog import text
from custody.models.core import Item, Person
from custody.models.lifecycle import ApprovalRequest
from custody.reports import lookup
from custody.rules import approvals as approval_rules
from custody.rules import lifecycle as rules
from custody.rules.facts import Refusal
from custody.store.core import Store

REF = re.compile(r"^[Rr](\d{1,9})$")


def is_request_ref(value: str | None) -> bool:
    return bool(value and REF.match(value.strip()))


def request_by_ref(store: Store, ref: str) -> ApprovalRequest:
    """The request `R12` (or `12`) names."""
    m = store.m
    found = REF.match(ref.strip())
    rid = int(found.group(1)) if found else int(ref) if ref.strip().isdigit() else None
    row = m.ApprovalRequest.get_or_none(m.ApprovalRequest.id == rid) if rid is not None else None
    if row is None:
        raise NotFound("no request {ref}", ref=ref)
    return row  # type: ignore[no-any-return]


def _facts(store: Store, r: ApprovalRequest) -> rules.RequestFacts:
    return rules.RequestFacts(
        id=r.id,
        action=r.action,
        person=person_facts(store, r.person),
        requested_by=person_facts(store, r.requested_by),
        status=r.status,
        valid_from=r.valid_from,
        valid_until=r.valid_until,
    )


def as_grant(store: Store, r: ApprovalRequest) -> rules.Grant:
    """An approved request as the one approval model sees it."""
    return rules.Grant(
        "request",
        person_facts(store, r.decided_by),
        r.action,
        person_id=r.person_id,
        item_code=r.item.code if r.item_id else None,
        document=(r.issuer, r.doc_no) if r.doc_no else None,
        valid_from=r.valid_from,
        valid_until=r.valid_until,
        uses_left=None if r.uses == 0 else r.uses - r.used,
        id=r.id,
        reference=r.reference,
    )


def grants_for(
    store: Store, action: str, person: Person, it: Item, *, only: str | None = None
) -> tuple[rules.Grant, ...]:
    """The approved requests that might let `person` do `action` to `it` (the rules decide which
    counts now); `only`: just the request named (`--approved-by R12`)."""
    m = store.m
    R = m.ApprovalRequest  # noqa: N806 - the store's table
    if only is not None:
        rows = [request_by_ref(store, only)]
        rows = [r for r in rows if r.status == "approved"]
    else:
        rows = list(
            R.select()
            .where(
                (R.status == "approved")
                & (R.action == action)
                & (R.person == person.id)
                & ((R.item.is_null()) | (R.item == it.id))
            )
            .order_by(R.valid_until, R.id)
        )
    return tuple(as_grant(store, r) for r in rows)


def use_grant(store: Store, grant: rules.Grant | None) -> None:
    """Count one use of an approved request (the act's event names the request); a leader present is
    used by being there."""
    if grant is None or grant.source != "request":
        return
    m = store.m
    m.ApprovalRequest.update(used=m.ApprovalRequest.used + 1).where(
        m.ApprovalRequest.id == grant.id
    ).execute()


def make_request(
    store: Store,
    action: str,
    *,
    person: Person,
    requested_by: Person,
    actor: str,
    item: str | None = None,
    doc_no: str = "",
    issuer: str = "",
    valid_from: datetime | None = None,
    hours: float = 8.0,
    uses: int = 1,
    purpose: str = "",
    reference: str = "",
) -> Outcome:
    """A request for an office leader's approval, made in advance, pending until decided."""
    limits.texts(doc_no=doc_no, issuer=issuer, purpose=purpose, reference=reference)
    if not approval_rules.hours_allowed(hours):
        raise InvalidInput(
            "validity {hours} hours is invalid: 0–{most}", hours=hours, most=approval_rules.MAX_HOURS
        )
    if not 0 <= uses <= 1000:
        raise InvalidInput("uses {uses} is invalid: 0 (any number) to 1000", uses=uses)
    m = store.m
    with store.writing():
        it = lookup.item(store, item) if item else None
        now = store.now()
        start = valid_from or now
        until = start + timedelta(hours=hours)
        facts = rules.RequestFacts(
            0, action, person_facts(store, person), person_facts(store, requested_by), "pending", start, until
        )
        decision = rules.decide_request(facts, now)
        if isinstance(decision, Refusal):
            out = record_refusal(
                store, "request", decision, actor=actor, item=it.code if it else None, person=person.id
            )
            out.item, out.person = it, person
            return out
        rec = ledger.append(
            store,
            "request_made",
            now,
            item=it.code if it else None,
            person=person.id,
            actor=actor,
            data={
                "action": action,
                "requested_by": requested_by.id,
                "doc_no": doc_no,
                "issuer": issuer,
                "valid_from": start.isoformat(),
                "valid_until": until.isoformat(),
                "uses": uses,
                "purpose": purpose,
                "reference": reference,
            },
        )
        row = m.ApprovalRequest.create(
            action=action,
            person=person.id,
            requested_by=requested_by.id,
            item=it.id if it else None,
            doc_no=doc_no,
            issuer=issuer,
            valid_from=start,
            valid_until=until,
            uses=uses,
            purpose=purpose,
            reference=reference,
            created_at=now,
            event_seq=rec.seq,
        )
    return Outcome(
        "requested",
        text("request_made", request=row.ref, person=person.name),
        item=it,
        person=person,
        seq=rec.seq,
        extra={"request": row.ref},
    )


def decide(store: Store, ref: str, *, leader: Person, approve: bool, actor: str, reason: str = "") -> Outcome:
    """An office leader approves or rejects a pending request (not their own; refusals recorded)."""
    limits.texts(reason=reason)
    if not approve and not reason.strip():
        raise InvalidInput("a rejection needs its reason (--reason)")
    m = store.m
    with store.writing():
        r = request_by_ref(store, ref)
        decision = rules.decide_request_decision(_facts(store, r), person_facts(store, leader), store.now())
        if isinstance(decision, Refusal):
            out = record_refusal(
                store,
                "approve" if approve else "reject",
                decision,
                actor=actor,
                item=r.item.code if r.item_id else None,
                person=r.person_id,
            )
            out.person = r.person
            return out
        status = "approved" if approve else "rejected"
        now = store.now()
        rec = ledger.append(
            store,
            "request_approved" if approve else "request_rejected",
            now,
            item=r.item.code if r.item_id else None,
            person=r.person_id,
            actor=actor,
            data={"request": r.id, "approver": leader.id, "reason": reason},
        )
        m.ApprovalRequest.update(
            status=status, decided_by=leader.id, decided_at=now, reason=reason, decided_seq=rec.seq
        ).where(m.ApprovalRequest.id == r.id).execute()
    key = "request_approved" if approve else "request_rejected"
    return Outcome(
        status,
        text(key, approver=leader.name, request=r.ref, person=r.person.name, reason=reason),
        person=r.person,
        seq=rec.seq,
        extra={"request": r.ref},
    )


def pending(store: Store) -> list[ApprovalRequest]:
    """The requests waiting for a leader's decision, oldest first (for leaders: `custody request list`)."""
    m = store.m
    R = m.ApprovalRequest  # noqa: N806
    return list(R.select().where(R.status == "pending").order_by(R.created_at, R.id))


def all_requests(store: Store) -> list[ApprovalRequest]:
    m = store.m
    return list(m.ApprovalRequest.select().order_by(m.ApprovalRequest.id))
