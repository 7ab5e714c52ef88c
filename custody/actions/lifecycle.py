"""An item's whole life after receipt (issue 13): copies (P16), return to issuer (P17), destruction
(P18), loss and its resolution (P19), the review of a secrecy period (P4), a due date set later.

Each action: one transaction; the facts built from rows, the rules asked (`custody.rules.lifecycle`),
refusals recorded (P24), else the events appended and the current state written. An action on
several items is all or nothing: one refusal and none of them is changed (every refusal recorded).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from custody import settings, vocab
from custody.actions import limits
from custody.actions.items import _fresh_code, item_facts
from custody.actions.outcome import Outcome
from custody.actions.people import person_facts
from custody.actions.refusals import record_refusal
from custody.actions.requests import grants_for, use_grant
from custody.errors import InvalidInput
from custody.ledger import chain as ledger
from custody.messages.catalog import text
from custody.models.core import Item, Person
from custody.reports import lookup
from custody.rules import lifecycle as rules
from custody.rules.facts import Refusal
from custody.store.core import Store


def life_facts(store: Store, it: Item) -> rules.LifeItem:
    """The facts of an item loaded by `lookup.item`, with its life after receipt."""
    return rules.LifeItem(
        item=item_facts(store, it),
        copy_no=it.copy_no,
        doc_no=it.doc_no,
        issuer=it.issuer,
        period=it.period,
        received_on=it.received_at.astimezone(ZoneInfo(settings.get(store, "timezone"))).date(),
        no_copy=bool(it.no_copy),
        due_back=it.due_back,
        copy_of=it.copy_of,
        lost_from=it.lost_from,
    )


def local_day(store: Store) -> date:
    """Today in the office's time zone."""
    return store.now().astimezone(ZoneInfo(settings.get(store, "timezone"))).date()


def present_grant(store: Store, approver: Person | None, action: str) -> rules.Grant | None:
    """A leader named at the desk now (`--approved-by BADGE`), as the one approval model sees it."""
    if approver is None:
        return None
    return rules.Grant("present", person_facts(store, approver), action)


def _facts(store: Store, it: Item, by: Person, action: str | None, **kw: Any) -> rules.ActFacts:
    life = life_facts(store, it)
    approver, request = kw.pop("approver", None), kw.pop("request", None)
    grants: tuple[rules.Grant, ...] = ()
    if action is not None:
        grants = grants_for(store, action, by, it, only=request)
    return rules.ActFacts(
        item=life,
        by=person_facts(store, by),
        now=store.now(),
        present=present_grant(store, approver, action) if action else None,
        grants=grants,
        **kw,
    )


def _refused(store: Store, action: str, it: Item, decision: Refusal, by: Person, actor: str) -> Outcome:
    out = record_refusal(
        store,
        action,
        decision,
        actor=actor,
        item=it.code,
        person=by.id,
        station=it.location.name if it.location_id else it.home.name,
    )
    out.item, out.person = it, by
    return out


def _approval_data(f: rules.ActFacts, action: str) -> dict[str, Any]:
    g = f.grant(action)
    if g is None:
        return {}
    if g.source == "request":
        return {"approver": g.approver.id, "request": g.id}
    return {"approver": g.approver.id}


def _end(store: Store, it: Item, status: str) -> None:
    """An item's life here ends: it is nowhere out, held by nobody."""
    m = store.m
    m.Item.update(status=status, holder=None, since=None, lost_from=None).where(m.Item.id == it.id).execute()
    it.status, it.holder, it.since, it.lost_from = status, None, None, None


# --- P16 copies ------------------------------------------------------------------------------------------


def document_copies(store: Store, it: Item) -> list[Item]:
    """Every copy of the item's document, ordered by copy number: the copies of its document number
    (issuer + 文号), or — without a number — the copies received with it and every copy made of them."""
    m = store.m
    if it.doc_no:
        q = m.Item.select().where((m.Item.doc_no == it.doc_no) & (m.Item.issuer == it.issuer))
        return sorted(q, key=lambda i: (i.copy_no, i.code))
    root = it
    while root.copy_of:
        root = m.Item.get(m.Item.code == root.copy_of)
    family = list(
        m.Item.select().where(
            (m.Item.title == root.title)
            & (m.Item.issuer == root.issuer)
            & (m.Item.doc_no == "")
            & (m.Item.received_at == root.received_at)
            & m.Item.copy_of.is_null()
        )
    )
    codes = {i.code for i in family}
    frontier = set(codes)
    while frontier:
        more = list(m.Item.select().where(m.Item.copy_of.in_(sorted(frontier))))
        frontier = {i.code for i in more} - codes
        codes |= frontier
        family += [i for i in more if i.code in frontier]
    return sorted(family, key=lambda i: (i.copy_no, i.code))


