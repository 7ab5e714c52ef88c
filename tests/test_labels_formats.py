"""Every output format read back the way a printer or a PDF viewer reads it, then scanned."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from custody.codes import damm_digit
from custody.errors import CustodyError, InvalidInput
from labels import (
    BadgeLabel,
    CommandSheet,
    FontMissing,
    ItemLabel,
    command_sheet_bytes,
    label_bytes,
    render,
    render_command_sheet,
    write_command_sheet,
    write_labels,
)
from labels.sheets import SHEETS

MM = 300 / 25.4  # dots per mm when pages are rasterised at 300 dpi


def codes(n: int, start: int = 10_000_000_000) -> list[str]:
    return [str(b) + damm_digit(str(b)) for b in range(start, start + n)]


def labels_for(item_codes: list[str]) -> list[ItemLabel]:
    return [
        ItemLabel(c, "secret", "10y", copy_no=i + 1, doc_no="国发〔2024〕1号", unit="机要科")
        for i, c in enumerate(item_codes)
    ]


def scan(image: Image.Image) -> list[str]:
    return sorted(
        r.text for r in zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.Code128)
    )


def pdf_pages(path: Path) -> list[Image.Image]:
    doc = pdfium.PdfDocument(str(path))
    try:
        return [doc[i].render(scale=300 / 72, grayscale=True).to_pil() for i in range(len(doc))]
    finally:
        doc.close()


def pdf_sizes_mm(path: Path) -> list[tuple[float, float]]:
    doc = pdfium.PdfDocument(str(path))
    try:
        return [tuple(v * 25.4 / 72 for v in doc[i].get_size()) for i in range(len(doc))]
    finally:
        doc.close()


# --- PNG --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [203, 300])
def test_png_round_trip_records_its_dpi(tmp_path: Path, dpi: int) -> None:
    [code] = codes(1)
    [path] = write_labels(tmp_path / "label.png", labels_for([code]), dpi=dpi)
    with Image.open(path) as image:
        assert image.mode == "1"
        assert tuple(round(v) for v in image.info["dpi"]) == (dpi, dpi)
        assert scan(image) == [code]


def test_several_pngs_are_numbered(tmp_path: Path) -> None:
    item_codes = codes(3)
    paths = write_labels(tmp_path / "batch.png", labels_for(item_codes))
    assert [p.name for p in paths] == ["batch-001.png", "batch-002.png", "batch-003.png"]
    assert [scan(Image.open(p)) for p in paths] == [[c] for c in item_codes]


# --- PDF sheets ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sheet", "count", "skip"), [("L7160", 30, 5), ("L7651", 70, 3)])
def test_every_pdf_page_scans_back(tmp_path: Path, sheet: str, count: int, skip: int) -> None:
    item_codes = codes(count)
    path = tmp_path / "sheet.pdf"
    write_labels(path, labels_for(item_codes), sheet=sheet, skip=skip)
    per_page = SHEETS[sheet].per_page
    pages = pdf_pages(path)
    assert len(pages) == 2
    assert all(abs(w - 210) < 0.1 and abs(h - 297) < 0.1 for w, h in pdf_sizes_mm(path))
    first = per_page - skip
    assert scan(pages[0]) == sorted(item_codes[:first])
    assert scan(pages[1]) == sorted(item_codes[first:])


# Published geometry (mm): label w × h, columns × rows, top margin, side margin, horizontal and vertical pitch.
PUBLISHED = {
    "L7160": (63.5, 38.1, 3, 7, 15.15, 7.25, 66.0, 38.1),
    "L7651": (38.1, 21.2, 5, 13, 10.7, 4.75, 40.6, 21.2),
}


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_sheet_geometry_matches_the_published_template(name: str) -> None:
    w, h, cols, rows, top, side, pitch_x, pitch_y = PUBLISHED[name]
    sheet = SHEETS[name]
    assert (sheet.label_w_mm, sheet.label_h_mm, sheet.columns, sheet.rows) == (w, h, cols, rows)
    for slot in range(sheet.per_page):
        row, col = divmod(slot, cols)
        assert sheet.position(slot) == pytest.approx((side + col * pitch_x, top + row * pitch_y))
    right = 210 - (side + (cols - 1) * pitch_x + w)
    bottom = 297 - (top + (rows - 1) * pitch_y + h)
    assert right == pytest.approx(side) and bottom == pytest.approx(top)  # the templates are symmetric


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_printed_labels_sit_inside_their_sheet_positions(tmp_path: Path, name: str) -> None:
    w, h, cols, rows, top, side, pitch_x, pitch_y = PUBLISHED[name]
    skip = 2
    path = tmp_path / "sheet.pdf"
    count = cols * rows - skip
    write_labels(path, labels_for(codes(count)), sheet=name, skip=skip)
    [page] = pdf_pages(path)
    remaining = page.copy()
    for slot in range(cols * rows):
        row, col = divmod(slot, cols)
        box = tuple(
            round(v * MM)
            for v in (
                side + col * pitch_x,
                top + row * pitch_y,
                side + col * pitch_x + w,
                top + row * pitch_y + h,
            )
        )
        cell = page.crop(box)
        if slot < skip:
            assert cell.getextrema() == (255, 255), f"skipped label {slot} is printed on"
        else:
            assert cell.getextrema()[0] < 128, f"label {slot} is empty"
            # nothing of the label touches the cut: a 0.5 mm border inside each label is white
            inner = (
                round(0.5 * MM),
                round(0.5 * MM),
                cell.width - round(0.5 * MM),
                cell.height - round(0.5 * MM),
            )
            border = cell.copy()
            border.paste(255, inner)
            assert border.getextrema()[0] >= 128, f"label {slot} runs over its edge"
        remaining.paste(255, box)
    assert remaining.getextrema()[0] >= 128, "ink outside every label position"


def test_pdf_with_one_label_a_page(tmp_path: Path) -> None:
    item_codes = codes(2)
    path = tmp_path / "labels.pdf"
    write_labels(path, labels_for(item_codes), size="50x30", sheet=None)
    assert pdf_sizes_mm(path) == [pytest.approx((50, 30), abs=0.05)] * 2
    assert [scan(p) for p in pdf_pages(path)] == [[c] for c in item_codes]


def test_skip_is_checked() -> None:
    for skip in (-1, 21):
        with pytest.raises(InvalidInput):
            label_bytes(labels_for(codes(1)), "pdf", sheet="L7160", skip=skip)
    with pytest.raises(InvalidInput):
        label_bytes(labels_for(codes(1)), "zpl", skip=1)


# --- ZPL and TSPL, decoded as the printer would ------------------------------------------------------------

ZPL_COUNTS = {c: i + 1 for i, c in enumerate("GHIJKLMNOPQRSTUVWXY")} | {
    c: 20 * (i + 1) for i, c in enumerate("ghijklmnopqrstuvwxyz")
}


def zpl_rows(field: str, row_chars: int) -> list[str]:
    """Undo ZPL's ASCII compression of a ^GFA field into full hex rows."""
    rows: list[str] = []
    row, count = "", 0
    for ch in field:
        if ch in ZPL_COUNTS:
            count += ZPL_COUNTS[ch]
        elif ch == ":":
            rows.append(rows[-1])
        elif ch in ",!":
            rows.append(row.ljust(row_chars, "0" if ch == "," else "F"))
            row = ""
        else:
            row += ch * (count or 1)
            count = 0
            if len(row) == row_chars:
                rows.append(row)
                row = ""
    assert row == "", "a row is left unfinished"
    return rows


