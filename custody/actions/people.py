"""People and tags: adding a person; their role, department, clearance, off-post period and active
flag; binding RFID tags. Each change is one `person_changed` event naming what changed."""

from __future__ import annotations

from datetime import date
from typing import Any

from custody import codes, vocab
from custody.actions import limits
from custody.errors import Conflict, InvalidInput, NotFound, Refused
from custody.ledger import chain as ledger
from custody.messages import N_, Msg
from custody.models.core import Item, Person, Tag
from custody.reports import lookup
from custody.rules.facts import PersonFacts
from custody.store.core import Store

COMMAND_PREFIX = "CMD-"


def person_facts(store: Store, p: Person, with_badge: bool = False) -> PersonFacts:
    return PersonFacts(
        id=p.id,
        name=p.name,
        role=p.role,
        clearance=p.clearance,
        dept=p.dept,
        badge=lookup.badge_of(store, p) if with_badge else "",
        active=p.active,
        off_post_until=p.off_post_until,
    )


_TAKEN = {  # what a taken code was to be -> the message that says it is taken
    "badge": N_("badge {code!r} is already taken (badges, item codes and RFID ids are unique together)"),
    "rfid": N_("RFID id {code!r} is already taken (badges, item codes and RFID ids are unique together)"),
}


def _check_code_free(store: Store, code: str, what: str) -> None:
    m = store.m
    if m.Tag.get_or_none(m.Tag.code == code):
        raise Conflict(Msg(_TAKEN[what], {"code": code}))


def _rfid_tag_fields(store: Store, uid: str) -> dict[str, Any]:
    m = store.m
    canonical = codes.rfid_canonical(uid)
    low, dec = codes.rfid_keys(canonical)
    clash = None
    if low is not None:
        clash = m.Tag.get_or_none((m.Tag.hex_low32 == low) | (m.Tag.dec_value == low))
    if clash is None and dec is not None:
        clash = m.Tag.get_or_none((m.Tag.hex_low32 == dec) | (m.Tag.dec_value == dec))
    if clash is not None:
        raise Conflict("RFID id {uid!r} is the same tag as the registered {code!r}", uid=uid, code=clash.code)
    _check_code_free(store, canonical, "rfid")
    return {"code": canonical, "hex_low32": low, "dec_value": dec}


def add_person(
    store: Store,
    name: str,
    *,
    badge: str,
    clearance: str,
    role: str = "staff",
    dept: str = "",
    rfid: str | None = None,
    actor: str,
) -> Person:
    name, badge = name.strip(), badge.strip()
    if not name:
        raise InvalidInput("the name may not be empty")
    limits.check("name", name, limits.NAME)
    limits.check("dept", dept.strip(), limits.DEPT)
    if not badge or len(badge) > 64 or not badge.isprintable():
        raise InvalidInput("badge {badge!r} is invalid: 1–64 printable characters", badge=badge)
    if badge.upper().startswith(COMMAND_PREFIX):
        raise InvalidInput(
            "badge {badge!r} may not start with {prefix} (reserved for station commands)",
            badge=badge,
            prefix=COMMAND_PREFIX,
        )
    if codes.looks_like_item_code(badge):
        raise InvalidInput(
            "badge {badge!r} has the form of an item code (12 digits); use another", badge=badge
        )
    lv = vocab.level(clearance)
    rl = vocab.role(role)
    m = store.m
    with store.writing():
        _check_code_free(store, badge, "badge")
        rfid_fields = _rfid_tag_fields(store, rfid) if rfid else None
        if dept.strip():  # P9: people belong to a department of the table (made here if new)
            from custody.actions.departments import add_department

            add_department(store, dept, actor=actor, exists_ok=True)
        now = store.now()  # the row's creation time is its event's (verify compares them)
        p = m.Person.create(name=name, role=rl.slug, clearance=lv.slug, dept=dept.strip(), created_at=now)
        m.Tag.create(code=badge, kind="badge", person=p)
        if rfid_fields:
            m.Tag.create(kind="person-rfid", person=p, **rfid_fields)
        ledger.append(
            store,
            "person_added",
            now,
            person=p.id,
            actor=actor,
            data={
                "name": name,
                "role": rl.slug,
                "clearance": lv.slug,
                "dept": p.dept,
                "badge": badge,
                "rfid": rfid_fields["code"] if rfid_fields else None,
            },
        )
    return p


def tag_item(store: Store, code: str, rfid: str, *, actor: str) -> Tag:
    """Bind an RFID tag to an item (an item may carry a label and a tag)."""
    m = store.m
    with store.writing():
        it = lookup.item(store, code)
        fields = _rfid_tag_fields(store, rfid)
        tag = m.Tag.create(kind="item-rfid", item=it.id, **fields)
        ledger.append(
            store, "tag_bound", store.now(), item=it.code, actor=actor, data={"rfid": fields["code"]}
        )
    return tag


