"""Keyboard-wedge scanners: the decoder with synthetic evdev events, the driver
with an in-memory device, and a real uinput device where /dev/uinput is writable."""

from __future__ import annotations

import errno
import os
import string
import threading
from collections import deque
from collections.abc import Iterator

import pytest
from core_support import wait_for
from hypothesis import given, settings
from hypothesis import strategies as st

evdev = pytest.importorskip("evdev")
from evdev import InputEvent, ecodes  # noqa: E402

from custody.errors import InvalidInput  # noqa: E402
from devices import keys  # noqa: E402
from devices.backoff import Backoff  # noqa: E402
from devices.hid_scanner import HidScanner  # noqa: E402
from devices.keys import HidDecoder  # noqa: E402
from devices.layouts import layout_named  # noqa: E402
from devices.profiles import parse_profile  # noqa: E402
from devices.station import HidOptions, hid_driver  # noqa: E402

# The US layout written out independently of devices.keys: char -> (key name, shift).
_US = {
    **{c: (f"KEY_{c.upper()}", False) for c in "abcdefghijklmnopqrstuvwxyz"},
    **{c: (f"KEY_{c}", True) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{c: (f"KEY_{c}", False) for c in "0123456789"},
    **dict(zip("!@#$%^&*()", [(f"KEY_{d}", True) for d in "1234567890"], strict=True)),
    "-": ("KEY_MINUS", False), "_": ("KEY_MINUS", True),
    "=": ("KEY_EQUAL", False), "+": ("KEY_EQUAL", True),
    "[": ("KEY_LEFTBRACE", False), "{": ("KEY_LEFTBRACE", True),
    "]": ("KEY_RIGHTBRACE", False), "}": ("KEY_RIGHTBRACE", True),
    "\\": ("KEY_BACKSLASH", False), "|": ("KEY_BACKSLASH", True),
    ";": ("KEY_SEMICOLON", False), ":": ("KEY_SEMICOLON", True),
    "'": ("KEY_APOSTROPHE", False), '"': ("KEY_APOSTROPHE", True),
    "`": ("KEY_GRAVE", False), "~": ("KEY_GRAVE", True),
    ",": ("KEY_COMMA", False), "<": ("KEY_COMMA", True),
    ".": ("KEY_DOT", False), ">": ("KEY_DOT", True),
    "/": ("KEY_SLASH", False), "?": ("KEY_SLASH", True),
    " ": ("KEY_SPACE", False),
}  # fmt: skip


def key(name: str, value: int) -> InputEvent:
    return InputEvent(0, 0, ecodes.EV_KEY, ecodes.ecodes[name], value)


def syn(code: int = 0) -> InputEvent:
    return InputEvent(0, 0, ecodes.EV_SYN, code, 0)


def press(name: str) -> list[InputEvent]:
    return [key(name, 1), syn(), key(name, 0), syn()]


# French AZERTY and German QWERTZ, written out from the keyboards: char -> (key name, level);
# level 0 plain, 1 Shift, 2 AltGr.
_FR = {
    **{c: (f"KEY_{c.upper()}", 0) for c in "bcdefghijklnoprstuvxy"},
    **{c: (f"KEY_{c}", 1) for c in "BCDEFGHIJKLNOPRSTUVXY"},
    "a": ("KEY_Q", 0), "A": ("KEY_Q", 1), "z": ("KEY_W", 0), "Z": ("KEY_W", 1),
    "q": ("KEY_A", 0), "Q": ("KEY_A", 1), "w": ("KEY_Z", 0), "W": ("KEY_Z", 1),
    "m": ("KEY_SEMICOLON", 0), "M": ("KEY_SEMICOLON", 1),
    **{c: (f"KEY_{c}", 1) for c in "0123456789"},
    "&": ("KEY_1", 0), '"': ("KEY_3", 0), "'": ("KEY_4", 0), "(": ("KEY_5", 0), "-": ("KEY_6", 0),
    "_": ("KEY_8", 0), ")": ("KEY_MINUS", 0), "=": ("KEY_EQUAL", 0), "+": ("KEY_EQUAL", 1),
    "$": ("KEY_RIGHTBRACE", 0), "%": ("KEY_APOSTROPHE", 1), "*": ("KEY_BACKSLASH", 0),
    ",": ("KEY_M", 0), "?": ("KEY_M", 1), ";": ("KEY_COMMA", 0), ".": ("KEY_COMMA", 1),
    ":": ("KEY_DOT", 0), "/": ("KEY_DOT", 1), "!": ("KEY_SLASH", 0),
    "<": ("KEY_102ND", 0), ">": ("KEY_102ND", 1), " ": ("KEY_SPACE", 0),
    "#": ("KEY_3", 2), "{": ("KEY_4", 2), "[": ("KEY_5", 2), "|": ("KEY_6", 2), "\\": ("KEY_8", 2),
    "^": ("KEY_9", 2), "@": ("KEY_0", 2), "]": ("KEY_MINUS", 2), "}": ("KEY_EQUAL", 2),
}  # fmt: skip
_DE = {
    **{c: (f"KEY_{c.upper()}", 0) for c in "abcdefghijklmnopqrstuvwx"},
    **{c: (f"KEY_{c}", 1) for c in "ABCDEFGHIJKLMNOPQRSTUVWX"},
    "y": ("KEY_Z", 0), "Y": ("KEY_Z", 1), "z": ("KEY_Y", 0), "Z": ("KEY_Y", 1),
    **{c: (f"KEY_{c}", 0) for c in "0123456789"},
    **dict(zip('!"$%&/()=', [(f"KEY_{d}", 1) for d in "124567890"], strict=True)),
    "?": ("KEY_MINUS", 1), "-": ("KEY_SLASH", 0), "_": ("KEY_SLASH", 1),
    ".": ("KEY_DOT", 0), ":": ("KEY_DOT", 1), ",": ("KEY_COMMA", 0), ";": ("KEY_COMMA", 1),
    "+": ("KEY_RIGHTBRACE", 0), "*": ("KEY_RIGHTBRACE", 1), "#": ("KEY_BACKSLASH", 0),
    "'": ("KEY_BACKSLASH", 1), "<": ("KEY_102ND", 0), ">": ("KEY_102ND", 1), " ": ("KEY_SPACE", 0),
    "@": ("KEY_Q", 2), "{": ("KEY_7", 2), "[": ("KEY_8", 2), "]": ("KEY_9", 2), "}": ("KEY_0", 2),
    "\\": ("KEY_MINUS", 2), "~": ("KEY_RIGHTBRACE", 2), "|": ("KEY_102ND", 2),
}  # fmt: skip
LEVEL_KEYS = {1: "KEY_LEFTSHIFT", 2: "KEY_RIGHTALT"}


def typed(text: str, end: str = "KEY_ENTER", table: dict[str, tuple[str, int]] = _US) -> list[InputEvent]:
    """The events a scanner set to the layout of `table` (US by default) sends for `text` and a terminator."""
    events: list[InputEvent] = []
    for ch in text:
        name, level = table[ch]
        if level:
            events += [key(LEVEL_KEYS[level], 1), syn()]
        events += press(name)
        if level:
            events += [key(LEVEL_KEYS[level], 0), syn()]
    return events + press(end)


def chord(modifier: str, name: str) -> list[InputEvent]:
    return [key(modifier, 1), syn(), *press(name), key(modifier, 0), syn()]


def decode(events: list[InputEvent], decoder: HidDecoder | None = None, now: float = 0.0) -> list[str]:
    decoder = decoder or HidDecoder()
    codes: list[str] = []
    for event in events:
        codes += decoder.feed(event, now)
    return codes


def test_key_codes_match_the_kernel_abi() -> None:
    for name in (
        "KEY_TAB", "KEY_ENTER", "KEY_KPENTER", "KEY_LEFTSHIFT", "KEY_RIGHTSHIFT", "KEY_CAPSLOCK",
        "KEY_NUMLOCK", "KEY_LEFTCTRL", "KEY_RIGHTCTRL", "KEY_LEFTALT", "KEY_RIGHTALT", "KEY_LEFTMETA",
        "KEY_RIGHTMETA",
    ):  # fmt: skip
        assert getattr(keys, name) == ecodes.ecodes[name], name
    assert (keys.EV_SYN, keys.EV_KEY, keys.SYN_DROPPED) == (ecodes.EV_SYN, ecodes.EV_KEY, ecodes.SYN_DROPPED)
    for ch, (name, shift) in _US.items():
        assert keys.US_LAYOUT[ecodes.ecodes[name]][1 if shift else 0] == ch
    for digit in "0123456789":
        assert keys.US_LAYOUT[ecodes.ecodes[f"KEY_KP{digit}"]] == (digit, digit)


def test_badge_with_shift_and_punctuation() -> None:
    assert decode(typed("Zhang-3/A{x}")) == ["Zhang-3/A{x}"]


def test_each_terminator_ends_a_scan() -> None:
    events = typed("A1", "KEY_ENTER") + typed("B2", "KEY_KPENTER") + typed("C3", "KEY_TAB")
    assert decode(events) == ["A1", "B2", "C3"]


def test_caps_lock_inverts_letters_only() -> None:
    events = press("KEY_CAPSLOCK") + typed("ab1") + [key("KEY_RIGHTSHIFT", 1)] + press("KEY_A")
    events += [key("KEY_RIGHTSHIFT", 0)] + press("KEY_CAPSLOCK") + typed("c")
    assert decode(events) == ["AB1", "ac"]


def test_keypad_digits() -> None:
    events = [e for d in "4711" for e in press(f"KEY_KP{d}")] + press("KEY_KPENTER")
    assert decode(events) == ["4711"]


def test_syn_dropped_marks_the_scan_corrupt_and_the_next_one_reads() -> None:
    """Guards against posting a partial code after the kernel dropped key events."""
    decoder = HidDecoder()
    first = typed("123456789012")
    events = first[:10] + [syn(ecodes.SYN_DROPPED)] + first[14:] + typed("ok")
    assert decode(events, decoder) == ["ok"]
    assert decoder.dropped["events_lost"] == 1


def test_events_until_the_next_report_after_syn_dropped_are_ignored() -> None:
    decoder = HidDecoder()
    events = [syn(ecodes.SYN_DROPPED), key("KEY_ENTER", 1), key("KEY_ENTER", 0), syn()] + typed("A")
    assert decode(events, decoder) == []  # the dropped scan swallows the next terminator it meets
    assert decode(typed("B"), decoder) == ["B"]
    assert decoder.needs_resync


def test_resync_takes_the_shift_state_from_the_device() -> None:
    decoder = HidDecoder()
    decode([key("KEY_LEFTSHIFT", 1), syn(ecodes.SYN_DROPPED), syn()], decoder)
    decoder.resync([])  # the shift was released while events were lost
    assert not decoder.needs_resync
    assert decode(press("KEY_ENTER") + press("KEY_A") + press("KEY_ENTER"), decoder) == ["a"]


def test_inactivity_drops_a_partial_scan() -> None:
    decoder = HidDecoder(timeout=0.3)
    assert decode(typed("12345")[:-4], decoder, now=10.0) == []
    assert decoder.expire(10.2) == []
    assert decoder.expire(10.4) == []
    assert decoder.dropped["partial"] == 1
    assert decode(typed("678"), decoder, now=11.0) == ["678"]


def test_a_pause_between_keys_splits_and_drops() -> None:
    decoder = HidDecoder(timeout=0.3)
    assert decode(press("KEY_1"), decoder, now=1.0) == []
    assert decode(press("KEY_2") + press("KEY_ENTER"), decoder, now=2.0) == ["2"]
    assert decoder.dropped["partial"] == 1


def test_timeout_can_end_a_scan_for_scanners_without_a_suffix() -> None:
    decoder = HidDecoder(timeout=0.3, timeout_ends_scan=True)
    decode(typed("0006547886")[:-4], decoder, now=5.0)
    assert decoder.expire(5.5) == ["0006547886"]


@pytest.mark.parametrize(
    "events, why",
    [
        ([key("KEY_LEFTCTRL", 1)] + press("KEY_RIGHTBRACE") + [key("KEY_LEFTCTRL", 0)], "modifier"),
        (press("KEY_F1"), "unknown_key"),
        (press("KEY_BACKSPACE"), "unknown_key"),
        ([key("KEY_A", 1), key("KEY_A", 2), key("KEY_A", 0)], "autorepeat"),
    ],
)
def test_unexpected_keys_drop_the_scan(events: list[InputEvent], why: str) -> None:
    decoder = HidDecoder()
    assert decode(press("KEY_1") + events + press("KEY_2") + press("KEY_ENTER"), decoder) == []
    assert decoder.dropped[why] == 1


def test_over_long_scan_is_dropped() -> None:
    decoder = HidDecoder(max_length=8)
    assert decode(typed("123456789") + typed("12345678"), decoder) == ["12345678"]
    assert decoder.dropped["overlong"] == 1


# --- keyboard layouts (issue 17) -------------------------------------------------------


def test_azerty_and_qwertz_scanners_are_read_in_their_layout() -> None:
    """Guards against an AZERTY scanner's `348432582588` arriving as `#$*$#@%*@%**`, and a
    QWERTZ scanner's `CMD-END` as `CMD/END`, when the decoder knows only the US layout."""
    assert decode(typed("348432582588", table=_FR)) == ["#$*$#@%*@%**"]  # what the US decoder made of it
    assert decode(typed("348432582588", table=_FR), HidDecoder(layout=layout_named("fr"))) == ["348432582588"]
    assert decode(typed("CMD-END", table=_DE)) == ["CMD/END"]
    assert decode(typed("CMD-END", table=_DE), HidDecoder(layout=layout_named("de"))) == ["CMD-END"]
    assert decode(typed("B-1024@Zy", table=_DE), HidDecoder(layout=layout_named("de"))) == ["B-1024@Zy"]


@pytest.mark.parametrize("name, table", [("us", _US), ("fr", _FR), ("de", _DE)])
def test_every_layout_covers_codes_badges_and_the_keyboard(name: str, table: dict) -> None:
    layout = layout_named(name.upper())
    assert layout.name == name
    must = string.ascii_letters + string.digits + "-_./:+*#@$%=() "
    assert set(must) <= set(table)
    decoder = HidDecoder(layout=layout)
    assert decode(typed(must.strip(), table=table), decoder) == [must.strip()]
    for ch, (key_name, level) in table.items():
        code = ecodes.ecodes[key_name]
        got = layout.altgr.get(code) if level == 2 else layout.keys[code][level]
        assert got == ch, (name, key_name, level)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["fr", "de"]), st.data())
