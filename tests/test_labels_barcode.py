"""Bars exact to the printer dot, quiet zones, and every label scanning back to its code."""

from __future__ import annotations

from math import gcd

import pytest
import zxingcpp
from barcode.charsets import code128 as charset
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from custody.codes import damm_digit
from custody.errors import InvalidInput
from labels import BadgeLabel, ItemLabel, LabelSize, render
from labels.bars import MIN_MODULE_MM, min_module_dots
from labels.code128 import QUIET_MODULES, decode, modules
from labels.sizes import SIZES

CODE = "123456789018"

item_codes = (
    st.integers(10**10, 10**11 - 1)
    .map(str)
    .filter(lambda body: not body.startswith("99"))
    .map(lambda body: body + damm_digit(body))
)


def scan(image: Image.Image) -> list[str]:
    return [
        r.text for r in zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.Code128)
    ]


def runs(row: list[int]) -> list[tuple[int, int, int]]:
    """(value, start, length) of each run of equal pixels in a row (0 = black)."""
    out, start = [], 0
    for x in range(1, len(row) + 1):
        if x == len(row) or row[x] != row[start]:
            out.append((row[start], start, x - start))
            start = x
    return out


def bar_rows(image: Image.Image, bars: str) -> list[tuple[int, int, int]]:
    """Rows whose black and white runs are exactly the symbol's modules at a whole number of dots.

    Returns (y, x of the first bar, dots per module) for each such row.
    """
    grey = image.convert("L")
    width = grey.width
    data = grey.tobytes()
    expected = [len(run) for run in _module_runs(bars)]
    found = []
    for y in range(grey.height):
        row = list(data[y * width : (y + 1) * width])
        r = runs(row)
        black = [i for i, (v, _, _) in enumerate(r) if v == 0]
        if not black:
            continue
        inner = r[black[0] : black[-1] + 1]
        lengths = [n for _, _, n in inner]
        if len(lengths) != len(expected):
            continue
        dots = 0
        for n in lengths:
            dots = gcd(dots, n)
        if [n // dots for n in lengths] == expected and all(n % dots == 0 for n in lengths):
            found.append((y, inner[0][1], dots))
    return found


def _module_runs(bars: str) -> list[str]:
    out, start = [], 0
    for i in range(1, len(bars) + 1):
        if i == len(bars) or bars[i] != bars[start]:
            out.append(bars[start:i])
            start = i
    return out


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("size", list(SIZES))
def test_item_label_scans_back_at_every_size(size: str, dpi: int) -> None:
    label = ItemLabel(CODE, "secret", "10y", copy_no=3, doc_no="国保发〔2024〕12号", unit="办公室")
    assert scan(render(label, size, dpi)) == [CODE]


@pytest.mark.parametrize("dpi", [203, 300])
def test_bars_are_whole_dots_with_ten_module_quiet_zones(dpi: int) -> None:
    label = ItemLabel(CODE, "top-secret", "30y", copy_no=1)
    image = render(label, "50x30", dpi)
    rows = bar_rows(image, modules(CODE))
    assert len(rows) >= round(5 / 25.4 * dpi), "bars shorter than 5 mm, or not exact to the dot"
    dots = {d for _, _, d in rows}
    assert len(dots) == 1
    module = dots.pop()
    assert module >= min_module_dots(dpi)
    assert module * 25.4 / dpi >= MIN_MODULE_MM * 0.99
    starts = {x for _, x, _ in rows}
    assert len(starts) == 1, "bars move between rows"
    left = starts.pop()
    right = left + len(modules(CODE)) * module
    quiet = QUIET_MODULES * module
    assert left >= quiet and image.width - right >= quiet
    ys = [y for y, _, _ in rows]
    zone = image.crop((left - quiet, ys[0], right + quiet, ys[-1] + 1)).convert("L")
    # outside the bars themselves the quiet zones are white on every bar row
    for box in ((0, 0, quiet, zone.height), (zone.width - quiet, 0, zone.width, zone.height)):
        assert zone.crop(box).getextrema() == (255, 255)


def test_narrowest_module_is_a_quarter_millimetre() -> None:
    assert min_module_dots(203) == 2
    assert min_module_dots(300) == 3


@pytest.mark.parametrize("dpi", [203, 300])
def test_a_label_too_small_for_the_bars_is_refused_not_shrunk(dpi: int) -> None:
    tiny = LabelSize("30x20", 30, 20)
    with pytest.raises(InvalidInput) as err:
        render(ItemLabel(CODE, "secret", "10y"), tiny, dpi)
    assert "30x20" in err.value.message("zh") and "30x20" in err.value.message("en")
    minimum = {203: "30.3 mm", 300: "30.7 mm"}[dpi]  # 121 modules at 2 or 3 dots, quiet zones included
    assert f"at least {minimum}" in err.value.message("en") and minimum in err.value.message("zh")


@settings(max_examples=15, deadline=None)
@given(code=item_codes)
@pytest.mark.parametrize("dpi", [203, 300])
def test_any_valid_item_code_scans_back(dpi: int, code: str) -> None:
    image = render(ItemLabel(code, "confidential", "6m", copy_no=42), "50x30", dpi)
    assert scan(image) == [code]
    assert bar_rows(image, modules(code))


def test_module_strings_decode_to_the_code() -> None:
    for code in (CODE, "CMD-END", "a1", "0", "CMD-0001"):
        assert decode(modules(code)) == code
    assert decode(modules("CMD-0001", set_b=True)) == "CMD-0001"


def test_a_leading_99_survives() -> None:
    """Regression: python-barcode's Code128 drops a leading '99' (it reads value 99 as a set switch)."""
    code = "9912345678"
    assert decode(modules(code)) == code
    assert scan(render(BadgeLabel("王芳", code, "机要科"), "50x30", 203)) == [code]


def test_command_codes_use_set_b() -> None:
    bars = modules("CMD-0001", set_b=True)
    assert bars.startswith("11010010000")  # START B
    assert len(bars) == 11 * (1 + 8 + 1) + 13


@pytest.mark.parametrize("code", ["", "编号1", "tab\there"])
def test_a_code_that_cannot_be_encoded_is_refused(code: str) -> None:
    with pytest.raises(InvalidInput):
        modules(code)
    with pytest.raises(InvalidInput):
        BadgeLabel("张伟", code)


def test_decode_rejects_a_bad_checksum() -> None:
    bars = modules(CODE)  # START C, 12, 34, …
    assert bars[11:22] == charset.CODES[12]
    tampered = bars[:11] + charset.CODES[13] + bars[22:]
    with pytest.raises(ValueError):
        decode(tampered)
