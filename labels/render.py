"""Item and badge labels drawn as 1-bit images at the printer's resolution.

Item label, top to bottom (issue 5): the marking `机密★10年` in the largest
bold type with `份号 000003` on the right; the Code128 bars of the item code
with the code under them in a monospace face; the kind and document number;
the receiving unit and the date received. Never the title.

Badge label (unclassified): the name in bold with the department on the
right, the badge code's bars and the code.

Text is drawn anti-aliased, then thresholded (never dithered) to 1 bit;
bars are drawn directly at whole dots.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from custody import vocab
from custody.errors import InvalidInput
from labels.bars import Bars, fit_bars
from labels.code128 import modules
from labels.fonts import Fonts, default_fonts
from labels.model import BadgeLabel, ItemLabel, Label
from labels.sizes import LabelSize, check_dpi, label_size, mm_to_dots
from labels.text import Line, set_line

WORDS = {"zh": {"copy": "份号", "doc_no": "文号"}, "en": {"copy": "Copy", "doc_no": "Ref."}}
MIN_TEXT_MM = 1.6  # the smallest type a custodian still reads on a label
BASE_SHIFT = 0.88  # lines sharing a baseline: move the smaller box down by this share of the size difference


@dataclass(frozen=True)
class Frame:
    """The label's inner box (inside the margins), in dots."""

    width: int
    height: int
    margin: int
    dpi: int

    @property
    def inner_w(self) -> int:
        return self.width - 2 * self.margin

    @property
    def inner_h(self) -> int:
        return self.height - 2 * self.margin

    def share(self, fraction: float) -> int:
        return round(fraction * self.inner_h)

    @property
    def min_text(self) -> int:
        return mm_to_dots(MIN_TEXT_MM, self.dpi)


def render(
    label: Label,
    size: str | LabelSize = "50x30",
    dpi: int = 300,
    *,
    fonts: Fonts | None = None,
    lang: str = "zh",
) -> Image.Image:
    """One label as a mode '1' image of the label's size in dots, with its dpi recorded in `info`."""
    size = label_size(size)
    check_dpi(dpi)
    fonts = fonts or default_fonts()
    w, h = size.dots(dpi)
    margin = mm_to_dots(min(1.5, max(0.8, 0.05 * min(size.width_mm, size.height_mm))), dpi)
    frame = Frame(w, h, margin, dpi)
    image = Image.new("1", (w, h), 1)
    if isinstance(label, ItemLabel):
        _item(image, frame, label, size, fonts, "en" if lang == "en" else "zh")
    elif isinstance(label, BadgeLabel):
        _badge(image, frame, label, size, fonts)
    else:
        raise TypeError(f"not a label: {label!r}")
    image.info["dpi"] = (dpi, dpi)
    return image


def _item(canvas: Image.Image, f: Frame, label: ItemLabel, size: LabelSize, fonts: Fonts, lang: str) -> None:
    words = WORDS[lang]
    top_h, gap, code_h, info_h = f.share(0.21), f.share(0.03), f.share(0.095), f.share(0.115)
    bars_h = f.inner_h - top_h - code_h - 2 * info_h - 4 * gap
    y = f.margin
    marking, copy = _pair(fonts, label.marking(lang), f"{words['copy']} {label.copy_text}", f, top_h, size)
    marking.draw(canvas, f.margin, y)
    copy.draw(canvas, f.width - f.margin, y + round(BASE_SHIFT * (marking.px - copy.px)), right=True)
    y += top_h + gap
    y = _symbol(canvas, f, fonts, modules(label.code), label.code, y, bars_h, code_h, size)
    y += gap
    kind = vocab.KIND_BY_SLUG[label.kind].name(lang)
    first = f"{kind}  {words['doc_no']} {label.doc_no}" if label.doc_no else kind
    info_min = min(info_h, max(round(0.7 * info_h), f.min_text))
    set_line(fonts, first, f.inner_w, info_h, min_px=info_min).draw(canvas, f.margin, y)
    y += info_h + gap
    date_text = label.received.strftime("%Y-%m-%d") if label.received is not None else ""
    when = set_line(fonts, date_text, f.inner_w, info_h, min_px=info_min) if date_text else None
    room = f.inner_w - (when.width + info_h // 2 if when else 0)
    unit = set_line(fonts, label.unit, room, info_h, min_px=info_min) if label.unit else None
    if when is not None and unit is not None and unit.px < when.px:
        when = set_line(fonts, date_text, f.inner_w, unit.px)  # one size on the line
    if when is not None:
        when.draw(canvas, f.width - f.margin, y, right=True)
    if unit is not None:
        unit.draw(canvas, f.margin, y)


def _badge(canvas: Image.Image, f: Frame, label: BadgeLabel, size: LabelSize, fonts: Fonts) -> None:
    top_h, gap, code_h = f.share(0.24), f.share(0.04), f.share(0.12)
    bars_h = f.inner_h - top_h - code_h - 2 * gap
    y = f.margin
    name = set_line(fonts, label.name, f.inner_w, top_h, min_px=round(0.6 * top_h), bold=True)
    name.draw(canvas, f.margin, y)
    room = f.inner_w - name.width - top_h // 2
    if label.dept and room > 0:
        dept_px = round(0.6 * top_h)
        dept = set_line(fonts, label.dept, room, dept_px, min_px=min(dept_px, f.min_text))
        dept.draw(canvas, f.width - f.margin, y + round(BASE_SHIFT * (name.px - dept.px)), right=True)
    _symbol(canvas, f, fonts, modules(label.badge), label.badge, y + top_h + gap, bars_h, code_h, size)


def _symbol(
    canvas: Image.Image,
    f: Frame,
    fonts: Fonts,
    bars_modules: str,
    code: str,
    y: int,
    bars_h: int,
    code_h: int,
    size: LabelSize,
) -> int:
    """Bars centred across the label with the code under them; returns the y below the code."""
    bars: Bars = fit_bars(bars_modules, f.width - f.margin, f.dpi, size.name)
    if bars_h < mm_to_dots(5, f.dpi):
        raise InvalidInput(
            f"标签尺寸 {size.name} 太矮，条码高度不足 5 mm",
            f"label size {size.name} is too short for 5 mm tall bars",
        )
    x = (f.width - bars.width) // 2
    bars.draw(canvas, x, y, bars_h)
    y += bars_h
    text = set_line(fonts, code, bars.width, code_h, min_px=round(0.6 * code_h), mono=True, truncate=False)
    text.draw(canvas, (f.width - text.width) // 2, y)
    return y + code_h


def _pair(fonts: Fonts, marking: str, copy: str, f: Frame, px: int, size: LabelSize) -> tuple[Line, Line]:
    """The marking in bold and the copy number at 0.6 of its size, on one line; never truncated."""
    gap = px // 3
    least = max(f.min_text, round(0.4 * px))
    size_px = px
    while True:
        left = set_line(fonts, marking, f.inner_w, size_px, bold=True, truncate=False)
        right = set_line(fonts, copy, f.inner_w, max(f.min_text, round(0.6 * size_px)), truncate=False)
        if left.width + gap + right.width <= f.inner_w:
            return left, right
        if size_px <= least:
            raise InvalidInput(
                f"标签尺寸 {size.name} 放不下密级标志“{marking}”和份号",
                f"label size {size.name} cannot hold the marking {marking!r} and the copy number",
            )
        size_px -= max(1, size_px // 12)
