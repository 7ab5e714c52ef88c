"""Key events of a keyboard-wedge (USB HID) scanner in, scan codes out.

Pure: it reads only the fields of `evdev.InputEvent` (`type`, `code`,
`value`) and the time the driver passes in, so it is tested with synthetic
events and needs no evdev at import. Key codes are the Linux input ABI
(`linux/input-event-codes.h`). Only the US layout is built in.

A scan ends with Enter, keypad Enter or Tab. It is dropped, never posted in
part, when the kernel reports `SYN_DROPPED` (events were lost), when a key
arrives that the layout does not know or with Ctrl/Alt/Meta held, when it
grows past `max_length`, or when the scanner stops typing for `timeout`
seconds before the terminator (unless `timeout_ends_scan`, for scanners
configured without a suffix).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import Protocol

log = logging.getLogger(__name__)

EV_SYN, EV_KEY = 0x00, 0x01
SYN_REPORT, SYN_DROPPED = 0, 3
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2

KEY_TAB, KEY_ENTER, KEY_KPENTER = 15, 28, 96
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK, KEY_NUMLOCK = 42, 54, 58, 69
KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT = 29, 97, 56, 100
KEY_LEFTMETA, KEY_RIGHTMETA = 125, 126

SHIFT_KEYS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
OTHER_MODIFIERS = frozenset(
    {KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT, KEY_LEFTMETA, KEY_RIGHTMETA}
)
TERMINATORS = frozenset({KEY_ENTER, KEY_KPENTER, KEY_TAB})


def _row(first: int, plain: str, shifted: str) -> dict[int, tuple[str, str]]:
    return {first + i: (p, s) for i, (p, s) in enumerate(zip(plain, shifted, strict=True))}


# key code -> (unshifted, shifted) on a US keyboard
US_LAYOUT: dict[int, tuple[str, str]] = {
    **_row(2, "1234567890-=", "!@#$%^&*()_+"),  # KEY_1 .. KEY_EQUAL
    **_row(16, "qwertyuiop[]", "QWERTYUIOP{}"),  # KEY_Q .. KEY_RIGHTBRACE
    **_row(30, "asdfghjkl;'`", 'ASDFGHJKL:"~'),  # KEY_A .. KEY_GRAVE
    43: ("\\", "|"),  # KEY_BACKSLASH
    **_row(44, "zxcvbnm,./", "ZXCVBNM<>?"),  # KEY_Z .. KEY_SLASH
    57: (" ", " "),  # KEY_SPACE
    # keypad, as typed with NumLock on (scanners emulating a keypad assume it)
    55: ("*", "*"),
    74: ("-", "-"),
    78: ("+", "+"),
    98: ("/", "/"),
    83: (".", "."),
    **{
        code: (digit, digit)
        for code, digit in zip((82, 79, 80, 81, 75, 76, 77, 71, 72, 73), "0123456789", strict=True)
    },
}


class KeyEvent(Protocol):
    type: int
    code: int
    value: int


class HidDecoder:
    """Turns a stream of key events into scan codes (see the module docstring)."""

    def __init__(
        self,
        *,
        timeout: float = 0.3,
        max_length: int = 128,
        timeout_ends_scan: bool = False,
        layout: dict[int, tuple[str, str]] | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_length = max_length
        self.timeout_ends_scan = timeout_ends_scan
        self.layout = US_LAYOUT if layout is None else layout
        self.dropped: Counter[str] = Counter()
        self.needs_resync = False
        self._held: set[int] = set()
        self._caps = False
        self._chars: list[str] = []
        self._corrupt: str | None = None
        self._skip_to_report = False
        self._last: float | None = None

    def feed(self, event: KeyEvent, now: float) -> list[str]:
        """One event read at monotonic time `now`; returns the codes it completed."""
        codes = self.expire(now)
        if event.type == EV_SYN:
            if event.code == SYN_DROPPED:
                self._skip_to_report = True
                self.needs_resync = True
                self._mark("events_lost")
                self._last = now
            elif event.code == SYN_REPORT:
                self._skip_to_report = False
            return codes
        if self._skip_to_report or event.type != EV_KEY:
            return codes
        code, value = event.code, event.value
        if value == KEY_UP:
            self._held.discard(code)
            return codes
        self._last = now
        if value == KEY_REPEAT:
            self._mark("autorepeat")
            return codes
        if code in SHIFT_KEYS or code in OTHER_MODIFIERS:
            self._held.add(code)
        elif code == KEY_CAPSLOCK:
            self._caps = not self._caps
        elif code == KEY_NUMLOCK:
            pass
        elif code in TERMINATORS:
            codes.extend(self._finish())
        else:
            self._type(code)
        return codes

    def expire(self, now: float) -> list[str]:
        """Call when no event came for a while: ends a scan idle for `timeout` seconds."""
        if self._last is None or now - self._last < self.timeout:
            return []
        self._last = None
        if self._chars and self._corrupt is None and self.timeout_ends_scan:
            return self._finish()
        if self._chars or self._corrupt is not None:
            self._discard("partial" if self._corrupt is None else self._corrupt)
        return []

    def resync(self, held_keys: Iterable[int]) -> None:
        """After events were lost: take the modifier state from the device (`active_keys()`)."""
        self._held = set(held_keys) & (SHIFT_KEYS | OTHER_MODIFIERS)
        self.needs_resync = False

    def _type(self, code: int) -> None:
        if self._held & OTHER_MODIFIERS:
            self._mark("modifier")
            return
        pair = self.layout.get(code)
        if pair is None:
            self._mark("unknown_key")
            return
        plain, shifted = pair
        shift = bool(self._held & SHIFT_KEYS)
        if plain.isalpha() and self._caps:
            shift = not shift
        self._chars.append(shifted if shift else plain)
        if len(self._chars) > self.max_length:
            self._mark("overlong")
            self._chars.clear()

    def _mark(self, why: str) -> None:
        if self._corrupt is None:
            self._corrupt = why

    def _finish(self) -> list[str]:
        if self._corrupt is not None:
            self._discard(self._corrupt)
            return []
        text = "".join(self._chars).strip(" ")
        self._chars.clear()
        if not text:
            self.dropped["empty"] += 1
            return []
        return [text]

    def _discard(self, why: str) -> None:
        self.dropped[why] += 1
        log.info("dropped a keyboard scan: %s (%d so far)", why, self.dropped[why])
        log.debug("dropped keyboard scan text: %r", "".join(self._chars))
        self._chars.clear()
        self._corrupt = None
