"""One scan from a station: resolve the code, apply the session, decide, store the answer.

`submit` runs everything a scan causes in ONE write transaction — the events
through `custody.actions`, the station session, and the `Scan` row holding the
answer under the unique `scan_id` — so the answer exists only if the events
do, and a repeated `scan_id` gets the stored answer back (`duplicate: true`).
The caller sends the answer after `submit` returns, that is after the commit.
On SQLite, scans of several stations arriving at once share one transaction
and its commit (`db.write_grouped`); each is still answered only after it.

Station sessions (DESIGN.md): a badge opens one; it lapses `session_timeout_seconds`
after the last scan at the station, or on the next badge that is not a leader
approving it (P10). Session times are scan times: a burst an agent spooled
while offline is judged by when it was scanned, and processed in arrival order.
A late scan (arriving more than `LATE_AFTER` after `scanned_at`) that conflicts
with what happened since — newer scans at the station, or the item changed by
someone else — is not applied: it is recorded as a refusal and listed as an
exception for the custodian.
"""

from __future__ import annotations

import importlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from custody import actions, codes, commands, fastsql, lookup, policy, replay, settings, shapes
from custody.actions import Outcome
from custody.db import write_grouped
from custody.errors import Conflict
from custody.models import Event, Item, Person, Setting, Station, to_text
from custody.models_closing import ClosingCheck, InventoryCount
from custody.models_scan import Scan, StationSession
from custody.scan_messages import render
from custody.store import Store

log = logging.getLogger(__name__)

OUTCOMES = ("badge", "approved", "checked_out", "returned", "command", "inventory_seen", "refused", "unknown")
LATE_AFTER = timedelta(seconds=60)  # a scan arriving later than this after scanned_at is "late"
CLOCK_SKEW = timedelta(seconds=5)  # scanned_at further ahead than this is not believed
MAX_CODE_LENGTH = 128
MAX_BATCH = 100


@dataclass(frozen=True)
class ScanInput:
    """A scan as a station posts it (already validated by the caller)."""

    code: str
    scan_id: str
    scanned_at: datetime | None = None


class ScanIdTaken(Conflict):
    """The scan_id was already used by another station: never answered with that station's answer."""


@dataclass
class Session:
    """A station's open session as the scan path reads it (one row of `StationSession`)."""

    store: Store = field(repr=False)
    id: int
    uid: str
    person_id: int
    approver_id: int | None
    opened_at: datetime
    last_scan_at: datetime
    people: dict[int, Person] = field(default_factory=dict, repr=False)  # loaded once per scan
    badges: dict[int, str] = field(default_factory=dict, repr=False)  # their badges, loaded with them

    def _load(self, person_id: int) -> Person:
        if person_id not in self.people:
            self.people[person_id] = load_person(self.store, person_id, self.badges)
        return self.people[person_id]

    @property
    def person(self) -> Person:
        return self._load(self.person_id)

    @property
    def approver(self) -> Person | None:
        return self._load(self.approver_id) if self.approver_id is not None else None


