"""A small PDF writer for 1-bit images placed at exact millimetre positions.

Each image becomes a Flate-compressed 1-bit DeviceGray XObject (lossless;
Pillow's own PDF writer falls back to JPEG for 1-bit images when built
without libtiff). Pages are streamed to the output as they come, so a
thousand-label job never holds every page in memory. The file carries no
metadata and no timestamp: the same labels give the same bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

POINTS_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Placement:
    """An image and the box it fills, in mm from the page's top left corner."""

    image: Image.Image
    x_mm: float
    y_mm: float
    w_mm: float
    h_mm: float


@dataclass(frozen=True)
class Page:
    width_mm: float
    height_mm: float
    placements: tuple[Placement, ...]


class _Writer:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offsets: dict[int, int] = {}
        self.pos = 0
        self.next_id = 3  # 1: catalog, 2: page tree, written last

    def raw(self, data: bytes) -> None:
        self.out.write(data)
        self.pos += len(data)

    def obj(self, body: bytes, stream: bytes | None = None, num: int | None = None) -> int:
        if num is None:
            num, self.next_id = self.next_id, self.next_id + 1
        self.offsets[num] = self.pos
        self.raw(b"%d 0 obj\n" % num + body)
        if stream is not None:
            self.raw(b"\nstream\n" + stream + b"\nendstream")
        self.raw(b"\nendobj\n")
        return num


def write_pdf(out: BinaryIO, pages: Iterable[Page]) -> None:
    """Write the pages as a PDF to a binary stream."""
    w = _Writer(out)
    w.raw(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    kids: list[int] = []
    for page in pages:
        kids.append(_page(w, page))
    if not kids:
        raise ValueError("a PDF needs at least one page")
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    w.obj(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids)), num=2)
    w.obj(b"<< /Type /Catalog /Pages 2 0 R >>", num=1)
    xref = w.pos
    size = w.next_id
    w.raw(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for num in range(1, size):
        w.raw(b"%010d 00000 n \n" % w.offsets[num])
    w.raw(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))


def _page(w: _Writer, page: Page) -> int:
    ops, xobjects = [], []
    for n, p in enumerate(page.placements):
        xobjects.append(b"/Im%d %d 0 R" % (n, _image(w, p.image)))
        x = p.x_mm * POINTS_PER_MM
        y = (page.height_mm - p.y_mm - p.h_mm) * POINTS_PER_MM
        ops.append(
            b"q %s 0 0 %s %s %s cm /Im%d Do Q"
            % (_num(p.w_mm * POINTS_PER_MM), _num(p.h_mm * POINTS_PER_MM), _num(x), _num(y), n)
        )
    content = zlib.compress(b"\n".join(ops))
    contents = w.obj(b"<< /Length %d /Filter /FlateDecode >>" % len(content), content)
    box = b"0 0 %s %s" % (_num(page.width_mm * POINTS_PER_MM), _num(page.height_mm * POINTS_PER_MM))
    return w.obj(
        b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Resources << /XObject << %s >> >> /Contents %d 0 R >>"
        % (box, b" ".join(xobjects), contents)
    )


def _image(w: _Writer, image: Image.Image) -> int:
    if image.mode != "1":
        raise ValueError("only 1-bit images are placed")
    data = zlib.compress(
        image.tobytes(), 6
    )  # Pillow's '1' rows: MSB first, 1 = white, as DeviceGray reads them
    return w.obj(
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1"
        b" /Interpolate false /Filter /FlateDecode /Length %d >>" % (image.width, image.height, len(data)),
        data,
    )


def _num(value: float) -> bytes:
    return (b"%.4f" % value).rstrip(b"0").rstrip(b".")
