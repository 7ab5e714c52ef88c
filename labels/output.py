"""Labels to bytes and files: PNG, PDF (A4 sheets or one label a page), ZPL, TSPL.

Files are written atomically: into a temporary file beside the target, then
renamed over it. On any error — a label that cannot be drawn, a full disk —
the temporary file is removed and no partial file is left.

A batch is all or nothing: before anything is drawn, every item label is
checked to fit the label size, and when any cannot, the whole batch is
refused with one message naming every such item code and the sizes that
would hold them. The custodian never gets half a batch.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from custody.errors import CustodyError, InvalidInput
from labels.commands import render_command_sheet
from labels.fonts import Fonts, default_fonts
from labels.model import CommandSheet, ItemLabel, Label
from labels.pdf import Page, Placement, write_pdf
from labels.render import marking_problem, render
from labels.sheets import Sheet, check_skip, sheet, sheet_pages
from labels.sizes import LabelSize, check_dpi, label_size
from labels.tspl import tspl_label
from labels.zpl import zpl_label

FORMATS = ("png", "pdf", "zpl", "tspl")
SUFFIXES = {".png": "png", ".pdf": "pdf", ".zpl": "zpl", ".tspl": "tspl"}

Progress = Callable[[int], None]
"""Called with 1 after each label is drawn (pass click's `bar.update`)."""


@dataclass(frozen=True)
class Job:
    """How labels are laid out: checked in full before anything is drawn or written."""

    fmt: str
    size: LabelSize
    dpi: int
    sheet: Sheet | None
    skip: int
    fonts: Fonts
    lang: str

    @classmethod
    def make(
        cls,
        fmt: str,
        size: str | LabelSize = "50x30",
        dpi: int = 300,
        sheet_name: str | Sheet | None = "L7160",
        skip: int = 0,
        fonts: Fonts | None = None,
        lang: str = "zh",
    ) -> Job:
        fmt = check_format(fmt)
        chosen = sheet(sheet_name) if fmt == "pdf" and sheet_name is not None else None
        if skip and chosen is None:
            raise InvalidInput("skipping used labels applies only to A4 label sheets (PDF)")
        if chosen is not None:
            check_skip(chosen, skip)
        return cls(fmt, label_size(size), check_dpi(dpi), chosen, skip, fonts or default_fonts(), lang)

    @property
    def label_size(self) -> LabelSize:
        return self.sheet.label_size if self.sheet else self.size


def check_format(fmt: str) -> str:
    text = (fmt or "").strip().lower()
    if text not in FORMATS:
        raise InvalidInput(
            "unknown label format {value!r}; allowed: {allowed}", value=fmt, allowed=", ".join(FORMATS)
        )
    return text


def format_for(path: str | Path) -> str:
    """The format a file name asks for (`labels.pdf` → pdf)."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(
            "cannot tell the label format from {path!r}; use a suffix {allowed} or give the format",
            path=str(path),
            allowed=", ".join(SUFFIXES),
        )
    return SUFFIXES[suffix]


def label_bytes(
    labels: Sequence[Label],
    fmt: str = "png",
    *,
    size: str | LabelSize = "50x30",
    dpi: int = 300,
    sheet: str | Sheet | None = "L7160",
    skip: int = 0,
    fonts: Fonts | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
) -> bytes:
    """The labels as one file's bytes (PNG takes exactly one label). For the web endpoint:
    `label_bytes([label], "png")`, or `label_bytes([label], "pdf", sheet=None)` for a label-sized page."""
    job = Job.make(fmt, size, dpi, sheet, skip, fonts, lang)
    _check_count(labels, job)
    out = io.BytesIO()
    _write(out, labels, job, progress)
    return out.getvalue()


def write_labels(
    path: str | Path,
    labels: Sequence[Label],
    fmt: str | None = None,
    *,
    size: str | LabelSize = "50x30",
    dpi: int = 300,
    sheet: str | Sheet | None = "L7160",
    skip: int = 0,
    fonts: Fonts | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
) -> list[Path]:
    """Write the labels to `path` (format from its suffix unless given); returns the files written.

    PDF: A4 sheets of `sheet` (L7160, L7651; `skip` used labels on the first
    sheet), or with `sheet=None` one page of the label's size per label. ZPL
    and TSPL: one file, one label after another. PNG: one file per label;
    several are numbered `name-001.png`, `name-002.png`, ….
    """
    path = Path(path)
    job = Job.make(fmt or format_for(path), size, dpi, sheet, skip, fonts, lang)
    _check_count(labels, job, single_png=False)
    if job.fmt == "png":
        blobs = [_png(image) for image in _drawn(labels, job, progress)]
        return _write_files(_numbered(path, len(blobs)), blobs)
    with _atomic(path) as out:
        _write(out, labels, job, progress)
    return [path]


def command_sheet_bytes(
    commands: CommandSheet, fmt: str = "pdf", *, dpi: int = 300, fonts: Fonts | None = None, lang: str = "zh"
) -> bytes:
    """The command sheet as a PDF of A4 pages (or a PNG, if it fits one page)."""
    fmt = check_format(fmt)
    pages = render_command_sheet(commands, dpi, fonts=fonts, lang=lang)
    if fmt == "png" and len(pages) == 1:
        return _png(pages[0])
    if fmt != "pdf":
        raise InvalidInput("the command sheet is written as PDF (or a one-page PNG)")
    out = io.BytesIO()
    write_pdf(out, (_full_page(p, dpi) for p in pages))
    return out.getvalue()


def write_command_sheet(
    path: str | Path,
    commands: CommandSheet,
    fmt: str | None = None,
    *,
    dpi: int = 300,
    fonts: Fonts | None = None,
    lang: str = "zh",
) -> list[Path]:
    """Write the command sheet: PDF, or PNG pages numbered like labels."""
    path = Path(path)
    fmt = check_format(fmt or format_for(path))
    pages = render_command_sheet(commands, dpi, fonts=fonts, lang=lang)
    if fmt == "png":
        return _write_files(_numbered(path, len(pages)), [_png(p) for p in pages])
    if fmt != "pdf":
        raise InvalidInput("the command sheet is written as PDF or PNG")
    with _atomic(path) as out:
        write_pdf(out, (_full_page(p, dpi) for p in pages))
    return [path]


def _check_count(labels: Sequence[Label], job: Job, single_png: bool = True) -> None:
    if not labels:
        raise InvalidInput("no labels to write")
    items = [label for label in labels if isinstance(label, ItemLabel)]
    problem = marking_problem(items, job.label_size, job.fonts, job.lang) if items else None
    if problem is not None:
        raise problem
    if single_png and job.fmt == "png" and len(labels) != 1:
        raise InvalidInput("a PNG holds one label; use PDF, ZPL or TSPL for several")


def _drawn(labels: Iterable[Label], job: Job, progress: Progress | None) -> Iterator[Image.Image]:
    for label in labels:
        image = render(label, job.label_size, job.dpi, fonts=job.fonts, lang=job.lang)
        if progress is not None:
            progress(1)
        yield image


def _write(out: BinaryIO, labels: Sequence[Label], job: Job, progress: Progress | None) -> None:
    images = _drawn(labels, job, progress)
    if job.fmt == "png":
        out.write(_png(next(images)))
    elif job.fmt == "pdf":
        size = job.label_size
        pages = (
            sheet_pages(job.sheet, images, job.skip)
            if job.sheet
            else (
                Page(size.width_mm, size.height_mm, (Placement(im, 0, 0, size.width_mm, size.height_mm),))
                for im in images
            )
        )
        write_pdf(out, pages)
    else:
        encode = zpl_label if job.fmt == "zpl" else tspl_label
        for image in images:
            out.write(encode(image, job.size))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", dpi=image.info.get("dpi", (300, 300)), compress_level=1)
    return out.getvalue()


def _full_page(image: Image.Image, dpi: int) -> Page:
    w_mm, h_mm = image.width * 25.4 / dpi, image.height * 25.4 / dpi
    return Page(w_mm, h_mm, (Placement(image, 0, 0, w_mm, h_mm),))


def _numbered(path: Path, count: int) -> list[Path]:
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{n:03d}{path.suffix}") for n in range(1, count + 1)]


def _write_files(paths: list[Path], blobs: list[bytes]) -> list[Path]:
    done: list[Path] = []
    try:
        for path, blob in zip(paths, blobs, strict=True):
            with _atomic(path) as out:
                out.write(blob)
            done.append(path)
    except BaseException:
        for path in done:
            path.unlink(missing_ok=True)
        raise
    return paths


@contextmanager
def _atomic(path: Path) -> Iterator[BinaryIO]:
    """A binary file that appears at `path` only once it is complete."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise


def _write_error(path: Path, exc: OSError) -> CustodyError:
    reason = exc.strerror or str(exc)
    return CustodyError("cannot write the label file {path}: {reason}", path=path, reason=reason)
