"""1-bit images packed into the rows label-printer languages take."""

from __future__ import annotations

from PIL import Image

_INVERT = bytes(255 - b for b in range(256))


def packed_rows(image: Image.Image, *, set_bit_prints: bool) -> tuple[int, bytes]:
    """(bytes per row, rows) MSB first; padding at the right of each row never prints.

    ZPL's ^GF prints a set bit (`set_bit_prints=True`); TSPL's BITMAP prints
    a clear one, as TSC's own CUPS filter sends it.
    """
    if image.mode != "1":
        raise ValueError("only 1-bit images are packed")
    per_row = (image.width + 7) // 8
    if image.width % 8:
        padded = Image.new("1", (per_row * 8, image.height), 1)
        padded.paste(image, (0, 0))
        image = padded
    data = image.tobytes()  # Pillow: a set bit is white
    return per_row, data.translate(_INVERT) if set_bit_prints else data
