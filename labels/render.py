"""Item and badge labels drawn as 1-bit images at the printer's resolution.

Item label, top to bottom (issue 5): the marking `机密★10年` in the largest
bold type with `份号 000003` on the right; the Code128 bars of the item code
with the code under them in a monospace face; the kind and document number;
the receiving unit and the date received. Never the title.

Badge label (unclassified): the name in bold with the department on the
right, the badge code's bars and the code.

Text is drawn anti-aliased, then thresholded (never dithered) to 1 bit;
bars are drawn directly at whole dots.

The smallest type is physical: the marking is never set below
MIN_MARKING_MM, other text never below MIN_TEXT_MM (type sizes, the em,
about the height of a Chinese character). Whether the marking and copy
number fit is decided in millimetres from the font's own measures, before
any dot is drawn, so a marking fits a label (or not) alike at 203 and 300
dpi; `marking_problem` tells which labels cannot be printed and which sizes
would hold them. A long document number is shortened in the middle, never
at its end, so its number stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PIL import Image

from custody import vocab
from custody.errors import InvalidInput
from custody.messages import N_, Msg, listed, translate
from labels.bars import Bars, fit_bars
from labels.code128 import modules
from labels.fonts import Fonts, default_fonts
from labels.model import BadgeLabel, ItemLabel, Label
from labels.sheets import SHEETS
from labels.sizes import DPIS, MM_PER_INCH, SIZES, LabelSize, check_dpi, label_size, mm_to_dots
from labels.text import BOLD, Line, em_width, set_line, set_line_keeping_end

COPY = N_("Copy {number}")  # beside the marking: `份号 000003`
DOC_NO = N_("Ref.")  # before the document number
MIN_TEXT_MM = 1.6  # the smallest type (em) a custodian still reads on a label
MIN_MARKING_MM = 2.0  # the smallest type (em) of the marking 机密★10年: a little above 七号 (1.85 mm)
BASE_SHIFT = 0.88  # lines sharing a baseline: move the smaller box down by this share of the size difference
COPY_SCALE = 0.6  # the copy number's size, of the marking's
FIT_SLACK = 0.02  # share of the width kept free when deciding in mm, for rounding to whole dots
_WIDEST_DOT_MM = MM_PER_INCH / min(DPIS)  # a stroke is at least one dot
_DOC_NUMBER = re.compile(r"[〔\[［【(（]\s*\d[^〔\[［【(（]*$|[\d第][\d\s第号/.-]*$")


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
    margin = mm_to_dots(_margin_mm(size), dpi)
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


class LabelTooSmall(InvalidInput):
    """A label whose marking and copy number cannot be set at the smallest type on its size."""


def _margin_mm(size: LabelSize) -> float:
    return min(1.5, max(0.8, 0.05 * min(size.width_mm, size.height_mm)))


def _pair_width_mm(fonts: Fonts, marking: str, copy: str, em_mm: float) -> float:
    """How wide the marking (bold) and the copy number are, with the gap, at `em_mm`."""
    stroke = max(BOLD * em_mm, _WIDEST_DOT_MM)
    copy_mm = max(MIN_TEXT_MM, COPY_SCALE * em_mm)
    return em_width(fonts, marking) * em_mm + 2 * stroke + em_mm / 3 + em_width(fonts, copy) * copy_mm


def _marking_texts(label: ItemLabel, lang: str) -> tuple[str, str]:
    return label.marking(lang), Msg(COPY, {"number": label.copy_text}).render(lang)


def marking_fits(
    label: ItemLabel, size: str | LabelSize, fonts: Fonts | None = None, lang: str = "zh"
) -> bool:
    """Whether the marking and copy number fit `size` at MIN_MARKING_MM; the same at every dpi."""
    size = label_size(size)
    lang = "en" if lang == "en" else "zh"
    room = (size.width_mm - 2 * _margin_mm(size)) * (1 - FIT_SLACK)
    return _pair_width_mm(fonts or default_fonts(), *_marking_texts(label, lang), MIN_MARKING_MM) <= room


def marking_problem(
    labels: list[ItemLabel], size: str | LabelSize, fonts: Fonts | None = None, lang: str = "zh"
) -> LabelTooSmall | None:
    """The one refusal for every label of a batch whose marking cannot fit `size`, naming their
    codes and the sizes that would hold all of them; None when every label fits."""
    size = label_size(size)
    fonts = fonts or default_fonts()
    bad = [label for label in labels if not marking_fits(label, size, fonts, lang)]
    if not bad:
        return None
    need = max(_pair_width_mm(fonts, *_marking_texts(b, lang), MIN_MARKING_MM) for b in bad) / (1 - FIT_SLACK)
    have = size.width_mm - 2 * _margin_mm(size)
    others = [*SIZES.values(), *(s.label_size for s in SHEETS.values())]
    fit = [o.name for o in others if all(marking_fits(b, o, fonts, lang) for b in bad)] or ["—"]
    codes = ", ".join(b.code for b in bad)
    markings = "、".join(dict.fromkeys(b.marking(lang) for b in bad))
    return LabelTooSmall(
        "label size {size} cannot hold the marking and copy number of {count} label(s) at the "
        "smallest type ({smallest} mm): {codes} ({markings}); they need {need:.1f} mm across and "
        "{have:.1f} mm is available; sizes that hold them: {fit}. Nothing of the batch was written",
        size=size.name,
        count=len(bad),
        smallest=MIN_MARKING_MM,
        codes=codes,
        markings=markings,
        need=need,
        have=have,
        fit=listed(fit),
    )


def _item(canvas: Image.Image, f: Frame, label: ItemLabel, size: LabelSize, fonts: Fonts, lang: str) -> None:
    top_h, gap, code_h, info_h = f.share(0.21), f.share(0.03), f.share(0.095), f.share(0.115)
    bars_h = f.inner_h - top_h - code_h - 2 * info_h - 4 * gap
    y = f.margin
    problem = marking_problem([label], size, fonts, lang)
    if problem is not None:
        raise problem
    marking, copy = _pair(fonts, *_marking_texts(label, lang), f, top_h)
    marking.draw(canvas, f.margin, y)
    copy.draw(canvas, f.width - f.margin, y + round(BASE_SHIFT * (marking.px - copy.px)), right=True)
    y += top_h + gap
    y = _symbol(canvas, f, fonts, modules(label.code), label.code, y, bars_h, code_h, size)
    y += gap
    kind = vocab.KIND_BY_SLUG[label.kind].name(lang)
    info_min = min(info_h, f.min_text)
    if label.doc_no:
        lead, keep = f"{kind}  {translate(DOC_NO, lang)} ", _number_length(label.doc_no)
        first = set_line_keeping_end(fonts, lead, label.doc_no, keep, f.inner_w, info_h, min_px=info_min)
    else:
        first = set_line(fonts, kind, f.inner_w, info_h, min_px=info_min)
    first.draw(canvas, f.margin, y)
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
        raise InvalidInput("label size {size} is too short for 5 mm tall bars", size=size.name)
    x = (f.width - bars.width) // 2
    bars.draw(canvas, x, y, bars_h)
    y += bars_h
    text = set_line(fonts, code, bars.width, code_h, min_px=round(0.6 * code_h), mono=True, truncate=False)
    text.draw(canvas, (f.width - text.width) // 2, y)
    return y + code_h


def _number_length(doc_no: str) -> int:
    """How many characters at the end of a document number are its number (`〔2026〕12号`, `0042 号`)."""
    match = _DOC_NUMBER.search(doc_no)
    return len(doc_no) - match.start() if match else min(len(doc_no), 4)


def _pair(fonts: Fonts, marking: str, copy: str, f: Frame, px: int) -> tuple[Line, Line]:
    """The marking in bold and the copy number at 0.6 of its size, on one line; never truncated.

    `marking_fits` has decided in mm that the pair fits at MIN_MARKING_MM; rounding to whole
    dots may still need a dot or two less at the smallest size.
    """
    least = mm_to_dots(MIN_MARKING_MM, f.dpi)
    size_px = max(px, least)
    while True:
        left = set_line(fonts, marking, f.inner_w, size_px, bold=True, truncate=False)
        copy_px = max(f.min_text, round(COPY_SCALE * size_px))
        right = set_line(fonts, copy, f.inner_w, copy_px, truncate=False)
        if left.width + size_px // 3 + right.width <= f.inner_w or size_px <= round(0.9 * least):
            return left, right
        size_px = max(least, size_px - max(1, size_px // 12)) if size_px > least else size_px - 1
