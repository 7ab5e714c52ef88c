"""Framers: bytes in, codes out — plain bytes, no devices."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.framing import (
    LineFramer,
    Rdm6300Framer,
    RepeatFilter,
    em4100_checksum,
    rdm6300_frame,
)

# --- serial line framer ------------------------------------------------------


def feed_all(framer: LineFramer | Rdm6300Framer, chunks: list[bytes]) -> list[str]:
    codes: list[str] = []
    for chunk in chunks:
        codes.extend(framer.feed(chunk))
    return codes


def test_cr_frames_split_anywhere_give_the_same_codes() -> None:
    data = b"123456789012\rBADGE-7\r"
    for cut in range(len(data) + 1):
        assert feed_all(LineFramer(b"\r"), [data[:cut], data[cut:]]) == ["123456789012", "BADGE-7"]


def test_a_scanner_sending_crlf_to_an_agent_set_for_cr_or_lf_still_reads() -> None:
    assert LineFramer(b"\r").feed(b"A1\r\nB2\r\n") == ["A1", "B2"]
    assert LineFramer(b"\n").feed(b"A1\r\nB2\r\n") == ["A1", "B2"]
    assert LineFramer(b"\r\n").feed(b"A1\r\nB2\r") == ["A1"]


def test_crlf_terminator_split_between_cr_and_lf() -> None:
    framer = LineFramer(b"\r\n")
    assert framer.feed(b"A1\r") == []
    assert framer.feed(b"\n") == ["A1"]


def test_prefix_and_suffix_are_stripped_and_required() -> None:
    framer = LineFramer(b"\r", prefix=b"\x02", suffix=b"\x03")
    assert framer.feed(b"\x02A1\x03\rA2\x03\r\x02A3\r\x02A4\x03\r") == ["A1", "A4"]
    assert framer.dropped["unframed"] == 2


def test_half_frame_is_never_emitted_and_spaces_and_empty_frames_are_skipped() -> None:
    framer = LineFramer(b"\r")
    assert framer.feed(b"  A1 \r\r \r12345") == ["A1"]
    assert framer.dropped["empty"] == 2


def test_noise_bytes_drop_the_frame() -> None:
    framer = LineFramer(b"\r")
    assert framer.feed(b"A\x001\rB\xff2\rC3\r") == ["C3"]
    assert framer.dropped["noise"] == 2


def test_over_long_frame_is_dropped_with_its_tail() -> None:
    """Guards against posting the tail of an over-long frame as a code of its own."""
    framer = LineFramer(b"\r", max_length=8)
    assert framer.feed(b"123456789") == []
    assert framer.feed(b"ABC") == []
    assert framer.feed(b"DEF\rGOOD\r") == ["GOOD"]
    assert framer.dropped["overlong"] == 1


def test_frame_of_exactly_max_length_is_kept() -> None:
    assert LineFramer(b"\r\n", max_length=4).feed(b"ABCD\r") == []
    framer = LineFramer(b"\r\n", max_length=4)
    assert framer.feed(b"ABCD\r") + framer.feed(b"\n") == ["ABCD"]


def test_over_long_garbage_stream_keeps_memory_bounded() -> None:
    framer = LineFramer(b"\r", max_length=16)
    for _ in range(1000):
        framer.feed(b"x" * 1000)
    assert len(framer._buf) == 0
    assert framer.feed(b"\rOK\r") == ["OK"]


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        LineFramer(b"")
    with pytest.raises(ValueError):
        LineFramer(b"\r", max_length=0)


def _oracle(data: bytes, term: bytes, prefix: bytes, suffix: bytes, max_length: int) -> list[str]:
    """The codes in `data` by a direct reading of the framing rules."""
    codes = []
    for segment in data.split(term)[:-1]:
        if len(segment) > max_length:
            continue
        body = segment.strip(b"\r\n")
        if prefix and not body.startswith(prefix):
            continue
        if suffix and not body.endswith(suffix):
            continue
        body = body[len(prefix) : len(body) - len(suffix)] if (prefix or suffix) else body
        body = body.strip(b" ")
        if body and all(32 <= b < 127 for b in body):
            codes.append(body.decode())
    return codes


_alphabet = st.sampled_from(b"AB1 \r\n\x02\x03\x00\xff")
_noisy_bytes = st.one_of(st.binary(max_size=300), st.lists(_alphabet, max_size=300).map(bytes))


@settings(max_examples=400, deadline=None)
@given(
    data=_noisy_bytes,
    cuts=st.lists(st.integers(0, 300), max_size=8),
    term=st.sampled_from([b"\r", b"\n", b"\r\n"]),
    affixes=st.sampled_from([(b"", b""), (b"\x02", b"\x03"), (b"]", b"")]),
    max_length=st.integers(1, 40),
)
def test_line_framer_on_random_bytes(
    data: bytes, cuts: list[int], term: bytes, affixes: tuple[bytes, bytes], max_length: int
) -> None:
    prefix, suffix = affixes
    bounds = sorted({0, len(data), *[c for c in cuts if c <= len(data)]})
    chunks = [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    codes = feed_all(LineFramer(term, prefix=prefix, suffix=suffix, max_length=max_length), chunks)
    assert codes == _oracle(data, term, prefix, suffix, max_length)
    for code in codes:
        assert code and code.isascii() and code.isprintable() and code == code.strip()
        framed = (
            re.escape(prefix) + rb" *" + re.escape(code.encode()) + rb" *" + re.escape(suffix) + rb"[\r\n]*"
        )
        assert re.search(framed + re.escape(term), data), code


# --- RDM6300 -------------------------------------------------------------------

TAG = "010063E9AE"


def test_rdm6300_frame_layout_and_checksum() -> None:
    frame = rdm6300_frame(TAG)
    assert len(frame) == 14 and frame[0] == 0x02 and frame[-1] == 0x03
    assert frame[1:11] == TAG.encode()
    assert int(frame[11:13], 16) == 0x01 ^ 0x00 ^ 0x63 ^ 0xE9 ^ 0xAE == em4100_checksum(TAG)
    with pytest.raises(ValueError):
        rdm6300_frame("01006")


def test_rdm6300_framer_reads_a_frame_in_any_split() -> None:
    frame = rdm6300_frame(TAG)
    for cut in range(len(frame) + 1):
        assert feed_all(Rdm6300Framer(), [frame[:cut], frame[cut:]]) == [TAG]


def test_rdm6300_resyncs_on_stx_and_drops_bad_frames() -> None:
    framer = Rdm6300Framer()
    bad_checksum = bytearray(rdm6300_frame(TAG))
    bad_checksum[12] = ord("0") if bad_checksum[12] != ord("0") else ord("1")
    half = rdm6300_frame(TAG)[:7]
    no_etx = rdm6300_frame(TAG)[:13] + b"X"
    stream = b"noise" + half + rdm6300_frame(TAG) + bytes(bad_checksum) + no_etx + rdm6300_frame("0A0B0C0D0E")
    assert framer.feed(stream) == [TAG, "0A0B0C0D0E"]
    assert framer.dropped["resync"] == 1
    assert framer.dropped["bad_checksum"] == 1
    assert framer.dropped["noise"] >= 2


def test_rdm6300_lower_case_hex_is_read_upper_case() -> None:
    frame = rdm6300_frame(TAG)
    assert Rdm6300Framer().feed(frame.lower()) == [TAG]


_FRAME = re.compile(rb"\x02([0-9A-Fa-f]{10})([0-9A-Fa-f]{2})\x03")


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.binary(max_size=20),
            st.sampled_from([TAG, "0A0B0C0D0E", "FFFFFFFFFF"]).map(rdm6300_frame),
            st.sampled_from([TAG]).map(lambda t: rdm6300_frame(t)[:9]),
            st.lists(st.sampled_from(b"\x02\x030A9Fz"), max_size=20).map(bytes),
        ),
        max_size=20,
    ),
    cut=st.integers(0, 400),
)
def test_rdm6300_framer_on_random_bytes(parts: list[bytes], cut: int) -> None:
    data = b"".join(parts)
    framer = Rdm6300Framer()
    codes = framer.feed(data[:cut]) + framer.feed(data[cut:])
    expected = [
        m.group(1).decode().upper()
        for m in _FRAME.finditer(data)
        if em4100_checksum(m.group(1).decode()) == int(m.group(2), 16)
    ]
    assert codes == expected


# --- repeats -------------------------------------------------------------------


def test_repeat_filter_counts_a_held_tag_once_per_presence() -> None:
    repeats = RepeatFilter(0.5)
    reads = [repeats.accept("rfid", TAG, t * 0.05) for t in range(100)]  # 5 s on the reader
    assert reads.count(True) == 1
    assert repeats.accept("rfid", TAG, 4.95 + 0.6)  # taken away and presented again
    assert repeats.suppressed["rfid"] == 99


def test_repeat_filter_is_per_device_and_code() -> None:
    repeats = RepeatFilter(2.0)
    assert repeats.accept("a", "X", 0.0)
    assert repeats.accept("b", "X", 0.1)
    assert repeats.accept("a", "Y", 0.2)
    assert not repeats.accept("a", "X", 1.9)
    assert not repeats.accept("a", "X", 3.8)  # the window slides from the last read
    assert repeats.accept("a", "X", 6.0)
    assert repeats.suppressed == {"a": 2}


def test_repeat_filter_window_zero_suppresses_nothing() -> None:
    repeats = RepeatFilter(0.0)
    assert all(repeats.accept("a", "X", 1.0) for _ in range(3))