def test_any_text_round_trips_in_azerty_and_qwertz(name: str, data: st.DataObject) -> None:
    table = {"fr": _FR, "de": _DE}[name]
    text = data.draw(st.text(alphabet="".join(sorted(table)), min_size=1, max_size=40))
    expected = [text.strip(" ")] if text.strip(" ") else []
    assert decode(typed(text, table=table), HidDecoder(layout=layout_named(name))) == expected


def test_an_unknown_layout_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(InvalidInput) as err:
        layout_named("uk")
    assert "uk" in err.value.message("en") and "us, fr, de" in err.value.message("en")
    assert "uk" in err.value.message("zh")


def test_a_profile_may_name_the_layout_and_a_bad_one_is_refused() -> None:
    assert parse_profile("x", {"model": "m", "layout": "fr"}).layout == "fr"
    assert parse_profile("x", {"model": "m"}).layout == ""
    with pytest.raises(InvalidInput, match="azerty2"):
        parse_profile("x", {"model": "m", "layout": "azerty2"})


def test_the_hid_driver_builds_its_decoder_with_layout_prefix_and_suffix() -> None:
    make = hid_driver("/dev/custody/hid-x", HidOptions(layout="de", prefix="]C0", suffix="!"))
    scanner = make(lambda code, device: None, lambda event, device: None)
    decoder = scanner.decoder_factory()
    assert decode(typed("]C0CMD-END!", table=_DE), decoder) == ["CMD-END"]


