"""Closing time: the automatic sweep at each station's closing time, and the closing check sheet.

`run_due_sweeps` stores one sweep record per station and working day, taken
at the station's closing moment (from the tables if it runs exactly then,
else from the ledger as it stood then), and, for a safe not closed by closing
time plus the grace period, one more record at that moment. Running it again
stores nothing new. `ClosingScheduler` runs it in a thread of the service and
hands records that found something to the notifier; a failed notification
never loses the record. Each pass also tells the custodian of top-secret loans past their reading
limit (P11, `custody.closing.reading_limit`), once per loan.

The closing check: the custodian scans the close-safe command at the safe
(`close_safe`: who, when, what was out), and a second person may badge to
check it (`second_check`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from custody.actions.closing import record_sweep
from custody.clock import Clock
from custody.closing.workdays import Calendar
from custody.models.closing import ClosingCheck, SweepRecord
from custody.models.core import Station
from custody.reports import sweep
from custody.reports.shapes import iso
from custody.store.core import Store

log = logging.getLogger(__name__)


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
    m = store.m
    due: list[tuple[str, Station, datetime]] = []
    for st in m.Station.select().order_by(m.Station.name):
        closing = cal.closing_at(st.closing_time, day)
        if closing <= now:
            due.append(("closing", st, closing))
        if st.kind == "safe" and closing + cal.grace <= now:
            due.append(("grace", st, closing + cal.grace))
    keys = {f"{kind}:{st.id}:{day.isoformat()}" for kind, st, _ in due}
    done = {
        k
        for (k,) in m.SweepRecord.select(m.SweepRecord.auto_key)
        .where(m.SweepRecord.auto_key.in_(keys))
        .tuples()
    }
    taken: dict[datetime, sweep.Sweep] = {}  # one sweep per moment, shared by the stations closing then
    created = []
    for kind, st, moment in due:
        key = f"{kind}:{st.id}:{day.isoformat()}"
        if key in done:
            continue
        if kind == "grace":
            unclosed = sweep.unclosed_safes(store, cal, moment, st.name)
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
    """Runs `run_due_sweeps` every `interval` seconds (at most 60: the reading limit is checked
    each minute) in a thread, then hands records that found something to `deliver` (by default
    `custody.notify.deliver`), retrying pending ones each tick, and sends the reading-limit
    notifications (P11).

    `store_factory` is called once, in the thread (peewee keeps one connection per thread); it may
    return the service's own Store.
    """

    def __init__(
        self,
        store_factory: Callable[[], Store],
        clock: Clock,
        interval: float = 30.0,
        deliver: Callable[[Store, SweepRecord], object] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.store_factory = store_factory
        self.clock = clock
        self.interval = interval
        self._deliver = deliver
        self._sleep = sleep  # the pause between a channel's retries
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
        """One pass: store the due sweeps, then send what awaits notification, then tell the
        custodian of top-secret loans past their reading limit (P11, once per loan)."""
        from custody.closing import notify, reading_limit

        now = self.clock.now()
        records = run_due_sweeps(store, now)
        deliver = self._deliver or notify.deliver
        for record in notify.awaiting(store):
            try:
                deliver(store, record)
            except Exception:  # a channel failing must not stop the scheduler; the record is kept
                log.exception("notification of sweep record %s failed", record.id)
        try:
            reading_limit.notify_reading_limits(store, now, sleep=self._sleep)
        except Exception:  # logged; the next pass tries again (nothing was recorded)
            log.exception("reading-limit notifications failed")
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


# --- closing check (the writes are custody.actions.closing's) ---------------------------------


def closing_checks(
    store: Store, date_from: date, date_to: date, station: Station | None = None
) -> list[ClosingCheck]:
    m = store.m
    q = m.ClosingCheck.select().where(m.ClosingCheck.day.between(date_from, date_to))
    if station is not None:
        q = q.where(m.ClosingCheck.station == station.id)
    return list(q.order_by(m.ClosingCheck.closed_at))


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
