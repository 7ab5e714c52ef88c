"""Closing time: the automatic sweep at each station's closing time, and the closing check sheet.

`run_due_sweeps` stores one sweep record per station and working day, taken
at the station's closing moment (from the tables if it runs exactly then,
else from the ledger as it stood then), and, for a safe not closed by closing
time plus the grace period, one more record at that moment. Running it again
stores nothing new. `ClosingScheduler` runs it in a thread of the service and
hands records that found something to the notifier; a failed notification
never loses the record.

The closing check: the custodian scans the close-safe command at the safe
(`close_safe`: who, when, what was out), and a second person may badge to
check it (`second_check`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from custody import settings
from custody.actions.core import Outcome
from custody.clock import Clock
from custody.closing.workdays import Calendar
from custody.errors import Refused
from custody.ledger import chain as ledger
from custody.messages import catalog as messages
from custody.models.closing import ClosingCheck, SweepRecord
from custody.models.core import Item, Person, Station, to_text
from custody.reports import sweep
from custody.reports.shapes import iso
from custody.store.core import Store

log = logging.getLogger(__name__)

CLOSERS = ("custodian", "leader")  # who may close a safe (P23)


def refuse(
    store: Store,
    action: str,
    reason: str,
    params: dict[str, Any],
    *,
    actor: str,
    station: str | None = None,
    person_id: int | None = None,
) -> Refused:
    """Record a refusal (P24) in its own transaction and return the error to raise."""
    with store.writing():
        ledger.append(
            "refused",
            store.now(),
            person=person_id,
            station=station,
            actor=actor,
            data={"action": action, "reason": reason, "params": {k: str(v) for k, v in params.items()}},
        )
    return Refused(messages.render(reason, "zh", **params), messages.render(reason, "en", **params), reason)


def _t(store: Store, zh: str, en: str) -> str:
    return en if store.lang == "en" else zh


# --- automatic sweeps -----------------------------------------------------------


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
    tz = ZoneInfo(settings.get(store, "timezone"))
    data = sweep.to_json(s, tz)
    findings = not s.clear
    try:
        with store.writing():
            if auto_key is not None and SweepRecord.select().where(SweepRecord.auto_key == auto_key).exists():
                return None
            now = store.now()
            rec = ledger.append(
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
            return SweepRecord.create(
                station=station,
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


def run_due_sweeps(
    store: Store, now: datetime | None = None, *, actor: str = "scheduler"
) -> list[SweepRecord]:
    """Store every sweep that is due today and not yet stored; returns the new records.

    On a working day, each station gets one `closing` record at its closing moment, and each safe
    not closed by closing time plus grace one `grace` record at that moment. Idempotent.
    """
    now = now or store.now()
    cal = Calendar.load(store)
    day = cal.local_day(now)
    if not cal.is_working_day(day):
        return []
    due: list[tuple[str, Station, datetime]] = []
    for st in Station.select().order_by(Station.name):
        closing = cal.closing_at(st.closing_time, day)
        if closing <= now:
            due.append(("closing", st, closing))
        if st.kind == "safe" and closing + cal.grace <= now:
            due.append(("grace", st, closing + cal.grace))
    keys = {f"{kind}:{st.id}:{day.isoformat()}" for kind, st, _ in due}
    done = {
        k for (k,) in SweepRecord.select(SweepRecord.auto_key).where(SweepRecord.auto_key.in_(keys)).tuples()
    }
    taken: dict[datetime, sweep.Sweep] = {}  # one sweep per moment, shared by the stations closing then
    created = []
    for kind, st, moment in due:
        key = f"{kind}:{st.id}:{day.isoformat()}"
        if key in done:
            continue
        if kind == "grace":
            unclosed = sweep.unclosed_safes(cal, moment, st.name)
            if not unclosed:  # closed in time: nothing to record
                continue
        if moment not in taken:
            taken[moment] = sweep.sweep(store, at=moment if moment < now else None)
        record = record_sweep(
            store,
            taken[moment].for_station(st.name),
            kind=kind,
            day=day,
            actor=actor,
            station=st,
            auto_key=key,
        )
        if record is not None:
            log.info("sweep recorded: %s %s %s, %s out", kind, st.name, day, record.outstanding)
            created.append(record)
    return created


class ClosingScheduler:
    """Runs `run_due_sweeps` every `interval` seconds in a thread, then hands records that found
    something to `deliver` (by default `custody.notify.deliver`), retrying pending ones each tick.

    `store_factory` is called once, in the thread (peewee keeps one connection per thread); it may
    return the service's own Store.
    """

    def __init__(
        self,
        store_factory: Callable[[], Store],
        clock: Clock,
        interval: float = 30.0,
        deliver: Callable[[Store, SweepRecord], object] | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.store_factory = store_factory
        self.clock = clock
        self.interval = interval
        self._deliver = deliver
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ticked = threading.Condition()
        self.ticks = 0
        self.last_error: BaseException | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the closing scheduler is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="closing-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_for_ticks(self, n: int, timeout: float) -> bool:
        """Block until at least `n` passes have completed (for tests and health checks)."""
        with self._ticked:
            return self._ticked.wait_for(lambda: self.ticks >= n, timeout)

    def tick(self, store: Store) -> list[SweepRecord]:
        """One pass: store the due sweeps, then send what awaits notification."""
        from custody.closing import notify

        records = run_due_sweeps(store, self.clock.now())
        deliver = self._deliver or notify.deliver
        for record in notify.awaiting(store):
            try:
                deliver(store, record)
            except Exception:  # a channel failing must not stop the scheduler; the record is kept
                log.exception("notification of sweep record %s failed", record.id)
        return records

    def _run(self) -> None:
        store = self.store_factory()
        try:
            while not self._stop.is_set():
                try:
                    self.tick(store)
                    self.last_error = None
                except Exception as exc:  # logged, retried next interval
                    self.last_error = exc
                    log.exception("closing scheduler pass failed")
                with self._ticked:
                    self.ticks += 1
                    self._ticked.notify_all()
                self._stop.wait(self.interval)
        finally:
            store.close()


# --- closing check ----------------------------------------------------------------


def _outstanding_at(station: Station) -> list[dict[str, Any]]:
    rows = (
        Item.select(Item.code, Item.title, Item.level, Item.since, Person.name)
        .join(Person, peewee.JOIN.LEFT_OUTER, on=(Item.holder == Person.id))
        .where((Item.home == station.id) & (Item.status.in_(sweep.OUTSTANDING_STATUSES)))
        .order_by(Item.since)
        .tuples()
    )
    return [
        {
            "code": code,
            "title": title,
            "level": level,
            "holder": holder or "",
            "since": to_text(since) if since else None,
        }
        for code, title, level, since, holder in rows
    ]


def close_safe(store: Store, station: Station, person: Person, actor: str) -> Outcome:
    """The close-safe command: record who closed the station, when, and what of it was out."""
    if person.role not in CLOSERS or not person.active:
        raise refuse(
            store,
            "close_safe",
            "close_safe_not_allowed",
            {"person": person.name, "station": station.name},
            actor=actor,
            station=station.name,
            person_id=person.id,
        )
    with store.writing():
        now = store.now()
        out = _outstanding_at(station)
        day = Calendar.load(store).local_day(now)
        rec = ledger.append(
            "safe_closed",
            now,
            person=person.id,
            station=station.name,
            actor=actor,
            data={"day": day.isoformat(), "outstanding": [o["code"] for o in out]},
        )
        check = ClosingCheck.create(
            station=station,
            day=day,
            closed_by=person,
            closed_at=now,
            out_count=len(out),
            outstanding=json.dumps(out, ensure_ascii=False),
            event_seq=rec.seq,
        )
    tz = ZoneInfo(settings.get(store, "timezone"))
    at = now.astimezone(tz).strftime("%H:%M")
    if out:
        listed = "、".join(f"{o['title']}（{o['code']}，{o['holder']}）" for o in out[:5])
        more = _t(store, f"等{len(out)}件", f" and {len(out) - 5} more") if len(out) > 5 else ""
        message = _t(
            store,
            f"{station.name}已关闭（{person.name}，{at}）；仍有{len(out)}件未归还：{listed}{more}",
            f"{station.name} closed by {person.name} at {at}; {len(out)} still out: {listed}{more}",
        )
    else:
        message = _t(
            store,
            f"{station.name}已关闭（{person.name}，{at}），物品全部在库",
            f"{station.name} closed by {person.name} at {at}; everything is in",
        )
    return Outcome(
        "command",
        message,
        person=person,
        seq=rec.seq,
        extra={"command": "close_safe", "closing_check": check.id, "out": len(out)},
    )


def awaiting_check(store: Store, station: Station) -> ClosingCheck | None:
    """The station's latest closing check if it still awaits a second badge within the window."""
    last = (
        ClosingCheck.select()
        .where(ClosingCheck.station == station)
        .order_by(ClosingCheck.closed_at.desc(), ClosingCheck.id.desc())
        .first()
    )
    if last is None or last.checker_id is not None:
        return None
    window = timedelta(minutes=settings.get(store, "second_check_minutes"))
    if store.now() - last.closed_at > window:
        return None
    return last


