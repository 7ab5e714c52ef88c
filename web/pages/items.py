"""The item page `/items/CODE` (every field, the label, the whole history, what the viewer may do),
the receive form `/receive` (custody.actions.items.receive) and the labels of what was received
(`/labels.pdf?codes=…`: one A4 sheet, L7160)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import quote

import bottle

from custody import settings, vocab
from custody.actions import items as item_actions
from custody.errors import CustodyError, InvalidInput
from custody.ledger import chain as ledger
from custody.messages import Msg
from custody.messages.catalog import event_name
from custody.reports import lookup, shapes
from custody.rules.access import Can
from custody.rules.places import PURPOSES
from labels import ItemLabel, label_bytes
from web import labels_api
from web.api import snapshot
from web.pages.common import acting_person, actor, allowed, forbidden, form, refuse, tz, viewer
from web.pages.render import page, redirect, wants_json

MAX_LABELS = 1000  # one PDF of at most this many labels (21 sheets of L7160 per 441)


def _may_see(req: Any, it: Any) -> bool:
    """P23: everything readable for READ; staff only what they hold."""
    if allowed(req, Can.READ):
        return True
    v = viewer(req)
    return v is not None and v.person_id is not None and it.holder_id == v.person_id


def _event_line(req: Any, r: Any, names: dict[int, str]) -> dict[str, Any]:
    d = json.loads(r.data)
    return {
        **shapes.event_json(r, tz(req)),
        "name": event_name(r.kind, req.lang),
        "person_name": names.get(r.person) if r.person is not None else None,
        "refused": r.kind == "refused",
        "reason": d.get("reason", ""),
    }


def actions_for(req: Any, it: Any) -> list[str]:
    """What the rulebook lets this viewer do to the item from the pages (each a form below): what
    the viewer's role may (P23) and the item's state allows; the rules decide the rest when posted."""
    out = []
    if allowed(req, Can.RECEIVE):
        out.append("label")
    if it.status == "in" and allowed(req, Can.REQUEST) and it.level == "top-secret":
        out.append("request")
    if allowed(req, Can.CUSTODY):
        if it.status == "in":
            out += ["check_out", "return_to_issuer", "destroy"]
            if not it.no_copy:
                out.append("copy")
        if it.status in ("in", "out") or (it.status == "lost" and it.lost_from):
            out.append("due_back")
        if it.status in ("in", "out"):
            out.append("report_lost")
    if it.status == "lost" and it.lost_from and allowed(req, Can.APPROVE):
        out.append("resolve_loss")
    return out


def _stations(req: Any) -> list[dict[str, str]]:
    m = req.store.m
    return [{"name": s.name, "kind": s.kind} for s in m.Station.select().order_by(m.Station.name)]


def item_data(req: Any, it: Any) -> dict[str, Any]:
    """The item page's data (inside a read transaction): every field, the history, what may be done."""
    zone = tz(req)
    m = req.store.m
    events = ledger.history(req.store, it.code)
    ids = {e.person for e in events if e.person is not None}
    names = dict(m.Person.select(m.Person.id, m.Person.name).where(m.Person.id.in_(ids)).tuples())
    acts = actions_for(req, it)
    return {
        "title": it.title,
        "item": {
            **shapes.item_json(req.store, it, zone),
            "period_text": vocab.Period(it.period).marking(req.lang) if it.period else "",
            "scope": json.loads(it.scope),
            "total_copies": it.total_copies,
            "received_at": shapes.iso(it.received_at, zone),
            "due_back": it.due_back.isoformat() if it.due_back else None,
            "no_copy": it.no_copy,
            "loan_purpose": it.loan_purpose,
            "loan_due": shapes.iso(it.loan_due, zone),
        },
        "history": [_event_line(req, e, names) for e in events],
        "actions": acts,
        "_error": "",
        "_code_q": quote(it.code),
        "_stations": _stations(req) if "check_out" in acts else [],
        "_purposes": list(PURPOSES),
        "_failed": "",
        "_values": {},
        "_made": [],
    }


def item_page(req: Any) -> bottle.HTTPResponse:
    with snapshot(req.store):
        it = lookup.item(req.store, req.args["code"])
        if not _may_see(req, it):
            return forbidden(req)
        data = item_data(req, it)
        made = [c for c in req.query.get("made", "").split(",") if c][:MAX_LABELS]
        for c in made:
            try:
                copy = lookup.item(req.store, c)
            except CustodyError:
                continue
            if copy.copy_of == it.code:
                data["_made"].append({"code": copy.code, "copy_no": f"{copy.copy_no:06d}"})
    return page(req, "item", data)


def item_again(
    req: Any, code: str, failed: str, problem: str, values: dict[str, str], status: int
) -> bottle.HTTPResponse:
    """The item page once more after a form `failed`: its reason shown, the form open with what was
    typed (never a password: no item form has one)."""
    with snapshot(req.store):
        data = item_data(req, lookup.item(req.store, code))
    data.update(_error=problem, _failed=failed, _values=values)
    return page(req, "item", data, status=status)


