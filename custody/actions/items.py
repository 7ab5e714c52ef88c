"""Receiving items (P1–P3, P5): each copy its own item, code and copy number."""

from __future__ import annotations

import json
import re
from datetime import date
from zoneinfo import ZoneInfo

from custody import codes, settings, vocab
from custody.actions import limits
from custody.actions.refusals import record_refusal
from custody.errors import Conflict, InvalidInput, Refused
from custody.ledger import chain as ledger
from custody.messages import Msg, listed
from custody.models.core import Item, Station
from custody.reports import lookup
from custody.rules import lifecycle
from custody.rules.facts import ItemFacts, ReceiveFacts, Refusal
from custody.rules.receive import decide_receive
from custody.store.core import Store


def item_facts(store: Store, i: Item) -> ItemFacts:
    """Facts about an item loaded by `lookup.item` (home and holder already joined)."""
    from custody.actions.people import person_facts

    return ItemFacts(
        code=i.code,
        title=i.title,
        kind=i.kind,
        level=i.level,
        status=i.status,
        holder=person_facts(store, i.holder) if i.holder_id else None,
        since=i.since,
        home=i.home.name,
        home_kind=i.home.kind,
        scope=tuple(json.loads(i.scope)),
    )


def default_home(store: Store) -> Station:
    m = store.m
    safes = list(m.Station.select().where(m.Station.kind == "safe"))
    if len(safes) == 1:
        return safes[0]
    if not safes:
        raise InvalidInput(
            "there is no station of kind safe: give --home (or first: custody station add NAME --kind safe)"
        )
    raise InvalidInput("several safe stations ({names}): give --home", names=", ".join(s.name for s in safes))


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
    no_copy: bool = False,
    due_back: date | None = None,
    actor: str,
) -> list[Item]:
    """P1–P3: register N copies, each its own item with its own code and copy number.

    Decided and written in one transaction; a P5 refusal is recorded (and kept even if an
    enclosing transaction is rolled back) and raised as `Refused`."""
    title = title.strip()
    if not title:
        raise InvalidInput("the title may not be empty")
    limits.check("title", title, limits.TITLE)
    limits.check("doc_no", doc_no.strip(), limits.DOC_NO)
    limits.check("issuer", issuer.strip(), limits.ISSUER)
    limits.texts(period=period)
    lv = vocab.level(level)
    kd = vocab.kind(kind)
    per = vocab.period(period, lv)
    if not 1 <= copies <= 10000:
        raise InvalidInput("copies {copies} is invalid: 1–10000", copies=copies)
    if not 1 <= first_copy <= 999999 - copies + 1:
        raise InvalidInput("first copy number {first_copy} is invalid: 1–999999", first_copy=first_copy)
    m = store.m
    with store.writing():
        st = lookup.station(store, home) if home else default_home(store)
        scope = checked_scope(store, scope or [])
        by = lookup.person_by_badge(store, received_by) if received_by else None
        brought = lookup.person_by_badge(store, brought_by) if brought_by else None
        decision = decide_receive(ReceiveFacts(lv.slug, kd.slug, st.name, st.kind))
        if not isinstance(decision, Refusal):  # P4 the legal maximum of a period, P17 a due date ahead
            today = store.now().astimezone(ZoneInfo(settings.get(store, "timezone"))).date()
            decision = lifecycle.period_refusal(lv.slug, per.spec, today) or decision
            if due_back is not None:
                decision = lifecycle.due_back_valid(due_back, today) or decision
        if isinstance(decision, Refusal):
            out = record_refusal(store, "receive", decision, actor=actor, station=st.name)
            raise Refused(out.msg, reason=decision.reason, rule=decision.rule)
        doc_no, issuer = doc_no.strip(), issuer.strip()
        if doc_no:
            taken = [
                i.copy_no
                for i in m.Item.select(m.Item.copy_no).where(
                    (m.Item.doc_no == doc_no)
                    & (m.Item.issuer == issuer)
                    & (m.Item.copy_no.between(first_copy, first_copy + copies - 1))
                )
            ]
            if taken:
                raise Conflict(
                    "copy {copy} of {doc_no!r} is already registered (copy numbers are unique)",
                    copy=f"{taken[0]:06d}",
                    doc_no=doc_no,
                )
        now = store.now()
        items = []
        for n in range(first_copy, first_copy + copies):
            code = _fresh_code(store)
            it = m.Item.create(
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
                no_copy=no_copy,
                due_back=due_back,
            )
            m.Tag.create(code=code, kind="item-barcode", item=it)
            ledger.append(
                store,
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
                    "no_copy": no_copy,
                    "due_back": due_back.isoformat() if due_back else None,
                },
            )
            items.append(it)
    return items


SCOPE_SEPARATORS = re.compile(r"[,，、;；]")  # `--scope 综合科,B002` as well as repeated


def checked_scope(store: Store, entries: list[str]) -> list[str]:
    """P9 at receipt: each entry of a distribution scope is a department of the table or a
    person's badge (never a name: names are not unique; a person's RFID fob counts as their badge),
    given repeated or separated by commas or 、;
    the first that is neither is refused, naming it, before anything is registered. Repeats are
    dropped, the order kept."""
    m = store.m
    split = (part.strip() for e in entries for part in SCOPE_SEPARATORS.split(e))
    wanted = list(dict.fromkeys(limits.check("scope", e, limits.DEPT) for e in split if e))
    if not wanted:
        return []
    limits.count("scope", wanted, limits.SCOPE_ENTRIES)
    depts = {
        d for (d,) in m.Department.select(m.Department.name).where(m.Department.name.in_(wanted)).tuples()
    }
    scope = []
    for entry in wanted:
        if entry in depts:
            scope.append(entry)
            continue
        tag = m.Tag.get_or_none((m.Tag.code == entry) & m.Tag.person.is_null(False))
        if tag is None:
            known = [d.name for d in m.Department.select(m.Department.name).order_by(m.Department.name)]
            raise InvalidInput(
                "the scope entry {entry!r} is neither a department nor a badge; departments: {known} "
                "(custody dept add NAME)",
                entry=entry,
                known=listed(known) if known else "—",
            )
        scope.append(lookup.badge_of(store, tag.person))
    return list(dict.fromkeys(scope))


def expired_at_receipt(store: Store, items: list[Item]) -> Msg | None:
    """P4 at the door: items received with a secrecy period that has already run out
    (`--period until:2020-01-01`) are registered all the same — the paper is here and must be
    on the register — and, as every expired item, listed for declassification review (never
    declassified silently). This is the one line that says so; None when the period runs on."""
    if not items:
        return None
    first = items[0]
    day = first.received_at.astimezone(ZoneInfo(settings.get(store, "timezone"))).date()
    expires = vocab.Period(first.period).expires(day)
    if expires is None or expires > day:
        return None
    return Msg(
        "the secrecy period of “{title}” ran out on {expires}: registered, and listed for "
        "declassification review (custody review)",
        {"title": first.title, "expires": expires.isoformat()},
    )


def _fresh_code(store: Store) -> str:
    m = store.m
    for _ in range(100):
        code = codes.new_item_code()
        if not m.Tag.select().where(m.Tag.code == code).exists():
            return code
    raise RuntimeError("could not find a free item code")
