"""Labels: layout and rendering (PNG, PDF sheets, ZPL, TSPL) and printing.

The public API, for the CLI and the web service:

    from labels import ItemLabel, write_labels
    write_labels("labels.pdf", [ItemLabel("123456789018", "secret", "10y", copy_no=3)])

See docs/labels.md for sizes, formats and printers.
"""

from labels.bars import MIN_MODULE_MM
from labels.commands import render_command_sheet
from labels.fonts import FontMissing, Fonts, default_fonts
from labels.model import BadgeLabel, CommandSheet, ItemLabel, Label
from labels.output import (
    FORMATS,
    Progress,
    command_sheet_bytes,
    format_for,
    label_bytes,
    write_command_sheet,
    write_labels,
)
from labels.printing import PrinterConfig, PrinterError, find_printer, print_labels
from labels.render import MIN_MARKING_MM, MIN_TEXT_MM, LabelTooSmall, marking_fits, marking_problem, render
from labels.sheets import SHEETS, Sheet
from labels.sizes import DPIS, SIZES, LabelSize, label_size

__all__ = [
    "DPIS",
    "FORMATS",
    "MIN_MARKING_MM",
    "MIN_MODULE_MM",
    "MIN_TEXT_MM",
    "SHEETS",
    "SIZES",
    "BadgeLabel",
    "CommandSheet",
    "FontMissing",
    "Fonts",
    "ItemLabel",
    "Label",
    "LabelTooSmall",
    "LabelSize",
    "PrinterConfig",
    "PrinterError",
    "Progress",
    "Sheet",
    "command_sheet_bytes",
    "default_fonts",
    "find_printer",
    "format_for",
    "label_bytes",
    "label_size",
    "marking_fits",
    "marking_problem",
    "print_labels",
    "render",
    "render_command_sheet",
    "write_command_sheet",
    "write_labels",
]
