"""What a scan reads before it decides, in one query.

The first read of a scan (`station_state`, inside its write transaction) brings
in one row: the answer already stored for its scan_id, the station's session
and its person, the configuration's version (the settings a scan needs are
kept by `custody.scan.config` and read again only when it moved), whether a
count or a closing check is open there, and the tag with exactly the scanned code with its item as
`lookup.item` loads it. Only a code that names no tag exactly is looked up
again, in its other forms (`resolve`). The queries are compiled once
(`custody.store.fastsql`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import peewee

from custody import settings
from custody.errors import Conflict
from custody.models import Models
from custody.models.core import Item, Person, Station, Tag
from custody.models.scan import StationSession
from custody.reports import lookup
from custody.scan import config
from custody.store import fastsql
from custody.store.core import Store

CLOCK_SKEW = timedelta(seconds=5)  # scanned_at further ahead than this is not believed
# Scan.reason of the scans that set a session's loan terms (custody.scan.terms reads them)
TERM_REASONS = ("session_outside", "second_holder")
DEFAULTS = {key: default for key, (default, _, _) in settings.SETTINGS.items()}


class ScanIdTaken(Conflict):
    """The scan_id was already used by another station: never answered with that station's answer."""


# --- people and settings ------------------------------------------------------------

PERSON = fastsql.Compiled(
    lambda m: (
        m.Person.select(m.Person, lookup.badge_column(m)).where(m.Person.id == fastsql.param("id")).limit(1)
    )
)


def load_person(store: Store, person_id: int, badges: dict[int, str] | None = None) -> Person:
    """A person by id, and their badge into `badges` (one query compiled once: a tenth of the cost
    of building `Person.get_by_id`)."""
    rows = PERSON.objects(store, id=person_id)
    if not rows:
        raise store.m.Person.DoesNotExist(f"no person with id {person_id}")
    person, badge = rows[0]
    if badges is not None:
        badges[person_id] = badge or ""
    return person  # type: ignore[no-any-return]


def _setting_column(m: Models, key: str) -> peewee.Node:
    return m.Setting.select(m.Setting.value).where(m.Setting.key == key).alias(key)


def _setting(value: str | None, key: str) -> Any:
    return json.loads(value) if value is not None else DEFAULTS[key]


def station_and_language(store: Store, token: str) -> tuple[Station | None, str]:
    """The station a bearer token names (as `actions.station_for_token` finds it) and the language
    setting: one query (the station and the configuration's version; the settings are read again
    only when the version moved, `custody.scan.config`). Without a station, the default language."""
    station, settled = config.cache(store).station_for_token(store, token)
    if station is None or settled is None:
        return None, DEFAULTS["language"]
    return station, settled.language


