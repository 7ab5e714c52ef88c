"""Imported registers: a row received with where it came from, and loans that already existed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from custody.actions.items import item_facts, receive
from custody.actions.loans import set_state
from custody.actions.people import person_facts
from custody.actions.refusals import record_refusal, shown_params
from custody.errors import InvalidInput, Refused
from custody.ledger import chain as ledger
from custody.models.core import Item, Person, to_text
from custody.reports import lookup
from custody.rules import loans as policy
from custody.rules.facts import ItemFacts, LoanFacts, Refusal
from custody.store.core import Store


def loan_problem(
    store: Store, person: Person, *, level: str, title: str = "", code: str = "", kind: str = "document"
) -> Refusal | None:
    """Why an item at `level` (still to be received: it will be in) cannot be recorded as out to
    `person` now, or None: the same rules `record_loan` asks (P8 with the off-post check). For
    checking an imported row before anything is written; `.reason`/`.params` name the refusal
    (`custody.messages.catalog.text(r.reason, **r.params)` is its message)."""
    facts = LoanFacts(
        item=ItemFacts(code=code, title=title, kind=kind, level=level),
        person=person_facts(store, person),
        now=store.now(),
    )
    decision = policy.decide_record_loan(facts)
    return decision if isinstance(decision, Refusal) else None


def record_loan(
    store: Store, code: str, person: Person, *, since: datetime, actor: str, source: str = ""
) -> Item:
    """An item that was already out when it was registered here (an imported register):
    recorded as out to `person` since `since` (event `loan_recorded`). Refused (and recorded,
    P24) as a check-out to that person would be: the item must be in, P8 must allow it."""
    with store.writing():
        it = lookup.item(store, code)
        now = store.now()
        decision = policy.decide_record_loan(
            LoanFacts(item=item_facts(store, it), person=person_facts(store, person), now=now)
        )
        if isinstance(decision, Refusal):
            out = record_refusal(
                store,
                "record_loan",
                decision,
                actor=actor,
                item=it.code,
                person=person.id,
                station=it.home.name,
            )
            raise Refused(out.msg, reason=decision.reason, rule=decision.rule)
        if since > now:
            raise InvalidInput(
                "loan time {since} is in the future", since=shown_params(store, {"since": since})[1]["since"]
            )
        ledger.append(
            store,
            "loan_recorded",
            now,
            item=it.code,
            person=person.id,
            station=it.home.name,
            actor=actor,
            data={"since": to_text(since), "source": source},
        )
        set_state(store, it, "out", person, since, it.home)
        return it


def receive_imported(
    store: Store,
    *,
    source: str,
    row: int,
    received_on: date | None = None,
    holder: Person | None = None,
    lent_since: datetime | None = None,
    actor: str,
    **fields: Any,
) -> list[Item]:
    """One row of an imported register: `receive` the copies, note where they came from
    (event `imported`, with the register's own receipt date), and record a loan if the row names a holder."""
    with store.writing():
        items = receive(store, actor=actor, **fields)
        now = store.now()
        for it in items:
            ledger.append(
                store,
                "imported",
                now,
                item=it.code,
                actor=actor,
                data={
                    "source": source,
                    "row": row,
                    "received_on": received_on.isoformat() if received_on else None,
                },
            )
        if holder is not None:
            items = [
                record_loan(store, it.code, holder, since=lent_since or now, actor=actor, source=source)
                for it in items
            ]
    return items