def copy(
    store: Store,
    code: str,
    copies: int,
    *,
    by: Person,
    actor: str,
    approver: Person | None = None,
    request: str | None = None,
    issuer_ref: str = "",
    for_whom: str = "",
) -> tuple[Outcome, list[Item]]:
    """P16: register `copies` new copies of the item's document, copy numbers continuing after the
    highest; each copy is then an item like any other (level, period, scope, home)."""
    limits.texts(reference=issuer_ref, for_whom=for_whom)
    m = store.m
    with store.writing():
        it = lookup.item(store, code)
        f = _facts(
            store,
            it,
            by,
            "copy",
            approver=approver,
            request=request,
            issuer_ref=issuer_ref,
            extra={"copies": copies},
        )
        decision = rules.decide_copy(f)
        if isinstance(decision, Refusal):
            return _refused(store, "copy", it, decision, by, actor), []
        approval = _approval_data(f, "copy") if it.level in rules.COPY_LEVELS_NEEDING_LEADER else {}
        now = store.now()
        highest = max(i.copy_no for i in document_copies(store, it))
        made: list[Item] = []
        last = None
        for n in range(highest + 1, highest + copies + 1):
            new_code = _fresh_code(store)
            new = m.Item.create(
                code=new_code,
                title=it.title,
                kind=it.kind,
                level=it.level,
                period=it.period,
                copy_no=n,
                total_copies=it.total_copies,
                doc_no=it.doc_no,
                issuer=it.issuer,
                scope=it.scope,
                home=it.home_id,
                received_by=by.id,
                received_at=now,
                status="in",
                location=it.home_id,
                no_copy=it.no_copy,
                due_back=it.due_back,
                copy_of=it.code,
            )
            m.Tag.create(code=new_code, kind="item-barcode", item=new)
            last = ledger.append(
                store,
                "copied",
                now,
                item=new_code,
                person=by.id,
                station=it.home.name,
                actor=actor,
                data={
                    "title": it.title,
                    "kind": it.kind,
                    "level": it.level,
                    "period": it.period,
                    "copy_no": n,
                    "total_copies": it.total_copies,
                    "doc_no": it.doc_no,
                    "issuer": it.issuer,
                    "scope": json.loads(it.scope),
                    "home": it.home.name,
                    "no_copy": bool(it.no_copy),
                    "due_back": it.due_back.isoformat() if it.due_back else None,
                    "copy_of": it.code,
                    "copies": copies,
                    "for": for_whom,
                    "issuer_ref": issuer_ref,
                    **approval,
                },
            )
            made.append(lookup.item(store, new_code))
        assert last is not None
        use_grant(store, f.grant("copy") if approval else None)
    codes = ", ".join(i.code for i in made)
    msg = text("copied", by=by.name, copies=copies, title=it.title, code=it.code, codes=codes)
    return Outcome(
        "copied", msg, item=it, person=by, seq=last.seq, extra={"codes": [i.code for i in made]}
    ), made


# --- P18 destruction, P17 return to issuer ---------------------------------------------------------------


def _batch(
    store: Store,
    codes: list[str],
    action: str,
    decide: Any,
    by: Person,
    actor: str,
    **kw: Any,
) -> tuple[list[Item], list[rules.ActFacts], list[Outcome]]:
    """Load and decide every item; the refusals (all recorded) if any, else the facts to act on."""
    if not codes:
        raise InvalidInput("name at least one item code")
    items = [lookup.item(store, c) for c in dict.fromkeys(codes)]
    facts = [_facts(store, it, by, action if action == "destroy" else None, **kw) for it in items]
    refused = []
    for it, f in zip(items, facts, strict=True):
        decision = decide(f)
        if isinstance(decision, Refusal):
            refused.append(_refused(store, action, it, decision, by, actor))
    return items, facts, refused