def zpl_images(data: bytes) -> list[Image.Image]:
    images = []
    for fmt in re.finditer(r"\^XA(.*?)\^XZ", data.decode("ascii"), re.S):
        width = int(re.search(r"\^PW(\d+)", fmt[1])[1])
        gf = re.search(r"\^GFA,(\d+),(\d+),(\d+),([^^]*)\^FS", fmt[1])
        total, per_row = int(gf[2]), int(gf[3])
        rows = zpl_rows(gf[4], per_row * 2)
        assert len(rows) * per_row == total
        dots = bytes.fromhex("".join(rows))  # a set bit prints a dot
        image = Image.frombytes("1", (per_row * 8, len(rows)), bytes(255 - b for b in dots))
        padding = image.crop((width, 0, image.width, image.height))
        assert padding.width == 0 or padding.getextrema() == (255, 255), "row padding must not print"
        images.append(image.crop((0, 0, width, len(rows))))
    return images


def tspl_images(data: bytes) -> list[Image.Image]:
    images, pos = [], 0
    while (m := re.compile(rb"BITMAP (\d+),(\d+),(\d+),(\d+),(\d+),").search(data, pos)) is not None:
        per_row, height = int(m[3]), int(m[4])
        raw = data[m.end() : m.end() + per_row * height]
        pos = m.end() + len(raw)
        assert data[pos : pos + 2] == b"\r\n"
        # TSPL prints a dot for a clear bit (TSC's own CUPS filter inverts the page's bits)
        dots = bytes(~b & 0xFF for b in raw)
        images.append(Image.frombytes("1", (per_row * 8, height), bytes(255 - b for b in dots)))
    return images


