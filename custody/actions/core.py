"""The one write path: every change of state is one function here, one transaction.

Each asks the policy (pure), appends its event(s) to the ledger and updates
the current-state tables, all inside `store.writing()`. Refusals are
recorded too (P24). CLI, web pages and the scan API call these; nothing else
writes models.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from custody import codes, settings, vocab
from custody.errors import Conflict, InvalidInput, Refused
from custody.ledger import chain as ledger
from custody.messages.catalog import render
from custody.models.core import Approval, Item, Person, Station, Tag
from custody.reports import lookup
from custody.rules import loans as policy
from custody.store.core import Store
from custody.store.fastsql import Compiled, param

COMMAND_PREFIX = "CMD-"


@dataclass
class Outcome:
    """What an action did, for the CLI and the scan API to show."""

    outcome: str  # checked_out | returned | refused | approved
    message: str
    reason: str = ""
    item: Item | None = None
    person: Person | None = None
    flags: tuple[str, ...] = ()
    flag_messages: tuple[str, ...] = ()
    seq: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# --- facts from rows ----------------------------------------------------------


def person_facts(p: Person, with_badge: bool = False) -> policy.PersonFacts:
    return policy.PersonFacts(
        id=p.id,
        name=p.name,
        role=p.role,
        clearance=p.clearance,
        dept=p.dept,
        badge=lookup.badge_of(p) if with_badge else "",
        active=p.active,
        off_post_until=p.off_post_until,
    )


def item_facts(i: Item) -> policy.ItemFacts:
    """Facts about an item loaded by `lookup.item` (home and holder already joined)."""
    return policy.ItemFacts(
        code=i.code,
        title=i.title,
        kind=i.kind,
        level=i.level,
        status=i.status,
        holder=person_facts(i.holder) if i.holder_id else None,
        since=i.since,
        home=i.home.name,
        home_kind=i.home.kind,
        scope=tuple(json.loads(i.scope)),
    )


def record_refusal(
    store: Store,
    action: str,
    refusal: policy.Refusal,
    *,
    actor: str,
    item: str | None = None,
    person: int | None = None,
    station: str | None = None,
) -> Outcome:
    """P24: a refusal is an event with its reason."""
    rec = ledger.append(
        "refused",
        store.now(),
        item=item,
        person=person,
        station=station,
        actor=actor,
        data={
            "action": action,
            "reason": refusal.reason,
            "params": {k: str(v) for k, v in refusal.params.items()},
        },
    )
    return Outcome(
        "refused", render(refusal.reason, store.lang, **refusal.params), refusal.reason, seq=rec.seq
    )


# --- settings, stations, people, tags ----------------------------------------


def set_setting(store: Store, key: str, value: Any, *, actor: str) -> Any:
    parsed = settings.parse(key, value)
    from custody.models.core import Setting

    with store.writing():
        Setting.insert(key=key, value=json.dumps(parsed)).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: json.dumps(parsed)}
        ).execute()
        ledger.append("setting_changed", store.now(), actor=actor, data={"key": key, "value": parsed})
    return parsed


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_station(store: Store, name: str, kind: str, *, actor: str) -> tuple[Station, str]:
    """Register a station; returns it and its API token (shown once, only the hash is kept)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidInput(
            f"站点名称“{name}”无效：1–64 个字符", f"station name {name!r} is invalid: 1–64 characters"
        )
    sk = vocab.station_kind(kind)
    token = secrets.token_urlsafe(32)
    with store.writing():
        if Station.get_or_none(Station.name == name):
            raise Conflict(f"站点“{name}”已存在", f"station {name!r} already exists")
        st = Station.create(
            name=name,
            kind=sk.slug,
            token_hash=_hash_token(token),
            token_hint=token[:6],
            token_created_at=store.now(),
            created_at=store.now(),
        )
        ledger.append(
            "station_added",
            store.now(),
            station=name,
            actor=actor,
            data={"kind": sk.slug, "token_hint": token[:6]},
        )
    return st, token


def rotate_token(store: Store, name: str, *, actor: str) -> str:
    token = secrets.token_urlsafe(32)
    with store.writing():
        st = lookup.station(name)
        Station.update(
            token_hash=_hash_token(token), token_hint=token[:6], token_created_at=store.now()
        ).where(Station.id == st.id).execute()
        ledger.append("token_issued", store.now(), station=name, actor=actor, data={"token_hint": token[:6]})
    return token