@dataclass
class ScanContext:
    """What one scan's processing shares: the store (in the reader's language), where and when."""

    store: Store
    station: Station
    scan: ScanInput
    now: datetime  # arrival
    at: datetime  # when it was scanned, as far as we can tell
    late: bool
    timeout: timedelta
    tz: ZoneInfo
    session: Session | None = None
    session_uid: str | None = None
    exception: str | None = None
    touched: bool = field(default=False)
    counting: bool = True  # a count may be open at the station (False: none is, as read at the start)
    closing_unchecked: bool = True  # a closing check of the station may await its second person
    people: dict[int, Person] = field(default_factory=dict)  # person id → person, loaded once per scan
    badges: dict[int, str] = field(default_factory=dict)  # person id → badge, for the answer

    @property
    def actor(self) -> str:
        return f"station:{self.station.name}"

    def person(self, person_id: int) -> Person:
        """A person by id, loaded (with the badge) once per scan; the session shares what is loaded."""
        if person_id not in self.people:
            self.people[person_id] = load_person(self.store, person_id, self.badges)
        return self.people[person_id]

    def session_person(self) -> Person | None:
        return self.session.person if self.session is not None else None

    def open_session(self, person: Person) -> Session:
        _sql(self.store, "DELETE FROM station_session WHERE station_id = ?", (self.station.id,))
        uid = uuid.uuid4().hex
        sid = fastsql.insert(self.store.db, "INSERT INTO station_session (station_id, person_id, opened_at, "
                                            "last_scan_at, approver_id, uid) VALUES (?, ?, ?, ?, NULL, ?)",
                             (self.station.id, person.id, to_text(self.at), to_text(self.at), uid))
        self.people[person.id] = person
        self.session = Session(self.store, sid, uid, person.id, None, self.at, self.at, self.people, self.badges)
        self.session_uid = uid
        return self.session

    def end_session(self) -> None:
        if self.session is not None:
            StationSession.delete().where(StationSession.id == self.session.id).execute()
            self.session = None

    def set_approver(self, approver: Person | None) -> None:
        assert self.session is not None
        StationSession.update(approver=approver).where(StationSession.id == self.session.id).execute()
        self.session.approver_id = approver.id if approver is not None else None
        if approver is not None:
            self.session.people[approver.id] = approver

    def badge(self, person: Person) -> str:
        """A person's badge, looked up once per scan."""
        if person.id not in self.badges:
            self.badges[person.id] = lookup.badge_of(person)
        return self.badges[person.id]

    def person_json(self, person: Person | None) -> dict[str, Any] | None:
        """DESIGN.md's person shape, looking each badge up once per scan."""
        return shapes.person_json(person, badge=self.badge)

    def optional_module(self, name: str) -> ModuleType | None:
        """A closing-time module (`inventory`, `closing`), or None where this build has none."""
        return optional_module(name)


def optional_module(name: str) -> ModuleType | None:
    full = f"custody.{name}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name != full:
            raise
        return None


# --- entry points -----------------------------------------------------------------

def submit(store: Store, station: Station, scan: ScanInput) -> dict[str, Any]:
    """Process one scan durably and return its answer (the stored one again for a repeated scan_id)."""
    return submit_batch(store, station, [scan])[0]


def submit_batch(store: Store, station: Station, scans: Sequence[ScanInput]) -> list[dict[str, Any]]:
    """Several scans of one station (an RFID burst), in order, in one transaction.

    Each keeps its own idempotency by scan_id; a repeat inside the batch is a duplicate too.
    """
    if len(scans) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} scans in one batch")

    def job() -> list[dict[str, Any]]:
        answers = []
        for s in scans:
            state = station_state(store, station, s.scan_id)
            answer = state.stored_answer(station, s.scan_id)
            answers.append(answer if answer is not None else _process(store, station, s, state))
        return answers

    for attempt in range(3):
        try:
            # group commit: scans posted at the same moment share one transaction and its fsync;
            # each answer is returned only after that commit
            return write_grouped(store.db, job)
        except peewee.IntegrityError:
            # another process stored the same scan_id first (PostgreSQL): the next pass answers it
            if attempt == 2:
                raise
            log.info("scan_id race at %s, answering from the stored scan", station.name)
    raise AssertionError("unreachable")


def _sql(store: Store, sql: str, params: Sequence[Any] = ()) -> Any:
    """Raw SQL on the scan path (peewee builds each query afresh: several times the cost of SQLite's work).
    Written with `?` placeholders; PostgreSQL gets `%s`."""
    return fastsql.execute(store.db, sql, params)


