"""The OpenAPI 3 description of the whole API, served at /api/v1/openapi.json.

Kept true by tests that validate real responses against it and fuzz the
server from it (tests/test_api_openapi.py). Patterns here are the ones
`web.validate` enforces, so a request the description allows is one the
service accepts.
"""

from __future__ import annotations

import sys
from typing import Any

from custody import vocab
from custody.scan.station import MAX_BATCH, MAX_CODE_LENGTH, OUTCOMES
from labels.sizes import DPIS, SIZES
from web import validate

VERSION = "1.0.0"

UUID_PATTERN = f"^{validate.UUID_RE.pattern}$"
CODE_PATTERN = f"^{validate.CODE_RE.pattern}$"
TIME_PATTERN = f"^{validate.TIME_RE.pattern}$"
# An item code (DESIGN.md): 12 digits, never starting with 99, the last a Damm check digit. A pattern
# cannot say the check digit; the format names it (tests register a generator for it), and a code
# failing it is refused as mistyped (400), never looked up.
ITEM_CODE_FORMAT = "custody-item-code"
ITEM_CODE = {
    "type": "string",
    "pattern": "^(?:9[0-8]|[0-8][0-9])[0-9]{10}$",
    "format": ITEM_CODE_FORMAT,
    "description": "12 digits, not starting with 99, the last a Damm check digit "
    "(a code failing it answers 400: mistyped)",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


def _page(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return _obj(
        {
            key: {"type": "array", "items": item},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
            "offset": {"type": "integer", "minimum": 0},
            "next_offset": _nullable({"type": "integer"}),
        }
    )


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema, "example": example}}}


LEVELS = [lv.slug for lv in vocab.LEVELS]
KINDS = [k.slug for k in vocab.KINDS]
ROLES = [r.slug for r in vocab.ROLES]
STATUSES = [s.slug for s in vocab.STATUSES]
STATION_KINDS = [s.slug for s in vocab.STATION_KINDS]
TEXT_QUERY = {
    "type": "string",
    "minLength": 1,
    "maxLength": 128,
    "pattern": f"^{validate.QUERY_TEXT_RE.pattern}$",
}
PAGE_PARAMS = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": validate.MAX_LIMIT,
            "default": validate.DEFAULT_LIMIT,
        },
    },
    {
        "name": "offset",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 0, "maximum": validate.MAX_OFFSET, "default": 0},
    },
]
READ_ERRORS = {
    "400": _error("A bad query parameter"),
    "401": _error("No or a wrong token"),
    "403": _error("Not for this reader: a station's device token reads only its own station's display (P23)"),
}
WRITE_ERRORS = {
    "400": _error("A malformed body"),
    "401": _error("No or a wrong station token"),
    "413": _error("The body is larger than 16 KiB"),
    "503": _error("The database is busy or unavailable: retry (Retry-After)"),
    "507": _error("The disk holding the database is full: nothing was recorded; send it again later"),
}

SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": {"type": "string"}}),
    "Person": _obj(
        {
            "name": {"type": "string"},
            "badge": _nullable({"type": "string"}),
            "role": {"enum": ROLES},
            "clearance": {"enum": LEVELS},
            "dept": {"type": "string"},
        }
    ),
    "Item": _obj(
        {
            "code": {"type": "string", "pattern": "^[0-9]{12}$"},
            "title": {"type": "string"},
            "kind": {"enum": KINDS},
            "level": {"enum": LEVELS},
            "period": {"type": "string"},
            "copy_no": {"type": "string", "pattern": "^[0-9]{6}$"},
            "doc_no": {"type": "string"},
            "issuer": {"type": "string"},
            "home": {"type": "string"},
            "status": {"enum": STATUSES},
            "holder": _nullable(_ref("Person")),
            "since": _nullable({"type": "string", "format": "date-time"}),
            "location": _nullable({"type": "string"}),
        }
    ),
    "Event": _obj(
        {
            "seq": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "kind": {"type": "string"},
            "item": _nullable({"type": "string"}),
            "person": _nullable({"type": "integer"}),
            "station": _nullable({"type": "string"}),
            "actor": {"type": "string"},
            "data": {"type": "object"},
            "hash": {"type": "string"},
        }
    ),
    "Scan": {
        "type": "object",
        "properties": {
            "code": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_CODE_LENGTH,
                "pattern": CODE_PATTERN,
                "description": "What the scanner read: a badge, an item code, an RFID id or a CMD- code "
                "(printable ASCII; surrounding spaces are ignored)",
            },
            "scan_id": {
                "type": "string",
                "pattern": UUID_PATTERN,
                "description": "Made by the agent once per scan; a repeat gets the first answer back",
            },
            "scanned_at": _nullable(
                {
                    "type": "string",
                    "maxLength": 64,
                    "pattern": TIME_PATTERN,
                    "description": "When it was scanned (ISO 8601 with an offset)",
                }
            ),
        },
        "required": ["code", "scan_id"],
    },
    "ScanAnswer": _obj(
        {
            "scan_id": {"type": "string", "format": "uuid"},
            "outcome": {"enum": list(OUTCOMES)},
            "message": {"type": "string"},
            "item": _nullable(_ref("Item")),
            "person": _nullable(_ref("Person")),
            "duplicate": {"type": "boolean"},
        }
    ),
    "ScanBatch": _obj(
        {"scans": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": _ref("Scan")}}
    ),
    "DeviceEvent": _obj(
        {
            "event": {"enum": ["connected", "disconnected"]},
            "device": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": CODE_PATTERN},
            "at": {"type": "string", "maxLength": 64, "pattern": TIME_PATTERN},
        }
    ),
    "Session": _obj(
        {
            "person": _ref("Person"),
            "approver": _nullable(_ref("Person")),
            "opened_at": {"type": "string", "format": "date-time"},
            "last_scan_at": {"type": "string", "format": "date-time"},
        }
    ),
    "Station": _obj(
        {"name": {"type": "string"}, "kind": {"enum": STATION_KINDS}, "session": _nullable(_ref("Session"))}
    ),
    "ScanException": _obj(
        {
            "scan_id": {"type": "string"},
            "station": {"type": "string"},
            "code": {"type": "string"},
            "scanned_at": _nullable({"type": "string", "format": "date-time"}),
            "received_at": {"type": "string", "format": "date-time"},
            "exception": {"enum": ["station_moved_on", "item_changed"]},
            "message": {"type": "string"},
            "item": _nullable({"type": "string"}),
        }
    ),
}
SCHEMAS["PersonEntry"] = {"allOf": [_ref("Person"), _obj({"active": {"type": "boolean"}})]}
SCHEMAS["ItemWithHistory"] = {
    "allOf": [_ref("Item"), _obj({"history": {"type": "array", "items": _ref("Event")}})]
}