# --- prefixes and suffixes (issue 17) ----------------------------------------------------


def test_an_aim_prefix_is_stripped_from_keyboard_scans() -> None:
    """Guards against a keyboard-wedge scanner's `]C0…` codes posted as is and answered "unknown"."""
    decoder = HidDecoder(prefix="]C0")
    assert decode(typed("]C0123456789012") + typed("123456789012"), decoder) == ["123456789012"]
    assert decoder.dropped["unframed"] == 1  # a code without the prefix is dropped, as the serial framer does
    decoder = HidDecoder(prefix="]C0", suffix="#")
    assert decode(typed("]C0B001#") + typed("]C0#"), decoder) == ["B001"]
    assert decoder.dropped["empty"] == 1


# --- control keys after the terminator (issue 17) ------------------------------------------


def test_a_ctrl_j_after_the_terminator_does_not_spoil_the_next_scan() -> None:
    """Guards against CR LF sent as Enter + Ctrl+J marking the next code corrupt when it
    follows within the inactivity timeout (0.15 s after the last one here)."""
    decoder = HidDecoder(timeout=0.3)
    first = typed("123456789012") + chord("KEY_LEFTCTRL", "KEY_J")
    second = typed("B001") + chord("KEY_RIGHTCTRL", "KEY_J")
    assert decode(first, decoder, now=1.0) == ["123456789012"]
    assert decode(second, decoder, now=1.15) == ["B001"]
    assert decoder.dropped == {}


