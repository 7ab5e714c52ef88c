"""Stations: adding one, the tokens of its scanner devices, its closing time, its scanners' reports.

Each scanner device of a station has a bearer token of its own (`device_token`: one live token per
station and device name), revoked on its own when a scanner is lost; other devices of the station
keep working. Only the token's sha256 is kept, with its first characters for listing. A station's
first token is its device `default`'s; `rotate_token` and `revoke_token` (the first spellings) act
on that device. Every change bumps the configuration's version, so every service process sees it
on its next request (custody.scan.config).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from custody import settings, vocab
from custody.actions.settings import bump_config_version
from custody.errors import Conflict, InvalidInput, NotFound
from custody.ledger import chain as ledger
from custody.models.core import Station
from custody.models.users import DeviceToken
from custody.reports import lookup
from custody.store.core import Store
from custody.store.fastsql import Compiled, param

DEVICE_EVENTS = ("connected", "disconnected")
DEFAULT_DEVICE = "default"  # the device of a station's first token (and of tokens from before schema step 4)
HINT = 6  # characters of a token kept for listing


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_hash_token = hash_token  # the name the scan service used


def device_name(device: str) -> str:
    """A scanner device's name at its station: 1–64 printable characters, no spaces."""
    text = (device or "").strip()
    if not text or len(text) > 64 or not text.isprintable() or any(c.isspace() for c in text):
        raise InvalidInput(
            "device name {device!r} is invalid: 1–64 printable characters without spaces", device=device
        )
    return text


def _live(store: Store, station: Station, device: str) -> DeviceToken | None:
    m = store.m
    return m.DeviceToken.get_or_none(  # type: ignore[no-any-return]
        (m.DeviceToken.station == station.id)
        & (m.DeviceToken.device == device)
        & m.DeviceToken.revoked_at.is_null()
    )


def _issue(store: Store, station: Station, device: str, actor: str) -> str:
    """Inside a write transaction: a new token for `device` at `station` (recorded; shown once)."""
    token = secrets.token_urlsafe(32)
    digest = hash_token(token)
    store.m.DeviceToken.create(
        station=station.id, device=device, token_hash=digest, token_hint=token[:HINT], created_at=store.now()
    )
    ledger.append(
        store,
        "device_token_added",
        store.now(),
        station=station.name,
        actor=actor,
        # the hash of 256 random bits gives nothing away, and lets a replay rebuild the table
        data={"device": device, "token_hint": token[:HINT], "token_hash": digest},
    )
    return token


def _revoke(store: Store, station: Station, row: DeviceToken, actor: str) -> None:
    m = store.m
    m.DeviceToken.update(revoked_at=store.now()).where(m.DeviceToken.id == row.id).execute()
    ledger.append(
        store,
        "device_token_revoked",
        store.now(),
        station=station.name,
        actor=actor,
        data={"device": row.device},
    )


def add_station(store: Store, name: str, kind: str, *, actor: str) -> tuple[Station, str]:
    """Register a station; returns it and the token of its device `default` (shown once, only the
    hash is kept)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidInput("station name {name!r} is invalid: 1–64 characters", name=name)
    sk = vocab.station_kind(kind)
    m = store.m
    with store.writing():
        if m.Station.get_or_none(m.Station.name == name):
            raise Conflict("station {name!r} already exists", name=name)
        st = m.Station.create(name=name, kind=sk.slug, created_at=store.now())
        ledger.append(store, "station_added", store.now(), station=name, actor=actor, data={"kind": sk.slug})
        token = _issue(store, st, DEFAULT_DEVICE, actor)
        bump_config_version(store)  # the scan service re-reads its kept stations
    return st, token


def add_device_token(store: Store, station: str, device: str, *, actor: str) -> str:
    """A token for one more scanner device of `station` (shown once). A device that has a live
    token already is refused: revoke that one first."""
    device = device_name(device)
    with store.writing():
        st = lookup.station(store, station)
        if _live(store, st, device) is not None:
            raise Conflict(
                "station {station!r} already has a token for device {device!r}: revoke it first",
                station=st.name,
                device=device,
            )
        token = _issue(store, st, device, actor)
        bump_config_version(store)
    return token


def list_device_tokens(store: Store, station: str, *, revoked: bool = False) -> list[DeviceToken]:
    """The station's device tokens, live ones by device name (with `revoked`, the revoked ones
    too, after them, newest first)."""
    m = store.m
    with store.reading():
        st = lookup.station(store, station)
        q = m.DeviceToken.select().where(m.DeviceToken.station == st.id)
        if not revoked:
            q = q.where(m.DeviceToken.revoked_at.is_null())
        rows = list(
            q.order_by(m.DeviceToken.revoked_at.is_null(False), m.DeviceToken.device, m.DeviceToken.id.desc())
        )
    return rows


def revoke_device_token(store: Store, station: str, device: str, *, actor: str) -> DeviceToken:
    """Revoke one device's token: that scanner is refused from its next request on; the station's
    other devices keep working."""
    device = device_name(device)
    with store.writing():
        st = lookup.station(store, station)
        row = _live(store, st, device)
        if row is None:
            raise NotFound(
                "station {station!r} has no live token for device {device!r}", station=st.name, device=device
            )
        _revoke(store, st, row, actor)
        bump_config_version(store)
    return store.m.DeviceToken.get_by_id(row.id)  # type: ignore[no-any-return]


def rotate_token(store: Store, name: str, *, actor: str) -> str:
    """A new token for the station's device `default`; its old one (if any) stops working at once."""
    with store.writing():
        st = lookup.station(store, name)
        row = _live(store, st, DEFAULT_DEVICE)
        if row is not None:
            _revoke(store, st, row, actor)
        token = _issue(store, st, DEFAULT_DEVICE, actor)
        bump_config_version(store)  # the scan service re-reads its kept stations
    return token


def revoke_token(store: Store, name: str, *, actor: str) -> None:
    """Revoke the token of the station's device `default` (the first spelling of
    `revoke_device_token(store, name, "default")`; nothing to revoke is no error)."""
    with store.writing():
        st = lookup.station(store, name)
        row = _live(store, st, DEFAULT_DEVICE)
        if row is not None:
            _revoke(store, st, row, actor)
            bump_config_version(store)  # the scan service re-reads its kept stations


STATION_BY_TOKEN = Compiled(
    lambda m: (
        m.Station.select()
        .join(m.DeviceToken, on=(m.DeviceToken.station == m.Station.id))
        .where((m.DeviceToken.token_hash == param("hash")) & m.DeviceToken.revoked_at.is_null())
        .limit(1)
    )
)


def station_for_token(store: Store, token: str) -> Station | None:
    """The station a live device token belongs to (None: no such token, or revoked)."""
    if not token:
        return None
    rows = STATION_BY_TOKEN.objects(store, hash=hash_token(token))
    return rows[0][0] if rows else None  # type: ignore[no-any-return]


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
