"""The JSON shapes of DESIGN.md (item, person, event), and the one way a time is shown to a person."""

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

TIME_FORMAT = "%Y-%m-%d %H:%M"  # what a person reads: the office's local time, to the minute


def iso(value: datetime | None, tz: ZoneInfo | None = None) -> str | None:
    """For machines (JSON): ISO 8601 with its offset, to the second."""
    if value is None:
        return None
    return (value.astimezone(tz) if tz else value).isoformat(timespec="seconds")


def when(value: datetime | str | None, tz: ZoneInfo, fmt: str = TIME_FORMAT) -> str:
    """For people (tables, messages, registers): `2026-12-01 15:52` in the office's time zone
    (the `timezone` setting); a stored ISO text is read first; "" for none."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(tz).strftime(fmt)


def clock_time(value: datetime | str | None, tz: ZoneInfo) -> str:
    """Only the time of day (`15:52`), where the day is said already."""
    return when(value, tz, "%H:%M")


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