def test_ctrl_m_and_ctrl_j_end_a_scan_and_other_chords_between_scans_are_ignored() -> None:
    decoder = HidDecoder(layout=layout_named("fr"))  # Ctrl+M is the key that types m: ; on a US keyboard
    events = typed("A1", table=_FR)[:-4] + chord("KEY_LEFTCTRL", "KEY_SEMICOLON")
    events += chord("KEY_LEFTCTRL", "KEY_C") + chord("KEY_LEFTALT", "KEY_X") + typed("B2", table=_FR)
    events += typed("C3", table=_FR)[:-4] + chord("KEY_LEFTCTRL", "KEY_J")
    assert decode(events, decoder) == ["A1", "B2", "C3"]
    assert decoder.dropped == {}
    inside = HidDecoder()  # a chord inside a code still drops it
    assert decode(press("KEY_1") + chord("KEY_LEFTCTRL", "KEY_C") + typed("2"), inside) == []
    assert inside.dropped["modifier"] == 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="".join(_US), min_size=1, max_size=60))
def test_any_us_text_round_trips(text: str) -> None:
    expected = [text.strip(" ")] if text.strip(" ") else []
    assert decode(typed(text)) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([ecodes.EV_KEY, ecodes.EV_SYN, ecodes.EV_MSC]),
            st.integers(0, 130),
            st.integers(-1, 3),
            st.floats(0, 0.5),
        ),
        max_size=200,
    )
)
def test_random_events_never_raise_and_yield_only_clean_codes(
    events: list[tuple[int, int, int, float]],
) -> None:
    decoder = HidDecoder(max_length=20)
    now = 0.0
    codes: list[str] = []
    for type_, code, value, gap in events:
        now += gap
        codes += decoder.feed(InputEvent(0, 0, type_, code, value), now)
    codes += decoder.expire(now + 10)
    for text in codes:
        assert 0 < len(text) <= 20 and text.isascii() and text.isprintable()