SCAN_EXAMPLE = {
    "code": "B001",
    "scan_id": "0f8e3a52-4c1d-4a57-9a6b-2f1d3c4b5a69",
    "scanned_at": "2026-11-30T09:15:00+08:00",
}


def _paths() -> dict[str, Any]:
    items_filters = [
        {"name": "status", "in": "query", "required": False, "schema": {"enum": STATUSES}},
        {"name": "level", "in": "query", "required": False, "schema": {"enum": LEVELS}},
        {
            "name": "holder",
            "in": "query",
            "required": False,
            "schema": TEXT_QUERY,
            "description": "badge of the holder",
        },
        {
            "name": "station",
            "in": "query",
            "required": False,
            "schema": TEXT_QUERY,
            "description": "name of the home station",
        },
    ]
    return {
        "/api/v1/health": {
            "get": {
                "operationId": "health",
                "summary": "The service and its database answer",
                "security": [],
                "responses": {
                    "200": _ok("Up", _obj({"status": {"const": "ok"}, "schema_version": {"type": "integer"}}))
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This description",
                "security": [],
                "responses": {"200": _ok("OpenAPI 3.1", {"type": "object"})},
            }
        },
        "/api/v1/scans": {
            "post": {
                "operationId": "postScan",
                "summary": "One scan from a station",
                "description": "Decides (badge, approval, check-out, return, command, count, refusal, unknown), "
                "records it with its events in one transaction and answers after the commit. "
                "A repeated scan_id answers the first answer again with duplicate: true.",
                "requestBody": _body(_ref("Scan"), SCAN_EXAMPLE),
                "responses": {
                    "200": _ok("The decision", _ref("ScanAnswer")),
                    **WRITE_ERRORS,
                    "409": _error("The scan_id was used by another station"),
                },
            }
        },
        "/api/v1/scans/batch": {
            "post": {
                "operationId": "postScanBatch",
                "summary": "Several scans of one station in order (an RFID burst)",
                "requestBody": _body(_ref("ScanBatch"), {"scans": [SCAN_EXAMPLE]}),
                "responses": {
                    "200": _ok(
                        "One answer per scan, in order",
                        _obj({"answers": {"type": "array", "items": _ref("ScanAnswer")}}),
                    ),
                    **WRITE_ERRORS,
                    "409": _error("A scan_id was used by another station"),
                },
            }
        },
        "/api/v1/scans/exceptions": {
            "get": {
                "operationId": "listScanExceptions",
                "summary": "Late scans that conflicted, newest first",
                "parameters": PAGE_PARAMS,
                "responses": {
                    "200": _ok("A page", _page("exceptions", _ref("ScanException"))),
                    **READ_ERRORS,
                },
            }
        },
        "/api/v1/stations/events": {
            "post": {
                "operationId": "postStationEvent",
                "summary": "The station's scanner was plugged in or out",
                "requestBody": _body(
                    _ref("DeviceEvent"),
                    {
                        "event": "connected",
                        "device": "/dev/custody/scanner-safe",
                        "at": "2026-11-30T09:00:00+08:00",
                    },
                ),
                "responses": {
                    "200": _ok(
                        "Recorded in the ledger",
                        _obj(
                            {
                                "event": {"enum": ["connected", "disconnected"]},
                                "device": {"type": "string"},
                                "at": {"type": "string", "format": "date-time"},
                                "seq": {"type": "integer"},
                            }
                        ),
                    ),
                    **WRITE_ERRORS,
                },
            }
        },
        "/api/v1/stations": {
            "get": {
                "operationId": "listStations",
                "summary": "Stations and their open sessions",
                "parameters": PAGE_PARAMS,
                "responses": {"200": _ok("A page", _page("stations", _ref("Station"))), **READ_ERRORS},
            }
        },
        "/api/v1/items": {
            "get": {
                "operationId": "listItems",
                "summary": "Items, filtered",
                "parameters": items_filters + PAGE_PARAMS,
                "responses": {"200": _ok("A page", _page("items", _ref("Item"))), **READ_ERRORS},
            }
        },
        "/api/v1/items/{code}": {
            "get": {
                "operationId": "getItem",
                "summary": "One item and its whole history",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": ITEM_CODE}],
                "responses": {
                    "200": _ok("The item", _ref("ItemWithHistory")),
                    **READ_ERRORS,
                    "404": _error("No such item"),
                },
            }
        },
        **{
            f"/api/v1/items/{{code}}/label.{fmt}": {
                "get": {
                    "operationId": f"getItemLabel{fmt.upper()}",
                    "summary": f"The item's label as {fmt.upper()} (no title on it)",
                    "parameters": [
                        {"name": "code", "in": "path", "required": True, "schema": ITEM_CODE},
                        {
                            "name": "size",
                            "in": "query",
                            "schema": {"enum": list(SIZES), "default": "50x30"},
                            "description": "a label size (docs/labels.md)",
                        },
                        {
                            "name": "dpi",
                            "in": "query",
                            "schema": {"enum": [str(d) for d in DPIS], "default": "300"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The label",
                            "content": {mime: {"schema": {"type": "string", "contentMediaType": mime}}},
                        },
                        **READ_ERRORS,
                        "404": _error("No such item"),
                    },
                }
            }
            for fmt, mime in (("png", "image/png"), ("pdf", "application/pdf"))
        },
        "/api/v1/out": {
            "get": {
                "operationId": "listOut",
                "summary": "What is out now: top secret first, then longest out",
                "parameters": PAGE_PARAMS,
                "responses": {"200": _ok("A page", _page("items", _ref("Item"))), **READ_ERRORS},
            }
        },
        "/api/v1/people": {
            "get": {
                "operationId": "listPeople",
                "summary": "People",
                "parameters": PAGE_PARAMS,
                "responses": {"200": _ok("A page", _page("people", _ref("PersonEntry"))), **READ_ERRORS},
            }
        },
        "/api/v1/my/loans": {
            "get": {
                "operationId": "listMyLoans",
                "summary": "What the signed-in user's person holds (as holder or second holder)",
                "security": [{"session": []}],
                "responses": {
                    "200": _ok(
                        "The person (no badge) and their items",
                        _obj(
                            {
                                "person": {"anyOf": [_ref("Person"), {"type": "null"}]},
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "allOf": [
                                            _ref("Item"),
                                            _obj({"as": {"enum": ["holder", "second"]}}),
                                        ]
                                    },
                                },
                            }
                        ),
                    ),
                    "401": _error("Nobody signed in"),
                    "403": _error("Not for a station's device token (P23)"),
                },
            }
        },
    }


def spec() -> dict[str, Any]:
    from web import lifecycle_api, loans_api

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "custody scan service",
            "version": VERSION,
            "description": "Chain-of-custody for classified documents: the station scan API and the read "
            "API. Scans need a station device's token: `Authorization: Bearer TOKEN` (custody station "
            "token add STATION --device NAME); a device token reads nothing else (P23). Reads and the "
            "office's actions need a signed-in user (the session cookie from POST /login; "
            "docs/access.md) or the service's admin token. Errors are "
            '`{"error": "…"}`. Messages are in Chinese unless Accept-Language asks '
            "for English. See docs/api.md.",
        },
        "servers": [{"url": "/"}],
        "security": [{"stationToken": []}],
        "components": {
            "schemas": {**SCHEMAS, **lifecycle_api.SCHEMAS},
            "securitySchemes": {
                "stationToken": {"type": "http", "scheme": "bearer"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "custody_session",
                    "description": "a signed-in user's session (`__Host-custody_session` under TLS)",
                },
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the service's admin token",
                },
            },
        },
        "paths": {
            **_paths(),
            **lifecycle_api.openapi_paths(sys.modules[__name__]),
            **loans_api.openapi_paths(sys.modules[__name__]),
        },
    }
