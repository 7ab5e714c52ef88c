"""The JSON API's handlers: each takes an `ApiRequest` and returns a dict (or a status and a dict).

Writes go through `custody.scan` and `custody.actions` only; reads use the
models and the JSON shapes of `custody.shapes`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from custody import settings, vocab
from custody.actions import core as actions
from custody.ledger import chain as ledger
from custody.models.core import Item, Person, Station, Tag
from custody.models.scan import Scan, StationSession
from custody.reports import lookup, shapes
from custody.scan import station as scan
from custody.store import migrations as schema
from custody.store.core import Store
from web import validate


@dataclass
class ApiRequest:
    """What a handler gets: the store (in the reader's language), the station, the request's parts."""

    store: Store
    station: Station | None
    query: Mapping[str, str]
    args: Mapping[str, str]
    read_body: Callable[[], bytes]

    def json(self) -> dict[str, Any]:
        return validate.json_object(self.read_body())

    def tz(self) -> ZoneInfo:
        return ZoneInfo(settings.get(self.store, "timezone"))

    @property
    def actor(self) -> str:
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


def post_scan(req: ApiRequest) -> Result:
    assert req.station is not None
    return scan.submit(req.store, req.station, validate.scan(req.json()))


def post_scan_batch(req: ApiRequest) -> Result:
    assert req.station is not None
    scans = validate.scan_batch(req.json())
    return {"answers": scan.submit_batch(req.store, req.station, scans)}


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
    q = Item.select().order_by(Item.id)
    if (status := validate.query_text(req.query, "status")) is not None:
        q = q.where(Item.status == vocab.status(status).slug)
    if (level := validate.query_text(req.query, "level")) is not None:
        q = q.where(Item.level == vocab.level(level).slug)
    if (badge := validate.query_text(req.query, "holder")) is not None:
        holders = Tag.select(Tag.person).where((Tag.code == badge) & Tag.person.is_null(False))
        q = q.where(Item.holder.in_(holders))
    if (station := validate.query_text(req.query, "station")) is not None:
        q = q.where(Item.home.in_(Station.select(Station.id).where(Station.name == station)))
    tz = req.tz()
    return _page(q, req, "items", lambda i: shapes.item_json(i, tz))


def get_item(req: ApiRequest) -> Result:
    tz = req.tz()
    with snapshot(req.store):
        it = lookup.item(req.args["code"])
        events = ledger.history(it.code)
        return {**shapes.item_json(it, tz), "history": [shapes.event_json(e, tz) for e in events]}


def list_out(req: ApiRequest) -> Result:
    """What is out now: top secret first, then longest out."""
    ranks = peewee.Case(Item.level, [(lv.slug, lv.rank) for lv in vocab.LEVELS], 0)
    q = Item.select().where(Item.status == "out").order_by(ranks.desc(), Item.since, Item.id)
    tz = req.tz()
    return _page(q, req, "items", lambda i: shapes.item_json(i, tz))


def list_people(req: ApiRequest) -> Result:
    q = Person.select().order_by(Person.id)
    return _page(q, req, "people", lambda p: {**shapes.person_json(p), "active": p.active})  # type: ignore[dict-item]


def list_stations(req: ApiRequest) -> Result:
    tz = req.tz()
    now = req.store.now()
    timeout = settings.get(req.store, "session_timeout_seconds")

    def shape(st: Station) -> dict[str, Any]:
        s = StationSession.get_or_none(StationSession.station == st)
        live = s is not None and (now - s.last_scan_at).total_seconds() <= timeout
        return {
            "name": st.name,
            "kind": st.kind,
            "session": {
                "person": shapes.person_json(s.person),
                "approver": shapes.person_json(s.approver) if s.approver_id else None,
                "opened_at": shapes.iso(s.opened_at, tz),
                "last_scan_at": shapes.iso(s.last_scan_at, tz),
            }
            if live and s is not None
            else None,
        }

    return _page(Station.select().order_by(Station.name), req, "stations", shape)


def list_scan_exceptions(req: ApiRequest) -> Result:
    """Late scans that conflicted with what happened since: recorded, not applied (newest first)."""
    tz = req.tz()
    q = (
        Scan.select(Scan, Station)
        .join(Station)
        .where(Scan.exception.is_null(False))
        .order_by(Scan.received_at.desc(), Scan.id.desc())
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
