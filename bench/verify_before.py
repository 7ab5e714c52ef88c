"""The verify of before issue 16 (items and a few tables only), kept as the baseline of bench/bench_verify.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from custody.ledger import chain as ledger
from custody.ledger.chain import GENESIS, Record
from custody.ledger.replay import ReplayError, replay
from custody.models.core import to_text

if TYPE_CHECKING:
    from custody.store.core import Store


@dataclass
class Report:
    ok: bool
    events: int
    items: int
    bad_seq: int | None = None
    problem: str = ""


def _checked_chain(records: Iterator[Record], counter: list[Any]) -> Iterator[Record]:
    """The records, checked link by link; `counter` holds how many passed and the last one's hash."""
    expected_seq, prev = 1, GENESIS
    for r in records:
        if r.seq != expected_seq:
            raise ReplayError(
                r.seq, f"sequence gap: expected #{expected_seq} (an event is missing or reordered)"
            )
        if r.prev_hash != prev:
            raise ReplayError(r.seq, "previous-hash link broken (an earlier event was removed or reordered)")
        digest = ledger.event_hash(
            r.seq, r.at, r.kind, r.item, r.person, r.station, r.actor, r.data, r.prev_hash
        )
        if digest != r.hash:
            raise ReplayError(r.seq, "content does not match its hash (the event was changed)")
        counter[0] += 1
        counter[1] = r.hash
        expected_seq, prev = r.seq + 1, r.hash
        yield r


def verify(store: Store) -> Report:
    m = store.m
    Item, LedgerHead, Person, Station = m.Item, m.LedgerHead, m.Person, m.Station
    counter: list[Any] = [0, GENESIS]
    try:
        states = replay(_checked_chain(ledger.walk(store), counter))
    except ReplayError as exc:
        return Report(False, counter[0], 0, exc.seq, exc.why)
    head = LedgerHead.get_or_none(LedgerHead.id == 1)
    at_head = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if at_head != (counter[0], counter[1]):
        return Report(
            False,
            counter[0],
            len(states),
            head.seq if head else None,
            "chain head does not match the last event (events were removed from the end)",
        )
    stations = {s.id: s.name for s in Station.select()}
    persons = {p.id for p in Person.select(Person.id)}
    seen = 0
    for it in Item.select().order_by(Item.id):
        seen += 1
        s = states.get(it.code)
        if s is None:
            return Report(
                False, counter[0], len(states), None, f"item {it.code} has no receipt in the ledger"
            )
        stored = {
            "title": it.title,
            "kind": it.kind,
            "level": it.level,
            "period": it.period,
            "copy_no": it.copy_no,
            "doc_no": it.doc_no,
            "issuer": it.issuer,
            "home": stations[it.home_id],
            "status": it.status,
            "holder": it.holder_id,
            "since": to_text(it.since) if it.since else None,
            "location": stations.get(it.location_id) if it.location_id else None,
            "no_copy": bool(it.no_copy),
            "due_back": it.due_back.isoformat() if it.due_back else None,
            "copy_of": it.copy_of,
            "lost_from": it.lost_from,
            "scope": tuple(json.loads(it.scope or "[]")),
            "loan_purpose": it.loan_purpose,
            "loan_due": to_text(it.loan_due) if it.loan_due else None,
            "second_holder": it.second_holder_id,
            "loan_unit": it.loan_unit,
            "loan_recipient": it.loan_recipient,
            "loan_use": it.loan_use,
        }
        for field_name, value in stored.items():
            if getattr(s, field_name) != value:
                return Report(
                    False,
                    counter[0],
                    len(states),
                    s.first_seq,
                    f"item {it.code}: {field_name} is {value!r} in the tables "
                    f"but {getattr(s, field_name)!r} in the ledger",
                )
        if it.holder_id is not None and it.holder_id not in persons:
            return Report(False, counter[0], len(states), None, f"item {it.code}: holder is not a person")
    if seen != len(states):
        missing = sorted(set(states) - {i.code for i in Item.select(Item.code)})
        return Report(
            False,
            counter[0],
            len(states),
            states[missing[0]].first_seq,
            f"item {missing[0]} is in the ledger but missing from the tables",
        )
    problem = requests_problem(store) or departments_problem(store)
    if problem is not None:
        return Report(False, counter[0], len(states), problem[0], problem[1])
    return Report(True, counter[0], len(states))


DECISIONS = ("request_approved", "request_rejected")


def requests_problem(store: Store) -> tuple[int | None, str] | None:
    """The approval requests (issue 13) rebuilt from their events — made, decided, each act that
    used one (`"request": id` in its data; the events of one act share its moment) — against the
    table; None when they match."""
    import json
    from datetime import datetime

    m = store.m
    E = m.Event  # noqa: N806 - the store's table
    made = {e.seq: e for e in E.select().where(E.kind == "request_made")}
    decided: dict[int, Any] = {}
    for e in E.select().where(E.kind.in_(DECISIONS)).order_by(E.seq):
        decided[json.loads(e.data)["request"]] = e
    uses: dict[int, set[tuple[str, str]]] = {}
    q = E.select().where(
        E.data.contains('"request"') & E.kind.not_in(("request_made", "refused", *DECISIONS))
    )
    for e in q:
        rid = json.loads(e.data).get("request")
        if isinstance(rid, int):
            uses.setdefault(rid, set()).add((e.kind, e.at))
    rows = list(m.ApprovalRequest.select().order_by(m.ApprovalRequest.id))
    if len(rows) != len(made):
        return None, f"{len(made)} requests in the ledger but {len(rows)} in the tables"
    for r in rows:
        ev = made.get(r.event_seq)
        if ev is None:
            return None, f"request R{r.id} has no request_made event"
        d = json.loads(ev.data)
        dec = decided.get(r.id)
        expected = {
            "action": d["action"],
            "person": ev.person,
            "requested_by": d["requested_by"],
            "valid_from": datetime.fromisoformat(d["valid_from"]),
            "valid_until": datetime.fromisoformat(d["valid_until"]),
            "uses": d["uses"],
            "status": "pending"
            if dec is None
            else ("approved" if dec.kind == "request_approved" else "rejected"),
            "decided_by": json.loads(dec.data)["approver"] if dec is not None else None,
            "used": len(uses.get(r.id, ())),
        }
        stored = {
            "action": r.action,
            "person": r.person_id,
            "requested_by": r.requested_by_id,
            "valid_from": r.valid_from,
            "valid_until": r.valid_until,
            "uses": r.uses,
            "status": r.status,
            "decided_by": r.decided_by_id,
            "used": r.used,
        }
        for name, value in stored.items():
            if expected[name] != value:
                return (
                    ev.seq,
                    f"request R{r.id}: {name} is {value!r} in the tables but {expected[name]!r} in the ledger",
                )
    return None


def departments_problem(store: Store) -> tuple[int | None, str] | None:
    """The departments (issue 14) rebuilt from their `dept_added` events against the table."""
    m = store.m
    E = m.Event  # noqa: N806 - the store's table
    events = {json.loads(e.data)["name"]: e.seq for e in E.select().where(E.kind == "dept_added")}
    rows = {d.name for d in m.Department.select(m.Department.name)}
    if rows - set(events):
        return None, f"department {sorted(rows - set(events))[0]} has no dept_added event"
    if set(events) - rows:
        name = sorted(set(events) - rows)[0]
        return events[name], f"department {name} is in the ledger but missing from the tables"
    return None
