"""The API of loans beyond the desk (issue 14): a check-out with its terms (P11, P13–P15, P28),
departments and scope changes (P9), clearance changes (P8) and handovers (P26).

Like the lifecycle API (web/lifecycle_api.py) these routes need the service's admin token, never a
station's; bodies name people by badge; a refusal answers 403 with the rule and its reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from custody.actions import core as actions
from custody.actions import departments, handover
from custody.actions import people as people_actions
from custody.errors import InvalidInput
from custody.reports import lookup, shapes
from custody.rules.places import PURPOSES, LoanTerms
from web.api import ApiRequest, Result
from web.lifecycle_api import FIELD_KINDS, _answer, _person, _text, _texts


def _due(req: ApiRequest, body: dict[str, Any]) -> datetime | None:
    value = _text(body, "due") or None
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("the field {name} must be an ISO 8601 time", name="due") from None
    return when if when.tzinfo else when.replace(tzinfo=req.tz())


def post_loan(req: ApiRequest) -> Result:
    """A check-out at the desk with its terms, as `custody check-out` takes them."""
    body = req.json()
    purpose = _text(body, "purpose", default="reading")
    if purpose not in PURPOSES:
        raise InvalidInput(
            "the field {name} must be one of {allowed}", name="purpose", allowed=", ".join(PURPOSES)
        )
    station = _text(body, "station")
    approver = _text(body, "approved_by")
    second = _text(body, "with")
    terms = LoanTerms(
        purpose=purpose,
        due=_due(req, body),
        unit=_text(body, "unit"),
        recipient=_text(body, "recipient"),
        letter=_text(body, "letter"),
        use=_text(body, "use"),
    )
    out = actions.check_out(
        req.store,
        _text(body, "code", required=True),
        _person(req, _text(body, "to", required=True)),
        lookup.station(req.store, station) if station else actions.default_home(req.store),
        actor=req.actor,
        approver=_person(req, approver) if approver else None,
        terms=terms,
        second=_person(req, second) if second else None,
    )
    return _answer(req, [out])


def post_department(req: ApiRequest) -> Result:
    body = req.json()
    row = departments.add_department(req.store, _text(body, "name", required=True), actor=req.actor)
    return {"outcomes": [{"outcome": "dept_added", "message": row.name, "item": None}]}


def post_scope(req: ApiRequest) -> Result:
    body = req.json()
    out = departments.set_scope(
        req.store,
        _text(body, "code", required=True),
        depts=_texts(body, "depts"),
        badges=_texts(body, "badges"),
        by=_person(req, _text(body, "by", required=True)),
        actor=req.actor,
    )
    return _answer(req, [out], scope=out.extra["scope"])


def post_clearance(req: ApiRequest) -> Result:
    body = req.json()
    p = people_actions.set_clearance(
        req.store, _text(body, "badge", required=True), _text(body, "level", required=True), actor=req.actor
    )
    return {"outcomes": [{"outcome": "person_changed", "message": p.name, "item": None}]}


def post_handover(req: ApiRequest) -> Result:
    body = req.json()
    out = handover.handover(
        req.store,
        lookup.station(req.store, _text(body, "station", required=True)),
        giver=_person(req, _text(body, "from", required=True)),
        taker=_person(req, _text(body, "to", required=True)),
        supervisor=_person(req, _text(body, "supervisor", required=True)),
        actor=req.actor,
        seen=_texts(body, "seen"),
    )
    if out.outcome == "refused":
        status, value = _answer(req, [out])
        return status, {**value, "missing": out.extra.get("missing", [])}
    return _answer(req, [out], counted=out.extra["counted"], out=out.extra["out"])


def holdings(req: ApiRequest) -> Result:
    """P27: what a person holds, as holder or second holder (`code`: the person's badge)."""
    p = lookup.person_by_badge(req.store, req.args["code"])
    tz = req.tz()
    return {
        "holds": [
            {**shapes.item_json(req.store, i, tz), "as": "holder" if i.holder_id == p.id else "second"}
            for i in people_actions.held_by(req.store, p)
        ]
    }


BODIES: dict[str, tuple[str, str, dict[str, str], dict[str, Any], list[str]]] = {
    # path: (operationId, summary, properties, example, required)
    "/api/v1/loans": (
        "postLoan",
        "P11, P13–P15, P28: a check-out with its purpose, due time, second person, unit, letter or use",
        {
            "code": "s",
            "to": "s",
            "station": "s",
            "purpose": "s",
            "due": "s",
            "with": "s",
            "unit": "s",
            "recipient": "s",
            "letter": "s",
            "use": "s",
            "approved_by": "s",
        },
        {
            "code": "346056276894",
            "to": "B001",
            "purpose": "outside",
            "due": "2026-12-01T17:00+08:00",
            "approved_by": "L001",
            "with": "B002",
        },
        ["code", "to"],
    ),
    "/api/v1/departments": (
        "postDepartment",
        "P9: a department",
        {"name": "s"},
        {"name": "综合科"},
        ["name"],
    ),
    "/api/v1/scopes": (
        "postScope",
        "P9: a leader replaces an item's distribution scope",
        {"code": "s", "depts": "l", "badges": "l", "by": "s"},
        {"code": "346056276894", "depts": ["综合科"], "badges": ["B002"], "by": "L001"},
        ["code", "by"],
    ),
    "/api/v1/people/clearances": (
        "postClearance",
        "P8: change a clearance (not below what the person holds)",
        {"badge": "s", "level": "s"},
        {"badge": "B001", "level": "confidential"},
        ["badge", "level"],
    ),
    "/api/v1/handovers": (
        "postHandover",
        "P26: a full count of a station, recorded as a handover when nothing is missing",
        {"station": "s", "from": "s", "to": "s", "supervisor": "s", "seen": "l"},
        {"station": "保密室", "from": "C001", "to": "C002", "supervisor": "L001", "seen": ["346056276894"]},
        ["station", "from", "to", "supervisor"],
    ),
}


def openapi_paths(o: Any) -> dict[str, Any]:
    """These routes in OpenAPI 3 (`o` is web.openapi, for its helpers)."""
    kinds = FIELD_KINDS
    security = [{"adminToken": []}]
    errors = {
        "400": o._error("A malformed body, or an unknown code, badge or station"),
        "401": o._error("No or a wrong admin token"),
        "403": o._ok(
            "Refused: the rule and its reason (recorded), or no admin token is configured", o._ref("Refusal")
        ),
        "404": o._error("No such item, person, station or department"),
        "409": o._error("The department exists already"),
        "413": o._error("The body is larger than 16 KiB"),
    }
    paths: dict[str, Any] = {}
    for path, (op, summary, props, example, required) in BODIES.items():
        schema = {
            "type": "object",
            "properties": {k: kinds[v] for k, v in props.items()},
            "required": required,
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
    paths["/api/v1/people/{code}/holdings"] = {
        "get": {
            "operationId": "getHoldings",
            "summary": "P27: what a person holds, as holder or second holder",
            "security": security,
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": o._ok(
                    "What they hold", o._obj({"holds": {"type": "array", "items": {"type": "object"}}})
                ),
                **{k: v for k, v in errors.items() if k in ("400", "401", "403", "404")},
            },
        }
    }
    return paths
