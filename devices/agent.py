"""The agent: every scan spooled first, then delivered in order, never lost.

Drivers call `scan()` and `device_event()`; both commit to the spool before
returning. One sender thread posts the oldest pending row, waits out network
errors and 5xx answers with backoff (the same row again, so order holds),
and settles the row on a 2xx (delivered) or a 4xx (rejected, with why). A
scan whose answer was lost is sent again with the same `scan_id`; the
service answers it as a duplicate and records nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Protocol

from custody.messages import Msg
from devices.backoff import Backoff
from devices.client import DELIVERED, REJECTED, RETRY, Answer
from devices.framing import RepeatFilter
from devices.spool import EVENT, SCAN, Entry, Spool

log = logging.getLogger(__name__)

OUTCOMES = ("badge", "approved", "checked_out", "returned", "command", "inventory_seen", "refused", "unknown")
GOOD_OUTCOMES = frozenset({"badge", "approved", "checked_out", "returned", "command", "inventory_seen"})


def now_iso() -> str:
    """The wall-clock time, ISO 8601 with offset, to the millisecond."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


class Deliverer(Protocol):
    def deliver(self, entry: Entry) -> Answer: ...


@dataclass(frozen=True)
class Result:
    """How a spooled row was settled. For scans `outcome` is the service's
    outcome word, or `rejected`."""

    entry: Entry
    verdict: str
    outcome: str
    message: str
    status: int | None
    duplicate: bool = False

    @property
    def good(self) -> bool:
        return self.verdict == DELIVERED and self.outcome in GOOD_OUTCOMES

    def line(self) -> str:
        """The console line: the outcome word, then the message."""
        return f"{self.outcome} {self.message}".rstrip()


