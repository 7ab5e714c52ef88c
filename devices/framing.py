"""Framing: the bytes a scanner sends in, scan codes out.

Pure: no I/O and no clock reads, so every rule here is tested with plain bytes.
A framer is fed whatever chunks the port delivers and returns the codes that
were completed; a frame that is not exactly right is dropped and counted in
`dropped`, never passed on in part.
"""

from __future__ import annotations

import logging
from collections import Counter

log = logging.getLogger(__name__)

TERMINATORS: dict[str, bytes] = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}
DEFAULT_MAX_LENGTH = 128


def _printable(data: bytes) -> bool:
    return all(0x20 <= b <= 0x7E for b in data)


class LineFramer:
    """Frames of a serial line scanner: `prefix + code + suffix + terminator`.

    A frame longer than `max_length` bytes (everything between two
    terminators) is dropped up to its terminator, so the tail of an over-long
    frame is never taken for a code. A stray CR or LF at the edge of a frame
    (a scanner sending CRLF to an agent set for CR) is tolerated; any other
    byte outside printable ASCII makes the frame noise. Spaces around the code
    are stripped; empty frames are skipped.
    """

    def __init__(
        self,
        terminator: bytes = b"\r",
        *,
        prefix: bytes = b"",
        suffix: bytes = b"",
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> None:
        if not terminator:
            raise ValueError("terminator must not be empty")
        if max_length < 1:
            raise ValueError("max_length must be positive")
        self.terminator = terminator
        self.prefix = prefix
        self.suffix = suffix
        self.max_length = max_length
        self.dropped: Counter[str] = Counter()
        self._buf = bytearray()
        self._skipping = False

    def feed(self, data: bytes) -> list[str]:
        """Add received bytes; return the codes completed by them, in order."""
        codes: list[str] = []
        self._buf += data
        term = self.terminator
        while True:
            end = self._buf.find(term)
            if end < 0:
                self._check_overlong()
                return codes
            segment = bytes(self._buf[:end])
            del self._buf[: end + len(term)]
            if self._skipping:
                self._skipping = False
                continue
            code = self.decode(segment)
            if code is not None:
                codes.append(code)

    def _check_overlong(self) -> None:
        keep = len(self.terminator) - 1  # a terminator may have begun to arrive
        if not self._skipping and len(self._buf) - keep > self.max_length:
            self._skipping = True
            self._drop("overlong", bytes(self._buf[:32]))
        if self._skipping and len(self._buf) > keep:
            del self._buf[: len(self._buf) - keep]

    def decode(self, segment: bytes) -> str | None:
        """The code in one complete frame (without its terminator), or None."""
        if len(segment) > self.max_length:
            self._drop("overlong", segment[:32])
            return None
        body = segment.strip(b"\r\n")
        if not body:
            self.dropped["empty"] += 1
            return None
        if self.prefix:
            if not body.startswith(self.prefix):
                self._drop("unframed", body)
                return None
            body = body[len(self.prefix) :]
        if self.suffix:
            if not body.endswith(self.suffix):
                self._drop("unframed", body)
                return None
            body = body[: len(body) - len(self.suffix)]
        body = body.strip(b" ")
        if not body:
            self.dropped["empty"] += 1
            return None
        if not _printable(body):
            self._drop("noise", body)
            return None
        return body.decode("ascii")

    def _drop(self, why: str, sample: bytes) -> None:
        self.dropped[why] += 1
        log.info("dropped a %s frame (%d so far)", why, self.dropped[why])
        log.debug("dropped frame bytes: %r", sample)


# --- RDM6300 / EM4100 -----------------------------------------------------

STX = 0x02
ETX = 0x03
_HEX = frozenset(b"0123456789ABCDEFabcdef")
RDM6300_FRAME_LENGTH = 14


def em4100_checksum(tag_hex: str) -> int:
    """XOR of the five data bytes of a 10-hex-digit EM4100 id."""
    checksum = 0
    for byte in bytes.fromhex(tag_hex):
        checksum ^= byte
    return checksum


def rdm6300_frame(tag_hex: str) -> bytes:
    """The 14 bytes an RDM6300 reader sends for a tag: STX, 10 hex, checksum, ETX."""
    tag = tag_hex.strip().upper()
    if len(tag) != 10 or any(ch not in "0123456789ABCDEF" for ch in tag):
        raise ValueError(f"an EM4100 id is 10 hex digits, not {tag_hex!r}")
    return bytes([STX]) + tag.encode("ascii") + b"%02X" % em4100_checksum(tag) + bytes([ETX])


class Rdm6300Framer:
    """Frames of a 125 kHz RDM6300-style reader: STX + 10 hex + 2 hex XOR checksum + ETX.

    Every STX starts a new frame (resynchronisation); a non-hex byte inside a
    frame, a missing ETX or a wrong checksum drops it. Codes are the 10 hex
    digits, upper-cased. Repeats of a tag held at the reader are not removed
    here; see `RepeatFilter`.
    """

    def __init__(self) -> None:
        self.dropped: Counter[str] = Counter()
        self._frame: bytearray | None = None

    def feed(self, data: bytes) -> list[str]:
        codes: list[str] = []
        for byte in data:
            if byte == STX:
                if self._frame:
                    self._drop("resync", bytes(self._frame))
                self._frame = bytearray()
                continue
            frame = self._frame
            if frame is None:
                self.dropped["noise"] += 1
                continue
            if len(frame) < 12:
                if byte in _HEX:
                    frame.append(byte)
                else:
                    self._drop("noise", bytes(frame) + bytes([byte]))
                    self._frame = None
                continue
            self._frame = None
            if byte != ETX:
                self._drop("noise", bytes(frame) + bytes([byte]))
                continue
            text = frame.decode("ascii").upper()
            tag, checksum = text[:10], int(text[10:], 16)
            if em4100_checksum(tag) != checksum:
                self._drop("bad_checksum", bytes(frame))
                continue
            codes.append(tag)
        return codes

    def _drop(self, why: str, sample: bytes) -> None:
        self.dropped[why] += 1
        log.info("dropped an RFID frame: %s (%d so far)", why, self.dropped[why])
        log.debug("dropped RFID frame bytes: %r", sample)


# --- repeats ---------------------------------------------------------------


class RepeatFilter:
    """Suppresses a code read again on the same device within `window` seconds.

    The window slides: it runs from the last read of that code, suppressed or
    not, so a label held under a scanner in continuous mode (or a tag lying on
    an RFID reader that repeats it every 50 ms) counts once for as long as it
    stays there, instead of once every `window` seconds — which would return an
    item right after checking it out. Suppressed reads are counted per device.
    """

    def __init__(self, window: float) -> None:
        if window < 0:
            raise ValueError("window must not be negative")
        self.window = window
        self.suppressed: Counter[str] = Counter()
        self._last: dict[tuple[str, str], float] = {}

    def accept(self, device: str, code: str, now: float) -> bool:
        """True when this read is new; False when it repeats a read within the window."""
        key = (device, code)
        last = self._last.get(key)
        self._last[key] = now
        if len(self._last) > 4096:
            self._forget(now)
        if last is not None and now - last < self.window:
            self.suppressed[device] += 1
            return False
        return True

    def _forget(self, now: float) -> None:
        self._last = {key: t for key, t in self._last.items() if now - t < self.window}