@pytest.mark.parametrize("dpi", [203, 300])
def test_zpl_raster_decodes_back(tmp_path: Path, dpi: int) -> None:
    item_codes = codes(3)
    [path] = write_labels(tmp_path / "labels.zpl", labels_for(item_codes), dpi=dpi)
    data = path.read_bytes()
    images = zpl_images(data)
    assert [scan(im) for im in images] == [[c] for c in item_codes]
    w, h = render(labels_for(item_codes)[0], "50x30", dpi).size
    assert all(im.size == (w, h) for im in images)
    assert f"^PW{w}^LL{h}".encode() in data and b"^MNY" in data
    assert images[0].tobytes() == render(labels_for(item_codes)[0], "50x30", dpi).tobytes()


def test_zpl_for_continuous_media() -> None:
    data = label_bytes(labels_for(codes(1)), "zpl", size="62", dpi=203)
    assert b"^MNN" in data
    assert [scan(im) for im in zpl_images(data)] == [codes(1)]


@pytest.mark.parametrize("dpi", [203, 300])
def test_tspl_bitmap_decodes_back(tmp_path: Path, dpi: int) -> None:
    item_codes = codes(2)
    [path] = write_labels(tmp_path / "labels.tspl", labels_for(item_codes), dpi=dpi)
    data = path.read_bytes()
    assert (
        data.count(b"SIZE 50 mm,30 mm\r\nGAP 2 mm,0 mm\r\nDIRECTION 0,0\r\nREFERENCE 0,0\r\nCLS\r\n") == 2
        and data.count(b"PRINT 1,1\r\n") == 2
    )
    images = tspl_images(data)
    assert [scan(im) for im in images] == [[c] for c in item_codes]
    label = render(labels_for(item_codes)[0], "50x30", dpi)
    assert images[0].crop((0, 0, *label.size)).tobytes() == label.tobytes()
    assert images[0].width == (label.width + 7) // 8 * 8
    if label.width % 8:  # 591 dots at 300 dpi: the last byte of each row is part padding
        padding = images[0].crop((label.width, 0, images[0].width, label.height))
        assert padding.getextrema() == (255, 255), "row padding must not print"


# A printer keeps orientation and the reference point from one job to the next: the jobs below are
# printed on a printer whose last job (someone else's) left it rotated, mirrored and shifted.

LEFT_BEHIND_ZPL = b"^XA^POI^PMY^LRY^FWR^LH40,30^XZ\n"
LEFT_BEHIND_TSPL = b"DIRECTION 1,1\r\nREFERENCE 24,16\r\n"


def zpl_printed(data: bytes) -> list[Image.Image]:
    """What a Zebra prints: each format's ^GF field placed at ^LH + ^FO on a ^PW × ^LL label, then
    reversed (^LR), mirrored (^PM) and rotated (^PO) as the printer's state — kept across formats — says.
    A ^FW other than N is refused: it would turn the fields of the next job."""
    state = {"PO": "N", "PM": "N", "LR": "N", "FW": "N", "LH": "0,0"}
    formats = re.findall(rb"\^XA.*?\^XZ", data, re.S)
    fields = iter(zpl_images(b"".join(f for f in formats if b"^GFA" in f)))
    printed = []
    for fmt in re.finditer(r"\^XA(.*?)\^XZ", data.decode("ascii"), re.S):
        for command, value in re.findall(r"\^(PO|PM|LR|FW|LH)([^^]*)", fmt[1]):
            state[command] = value
        if "^GFA" not in fmt[1]:
            continue
        assert state["FW"] == "N", "fields would be printed turned"
        width, height = int(re.search(r"\^PW(\d+)", fmt[1])[1]), int(re.search(r"\^LL(\d+)", fmt[1])[1])
        hx, hy = map(int, state["LH"].split(","))
        fx, fy = map(int, re.search(r"\^FO(\d+),(\d+)", fmt[1]).groups())
        label = Image.new("1", (width, height), 1)
        label.paste(next(fields), (hx + fx, hy + fy))
        if state["LR"] == "Y":
            label = label.point(lambda v: 255 - v)
        if state["PM"] == "Y":
            label = label.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        if state["PO"] == "I":
            label = label.rotate(180)
        printed.append(label)
    return printed


