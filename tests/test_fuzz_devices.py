"""The device framers and the HID decoder under hypothesis (issue 16, bad input): arbitrary byte
streams and key-event streams never raise, never post a partial code (a code comes out only whole,
when its terminator arrives, however the stream is chunked), and valid codes survive a round trip
through every framing (serial line with each terminator, prefix and suffix; RDM6300 / EM4100; a
keyboard-wedge scanner on each layout). ~200 examples per test by default; the slow run takes
2,000. Each test prints how many examples it ran."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices import keys
from devices.framing import (
    DEFAULT_MAX_LENGTH,
    TERMINATORS,
    LineFramer,
    Rdm6300Framer,
    em4100_checksum,
    rdm6300_frame,
)
from devices.keys import HidDecoder
from devices.layouts import LAYOUTS, Layout

DEFAULT, SLOW = 200, 2000  # the slow run: 6 properties × 2,000 in about 160 s here
RUNS = [DEFAULT, pytest.param(SLOW, marks=pytest.mark.slow)]
PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


RAN: Counter[str] = Counter()  # examples each property has run


def counted(prop: Callable[..., None]) -> Callable[..., None]:
    """Count the examples a property runs (under @given, which reads the signature through wraps)."""

    @functools.wraps(prop)
    def inner(*args: Any, **kwargs: Any) -> None:
        RAN[prop.__name__] += 1
        prop(*args, **kwargs)

    return inner


def run(prop: Callable[..., None], examples: int, label: str) -> None:
    """Run the @given property `prop` for up to `examples` examples and print how many ran."""
    name = prop.hypothesis.inner_test.__name__  # type: ignore[attr-defined]
    before = RAN[name]
    settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(prop)()
    ran = RAN[name] - before
    print(f"\n{label}: {ran} examples")
    assert ran >= examples // 2  # hypothesis may stop early only when it has run out of inputs


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    """`data` split at the (sorted, in range) positions `cuts`."""
    points = sorted({c % (len(data) + 1) for c in cuts}) if data else []
    pieces, start = [], 0
    for p in points:
        pieces.append(data[start:p])
        start = p
    pieces.append(data[start:])
    return pieces


def feed_all(framer: Any, pieces: list[bytes]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        out.extend(framer.feed(piece))
    return out


# --- the serial line framer ----------------------------------------------------------------------

terminators = st.sampled_from(sorted(TERMINATORS.values()))
frame_marks = st.sampled_from([b"", b"]C0", b"<", b"STX:"])
streams = st.lists(
    st.one_of(
        st.binary(max_size=40),
        st.sampled_from([b"\r", b"\n", b"\r\n", b" ", b"]C0", b"\x00", b"\xff", b"A" * 150]),
    ),
    max_size=30,
).map(b"".join)
cuts = st.lists(st.integers(min_value=0, max_value=10_000), max_size=12)


@given(data=streams, where=cuts, term=terminators, prefix=frame_marks, suffix=frame_marks)
@counted
def _line_framer_any_bytes(data: bytes, where: list[int], term: bytes, prefix: bytes, suffix: bytes) -> None:
    def framer() -> LineFramer:
        return LineFramer(term, prefix=prefix, suffix=suffix, max_length=64)

    whole = framer().feed(data)
    assert feed_all(framer(), chunked(data, where)) == whole  # however it arrives: the same codes
    for code in whole:
        assert code and code == code.strip(" ") and len(code) <= 64
        assert all(0x20 <= ord(c) <= 0x7E for c in code)
        assert prefix + code.encode() in data  # a code is what was sent, inside its frame
    # no partial code: what follows the last terminator posts nothing until a terminator comes
    last = data.rfind(term)
    done = data[: last + len(term)] if last >= 0 else b""
    assert framer().feed(done) == whole
    tail = framer()
    tail.feed(done)
    assert tail.feed(data[len(done) :]) == []


@given(
    codes=st.lists(
        st.text(alphabet=PRINTABLE, min_size=1, max_size=DEFAULT_MAX_LENGTH - 8)
        .map(lambda s: s.strip(" "))
        .filter(bool),
        min_size=1,
        max_size=10,
    ),
    where=cuts,
    term=terminators,
    prefix=frame_marks,
    suffix=frame_marks,
)
@counted
def _line_framer_round_trip(
    codes: list[str], where: list[int], term: bytes, prefix: bytes, suffix: bytes
) -> None:
    data = b"".join(prefix + c.encode() + suffix + term for c in codes)
    framer = LineFramer(term, prefix=prefix, suffix=suffix)
    assert feed_all(framer, chunked(data, where)) == codes
    assert sum(framer.dropped.values()) == 0


@pytest.mark.parametrize("examples", RUNS)
def test_the_line_framer_takes_any_bytes(examples: int) -> None:
    run(_line_framer_any_bytes, examples, "line framer, arbitrary bytes")


@pytest.mark.parametrize("examples", RUNS)
def test_valid_codes_round_trip_through_the_line_framer(examples: int) -> None:
    run(_line_framer_round_trip, examples, "line framer, round trips")


# --- RDM6300 / EM4100 ------------------------------------------------------------------------------

tags = st.text(alphabet="0123456789ABCDEF", min_size=10, max_size=10)
rfid_streams = st.lists(
    st.one_of(
        st.binary(max_size=20),
        tags.map(rdm6300_frame),
        tags.map(lambda t: rdm6300_frame(t)[:-1]),  # cut before its ETX
        tags.map(lambda t: rdm6300_frame(t)[:11] + b"00\x03"),  # a wrong checksum, mostly
    ),
    max_size=20,
).map(b"".join)


@given(data=rfid_streams, where=cuts)
@counted
def _rdm6300_any_bytes(data: bytes, where: list[int]) -> None:
    whole = Rdm6300Framer().feed(data)
    assert feed_all(Rdm6300Framer(), chunked(data, where)) == whole
    for tag in whole:
        assert len(tag) == 10 and all(c in "0123456789ABCDEF" for c in tag)
        frame = rdm6300_frame(tag)
        assert frame[1:13].upper() in data.upper() and em4100_checksum(tag) == int(frame[11:13], 16)
    last = data.rfind(b"\x03")
    done = data[: last + 1] if last >= 0 else b""
    tail = Rdm6300Framer()
    assert tail.feed(done) == whole
    assert tail.feed(data[len(done) :]) == []  # nothing after the last ETX is a code yet


@given(
    sent=st.lists(tags, min_size=1, max_size=10),
    noise=st.lists(st.binary(max_size=8).map(lambda b: b.replace(b"\x02", b"")), min_size=10, max_size=10),
    where=cuts,
)
@counted
def _rdm6300_round_trip(sent: list[str], noise: list[bytes], where: list[int]) -> None:
    data = b"".join(n + rdm6300_frame(t) for n, t in zip(noise, sent, strict=False))
    assert feed_all(Rdm6300Framer(), chunked(data, where)) == sent


@pytest.mark.parametrize("examples", RUNS)
def test_the_rdm6300_framer_takes_any_bytes(examples: int) -> None:
    run(_rdm6300_any_bytes, examples, "RDM6300 framer, arbitrary bytes")


@pytest.mark.parametrize("examples", RUNS)
def test_tags_round_trip_through_the_rdm6300_framer_between_noise(examples: int) -> None:
    run(_rdm6300_round_trip, examples, "RDM6300 framer, round trips")


# --- the keyboard-wedge (HID) decoder ---------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """The three fields of an evdev InputEvent the decoder reads."""

    type: int
    code: int
    value: int


def _ends_a_scan(decoder: HidDecoder, event: Event, held: set[int]) -> bool:
    """Whether this event is one that may complete a scan: a terminator key pressed, or Ctrl+J /
    Ctrl+M (CR, LF)."""
    if event.type != keys.EV_KEY or event.value != keys.KEY_DOWN:
        return False
    if event.code in keys.TERMINATORS:
        return True
    return bool(held & keys.CTRL_KEYS) and event.code in decoder._control_terminators


key_events = st.builds(
    Event,
    type=st.sampled_from([keys.EV_KEY] * 6 + [keys.EV_SYN, 0x04]),
    code=st.one_of(
        st.integers(min_value=0, max_value=130),
        st.sampled_from([keys.KEY_ENTER, keys.KEY_LEFTSHIFT, keys.KEY_LEFTCTRL, keys.KEY_RIGHTALT, 36, 50]),
        st.sampled_from([keys.SYN_REPORT, keys.SYN_DROPPED]),
    ),
    value=st.sampled_from([keys.KEY_DOWN, keys.KEY_DOWN, keys.KEY_UP, keys.KEY_REPEAT]),
)
gaps = st.floats(min_value=0.0, max_value=0.5, allow_nan=False)


@given(
    events=st.lists(st.tuples(key_events, gaps), max_size=80),
    layout=st.sampled_from(sorted(LAYOUTS)),
    prefix=st.sampled_from(["", "]C0"]),
)
@counted
def _hid_any_events(events: list[tuple[Event, float]], layout: str, prefix: str) -> None:
    decoder = HidDecoder(layout=LAYOUTS[layout], prefix=prefix, max_length=32)
    now, held, skipping = 0.0, set(), False  # the keys held, as the decoder sees them
    for event, gap in events:
        now += gap
        out = decoder.feed(event, now)
        if out:
            assert _ends_a_scan(decoder, event, held), (event, out)  # only whole, at its terminator
            for code in out:
                assert code and code == code.strip(" ") and len(code) <= 32
        if event.type == keys.EV_SYN and event.code == keys.SYN_DROPPED:
            held, skipping = set(), True
            decoder.resync(())  # as the driver does, from the device's keys (none held here)
        elif event.type == keys.EV_SYN and event.code == keys.SYN_REPORT:
            skipping = False
        elif skipping or event.type != keys.EV_KEY:
            pass
        elif event.value == keys.KEY_UP:
            held.discard(event.code)
        elif event.value == keys.KEY_DOWN:
            held.add(event.code)
    assert decoder.expire(now + 10) == []  # an unfinished scan is never posted by the timeout


def typing(layout: Layout) -> dict[str, tuple[int, str]]:
    """char -> (key, level) for the characters `layout` types: "" plain, "shift", "altgr"."""
    ways: dict[str, tuple[int, str]] = {}
    for code, (plain, shifted) in sorted(layout.keys.items()):
        if plain:
            ways.setdefault(plain, (code, ""))
        if shifted:
            ways.setdefault(shifted, (code, "shift"))
    for code, char in sorted(layout.altgr.items()):
        ways.setdefault(char, (code, "altgr"))
    return ways


def typed(layout: Layout, text: str) -> list[Event]:
    """The events a scanner types `text` with on `layout`, then Enter."""
    ways = typing(layout)
    modifier = {"shift": keys.KEY_LEFTSHIFT, "altgr": keys.KEY_RIGHTALT}
    out: list[Event] = []
    for char in text:
        code, level = ways[char]
        if level:
            out.append(Event(keys.EV_KEY, modifier[level], keys.KEY_DOWN))
        out += [Event(keys.EV_KEY, code, keys.KEY_DOWN), Event(keys.EV_KEY, code, keys.KEY_UP)]
        if level:
            out.append(Event(keys.EV_KEY, modifier[level], keys.KEY_UP))
        out.append(Event(keys.EV_SYN, keys.SYN_REPORT, 0))
    return out + [
        Event(keys.EV_KEY, keys.KEY_ENTER, keys.KEY_DOWN),
        Event(keys.EV_KEY, keys.KEY_ENTER, keys.KEY_UP),
    ]


@st.composite
def layout_texts(draw: st.DrawFn) -> tuple[str, list[str]]:
    name = draw(st.sampled_from(sorted(LAYOUTS)))
    alphabet = "".join(sorted(typing(LAYOUTS[name])))
    texts = draw(
        st.lists(
            st.text(alphabet=alphabet, min_size=1, max_size=40).map(lambda s: s.strip(" ")).filter(bool),
            min_size=1,
            max_size=5,
        )
    )
    return name, texts


@given(case=layout_texts(), crlf=st.booleans())
@counted
def _hid_round_trip(case: tuple[str, list[str]], crlf: bool) -> None:
    name, texts = case
    layout = LAYOUTS[name]
    decoder = HidDecoder(layout=layout)
    ctrl_j = layout.letter_key("j")
    got: list[str] = []
    now = 0.0
    for text in texts:
        events = typed(layout, text)
        if crlf and ctrl_j is not None:  # CR LF: Enter, then Ctrl+J ends nothing more
            events += [
                Event(keys.EV_KEY, keys.KEY_LEFTCTRL, keys.KEY_DOWN),
                Event(keys.EV_KEY, ctrl_j, keys.KEY_DOWN),
                Event(keys.EV_KEY, ctrl_j, keys.KEY_UP),
                Event(keys.EV_KEY, keys.KEY_LEFTCTRL, keys.KEY_UP),
            ]
        for event in events:
            now += 0.005
            got += decoder.feed(event, now)
        now += 1.0  # a pause between scans
    assert got == texts, (name, got, texts)
    assert sum(decoder.dropped.values()) == 0, decoder.dropped


@pytest.mark.parametrize("examples", RUNS)
def test_the_hid_decoder_takes_any_key_events(examples: int) -> None:
    run(_hid_any_events, examples, "HID decoder, arbitrary events")


@pytest.mark.parametrize("examples", RUNS)
def test_codes_typed_on_each_layout_round_trip_through_the_hid_decoder(examples: int) -> None:
    run(_hid_round_trip, examples, "HID decoder, round trips")
