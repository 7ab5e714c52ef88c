"""The station command sheet: A4 pages of command barcodes with their captions.

One command per row, caption on the left and bars on the right, so a
scanner's line can only ever cross one symbol. Unclassified; printed on
plain paper at the office printer.
"""

from __future__ import annotations

from PIL import Image

from custody.messages import N_, Msg, translate
from labels.bars import fit_bars
from labels.code128 import modules
from labels.fonts import Fonts, default_fonts
from labels.model import CommandSheet
from labels.sizes import check_dpi, mm_to_dots
from labels.text import set_line

A4_MM = (210.0, 297.0)
MARGIN_MM = 15.0
TITLE_MM = 14.0
TITLE_HEAD_MM = 7.0  # the title type; the rest of TITLE_MM is space
ROW_MM = 28.0
CAPTION_MM = 7.0
BARS_MM = 15.0
CODE_MM = 3.5
CAPTION_SHARE = 0.42  # of the text width: the caption column; the bars take the rest
TITLE = N_("Station command codes")  # the title of a sheet given none
PAGE = N_("page {n} of {total}")


def rows_per_page() -> int:
    return int((A4_MM[1] - 2 * MARGIN_MM - TITLE_MM) // ROW_MM)


def render_command_sheet(
    sheet: CommandSheet, dpi: int = 300, *, fonts: Fonts | None = None, lang: str = "zh"
) -> list[Image.Image]:
    """The sheet as A4 pages: mode '1' images with their dpi recorded in `info`."""
    check_dpi(dpi)
    fonts = fonts or default_fonts()
    per_page = rows_per_page()
    chunks = [sheet.commands[i : i + per_page] for i in range(0, len(sheet.commands), per_page)]
    return [
        _page(chunk, sheet.title or translate(TITLE, lang), n, len(chunks), dpi, fonts, lang)
        for n, chunk in enumerate(chunks, 1)
    ]


def _page(
    commands: tuple[tuple[str, str], ...], title: str, n: int, total: int, dpi: int, fonts: Fonts, lang: str
) -> Image.Image:
    def d(mm: float) -> int:
        return mm_to_dots(mm, dpi)

    width, height = d(A4_MM[0]), d(A4_MM[1])
    canvas = Image.new("1", (width, height), 1)
    left, text_w = d(MARGIN_MM), d(A4_MM[0] - 2 * MARGIN_MM)
    y = d(MARGIN_MM)
    set_line(fonts, title, round(0.7 * text_w), d(TITLE_HEAD_MM), bold=True).draw(canvas, left, y)
    if total > 1:
        page_no = set_line(
            fonts,
            Msg(PAGE, {"n": n, "total": total}).render(lang),
            round(0.25 * text_w),
            d(CODE_MM),
        )
        page_no.draw(canvas, left + text_w, y + d(TITLE_HEAD_MM) - d(CODE_MM), right=True)
    y += d(TITLE_MM)
    caption_w = round(CAPTION_SHARE * text_w)
    bars_left, bars_room = left + caption_w, text_w - caption_w
    for code, caption in commands:
        set_line(fonts, caption, caption_w - d(3), d(CAPTION_MM), min_px=d(4), bold=True).draw(
            canvas, left, y + (d(BARS_MM) - d(CAPTION_MM)) // 2
        )
        bars = fit_bars(modules(code, set_b=True), bars_room, dpi, f"A4 ({code})")
        x = bars_left + (bars_room - bars.width) // 2
        bars.draw(canvas, x, y, d(BARS_MM))
        text = set_line(fonts, code, bars.width, d(CODE_MM), mono=True, truncate=False)
        text.draw(canvas, x + (bars.width - text.width) // 2, y + d(BARS_MM))
        y += d(ROW_MM)
    canvas.info["dpi"] = (dpi, dpi)
    return canvas
