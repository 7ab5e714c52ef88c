"""Serial scanners and RDM6300 readers through the real driver over real pty pairs."""

from __future__ import annotations

import os
import threading
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from core_support import wait_for

from devices.backoff import Backoff
from devices.framing import LineFramer, Rdm6300Framer, rdm6300_frame
from devices.serial_scanner import SerialScanner
from devices.station import RFID_REPEAT_WINDOW


class Pty:
    """A pseudo-terminal pair standing in for a scanner and its cable."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.open = True

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def read_back(self, size: int, timeout: float = 5.0) -> bytes:
        got = b""

        def more() -> bool:
            nonlocal got
            import select

            if select.select([self.master], [], [], 0.01)[0]:
                got += os.read(self.master, 1024)
            return len(got) >= size

        wait_for(more, timeout, "bytes written by the driver")
        return got

    def unplug(self) -> None:
        if self.open:
            os.close(self.master)
            os.close(self.slave)
            self.open = False


class Link:
    """A stable name (as udev makes /dev/custody/…) that can point at a new pty."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def point_to(self, pty: Pty) -> None:
        tmp = self.path.with_name(self.path.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(pty.path)
        os.replace(tmp, self.path)


class Running:
    def __init__(self, scanner: SerialScanner) -> None:
        self.scanner = scanner
        self.stop = threading.Event()
        self.thread = threading.Thread(target=scanner.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive()


@pytest.fixture
def ptys() -> Iterator[list[Pty]]:
    made: list[Pty] = []
    yield made
    for pty in made:
        pty.unplug()


def start(url: str, codes: list[str], statuses: list[str] | None = None, **kwargs) -> Running:
    kwargs.setdefault("framer_factory", LineFramer)
    scanner = SerialScanner(
        url,
        lambda code, device: codes.append(code),
        (lambda event, device: statuses.append(event)) if statuses is not None else None,
        backoff=Backoff(0.01, 0.05),
        read_timeout=0.05,
        **kwargs,
    )
    return Running(scanner)


def test_codes_arrive_in_order_through_a_pty(ptys: list[Pty]) -> None:
    pty = Pty()
    ptys.append(pty)
    codes: list[str] = []
    run = start(pty.path, codes)
    try:
        wait_for(run.scanner.connected.is_set, what="the port")
        expected = [f"{i:012d}" for i in range(200)]
        for code in expected:
            pty.send(code.encode() + b"\r")
        wait_for(lambda: len(codes) >= 200, what="200 codes")
        assert codes == expected
    finally:
        run.close()


def test_port_is_opened_exclusively(ptys: list[Pty]) -> None:
    pty = Pty()
    ptys.append(pty)
    run = start(pty.path, [])
    try:
        wait_for(run.scanner.connected.is_set, what="the port")
        with pytest.raises(serial.SerialException, match="exclusively"):
            serial.serial_for_url(pty.path, exclusive=True)
    finally:
        run.close()


def test_unplug_mid_frame_then_replug_under_the_same_name(tmp_path: Path, ptys: list[Pty]) -> None:
    """Guards against joining the half frame from before an unplug to bytes after it."""
    link = Link(tmp_path / "scanner-safe")
    first = Pty()
    ptys.append(first)
    link.point_to(first)
    codes: list[str] = []
    statuses: list[str] = []
    run = start(str(link.path), codes, statuses)
    try:
        wait_for(run.scanner.connected.is_set, what="the first port")
        first.send(b"A1\rHALF-FR")
        wait_for(lambda: codes == ["A1"], what="the first code")
        first.unplug()
        wait_for(lambda: statuses == ["connected", "disconnected"], what="the unplug")
        second = Pty()
        ptys.append(second)
        link.point_to(second)
        wait_for(lambda: statuses == ["connected", "disconnected", "connected"], what="the replug")
        second.send(b"AME\rB2\r")
        wait_for(lambda: "B2" in codes, what="the code after replugging")
        assert codes == ["A1", "AME", "B2"]  # never "HALF-FRAME"
    finally:
        run.close()
    assert statuses[-1] == "disconnected"


def test_missing_device_is_retried_until_it_appears(tmp_path: Path, ptys: list[Pty]) -> None:
    link = Link(tmp_path / "scanner-late")
    codes: list[str] = []
    run = start(str(link.path), codes)
    try:
        assert not run.scanner.connected.is_set()
        pty = Pty()
        ptys.append(pty)
        link.point_to(pty)
        wait_for(run.scanner.connected.is_set, what="the late port")
        pty.send(b"LATE\r")
        wait_for(lambda: codes == ["LATE"], what="the code")
    finally:
        run.close()


def test_beep_bytes_reach_the_scanner(tmp_path: Path, ptys: list[Pty]) -> None:
    absent = start(str(tmp_path / "unplugged"), [])
    try:
        assert not absent.scanner.write(b"\x1b7,")  # nothing to write to
    finally:
        absent.close()
    pty = Pty()
    ptys.append(pty)
    run = start(pty.path, [])
    try:
        wait_for(run.scanner.connected.is_set, what="the port")
        assert run.scanner.write(b"\x1b7,")
        assert pty.read_back(3) == b"\x1b7,"
    finally:
        run.close()


def test_noise_and_over_long_frames_are_not_posted(ptys: list[Pty]) -> None:
    pty = Pty()
    ptys.append(pty)
    codes: list[str] = []
    run = start(pty.path, codes, framer_factory=lambda: LineFramer(b"\r", max_length=16))
    try:
        wait_for(run.scanner.connected.is_set, what="the port")
        pty.send(bytes(range(256)) + b"\r" + b"9" * 100 + b"\rOK\r")
        wait_for(lambda: codes == ["OK"], what="the good code after garbage")
    finally:
        run.close()


def test_pyserial_urls_work(tmp_path: Path, ptys: list[Pty]) -> None:
    pty = Pty()
    ptys.append(pty)
    spy_log = tmp_path / "spy.txt"
    codes: list[str] = []
    run = start(f"spy://{pty.path}?file={spy_log}", codes)
    try:
        wait_for(run.scanner.connected.is_set, what="the spy port")
        pty.send(b"SPIED\r")
        wait_for(lambda: codes == ["SPIED"], what="the code through spy://")
    finally:
        run.close()
    spied = spy_log.read_text()
    assert "RX" in spied and "53" in spied and "50 49 45 44 0D" in spied

    looped: list[str] = []
    run = start("loop://", looped)
    try:
        wait_for(run.scanner.connected.is_set, what="loop://")
        assert run.scanner.write(b"LOOPED\r")
        wait_for(lambda: looped == ["LOOPED"], what="the code through loop://")
    finally:
        run.close()


def test_rdm6300_reader_counts_a_tag_once_per_presence(ptys: list[Pty]) -> None:
    pty = Pty()
    ptys.append(pty)
    now = [100.0]
    codes: list[str] = []
    run = start(
        pty.path,
        codes,
        framer_factory=Rdm6300Framer,
        repeat_window=RFID_REPEAT_WINDOW,
        clock=lambda: now[0],
    )
    try:
        wait_for(run.scanner.connected.is_set, what="the reader")
        frame = rdm6300_frame("010063E9AE")
        bad = bytearray(rdm6300_frame("0A0B0C0D0E"))
        bad[11] ^= 0x01
        pty.send(b"\x00\xff" + frame * 20 + bytes(bad) + frame[:6])
        wait_for(lambda: run.scanner.frames >= 20, what="20 frames")
        assert codes == ["010063E9AE"]
        now[0] += 2.0  # the tag was taken away and presented again
        pty.send(frame * 3)
        wait_for(lambda: run.scanner.frames >= 23, what="3 more frames")
        assert codes == ["010063E9AE", "010063E9AE"]
    finally:
        run.close()