def tspl_printed(data: bytes, dpi: int) -> list[Image.Image]:
    """What a TSC prints: each BITMAP at REFERENCE + its x,y on a SIZE label, turned and mirrored as
    DIRECTION says; both kept from job to job."""
    direction, mirror, ref = 0, 0, (0, 0)
    bitmaps = iter(tspl_images(data))
    printed = []
    text = data.decode("latin-1")
    for m in re.finditer(r"(DIRECTION|REFERENCE|SIZE|BITMAP) ([^\r]*)", text):
        word, args = m[1], m[2]
        if word == "DIRECTION":
            direction, mirror = (int(v) for v in args.split(","))
        elif word == "REFERENCE":
            ref = tuple(int(v) for v in args.split(","))
        elif word == "SIZE":
            w_mm, h_mm = (float(v.strip().removesuffix("mm")) for v in args.split(","))
            size = (round(w_mm * dpi / 25.4), round(h_mm * dpi / 25.4))
        else:
            x, y = (int(v) for v in args.split(",")[:2])
            label = Image.new("1", size, 1)
            label.paste(next(bitmaps), (ref[0] + x, ref[1] + y))
            if mirror:
                label = label.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            if direction:
                label = label.rotate(180)
            printed.append(label)
    return printed


@pytest.mark.parametrize("dpi", [203, 300])
def test_zpl_sets_orientation_and_home_whatever_the_last_job_left(dpi: int) -> None:
    """Guards against a ZPL job inheriting ^POI, ^PMY, ^LRY, ^FWR or ^LH from the printer's last job."""
    batch = labels_for(codes(2))
    data = label_bytes(batch, "zpl", dpi=dpi)
    for fmt in re.findall(rb"\^XA.*?\^XZ", data, re.S):
        assert fmt.index(b"^PON^PMN^LRN^FWN^LH0,0") < fmt.index(b"^GFA")
    printed = zpl_printed(LEFT_BEHIND_ZPL + data)
    assert [scan(im) for im in printed] == [[label.code] for label in batch]
    assert printed[0].tobytes() == render(batch[0], "50x30", dpi).tobytes()
    unset = data.replace(b"^PON^PMN^LRN^FWN^LH0,0", b"^LH0,0")
    turned = zpl_printed(LEFT_BEHIND_ZPL.replace(b"^FWR", b"") + unset)[0]
    assert turned.tobytes() != printed[0].tobytes(), (
        "the simulated printer must notice a job that sets nothing"
    )
    with pytest.raises(AssertionError, match="turned"):
        zpl_printed(LEFT_BEHIND_ZPL + unset)


@pytest.mark.parametrize("dpi", [203, 300])
def test_tspl_sets_direction_and_reference_whatever_the_last_job_left(dpi: int) -> None:
    """Guards against a TSPL job inheriting DIRECTION and REFERENCE from the printer's last job."""
    batch = labels_for(codes(2))
    data = label_bytes(batch, "tspl", dpi=dpi)
    for job in data.split(b"PRINT 1,1\r\n")[:-1]:
        assert job.index(b"DIRECTION 0,0\r\n") < job.index(b"BITMAP")
        assert job.index(b"REFERENCE 0,0\r\n") < job.index(b"BITMAP")
    printed = tspl_printed(LEFT_BEHIND_TSPL + data, dpi)
    assert [scan(im) for im in printed] == [[label.code] for label in batch]
    label = render(batch[0], "50x30", dpi)
    assert printed[0].crop((0, 0, *label.size)).tobytes() == label.tobytes()
    unset = data.replace(b"DIRECTION 0,0\r\n", b"").replace(b"REFERENCE 0,0\r\n", b"")
    assert tspl_printed(LEFT_BEHIND_TSPL + unset, dpi)[0].tobytes() != printed[0].tobytes()