def second_check(store: Store, station: Station, person: Person, actor: str) -> Outcome | None:
    """A second person's badge after `close_safe`: records the check. None when no check awaits one
    (no recent close, already checked, or the window has passed): the badge is then an ordinary badge."""
    if awaiting_check(store, station) is None:  # the common case, every badge at every station: no lock
        return None
    with store.writing():
        check = awaiting_check(store, station)
        if check is None:
            return None
        reason = None
        if person.id == check.closed_by_id:
            reason = "second_check_same_person"
        elif not person.active:
            reason = "second_check_inactive"
        if reason is not None:
            params = {"person": person.name}
            rec = ledger.append(
                "refused",
                store.now(),
                person=person.id,
                station=station.name,
                actor=actor,
                data={"action": "second_check", "reason": reason, "params": params},
            )
            return Outcome(
                "refused", messages.render(reason, store.lang, **params), reason, person=person, seq=rec.seq
            )
        now = store.now()
        rec = ledger.append(
            "safe_checked",
            now,
            person=person.id,
            station=station.name,
            actor=actor,
            data={"closing_check": check.id, "closed_seq": check.event_seq},
        )
        ClosingCheck.update(checker=person, checked_at=now, check_seq=rec.seq).where(
            ClosingCheck.id == check.id
        ).execute()
    closer = Person.get_by_id(check.closed_by_id).name
    return Outcome(
        "command",
        _t(
            store,
            f"{person.name}已复核{station.name}的关柜（{closer}关闭）",
            f"{person.name} checked the closing of {station.name} (closed by {closer})",
        ),
        person=person,
        seq=rec.seq,
        extra={"command": "second_check", "closing_check": check.id},
    )


def closing_checks(date_from: date, date_to: date, station: Station | None = None) -> list[ClosingCheck]:
    q = ClosingCheck.select().where(ClosingCheck.day.between(date_from, date_to))
    if station is not None:
        q = q.where(ClosingCheck.station == station)
    return list(q.order_by(ClosingCheck.closed_at))


def check_json(c: ClosingCheck, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": c.id,
        "station": c.station.name,
        "day": c.day.isoformat(),
        "closed_by": c.closed_by.name,
        "closed_at": iso(c.closed_at, tz),
        "out_count": c.out_count,
        "outstanding": json.loads(c.outstanding),
        "checked_by": c.checker.name if c.checker_id else None,
        "checked_at": iso(c.checked_at, tz),
    }


def record_json(r: SweepRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "day": r.day.isoformat(),
        "station": r.station.name if r.station_id else None,
        "outstanding": r.outstanding,
        "unclosed": r.unclosed,
        "notify_status": r.notify_status,
        "notify_error": r.notify_error,
        "sweep": json.loads(r.data),
    }
