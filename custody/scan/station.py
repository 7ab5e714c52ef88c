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

What an answer shows (P23): a device token reads only what its station's display needs. An item
scanned with no session open is answered by its code alone — never its title, never its holder —
and the only badge an answer carries is the one this station read: the session's person's, or
the person whose badge this very scan was. Anyone else (a holder, an approver, a second person)
is named without a badge. The ledger keeps everything.

Taking items out of the office at a station (P13, both badges in one session): `custody.scan.terms`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from custody import codes
from custody.actions import closing, inventory
from custody.actions import core as actions
from custody.actions import scan as scan_actions
from custody.actions.outcome import Outcome
from custody.ledger import replay
from custody.messages.catalog import text
from custody.models.core import Item, Person, Station, to_text
from custody.reports import lookup, shapes
from custody.rules import loans as policy
from custody.scan import commands, config
from custody.scan import terms as session_terms
from custody.scan.state import CLOCK_SKEW, StationState, Target, load_person, station_state
from custody.store.core import Store
from custody.store.db import write_grouped

log = logging.getLogger(__name__)

OUTCOMES = ("badge", "approved", "checked_out", "returned", "command", "inventory_seen", "refused", "unknown")
LATE_AFTER = timedelta(seconds=60)  # a scan arriving later than this after scanned_at is "late"
MAX_CODE_LENGTH = scan_actions.MAX_CODE_LENGTH
MAX_BATCH = 100


@dataclass(frozen=True)
class ScanInput:
    """A scan as a station posts it (already validated by the caller)."""

    code: str
    scan_id: str
    scanned_at: datetime | None = None


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
    """What one scan's processing shares: the store, where and when, and the language its answer is
    given (and stored) in (the `language` setting, read with the station's state)."""

    store: Store
    station: Station
    scan: ScanInput
    now: datetime  # arrival
    at: datetime  # when it was scanned, as far as we can tell
    late: bool
    timeout: timedelta
    tz: ZoneInfo
    lang: str = "zh"
    session: Session | None = None
    session_uid: str | None = None
    exception: str | None = None
    touched: bool = field(default=False)
    counting: bool = True  # a count may be open at the station (False: none is, as read at the start)
    closing_unchecked: bool = True  # a closing check of the station may await its second person
    terms: bool = False  # the session's scans have set loan terms (custody.scan.terms)
    shown: set[int] = field(default_factory=set)  # whose badge the answer may carry (P23)
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
        sid, uid = scan_actions.open_session(self.store, self.station.id, person.id, self.at)
        self.people[person.id] = person
        self.session = Session(
            self.store, sid, uid, person.id, None, self.at, self.at, self.people, self.badges
        )
        self.session_uid = uid
        return self.session

    def end_session(self) -> None:
        if self.session is not None:
            scan_actions.end_session(self.store, self.session.id)
            self.session = None

    def set_approver(self, approver: Person | None) -> None:
        assert self.session is not None
        scan_actions.set_session_approver(
            self.store, self.session.id, approver.id if approver is not None else None
        )
        self.session.approver_id = approver.id if approver is not None else None
        if approver is not None:
            self.session.people[approver.id] = approver

    def badge(self, person: Person) -> str | None:
        """A person's badge for the answer, looked up once per scan: only a badge this station read
        (`shown`), else None (P23: no answer to a device token carries another person's badge)."""
        if person.id not in self.shown:
            return None
        if person.id not in self.badges:
            self.badges[person.id] = lookup.badge_of(self.store, person)
        return self.badges[person.id]

    def loan_terms(self) -> session_terms.SessionTerms:
        """The session's loan terms (P13), read only when its scans have set some."""
        if self.session is None or not self.terms:
            return session_terms.NONE
        return session_terms.read(self.store, self.station, self.session.uid)

    def person_json(self, person: Person | None) -> dict[str, Any] | None:
        """DESIGN.md's person shape, looking each badge up once per scan."""
        return shapes.person_json(self.store, person, badge=self.badge)


