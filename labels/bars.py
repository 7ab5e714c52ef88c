"""Barcode bars drawn exact to the printer dot.

Every module is a whole number of dots, so every bar and space keeps its
exact width ratio; nothing is scaled or rounded after drawing. A label too
small for the bars at the narrowest scannable module is refused, never
shrunk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import groupby

from PIL import Image

from custody.errors import InvalidInput
from labels.code128 import QUIET_MODULES
from labels.sizes import MM_PER_INCH, dots_to_mm

MIN_MODULE_MM = 0.25  # ~10 mil: read reliably by the handheld CCD and laser scanners at the stations
MAX_MODULE_MM = 0.40  # wider bars only make the symbol longer


@dataclass(frozen=True)
class Bars:
    """A symbol placed on a label: its modules and the dots per module."""

    modules: str
    module_dots: int

    @property
    def quiet_dots(self) -> int:
        return QUIET_MODULES * self.module_dots

    @property
    def width(self) -> int:
        """Dots across, both quiet zones included."""
        return (len(self.modules) + 2 * QUIET_MODULES) * self.module_dots

    def draw(self, canvas: Image.Image, x: int, y: int, height: int) -> None:
        """Draw black bars; (x, y) is the top left of the left quiet zone."""
        pos = x + self.quiet_dots
        for bit, run in groupby(self.modules):
            n = len(list(run)) * self.module_dots
            if bit == "1":
                canvas.paste(0, (pos, y, pos + n, y + height))
            pos += n


def min_module_dots(dpi: int) -> int:
    """The fewest dots that make a module at least MIN_MODULE_MM wide (0.5 % tolerance)."""
    return math.ceil(MIN_MODULE_MM * 0.995 * dpi / MM_PER_INCH)


def fit_bars(modules: str, available: int, dpi: int, where: str) -> Bars:
    """The widest whole-dot module (up to MAX_MODULE_MM) whose symbol and quiet zones fit `available` dots.

    `where` names the label size in the refusal.
    """
    lo = min_module_dots(dpi)
    hi = max(lo, math.floor(MAX_MODULE_MM * dpi / MM_PER_INCH))
    for dots in range(hi, lo - 1, -1):
        bars = Bars(modules, dots)
        if bars.width <= available:
            return bars
    need = dots_to_mm(Bars(modules, lo).width, dpi)
    have = dots_to_mm(available, dpi)
    raise InvalidInput(
        "label size {size} cannot hold the barcode: at {dpi} dpi it needs at least {need:.1f} mm "
        "(quiet zones included) and only {have:.1f} mm is available; use a larger label, bars are never shrunk",
        size=where,
        dpi=dpi,
        need=need,
        have=have,
    )
