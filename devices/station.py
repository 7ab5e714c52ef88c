"""A running station agent: one scanner driver feeding one spool and one sender.

This is what `custody agent` and `custody emulate` start; the commands only
parse options and print. The driver runs in its own thread and hands codes
and connected/disconnected events to the `Agent`, which spools and delivers
them; each settled scan is printed and, where the scanner's profile knows
how, answered with a beep.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from devices.agent import Agent, BeepFeedback, ConsoleFeedback, Result, fan_out
from devices.backoff import Backoff
from devices.client import ServiceClient
from devices.framing import DEFAULT_MAX_LENGTH, LineFramer, Rdm6300Framer
from devices.hid_scanner import HidScanner
from devices.keys import HidDecoder
from devices.layouts import DEFAULT_LAYOUT, layout_named
from devices.profiles import DEFAULT, load_profile
from devices.serial_scanner import OnCode, OnStatus, SerialScanner
from devices.spool import SCAN, Spool

log = logging.getLogger(__name__)

RFID_REPEAT_WINDOW = 0.5  # an RDM6300 repeats a tag about every 50 ms while it is there


class Driver(Protocol):
    connected: threading.Event
    frames: int

    def run(self, stop: threading.Event) -> None: ...


@dataclass(frozen=True)
class SerialOptions:
    baudrate: int = 9600
    terminator: bytes = b"\r"
    prefix: bytes = b""
    suffix: bytes = b""
    max_length: int = DEFAULT_MAX_LENGTH
    profile: str = DEFAULT


@dataclass(frozen=True)
class HidOptions:
    timeout: float = 0.3
    max_length: int = DEFAULT_MAX_LENGTH
    timeout_ends_scan: bool = False
    layout: str = DEFAULT_LAYOUT
    prefix: str = ""  # stripped from each code, as the serial framer strips its prefix
    suffix: str = ""


DriverFactory = Callable[[OnCode, OnStatus], Driver]


def serial_driver(url: str, options: SerialOptions = SerialOptions()) -> DriverFactory:
    def make(on_code: OnCode, on_status: OnStatus) -> Driver:
        return SerialScanner(
            url,
            on_code,
            on_status,
            framer_factory=lambda: LineFramer(
                options.terminator,
                prefix=options.prefix,
                suffix=options.suffix,
                max_length=options.max_length,
            ),
            baudrate=options.baudrate,
        )

    return make


def rdm6300_driver(url: str, baudrate: int = 9600) -> DriverFactory:
    def make(on_code: OnCode, on_status: OnStatus) -> Driver:
        return SerialScanner(
            url,
            on_code,
            on_status,
            framer_factory=Rdm6300Framer,
            baudrate=baudrate,
            repeat_window=RFID_REPEAT_WINDOW,
        )

    return make


def hid_driver(path: str, options: HidOptions = HidOptions()) -> DriverFactory:
    layout = layout_named(options.layout)

    def make(on_code: OnCode, on_status: OnStatus) -> Driver:
        return HidScanner(
            path,
            on_code,
            on_status,
            decoder_factory=lambda: HidDecoder(
                timeout=options.timeout,
                max_length=options.max_length,
                timeout_ends_scan=options.timeout_ends_scan,
                layout=layout,
                prefix=options.prefix,
                suffix=options.suffix,
            ),
        )

    return make


class StationAgent:
    """Spool + client + agent + driver thread, started and stopped together."""

    def __init__(
        self,
        *,
        make_driver: DriverFactory,
        spool_path: Path,
        server: str,
        token: str,
        out: IO[str],
        err: IO[str] | None = None,
        profile: str = DEFAULT,
        dedup_window: float = 2.0,
        backoff: Backoff | None = None,
        lang: str = "zh",
        wall_clock: Callable[[], str] | None = None,
        answer_lang: str | None = None,
        ca: str | None = None,
    ) -> None:
        beep = load_profile(profile)
        self.spool = Spool(spool_path)
        try:
            self.spool.prune()
            self.agent = Agent(
                self.spool,
                ServiceClient(server, token, lang=answer_lang, ca=ca),
                backoff=backoff,
                dedup_window=dedup_window,
                lang=lang,
                **({"wall_clock": wall_clock} if wall_clock is not None else {}),
            )
            self.driver = make_driver(self.agent.scan, self.agent.device_event)
        except BaseException:
            self.spool.close()
            raise
        console = ConsoleFeedback(out, err, lang)
        self.agent.on_suppressed = console.suppressed
        callbacks: list[Callable[[Result], None]] = [console]
        write = getattr(self.driver, "write", None)
        if write is not None and (beep.good or beep.error):
            callbacks.append(BeepFeedback(write, beep.good, beep.error))
        self.agent.on_result = fan_out(*callbacks)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self.driver.run, args=(self._stop,), name="custody-driver", daemon=True
        )

    def start(self) -> None:
        pending = self.spool.pending_count()
        if pending:
            log.info("%d spooled rows from before are sent first", pending)
        self.agent.start()
        self._thread.start()

    def stop(self, drain: float = 2.0) -> int:
        """Stop reading, give pending rows `drain` seconds to go out, stop.

        Returns how many scans are still pending (they stay in the spool and
        go out first when an agent runs on it again)."""
        self._stop.set()
        self._thread.join()
        self.agent.stop(drain=drain)
        left = self.spool.pending_count(SCAN)
        self.spool.close()
        if left:
            log.warning(
                "%d scans stay in the spool %s and are sent when the agent runs again", left, self.spool.path
            )
        return left

    def __enter__(self) -> StationAgent:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