# --- entry points -----------------------------------------------------------------


class Answer(dict):  # type: ignore[type-arg]
    """A new scan's answer, with its JSON text as stored (`text`), so that it is sent as it is
    rather than serialised twice."""

    text: str = ""


def submit(
    store: Store,
    station: Station,
    scan: ScanInput,
    lang: str | None = None,
    auth: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """Process one scan durably and return its answer (the stored one again for a repeated scan_id).
    The answer is given, and stored, in `lang` (the request's language), else the `language` setting.
    `auth`: the token hash the station was found by and the configuration's version it was found at
    (`custody.scan.config`): if the version has moved when the scan's first query reads it, the
    token is looked up again there (`config.StationTokenInvalid` if it names the station no more)."""
    return submit_batch(store, station, [scan], lang, auth)[0]


def submit_batch(
    store: Store,
    station: Station,
    scans: Sequence[ScanInput],
    lang: str | None = None,
    auth: tuple[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Several scans of one station (an RFID burst), in order, in one transaction.

    Each keeps its own idempotency by scan_id; a repeat inside the batch is a duplicate too.
    """
    if len(scans) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} scans in one batch")

    def job() -> list[dict[str, Any]]:
        answers = []
        current, seen = station, auth[1] if auth is not None else None
        for s in scans:
            state = station_state(store, current, s.scan_id, s.code.strip())
            if auth is not None and state.version != seen:
                current = config.cache(store).confirm(store, state.version, current, auth[0], seen)
                seen = state.version
            answer = state.stored_answer(current, s.scan_id)
            answers.append(answer if answer is not None else _process(store, current, s, state, lang))
        return answers

    for attempt in range(3):
        try:
            # group commit: scans posted at the same moment share one transaction and its fsync;
            # each answer is returned only after that commit
            return write_grouped(store.db, job)
        except peewee.IntegrityError:
            # the same scan_id stored meanwhile: a safeguard only, since writers take turns on both
            # backends and read the stored answer inside their transaction; the next pass answers it
            if attempt == 2:
                raise
            log.info("scan_id race at %s, answering from the stored scan", station.name)
    raise AssertionError("unreachable")


# --- one scan ---------------------------------------------------------------------


def _process(
    store: Store, station: Station, scan: ScanInput, state: StationState, lang: str | None
) -> dict[str, Any]:
    now = store.now()
    scanned = scan.scanned_at
    at = scanned if scanned is not None and scanned <= now + CLOCK_SKEW else now
    ctx = ScanContext(
        store=store,
        station=station,
        scan=scan,
        now=now,
        at=at,
        late=scanned is not None and now - scanned > LATE_AFTER,
        timeout=timedelta(seconds=state.timeout_seconds),
        tz=ZoneInfo(state.timezone),
        lang=lang or state.language,
        counting=state.counting,
        closing_unchecked=state.closing_unchecked,
        terms=state.terms,
    )
    row = state.live_session(at, ctx.timeout, ctx.people, ctx.badges)
    if row is not None:
        ctx.session = Session(
            store,
            row.id,
            row.uid,
            row.person_id,
            row.approver_id,
            row.opened_at,
            row.last_scan_at,
            ctx.people,
            ctx.badges,
        )
        ctx.session_uid = row.uid
        ctx.shown.add(row.person_id)  # whose badge opened the session here (an ending one too)
    code = scan.code.strip()
    is_command = commands.is_command(code)
    target = None if is_command else state.target(store, code)
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
        scan_actions.touch_session(store, ctx.session.id, at)
    if ctx.session is not None:
        ctx.shown.add(ctx.session.person_id)
    elif out.item is not None:  # no session: the code alone (P23)
        out = _anonymous(out, code)
    if target is not None and target.person_id is not None:
        ctx.shown.add(target.person_id)
    outcome = out.outcome if out.outcome in OUTCOMES else "command"
    if outcome != out.outcome:
        log.debug("outcome %s answered as command", out.outcome)
    message = out.message(ctx.lang)
    if ctx.late and ctx.exception is None:
        message += text("late_note", scanned_at=shapes.iso(scanned, ctx.tz)).render(ctx.lang)
    answer = Answer(
        {
            "scan_id": scan.scan_id,
            "outcome": outcome,
            "message": message,
            "item": _item_json(ctx, out.item) if out.item is not None else None,
            "person": ctx.person_json(ctx.session_person() or out.person),
            "duplicate": False,
        }
    )
    answer.text = json.dumps(answer, ensure_ascii=False)
    scan_actions.store_scan(
        store,
        scan_actions.ScanRow(
            scan_id=scan.scan_id,
            station_id=station.id,
            code=code,
            scanned_at=scanned,
            received_at=now,
            at=at,
            outcome=outcome,
            reason=out.reason,
            answer=answer,
            answer_text=answer.text,
            event_seq=out.seq or None,
            late=ctx.late,
            exception=ctx.exception,
            session=ctx.session_uid,
        ),
    )
    return answer


ANONYMOUS = {  # outcome -> what an item scanned with no session open is answered (its code only)
    "returned": "returned_no_session",
    "inventory_seen": "counted_no_session",
}


def _anonymous(out: Outcome, code: str) -> Outcome:
    """An item's outcome with no session open, told by the code alone: neither the item's title nor
    its holder reach the station's display (the ledger keeps them)."""
    params: dict[str, Any] = {"code": out.item.code if out.item is not None else code}
    if out.outcome != "refused":
        key = ANONYMOUS.get(out.outcome, "scanned_no_session")
    elif out.reason in ("no_session", "not_available"):
        key = out.reason if out.reason == "no_session" else "unavailable_no_session"
        if out.item is not None:
            params["status"] = out.item.status
    else:
        key = "refused_no_session"
    return Outcome(
        out.outcome,
        text(key, **params),
        out.reason,
        flags=out.flags,
        flag_msgs=out.flag_msgs,  # where it was returned (P12), never whose it was
        seq=out.seq,
        extra=out.extra,
        rule=out.rule,
    )


def _item_json(ctx: ScanContext, item: Item) -> dict[str, Any]:
    """The item shape; badges are looked up once per scan (the holder is usually the answer's person)."""
    return shapes.item_json(ctx.store, item, ctx.tz, badge=ctx.badge)


def _late_conflict(ctx: ScanContext, code: str, target: Target | None) -> Outcome | None:
    """A late scan that would act on a world that has moved on: recorded, not applied."""
    m = ctx.store.m
    Scan, Event = m.Scan, m.Event  # noqa: N806 - the store's tables
    item = target.item(ctx.store) if target is not None and target.item_id is not None else None
    if Scan.select().where((Scan.station == ctx.station.id) & (Scan.at > ctx.at)).exists():
        conflict, why = "station_moved_on", text("late_station_moved_on")
    elif item is not None and (
        Event.select()
        .where(
            (Event.item == item.code)
            & (Event.at > to_text(ctx.at))
            & Event.kind.in_(list(replay.APPLY))
            & (Event.actor != ctx.actor)
        )
        .exists()
    ):
        conflict = "item_changed"
        why = text("late_item_changed", code=item.code, title=item.title)
    else:
        return None
    ctx.exception = conflict
    out = actions.record_scan_refusal(
        ctx.store,
        "late_conflict",
        {
            "scanned_at": shapes.iso(ctx.scan.scanned_at, ctx.tz),
            "why": why,
            "conflict": conflict,
            "code": code,
            "scan_id": ctx.scan.scan_id,
        },
        actor=ctx.actor,
        item=item.code if item is not None else None,
        station=ctx.station.name,
    )
    out.item = item
    return out


def _unrecognised(ctx: ScanContext, code: str) -> Outcome:
    if codes.looks_like_item_code(code) and (code.startswith("99") or not codes.damm_valid(code)):
        return actions.record_scan_refusal(
            ctx.store,
            "mistyped",
            {"code": code},
            actor=ctx.actor,
            person=ctx.session.person_id if ctx.session else None,
            station=ctx.station.name,
        )
    return Outcome("unknown", text("unknown_code", code=code))


def _badge(ctx: ScanContext, person: Person) -> Outcome:
    # cheap first look (a closing check nobody has checked yet, read with the station's state)
    # before asking custody.closing
    if ctx.closing_unchecked:
        second = closing.second_check(ctx.store, ctx.station, person, ctx.actor)
        if second is not None:
            return second
    s = ctx.session
    if s is not None and s.person_id != person.id and _is_second(ctx, s, person):
        return Outcome(
            "badge",
            text("second_holder", person=person.name, borrower=s.person.name),
            session_terms.SECOND_HOLDER,
            person=s.person,
        )
    if s is not None and s.person_id != person.id and person.role == "leader":
        out = actions.approve_session(ctx.store, ctx.station, s.person, person, actor=ctx.actor)
        if out.outcome == "approved":
            ctx.set_approver(person)
        return out
    if s is not None and s.person_id == person.id:
        return Outcome("badge", text("session_continued", person=person.name), person=person)
    ctx.open_session(person)
    return Outcome(
        "badge",
        text("session_opened", person=person.name, timeout=int(ctx.timeout.total_seconds())),
        person=person,
    )


def _is_second(ctx: ScanContext, s: Session, person: Person) -> bool:
    """P13: in a session going out of the office with no second person yet, another badge is the
    second person carrying the items — a leader's too once the session is approved by another."""
    if not ctx.terms:
        return False
    terms = ctx.loan_terms()
    if not terms.outside or terms.second is not None:
        return False
    return person.role != "leader" or (s.approver_id is not None and s.approver_id != person.id)


def _open_count(ctx: ScanContext) -> Any:
    """The count open at the station, if any. A look at `inventory_count.open_key` (the station's id
    while a count is open, unique; read with the station's state) comes first: asking
    custody.inventory costs as much as a check-out."""
    if not ctx.counting:
        return None
    return inventory.open_count(ctx.store, ctx.station)


def _counted(ctx: ScanContext, count: Any, code: str, target: Target | None) -> Outcome:
    """While a count is open at the station, item codes (and unknown ones) are counted, not lent (P22)."""
    out: Outcome = inventory.mark_seen(ctx.store, count, code, ctx.scan.scan_id, ctx.actor)
    if out.item is None and target is not None and target.item_id is not None:
        out.item = target.item(ctx.store)
    return out


def _item(ctx: ScanContext, target: Target) -> Outcome:
    store, station = ctx.store, ctx.station
    assert target.item_code is not None
    if target.item_status == "out":
        return actions.return_item(
            store,
            target.item_code,
            station,
            actor=ctx.actor,
            presenter=ctx.session_person(),
            loaded=target.loaded,
        )
    if ctx.session is None:
        item = target.item(store)
        reason = "no_session" if item.status == "in" else "not_available"
        refusal = policy.Refusal(  # the ledger keeps the title; the answer shows the code alone
            reason,
            {
                "code": item.code,
                "title": item.title,
                "level": item.level,
                "kind": item.kind,
                "status": item.status,
            },
        )
        out = actions.record_refusal(
            store, "check_out", refusal, actor=ctx.actor, item=item.code, station=station.name
        )
        out.item = item
        return out
    said = ctx.loan_terms()
    return actions.check_out(
        store,
        target.item_code,
        ctx.session.person,
        station,
        actor=ctx.actor,
        approver=ctx.session.approver,
        loaded=target.loaded,
        terms=said.terms if said.outside else None,
        second=said.second if said.outside else None,
    )