def current_setting(store: Store, key: str) -> Any:
    """One setting (stored value or default), in one raw query."""
    row = fastsql.execute(store.db, "SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row is not None else DEFAULTS[key]


# --- what a code names --------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a scanned code stands for: a person (badge, fob) or an item (label, tag)."""

    person_id: int | None
    item_id: int | None
    item_code: str | None
    item_status: str | None
    loaded: Item | None = field(default=None, compare=False, repr=False)  # as `lookup.item` loads it

    def item(self, store: Store) -> Item:
        assert self.item_id is not None
        return store.m.Item.get_by_id(self.item_id)  # type: ignore[no-any-return]


def _target(tag: Tag, item: Item | None) -> Target:
    if item is None:
        return Target(tag.person_id, tag.item_id, None, None)
    return Target(tag.person_id, tag.item_id, item.code, item.status, item)


def resolve(store: Store, code: str) -> Target | None:
    """The tag a code names through `lookup.tag_for_scan` (exactly, in other letter case, an EM4100
    tag in its other form); the station state has looked for the exact code already."""
    tag = lookup.tag_for_scan(store, code)
    if tag is None:
        return None
    if tag.person_id is not None:
        return Target(tag.person_id, None, None, None)
    return Target(None, tag.item_id, tag.item.code, tag.item.status)


# --- the station's state ------------------------------------------------------------


def _station_state_query(m: Models) -> peewee.Query:
    Station, StationSession, Person, Scan, Tag, Item = (  # noqa: N806 - the store's tables
        m.Station,
        m.StationSession,
        m.Person,
        m.Scan,
        m.Tag,
        m.Item,
    )
    InventoryCount, ClosingCheck = m.InventoryCount, m.ClosingCheck  # noqa: N806
    home, holder, location = Station.alias(), Person.alias(), Station.alias()
    said = Scan.alias()  # the session's scans that set loan terms (custody.scan.terms)
    return (
        Station.select(
            Station.id,
            StationSession,
            Person,
            Scan.station,
            Scan.answer,
            lookup.badge_column(m),
            Tag,
            Item,
            home,
            holder,
            location,
            config.version_column(m),
            InventoryCount.select(peewee.SQL("1"))
            .where(InventoryCount.open_key == Station.id)
            .alias("counting"),
            ClosingCheck.select(peewee.SQL("1"))
            .where((ClosingCheck.station == Station.id) & ClosingCheck.checker.is_null())
            .limit(1)
            .alias("closing_unchecked"),
            said.select(peewee.SQL("1"))
            .where(
                (said.session == StationSession.uid)
                & said.reason.in_(TERM_REASONS)
                & said.undone_by.is_null()
            )
            .limit(1)
            .alias("terms"),
        )
        .join(StationSession, peewee.JOIN.LEFT_OUTER, on=(StationSession.station == Station.id))
        .join(Person, peewee.JOIN.LEFT_OUTER, on=(StationSession.person == Person.id))
        .switch(Station)
        .join(Scan, peewee.JOIN.LEFT_OUTER, on=(Scan.scan_id == fastsql.param("scan_id")))
        .switch(Station)
        .join(Tag, peewee.JOIN.LEFT_OUTER, on=(Tag.code == fastsql.param("code")))
        .join(Item, peewee.JOIN.LEFT_OUTER, on=(Tag.item == Item.id))
        .join(home, peewee.JOIN.LEFT_OUTER, on=(Item.home == home.id))
        .switch(Item)
        .join(holder, peewee.JOIN.LEFT_OUTER, on=(Item.holder == holder.id))
        .switch(Item)
        .join(location, peewee.JOIN.LEFT_OUTER, on=(Item.location == location.id))
        .where(Station.id == fastsql.param("station"))
    )


STATION_STATE = fastsql.Compiled(_station_state_query)


@dataclass(frozen=True)
class StationState:
    """What a scan reads first, in one query (see the module's description)."""

    session: StationSession | None
    person: Person | None
    badge: str | None
    version: int  # the configuration's version (`custody.scan.config`), read in this same query
    timeout_seconds: int
    timezone: str
    language: str  # the `language` setting: station answers are rendered (and stored) in it
    counting: bool
    closing_unchecked: bool
    terms: bool  # the session's scans set loan terms (an outside purpose, a second holder): P13
    stored: tuple[int, str] | None  # station id and answer stored for the scan_id
    tag: Tag | None  # the tag with exactly the scanned code
    item: Item | None  # its item, as `lookup.item` loads it

    def stored_answer(self, station: Station, scan_id: str) -> dict[str, Any] | None:
        """The answer stored for the scan_id (`duplicate: true`), or None if it is new."""
        if self.stored is None:
            return None
        station_id, text = self.stored
        if station_id != station.id:
            raise ScanIdTaken("scan_id {scan_id} was already used by another station", scan_id=scan_id)
        answer: dict[str, Any] = json.loads(text)
        answer["duplicate"] = True
        return answer

    def target(self, store: Store, code: str) -> Target | None:
        """What the scanned code names: the exact tag read with the state, else `resolve`."""
        return _target(self.tag, self.item) if self.tag is not None else resolve(store, code)

    def live_session(
        self, at: datetime, timeout: timedelta, people: dict[int, Person], badges: dict[int, str]
    ) -> StationSession | None:
        """The station's session row if it is still open at scan time `at`; its person joins the
        scan's loaded `people` (and `badges`)."""
        row = self.session
        if row is None:
            return None
        if self.person is not None:
            people.setdefault(self.person.id, self.person)
            badges.setdefault(self.person.id, self.badge or "")
        if at - row.last_scan_at > timeout or at < row.opened_at - CLOCK_SKEW:
            return None
        return row


def station_state(store: Store, station: Station, scan_id: str, code: str = "") -> StationState:
    """What a scan with this scan_id and (stripped) code at this station reads first."""
    (
        (
            _,
            session,
            person,
            stored,
            tag,
            item,
            home,
            holder,
            location,
            badge,
            version,
            counting,
            unchecked,
            terms,
        ),
    ) = STATION_STATE.objects(store, station=station.id, scan_id=scan_id, code=code)
    if item is not None:
        lookup.place(item, home, holder, location)
    settled = config.cache(store).at(store, config.version_of(version))
    return StationState(
        session,
        person,
        badge,
        config.version_of(version),
        settled.timeout_seconds,
        settled.timezone,
        settled.language,
        counting is not None,
        unchecked is not None,
        terms is not None,
        (stored.station_id, stored.answer) if stored is not None else None,
        tag,
        item,
    )
