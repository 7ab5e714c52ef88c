"""What a label shows: the marking in real CJK glyphs, the right fields, never the title."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from custody import vocab
from custody.codes import damm_digit
from custody.errors import InvalidInput
from custody.messages import translate
from labels import (
    SHEETS,
    SIZES,
    BadgeLabel,
    CommandSheet,
    FontMissing,
    Fonts,
    ItemLabel,
    default_fonts,
    render,
    write_labels,
)
from labels.commands import PAGE, TITLE
from labels.render import (
    COPY,
    DOC_NO,
    MIN_MARKING_MM,
    MIN_TEXT_MM,
    LabelTooSmall,
    _number_length,
    marking_fits,
    marking_problem,
)
from labels.sizes import mm_to_dots
from labels.text import BASELINE, ELLIPSIS, set_line, set_line_keeping_end

CODE = "123456789018"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PERIOD_SPECS = ["30y", "20y", "10y", "6m", "until:2030-06-30", "long-term", "condition:x"]


def vocabulary_text() -> str:
    """Every Chinese word a label or the command sheet can print."""
    terms = [*vocab.LEVELS, *vocab.KINDS, *vocab.ROLES, *vocab.STATION_KINDS, *vocab.STATUSES]
    words = [t.zh for t in terms] + [translate(text, "zh") for text in (COPY, DOC_NO, TITLE, PAGE)]
    words += [vocab.Period(spec).marking("zh") for spec in PERIOD_SPECS]
    return "".join(words) + "★0123456789-〔〕（）" + ELLIPSIS


def ink(image: Image.Image) -> float:
    grey = image.convert("L")
    return grey.histogram()[0] / (grey.width * grey.height)


def test_the_font_has_every_character_of_the_vocabulary() -> None:
    fonts = default_fonts()
    text = vocabulary_text()
    for must in (
        "份号",
        "★",
        "年",
        "个月",
        "长期",
        "绝密",
        "机密",
        "秘密",
        "内部",
        "非密",
        "介绍信",
        "存储介质",
    ):
        assert must in text
    assert fonts.missing(text) == ""
    assert fonts.missing("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-", mono=True) == ""
    assert fonts.sans.name() == "Noto Sans CJK SC Regular"
    assert fonts.mono.name() == "Noto Sans Mono CJK SC Regular"


@pytest.mark.parametrize("text", ["绝密★30年", "机密★长期", "秘密★6个月", "份号", "介绍信", "存储介质"])
def test_cjk_glyphs_are_drawn_with_ink_not_empty_boxes(text: str) -> None:
    fonts = default_fonts()
    line = set_line(fonts, text, 10_000, 64, bold=True)
    canvas = Image.new("1", (line.width + 8, 80), 1)
    line.draw(canvas, 0, 0)
    font = fonts.sans_font(64)
    box = Image.new("1", (80, 80), 1)  # what a missing glyph would look like, drawn the same way
    ImageDraw.Draw(box).text(
        (line.stroke, round(BASELINE * 64)),
        "\U0010ffff",
        font=font,
        fill=0,
        anchor="ls",
        stroke_width=line.stroke,
        stroke_fill=0,
    )
    for i, ch in enumerate(text):
        x0 = round(font.getlength(text[:i]))
        x1 = round(font.getlength(text[: i + 1]))
        cell = canvas.crop((x0, 0, x1 + 2 * line.stroke, 80))
        assert ink(cell) > 0.08, f"no ink where {ch!r} should be"
        # a missing glyph would be this very box (overlap 1.0); bold strokes of a real glyph cross it partly
        assert overlap(cell, box.crop((0, 0, cell.width, 80))) < 0.8, f"{ch!r} is drawn as an empty box"


def overlap(a: Image.Image, b: Image.Image) -> float:
    """Intersection over union of the black pixels of two images of one size."""
    pa, pb = a.convert("L").tobytes(), b.convert("L").tobytes()
    both = sum(1 for x, y in zip(pa, pb, strict=True) if x == 0 and y == 0)
    either = sum(1 for x, y in zip(pa, pb, strict=True) if x == 0 or y == 0)
    return both / either if either else 1.0


def test_the_marking_line_on_a_label_has_ink() -> None:
    image = render(ItemLabel(CODE, "top-secret", "30y", copy_no=3), "50x30", 300)
    band = image.crop((0, 18, image.width, 18 + 70))  # the top line: margin 1.5 mm, 21 % of the inner height
    assert 0.12 < ink(band) < 0.6
    left_half = band.crop((0, 0, band.width // 2, band.height))
    assert ink(left_half) > ink(band), "the marking sits on the left, in the largest type"


def test_a_font_without_chinese_is_refused_naming_the_characters() -> None:
    if not DEJAVU.is_file():
        pytest.skip("DejaVu Sans is not installed")
    fonts = Fonts.load(DEJAVU)
    assert fonts.missing("机密A") == "机密"
    with pytest.raises(FontMissing) as err:
        render(ItemLabel(CODE, "secret", "10y"), fonts=fonts)
    assert "机" in err.value.message("zh") and "DejaVuSans.ttf" in err.value.message("zh")


def test_a_missing_font_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FontMissing) as err:
        Fonts.load(tmp_path / "nope.ttc")
    assert "nope.ttc" in err.value.message("zh") and "not found" in err.value.message("en")


def test_a_system_collection_picks_the_simplified_chinese_face() -> None:
    packaged = default_fonts().sans.path
    fonts = Fonts.load(packaged)
    assert fonts.sans.name() == "Noto Sans CJK SC Regular"
    assert fonts.mono.name() == "Noto Sans Mono CJK SC Regular"


def test_text_the_font_lacks_is_refused_not_drawn_as_boxes() -> None:
    label = ItemLabel(CODE, "secret", "10y", unit="办公室\ue000")
    with pytest.raises(FontMissing) as err:
        render(label)
    assert "\ue000" in err.value.message("zh")


def test_an_item_label_has_no_title_and_from_item_ignores_it() -> None:
    assert "title" not in {f.name for f in dataclasses.fields(ItemLabel)}
    item = {
        "code": CODE,
        "title": "绝密会议纪要",
        "kind": "document",
        "level": "机密",
        "copy_no": 3,
        "doc_no": "A-1",
    }
    label = ItemLabel.from_item(item, unit="机要科", received="2024-05-08", period="10年")
    assert label == ItemLabel(CODE, "secret", "10y", 3, "document", "A-1", "机要科", date(2024, 5, 8))
    assert "绝密会议纪要" not in repr(label)


def test_item_label_values_are_normalised_and_checked() -> None:
    label = ItemLabel(CODE, "机密", "长期", copy_no=3, kind="印章", doc_no=" 国发\n〔2024〕1号 ")
    assert (label.level, label.period, label.kind, label.doc_no) == (
        "secret",
        "long-term",
        "seal",
        "国发 〔2024〕1号",
    )
    assert label.marking() == "机密★长期" and label.copy_text == "000003"
    assert ItemLabel(CODE, "confidential", "6m").marking() == "秘密★6个月"
    assert ItemLabel(CODE, "unclassified").marking() == "非密"
    for bad in (
        dict(code="123456789017"),
        dict(level="cosmic"),
        dict(period="40y"),
        dict(copy_no=0),
        dict(copy_no=1_000_000),
        dict(kind="poster"),
        dict(received="yesterday"),
    ):
        with pytest.raises(InvalidInput):
            ItemLabel(**{"code": CODE, "level": "secret", **bad})


def test_badge_and_command_sheet_are_checked() -> None:
    with pytest.raises(InvalidInput):
        BadgeLabel("", "0006547886")
    with pytest.raises(InvalidInput):
        CommandSheet([])
    with pytest.raises(InvalidInput):
        CommandSheet([("CMD-END", "")])
    with pytest.raises(InvalidInput):
        CommandSheet([("结束", "结束会话")])
    assert CommandSheet([("CMD-END", " 结束会话 ")]).commands == (("CMD-END", "结束会话"),)


def test_long_fields_are_shrunk_then_truncated_never_the_marking() -> None:
    label = ItemLabel(
        CODE,
        "top-secret",
        "until:2030-12-31",
        copy_no=123456,
        kind="medium",
        doc_no="国保发〔2024〕123456号附件三之二补充说明" * 2,
        unit="某某省某某市人民政府办公厅机要处" * 2,
        received=date(2024, 12, 31),
    )
    image = render(label, "40x30", 203)
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [CODE]


def test_english_labels_on_request() -> None:
    image = render(ItemLabel(CODE, "secret", "10y", copy_no=3), "50x30", 300, lang="en")
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [CODE]
    assert image.tobytes() != render(ItemLabel(CODE, "secret", "10y", copy_no=3), "50x30", 300).tobytes()


def test_rendered_labels_are_one_bit_of_the_exact_size_in_dots() -> None:
    for size, dpi, dots in (("50x30", 203, (400, 240)), ("50x30", 300, (591, 354)), ("62", 300, (732, 354))):
        image = render(BadgeLabel("张伟", "0006547886", "办公室"), size, dpi)
        assert image.mode == "1" and image.size == dots and image.info["dpi"] == (dpi, dpi)
        assert set(image.convert("L").tobytes()) == {0, 255}


def test_unknown_size_and_resolution_are_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        render(ItemLabel(CODE, "secret"), "A7")
    assert "50x30" in err.value.message("zh")
    with pytest.raises(InvalidInput):
        render(ItemLabel(CODE, "secret"), "50x30", 150)


# --- issue 17: physical type sizes, batches, long document numbers -------------------------------

DATED = "until:2030-12-31"  # 机密★至2030年12月31日, the longest marking a Chinese label carries


def marking_ink_height_mm(image: Image.Image) -> float:
    """The height of the ink of the marking line (the top band of an item label), in mm."""
    dpi = image.info["dpi"][0]
    band = image.crop((0, 0, image.width // 2, round(0.3 * image.height))).convert("L")
    rows = [y for y in range(band.height) if band.crop((0, y, band.width, y + 1)).getextrema()[0] == 0]
    return (rows[-1] - rows[0] + 1) * 25.4 / dpi


@pytest.mark.parametrize("size", ["40x30", "L7651"])
def test_a_marking_that_fits_at_203_dpi_fits_at_300(size: str) -> None:
    """Guards against `--size 40x30 --dpi 300` refusing 机密★至2030年12月31日 that 203 dpi printed."""
    label = ItemLabel(CODE, "secret", DATED, copy_no=3, doc_no="办发〔2026〕12号", unit="机要科")
    chosen = SHEETS[size].label_size if size in SHEETS else size
    images = [render(label, chosen, dpi) for dpi in (203, 300)]
    for image in images:
        assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [CODE]
    heights = [marking_ink_height_mm(image) for image in images]
    assert abs(heights[0] - heights[1]) < 0.25, heights  # the same type, in mm, at both resolutions


def test_the_smallest_marking_type_is_physical() -> None:
    assert MIN_MARKING_MM >= MIN_TEXT_MM
    for dpi in (203, 300):
        image = render(ItemLabel(CODE, "secret", DATED, copy_no=3), SHEETS["L7651"].label_size, dpi)
        assert marking_ink_height_mm(image) >= 0.8 * MIN_MARKING_MM  # a Chinese character is ~0.9 em


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [*SIZES, *SHEETS])
@pytest.mark.parametrize("period", [DATED, "long-term", "condition:本项目验收后", "10y"])
def test_whether_a_marking_fits_does_not_depend_on_the_resolution(size: str, period: str, lang: str) -> None:
    label = ItemLabel(CODE, "top-secret", period, copy_no=123456)
    chosen = SHEETS[size].label_size if size in SHEETS else size
    outcomes = []
    for dpi in (203, 300):
        try:
            render(label, chosen, dpi, lang=lang)
            outcomes.append("printed")
        except LabelTooSmall:
            outcomes.append("refused")
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0] == "printed") == marking_fits(label, chosen, lang=lang)


def test_a_batch_with_a_label_that_cannot_fit_is_refused_whole_naming_it(tmp_path: Path) -> None:
    """Guards against one refused label failing a batch without saying which, or half a batch."""
    c1, c2, c3, c4 = (str(n) + damm_digit(str(n)) for n in range(10_000_000_000, 10_000_000_004))
    good = [ItemLabel(c, "secret", "10y", copy_no=1) for c in (c1, c2)]
    bad = [ItemLabel(c, "top-secret", DATED, copy_no=2) for c in (c3, c4)]
    target = tmp_path / "labels.pdf"
    target.write_bytes(b"the previous batch")
    drawn: list[int] = []
    for fmt, name in (
        ("pdf", "labels.pdf"),
        ("zpl", "labels.zpl"),
        ("tspl", "labels.tspl"),
        ("png", "n.png"),
    ):
        with pytest.raises(LabelTooSmall) as err:
            write_labels(tmp_path / name, [good[0], bad[0], good[1], bad[1]], fmt, sheet="L7651",
                         size="40x30", lang="en", progress=drawn.append)  # fmt: skip
        text = err.value.message("en")
        assert c3 in text and c4 in text and c1 not in text
        assert "50x30" in text and "Nothing of the batch was written" in text
        assert c3 in err.value.message("zh") and "整批未输出" in err.value.message("zh")
    assert drawn == [], "the batch is checked before any label is drawn"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.pdf"]
    assert target.read_bytes() == b"the previous batch"
    assert marking_problem(good, "40x30", lang="en") is None


@pytest.mark.parametrize(
    "doc_no, end",
    [
        ("中共某某省某某市某某县委员会办公厅发〔2026〕12号", "〔2026〕12号"),
        ("县委办公厅发电报明传第〔2026〕第123号", "〔2026〕第123号"),
        ("某某省人民政府办公厅机要交通局介字第 0042 号", "第 0042 号"),
        ("某某市档案馆馆藏档案整理编目档-2019-118", "2019-118"),
    ],
)
def test_a_long_document_number_keeps_its_beginning_and_its_number(doc_no: str, end: str) -> None:
    """Guards against `…办公厅发〔202…`: the number at the end is never cut."""
    fonts = default_fonts()
    assert doc_no.endswith(end) and _number_length(doc_no) == len(end)
    for dpi in (203, 300):
        width = mm_to_dots(37 - 3, dpi)
        px = mm_to_dots(MIN_TEXT_MM, dpi)
        line = set_line_keeping_end(fonts, "文件  文号 ", doc_no, len(end), width, px, min_px=px)
        assert line.width <= width
        assert line.text.startswith("文件  文号 " + doc_no[:2]) and line.text.endswith(ELLIPSIS + end)
        label = ItemLabel(CODE, "secret", "10y", doc_no=doc_no, unit="机要科")
        image = render(label, "40x30", dpi)
        assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [CODE]


def test_a_short_document_number_is_printed_whole() -> None:
    fonts = default_fonts()
    line = set_line_keeping_end(fonts, "文件  文号 ", "办发〔2026〕12号", 9, 10_000, 30, min_px=20)
    assert line.text == "文件  文号 办发〔2026〕12号" and line.px == 30
