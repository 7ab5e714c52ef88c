"""Lending and taking back (P7–P12): check-out, return, approvals, and undo at a station."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from custody.actions import limits
from custody.actions.items import item_facts
from custody.actions.outcome import Outcome
from custody.actions.people import person_facts
from custody.actions.refusals import record_refusal
from custody.errors import InvalidInput
from custody.ledger import chain as ledger
from custody.messages.catalog import text
from custody.models.core import Item, Person, Station
from custody.reports import lookup
from custody.rules import approvals as approval_rules
from custody.rules import loans as policy
from custody.rules import undo as undo_rules
from custody.rules.facts import ApprovalFacts, Refusal, UndoFacts
from custody.rules.places import CARRIED, LoanTerms
from custody.store.core import Store
from custody.store.fastsql import Compiled, param

SET_STATE = Compiled(
    lambda m: m.Item.update(
        status=param("status", m.Item.status),
        holder=param("holder", m.Item.holder),
        since=param("since", m.Item.since),
        location=param("location", m.Item.location),
    ).where(m.Item.id == param("id"))
)


def set_state(
    store: Store, it: Item, status: str, holder: Person | None, since: datetime | None, where: Station
) -> None:
    """THE write of an item's current-state columns (in the table and on the loaded row): every
    check-out, return, recorded loan and undo goes through here."""
    SET_STATE.execute(
        store,
        status=status,
        holder=holder.id if holder is not None else None,
        since=since,
        location=where.id,
        id=it.id,
    )
    it.status, it.holder, it.since, it.location = status, holder, since, where


SET_LOAN = Compiled(
    lambda m: m.Item.update(
        loan_purpose=param("purpose", m.Item.loan_purpose),
        loan_due=param("due", m.Item.loan_due),
        second_holder=param("second", m.Item.second_holder),
        loan_unit=param("unit", m.Item.loan_unit),
        loan_recipient=param("recipient", m.Item.loan_recipient),
        loan_use=param("use", m.Item.loan_use),
    ).where(m.Item.id == param("id"))
)


_LOAN_COLUMNS = ("loan_purpose", "loan_due", "second_holder", "loan_unit", "loan_recipient", "loan_use")
_UNLOADED = object()  # a column the caller's row was not loaded with: always written


def set_loan(store: Store, it: Item, terms: LoanTerms | None, second: Person | None = None) -> None:
    """THE write of a loan's terms on the item (P13/P14/P28): set by a check-out, cleared (None) by
    a return. A loan for reading keeps no terms but its stated use."""
    t = terms or LoanTerms()
    purpose = t.purpose if terms is not None and t.purpose != "reading" else None
    fields = {
        "purpose": purpose,
        "due": t.due if purpose else None,
        "second": second.id if second is not None else None,
        "unit": t.unit.strip() or None,
        "recipient": t.recipient.strip() or None,
        "use": t.use.strip() or None,
    }
    loaded = tuple(it.__data__.get(name, _UNLOADED) for name in _LOAN_COLUMNS)
    if loaded != tuple(fields.values()):  # unchanged (a reading loan's return, say): nothing to write
        SET_LOAN.execute(store, id=it.id, **fields)
    it.loan_purpose, it.loan_due, it.second_holder = fields["purpose"], fields["due"], second
    it.loan_unit, it.loan_recipient, it.loan_use = fields["unit"], fields["recipient"], fields["use"]


def terms_data(terms: LoanTerms, second: Person | None) -> dict[str, Any]:
    """A loan's terms as its `checked_out` event keeps them (only what was given)."""
    data: dict[str, Any] = {}
    if terms.purpose != "reading":
        data["purpose"] = terms.purpose
        data["due"] = terms.due.isoformat() if terms.due else None
    if second is not None:
        data["with"] = second.id
    for key in ("unit", "recipient", "letter", "use"):
        if getattr(terms, key).strip():
            data[key] = getattr(terms, key).strip()
    return data


