"""The JSON API's handlers: each takes an `ApiRequest` and returns a dict (or a status and a dict).

Writes go through `custody.scan` and `custody.actions` only; reads use the
store's models (`store.m`), the shared queries of `custody.reports` and their
JSON shapes (`custody.reports.shapes`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import bottle
import peewee

from custody import settings
from custody.actions import core as actions
from custody.errors import InvalidInput
from custody.ledger import chain as ledger
from custody.models.core import Station
from custody.models.scan import Scan
from custody.reports import items as item_reports
from custody.reports import lookup, shapes
from custody.reports.out import out_query
from custody.rules.access import Viewer
from custody.scan import station as scan
from custody.store import migrations as schema
from custody.store.core import Store
from web import validate


@dataclass
class ApiRequest:
    """What a handler gets: the store, the reader's language, the station, the request's parts."""

    store: Store
    lang: str
    station: Station | None
    query: Mapping[str, str]
    args: Mapping[str, str]
    read_body: Callable[[], bytes]
    chosen_lang: str = ""  # the language Accept-Language asked for ("" none: the setting's)
    # scans: the token hash and the configuration's version the station was found at (scan.config)
    auth: tuple[str, int] | None = None
    # who is asking (web.auth.resolve): a signed-in user, a device token, the admin token; None: nobody
    viewer: Viewer | None = None
    csrf_token: str = ""  # what the viewer's forms carry (a session's or a kiosk's; "" for bearer tokens)
    secure: bool = False  # served over TLS: cookies are __Host- and Secure

    def json(self) -> dict[str, Any]:
        return validate.json_object(self.read_body())

    def form(self) -> dict[str, str]:
        """The body's form fields (urlencoded or multipart; text fields, the first of each name)."""
        kind = (bottle.request.content_type or "").split(";")[0].strip().lower()
        raw = self.read_body()  # read (and kept) within the body limit first
        if kind == "multipart/form-data":
            forms = bottle.request.forms
            return {k: forms.getunicode(k) or "" for k in forms.keys()}
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("the form is not valid UTF-8") from None
        fields: dict[str, str] = {}
        for key, value in parse_qsl(text, keep_blank_values=True, max_num_fields=200):
            fields.setdefault(key, value)
        return fields

    def tz(self) -> ZoneInfo:
        return ZoneInfo(settings.get(self.store, "timezone"))

    @property
    def actor(self) -> str:
        """Who the ledger names: the signed-in user (`user:NAME`), `station:NAME` for a device token
        (as scans always recorded it), `user:admin-token` for the admin token; "api" for nobody."""
        if self.viewer is not None and self.viewer.kind == "device":
            return f"station:{self.viewer.station}"
        if self.viewer is not None:
            return self.viewer.actor
        return f"station:{self.station.name}" if self.station is not None else "api"


Result = dict[str, Any] | tuple[int, dict[str, Any]]


def snapshot(store: Store) -> Any:
    """A read transaction: one consistent view for a page and its total (Store.reading: deferred on
    SQLite, so a reader never takes the write lock)."""
    return store.reading()


# --- service --------------------------------------------------------------------


def health(req: ApiRequest) -> Result:
    version = schema.current_version(req.store.db)
    return {"status": "ok", "schema_version": version}


# --- scans ----------------------------------------------------------------------


def post_scan(req: ApiRequest) -> Result | bottle.HTTPResponse:
    assert req.station is not None
    answer = scan.submit(
        req.store, req.station, validate.scan(req.json()), lang=req.chosen_lang or None, auth=req.auth
    )
    if isinstance(answer, scan.Answer) and answer.text:  # serialised once, as stored
        out = bottle.HTTPResponse(answer.text, status=200)
        out.content_type = "application/json; charset=utf-8"
        return out
    return answer


def post_scan_batch(req: ApiRequest) -> Result:
    assert req.station is not None
    scans = validate.scan_batch(req.json())
    return {
        "answers": scan.submit_batch(
            req.store, req.station, scans, lang=req.chosen_lang or None, auth=req.auth
        )
    }