def revoke_token(store: Store, name: str, *, actor: str) -> None:
    with store.writing():
        st = lookup.station(name)
        Station.update(token_hash=None, token_hint=None, token_created_at=None).where(
            Station.id == st.id
        ).execute()
        ledger.append("token_revoked", store.now(), station=name, actor=actor, data={})


STATION_BY_TOKEN = Compiled(lambda: Station.select().where(Station.token_hash == param("hash")).limit(1))


def station_for_token(token: str) -> Station | None:
    if not token:
        return None
    rows = STATION_BY_TOKEN.objects(Station._meta.database, hash=_hash_token(token))
    return rows[0][0] if rows else None  # type: ignore[return-value]


def _check_code_free(code: str, what_zh: str, what_en: str) -> None:
    if Tag.get_or_none(Tag.code == code):
        raise Conflict(
            f"{what_zh}“{code}”已被占用（工作证、物品编码和 RFID 编号不可重复）",
            f"{what_en} {code!r} is already taken (badges, item codes and RFID ids are unique together)",
        )


def _rfid_tag_fields(uid: str) -> dict[str, Any]:
    canonical = codes.rfid_canonical(uid)
    low, dec = codes.rfid_keys(canonical)
    clash = None
    if low is not None:
        clash = Tag.get_or_none((Tag.hex_low32 == low) | (Tag.dec_value == low))
    if clash is None and dec is not None:
        clash = Tag.get_or_none((Tag.hex_low32 == dec) | (Tag.dec_value == dec))
    if clash is not None:
        raise Conflict(
            f"RFID 编号“{uid}”与已登记的“{clash.code}”指向同一标签",
            f"RFID id {uid!r} is the same tag as the registered {clash.code!r}",
        )
    _check_code_free(canonical, "RFID 编号", "RFID id")
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
        raise InvalidInput("姓名不能为空", "the name may not be empty")
    if not badge or len(badge) > 64 or not badge.isprintable():
        raise InvalidInput(
            f"工作证号“{badge}”无效：1–64 个可打印字符",
            f"badge {badge!r} is invalid: 1–64 printable characters",
        )
    if badge.upper().startswith(COMMAND_PREFIX):
        raise InvalidInput(
            f"工作证号“{badge}”不能以 {COMMAND_PREFIX} 开头（保留给站点指令）",
            f"badge {badge!r} may not start with {COMMAND_PREFIX} (reserved for station commands)",
        )
    if codes.looks_like_item_code(badge):
        raise InvalidInput(
            f"工作证号“{badge}”与物品编码格式相同（12位数字），请换用其他编号",
            f"badge {badge!r} has the form of an item code (12 digits); use another",
        )
    lv = vocab.level(clearance)
    rl = vocab.role(role)
    with store.writing():
        _check_code_free(badge, "工作证号", "badge")
        rfid_fields = _rfid_tag_fields(rfid) if rfid else None
        p = Person.create(
            name=name, role=rl.slug, clearance=lv.slug, dept=dept.strip(), created_at=store.now()
        )
        Tag.create(code=badge, kind="badge", person=p)
        if rfid_fields:
            Tag.create(kind="person-rfid", person=p, **rfid_fields)
        ledger.append(
            "person_added",
            store.now(),
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
    with store.writing():
        it = lookup.item(code)
        fields = _rfid_tag_fields(rfid)
        tag = Tag.create(kind="item-rfid", item=it, **fields)
        ledger.append("tag_bound", store.now(), item=it.code, actor=actor, data={"rfid": fields["code"]})
    return tag


# --- receive (P1–P3, P5) ------------------------------------------------------


def default_home() -> Station:
    safes = list(Station.select().where(Station.kind == "safe"))
    if len(safes) == 1:
        return safes[0]
    if not safes:
        raise InvalidInput(
            "没有保密室类站点，请用 --home 指定存放站点（或先 custody station add 名称 --kind safe）",
            "there is no station of kind safe: give --home (or first: custody station add NAME --kind safe)",
        )
    names = ", ".join(s.name for s in safes)
    raise InvalidInput(
        f"有多个保密室类站点（{names}），请用 --home 指定", f"several safe stations ({names}): give --home"
    )


def receive(
    store: Store,
    *,
    title: str,
    level: str,
    kind: str = "document",
    copies: int = 1,
    first_copy: int = 1,
    total_copies: int | None = None,
    doc_no: str = "",
    issuer: str = "",
    period: str | None = None,
    home: str | None = None,
    scope: list[str] | None = None,
    received_by: str | None = None,
    brought_by: str | None = None,
    actor: str,
) -> list[Item]:
    """P1–P3: register N copies, each its own item with its own code and copy number."""
    title = title.strip()
    if not title:
        raise InvalidInput("标题不能为空", "the title may not be empty")
    lv = vocab.level(level)
    kd = vocab.kind(kind)
    per = vocab.period(period, lv)
    if not 1 <= copies <= 10000:
        raise InvalidInput(f"份数 {copies} 无效：1–10000", f"copies {copies} is invalid: 1–10000")
    if not 1 <= first_copy <= 999999 - copies + 1:
        raise InvalidInput(
            f"起始份号 {first_copy} 无效：1–999999", f"first copy number {first_copy} is invalid: 1–999999"
        )
    with store.writing():
        st = lookup.station(home) if home else default_home()
        by = lookup.person_by_badge(received_by) if received_by else None
        brought = lookup.person_by_badge(brought_by) if brought_by else None
        decision = policy.decide_receive(policy.ReceiveFacts(lv.slug, kd.slug, st.name, st.kind))
        if isinstance(decision, policy.Refusal):
            record_refusal(store, "receive", decision, actor=actor, station=st.name)
    if isinstance(decision, policy.Refusal):
        raise Refused(
            render(decision.reason, "zh", **decision.params),
            render(decision.reason, "en", **decision.params),
            decision.reason,
        )
    with store.writing():
        doc_no, issuer = doc_no.strip(), issuer.strip()
        if doc_no:
            taken = [
                i.copy_no
                for i in Item.select(Item.copy_no).where(
                    (Item.doc_no == doc_no)
                    & (Item.issuer == issuer)
                    & (Item.copy_no.between(first_copy, first_copy + copies - 1))
                )
            ]
            if taken:
                raise Conflict(
                    f"文号“{doc_no}”的份号 {taken[0]:06d} 已登记（同一文件的份号不可重复）",
                    f"copy {taken[0]:06d} of {doc_no!r} is already registered (copy numbers are unique)",
                )
        now = store.now()
        items = []
        for n in range(first_copy, first_copy + copies):
            code = _fresh_code()
            it = Item.create(
                code=code,
                title=title,
                kind=kd.slug,
                level=lv.slug,
                period=per.spec,
                copy_no=n,
                total_copies=total_copies,
                doc_no=doc_no,
                issuer=issuer,
                scope=json.dumps(scope or [], ensure_ascii=False),
                home=st,
                received_by=by,
                brought_by=brought,
                received_at=now,
                status="in",
                location=st,
            )
            Tag.create(code=code, kind="item-barcode", item=it)
            ledger.append(
                "received",
                now,
                item=code,
                person=by.id if by else None,
                station=st.name,
                actor=actor,
                data={
                    "title": title,
                    "kind": kd.slug,
                    "level": lv.slug,
                    "period": per.spec,
                    "copy_no": n,
                    "total_copies": total_copies,
                    "doc_no": doc_no,
                    "issuer": issuer,
                    "scope": scope or [],
                    "home": st.name,
                    "brought_by": brought.id if brought else None,
                },
            )
            items.append(it)
    return items


def _fresh_code() -> str:
    for _ in range(100):
        code = codes.new_item_code()
        if not Tag.select().where(Tag.code == code).exists():
            return code
    raise RuntimeError("could not find a free item code")


# --- check-out, return, approve -----------------------------------------------


def _approvals_for(person: Person, it: Item) -> tuple[policy.ApprovalFacts, ...]:
    rows = Approval.select().where(
        (Approval.person == person) & (Approval.item == it) & Approval.used_seq.is_null()
    )
    return tuple(
        policy.ApprovalFacts(a.id, person.id, it.code, a.approver.name, a.valid_from, a.valid_until)
        for a in rows
    )


def _loaded_item(code: str, loaded: Item | None) -> Item:
    """The item as `lookup.item` loads it: `loaded` if the caller has just loaded it in the same
    transaction (the scan path resolves the code that way), else from the database."""
    if loaded is None:
        return lookup.item(code)
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
) -> Outcome:
    """P7–P10: lend an item that is home to a person, or refuse with the reason.

    `loaded`: the item as `lookup.item` loads it, already loaded in the caller's transaction."""
    with store.writing():
        it = _loaded_item(code, loaded)
        ifacts = item_facts(it)
        needs_approval = it.level == "top-secret" or bool(ifacts.scope)
        facts = policy.CheckOutFacts(
            item=ifacts,
            person=person_facts(person, with_badge=bool(ifacts.scope)),
            station=station.name,
            station_kind=station.kind,
            now=store.now(),
            approver=person_facts(approver) if approver else None,
            approvals=_approvals_for(person, it) if needs_approval else (),
        )
        decision = policy.decide_check_out(facts)
        if isinstance(decision, policy.Refusal):
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
        if approver is not None and policy.leader_present(facts):
            data["approver"] = approver.id
        if decision.approval is not None:
            data["approval"] = decision.approval.id
        rec = ledger.append(
            "checked_out", now, item=it.code, person=person.id, station=station.name, actor=actor, data=data
        )
        if decision.approval is not None:
            Approval.update(used_seq=rec.seq).where(Approval.id == decision.approval.id).execute()
        _set_state(it, "out", person, now, station)
    return Outcome(
        "checked_out",
        render("checked_out", store.lang, **decision.params),
        item=it,
        person=person,
        seq=rec.seq,
        extra=data,
    )


