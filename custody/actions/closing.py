"""Closing time's writes: a sweep stored as a record, a safe closed for the night, its second check.

One function per action, one transaction each; the decisions are `custody.rules.closing`'s.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import peewee

from custody import settings
from custody.actions import core as actions_core
from custody.actions.outcome import Outcome
from custody.closing.workdays import Calendar
from custody.errors import CustodyError, Refused
from custody.ledger import chain as ledger
from custody.messages import Msg, listed
from custody.models.closing import ClosingCheck, SweepRecord
from custody.models.core import Person, Station, to_text
from custody.reports import sweep
from custody.rules import closing as rules
from custody.rules.facts import Refusal
from custody.store.core import Store

log = logging.getLogger(__name__)

LISTED = 5  # items named in the close-safe answer


def record_sweep(
    store: Store,
    s: sweep.Sweep,
    *,
    kind: str,
    day: date,
    actor: str,
    station: Station | None = None,
    auto_key: str | None = None,
) -> SweepRecord | None:
    """Store a sweep as a record with its `sweep_recorded` event. With `auto_key`, a record already
    stored under that key wins and None is returned (idempotent per station and day)."""
    m = store.m
    tz = ZoneInfo(settings.get(store, "timezone"))
    data = sweep.to_json(store, s, tz)
    findings = not s.clear
    try:
        with store.writing():
            if (
                auto_key is not None
                and m.SweepRecord.select().where(m.SweepRecord.auto_key == auto_key).exists()
            ):
                return None
            now = store.now()
            rec = ledger.append(
                store,
                "sweep_recorded",
                now,
                station=station.name if station else None,
                actor=actor,
                data={
                    "kind": kind,
                    "day": day.isoformat(),
                    "at": to_text(s.at),
                    "outstanding": [e.item.code for e in s.entries],
                    "counts": s.counts,
                    "unclosed_safes": [f.station for f in s.safes],
                },
            )
            record: SweepRecord = m.SweepRecord.create(
                station=station.id if station else None,
                kind=kind,
                day=day,
                at=s.at,
                recorded_at=now,
                auto_key=auto_key,
                outstanding=len(s.entries),
                unclosed=len(s.safes),
                data=json.dumps(data, ensure_ascii=False),
                event_seq=rec.seq,
                notify_status="pending" if findings else "none",
            )
    except peewee.IntegrityError:
        if auto_key is not None:  # another service instance stored it first
            return None
        raise
    sign_checkpoint(store)
    return record


def sign_checkpoint(store: Store) -> None:
    """After a sweep record is committed: a signed checkpoint of the ledger head, kept under the
    home (`store.checkpoints`) and sent with the record's notification. Inside an enclosing
    transaction nothing is signed yet (the head is not committed); a store that knows no home
    signs nothing. A checkpoint that cannot be written is logged: the record stands."""
    keeper = store.checkpoints
    if keeper is None or store.db.in_transaction():
        return
    try:
        keeper.checkpoint(store)
    except (CustodyError, OSError) as exc:
        log.error("no checkpoint written after the sweep record: %s", exc)


def _refused(
    store: Store, action: str, refusal: Refusal, *, actor: str, person: Person, station: Station
) -> Outcome:
    out: Outcome = actions_core.record_refusal(
        store, action, refusal, actor=actor, person=person.id, station=station.name
    )
    out.person = person
    return out


def close_safe(store: Store, station: Station, person: Person, actor: str) -> Outcome:
    """The close-safe command: record who closed the station, when, and what of it was out.
    Raises `Refused` (recorded, P24) for someone who may not close it (`rules.closing`)."""
    with store.writing():
        decision = rules.decide_close_safe(actions_core.person_facts(store, person), station.name)
        if isinstance(decision, Refusal):
            out = _refused(store, "close_safe", decision, actor=actor, person=person, station=station)
            raise Refused(out.msg, reason=decision.reason, rule=decision.rule)
        now = store.now()
        items = sweep.home_items_out(store, station.id)
        day = Calendar.load(store).local_day(now)
        rec = ledger.append(
            store,
            "safe_closed",
            now,
            person=person.id,
            station=station.name,
            actor=actor,
            data={"day": day.isoformat(), "outstanding": [o["code"] for o in items]},
        )
        check = store.m.ClosingCheck.create(
            station=station.id,
            day=day,
            closed_by=person.id,
            closed_at=now,
            out_count=len(items),
            outstanding=json.dumps(items, ensure_ascii=False),
            event_seq=rec.seq,
        )
    at = now.astimezone(ZoneInfo(settings.get(store, "timezone"))).strftime("%H:%M")
    if items:
        listed_items = listed(
            Msg("{title} ({code}, {holder})", {"title": o["title"], "code": o["code"], "holder": o["holder"]})
            for o in items[:LISTED]
        )
        more = (
            Msg(" and {rest} more ({total} in all)", {"rest": len(items) - LISTED, "total": len(items)})
            if len(items) > LISTED
            else ""
        )
        message = Msg(
            "{station} closed by {person} at {at}; {n} still out: {listed}{more}",
            {
                "station": station.name,
                "person": person.name,
                "at": at,
                "n": len(items),
                "listed": listed_items,
                "more": more,
            },
        )
    else:
        message = Msg(
            "{station} closed by {person} at {at}; everything is in",
            {"station": station.name, "person": person.name, "at": at},
        )
    return Outcome(
        "command",
        message,
        person=person,
        seq=rec.seq,
        extra={"command": "close_safe", "closing_check": check.id, "out": len(items)},
    )


def latest_check(store: Store, station: Station) -> ClosingCheck | None:
    """The station's latest closing check (a read; `awaiting_check` judges it)."""
    m = store.m
    return (  # type: ignore[no-any-return]
        m.ClosingCheck.select()
        .where(m.ClosingCheck.station == station.id)
        .order_by(m.ClosingCheck.closed_at.desc(), m.ClosingCheck.id.desc())
        .first()
    )


