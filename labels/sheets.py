"""A4 label sheets for office laser printers: Avery L7160 (21-up) and L7651 (65-up).

Geometry as the manufacturer publishes it (label size, top and side
margins, horizontal and vertical pitch). Labels fill a sheet row by row from
the top left; `skip` leaves the first labels of the first sheet empty, for a
sheet already partly used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from PIL import Image

from custody.errors import InvalidInput
from labels.pdf import Page, Placement
from labels.sizes import LabelSize


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: int
    rows: int
    label_w_mm: float
    label_h_mm: float
    left_mm: float  # page edge to the first column
    top_mm: float  # page edge to the first row
    pitch_x_mm: float  # left edge to left edge of neighbouring labels
    pitch_y_mm: float
    page_w_mm: float = 210.0
    page_h_mm: float = 297.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def label_size(self) -> LabelSize:
        return LabelSize(self.name, self.label_w_mm, self.label_h_mm)

    def position(self, slot: int) -> tuple[float, float]:
        """Top left corner of label `slot` (0 = top left, row by row), in mm from the page's top left."""
        row, col = divmod(slot, self.columns)
        return self.left_mm + col * self.pitch_x_mm, self.top_mm + row * self.pitch_y_mm


SHEETS: dict[str, Sheet] = {
    s.name: s
    for s in (
        Sheet("L7160", 3, 7, 63.5, 38.1, left_mm=7.25, top_mm=15.15, pitch_x_mm=66.0, pitch_y_mm=38.1),
        Sheet("L7651", 5, 13, 38.1, 21.2, left_mm=4.75, top_mm=10.7, pitch_x_mm=40.6, pitch_y_mm=21.2),
    )
}


def sheet(value: str | Sheet) -> Sheet:
    if isinstance(value, Sheet):
        return value
    key = str(value).strip().upper()
    if key in SHEETS:
        return SHEETS[key]
    raise InvalidInput(
        "unknown label sheet {value!r}; allowed: {allowed}", value=value, allowed=", ".join(SHEETS)
    )


def check_skip(s: Sheet, skip: int) -> int:
    if not 0 <= skip < s.per_page:
        raise InvalidInput(
            "cannot skip {skip} labels: an {sheet} sheet has {per_page}; skip 0 to {most}",
            skip=skip,
            sheet=s.name,
            per_page=s.per_page,
            most=s.per_page - 1,
        )
    return skip


def sheet_pages(s: Sheet, images: Iterable[Image.Image], skip: int = 0) -> Iterator[Page]:
    """Label images (each of the sheet's label size) placed on as many sheets as they need."""
    slot = check_skip(s, skip)
    placed: list[Placement] = []
    for image in images:
        x, y = s.position(slot)
        placed.append(Placement(image, x, y, s.label_w_mm, s.label_h_mm))
        slot += 1
        if slot == s.per_page:
            yield Page(s.page_w_mm, s.page_h_mm, tuple(placed))
            placed, slot = [], 0
    if placed:
        yield Page(s.page_w_mm, s.page_h_mm, tuple(placed))
