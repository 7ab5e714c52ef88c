"""TSPL for TSC-style label printers (common in Chinese offices): each label one BITMAP.

The printer must be set to the resolution the image was rendered at. A TSC
printer keeps DIRECTION and REFERENCE from the last job; every label sets
both (`DIRECTION 0,0`, `REFERENCE 0,0`), so it prints upright at the top
left whatever the last job left behind.
"""

from __future__ import annotations

from PIL import Image

from labels.raster import packed_rows
from labels.sizes import LabelSize


def tspl_label(image: Image.Image, size: LabelSize) -> bytes:
    """One label: SIZE and GAP from the label size, the image as a BITMAP at 0,0, printed once."""
    per_row, data = packed_rows(image, set_bit_prints=False)
    gap = "GAP 0 mm,0 mm" if size.continuous else f"GAP {size.gap_mm:g} mm,0 mm"
    head = (
        f"SIZE {size.width_mm:g} mm,{size.height_mm:g} mm\r\n{gap}\r\n"
        "DIRECTION 0,0\r\nREFERENCE 0,0\r\nCLS\r\n"
        f"BITMAP 0,0,{per_row},{image.height},0,"
    )
    return head.encode("ascii") + data + b"\r\nPRINT 1,1\r\n"