class Agent:
    def __init__(
        self,
        spool: Spool,
        client: Deliverer,
        *,
        on_result: Callable[[Result], None] | None = None,
        on_suppressed: Callable[[str, str, int], None] | None = None,
        backoff: Backoff | None = None,
        dedup_window: float = 2.0,
        lang: str = "zh",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], str] = now_iso,
        idle_poll: float = 1.0,
    ) -> None:
        self.spool = spool
        self.client = client
        self.on_result = on_result or (lambda result: None)
        self.on_suppressed = on_suppressed or (lambda code, device, count: None)
        self.backoff = backoff or Backoff(0.5, 30.0)
        self.dedup = RepeatFilter(dedup_window)
        self.lang = lang
        self.clock = clock
        self.wall_clock = wall_clock
        self.idle_poll = idle_poll
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._settled = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # --- input: called by drivers, from their threads ----------------------

    def scan(self, code: str, device: str) -> Entry | None:
        """Spool one read; None when it repeats the same code within the dedup window."""
        with self._lock:
            fresh = self.dedup.accept(device, code, self.clock())
        if not fresh:
            log.info(
                "repeated read of %s from %s within %.1fs suppressed (%d from this device)",
                code,
                device,
                self.dedup.window,
                self.dedup.suppressed[device],
            )
            self.on_suppressed(code, device, self.dedup.suppressed[device])
            return None
        entry = self.spool.add_scan(code, device, self.wall_clock())
        self._wake.set()
        return entry

    def device_event(self, event: str, device: str) -> Entry:
        """Spool a device connected/disconnected event for the service."""
        entry = self.spool.add_event(event, device, self.wall_clock())
        self._wake.set()
        return entry

    # --- the sender --------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run, args=(self._stop,), name="custody-sender", daemon=True
        )
        self._thread.start()

    def stop(self, drain: float = 0.0) -> None:
        """Stop the sender, first giving pending rows up to `drain` seconds to go out."""
        if drain > 0:
            self.wait_idle(drain)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._settled:
            while self.spool.pending_count():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._settled.wait(min(left, 0.5))
        return True

    def run(self, stop: threading.Event) -> None:
        """Deliver pending rows in order until `stop` is set."""
        while not stop.is_set():
            self._wake.clear()
            entry = self.spool.next_pending()
            if entry is None:
                self._wake.wait(self.idle_poll)
                continue
            answer = self.client.deliver(entry)
            if answer.verdict == RETRY:
                self.spool.note_attempt(entry.seq)
                delay = self.backoff.next()
                self._log_retry(entry, answer, delay)
                stop.wait(delay)
                continue
            if self.backoff.failures:
                log.info("the service answers again after %d failed attempts", self.backoff.failures)
            self.backoff.reset()
            self._settle(entry, answer)

    def _log_retry(self, entry: Entry, answer: Answer, delay: float) -> None:
        """Warn on the first failure of an outage and every tenth after it; the rest at DEBUG."""
        failures = self.backoff.failures
        level = logging.WARNING if failures == 1 or failures % 10 == 0 else logging.DEBUG
        if answer.status in (401, 403):
            level = logging.ERROR if level == logging.WARNING else level
            why = f"HTTP {answer.status}: the service refuses this station's token; check --token"
        else:
            why = answer.reason or f"HTTP {answer.status}"
        pending = self.spool.pending_count()
        log.log(
            level,
            "%s #%d not delivered (%s); %d pending, attempt %d, next in %.2fs",
            entry.kind,
            entry.seq,
            why,
            pending,
            failures,
            delay,
        )

    def _settle(self, entry: Entry, answer: Answer) -> None:
        result = self._result(entry, answer)
        self.spool.finish(
            entry.seq, answer.verdict, status=answer.status, outcome=result.outcome, message=result.message
        )
        with self._settled:
            self._settled.notify_all()
        if entry.kind == SCAN:
            log.info("scan #%d %s: %s %s", entry.seq, entry.code, result.outcome, result.message)
        elif answer.verdict == DELIVERED:
            log.info("reported %s %s to the service", entry.event, entry.device)
        else:
            log.info(
                "the service did not take the %s event (%s %s)", entry.event, answer.status, answer.reason
            )
        try:
            self.on_result(result)
        except Exception:  # feedback must never stop delivery
            log.exception("station feedback failed for #%d", entry.seq)

    def _result(self, entry: Entry, answer: Answer) -> Result:
        if entry.kind == EVENT:
            return Result(entry, answer.verdict, entry.event or "", answer.reason, answer.status)
        if answer.verdict == REJECTED:
            why = Msg(
                "the service rejected this scan (HTTP {http_status}): {reason}",
                {"http_status": answer.status, "reason": answer.reason or "?"},
            )
            message = why.render(self.lang)
            return Result(entry, REJECTED, "rejected", message, answer.status)
        outcome = answer.body.get("outcome")
        if outcome not in OUTCOMES:
            message = Msg("the service took the scan but its answer carries no outcome").render(self.lang)
            return Result(entry, DELIVERED, "unknown", message, answer.status)
        message = str(answer.body.get("message") or "")
        return Result(entry, DELIVERED, outcome, message, answer.status, bool(answer.body.get("duplicate")))


class ConsoleFeedback:
    """Prints each settled scan as one line on the station's console (`out`),
    and each suppressed repeat as a notice on `err`."""

    def __init__(self, out: IO[str], err: IO[str] | None = None, lang: str = "zh") -> None:
        self.out = out
        self.err = err or out
        self.lang = lang
        self._lock = threading.Lock()

    def __call__(self, result: Result) -> None:
        if result.entry.kind != SCAN:
            return
        with self._lock:
            print(result.line(), file=self.out, flush=True)

    def suppressed(self, code: str, device: str, count: int) -> None:
        with self._lock:
            notice = Msg(
                "repeated read of {code} ignored ({count} from this device)", {"code": code, "count": count}
            )
            print(notice.render(self.lang), file=self.err, flush=True)


class BeepFeedback:
    """Sends the profile's good-read or error bytes to a serial scanner."""

    def __init__(self, write: Callable[[bytes], bool], good: bytes, error: bytes) -> None:
        self.write = write
        self.good = good
        self.error = error

    def __call__(self, result: Result) -> None:
        if result.entry.kind != SCAN:
            return
        self.write(self.good if result.good else self.error)


def fan_out(*callbacks: Callable[[Result], None]) -> Callable[[Result], None]:
    def call_all(result: Result) -> None:
        for callback in callbacks:
            callback(result)

    return call_all
