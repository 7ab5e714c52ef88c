"""What the scan service keeps between scans: the stations by device token and the settings, by version.

Every action that changes a station, its token or a setting bumps one counter in the same
transaction (`custody.actions.settings.bump_config_version`: the `setting` row under the reserved
key `config_version`). A process keeps what it read with the version it read it at (`Config`),
and every scan reads the version in its first query (`custody.scan.state.station_state`): if it
is the one kept, the station and the settings are not read again; if not (another worker
process, the CLI or the web pages changed something), they are, inside the scan's transaction,
before anything is decided — so a revoked or rotated token or a changed setting takes effect on
the very next scan, in every process. Nothing expires by time.

A scan request is let in on the kept station (`station_for_token(…, confirmed=False)`) and the
scan's first query confirms it; every other request reads the station and the version in one
query (`confirmed=True`). A token is one scanner device's (`device_token`); the lookup gives the
station and the device's name together, from the token's hash, in that one query.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import peewee

from custody import settings
from custody.actions.stations import hash_token
from custody.errors import CustodyError
from custody.models.core import Station
from custody.store import fastsql
from custody.store.core import Store

VERSION_KEY = "config_version"  # the setting row holding the version; no setting of that name exists
SCAN_SETTINGS = ("session_timeout_seconds", "timezone", "language")
DEFAULTS = {key: default for key, (default, _, _) in settings.SETTINGS.items()}


class StationTokenInvalid(CustodyError):
    """The token a scan came with names no station any more (revoked or rotated meanwhile)."""

    http_status = 401


def version_column(m: Any) -> peewee.Node:
    """The configuration's version as a column of a query (NULL: never bumped, version 0)."""
    return m.Setting.select(m.Setting.value).where(m.Setting.key == VERSION_KEY).alias("config_version")


def version_of(value: str | None) -> int:
    return int(value) if value is not None else 0


@dataclass
class Config:
    """The configuration as one process read it at one version: the settings a scan needs and the
    stations looked up by token hash so far (filled as they are asked for)."""

    version: int
    settings: dict[str, Any]
    stations: dict[str, Station] = field(default_factory=dict)
    devices: dict[str, str] = field(default_factory=dict)  # token hash -> the device's name

    @property
    def timeout_seconds(self) -> int:
        return int(self.settings["session_timeout_seconds"])

    @property
    def timezone(self) -> str:
        return str(self.settings["timezone"])

    @property
    def language(self) -> str:
        return str(self.settings["language"])


STATION_AND_VERSION = fastsql.Compiled(
    lambda m: (
        m.Station.select(m.Station, m.DeviceToken.device.alias("device"), version_column(m))
        .join(m.DeviceToken, on=(m.DeviceToken.station == m.Station.id))
        .where((m.DeviceToken.token_hash == fastsql.param("hash")) & m.DeviceToken.revoked_at.is_null())
        .limit(1)
    )
)
VERSION = fastsql.Compiled(
    lambda m: (
        m.Station.select(m.Station, version_column(m))
        .where(m.Station.token_hash == fastsql.param("hash"))
        .limit(1)
    )
)
VERSION = fastsql.Compiled(lambda m: m.Setting.select(m.Setting.value).where(m.Setting.key == VERSION_KEY))
SETTINGS = fastsql.Compiled(
    lambda m: m.Setting.select(m.Setting.key, m.Setting.value).where(
        m.Setting.key.in_([VERSION_KEY, *SCAN_SETTINGS])
    )
)


class ConfigCache:
    """One store's kept configuration (shared by the process's threads; replaced, never edited in
    place except to add a station looked up at the same version)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: Config | None = None

    def at(self, store: Store, version: int) -> Config:
        """The configuration at `version` (as read in the caller's query): the kept one if it is
        that version, else read again (the settings; stations are looked up again as asked)."""
        kept = self.current
        if kept is not None and kept.version == version:
            return kept
        rows = SETTINGS.execute(store).fetchall()
        stored = {key: value for key, value in rows}
        read = version_of(stored.pop(VERSION_KEY, None))
        config = Config(read, {k: json.loads(v) if v is not None else DEFAULTS[k] for k, v in _with(stored)})
        with self._lock:
            self.current = config
        return config

    def station_for_hash(self, store: Store, token_hash: str) -> tuple[Station | None, Config | None]:
        """The station with this token hash and the configuration, read now (one query; the settings
        only when the version moved)."""
        station, _, config = self.device_for_hash(store, token_hash)
        return station, config

    def device_for_hash(self, store: Store, token_hash: str) -> tuple[Station | None, str, Config | None]:
        """The station, the device's name and the configuration for a live device token's hash,
        read now (one query; the settings only when the version moved)."""
        rows = STATION_AND_VERSION.objects(store, hash=token_hash)
        if not rows:
            return None, "", None
        station, device, version = rows[0]
        config = self.at(store, version_of(version))
        if config.version == version_of(version):
            config.stations[token_hash] = station
            config.devices[token_hash] = device
        return station, device, config

    def lookup(
        self, store: Store, token_hash: str, *, confirmed: bool = True
    ) -> tuple[Station | None, Config | None]:
        """The station with this token hash and the configuration it was read at. `confirmed=False`:
        the kept station if there is one (no query), for a caller whose first query checks the
        version (the scan: `confirm`)."""
        station, _, config = self.lookup_device(store, token_hash, confirmed=confirmed)
        return station, config

    def lookup_device(
        self, store: Store, token_hash: str, *, confirmed: bool = True
    ) -> tuple[Station | None, str, Config | None]:
        """`lookup`, with the name of the device the token is for."""
        kept = self.current
        if not confirmed and kept is not None:
            station = kept.stations.get(token_hash)
            if station is not None:
                return station, kept.devices.get(token_hash, ""), kept
        return self.device_for_hash(store, token_hash)

    def station_for_token(
        self, store: Store, token: str, *, confirmed: bool = True
    ) -> tuple[Station | None, Config | None]:
        """`lookup` by a bearer token."""
        if not token:
            return None, None
        return self.lookup(store, hash_token(token), confirmed=confirmed)

    def confirm(self, store: Store, version: int, station: Station, token_hash: str, seen: int) -> Station:
        """Inside the scan's transaction, with the version its first query read: the station the
        request was let in on, if it was looked up at that version (`seen`), else looked up again
        by its token hash. Raises `StationTokenInvalid` when the token names it no more."""
        if version == seen:
            return station
        fresh, _ = self.station_for_hash(store, token_hash)
        if fresh is None or fresh.id != station.id:
            raise StationTokenInvalid("missing or invalid station token (Authorization: Bearer TOKEN)")
        return fresh


def _with(stored: dict[str, str]) -> list[tuple[str, str | None]]:
    return [(key, stored.get(key)) for key in SCAN_SETTINGS]


_caches: weakref.WeakKeyDictionary[Store, ConfigCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache(store: Store) -> ConfigCache:
    """The store's configuration cache (one per opened store, so per process and database)."""
    found = _caches.get(store)
    if found is None:
        with _caches_lock:
            found = _caches.get(store)
            if found is None:
                found = _caches[store] = ConfigCache()
    return found


def current_version(store: Store) -> int:
    row = VERSION.first(store)
    return version_of(row[0] if row else None)
