"""Sending labels to a printer: a CUPS queue (`lp -d QUEUE`, actual size) or a raw device.

A printer is a named setting (`PrinterConfig`); the settings table holds
them as dicts (`PrinterConfig.from_dict`, `to_dict`). CUPS prints PNG or PDF
at actual size, never fitted to the page, or passes ZPL/TSPL through with
`-o raw`. A raw printer (`/dev/usb/lp0`, or a stable `/dev/custody/…` name
from udev) takes ZPL or TSPL written straight to the device.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from custody.errors import CustodyError, InvalidInput, NotFound
from custody.messages import Msg
from labels.fonts import Fonts
from labels.model import Label
from labels.output import FORMATS, Job, Progress, label_bytes, write_labels
from labels.sheets import sheet
from labels.sizes import check_dpi, label_size

log = logging.getLogger(__name__)

KINDS = ("cups", "raw")
RAW_FORMATS = ("zpl", "tspl")


class PrinterError(CustodyError):
    """A printer that is missing, refuses the job or cannot be written to."""


@dataclass(frozen=True)
class PrinterConfig:
    """One named printer. `sheet` applies to PDF: an A4 sheet name, or None for label-sized pages."""

    name: str
    kind: str  # cups | raw
    queue: str = ""  # CUPS queue, for kind cups
    device: str = ""  # device path, for kind raw
    format: str = "png"
    size: str = "50x30"
    dpi: int = 203
    sheet: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput(
                "printer {name!r}: kind {printer_kind!r} is invalid; allowed: cups, raw",
                name=self.name,
                printer_kind=self.kind,
            )
        if self.kind == "cups" and (
            not self.queue or self.queue.startswith("-") or any(c.isspace() for c in self.queue)
        ):
            raise InvalidInput("printer {name!r} needs a valid CUPS queue name", name=self.name)
        if self.kind == "raw" and not os.path.isabs(self.device):
            raise InvalidInput(
                "printer {name!r} needs an absolute device path (e.g. /dev/usb/lp0)", name=self.name
            )
        allowed = RAW_FORMATS if self.kind == "raw" else FORMATS
        if self.format not in allowed:
            raise InvalidInput(
                "printer {name!r} cannot take format {format!r}; allowed: {allowed}",
                name=self.name,
                format=self.format,
                allowed=", ".join(allowed),
            )
        label_size(self.size)
        check_dpi(self.dpi)
        if self.format == "pdf" and self.sheet is not None:
            sheet(self.sheet)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PrinterConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput("unknown printer settings: {names}", names=", ".join(unknown))
        values = dict(data)
        if isinstance(values.get("dpi"), str) and values["dpi"].strip().isdigit():
            values["dpi"] = int(values["dpi"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def job(self, fonts: Fonts | None = None, lang: str = "zh", skip: int = 0) -> Job:
        return Job.make(self.format, self.size, self.dpi, self.sheet, skip, fonts, lang)


def find_printer(printers: Mapping[str, PrinterConfig] | Iterable[PrinterConfig], name: str) -> PrinterConfig:
    """The printer called `name` among the configured ones."""
    found = list(printers.values()) if isinstance(printers, Mapping) else list(printers)
    for printer in found:
        if printer.name == name:
            return printer
    if not found:
        raise NotFound("no printer named {name!r}; configured: none", name=name)
    raise NotFound(
        "no printer named {name!r}; configured: {names}", name=name, names=", ".join(p.name for p in found)
    )


def print_labels(
    labels: Sequence[Label],
    printer: PrinterConfig,
    *,
    fonts: Fonts | None = None,
    lang: str = "zh",
    skip: int = 0,
    progress: Progress | None = None,
    lp: str = "lp",
    timeout: float = 60.0,
) -> None:
    """Draw the labels in the printer's format and send them; PrinterError if it fails."""
    job = printer.job(fonts, lang, skip)
    if printer.kind == "raw":
        _to_device(
            printer,
            label_bytes(
                labels,
                job.fmt,
                size=job.size,
                dpi=job.dpi,
                sheet=job.sheet,
                fonts=job.fonts,
                lang=lang,
                progress=progress,
            ),
        )
        return
    with tempfile.TemporaryDirectory(prefix="custody-labels-") as tmp:
        files = write_labels(
            Path(tmp) / f"labels.{job.fmt}",
            labels,
            job.fmt,
            size=job.size,
            dpi=job.dpi,
            sheet=job.sheet,
            skip=skip,
            fonts=job.fonts,
            lang=lang,
            progress=progress,
        )
        _lp(printer, lp_options(job), files, lp, timeout)


def lp_options(job: Job) -> list[str]:
    """`lp -o` options that print at actual size: never fitted or scaled to the page."""
    if job.fmt in RAW_FORMATS:
        return ["-o", "raw"]
    size = job.label_size
    media = "A4" if job.sheet else f"Custom.{size.width_mm:g}x{size.height_mm:g}mm"
    options = ["-o", f"media={media}", "-o", "print-scaling=none", "-o", "fit-to-page=false"]
    if job.fmt == "png":
        options += ["-o", f"ppi={job.dpi}"]
    return options


def _lp(printer: PrinterConfig, options: list[str], files: list[Path], lp: str, timeout: float) -> None:
    cmd = [lp, "-d", printer.queue, "-t", "custody labels", *options, "--", *map(str, files)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise PrinterError("the CUPS command {lp} was not found (is CUPS installed?)", lp=lp) from None
    except subprocess.TimeoutExpired:
        raise PrinterError(
            "printer {name!r} did not accept the job within {timeout:g} s", name=printer.name, timeout=timeout
        ) from None
    log.info("printer %s: %s → %s", printer.name, " ".join(cmd[: -len(files)]), done.stdout.strip())
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip() or f"exit {done.returncode}"
        raise PrinterError(
            "printer {name!r} (CUPS queue {queue}) failed: {reason}",
            name=printer.name,
            queue=printer.queue,
            reason=reason,
        )


def _to_device(printer: PrinterConfig, data: bytes) -> None:
    try:
        fd = os.open(
            printer.device, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC
        )  # never O_CREAT: a typo makes no file
    except OSError as exc:
        raise _device_error(printer, exc) from exc
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise _device_error(printer, exc) from exc
    finally:
        os.close(fd)
    log.info(
        "printer %s: %d bytes of %s written to %s", printer.name, len(data), printer.format, printer.device
    )


def _device_error(printer: PrinterConfig, exc: OSError) -> PrinterError:
    reason = exc.strerror or str(exc)
    hint: Msg | str = ""
    if isinstance(exc, FileNotFoundError):
        hint = Msg(" (printer unplugged or off?)")
    elif isinstance(exc, PermissionError):
        hint = Msg(" (the user must be in group lp)")
    return PrinterError(
        "cannot write to printer {name!r} at {device}: {reason}{hint}",
        name=printer.name,
        device=printer.device,
        reason=reason,
        hint=hint,
    )