def destroy(
    store: Store,
    codes: list[str],
    *,
    by: Person,
    witnesses: list[Person],
    actor: str,
    approver: Person | None = None,
    request: str | None = None,
    method: str = "",
    place: str = "",
) -> list[Outcome]:
    """P18: destroy items in the safe with a leader's approval and two witnesses, all recorded."""
    limits.texts(method=method, place=place)
    with store.writing():
        wf = tuple(person_facts(store, w) for w in witnesses)
        items, facts, refused = _batch(
            store,
            codes,
            "destroy",
            rules.decide_destroy,
            by,
            actor,
            approver=approver,
            request=request,
            witnesses=wf,
        )
        if refused:
            return refused
        out = []
        now = store.now()
        used: dict[int, rules.Grant] = {}  # one destruction of a batch is one use of a request
        for it, f in zip(items, facts, strict=True):
            approval = _approval_data(f, "destroy")
            rec = ledger.append(
                store,
                "destroyed",
                now,
                item=it.code,
                person=by.id,
                station=it.location.name if it.location_id else it.home.name,
                actor=actor,
                data={"witnesses": [w.id for w in witnesses], "method": method, "place": place, **approval},
            )
            g = f.grant("destroy")
            if g is not None and g.source == "request":
                used[g.id] = g
            _end(store, it, "destroyed")
            names = "、".join(w.name for w in witnesses)
            msg = text("destroyed", title=it.title, code=it.code, by=by.name, witnesses=names)
            out.append(Outcome("destroyed", msg, item=it, person=by, seq=rec.seq))
        for g in used.values():
            use_grant(store, g)
    return out


def return_to_issuer(
    store: Store, codes: list[str], *, by: Person, actor: str, ref: str = ""
) -> list[Outcome]:
    """P17: items go back to their issuing authority; their life here ends."""
    limits.texts(reference=ref)
    with store.writing():
        items, facts, refused = _batch(
            store, codes, "return_to_issuer", rules.decide_return_to_issuer, by, actor
        )
        if refused:
            return refused
        out = []
        now = store.now()
        for it in items:
            rec = ledger.append(
                store,
                "returned_to_issuer",
                now,
                item=it.code,
                person=by.id,
                station=it.location.name if it.location_id else it.home.name,
                actor=actor,
                data={
                    "ref": ref,
                    "issuer": it.issuer,
                    "due_back": it.due_back.isoformat() if it.due_back else None,
                },
            )
            _end(store, it, "returned-to-issuer")
            out.append(
                Outcome(
                    "returned_to_issuer",
                    text("returned_to_issuer", title=it.title, code=it.code),
                    item=it,
                    person=by,
                    seq=rec.seq,
                )
            )
    return out


def set_due_back(store: Store, codes: list[str], due: date, *, by: Person, actor: str) -> list[Outcome]:
    """P17: the day items are due back to their issuer, set after receipt; a day in the past is refused."""
    m = store.m
    with store.writing():
        today = local_day(store)
        items = [lookup.item(store, c) for c in dict.fromkeys(codes)]
        out = []
        for it in items:
            decision = rules.decide_due_back(_facts(store, it, by, None), due, today)
            if isinstance(decision, Refusal):
                out.append(_refused(store, "due_back", it, decision, by, actor))
        if out:
            return out
        for it in items:
            rec = ledger.append(
                store,
                "due_back_set",
                store.now(),
                item=it.code,
                person=by.id,
                actor=actor,
                data={"due_back": due.isoformat()},
            )
            m.Item.update(due_back=due).where(m.Item.id == it.id).execute()
            it.due_back = due
            out.append(
                Outcome(
                    "due_back_set",
                    text("due_back_set", title=it.title, code=it.code, due=due.isoformat()),
                    item=it,
                    seq=rec.seq,
                )
            )
    return out


# --- P19 loss -----------------------------------------------------------------------------------------------