def _stored(station: Station, scan_id: str, row: tuple[int, str] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    station_id, text = row
    if station_id != station.id:
        raise ScanIdTaken(f"扫描编号 {scan_id} 已被其他站点使用", f"scan_id {scan_id} was already used by another station")
    answer: dict[str, Any] = json.loads(text)
    answer["duplicate"] = True
    return answer


PERSON = fastsql.Compiled(lambda: Person.select(Person, lookup.badge_column())
                          .where(Person.id == fastsql.param("id")).limit(1))


def load_person(store: Store, person_id: int, badges: dict[int, str] | None = None) -> Person:
    """A person by id, and their badge into `badges` (one query compiled once: a tenth of the cost
    of building `Person.get_by_id`)."""
    rows = PERSON.objects(store.db, id=person_id)
    if not rows:
        raise Person.DoesNotExist(f"no person with id {person_id}")
    person, badge = rows[0]
    if badges is not None:
        badges[person_id] = badge or ""
    return person  # type: ignore[no-any-return]


DEFAULTS = {key: default for key, (default, _, _) in settings.SETTINGS.items()}


STATION_AND_LANGUAGE = fastsql.Compiled(lambda: Station.select(Station, _setting_column("language"))
                                        .where(Station.token_hash == fastsql.param("hash")).limit(1))


def station_and_language(store: Store, token: str) -> tuple[Station | None, str]:
    """The station a bearer token names (as `actions.station_for_token` finds it) and the language
    setting, in one query: a scan request's first read. Without a station, the language is the default."""
    if not token:
        return None, DEFAULTS["language"]
    rows = STATION_AND_LANGUAGE.objects(store.db, hash=actions._hash_token(token))
    if not rows:
        return None, DEFAULTS["language"]
    station, language = rows[0]
    return station, json.loads(language) if language is not None else DEFAULTS["language"]


def current_setting(store: Store, key: str) -> Any:
    """One setting (stored value or default), in one raw query."""
    row = _sql(store, "SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row is not None else DEFAULTS[key]


# --- one scan ---------------------------------------------------------------------

def _process(store: Store, station: Station, scan: ScanInput, state: StationState) -> dict[str, Any]:
    now = store.now()
    scanned = scan.scanned_at
    at = scanned if scanned is not None and scanned <= now + CLOCK_SKEW else now
    ctx = ScanContext(store=store, station=station, scan=scan, now=now, at=at,
                      late=scanned is not None and now - scanned > LATE_AFTER,
                      timeout=timedelta(seconds=state.timeout_seconds), tz=ZoneInfo(state.timezone),
                      counting=state.counting, closing_unchecked=state.closing_unchecked)
    ctx.session = state.live_session(store, at, ctx.timeout, ctx.people, ctx.badges)
    ctx.session_uid = ctx.session.uid if ctx.session is not None else None
    code = scan.code.strip()
    is_command = commands.is_command(code)
    target = None if is_command else resolve(store, code)
    out = _late_conflict(ctx, code, target) if ctx.late else None
    if out is None:
        ctx.touched = True
        if is_command:
            out = commands.run(ctx, code)
        elif target is not None and target.person_id is not None:
            out = _badge(ctx, ctx.person(target.person_id))
        elif (count := _open_count(ctx)) is not None:
            out = _counted(ctx, count, code, target)
        elif target is None:
            out = _unrecognised(ctx, code)
        else:
            out = _item(ctx, target)
    if ctx.touched and ctx.session is not None and ctx.session.last_scan_at < at:
        _sql(store, "UPDATE station_session SET last_scan_at = ? WHERE id = ?", (to_text(at), ctx.session.id))
    outcome = out.outcome if out.outcome in OUTCOMES else "command"
    if outcome != out.outcome:
        log.debug("outcome %s answered as command", out.outcome)
    message = out.message
    if ctx.late and ctx.exception is None:
        message += render("late_note", store.lang, scanned_at=shapes.iso(scanned, ctx.tz))
    answer = {
        "scan_id": scan.scan_id,
        "outcome": outcome,
        "message": message,
        "item": _item_json(ctx, out.item) if out.item is not None else None,
        "person": ctx.person_json(ctx.session_person() or out.person),
        "duplicate": False,
    }
    _sql(store, "INSERT INTO scan (scan_id, station_id, code, scanned_at, received_at, at, outcome, reason, answer, "
                "event_seq, late, exception, session, undone_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
         (scan.scan_id, station.id, code[:MAX_CODE_LENGTH], to_text(scanned) if scanned else None, to_text(now),
          to_text(at), outcome, out.reason, json.dumps(answer, ensure_ascii=False), out.seq or None, ctx.late,
          ctx.exception, ctx.session_uid))
    return answer


def _item_json(ctx: ScanContext, item: Item) -> dict[str, Any]:
    """The item shape; badges are looked up once per scan (the holder is usually the answer's person)."""
    return shapes.item_json(item, ctx.tz, badge=ctx.badge)


@dataclass(frozen=True)
class Target:
    """What a scanned code stands for: a person (badge, fob) or an item (label, tag)."""

    person_id: int | None
    item_id: int | None
    item_code: str | None
    item_status: str | None
    loaded: Item | None = field(default=None, compare=False, repr=False)  # as `lookup.item` loads it

    def item(self) -> Item:
        assert self.item_id is not None
        return Item.get_by_id(self.item_id)


def resolve(store: Store, code: str) -> Target | None:
    """The tag a code names: exactly, in one query that also loads its item as `lookup.item` does;
    else through `lookup.tag_for_scan` (other letter case, an EM4100 tag in its other form)."""
    found = lookup.tag_with_item(code)
    if found is not None:
        tag, it = found
        if it is None:
            return Target(tag.person_id, tag.item_id, None, None)
        return Target(tag.person_id, tag.item_id, it.code, it.status, it)
    tag = lookup.tag_for_scan(code)
    if tag is None:
        return None
    if tag.person_id is not None:
        return Target(tag.person_id, None, None, None)
    return Target(None, tag.item_id, tag.item.code, tag.item.status)


def _setting_column(key: str) -> peewee.Node:
    return Setting.select(Setting.value).where(Setting.key == key).alias(key)


def _station_state_query() -> peewee.Query:
    return (Station.select(Station.id, StationSession, Person, Scan.station, Scan.answer, lookup.badge_column(),
                           _setting_column("session_timeout_seconds"), _setting_column("timezone"),
                           InventoryCount.select(peewee.SQL("1")).where(InventoryCount.open_key == Station.id)
                           .alias("counting"),
                           ClosingCheck.select(peewee.SQL("1")).where((ClosingCheck.station == Station.id)
                                                                      & ClosingCheck.checker.is_null()).limit(1)
                           .alias("closing_unchecked"))
            .join(StationSession, peewee.JOIN.LEFT_OUTER, on=(StationSession.station == Station.id))
            .join(Person, peewee.JOIN.LEFT_OUTER, on=(StationSession.person == Person.id)).switch(Station)
            .join(Scan, peewee.JOIN.LEFT_OUTER, on=(Scan.scan_id == fastsql.param("scan_id")))
            .where(Station.id == fastsql.param("station")))


STATION_STATE = fastsql.Compiled(_station_state_query)


@dataclass(frozen=True)
class StationState:
    """What a scan reads first, in one query: the answer already stored for its scan_id, and about
    its station: the session row and its person (with the badge), the settings a scan needs, and
    whether a count or a closing check is open there."""

    session: StationSession | None
    person: Person | None
    badge: str | None
    timeout_seconds: int
    timezone: str
    counting: bool
    closing_unchecked: bool
    stored: tuple[int, str] | None  # station id and answer stored for the scan_id

    def stored_answer(self, station: Station, scan_id: str) -> dict[str, Any] | None:
        """The answer stored for the scan_id (`duplicate: true`), or None if it is new."""
        return _stored(station, scan_id, self.stored)

    def live_session(self, store: Store, at: datetime, timeout: timedelta, people: dict[int, Person],
                     badges: dict[int, str]) -> Session | None:
        """The station's session if it is still open at scan time `at`; its person joins the scan's
        loaded `people` (and `badges`)."""
        row = self.session
        if row is None:
            return None
        if self.person is not None:
            people.setdefault(self.person.id, self.person)
            badges.setdefault(self.person.id, self.badge or "")
        s = Session(store, row.id, row.uid, row.person_id, row.approver_id, row.opened_at, row.last_scan_at,
                    people, badges)
        if at - s.last_scan_at > timeout or at < s.opened_at - CLOCK_SKEW:
            return None
        return s


def station_state(store: Store, station: Station, scan_id: str) -> StationState:
    """What a scan with this scan_id at this station reads first (see `StationState`)."""
    (_, session, person, stored, badge, timeout, timezone, counting, unchecked), = \
        STATION_STATE.objects(store.db, station=station.id, scan_id=scan_id)
    return StationState(session, person, badge,
                        json.loads(timeout) if timeout is not None else DEFAULTS["session_timeout_seconds"],
                        json.loads(timezone) if timezone is not None else DEFAULTS["timezone"],
                        counting is not None, unchecked is not None,
                        (stored.station_id, stored.answer) if stored is not None else None)


def _late_conflict(ctx: ScanContext, code: str, target: Target | None) -> Outcome | None:
    """A late scan that would act on a world that has moved on: recorded, not applied."""
    item = target.item() if target is not None and target.item_id is not None else None
    lang = ctx.store.lang
    if Scan.select().where((Scan.station == ctx.station) & (Scan.at > ctx.at)).exists():
        conflict, why = "station_moved_on", render("late_station_moved_on", lang)
    elif item is not None and (Event.select().where(
            (Event.item == item.code) & (Event.at > to_text(ctx.at)) & Event.kind.in_(list(replay.APPLY))
            & (Event.actor != ctx.actor)).exists()):
        conflict = "item_changed"
        why = render("late_item_changed", lang, code=item.code, title=item.title)
    else:
        return None
    ctx.exception = conflict
    out = actions.record_scan_refusal(
        ctx.store, "late_conflict", {"scanned_at": shapes.iso(ctx.scan.scanned_at, ctx.tz), "why": why,
                                     "conflict": conflict, "code": code, "scan_id": ctx.scan.scan_id},
        actor=ctx.actor, item=item.code if item is not None else None, station=ctx.station.name)
    out.item = item
    return out


def _unrecognised(ctx: ScanContext, code: str) -> Outcome:
    if codes.looks_like_item_code(code) and (code.startswith("99") or not codes.damm_valid(code)):
        return actions.record_scan_refusal(ctx.store, "mistyped", {"code": code}, actor=ctx.actor,
                                           person=ctx.session.person_id if ctx.session else None,
                                           station=ctx.station.name)
    return Outcome("unknown", render("unknown_code", ctx.store.lang, code=code))


def _badge(ctx: ScanContext, person: Person) -> Outcome:
    closing = ctx.optional_module("closing")
    # cheap first look (a closing check nobody has checked yet, read with the station's state)
    # before asking custody.closing
    if closing is not None and ctx.closing_unchecked:
        second = closing.second_check(ctx.store, ctx.station, person, ctx.actor)
        if second is not None:
            return second
    s, lang = ctx.session, ctx.store.lang
    if s is not None and s.person_id != person.id and person.role == "leader":
        out = actions.approve_session(ctx.store, ctx.station, s.person, person, actor=ctx.actor)
        if out.outcome == "approved":
            ctx.set_approver(person)
        return out
    if s is not None and s.person_id == person.id:
        return Outcome("badge", render("session_continued", lang, person=person.name), person=person)
    ctx.open_session(person)
    return Outcome("badge", render("session_opened", lang, person=person.name,
                                   timeout=int(ctx.timeout.total_seconds())), person=person)


def _open_count(ctx: ScanContext) -> Any:
    """The count open at the station, if any. A look at `inventory_count.open_key` (the station's id
    while a count is open, unique; read with the station's state) comes first: asking
    custody.inventory costs as much as a check-out."""
    inventory = ctx.optional_module("inventory")
    if inventory is None or not ctx.counting:
        return None
    return inventory.open_count(ctx.station)


def _counted(ctx: ScanContext, count: Any, code: str, target: Target | None) -> Outcome:
    """While a count is open at the station, item codes (and unknown ones) are counted, not lent (P22)."""
    inventory = ctx.optional_module("inventory")
    assert inventory is not None
    out: Outcome = inventory.mark_seen(ctx.store, count, code, ctx.scan.scan_id, ctx.actor)
    if out.item is None and target is not None and target.item_id is not None:
        out.item = target.item()
    return out


def _item(ctx: ScanContext, target: Target) -> Outcome:
    store, station = ctx.store, ctx.station
    assert target.item_code is not None
    if target.item_status == "out":
        return actions.return_item(store, target.item_code, station, actor=ctx.actor,
                                   presenter=ctx.session_person(), loaded=target.loaded)
    if ctx.session is None:
        item = target.item()
        reason = "no_session" if item.status == "in" else "not_available"
        refusal = policy.Refusal(reason, {"code": item.code, "title": item.title, "level": item.level,
                                          "kind": item.kind, "status": item.status})
        out = actions.record_refusal(store, "check_out", refusal, actor=ctx.actor, item=item.code,
                                     station=station.name)
        out.item = item
        return out
    return actions.check_out(store, target.item_code, ctx.session.person, station, actor=ctx.actor,
                             approver=ctx.session.approver, loaded=target.loaded)