def _approvals_for(store: Store, person: Person, it: Item) -> tuple[ApprovalFacts, ...]:
    """The approvals given beforehand for this loan: `custody approve CODE --for --by` rows, and
    approved check-out requests (`custody request check-out`, shown with their id negated so the
    write knows which table to mark used). Only those given by a leader still active count."""
    from custody.actions.requests import grants_for
    from custody.rules.lifecycle import approver_may_approve

    m = store.m
    rows = m.Approval.select().where(
        (m.Approval.person == person.id) & (m.Approval.item == it.id) & m.Approval.used_seq.is_null()
    )
    given = tuple(
        ApprovalFacts(a.id, person.id, it.code, a.approver.name, a.valid_from, a.valid_until)
        for a in rows
        if approver_may_approve(person_facts(store, a.approver))
    )
    requested = tuple(
        ApprovalFacts(-g.id, person.id, it.code, g.approver.name, g.valid_from, g.valid_until)
        for g in grants_for(store, "check-out", person, it)
        if approver_may_approve(g.approver)
        and g.approver.id != person.id
        and g.uses_left != 0
        and (g.document is None or g.document == (it.issuer, it.doc_no))
    )
    return given + requested


def stated_use(store: Store, person: Person, it: Item) -> str:
    """P28 at a station, where nobody types: the purpose of an approval given beforehand for this
    person and this seal or letter (`custody approve CODE --for --by --purpose`, or an approved
    check-out request's purpose), valid now; "" when there is none."""
    from custody.rules.lifecycle import approver_may_approve

    m = store.m
    now = store.now()
    rows = m.Approval.select().where(
        (m.Approval.person == person.id)
        & (m.Approval.item == it.id)
        & m.Approval.used_seq.is_null()
        & (m.Approval.valid_from <= now)
        & (m.Approval.valid_until >= now)
        & (m.Approval.purpose != "")
    )
    for a in rows:
        if approver_may_approve(person_facts(store, a.approver)):
            return a.purpose  # type: ignore[no-any-return]
    R = m.ApprovalRequest  # noqa: N806 - the store's table
    for r in R.select().where(
        (R.status == "approved")
        & (R.action == "check-out")
        & (R.person == person.id)
        & ((R.item.is_null()) | (R.item == it.id))
        & (R.valid_from <= now)
        & (R.valid_until >= now)
        & (R.purpose != "")
    ):
        if (r.uses == 0 or r.used < r.uses) and approver_may_approve(person_facts(store, r.decided_by)):
            return r.purpose  # type: ignore[no-any-return]
    return ""


def _loaded_item(store: Store, code: str, loaded: Item | None) -> Item:
    """The item as `lookup.item` loads it: `loaded` if the caller has just loaded it in the same
    transaction (the scan path resolves the code that way), else from the database."""
    if loaded is None:
        return lookup.item(store, code)
    if loaded.code != code:
        raise ValueError(f"the loaded item {loaded.code!r} is not {code!r}")
    return loaded


def check_out(
    store: Store,
    code: str,
    person: Person,
    station: Station,
    *,
    actor: str,
    approver: Person | None = None,
    loaded: Item | None = None,
    terms: LoanTerms | None = None,
    second: Person | None = None,
) -> Outcome:
    """P7–P15, P28: lend an item that is home to a person, or refuse with the reason.

    `terms`: the purpose (reading, outside, external), due time, unit and recipient, letter of
    introduction and stated use; `second`: the second person carrying it (P13), recorded as a holder.
    `loaded`: the item as `lookup.item` loads it, already loaded in the caller's transaction."""
    m = store.m
    terms = terms or LoanTerms()
    limits.texts(unit=terms.unit, recipient=terms.recipient, letter=terms.letter, use=terms.use)
    with store.writing():
        it = _loaded_item(store, code, loaded)
        ifacts = item_facts(store, it)
        pfacts = person_facts(store, person, with_badge=policy.is_scoped(ifacts))
        afacts = person_facts(store, approver) if approver else None
        if second is not None:
            terms = replace(terms, second=person_facts(store, second))
        if it.kind in CARRIED and not terms.use.strip():
            terms = replace(terms, use=stated_use(store, person, it))
        facts = policy.CheckOutFacts(
            item=ifacts,
            person=pfacts,
            station=station.name,
            station_kind=station.kind,
            now=store.now(),
            approver=afacts,
            approvals=_approvals_for(store, person, it) if policy.needs_approval(ifacts, terms) else (),
            terms=terms,
        )
        decision = policy.decide_check_out(facts)
        if isinstance(decision, Refusal):
            out = record_refusal(
                store,
                "check_out",
                decision,
                actor=actor,
                item=it.code,
                person=person.id,
                station=station.name,
            )
            out.item, out.person = it, person
            return out
        now = store.now()
        data: dict[str, Any] = {}
        if approver is not None and approval_rules.leader_present(afacts, pfacts):
            data["approver"] = approver.id
        if decision.approval is not None and decision.approval.id > 0:
            data["approval"] = decision.approval.id
        elif decision.approval is not None:
            data["request"] = -decision.approval.id
        data.update(terms_data(terms, second))
        rec = ledger.append(
            store,
            "checked_out",
            now,
            item=it.code,
            person=person.id,
            station=station.name,
            actor=actor,
            data=data,
        )
        if decision.approval is not None and decision.approval.id > 0:
            m.Approval.update(used_seq=rec.seq).where(m.Approval.id == decision.approval.id).execute()
        elif decision.approval is not None:  # an approved request (`_approvals_for`)
            m.ApprovalRequest.update(used=m.ApprovalRequest.used + 1).where(
                m.ApprovalRequest.id == -decision.approval.id
            ).execute()
        set_state(store, it, "out", person, now, station)
        set_loan(store, it, terms, second)
    return Outcome(
        "checked_out", text("checked_out", **decision.params), item=it, person=person, seq=rec.seq, extra=data
    )


