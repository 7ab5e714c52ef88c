"""Stations: adding one, its API token, its closing time, its scanners' reports."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from custody import settings, vocab
from custody.actions.settings import bump_config_version
from custody.errors import Conflict, InvalidInput
from custody.ledger import chain as ledger
from custody.models.core import Station
from custody.reports import lookup
from custody.store.core import Store
from custody.store.fastsql import Compiled, param

DEVICE_EVENTS = ("connected", "disconnected")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_hash_token = hash_token  # the name the scan service used


def add_station(store: Store, name: str, kind: str, *, actor: str) -> tuple[Station, str]:
    """Register a station; returns it and its API token (shown once, only the hash is kept)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidInput("station name {name!r} is invalid: 1–64 characters", name=name)
    sk = vocab.station_kind(kind)
    token = secrets.token_urlsafe(32)
    m = store.m
    with store.writing():
        if m.Station.get_or_none(m.Station.name == name):
            raise Conflict("station {name!r} already exists", name=name)
        st = m.Station.create(
            name=name,
            kind=sk.slug,
            token_hash=hash_token(token),
            token_hint=token[:6],
            token_created_at=store.now(),
            created_at=store.now(),
        )
        ledger.append(
            store,
            "station_added",
            store.now(),
            station=name,
            actor=actor,
            data={"kind": sk.slug, "token_hint": token[:6]},
        )
        bump_config_version(store)  # the scan service re-reads its kept stations
    return st, token


def rotate_token(store: Store, name: str, *, actor: str) -> str:
    token = secrets.token_urlsafe(32)
    m = store.m
    with store.writing():
        st = lookup.station(store, name)
        m.Station.update(
            token_hash=hash_token(token), token_hint=token[:6], token_created_at=store.now()
        ).where(m.Station.id == st.id).execute()
        ledger.append(
            store, "token_issued", store.now(), station=name, actor=actor, data={"token_hint": token[:6]}
        )
        bump_config_version(store)  # the scan service re-reads its kept stations
    return token


def revoke_token(store: Store, name: str, *, actor: str) -> None:
    m = store.m
    with store.writing():
        st = lookup.station(store, name)
        m.Station.update(token_hash=None, token_hint=None, token_created_at=None).where(
            m.Station.id == st.id
        ).execute()
        ledger.append(store, "token_revoked", store.now(), station=name, actor=actor, data={})
        bump_config_version(store)  # the scan service re-reads its kept stations


STATION_BY_TOKEN = Compiled(
    lambda m: m.Station.select().where(m.Station.token_hash == param("hash")).limit(1)
)


def station_for_token(store: Store, token: str) -> Station | None:
    if not token:
        return None
    rows = STATION_BY_TOKEN.objects(store, hash=hash_token(token))
    return rows[0][0] if rows else None  # type: ignore[return-value]


def set_station_closing_time(store: Store, name: str, closing_time: str | None, *, actor: str) -> Station:
    """A station's own closing time (HH:MM local), or None for the `closing_time` setting."""
    value = settings.parse("closing_time", closing_time) if closing_time else None
    m = store.m
    with store.writing():
        st = lookup.station(store, name)
        m.Station.update(closing_time=value).where(m.Station.id == st.id).execute()
        ledger.append(
            store, "station_changed", store.now(), station=st.name, actor=actor, data={"closing_time": value}
        )
        bump_config_version(store)  # the scan service re-reads its kept stations
    return m.Station.get_by_id(st.id)


def record_device_event(
    store: Store, station: Station, event: str, device: str, at: datetime, *, actor: str
) -> ledger.Record:
    """A scanner agent's report that its device was plugged in or out (`device_connected` …)."""
    if event not in DEVICE_EVENTS:
        raise InvalidInput(
            "device event {event!r} is invalid; allowed: {allowed}",
            event=event,
            allowed=", ".join(DEVICE_EVENTS),
        )
    device = device.strip()
    if not device or len(device) > 200 or not device.isprintable():
        raise InvalidInput("device {device!r} is invalid: 1–200 printable characters", device=device)
    with store.writing():
        return ledger.append(
            store,
            f"device_{event}",
            store.now(),
            station=station.name,
            actor=actor,
            data={"device": device, "at": at.isoformat()},
        )
