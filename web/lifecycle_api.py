"""The API of an item's whole life (issue 13): copy, destroy, return to issuer, loss, review,
requests and their decisions, the violations list — for the web pages that come next.

Not for station device tokens: until user logins exist these routes need the service's admin
token (`make_app(..., admin_token=…)`, `Authorization: Bearer ADMIN_TOKEN`); a service started
without one answers them 403, so they are left to the CLI on the machine itself. Every body names
people by badge (`by`, `approved_by`, `witnesses`), as the CLI does. A refusal answers 403 with the
error shape and the rule: `{"error": "…", "rule": "P18", "reason": "destroy_needs_leader"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custody.actions import lifecycle as life
from custody.actions import requests as reqs
from custody.actions.outcome import Outcome
from custody.errors import InvalidInput
from custody.models.core import Person
from custody.reports import lookup, shapes
from custody.reports import violations as violation_reports
from web.api import ApiRequest, Result, snapshot

TEXT = 200
MAX_LIST = 100  # codes or witnesses in one body: well inside the body limit


def _text(body: Mapping[str, Any], name: str, *, required: bool = False, default: str = "") -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidInput("the field {name} is missing", name=name)
        return default
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT:
        raise InvalidInput(
            "the field {name} must be a non-empty string of at most {n} characters", name=name, n=TEXT
        )
    return value.strip()


def _texts(body: Mapping[str, Any], name: str, *, at_least: int = 0) -> list[str]:
    value = body.get(name, [])
    if (
        not isinstance(value, list)
        or len(value) > MAX_LIST
        or not all(isinstance(v, str) and v.strip() and len(v) <= 64 for v in value)
    ):
        raise InvalidInput("the field {name} must be a list of non-empty strings", name=name)
    if len(value) < at_least:
        raise InvalidInput("the field {name} needs at least {n} entries", name=name, n=at_least)
    return [v.strip() for v in value]


def _int(body: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            "the field {name} must be a whole number {low}–{high}", name=name, low=low, high=high
        )
    return value


def _bool(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise InvalidInput("the field {name} must be true or false", name=name)
    return value


def _person(req: ApiRequest, badge: str) -> Person:
    return lookup.person_by_badge(req.store, badge)


def _approval(req: ApiRequest, body: Mapping[str, Any]) -> tuple[Person | None, str | None]:
    value = _text(body, "approved_by") or None
    if value is None:
        return None, None
    if reqs.is_request_ref(value):
        return None, value.upper()
    return _person(req, value), None


def _answer(req: ApiRequest, outcomes: list[Outcome], **extra: Any) -> Result:
    """200 with the outcomes; 403 naming the rule when any was refused (the refusals are recorded)."""
    refused = [o for o in outcomes if o.outcome == "refused"]
    if refused:
        first = refused[0]
        return 403, {
            "error": "；".join(o.message(req.lang) for o in refused)
            if req.lang != "en"
            else "; ".join(o.message(req.lang) for o in refused),
            "rule": first.rule,
            "reason": first.reason,
        }
    tz = req.tz()
    return {
        "outcomes": [
            {
                "outcome": o.outcome,
                "message": o.message(req.lang),
                "item": shapes.item_json(req.store, o.item, tz) if o.item else None,
                **({"request": o.extra["request"]} if "request" in o.extra else {}),
            }
            for o in outcomes
        ],
        **extra,
    }


# --- the actions -----------------------------------------------------------------------------------------


def post_copy(req: ApiRequest) -> Result:
    body = req.json()
    approver, request = _approval(req, body)
    out, made = life.copy(
        req.store,
        _text(body, "code", required=True),
        _int(body, "copies", 1, 1, 1000),
        by=_person(req, _text(body, "by", required=True)),
        approver=approver,
        request=request,
        issuer_ref=_text(body, "issuer_ref"),
        for_whom=_text(body, "for"),
        actor=req.actor,
    )
    return _answer(req, [out], codes=[i.code for i in made])


def post_destruction(req: ApiRequest) -> Result:
    body = req.json()
    approver, request = _approval(req, body)
    outs = life.destroy(
        req.store,
        _texts(body, "codes", at_least=1),
        by=_person(req, _text(body, "by", required=True)),
        witnesses=[_person(req, w) for w in _texts(body, "witnesses")],
        approver=approver,
        request=request,
        method=_text(body, "method"),
        place=_text(body, "place"),
        actor=req.actor,
    )
    return _answer(req, outs)


def post_return_to_issuer(req: ApiRequest) -> Result:
    body = req.json()
    outs = life.return_to_issuer(
        req.store,
        _texts(body, "codes", at_least=1),
        by=_person(req, _text(body, "by", required=True)),
        ref=_text(body, "ref"),
        actor=req.actor,
    )
    return _answer(req, outs)


def post_loss(req: ApiRequest) -> Result:
    from custody.closing import notify

    body = req.json()
    out = life.report_loss(
        req.store,
        _text(body, "code", required=True),
        by=_person(req, _text(body, "by", required=True)),
        note=_text(body, "note"),
        actor=req.actor,
    )
    sent: tuple[str, ...] = ()
    if out.outcome != "refused" and out.item is not None:
        sent = notify.send_loss(req.store, out.item, out.message(req.lang), lang=req.lang)
    return _answer(req, [out], notified=list(sent))


def post_loss_resolution(req: ApiRequest) -> Result:
    body = req.json()
    out = life.resolve_loss(
        req.store,
        _text(body, "code", required=True),
        by=_person(req, _text(body, "by", required=True)),
        found=_bool(body, "found"),
        note=_text(body, "note"),
        actor=req.actor,
    )
    return _answer(req, [out])


def post_review(req: ApiRequest) -> Result:
    body = req.json()
    out = life.review_item(
        req.store,
        _text(body, "code", required=True),
        by=_person(req, _text(body, "by", required=True)),
        outcome=_text(body, "outcome", required=True),
        period=_text(body, "period"),
        note=_text(body, "note"),
        actor=req.actor,
    )
    return _answer(req, [out])


def post_request(req: ApiRequest) -> Result:
    body = req.json()
    by = _person(req, _text(body, "by", required=True))
    target = _text(body, "for")
    hours = body.get("hours", 8)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)):
        raise InvalidInput("the field {name} must be a number", name="hours")
    out = reqs.make_request(
        req.store,
        _text(body, "action", required=True),
        person=_person(req, target) if target else by,
        requested_by=by,
        item=_text(body, "code") or None,
        doc_no=_text(body, "doc_no"),
        issuer=_text(body, "issuer"),
        hours=float(hours),
        uses=_int(body, "uses", 1, 0, 1000),
        purpose=_text(body, "purpose"),
        reference=_text(body, "reference"),
        actor=req.actor,
    )
    return _answer(req, [out])


def post_request_decision(req: ApiRequest) -> Result:
    body = req.json()
    out = reqs.decide(
        req.store,
        _text(body, "request", required=True),
        leader=_person(req, _text(body, "by", required=True)),
        approve=_bool(body, "approve"),
        reason=_text(body, "reason"),
        actor=req.actor,
    )
    return _answer(req, [out])


# --- reads ---------------------------------------------------------------------------------------------------


def list_requests(req: ApiRequest) -> Result:
    from custody.cli.lifecycle import request_json

    with snapshot(req.store):
        rows = reqs.pending(req.store)
        return {"requests": [request_json(req.store, r, req.tz()) for r in rows]}


def list_violations(req: ApiRequest) -> Result:
    from datetime import date

    since = req.query.get("since")
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        raise InvalidInput("date {value!r} is invalid: use YYYY-MM-DD", value=since) from None
    with snapshot(req.store):
        rows = violation_reports.violations(req.store, since=day)
    return {"violations": [v.as_json(req.tz(), req.lang) for v in rows]}


# --- the OpenAPI description of these routes ------------------------------------------------------------------

BODIES: dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]] = {
    # path: (operationId, summary, properties, example)
    "/api/v1/copies": (
        "postCopy",
        "P16: copies of an item's document",
        {"code": "s", "copies": "i", "by": "s", "approved_by": "s", "issuer_ref": "s", "for": "s"},
        {"code": "346056276894", "copies": 2, "by": "C001", "approved_by": "L001", "for": "综合科"},
    ),
    "/api/v1/destructions": (
        "postDestruction",
        "P18: destroy items (a leader's approval, two witnesses)",
        {"codes": "l", "by": "s", "approved_by": "s", "witnesses": "l", "method": "s", "place": "s"},
        {"codes": ["346056276894"], "by": "C001", "approved_by": "L001", "witnesses": ["B001", "B002"]},
    ),
    "/api/v1/returns-to-issuer": (
        "postReturnToIssuer",
        "P17: return items to their issuing authority",
        {"codes": "l", "by": "s", "ref": "s"},
        {"codes": ["346056276894"], "by": "C001", "ref": "清退单7"},
    ),
    "/api/v1/losses": (
        "postLoss",
        "P19: report an item lost (custodian and leaders are notified)",
        {"code": "s", "by": "s", "note": "s"},
        {"code": "346056276894", "by": "B001", "note": "会后未找到"},
    ),
    "/api/v1/losses/resolutions": (
        "postLossResolution",
        "P19: a leader resolves a loss report (found, or confirmed lost)",
        {"code": "s", "by": "s", "found": "b", "note": "s"},
        {"code": "346056276894", "by": "L001", "found": True},
    ),
    "/api/v1/reviews": (
        "postReview",
        "P4: a leader's review outcome (declassify, extend, keep)",
        {"code": "s", "by": "s", "outcome": "s", "period": "s", "note": "s"},
        {"code": "346056276894", "by": "L001", "outcome": "extend", "period": "15y"},
    ),
    "/api/v1/requests": (
        "postRequest",
        "A request for a leader's approval, made in advance",
        {
            "action": "s",
            "by": "s",
            "for": "s",
            "code": "s",
            "doc_no": "s",
            "issuer": "s",
            "hours": "n",
            "uses": "i",
            "purpose": "s",
            "reference": "s",
        },
        {"action": "check-out", "by": "B001", "code": "346056276894", "hours": 4},
    ),
    "/api/v1/requests/decisions": (
        "postRequestDecision",
        "A leader approves or rejects a pending request",
        {"request": "s", "by": "s", "approve": "b", "reason": "s"},
        {"request": "R12", "by": "L001", "approve": True},
    ),
}
REQUIRED = {
    "/api/v1/copies": ["code", "by"],
    "/api/v1/destructions": ["codes", "by"],
    "/api/v1/returns-to-issuer": ["codes", "by"],
    "/api/v1/losses": ["code", "by"],
    "/api/v1/losses/resolutions": ["code", "by", "found"],
    "/api/v1/reviews": ["code", "by", "outcome"],
    "/api/v1/requests": ["action", "by"],
    "/api/v1/requests/decisions": ["request", "by", "approve"],
}


# the schema of a body field by its kind letter in the routes' property tables (also web/loans_api.py)
FIELD_KINDS: dict[str, dict[str, Any]] = {
    "s": {"type": "string", "minLength": 1, "maxLength": TEXT, "pattern": r"\S"},
    "i": {"type": "integer", "minimum": 0, "maximum": 1000},
    "n": {"type": "number", "exclusiveMinimum": 0, "maximum": 744},
    "b": {"type": "boolean"},
    "l": {
        "type": "array",
        "maxItems": MAX_LIST,
        "items": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"\S"},
    },
}


def openapi_paths(o: Any) -> dict[str, Any]:
    """These routes in OpenAPI 3 (`o` is web.openapi, for its helpers)."""
    kinds = FIELD_KINDS
    security = [{"adminToken": []}]
    errors = {
        "400": o._error("A malformed body, or an unknown code or badge"),
        "401": o._error("No or a wrong admin token"),
        "403": o._ok(
            "Refused: the rule and its reason (recorded), or no admin token is configured", o._ref("Refusal")
        ),
        "404": o._error("No such item, person or request"),
        "413": o._error("The body is larger than 16 KiB"),
    }
    paths: dict[str, Any] = {}
    for path, (op, summary, props, example) in BODIES.items():
        schema = {
            "type": "object",
            "properties": {k: kinds[v] for k, v in props.items()},
            "required": REQUIRED[path],
        }
        paths[path] = {
            "post": {
                "operationId": op,
                "summary": summary,
                "security": security,
                "requestBody": o._body(schema, example),
                "responses": {"200": o._ok("Done", o._ref("LifecycleAnswer")), **errors},
            }
        }
    read_errors = {k: v for k, v in errors.items() if k in ("400", "401", "403")}
    paths["/api/v1/requests"]["get"] = {
        "operationId": "listRequests",
        "summary": "The requests waiting for a leader's decision",
        "security": security,
        "responses": {
            "200": o._ok("Pending", o._obj({"requests": {"type": "array", "items": {"type": "object"}}})),
            **read_errors,
        },
    }
    paths["/api/v1/violations"] = {
        "get": {
            "operationId": "listViolations",
            "summary": "P24: every refused or flagged action, newest first",
            "security": security,
            "parameters": [
                {
                    "name": "since",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "format": "date"},
                }
            ],
            "responses": {
                "200": o._ok(
                    "The list", o._obj({"violations": {"type": "array", "items": {"type": "object"}}})
                ),
                **read_errors,
            },
        }
    }
    return paths


SCHEMAS = {
    "Refusal": {
        "type": "object",
        "properties": {"error": {"type": "string"}, "rule": {"type": "string"}, "reason": {"type": "string"}},
        "required": ["error"],
    },
    "LifecycleAnswer": {
        "type": "object",
        "properties": {"outcomes": {"type": "array", "items": {"type": "object"}}},
        "required": ["outcomes"],
    },
}
