"""The serial read loop: a port (path or pyserial URL) in, framed codes out.

Line scanners (USB CDC, USB-serial, RS-232) and RDM6300 RFID readers both
come through here; they differ only in the framer. The port is opened with an
exclusive lock so two agents cannot share it; when it goes away (unplugged,
`EIO` on a pty) the loop reports `disconnected`, drops any half frame, and
reopens the same path with backoff until it is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import serial

from devices.backoff import Backoff
from devices.framing import RepeatFilter

log = logging.getLogger(__name__)

OnCode = Callable[[str, str], None]  # (code, device)
OnStatus = Callable[[str, str], None]  # ("connected" | "disconnected", device)


class Framer(Protocol):
    def feed(self, data: bytes) -> list[str]: ...


class SerialScanner:
    """Reads one serial scanner or reader until `stop` is set.

    `framer_factory` makes a fresh framer for every connection, so bytes from
    before an unplug never join bytes after it. `repeat_window` (seconds)
    suppresses a code the device repeats by itself — an RFID reader sends a
    tag about every 50 ms while it lies there. `frames` counts codes framed
    (before that suppression), for callers that wait until input is consumed.
    """

    def __init__(
        self,
        url: str,
        on_code: OnCode,
        on_status: OnStatus | None = None,
        *,
        framer_factory: Callable[[], Framer],
        baudrate: int = 9600,
        repeat_window: float = 0.0,
        backoff: Backoff | None = None,
        read_timeout: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.on_code = on_code
        self.on_status = on_status or (lambda event, device: None)
        self.framer_factory = framer_factory
        self.baudrate = baudrate
        self.repeats = RepeatFilter(repeat_window)
        self.backoff = backoff or Backoff(0.5, 10.0)
        self.read_timeout = read_timeout
        self.clock = clock
        self.frames = 0
        self.connected = threading.Event()
        self._port: serial.SerialBase | None = None
        self._write_lock = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        """Open, read, reopen after failures; returns when `stop` is set."""
        complained = False
        while not stop.is_set():
            try:
                port = serial.serial_for_url(
                    self.url,
                    baudrate=self.baudrate,
                    bytesize=serial.EIGHTBITS,
                    parity=serial.PARITY_NONE,
                    stopbits=serial.STOPBITS_ONE,
                    timeout=self.read_timeout,
                    exclusive=True,
                )
            except (serial.SerialException, OSError, ValueError) as exc:
                if not complained:
                    log.warning("cannot open scanner %s: %s; retrying", self.url, exc)
                    complained = True
                stop.wait(self.backoff.next())
                continue
            complained = False
            self.backoff.reset()
            try:
                lost = self._serve(port, stop)
            finally:
                with self._write_lock:
                    self._port = None
                port.close()
            if lost:
                stop.wait(self.backoff.next())

    def _serve(self, port: serial.SerialBase, stop: threading.Event) -> bool:
        """Read until stopped (False) or the port fails (True)."""
        framer = self.framer_factory()
        with self._write_lock:
            self._port = port
        log.info("scanner %s connected", self.url)
        self.connected.set()
        self.on_status("connected", self.url)
        try:
            while not stop.is_set():
                data = port.read(max(1, port.in_waiting))
                if not data:
                    continue
                log.debug("bytes from %s: %r", self.url, data)
                for code in framer.feed(data):
                    if self.repeats.accept(self.url, code, self.clock()):
                        self.on_code(code, self.url)
                    else:
                        log.debug("repeat of %s from %s suppressed", code, self.url)
                    self.frames += 1
        except (serial.SerialException, OSError) as exc:
            log.warning("scanner %s disconnected: %s", self.url, exc)
            return True
        else:
            log.info("scanner %s closed", self.url)
            return False
        finally:
            self.connected.clear()
            self.on_status("disconnected", self.url)

    def write(self, data: bytes) -> bool:
        """Send a command (a beep) to the scanner if it is connected; False otherwise."""
        if not data:
            return False
        with self._write_lock:
            port = self._port
            if port is None:
                return False
            try:
                port.write(data)
            except (serial.SerialException, OSError) as exc:
                log.warning("cannot write to scanner %s: %s", self.url, exc)
                return False
        log.debug("bytes to %s: %r", self.url, data)
        return True