def check_facts(check: ClosingCheck | None) -> rules.CheckFacts | None:
    if check is None:
        return None
    return rules.CheckFacts(check.closed_by_id, check.closed_at, check.checker_id is not None)


def awaiting_check(store: Store, station: Station) -> ClosingCheck | None:
    """The station's latest closing check if it still awaits a second badge within the window."""
    check = latest_check(store, station)
    window = timedelta(minutes=settings.get(store, "second_check_minutes"))
    return check if rules.awaits_second_check(check_facts(check), store.now(), window) else None


def second_check(store: Store, station: Station, person: Person, actor: str) -> Outcome | None:
    """A second person's badge after `close_safe`: records the check. None when no check awaits one
    (no recent close, already checked, or the window has passed): the badge is then an ordinary badge."""
    if awaiting_check(store, station) is None:  # the common case, every badge at every station: no lock
        return None
    m = store.m
    with store.writing():
        check = awaiting_check(store, station)
        if check is None:
            return None
        facts = check_facts(check)
        assert facts is not None
        decision = rules.decide_second_check(actions_core.person_facts(store, person), facts)
        if isinstance(decision, Refusal):
            return _refused(store, "second_check", decision, actor=actor, person=person, station=station)
        now = store.now()
        rec = ledger.append(
            store,
            "safe_checked",
            now,
            person=person.id,
            station=station.name,
            actor=actor,
            data={"closing_check": check.id, "closed_seq": check.event_seq},
        )
        m.ClosingCheck.update(checker=person.id, checked_at=now, check_seq=rec.seq).where(
            m.ClosingCheck.id == check.id
        ).execute()
        closer = m.Person.get_by_id(check.closed_by_id).name
    return Outcome(
        "command",
        Msg(
            "{person} checked the closing of {station} (closed by {closer})",
            {"person": person.name, "station": station.name, "closer": closer},
        ),
        person=person,
        seq=rec.seq,
        extra={"command": "second_check", "closing_check": check.id},
    )