def report_loss(store: Store, code: str, *, by: Person, actor: str, note: str = "") -> Outcome:
    """P19: an item reported lost (or possibly leaked) is flagged everywhere until a leader resolves it;
    it keeps its holder, so the record says who had it."""
    limits.texts(note=note)
    m = store.m
    with store.writing():
        it = lookup.item(store, code)
        f = _facts(store, it, by, None)
        decision = rules.decide_report_loss(f)
        if isinstance(decision, Refusal):
            return _refused(store, "report_loss", it, decision, by, actor)
        before = it.status
        rec = ledger.append(
            store,
            "reported_lost",
            store.now(),
            item=it.code,
            person=by.id,
            station=it.location.name if it.location_id else it.home.name,
            actor=actor,
            data={"note": note, "from": before, "holder": it.holder_id},
        )
        m.Item.update(status="lost", lost_from=before).where(m.Item.id == it.id).execute()
        it.status, it.lost_from = "lost", before
    return Outcome(
        "reported_lost",
        text("reported_lost", title=it.title, code=it.code, by=by.name),
        item=it,
        person=by,
        seq=rec.seq,
        flags=("lost",),
    )


def resolve_loss(store: Store, code: str, *, by: Person, actor: str, found: bool, note: str = "") -> Outcome:
    """P19: an office leader resolves a loss report: found (back to where it was: in, or out to its
    holder) or confirmed lost (its life here ends)."""
    limits.texts(note=note)
    m = store.m
    with store.writing():
        it = lookup.item(store, code)
        f = _facts(store, it, by, None)
        decision = rules.decide_resolve_loss(f)
        if isinstance(decision, Refusal):
            return _refused(store, "resolve_loss", it, decision, by, actor)
        kind = "loss_found" if found else "loss_confirmed"
        back = it.lost_from
        rec = ledger.append(
            store,
            kind,
            store.now(),
            item=it.code,
            person=by.id,
            station=it.location.name if it.location_id else it.home.name,
            actor=actor,
            data={"note": note, "back_to": back if found else None},
        )
        if found:
            m.Item.update(status=back, lost_from=None).where(m.Item.id == it.id).execute()
            it.status, it.lost_from = back, None
            msg = text("loss_found", title=it.title, code=it.code, status=back)
        else:
            _end(store, it, "lost")
            msg = text("loss_confirmed", title=it.title, code=it.code, by=by.name)
    return Outcome(kind, msg, item=it, person=by, seq=rec.seq)


# --- P4 review ------------------------------------------------------------------------------------------------


def review_item(
    store: Store, code: str, *, by: Person, outcome: str, actor: str, period: str = "", note: str = ""
) -> Outcome:
    """P4: an office leader records the review of an item's secrecy: `declassify` (it becomes
    unclassified), `extend` (a new period, within the legal maximum from receipt) or `keep`."""
    limits.texts(note=note)
    m = store.m
    with store.writing():
        it = lookup.item(store, code)
        spec = vocab.period(period, vocab.LEVEL_BY_SLUG[it.level]).spec if period else ""
        f = _facts(store, it, by, None, extra={"outcome": outcome, "period": spec})
        decision = rules.decide_review(f)
        if isinstance(decision, Refusal):
            return _refused(store, "review", it, decision, by, actor)
        level, new_period = it.level, it.period
        if outcome == "declassify":
            level, new_period = "unclassified", ""
        elif outcome == "extend":
            new_period = spec
        today = local_day(store)
        rec = ledger.append(
            store,
            "reviewed",
            store.now(),
            item=it.code,
            person=by.id,
            actor=actor,
            data={
                "outcome": outcome,
                "level_before": it.level,
                "period_before": it.period,
                "level": level,
                "period": new_period,
                "on": today.isoformat(),
                "note": note,
            },
        )
        m.Item.update(level=level, period=new_period, reviewed_on=today).where(m.Item.id == it.id).execute()
        it.level, it.period, it.reviewed_on = level, new_period, today
    msg = text(f"review_{outcome}", title=it.title, code=it.code, by=by.name, period=new_period)
    return Outcome("reviewed", msg, item=it, person=by, seq=rec.seq, extra={"outcome": outcome})


def record_loss_notification(store: Store, code: str, results: dict[str, str]) -> None:
    """P19: the custodian and leaders were told of a loss (channel → "sent" or the error)."""
    failed = any(r != "sent" for r in results.values())
    with store.writing():
        ledger.append(
            store,
            "notify_failed" if failed else "notified",
            store.now(),
            item=code,
            actor="notify",
            data={"loss": code, "channels": results},
        )
