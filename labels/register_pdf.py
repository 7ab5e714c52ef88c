"""A register (custody.registers.Register) as a printable A4 PDF.

Landscape A4 pages drawn with Pillow at 200 dpi in the packaged Noto Sans
CJK SC (labels.fonts): the unit's name and the register's title on top,
Chinese column headings repeated on every page, cells wrapped to their
column, a signature line and "第 X 页 共 Y 页" at the foot of each page.
Pages are 1-bit (text thresholded, never dithered) so they print crisply
and the file stays small.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from custody.messages import N_, Msg, translate
from custody.reports.registers import Register
from labels.fonts import Fonts, default_fonts

DPI = 200
PAGE = (2339, 1654)  # A4 landscape at 200 dpi (297 × 210 mm)
MARGIN = 118  # 15 mm
TEXT_PX = 26  # ≈ 9.4 pt
HEAD_PX = 28
TITLE_PX = 50
UNIT_PX = 34
PAD = 8
MAX_LINES = 6  # lines per cell before it is cut with an ellipsis
THRESHOLD = [0] * 160 + [255] * 96


SIGNATURES = N_("Custodian (signature): ______________    Checked by: ______________    Date: ____________")


def _font(fonts: Fonts, px: int) -> ImageFont.FreeTypeFont:
    return fonts.sans_font(px)


# what is never broken across lines when it fits on one: a date with its time, then any run of
# letters, digits and the marks inside numbers, dates and times (`15:45`, `000001–000003`, a code)
_AFTER_MARK = re.compile(r"[^\-–/:]+[\-–/:]?|[\-–/:]")
_WHOLE = re.compile(r"\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}|[0-9A-Za-z:.\-–/_★]+|.", re.S)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int = MAX_LINES) -> list[str]:
    """Break text into lines no wider than `width`: Chinese between any two characters, but a
    time, a date, a number or a code only where it is too long for a line of its own (so never
    `2026-12-01 15:` / `45`); explicit newlines are kept; more than `max_lines` lines end with
    an ellipsis."""
    lines: list[str] = []
    for para in (text or "").split("\n"):
        line = ""
        for token in _tokens(para, font, width):
            if not line or font.getlength(line + token) <= width:
                line += token
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last + "…"]
    return lines


def _tokens(para: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The pieces a line may break between; a piece wider than a line is split (a date from its
    time first, then after a dash, slash or colon, then character by character)."""
    out: list[str] = []
    for token in _WHOLE.findall(para):
        if len(token) == 1 or font.getlength(token) <= width:
            out.append(token)
        elif " " in token:
            day, clock = token.split(" ", 1)
            out += [*_tokens(day, font, width), " ", *_tokens(clock, font, width)]
        elif len(parts := _AFTER_MARK.findall(token)) > 1:  # `000001–` / `000003`
            for part in parts:
                out += _tokens(part, font, width)
        else:
            out += list(token)
    return out


class _Layout:
    def __init__(self, reg: Register, fonts: Fonts, lang: str) -> None:
        self.reg, self.fonts, self.lang = reg, fonts, lang
        self.text = _font(fonts, TEXT_PX)
        self.head = _font(fonts, HEAD_PX)
        self.line_h = round(TEXT_PX * 1.3)
        inner = PAGE[0] - 2 * MARGIN
        total = sum(c.width for c in reg.columns)
        self.widths = [round(inner * c.width / total) for c in reg.columns]
        self.widths[-1] = inner - sum(self.widths[:-1])
        self.header_lines = [
            wrap(h, self.head, w - 2 * PAD, 3) for h, w in zip(reg.headings(lang), self.widths, strict=True)
        ]
        self.header_h = max(len(x) for x in self.header_lines) * round(HEAD_PX * 1.3) + 2 * PAD
        self.top = MARGIN + UNIT_PX + TITLE_PX + 3 * 18 + TEXT_PX + 10  # where the table starts
        self.bottom = PAGE[1] - MARGIN - 2 * self.line_h - 30  # where the table must end

    def rows(self) -> list[list[list[str]]]:
        return [
            [wrap(cell, self.text, w - 2 * PAD) for cell, w in zip(row, self.widths, strict=True)]
            for row in self.reg.cells()
        ]

    def paginate(self) -> list[list[list[list[str]]]]:
        pages: list[list[list[list[str]]]] = [[]]
        y = self.top + self.header_h
        for row in self.rows():
            h = max(len(c) for c in row) * self.line_h + 2 * PAD
            if pages[-1] and y + h > self.bottom:
                pages.append([])
                y = self.top + self.header_h
            pages[-1].append(row)
            y += h
        return pages