def held_by(store: Store, p: Person) -> tuple[Item, ...]:
    """P8/P27: what `p` holds now, as holder or as the second person carrying it (P13), oldest first."""
    m = store.m
    rows = (
        m.Item.select()
        .where((m.Item.holder == p.id) | (m.Item.second_holder == p.id))
        .order_by(m.Item.since, m.Item.id)
    )
    return tuple(rows)


def _refuse_if_holding(
    store: Store, p: Person, action: str, actor: str, clearance: str | None = None
) -> None:
    """P8: refuse (recorded, then raised) a change that would leave items with someone who may not
    hold them, naming what to hand back."""
    from custody.actions.items import item_facts
    from custody.actions.refusals import record_refusal
    from custody.rules import people as people_rules

    held = tuple(item_facts(store, lookup.item(store, i.code)) for i in held_by(store, p))
    pf = person_facts(store, p)
    if clearance is None:
        refusal = people_rules.may_close_out(pf, held)
    else:
        refusal = people_rules.may_lower_clearance(pf, held, clearance)
    if refusal is None:
        return
    out = record_refusal(store, action, refusal, actor=actor, person=p.id)
    raise Refused(out.msg, reason=refusal.reason, rule=refusal.rule)


def set_clearance(store: Store, badge: str, clearance: str, *, actor: str) -> Person:
    """P8: change a person's clearance; lowering it below what they hold is refused."""
    lv = vocab.level(clearance)
    m = store.m
    with store.writing():
        p = lookup.person_by_badge(store, badge)
        _refuse_if_holding(store, p, "set_clearance", actor, clearance=lv.slug)
        m.Person.update(clearance=lv.slug).where(m.Person.id == p.id).execute()
        ledger.append(
            store, "person_changed", store.now(), person=p.id, actor=actor, data={"clearance": lv.slug}
        )
    return m.Person.get_by_id(p.id)


def off_post(store: Store, badge: str, until: date | None, *, actor: str) -> Person:
    """P8: set or clear a person's off-post period (脱密期); not while they hold anything."""
    m = store.m
    with store.writing():
        p = lookup.person_by_badge(store, badge)
        if until is not None and until >= store.now().date():
            _refuse_if_holding(store, p, "off_post", actor)
        m.Person.update(off_post_until=until).where(m.Person.id == p.id).execute()
        ledger.append(
            store,
            "person_changed",
            store.now(),
            person=p.id,
            actor=actor,
            data={"off_post_until": until.isoformat() if until else None},
        )
    return m.Person.get_by_id(p.id)


def set_active(store: Store, badge: str, active: bool, *, actor: str) -> Person:
    m = store.m
    with store.writing():
        p = lookup.person_by_badge(store, badge)
        if not active:
            _refuse_if_holding(store, p, "deactivate", actor)
        m.Person.update(active=active).where(m.Person.id == p.id).execute()
        ledger.append(store, "person_changed", store.now(), person=p.id, actor=actor, data={"active": active})
    return m.Person.get_by_id(p.id)


def set_role(store: Store, badge: str, role: str, *, actor: str) -> Person:
    """Change a person's role (staff, custodian, leader, admin): a `person_changed` event with `role`;
    the same role again records nothing. Every decision reads the role when it is made: a leader
    made staff approves nothing from the next scan or command on, and the approvals they gave
    beforehand count only while they are a leader again (`custody.actions.loans`); an open station
    session stays open, its next scan decided on the new role. A web login tied to the person keeps
    its own role (`custody user …`)."""
    rl = vocab.role(role)
    m = store.m
    with store.writing():
        p = lookup.person_by_badge(store, badge)
        if p.role != rl.slug:
            m.Person.update(role=rl.slug).where(m.Person.id == p.id).execute()
            ledger.append(
                store, "person_changed", store.now(), person=p.id, actor=actor, data={"role": rl.slug}
            )
    return m.Person.get_by_id(p.id)


def set_dept(store: Store, badge: str, dept: str, *, actor: str) -> Person:
    """Move a person to another department of the table (`custody dept add` makes one): a
    `person_changed` event with `dept`; the same department again records nothing. Items they hold
    stay with them (P9 is decided when an item is borrowed, and a loan outside its scope may have a
    leader's approval); from then on the scopes read the new department."""
    from custody.actions.departments import department

    m = store.m
    with store.writing():
        p = lookup.person_by_badge(store, badge)
        row = department(store, dept)
        if row is None:
            raise NotFound("no department {name} (custody dept add {name})", name=dept.strip())
        if p.dept != row.name:
            m.Person.update(dept=row.name).where(m.Person.id == p.id).execute()
            ledger.append(
                store, "person_changed", store.now(), person=p.id, actor=actor, data={"dept": row.name}
            )
    return m.Person.get_by_id(p.id)