def return_item(
    store: Store,
    code: str,
    station: Station,
    *,
    actor: str,
    presenter: Person | None = None,
    loaded: Item | None = None,
) -> Outcome:
    """P7, P12: take an item back; a return by someone else is accepted and flagged.

    `loaded`: the item as `lookup.item` loads it, already loaded in the caller's transaction."""
    with store.writing():
        it = _loaded_item(store, code, loaded)
        facts = policy.ReturnFacts(
            item=item_facts(store, it),
            station=station.name,
            now=store.now(),
            presenter=person_facts(store, presenter) if presenter else None,
        )
        decision = policy.decide_return(facts)
        if isinstance(decision, Refusal):
            out = record_refusal(
                store,
                "return",
                decision,
                actor=actor,
                item=it.code,
                person=presenter.id if presenter else None,
                station=station.name,
            )
            out.item, out.person = it, presenter
            return out
        holder = it.holder if it.holder_id else None
        rec = ledger.append(
            store,
            "returned",
            store.now(),
            item=it.code,
            person=holder.id if holder else None,
            station=station.name,
            actor=actor,
            data={"presented_by": presenter.id if presenter else None, "flags": list(decision.flags)},
        )
        set_state(store, it, "in", None, None, station)
        set_loan(store, it, None)
    return Outcome(
        "returned",
        text("returned", **decision.params),
        item=it,
        person=holder,
        flags=decision.flags,
        flag_msgs=tuple(text(f, **decision.params) for f in decision.flags),
        seq=rec.seq,
    )


def approve(
    store: Store,
    code: str,
    person: Person,
    approver: Person,
    *,
    actor: str,
    valid_from: datetime | None = None,
    hours: float = 8.0,
    purpose: str = "",
) -> Outcome:
    """P10: a leader's approval for one person and one item, valid for a window."""
    limits.texts(purpose=purpose)
    if not approval_rules.hours_allowed(hours):
        raise InvalidInput(
            "validity {hours} hours is invalid: 0–{most}", hours=hours, most=approval_rules.MAX_HOURS
        )
    m = store.m
    with store.writing():
        it = lookup.item(store, code)
        decision = approval_rules.decide_approve(person_facts(store, approver))
        if isinstance(decision, Refusal):
            out = record_refusal(store, "approve", decision, actor=actor, item=it.code, person=person.id)
            out.item, out.person = it, person
            return out
        start, until = approval_rules.window(valid_from or store.now(), hours)
        rec = ledger.append(
            store,
            "approved",
            store.now(),
            item=it.code,
            person=person.id,
            actor=actor,
            data={
                "approver": approver.id,
                "valid_from": start.isoformat(),
                "valid_until": until.isoformat(),
                "purpose": purpose,
            },
        )
        m.Approval.create(
            person=person.id,
            item=it.id,
            approver=approver.id,
            valid_from=start,
            valid_until=until,
            purpose=purpose,
            event_seq=rec.seq,
        )
    return Outcome(
        "approved",
        text("approved", approver=approver.name, person=person.name, title=it.title, code=it.code),
        item=it,
        person=person,
        seq=rec.seq,
    )