# --- the driver, with an in-memory device ------------------------------------------


class MemoryInputDevice:
    """Exactly the part of evdev.InputDevice that HidScanner uses, over a pipe."""

    def __init__(self) -> None:
        self.fd, self._w = os.pipe()
        self._queue: deque[InputEvent] = deque()
        self._lock = threading.Lock()
        self.gone = False
        self.grabbed = False
        self.calls: list[str] = []
        self.held: list[int] = []

    def push(self, events: list[InputEvent]) -> None:
        with self._lock:
            self._queue.extend(events)
        os.write(self._w, b".")

    def unplug(self) -> None:
        self.gone = True
        os.write(self._w, b".")

    def read(self) -> Iterator[InputEvent]:
        if self.gone:
            raise OSError(errno.ENODEV, "No such device")
        os.read(self.fd, 4096)
        with self._lock:
            events = list(self._queue)
            self._queue.clear()
        return iter(events)

    def grab(self) -> None:
        self.calls.append("grab")
        self.grabbed = True

    def ungrab(self) -> None:
        self.calls.append("ungrab")
        if self.gone:
            raise OSError(errno.ENODEV, "No such device")
        self.grabbed = False

    def active_keys(self) -> list[int]:
        self.calls.append("active_keys")
        return list(self.held)

    def close(self) -> None:
        self.calls.append("close")
        os.close(self.fd)
        os.close(self._w)


