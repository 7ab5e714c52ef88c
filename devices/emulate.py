"""An emulated serial scanner: a pseudo-terminal pair the real driver reads.

The agent opens the slave side exactly as it opens `/dev/ttyACM0`; the
emulator writes each code into the master side framed like a real device (a
line scanner's terminator, or an RDM6300's 14-byte frame sent a few times, as
a tag lying on the reader is). Whatever the agent writes back (beeps) is read
and logged, as a scanner would swallow it.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import tty
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from custody.errors import CustodyError, InvalidInput
from custody.messages import Msg
from devices.backoff import Backoff
from devices.framing import DEFAULT_MAX_LENGTH, rdm6300_frame
from devices.station import (
    RFID_REPEAT_WINDOW,
    SerialOptions,
    StationAgent,
    rdm6300_driver,
    serial_driver,
)

log = logging.getLogger(__name__)

RFID_REPEATS = 3  # frames per tag presentation


class EmulatedScanner:
    """A pty pair; `path` is the slave device the agent opens."""

    def __init__(
        self, *, terminator: bytes = b"\r", rfid: bool = False, prefix: bytes = b"", suffix: bytes = b""
    ) -> None:
        self.terminator = terminator
        self.rfid = rfid
        self.prefix = prefix
        self.suffix = suffix
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR→LF: bytes pass as a cable passes them
        self.path = os.ttyname(self._slave)
        self.received = bytearray()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._drain, name="custody-emulated-scanner", daemon=True)
        self._reader.start()

    def frame(self, code: str) -> bytes:
        """The bytes a real device sends for `code`."""
        if self.rfid:
            return rdm6300_frame(code) * RFID_REPEATS
        return self.prefix + code.encode("ascii") + self.suffix + self.terminator

    def frames_for(self, code: str) -> int:
        """How many frames `scan(code)` sends (what the driver's `frames` counts)."""
        return RFID_REPEATS if self.rfid else 1

    def scan(self, code: str) -> None:
        data = self.frame(code)
        log.debug("emulated scanner sends %r", data)
        view = memoryview(data)
        while view:
            written = os.write(self._master, view)
            view = view[written:]

    def _drain(self) -> None:
        while not self._closing.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self._master, 1024)
            except OSError:
                return
            log.debug("emulated scanner got %r", data)
            self.received += data

    def close(self) -> None:
        self._closing.set()
        self._reader.join()
        os.close(self._master)
        os.close(self._slave)

    def __enter__(self) -> EmulatedScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Step:
    """One line of input: a code to scan, or a pause in seconds."""

    code: str = ""
    pause: float = 0.0


def parse_script(lines: Iterable[str]) -> Iterator[Step]:
    """Codes, one a line; `#pause 1.5` waits; other `#` lines and blank lines are skipped."""
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            words = line[1:].split()
            if words and words[0] == "pause":
                try:
                    seconds = float(words[1]) if len(words) == 2 else -1.0
                except ValueError:
                    seconds = -1.0
                if seconds < 0:
                    raise InvalidInput(
                        "line {number}: a pause is written '#pause SECONDS', e.g. #pause 1.5", number=number
                    )
                yield Step(pause=seconds)
            continue
        yield Step(code=line)


def check_code(code: str, *, rfid: bool) -> Msg | None:
    """Why `code` cannot be sent by the emulated device, or None if it can."""
    if rfid:
        try:
            rdm6300_frame(code)
        except ValueError:
            return Msg("an RFID tag id is 10 hex digits (e.g. 010063E9AE), not {code!r}", {"code": code})
        return None
    if not code.isascii() or not code.isprintable():
        return Msg("a scanner sends printable ASCII only, not {code!r}", {"code": code})
    if len(code) > DEFAULT_MAX_LENGTH:
        return Msg(
            "a code longer than {max} characters does not fit a scanner's frame", {"max": DEFAULT_MAX_LENGTH}
        )
    return None


def wait_for(condition: Callable[[], bool], timeout: float, poll: float = 0.02) -> bool:
    """Poll `condition` until it is true or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True


class _TagPresentations:
    """When each RFID tag was last on the emulated reader, so a tag scanned again is
    first lifted off for longer than the reader's repeat window (as a hand does)."""

    def __init__(self, consumed: Callable[[], bool]) -> None:
        self.consumed = consumed
        self.seen: dict[str, float] = {}
        self.pending: set[str] = set()

    def before(self, tag: str) -> None:
        if tag not in self.seen and tag not in self.pending:
            return
        wait_for(self.consumed, 10.0)
        now = time.monotonic()
        self.seen.update(dict.fromkeys(self.pending, now))
        self.pending.clear()
        left = self.seen[tag] + RFID_REPEAT_WINDOW + 0.05 - now
        if left > 0:
            time.sleep(left)  # the tag is off the reader this long: part of the emulated presentation

    def presented(self, tag: str) -> None:
        self.pending.add(tag)


def run_emulation(
    steps: Iterable[Step],
    *,
    server: str,
    token: str,
    spool_path: Path,
    out: IO[str],
    err: IO[str],
    rfid: bool = False,
    terminator: bytes = b"\r",
    prefix: bytes = b"",
    suffix: bytes = b"",
    dedup_window: float = 0.0,
    backoff: Backoff | None = None,
    lang: str = "zh",
    connect_timeout: float = 10.0,
    settle_timeout: float = 30.0,
    wall_clock: Callable[[], str] | None = None,
    answer_lang: str | None = None,
    ca: str | None = None,
) -> int:
    """Scan each step's code through a pty and the real serial driver and agent.

    Each step is a deliberate scan: nothing is suppressed as a repeat unless
    `dedup_window` is above 0 (the agent's filter for real scanners). An RFID
    tag scanned twice in a row is presented twice, as if lifted off the reader
    and put back, so the reader's own repeat filter does not merge them.
    Outcome lines go to `out` as they are answered. Returns how many scans
    were still undelivered after `settle_timeout` seconds at the end. `wall_clock` gives each
    scan's `scanned_at` (default: the system clock; `custody demo --replay` passes its day's clock);
    `answer_lang` asks the service for its answers in that language (`--lang`), else its setting.
    """
    with EmulatedScanner(terminator=terminator, rfid=rfid, prefix=prefix, suffix=suffix) as scanner:
        if rfid:
            make = rdm6300_driver(scanner.path)
        else:
            options = SerialOptions(terminator=terminator, prefix=prefix, suffix=suffix)
            make = serial_driver(scanner.path, options)
        station = StationAgent(
            make_driver=make,
            spool_path=spool_path,
            server=server,
            token=token,
            out=out,
            err=err,
            dedup_window=dedup_window,
            backoff=backoff,
            lang=lang,
            wall_clock=wall_clock,
            answer_lang=answer_lang,
            ca=ca,
        )
        station.start()
        try:
            driver = station.driver
            if not driver.connected.wait(connect_timeout):
                raise CustodyError("the emulated scanner could not be opened")
            sent = 0
            tags = _TagPresentations(lambda: driver.frames >= sent)
            for step in steps:
                if step.pause:
                    time.sleep(step.pause)  # a scripted pause, part of the script's timing
                    continue
                problem = check_code(step.code, rfid=rfid)
                if problem:
                    print(problem.render(lang), file=err, flush=True)
                    continue
                if rfid:
                    tags.before(step.code.upper())
                    tags.presented(step.code.upper())
                scanner.scan(step.code)
                sent += scanner.frames_for(step.code)
            wait_for(lambda: driver.frames >= sent, settle_timeout)
            station.agent.wait_idle(settle_timeout)
        finally:
            left = station.stop(drain=min(settle_timeout, 2.0))
    return left