def render_pages(
    reg: Register, *, lang: str = "zh", fonts: Fonts | None = None, printed: datetime | None = None
) -> list[Image.Image]:
    """The register's pages as 1-bit images."""
    fonts = fonts or default_fonts()
    lay = _Layout(reg, fonts, lang)
    pages = lay.paginate()
    stamp = (printed or datetime.now()).strftime("%Y-%m-%d %H:%M")
    images = []
    for n, rows in enumerate(pages, 1):
        im = Image.new("L", PAGE, 255)
        d = ImageDraw.Draw(im)
        _head(d, reg, fonts, lang, stamp)
        y = _table_header(d, lay)
        x0 = MARGIN
        for row in rows:
            h = max(len(c) for c in row) * lay.line_h + 2 * PAD
            x = x0
            for lines, w in zip(row, lay.widths, strict=True):
                d.rectangle((x, y, x + w, y + h), outline=0, width=2)
                for i, line in enumerate(lines):
                    d.text((x + PAD, y + PAD + i * lay.line_h), line, font=lay.text, fill=0)
                x += w
            y += h
        if not reg.rows:
            d.text(
                (PAGE[0] // 2, y + 40),
                Msg("(nothing in this period)").render(lang),
                font=lay.text,
                fill=0,
                anchor="mt",
            )
        _foot(d, fonts, lang, n, len(pages))
        images.append(im.point(THRESHOLD, "1"))
    return images


def _head(d: ImageDraw.ImageDraw, reg: Register, fonts: Fonts, lang: str, stamp: str) -> None:
    cx = PAGE[0] // 2
    y = MARGIN
    if reg.unit:
        d.text((cx, y), reg.unit, font=_font(fonts, UNIT_PX), fill=0, anchor="mt")
    y += UNIT_PX + 18
    d.text(
        (cx, y),
        reg.title(lang),
        font=_font(fonts, TITLE_PX),
        fill=0,
        anchor="mt",
        stroke_width=1,
        stroke_fill=0,
    )
    y += TITLE_PX + 2 * 18
    small = _font(fonts, TEXT_PX)
    if reg.date_from == reg.date_to and reg.kind == "review":
        span = Msg("As of: {date}", {"date": reg.date_from.isoformat()})
    else:
        span = Msg(
            "Period: {start} to {end}", {"start": reg.date_from.isoformat(), "end": reg.date_to.isoformat()}
        )
    d.text((MARGIN, y), span.render(lang), font=small, fill=0)
    printed = Msg("Printed: {time}", {"time": stamp}).render(lang)
    d.text((PAGE[0] - MARGIN, y), printed, font=small, fill=0, anchor="ra")


def _table_header(d: ImageDraw.ImageDraw, lay: _Layout) -> int:
    x, y = MARGIN, lay.top
    for lines, w in zip(lay.header_lines, lay.widths, strict=True):
        d.rectangle((x, y, x + w, y + lay.header_h), outline=0, width=3, fill=225)
        for i, line in enumerate(lines):
            d.text((x + w // 2, y + PAD + i * round(HEAD_PX * 1.3)), line, font=lay.head, fill=0, anchor="ma")
        x += w
    return y + lay.header_h


def _foot(d: ImageDraw.ImageDraw, fonts: Fonts, lang: str, n: int, total: int) -> None:
    small = _font(fonts, TEXT_PX)
    y = PAGE[1] - MARGIN - 2 * round(TEXT_PX * 1.3)
    d.text((MARGIN, y), translate(SIGNATURES, lang), font=small, fill=0)
    d.text(
        (PAGE[0] // 2, PAGE[1] - MARGIN),
        Msg("Page {n} of {total}", {"n": n, "total": total}).render(lang),
        font=small,
        fill=0,
        anchor="md",
    )


def write_pdf(
    reg: Register,
    path: Path,
    *,
    lang: str = "zh",
    fonts: Fonts | None = None,
    printed: datetime | None = None,
) -> int:
    """Write the register as a multi-page A4 PDF; returns the number of pages."""
    images = render_pages(reg, lang=lang, fonts=fonts, printed=printed)
    tmp = path.with_name(path.name + ".part")
    try:
        images[0].save(
            tmp,
            "PDF",
            save_all=True,
            append_images=images[1:],
            resolution=DPI,
            title=reg.title(lang),
            author=reg.unit or "custody",
        )
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(images)
