"""The JSON shapes of DESIGN.md: item, person, event."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from custody.ledger.chain import Record
from custody.models.core import Item, Person
from custody.reports import lookup
from custody.store.core import Store


def iso(value: datetime | None, tz: ZoneInfo | None = None) -> str | None:
    if value is None:
        return None
    return (value.astimezone(tz) if tz else value).isoformat(timespec="seconds")


def person_json(
    store: Store, p: Person | None, badge: Callable[[Person], str] | None = None
) -> dict[str, Any] | None:
    """The person shape; `badge` finds the badge (the scan path remembers those it has loaded),
    by default `lookup.badge_of`."""
    if p is None:
        return None
    found = badge(p) if badge is not None else lookup.badge_of(store, p)
    return {"name": p.name, "badge": found, "role": p.role, "clearance": p.clearance, "dept": p.dept}


def item_json(
    store: Store, i: Item, tz: ZoneInfo | None = None, badge: Callable[[Person], str] | None = None
) -> dict[str, Any]:
    return {
        "code": i.code,
        "title": i.title,
        "kind": i.kind,
        "level": i.level,
        "period": i.period,
        "copy_no": f"{i.copy_no:06d}",
        "doc_no": i.doc_no,
        "issuer": i.issuer,
        "home": i.home.name,
        "status": i.status,
        "holder": person_json(store, i.holder, badge) if i.holder_id else None,
        "since": iso(i.since, tz),
        "location": i.location.name if i.location_id else None,
    }


def event_json(r: Record, tz: ZoneInfo | None = None) -> dict[str, Any]:
    return {
        "seq": r.seq,
        "at": iso(datetime.fromisoformat(r.at), tz),
        "kind": r.kind,
        "item": r.item,
        "person": r.person,
        "station": r.station,
        "actor": r.actor,
        "data": json.loads(r.data),
        "hash": r.hash,
    }
