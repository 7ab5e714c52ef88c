"""The keyboard-wedge read loop: an evdev device in, decoded codes out.

The device is grabbed for as long as it is open, so its keystrokes reach no
desktop, terminal or other program; the grab is released in `finally`. When
the scanner is unplugged the loop reports `disconnected` and reopens the same
path (a stable `/dev/custody/…` link) with backoff. python-evdev is Linux-only
and an optional extra, imported only when this driver opens a device.
"""

from __future__ import annotations

import errno
import logging
import select
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from devices.backoff import Backoff
from devices.keys import EV_SYN, SYN_DROPPED, HidDecoder, KeyEvent
from devices.serial_scanner import OnCode, OnStatus

log = logging.getLogger(__name__)


class InputDevice(Protocol):
    """The part of `evdev.InputDevice` this driver uses."""

    fd: int

    def read(self) -> Iterable[KeyEvent]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def active_keys(self) -> list[int]: ...
    def close(self) -> None: ...


def open_evdev(path: str) -> InputDevice:
    try:
        import evdev
    except ImportError as exc:  # pragma: no cover - depends on the platform
        raise OSError(errno.ENOSYS, "python-evdev is not installed (pip install 'custody[evdev]')") from exc
    return evdev.InputDevice(path)


class HidScanner:
    """Reads one keyboard-wedge scanner until `stop` is set."""

    def __init__(
        self,
        path: str,
        on_code: OnCode,
        on_status: OnStatus | None = None,
        *,
        decoder_factory: Callable[[], HidDecoder] = HidDecoder,
        open_device: Callable[[str], InputDevice] = open_evdev,
        grab: bool = True,
        backoff: Backoff | None = None,
        poll: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.on_code = on_code
        self.on_status = on_status or (lambda event, device: None)
        self.decoder_factory = decoder_factory
        self.open_device = open_device
        self.grab = grab
        self.backoff = backoff or Backoff(0.5, 10.0)
        self.poll = poll
        self.clock = clock
        self.frames = 0
        self.connected = threading.Event()

    def run(self, stop: threading.Event) -> None:
        complained = False
        while not stop.is_set():
            try:
                device = self.open_device(self.path)
            except OSError as exc:
                if not complained:
                    log.warning("cannot open scanner %s: %s; retrying", self.path, exc)
                    complained = True
                stop.wait(self.backoff.next())
                continue
            lost = True
            try:
                lost = self._grabbed(device, stop)
                complained = False
            except OSError as exc:
                if exc.errno == errno.EBUSY:
                    log.error("scanner %s is grabbed by another program (a second agent?)", self.path)
                elif not complained:
                    log.warning("scanner %s: %s", self.path, exc)
                complained = True
            finally:
                device.close()
            if lost:
                stop.wait(self.backoff.next())

    def _grabbed(self, device: InputDevice, stop: threading.Event) -> bool:
        if self.grab:
            device.grab()
        try:
            self.backoff.reset()
            return self._serve(device, stop)
        finally:
            if self.grab:
                try:
                    device.ungrab()
                except OSError:
                    pass  # the device is gone; so is the grab

    def _serve(self, device: InputDevice, stop: threading.Event) -> bool:
        """Read until stopped (False) or the device fails (True)."""
        decoder = self.decoder_factory()
        log.info("scanner %s connected", self.path)
        self.connected.set()
        self.on_status("connected", self.path)
        try:
            while not stop.is_set():
                ready, _, _ = select.select([device.fd], [], [], self.poll)
                now = self.clock()
                codes = decoder.expire(now)
                if ready:
                    try:
                        events = list(device.read())
                    except BlockingIOError:
                        events = []
                    for event in events:
                        if event.type == EV_SYN and event.code == SYN_DROPPED:
                            log.warning("scanner %s: key events were lost; the scan is dropped", self.path)
                        else:
                            log.debug(
                                "key event from %s: %s %s %s", self.path, event.type, event.code, event.value
                            )
                        codes.extend(decoder.feed(event, now))
                    if decoder.needs_resync:
                        decoder.resync(device.active_keys())
                for code in codes:
                    self.on_code(code, self.path)
                    self.frames += 1
        except OSError as exc:
            log.warning("scanner %s disconnected: %s", self.path, exc)
            return True
        else:
            log.info("scanner %s closed", self.path)
            return False
        finally:
            self.connected.clear()
            self.on_status("disconnected", self.path)