# the scan handlers confirm the station in the scan's own first query (custody.scan.config): the
# plugin may let them in on the station its process has kept for the token
post_scan.confirms_station = True  # type: ignore[attr-defined]
post_scan_batch.confirms_station = True  # type: ignore[attr-defined]


def post_station_event(req: ApiRequest) -> Result:
    assert req.station is not None
    event, device, at = validate.device_event(req.json())
    rec = actions.record_device_event(req.store, req.station, event, device, at, actor=req.actor)
    return {"event": event, "device": device, "at": shapes.iso(at, req.tz()), "seq": rec.seq}


# --- reads ----------------------------------------------------------------------


def _page(query: peewee.Query, req: ApiRequest, key: str, shape: Callable[[Any], dict[str, Any]]) -> Result:
    limit, offset = validate.page(req.query)
    with snapshot(req.store):
        total = query.count()
        rows = [shape(r) for r in query.limit(limit).offset(offset)]
    return {
        key: rows,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if offset + limit < total else None,
    }


def list_items(req: ApiRequest) -> Result:
    """Items, filtered by status, level, holder (badge) and station (home station)."""
    q = item_reports.items_query(
        req.store,
        status=validate.query_text(req.query, "status"),
        level=validate.query_text(req.query, "level"),
        holder=validate.query_text(req.query, "holder"),
        station=validate.query_text(req.query, "station"),
    )
    tz = req.tz()
    return _page(q, req, "items", lambda i: shapes.item_json(req.store, i, tz))


def get_item(req: ApiRequest) -> Result:
    tz = req.tz()
    with snapshot(req.store):
        it = lookup.item(req.store, req.args["code"])
        events = ledger.history(req.store, it.code)
        return {**shapes.item_json(req.store, it, tz), "history": [shapes.event_json(e, tz) for e in events]}


def list_out(req: ApiRequest) -> Result:
    """What is out now: top secret first, then longest out."""
    q = out_query(req.store)
    tz = req.tz()
    return _page(q, req, "items", lambda i: shapes.item_json(req.store, i, tz))


def list_people(req: ApiRequest) -> Result:
    m = req.store.m
    q = m.Person.select().order_by(m.Person.id)
    return _page(q, req, "people", lambda p: {**shapes.person_json(req.store, p), "active": p.active})  # type: ignore[dict-item]


def list_stations(req: ApiRequest) -> Result:
    tz = req.tz()
    now = req.store.now()
    timeout = settings.get(req.store, "session_timeout_seconds")
    m = req.store.m

    def shape(st: Station) -> dict[str, Any]:
        s = m.StationSession.get_or_none(m.StationSession.station == st)
        live = s is not None and (now - s.last_scan_at).total_seconds() <= timeout
        return {
            "name": st.name,
            "kind": st.kind,
            "session": {
                "person": shapes.person_json(req.store, s.person),
                "approver": shapes.person_json(req.store, s.approver) if s.approver_id else None,
                "opened_at": shapes.iso(s.opened_at, tz),
                "last_scan_at": shapes.iso(s.last_scan_at, tz),
            }
            if live and s is not None
            else None,
        }

    return _page(m.Station.select().order_by(m.Station.name), req, "stations", shape)


def list_scan_exceptions(req: ApiRequest) -> Result:
    """Late scans that conflicted with what happened since: recorded, not applied (newest first)."""
    tz = req.tz()
    m = req.store.m
    q = (
        m.Scan.select(m.Scan, m.Station)
        .join(m.Station)
        .where(m.Scan.exception.is_null(False))
        .order_by(m.Scan.received_at.desc(), m.Scan.id.desc())
    )

    def shape(s: Scan) -> dict[str, Any]:
        answer = json.loads(s.answer)
        return {
            "scan_id": s.scan_id,
            "station": s.station.name,
            "code": s.code,
            "scanned_at": shapes.iso(s.scanned_at, tz),
            "received_at": shapes.iso(s.received_at, tz),
            "exception": s.exception,
            "message": answer["message"],
            "item": answer["item"]["code"] if answer.get("item") else None,
        }

    return _page(q, req, "exceptions", shape)
