"""Printing through a real `lp` process (a stand-in script on disk) and to a raw device path."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from custody.errors import InvalidInput, NotFound
from labels import ItemLabel, PrinterConfig, PrinterError, find_printer, label_bytes, print_labels

CODE = "123456789018"
LABELS = [ItemLabel(CODE, "secret", "10y", copy_no=3)]

FAKE_LP = """#!{python}
import json, shutil, sys
from pathlib import Path
here = Path(__file__).parent
args = sys.argv[1:]
if "-d" in args and args[args.index("-d") + 1] == "missing":
    sys.stderr.write("lp: The printer or class does not exist.\\n")
    sys.exit(1)
files = args[args.index("--") + 1:]
copies = []
for n, name in enumerate(files):
    copy = here / f"job-{{n}}{{Path(name).suffix}}"
    shutil.copy(name, copy)
    copies.append(str(copy))
(here / "lp.json").write_text(json.dumps({{"args": args, "copies": copies}}))
print("request id is label-1 (1 file(s))")
"""


@pytest.fixture
def lp(tmp_path: Path) -> Path:
    """An `lp` that behaves like CUPS's for one queue, records its arguments and keeps the spooled files."""
    spool = tmp_path / "spool"
    spool.mkdir()
    script = spool / "lp"
    script.write_text(FAKE_LP.format(python=sys.executable))
    script.chmod(0o755)
    return script


def recorded(lp: Path) -> dict:
    return json.loads((lp.parent / "lp.json").read_text())


def scan(path: str) -> list[str]:
    with Image.open(path) as image:
        return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def test_cups_png_at_actual_size(lp: Path) -> None:
    printer = PrinterConfig("desk", "cups", queue="zebra_desk", format="png", size="50x30", dpi=203)
    print_labels(LABELS, printer, lp=str(lp))
    job = recorded(lp)
    args = job["args"]
    assert args[:2] == ["-d", "zebra_desk"]
    for option in ("media=Custom.50x30mm", "print-scaling=none", "fit-to-page=false", "ppi=203"):
        assert args[args.index(option) - 1] == "-o"
    assert [scan(p) for p in job["copies"]] == [[CODE]]


def test_cups_pdf_sheet_on_a4(lp: Path) -> None:
    printer = PrinterConfig("office", "cups", queue="laser", format="pdf", sheet="L7160", dpi=300)
    print_labels(LABELS, printer, lp=str(lp), skip=4)
    args = recorded(lp)["args"]
    assert "media=A4" in args and "print-scaling=none" in args and "ppi=300" not in args
    assert Path(recorded(lp)["copies"][0]).read_bytes().startswith(b"%PDF-")


def test_cups_raw_queue_for_zpl(lp: Path) -> None:
    printer = PrinterConfig("zebra", "cups", queue="zebra_raw", format="zpl", dpi=300)
    print_labels(LABELS, printer, lp=str(lp))
    job = recorded(lp)
    assert job["args"][job["args"].index("raw") - 1] == "-o"
    assert Path(job["copies"][0]).read_bytes() == label_bytes(LABELS, "zpl", dpi=300)


def test_cups_failure_is_a_clear_error(lp: Path) -> None:
    printer = PrinterConfig("gone", "cups", queue="missing")
    with pytest.raises(PrinterError) as err:
        print_labels(LABELS, printer, lp=str(lp))
    assert "The printer or class does not exist" in err.value.message("zh") and "gone" in err.value.message(
        "zh"
    )


def test_without_cups_the_error_says_so(tmp_path: Path) -> None:
    printer = PrinterConfig("desk", "cups", queue="q")
    with pytest.raises(PrinterError) as err:
        print_labels(LABELS, printer, lp=str(tmp_path / "no-lp"))
    assert "CUPS" in err.value.message("zh") and "CUPS" in err.value.message("en")


@pytest.mark.parametrize("fmt", ["zpl", "tspl"])
def test_raw_device_gets_the_printer_language(tmp_path: Path, fmt: str) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")  # stands in for the character device; opened without O_CREAT like it
    printer = PrinterConfig("tsc", "raw", device=str(device), format=fmt, dpi=203)
    steps: list[int] = []
    print_labels(LABELS * 2, printer, progress=steps.append)
    assert device.read_bytes() == label_bytes(LABELS * 2, fmt, dpi=203)
    assert steps == [1, 1]


def test_a_missing_device_is_not_created(tmp_path: Path) -> None:
    device = tmp_path / "usb" / "lp9"
    printer = PrinterConfig("tsc", "raw", device=str(device), format="tspl")
    with pytest.raises(PrinterError) as err:
        print_labels(LABELS, printer)
    assert str(device) in err.value.message("zh") and "unplugged" in err.value.message("en")
    assert not device.exists()


def test_printers_are_named_settings() -> None:
    stored = [
        {
            "name": "desk",
            "kind": "cups",
            "queue": "zebra_desk",
            "format": "png",
            "size": "50x30",
            "dpi": "203",
        },
        {
            "name": "tsc",
            "kind": "raw",
            "device": "/dev/custody/label-printer",
            "format": "tspl",
            "size": "62",
        },
    ]
    printers = [PrinterConfig.from_dict(d) for d in stored]
    assert find_printer(printers, "tsc").device == "/dev/custody/label-printer"
    assert find_printer({p.name: p for p in printers}, "desk").dpi == 203
    assert PrinterConfig.from_dict(printers[0].to_dict()) == printers[0]
    with pytest.raises(NotFound) as err:
        find_printer(printers, "zebra")
    assert "desk, tsc" in err.value.message("zh")


@pytest.mark.parametrize(
    "settings",
    [
        {"name": "x", "kind": "ipp", "queue": "q"},
        {"name": "x", "kind": "cups"},
        {"name": "x", "kind": "cups", "queue": "-o evil"},
        {"name": "x", "kind": "raw", "device": "lp0", "format": "zpl"},
        {"name": "x", "kind": "raw", "device": "/dev/usb/lp0", "format": "pdf"},
        {"name": "x", "kind": "cups", "queue": "q", "size": "A7"},
        {"name": "x", "kind": "cups", "queue": "q", "dpi": 150},
        {"name": "x", "kind": "cups", "queue": "q", "format": "pdf", "sheet": "L9999"},
        {"name": "x", "kind": "cups", "queue": "q", "colour": "red"},
    ],
)
def test_bad_printer_settings_are_refused(settings: dict) -> None:
    with pytest.raises(InvalidInput):
        PrinterConfig.from_dict(settings)
