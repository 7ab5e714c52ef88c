"""P9 need to know: departments (a table; people belong to one) and an item's distribution scope,
changed later by an office leader (a `scope_set` event)."""

from __future__ import annotations

import json

from custody.actions import limits
from custody.actions.outcome import Outcome
from custody.actions.people import person_facts
from custody.actions.refusals import record_refusal
from custody.errors import Conflict, InvalidInput, NotFound, Refused
from custody.ledger import chain as ledger
from custody.messages.catalog import text
from custody.models.core import Person
from custody.models.departments import Department
from custody.reports import lookup
from custody.rules import handover as rules
from custody.rules.facts import Refusal
from custody.store.core import Store


def department(store: Store, name: str) -> Department | None:
    m = store.m
    return m.Department.get_or_none(m.Department.name == name.strip())  # type: ignore[no-any-return]


def add_department(store: Store, name: str, *, actor: str, exists_ok: bool = False) -> Department:
    """A department of the office (`custody dept add NAME`); `exists_ok`: the one already there."""
    name = name.strip()
    if not name:
        raise InvalidInput("the department name may not be empty")
    limits.check("dept", name, limits.DEPT)
    m = store.m
    with store.writing():
        found = department(store, name)
        if found is not None:
            if exists_ok:
                return found
            raise Conflict("department {name} already exists", name=name)
        now = store.now()
        row = m.Department.create(name=name, created_at=now)
        ledger.append(store, "dept_added", now, actor=actor, data={"name": name})
    return row  # type: ignore[no-any-return]


def departments(store: Store) -> list[Department]:
    m = store.m
    return list(m.Department.select().order_by(m.Department.name))


def scope_entries(store: Store, depts: list[str], badges: list[str]) -> list[str]:
    """A scope as stored: departments (each in the table) then badges (each a person's), no repeats."""
    out: list[str] = []
    for d in depts:
        if department(store, d) is None:
            raise NotFound("no department {name} (custody dept add {name})", name=d.strip())
        out.append(d.strip())
    for b in badges:
        lookup.person_by_badge(store, b)
        out.append(b.strip())
    return list(dict.fromkeys(out))


def set_scope(
    store: Store, code: str, *, depts: list[str], badges: list[str], by: Person, actor: str
) -> Outcome:
    """P9: an office leader changes an item's distribution scope (empty: no scope); refused and
    recorded for anyone else."""
    m = store.m
    with store.writing():
        it = lookup.item(store, code)
        decision = rules.decide_scope_change(person_facts(store, by))
        if isinstance(decision, Refusal):
            out = record_refusal(store, "scope_set", decision, actor=actor, item=it.code, person=by.id)
            raise Refused(out.msg, reason=decision.reason, rule=decision.rule)
        scope = scope_entries(store, depts, badges)
        rec = ledger.append(
            store, "scope_set", store.now(), item=it.code, person=by.id, actor=actor, data={"scope": scope}
        )
        m.Item.update(scope=json.dumps(scope, ensure_ascii=False)).where(m.Item.id == it.id).execute()
        it.scope = json.dumps(scope, ensure_ascii=False)
    return Outcome(
        "scope_set",
        text("scope_set", title=it.title, code=it.code, by=by.name, scope="、".join(scope) or "—"),
        item=it,
        person=by,
        seq=rec.seq,
        extra={"scope": scope},
    )