def label_png(req: Any) -> bottle.HTTPResponse:
    """The item's label image for the item page (the API's, on the page's login)."""
    with snapshot(req.store):
        it = lookup.item(req.store, req.args["code"])
        if not _may_see(req, it):
            return forbidden(req)
    return labels_api.label_png(req)


def _item_label(req: Any, it: Any, unit: str) -> ItemLabel:
    return ItemLabel(
        code=it.code,
        level=it.level,
        period=it.period,
        copy_no=it.copy_no,
        kind=it.kind,
        doc_no=it.doc_no,
        unit=unit,
        received=it.received_at.astimezone(tz(req)).date(),
    )


def labels_pdf(req: Any) -> bottle.HTTPResponse:
    """Labels of the items named (`codes=a,b,…`), one A4 sheet of L7160 labels per 21."""
    codes = [c.strip() for c in req.query.get("codes", "").split(",") if c.strip()]
    if not codes or len(codes) > MAX_LABELS:
        raise InvalidInput("give 1–{most} item codes (codes=a,b,…)", most=MAX_LABELS)
    with snapshot(req.store):
        unit = settings.get(req.store, "unit_name")
        found = [_item_label(req, lookup.item(req.store, c), unit) for c in codes]
    body = label_bytes(found, "pdf", size="50x30", dpi=300, sheet="L7160", lang=req.lang)
    return bottle.HTTPResponse(
        body=body,
        status=200,
        headers={
            "Content-Type": "application/pdf",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": 'inline; filename="labels.pdf"',
        },
    )


# --- receiving ---------------------------------------------------------------------------------


def _receive_data(
    req: Any, values: dict[str, str], problem: str = "", received: list[Any] | None = None
) -> dict[str, Any]:
    m = req.store.m
    stations = [{"name": s.name, "kind": s.kind} for s in m.Station.select().order_by(m.Station.name)]
    return {
        "title": Msg("Receive a document").render(req.lang),
        "levels": [lv.slug for lv in vocab.LEVELS],
        "kinds": [k.slug for k in vocab.KINDS],
        "stations": stations,
        "values": values,
        "error": problem,
        "received": [
            {"code": i.code, "title": i.title, "level": i.level, "copy_no": f"{i.copy_no:06d}"}
            for i in received or []
        ],
    }


def receive_form(req: Any) -> bottle.HTTPResponse:
    codes = [c for c in req.query.get("received", "").split(",") if c]
    got = []
    with snapshot(req.store):
        for c in codes[:MAX_LABELS]:
            try:
                got.append(lookup.item(req.store, c))
            except CustodyError:
                continue
        data = _receive_data(req, {"level": "secret", "copies": "1", "kind": "document"}, received=got)
    if got:
        data["labels_url"] = "/labels.pdf?codes=" + ",".join(i.code for i in got)
    return page(req, "receive", data)


def _int_field(values: dict[str, str], name: str, default: int) -> int:
    text = values.get(name, "") or str(default)
    if not text.isdigit() or len(text) > 9:  # int() of thousands of digits raises, not a refusal
        raise InvalidInput("{name} {value!r} is not a whole number", name=name, value=text)
    return int(text)


def _day(values: dict[str, str], name: str) -> date | None:
    text = values.get(name, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("date {value!r} is invalid: use YYYY-MM-DD", value=text) from None


def receive_post(req: Any) -> bottle.HTTPResponse:
    values = form(req)
    values.pop("csrf_token", None)
    try:
        person = acting_person(req)
        scope = [s.strip() for s in values.get("scope", "").replace("，", ",").split(",") if s.strip()]
        received = item_actions.receive(
            req.store,
            title=values.get("title", ""),
            level=values.get("level", ""),
            kind=values.get("kind", "") or "document",
            copies=_int_field(values, "copies", 1),
            total_copies=_int_field(values, "total_copies", 0) or None,
            doc_no=values.get("doc_no", ""),
            issuer=values.get("issuer", ""),
            period=values.get("period") or None,
            home=values.get("home") or None,
            scope=scope,
            received_by=lookup.badge_of(req.store, person) or None,
            no_copy=values.get("no_copy") == "1",
            due_back=_day(values, "due_back"),
            actor=actor(req),
        )
    except CustodyError as exc:
        if wants_json(req):
            return refuse(req, exc)
        with snapshot(req.store):
            data = _receive_data(req, values, exc.message(req.lang))
        return page(req, "receive", data, status=exc.http_status)
    if wants_json(req):
        from web.pages.render import as_json

        zone = tz(req)
        with snapshot(req.store):
            items = [shapes.item_json(req.store, lookup.item(req.store, i.code), zone) for i in received]
        return as_json(
            {"items": items, "labels_url": "/labels.pdf?codes=" + ",".join(i.code for i in received)}, 201
        )
    return redirect("/receive?received=" + ",".join(i.code for i in received))