# --- command sheet and badges ------------------------------------------------------------------------------

COMMANDS = [
    ("CMD-END", "结束会话"),
    ("CMD-INV", "开始清点"),
    ("CMD-CANCEL", "取消上一步"),
    ("CMD-0001", "测试"),
]


def test_command_sheet_pdf_scans_back(tmp_path: Path) -> None:
    many = COMMANDS + [(f"CMD-{n:02d}", f"命令 {n}") for n in range(8)]
    [path] = write_command_sheet(tmp_path / "commands.pdf", CommandSheet(many))
    pages = pdf_pages(path)
    assert len(pages) == 2
    assert sorted(scan(pages[0]) + scan(pages[1])) == sorted(c for c, _ in many)
    assert len(scan(pages[0])) == 9  # nine rows a page
    assert pdf_sizes_mm(path) == [pytest.approx((210, 297), abs=0.1)] * 2


def test_command_sheet_png(tmp_path: Path) -> None:
    data = command_sheet_bytes(CommandSheet(COMMANDS), "png", dpi=203)
    path = tmp_path / "c.png"
    path.write_bytes(data)
    assert scan(Image.open(path)) == sorted(c for c, _ in COMMANDS)


def test_badges_in_every_format() -> None:
    badges = [BadgeLabel("张伟", "0006547886", "办公室"), BadgeLabel("李娜", "B-1024")]
    assert [scan(im) for im in zpl_images(label_bytes(badges, "zpl", dpi=203))] == [
        ["0006547886"],
        ["B-1024"],
    ]
    assert [scan(im) for im in tspl_images(label_bytes(badges, "tspl", dpi=300))] == [
        ["0006547886"],
        ["B-1024"],
    ]


# --- atomic writes, progress ------------------------------------------------------------------------------


def test_no_partial_file_when_a_label_fails_midway(tmp_path: Path) -> None:
    good = labels_for(codes(4))
    bad = ItemLabel(
        codes(1, start=20_000_000_000)[0], "secret", unit="办公室\ue000"
    )  # the font has no such glyph
    target = tmp_path / "labels.pdf"
    target.write_bytes(b"the previous batch")
    for fmt, name in (
        ("pdf", "labels.pdf"),
        ("zpl", "labels.zpl"),
        ("tspl", "labels.tspl"),
        ("png", "new.png"),
    ):
        with pytest.raises(FontMissing):
            write_labels(tmp_path / name, [*good, bad, *good], fmt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.pdf"]
    assert target.read_bytes() == b"the previous batch"


def test_unwritable_target_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CustodyError) as err:
        write_labels(tmp_path / "missing-dir" / "labels.pdf", labels_for(codes(1)))
    assert "missing-dir" in err.value.message("zh") and "cannot write" in err.value.message("en")
    assert list(tmp_path.iterdir()) == []


def test_format_comes_from_the_suffix_or_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        write_labels(tmp_path / "labels.docx", labels_for(codes(1)))
    with pytest.raises(InvalidInput):
        label_bytes(labels_for(codes(1)), "gif")
    with pytest.raises(InvalidInput):
        label_bytes([], "pdf")
    with pytest.raises(InvalidInput):
        label_bytes(labels_for(codes(2)), "png")
    assert list(tmp_path.iterdir()) == []


def test_progress_is_reported_once_per_label(tmp_path: Path) -> None:
    steps: list[int] = []
    write_labels(tmp_path / "labels.pdf", labels_for(codes(25)), progress=steps.append)
    assert steps == [1] * 25


def test_the_same_labels_give_the_same_pdf_bytes() -> None:
    batch = labels_for(codes(3))
    assert label_bytes(batch, "pdf") == label_bytes(batch, "pdf")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_stations_own_command_sheet_scans_back(lang: str) -> None:
    from custody.scan.commands import sheet_rows

    rows = sheet_rows(lang)
    pages = render_command_sheet(CommandSheet(rows), 203, lang=lang)
    assert sorted(scan(pages[0]) + [c for p in pages[1:] for c in scan(p)]) == sorted(c for c, _ in rows)
