"""ZPL II for Zebra printers: each label one ^GF raster field.

A Zebra keeps orientation, mirroring, reverse printing, label home and the
default field orientation from one job to the next; every label here sets
them all (`^PON^PMN^LRN^FWN^LH0,0`), so it prints upright at the top left
whatever the last job, from this program or another, left behind.

The hex rows use ZPL's ASCII compression (repeat counts G–Y/g–z, `,` to end a
row with white, `!` with black, `:` to repeat the previous row), which makes
a 50×30 mm label at 300 dpi a few kilobytes instead of fifty.
"""

from __future__ import annotations

from PIL import Image

from labels.raster import packed_rows
from labels.sizes import LabelSize

PRINTER_STATE = "^PON^PMN^LRN^FWN^LH0,0"  # upright, not mirrored, not reversed, fields upright, home 0,0
_LOW = "GHIJKLMNOPQRSTUVWXY"  # 1 … 19
_HIGH = "ghijklmnopqrstuvwxyz"  # 20, 40 … 400


def zpl_label(image: Image.Image, size: LabelSize) -> bytes:
    """One label: the image at the label's top left, printed once."""
    per_row, data = packed_rows(image, set_bit_prints=True)
    total = len(data)
    media = "^MNN" if size.continuous else "^MNY"
    field = compress(data.hex().upper(), per_row * 2)
    return (
        f"^XA{PRINTER_STATE}{media}^PW{image.width}^LL{image.height}^FO0,0"
        f"^GFA,{total},{total},{per_row},{field}^FS^PQ1^XZ\n"
    ).encode("ascii")


def compress(hexdata: str, row_chars: int) -> str:
    """ZPL ASCII compression of hex rows `row_chars` long."""
    out: list[str] = []
    previous = None
    for start in range(0, len(hexdata), row_chars):
        row = hexdata[start : start + row_chars]
        if row == previous:
            out.append(":")
            continue
        previous = row
        body = row.rstrip("0")
        tail = ""
        if len(body) < len(row):
            tail = ","
        elif row.endswith("F"):
            body, tail = row.rstrip("F"), "!"
        out.append(_runs(body) + tail)
    return "".join(out)


def _runs(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        out.append(_count(j - i) + text[i] if j - i > 1 else text[i])
        i = j
    return "".join(out)


def _count(n: int) -> str:
    out = "z" * (n // 400)
    n %= 400
    if n >= 20:
        out += _HIGH[n // 20 - 1]
    if n % 20:
        out += _LOW[n % 20 - 1]
    return out
