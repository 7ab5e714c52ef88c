"""Approvals `/approvals`: the pending requests (custody.actions.requests) for office leaders to
approve or reject, and a request of one's own (staff, custodians: `/approvals/request`)."""

from __future__ import annotations

from typing import Any

import bottle

from custody.actions import requests as reqs
from custody.errors import CustodyError, InvalidInput
from custody.messages import Msg
from custody.reports import lookup, shapes
from custody.rules.access import Can
from web.api import snapshot
from web.pages.common import acting_person, actor, allowed, form, person_of, refuse, tz
from web.pages.render import as_json, page, redirect, wants_json


def _shape(req: Any, r: Any) -> dict[str, Any]:
    zone = tz(req)
    return {
        "id": r.ref,
        "action": r.action,
        "person": r.person.name,
        "requested_by": r.requested_by.name,
        "item": r.item.code if r.item_id else None,
        "item_title": r.item.title if r.item_id else None,
        "level": r.item.level if r.item_id else None,
        "valid_from": shapes.iso(r.valid_from, zone),
        "valid_until": shapes.iso(r.valid_until, zone),
        "uses": r.uses,
        "purpose": r.purpose,
        "status": r.status,
        "decided_by": r.decided_by.name if r.decided_by_id else None,
        "reason": r.reason,
    }


def _data(req: Any, message: str = "", problem: str = "") -> dict[str, Any]:
    me = person_of(req)
    with snapshot(req.store):
        if allowed(req, Can.APPROVE):
            rows = reqs.pending(req.store)
        else:  # one's own requests only
            rows = [r for r in reqs.pending(req.store) if me is not None and r.person_id == me.id]
        shaped = [_shape(req, r) for r in rows]
    return {
        "title": Msg("Approvals").render(req.lang),
        "pending": shaped,
        "decide": allowed(req, Can.APPROVE),
        "message": message,
        "error": problem,
    }


def approvals(req: Any) -> bottle.HTTPResponse:
    return page(req, "approvals", _data(req))


def decide(req: Any) -> bottle.HTTPResponse:
    """A leader's decision on a request (P10): approve, or reject with a reason."""
    values = form(req)
    verdict = values.get("decision", "")
    if verdict not in ("approve", "reject"):
        raise InvalidInput("decision {value!r} is invalid; allowed: approve, reject", value=verdict)
    try:
        out = reqs.decide(
            req.store,
            values.get("request", ""),
            leader=acting_person(req),
            approve=verdict == "approve",
            reason=values.get("reason", ""),
            actor=actor(req),
        )
    except CustodyError as exc:
        if wants_json(req):
            return refuse(req, exc)
        return page(req, "approvals", _data(req, problem=exc.message(req.lang)), status=exc.http_status)
    text = out.message(req.lang)
    if wants_json(req):
        return as_json({"outcome": out.outcome, "message": text}, 409 if out.outcome == "refused" else 200)
    if out.outcome == "refused":
        return page(req, "approvals", _data(req, problem=text), status=409)
    return page(req, "approvals", _data(req, message=text))


def make_request(req: Any) -> bottle.HTTPResponse:
    """Ask a leader's approval in advance to borrow an item (`code`), for oneself."""
    values = form(req)
    hours_text = values.get("hours", "") or "8"
    try:
        hours = float(hours_text)
    except ValueError:
        raise InvalidInput(
            "validity {hours} hours is invalid: 0–{most}", hours=hours_text, most=24 * 31
        ) from None
    me = acting_person(req)
    code = values.get("code", "")
    lookup.item(req.store, code)
    out = reqs.make_request(
        req.store,
        "check-out",
        person=me,
        requested_by=me,
        actor=actor(req),
        item=code,
        hours=hours,
        purpose=values.get("purpose", ""),
    )
    text = out.message(req.lang)
    if wants_json(req):
        return as_json(
            {"outcome": out.outcome, "message": text, **out.extra}, 409 if out.outcome == "refused" else 201
        )
    if out.outcome == "refused":
        return page(req, "approvals", _data(req, problem=text), status=409)
    return redirect("/approvals")