# --- the scan service: approval in a session, undo (issue 3) ------------------------------------


def approve_session(
    store: Store, station: Station, person: Person, approver: Person, *, actor: str
) -> Outcome:
    """P10 at the station: a leader's badge scanned into someone else's session approves it."""
    if approver.id == person.id:
        raise InvalidInput("{approver} cannot approve their own session", approver=approver.name)
    with store.writing():
        decision = approval_rules.decide_approve(person_facts(store, approver))
        if isinstance(decision, Refusal):
            out = record_refusal(
                store, "approve", decision, actor=actor, person=person.id, station=station.name
            )
            out.person = person
            return out
        rec = ledger.append(
            store,
            "session_approved",
            store.now(),
            person=person.id,
            station=station.name,
            actor=actor,
            data={"approver": approver.id},
        )
    return Outcome(
        "approved",
        text("session_approved", approver=approver.name, person=person.name),
        person=person,
        seq=rec.seq,
        extra={"approver": approver.id},
    )


def withdraw_session_approval(
    store: Store, station: Station, person: Person, approver: Person, *, undo_of: int, actor: str
) -> Outcome:
    """CMD-UNDO of a session approval: a compensating event names the approval it cancels."""
    with store.writing():
        rec = ledger.append(
            store,
            "session_approval_withdrawn",
            store.now(),
            person=person.id,
            station=station.name,
            actor=actor,
            data={"approver": approver.id, "undo_of": undo_of},
        )
    return Outcome(
        "command",
        text("undo_approval", approver=approver.name, person=person.name),
        person=person,
        seq=rec.seq,
        extra={"undo_of": undo_of},
    )


def undo_custody_event(store: Store, seq: int, station: Station, *, actor: str) -> Outcome:
    """Cancel a check-out or a return by appending the opposite event (the ledger is never edited).

    Refused (and recorded) when anything has changed the item since that event, and, for a
    return (undoing it re-lends), when P8 no longer lets the holder hold the item."""
    from custody.ledger import replay

    m = store.m
    with store.writing():
        ev = m.Event.get_or_none(m.Event.seq == seq)
        if ev is None or ev.kind not in ("checked_out", "returned") or not ev.item:
            raise InvalidInput("event #{seq} is no check-out or return to undo", seq=seq)
        it = lookup.item(store, ev.item)
        last = (
            m.Event.select(m.Event.seq)
            .where((m.Event.item == it.code) & m.Event.kind.in_(list(replay.APPLY)))
            .order_by(m.Event.seq.desc())
            .limit(1)
            .scalar()
        )
        holder = m.Person.get_or_none(m.Person.id == ev.person) if ev.person is not None else None
        decision = undo_rules.decide_undo(
            UndoFacts(
                kind=ev.kind,
                seq=seq,
                last_seq=last,
                item=item_facts(store, it),
                holder=person_facts(store, holder) if holder is not None else None,
                now=store.now(),
            )
        )
        if isinstance(decision, Refusal):
            out = record_refusal(
                store, "undo", decision, actor=actor, item=it.code, person=ev.person, station=station.name
            )
            out.item, out.person = it, holder
            return out
        assert holder is not None  # unchanged_since refuses otherwise
        now = store.now()
        if ev.kind == "checked_out":
            rec = ledger.append(
                store,
                "returned",
                now,
                item=it.code,
                person=holder.id,
                station=station.name,
                actor=actor,
                data={"presented_by": None, "flags": [], "undo_of": seq},
            )
            set_state(store, it, "in", None, None, station)
            set_loan(store, it, None)
            key = "undo_checked_out"
        else:
            rec = ledger.append(
                store,
                "checked_out",
                now,
                item=it.code,
                person=holder.id,
                station=station.name,
                actor=actor,
                data={"undo_of": seq},
            )
            set_state(store, it, "out", holder, now, station)
            key = "undo_returned"
    return Outcome(
        "command",
        text(key, person=holder.name, **decision.params),
        item=it,
        person=holder,
        seq=rec.seq,
        extra={"undo_of": seq},
    )
