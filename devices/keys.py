"""Key events of a keyboard-wedge (USB HID) scanner in, scan codes out.

Pure: it reads only the fields of `evdev.InputEvent` (`type`, `code`,
`value`) and the time the driver passes in, so it is tested with synthetic
events and needs no evdev at import. Key codes are the Linux input ABI
(`linux/input-event-codes.h`); the keyboard layout (US, French AZERTY,
German QWERTZ) is one of `devices.layouts`.

A scan ends with Enter, keypad Enter, Tab, Ctrl+M (CR) or Ctrl+J (LF). A
scanner that ends codes with CR LF types Enter then Ctrl+J: the second
terminator ends nothing, and a control chord between two scans is ignored,
so it never spoils the next code. A scan is dropped, never posted in part,
when the kernel reports `SYN_DROPPED` (events were lost), when a key arrives
that the layout does not know or with Ctrl/Alt/Meta held inside the code,
when it grows past `max_length`, when it lacks the configured `prefix` or
`suffix` (which are stripped, as the serial framer strips them), or when the scanner stops typing for
`timeout` seconds before the terminator (unless `timeout_ends_scan`, for
scanners configured without a suffix).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from devices.layouts import US, Layout

log = logging.getLogger(__name__)

EV_SYN, EV_KEY = 0x00, 0x01
SYN_REPORT, SYN_DROPPED = 0, 3
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2

KEY_TAB, KEY_ENTER, KEY_KPENTER = 15, 28, 96
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK, KEY_NUMLOCK = 42, 54, 58, 69
KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT = 29, 97, 56, 100
KEY_LEFTMETA, KEY_RIGHTMETA = 125, 126

SHIFT_KEYS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
CTRL_KEYS = frozenset({KEY_LEFTCTRL, KEY_RIGHTCTRL})
OTHER_MODIFIERS = frozenset(
    {KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT, KEY_LEFTMETA, KEY_RIGHTMETA}
)
TERMINATORS = frozenset({KEY_ENTER, KEY_KPENTER, KEY_TAB})


US_LAYOUT: dict[int, tuple[str, str]] = US.keys  # key code -> (unshifted, shifted) on a US keyboard
CONTROL_TERMINATORS = ("j", "m")  # Ctrl+J is LF, Ctrl+M is CR: how a keyboard-wedge scanner types them


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
        layout: Layout | dict[int, tuple[str, str]] | None = None,
        prefix: str = "",
        suffix: str = "",
    ) -> None:
        self.timeout = timeout
        self.prefix = prefix
        self.suffix = suffix
        self.max_length = max_length
        self.timeout_ends_scan = timeout_ends_scan
        if layout is None:
            layout = US
        elif not isinstance(layout, Layout):
            layout = Layout("custom", "custom", dict(layout))
        self.layout = layout
        self._control_terminators = {
            key for key in map(layout.letter_key, CONTROL_TERMINATORS) if key is not None
        }
        self.dropped: Counter[str] = Counter()
        self.needs_resync = False
        self._held: set[int] = set()
        self._caps = False
        self._chars: list[str] = []
        self._corrupt: str | None = None
        self._skip_to_report = False
        self._last: float | None = None
        self._ended = False  # the last key ended a scan: a second terminator (CR LF) ends nothing

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
            codes.extend(self._type(code))
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

    def _type(self, code: int) -> list[str]:
        chord = self._held & OTHER_MODIFIERS
        altgr = chord == {KEY_RIGHTALT} and bool(self.layout.altgr)
        if chord and not altgr:
            return self._chord(code)
        if altgr:
            char = self.layout.altgr.get(code, "")
        else:
            plain, shifted = self.layout.keys.get(code, ("", ""))
            shift = bool(self._held & SHIFT_KEYS)
            if plain.isalpha() and self._caps:
                shift = not shift
            char = shifted if shift else plain
        if not char:
            self._mark("unknown_key")
            return []
        self._ended = False
        self._chars.append(char)
        if len(self._chars) > self.max_length:
            self._mark("overlong")
            self._chars.clear()
        return []

    def _chord(self, code: int) -> list[str]:
        """A key pressed with Ctrl, Alt or Meta: CR or LF ends the scan; between scans it is ignored."""
        if self._held & CTRL_KEYS and code in self._control_terminators:
            return self._finish()
        if self._chars or self._corrupt is not None:
            self._mark("modifier")
        else:
            log.debug("control chord %s between scans ignored", code)
        return []

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
            if not self._ended:
                self.dropped["empty"] += 1
            self._ended = True
            return []
        self._ended = True
        return self._unframe(text)

    def _unframe(self, text: str) -> list[str]:
        """The code inside the configured prefix and suffix (an AIM identifier `]C0`, say)."""
        if not (text.startswith(self.prefix) and text.endswith(self.suffix)):
            self.dropped["unframed"] += 1
            log.info(
                "dropped a keyboard scan without the configured prefix/suffix (%d so far)",
                self.dropped["unframed"],
            )
            log.debug("unframed keyboard scan text: %r", text)
            return []
        code = text[len(self.prefix) : len(text) - len(self.suffix)].strip(" ")
        if not code:
            self.dropped["empty"] += 1
            return []
        return [code]

    def _discard(self, why: str) -> None:
        self.dropped[why] += 1
        log.info("dropped a keyboard scan: %s (%d so far)", why, self.dropped[why])
        log.debug("dropped keyboard scan text: %r", "".join(self._chars))
        self._chars.clear()
        self._corrupt = None