SET_STATE = Compiled(
    lambda: Item.update(
        status=param("status", Item.status),
        holder=param("holder", Item.holder),
        since=param("since", Item.since),
        location=param("location", Item.location),
    ).where(Item.id == param("id"))
)


def _set_state(it: Item, status: str, holder: Person | None, since: datetime | None, where: Station) -> None:
    """Update the current-state columns, in the table and on the loaded row."""
    SET_STATE.execute(
        Item._meta.database, status=status, holder=holder, since=since, location=where, id=it.id
    )
    it.status, it.holder, it.since, it.location = status, holder, since, where


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
        it = _loaded_item(code, loaded)
        facts = policy.ReturnFacts(
            item=item_facts(it),
            station=station.name,
            now=store.now(),
            presenter=person_facts(presenter) if presenter else None,
        )
        decision = policy.decide_return(facts)
        if isinstance(decision, policy.Refusal):
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
        now = store.now()
        rec = ledger.append(
            "returned",
            now,
            item=it.code,
            person=holder.id if holder else None,
            station=station.name,
            actor=actor,
            data={"presented_by": presenter.id if presenter else None, "flags": list(decision.flags)},
        )
        _set_state(it, "in", None, None, station)
    flags = tuple(render(f, store.lang, **decision.params) for f in decision.flags)
    message = render("returned", store.lang, **decision.params)
    if flags:
        message = (
            message + "；" + "；".join(flags) if store.lang != "en" else message + "; " + "; ".join(flags)
        )
    return Outcome(
        "returned", message, item=it, person=holder, flags=decision.flags, flag_messages=flags, seq=rec.seq
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
    if not 0 < hours <= 24 * 31:
        raise InvalidInput(f"有效时长 {hours} 小时无效：0–744", f"validity {hours} hours is invalid: 0–744")
    with store.writing():
        it = lookup.item(code)
        decision = policy.decide_approve(person_facts(approver))
        if isinstance(decision, policy.Refusal):
            out = record_refusal(store, "approve", decision, actor=actor, item=it.code, person=person.id)
            out.item, out.person = it, person
            return out
        start = valid_from or store.now()
        until = start + timedelta(hours=hours)
        rec = ledger.append(
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
        Approval.create(
            person=person,
            item=it,
            approver=approver,
            valid_from=start,
            valid_until=until,
            purpose=purpose,
            event_seq=rec.seq,
        )
    return Outcome(
        "approved",
        render(
            "approved", store.lang, approver=approver.name, person=person.name, title=it.title, code=it.code
        ),
        item=it,
        person=person,
        seq=rec.seq,
    )


def off_post(store: Store, badge: str, until: date | None, *, actor: str) -> Person:
    """P8: set or clear a person's off-post period (脱密期)."""
    with store.writing():
        p = lookup.person_by_badge(badge)
        Person.update(off_post_until=until).where(Person.id == p.id).execute()
        ledger.append(
            "person_changed",
            store.now(),
            person=p.id,
            actor=actor,
            data={"off_post_until": until.isoformat() if until else None},
        )
    return Person.get_by_id(p.id)


def set_active(store: Store, badge: str, active: bool, *, actor: str) -> Person:
    with store.writing():
        p = lookup.person_by_badge(badge)
        Person.update(active=active).where(Person.id == p.id).execute()
        ledger.append("person_changed", store.now(), person=p.id, actor=actor, data={"active": active})
    return Person.get_by_id(p.id)


# --- the scan service: approval in a session, undo, scanner devices (issue 3) ---


def record_scan_refusal(
    store: Store,
    reason: str,
    params: dict[str, Any],
    *,
    actor: str,
    item: str | None = None,
    person: int | None = None,
    station: str | None = None,
    action: str = "scan",
) -> Outcome:
    """P24 for refusals only a station has (mistyped code, no badge before a command, late conflict)."""
    from custody.messages import catalog as scan_messages

    with store.writing():
        rec = ledger.append(
            "refused",
            store.now(),
            item=item,
            person=person,
            station=station,
            actor=actor,
            data={"action": action, "reason": reason, "params": {k: str(v) for k, v in params.items()}},
        )
    return Outcome("refused", scan_messages.render(reason, store.lang, **params), reason, seq=rec.seq)


def approve_session(
    store: Store, station: Station, person: Person, approver: Person, *, actor: str
) -> Outcome:
    """P10 at the station: a leader's badge scanned into someone else's session approves it."""
    from custody.messages import catalog as scan_messages

    if approver.id == person.id:
        raise InvalidInput(
            f"{approver.name}不能批准自己的会话", f"{approver.name} cannot approve their own session"
        )
    with store.writing():
        decision = policy.decide_approve(person_facts(approver))
        if isinstance(decision, policy.Refusal):
            out = record_refusal(
                store, "approve", decision, actor=actor, person=person.id, station=station.name
            )
            out.person = person
            return out
        rec = ledger.append(
            "session_approved",
            store.now(),
            person=person.id,
            station=station.name,
            actor=actor,
            data={"approver": approver.id},
        )
    return Outcome(
        "approved",
        scan_messages.render("session_approved", store.lang, approver=approver.name, person=person.name),
        person=person,
        seq=rec.seq,
        extra={"approver": approver.id},
    )


def withdraw_session_approval(
    store: Store, station: Station, person: Person, approver: Person, *, undo_of: int, actor: str
) -> Outcome:
    """CMD-UNDO of a session approval: a compensating event names the approval it cancels."""
    from custody.messages import catalog as scan_messages

    with store.writing():
        rec = ledger.append(
            "session_approval_withdrawn",
            store.now(),
            person=person.id,
            station=station.name,
            actor=actor,
            data={"approver": approver.id, "undo_of": undo_of},
        )
    return Outcome(
        "command",
        scan_messages.render("undo_approval", store.lang, approver=approver.name, person=person.name),
        person=person,
        seq=rec.seq,
        extra={"undo_of": undo_of},
    )


def undo_custody_event(store: Store, seq: int, station: Station, *, actor: str) -> Outcome:
    """Cancel a check-out or a return by appending the opposite event (the ledger is never edited).

    Refused (and recorded) when anything has changed the item since that event.
    """
    from custody.ledger import replay
    from custody.messages import catalog as scan_messages
    from custody.models.core import Event

    with store.writing():
        ev = Event.get_or_none(Event.seq == seq)
        if ev is None or ev.kind not in ("checked_out", "returned") or not ev.item:
            raise InvalidInput(
                f"事件 #{seq} 不是借出或归还，不能撤销", f"event #{seq} is no check-out or return to undo"
            )
        it = Item.get(Item.code == ev.item)
        params = {"code": it.code, "title": it.title, "level": it.level, "kind": it.kind}
        last = (
            Event.select(Event.seq)
            .where((Event.item == it.code) & Event.kind.in_(list(replay.APPLY)))
            .order_by(Event.seq.desc())
            .limit(1)
            .scalar()
        )
        holder = Person.get_or_none(Person.id == ev.person) if ev.person is not None else None
        if last != seq or holder is None:
            return record_scan_refusal(
                store,
                "undo_changed_since",
                params,
                actor=actor,
                item=it.code,
                person=ev.person,
                station=station.name,
                action="undo",
            )
        now = store.now()
        if ev.kind == "checked_out":
            rec = ledger.append(
                "returned",
                now,
                item=it.code,
                person=holder.id,
                station=station.name,
                actor=actor,
                data={"presented_by": None, "flags": [], "undo_of": seq},
            )
            Item.update(status="in", holder=None, since=None, location=station).where(
                Item.id == it.id
            ).execute()
            key = "undo_checked_out"
        else:
            rec = ledger.append(
                "checked_out",
                now,
                item=it.code,
                person=holder.id,
                station=station.name,
                actor=actor,
                data={"undo_of": seq},
            )
            Item.update(status="out", holder=holder, since=now, location=station).where(
                Item.id == it.id
            ).execute()
            key = "undo_returned"
        it = Item.get_by_id(it.id)
    return Outcome(
        "command",
        scan_messages.render(key, store.lang, person=holder.name, **params),
        item=it,
        person=holder,
        seq=rec.seq,
        extra={"undo_of": seq},
    )


DEVICE_EVENTS = ("connected", "disconnected")


def record_device_event(
    store: Store, station: Station, event: str, device: str, at: datetime, *, actor: str
) -> ledger.Record:
    """A scanner agent's report that its device was plugged in or out (`device_connected` …)."""
    if event not in DEVICE_EVENTS:
        raise InvalidInput(
            f"设备事件“{event}”无效；可用：{', '.join(DEVICE_EVENTS)}",
            f"device event {event!r} is invalid; allowed: {', '.join(DEVICE_EVENTS)}",
        )
    device = device.strip()
    if not device or len(device) > 200 or not device.isprintable():
        raise InvalidInput(
            f"设备名“{device}”无效：1–200 个可打印字符",
            f"device {device!r} is invalid: 1–200 printable characters",
        )
    with store.writing():
        return ledger.append(
            f"device_{event}",
            store.now(),
            station=station.name,
            actor=actor,
            data={"device": device, "at": at.isoformat()},
        )


# --- closing time and imported registers (issue 6) ----------------------------


def set_station_closing_time(store: Store, name: str, closing_time: str | None, *, actor: str) -> Station:
    """A station's own closing time (HH:MM local), or None for the `closing_time` setting."""
    value = settings.parse("closing_time", closing_time) if closing_time else None
    with store.writing():
        st = lookup.station(name)
        Station.update(closing_time=value).where(Station.id == st.id).execute()
        ledger.append(
            "station_changed", store.now(), station=st.name, actor=actor, data={"closing_time": value}
        )
    return Station.get_by_id(st.id)


def loan_problem(level: str, status: str, person: Person) -> tuple[str, str] | None:
    """Why an existing loan of an item at `level` cannot be recorded for `person` (zh, en), or None."""
    if status != "in":
        return f"物品状态为{vocab.STATUS_BY_SLUG[status].zh}，不能登记为借出", f"the item is {status}, not in"
    if not person.active:
        return f"{person.name}已停用，不能持有物品", f"{person.name} is inactive and may hold nothing"
    if vocab.LEVEL_BY_SLUG[person.clearance].rank < vocab.LEVEL_BY_SLUG[level].rank:
        lv, cl = vocab.LEVEL_BY_SLUG[level], vocab.LEVEL_BY_SLUG[person.clearance]
        return (
            f"{person.name}的许可级别为{cl.zh}，不能持有{lv.zh}物品（请先收回再导入）",
            f"{person.name}'s clearance is {cl.en.lower()}: may not hold a {lv.en.lower()} item "
            "(take it back first, then import)",
        )
    return None


def record_loan(
    store: Store, code: str, person: Person, *, since: datetime, actor: str, source: str = ""
) -> Item:
    """An item that was already out when it was registered here (an imported register):
    recorded as out to `person` since `since` (event `loan_recorded`)."""
    with store.writing():
        it = Item.get_by_id(lookup.item(code).id)
        problem = loan_problem(it.level, it.status, person)
        if problem is not None:
            raise InvalidInput(
                f"“{it.title}”（{it.code}）：{problem[0]}", f"{it.title!r} ({it.code}): {problem[1]}"
            )
        now = store.now()
        if since > now:
            raise InvalidInput(
                f"借出时间 {since.isoformat()} 在将来", f"loan time {since.isoformat()} is in the future"
            )
        from custody.models.core import to_text

        ledger.append(
            "loan_recorded",
            now,
            item=it.code,
            person=person.id,
            station=it.home.name,
            actor=actor,
            data={"since": to_text(since), "source": source},
        )
        Item.update(status="out", holder=person, since=since, location=it.home).where(
            Item.id == it.id
        ).execute()
        return Item.get_by_id(it.id)


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


__all__ = [
    "Outcome",
    "add_person",
    "add_station",
    "approve",
    "check_out",
    "receive",
    "return_item",
    "receive_imported",
    "record_loan",
    "record_refusal",
    "rotate_token",
    "revoke_token",
    "set_setting",
    "set_station_closing_time",
    "tag_item",
]
