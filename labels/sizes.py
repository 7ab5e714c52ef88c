"""Named label sizes and printer resolutions.

A size is the label as cut: die-cut labels on a roll (`50x30`: 50 mm wide,
30 mm long, a gap between labels) or a continuous roll cut to length (`62`:
62 mm wide, each label 30 mm long).
"""

from __future__ import annotations

from dataclasses import dataclass

from custody.errors import InvalidInput

MM_PER_INCH = 25.4
DPIS = (203, 300)  # 8 and 12 dots per mm: the thermal printers offices have; sheets print at 300


@dataclass(frozen=True)
class LabelSize:
    name: str
    width_mm: float
    height_mm: float
    continuous: bool = False
    gap_mm: float = 2.0  # between die-cut labels on the roll; 0 for continuous

    def dots(self, dpi: int) -> tuple[int, int]:
        """(width, height) in printer dots."""
        return mm_to_dots(self.width_mm, dpi), mm_to_dots(self.height_mm, dpi)


SIZES: dict[str, LabelSize] = {
    s.name: s
    for s in (
        LabelSize("50x30", 50, 30),
        LabelSize("40x30", 40, 30),
        LabelSize("60x40", 60, 40),
        LabelSize("62", 62, 30, continuous=True, gap_mm=0),
    )
}


def label_size(value: str | LabelSize) -> LabelSize:
    """A size by name (`50x30`, `62`), or a LabelSize given as is."""
    if isinstance(value, LabelSize):
        return value
    text = str(value).strip().lower().replace("×", "x").removesuffix("mm")
    if text in SIZES:
        return SIZES[text]
    raise InvalidInput(
        "unknown label size {value!r}; allowed: {allowed}", value=value, allowed=", ".join(SIZES)
    )


def check_dpi(dpi: int) -> int:
    if dpi not in DPIS:
        raise InvalidInput(
            "unsupported resolution {dpi} dpi; allowed: {allowed}", dpi=dpi, allowed=", ".join(map(str, DPIS))
        )
    return dpi


def mm_to_dots(mm: float, dpi: int) -> int:
    return round(mm * dpi / MM_PER_INCH)


def dots_to_mm(dots: float, dpi: int) -> float:
    return dots * MM_PER_INCH / dpi
