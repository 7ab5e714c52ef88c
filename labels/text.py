"""Lines of text on a label: shrunk to fit, then truncated with an ellipsis.

A line is laid out in a box of a given height: the font's em is the box
height and the baseline sits where CJK ideographs end (0.88 em), so Chinese
and digits share one line without clipping. Text is drawn anti-aliased and
thresholded to 1 bit (never dithered); a line once drawn is kept, since the
same marking, kind and unit recur on label after label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from PIL import Image, ImageDraw, ImageFont

from labels.fonts import Fonts

ELLIPSIS = "…"
BASELINE = 0.88  # of the em, from the top of the box
BOLD = 0.04  # stroke width as a share of the em: emulated bold
THRESHOLD = [0] * 128 + [255] * 128  # grey to 1 bit: ink where at least half covered


@dataclass(frozen=True)
class Line:
    """Text set in one font and size, ready to draw."""

    text: str
    font: ImageFont.FreeTypeFont
    px: int
    stroke: int
    width: int

    @cached_property
    def _ink(self) -> tuple[Image.Image, int, int]:
        """The thresholded glyphs as a 1-bit mask, and its offset from the pen position."""
        left, top, right, bottom = self.font.getbbox(self.text, anchor="ls", stroke_width=self.stroke)
        grey = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
        ImageDraw.Draw(grey).text(
            (-left, -top),
            self.text,
            font=self.font,
            fill=255,
            anchor="ls",
            stroke_width=self.stroke,
            stroke_fill=255,
        )
        return grey.point(THRESHOLD, "1"), left, top

    def draw(self, canvas: Image.Image, x: int, top: int, *, right: bool = False) -> None:
        """Draw in black with the box's top at `top`; `x` is the left edge, or the right edge if `right`."""
        mask, dx, dy = self._ink
        ox = (x - self.width if right else x) + self.stroke + dx
        oy = top + round(BASELINE * self.px) + dy
        canvas.paste(0, (ox, oy, ox + mask.width, oy + mask.height), mask)


def set_line(
    fonts: Fonts,
    text: str,
    width: int,
    px: int,
    *,
    min_px: int | None = None,
    bold: bool = False,
    mono: bool = False,
    truncate: bool = True,
) -> Line:
    """The text at the largest size up to `px` (not below `min_px`) that fits `width` dots.

    Still too wide at `min_px`: cut at the end with an ellipsis, or, with
    `truncate=False`, kept whole at `min_px` (the caller checks the width).
    """
    fonts.require(text, mono=mono)
    floor = max(6, min_px or px)
    size = px
    line = _line(fonts, text, size, bold, mono)
    while line.width > width and size > floor:
        size = max(floor, min(size - 1, int(size * width / max(line.width, 1))))
        line = _line(fonts, text, size, bold, mono)
    if line.width <= width or not truncate:
        return line
    cut = text
    while cut and line.width > width:
        cut = cut[:-1]
        line = _line(fonts, cut.rstrip() + ELLIPSIS, size, bold, mono)
    return line


def set_line_keeping_end(
    fonts: Fonts, lead: str, text: str, keep: int, width: int, px: int, *, min_px: int
) -> Line:
    """`lead + text` at the largest size up to `px` (not below `min_px`) that fits `width` dots.

    Still too wide at `min_px`: characters are taken out of the middle of
    `text`, from just before its last `keep` characters backwards, and an
    ellipsis stands for them, so the beginning and the end (a document
    number's `〔2026〕12号`) stay. Only when nothing but the end is left is
    the end itself cut, at its start.
    """
    line = set_line(fonts, lead + text, width, px, min_px=min_px, truncate=False)
    if line.width <= width:
        return line
    size = line.px
    keep = max(0, min(keep, len(text)))
    head, tail = text[: len(text) - keep], text[len(text) - keep :]
    while head:
        head = head[:-1]
        line = _line(fonts, lead + head.rstrip() + ELLIPSIS + tail, size, False, False)
        if line.width <= width:
            return line
    while tail and line.width > width:
        tail = tail[1:]
        line = _line(fonts, lead + ELLIPSIS + tail, size, False, False)
    return line


def em_width(fonts: Fonts, text: str) -> float:
    """The width of `text` in ems of the proportional face (at a size large enough to be exact)."""
    fonts.require(text)
    return fonts.sans_font(_MEASURE_PX).getlength(text) / _MEASURE_PX


_MEASURE_PX = 400


@lru_cache(maxsize=2048)
def _line(fonts: Fonts, text: str, px: int, bold: bool, mono: bool) -> Line:
    font = fonts.mono_font(px) if mono else fonts.sans_font(px)
    stroke = max(1, round(BOLD * px)) if bold else 0
    return Line(text, font, px, stroke, round(font.getlength(text)) + 2 * stroke)