class Plug:
    """Hands out devices as a replugged scanner would: one per plug-in, none between."""

    def __init__(self) -> None:
        self.present: MemoryInputDevice | None = None
        self.opened: list[MemoryInputDevice] = []

    def plug_in(self) -> MemoryInputDevice:
        self.present = MemoryInputDevice()
        return self.present

    def __call__(self, path: str) -> MemoryInputDevice:
        device = self.present
        if device is None or device.gone:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        self.opened.append(device)
        return device


@pytest.fixture
def scanner_run() -> Iterator[tuple[HidScanner, Plug, list[str], list[str]]]:
    plug = Plug()
    codes: list[str] = []
    statuses: list[str] = []
    scanner = HidScanner(
        "/dev/custody/hid-test",
        lambda code, device: codes.append(code),
        lambda event, device: statuses.append(event),
        open_device=plug,
        backoff=Backoff(0.01, 0.05),
        poll=0.01,
    )
    stop = threading.Event()
    thread = threading.Thread(target=scanner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield scanner, plug, codes, statuses
    finally:
        stop.set()
        thread.join(5)
        assert not thread.is_alive()


def test_driver_grabs_reads_and_ungrabs_on_unplug_then_reconnects(scanner_run) -> None:
    scanner, plug, codes, statuses = scanner_run
    first = plug.plug_in()
    wait_for(lambda: scanner.connected.is_set(), what="first connection")
    assert first.calls == ["grab"]
    first.push(typed("123456789012"))
    wait_for(lambda: codes == ["123456789012"], what="the first code")
    first.push(typed("PARTIAL")[:6])
    first.unplug()
    wait_for(lambda: statuses == ["connected", "disconnected"], what="disconnected")
    wait_for(lambda: "close" in first.calls, what="close")
    assert first.calls[-2:] == ["ungrab", "close"]
    second = plug.plug_in()
    wait_for(lambda: statuses == ["connected", "disconnected", "connected"], what="reconnection")
    second.push(typed("B2"))
    wait_for(lambda: codes == ["123456789012", "B2"], what="the code after replugging")
    assert second.grabbed


def test_driver_resyncs_modifiers_after_lost_events(scanner_run) -> None:
    scanner, plug, codes, statuses = scanner_run
    device = plug.plug_in()
    wait_for(lambda: scanner.connected.is_set(), what="connection")
    device.push([syn(ecodes.SYN_DROPPED), syn()])
    wait_for(lambda: "active_keys" in device.calls, what="resync")
    device.push(typed("x") + typed("Y"))
    wait_for(lambda: codes == ["Y"], what="the code after the lost scan")


def test_driver_ungrabs_when_stopped() -> None:
    plug = Plug()
    device = plug.plug_in()
    scanner = HidScanner("/dev/x", lambda c, d: None, open_device=plug, poll=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=scanner.run, args=(stop,), daemon=True)
    thread.start()
    wait_for(lambda: scanner.connected.is_set(), what="connection")
    stop.set()
    thread.join(5)
    assert device.calls == ["grab", "ungrab", "close"] and not device.grabbed


# --- a real kernel device --------------------------------------------------------------


def _uinput_writable() -> bool:
    return os.path.exists("/dev/uinput") and os.access("/dev/uinput", os.W_OK)


@pytest.mark.skipif(not _uinput_writable(), reason="/dev/uinput is not writable here")
def test_uinput_scanner_is_grabbed_and_decoded() -> None:
    from evdev import UInput

    names = sorted({name for name, _ in _US.values()} | {"KEY_LEFTSHIFT", "KEY_ENTER"})
    with UInput({ecodes.EV_KEY: [ecodes.ecodes[n] for n in names]}, name="custody-test-scanner") as ui:
        codes: list[str] = []
        scanner = HidScanner(ui.device.path, lambda code, device: codes.append(code), poll=0.01)
        stop = threading.Event()
        thread = threading.Thread(target=scanner.run, args=(stop,), daemon=True)
        thread.start()
        try:
            wait_for(lambda: scanner.connected.is_set(), what="the uinput device")
            for event in typed("Custody-42"):
                ui.write(event.type, event.code, event.value)
            wait_for(lambda: codes == ["Custody-42"], what="the typed code")
        finally:
            stop.set()
            thread.join(5)
