"""The registers (P21) from the ledger for a date range, their CSV and printable PDF, and the P4
review list."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta

import pypdfium2 as pdfium
import pytest
from closing_support import BACKENDS, MONDAY, office_at, recent_morning, run_cli

from custody.actions import closing as closing_actions
from custody.actions import core as actions
from custody.actions import inventory
from custody.closing import schedule as closing
from custody.errors import InvalidInput
from custody.reports import registers
from labels.register_pdf import PAGE, render_pages, write_pdf

DAY = MONDAY.date()


@pytest.fixture(params=BACKENDS)
def office(request, tmp_path):
    with office_at(tmp_path, backend=request.param) as o:  # items received on Monday 09:00
        yield o


def test_receipts_one_row_per_receipt_with_copy_range(office):
    reg = registers.build(office.store, "收文", DAY, DAY)
    assert reg.title() == "收文登记簿" and reg.headings()[:5] == [
        "序号",
        "收文日期",
        "来文机关",
        "文号",
        "标题",
    ]
    first = reg.rows[0]
    assert (
        first["title"],
        first["copies"],
        first["copy_nos"],
        first["marking"],
        first["issuer"],
        first["doc_no"],
    ) == ("年度工作要点", "3", "000001–000003", "机密★10年", "县委办公室", "办发〔2026〕12号")
    assert [r["title"] for r in reg.rows] == ["年度工作要点", "绝密通知", "办公室印章", "学习材料"]
    assert (
        registers.build(office.store, "receipts", DAY + timedelta(days=1), DAY + timedelta(days=2)).rows == []
    )


def test_receipts_show_codes_only_where_they_mean_something(office):
    """Issue 17: the 收文登记簿 showed random item codes as a range (`686825971164…282004047693`),
    which says nothing; the copy numbers say the range, and a few codes are listed each."""
    office.at("11:00")
    actions.receive(office.store, title="大批来文", level="internal", copies=6, actor="test")
    reg = registers.build(office.store, "收文", DAY, DAY)
    rows = {r["title"]: r for r in reg.rows}
    three = rows["年度工作要点"]
    assert "…" not in three["codes"] and len(three["codes"].split("、")) == 3
    assert all(len(c) == 12 and c.isdigit() for c in three["codes"].split("、"))
    assert rows["大批来文"]["copy_nos"] == "000001–000006"
    assert rows["大批来文"]["codes"] == "每份一码，共6个（custody item list）"


def test_pdf_cells_never_break_a_time():
    """Issue 17: register PDFs broke a time across lines (`2026-12-01 15:` / `45`)."""
    from labels.fonts import default_fonts
    from labels.register_pdf import TEXT_PX, wrap

    font = default_fonts().sans_font(TEXT_PX)
    for text in ("2026-12-01 15:45", "借出 2026-12-01 15:45 归还", "000001–000003"):
        for width in range(int(font.getlength("0000")), int(font.getlength(text)) + 2, 3):
            lines = wrap(text, font, width)
            assert all(font.getlength(line) <= width for line in lines if len(line) > 1)
            for whole in ("15:45", "2026-12-01", "000001–", "000003"):
                if whole in text and font.getlength(whole) <= width:
                    assert any(whole in line for line in lines), (width, lines)
    assert wrap("关于加强保密工作", font, int(font.getlength("关于加"))) == ["关于加", "强保密", "工作"]


def test_loans_pair_each_loan_with_its_return(office):
    office.at("10:00")
    office.lend(office.secret[0], "zhang")
    office.lend(office.top, "zhao")
    office.at("11:15")
    actions.return_item(
        office.store, office.secret[0], office.station("阅文室"), actor="t", presenter=office.people["li"]
    )
    office.clock.advance(days=1)
    office.lend(office.secret[1], "zhang")
    rows = registers.build(office.store, "loans", DAY, DAY).rows
    assert [(r["code"], r["borrower"], r["approver"]) for r in rows] == [
        (office.secret[0], "张三", ""),
        (office.top, "赵保密员", "王主任"),
    ]
    assert rows[0]["out_at"] == "2026-11-30 10:00" and rows[0]["returned_at"] == "2026-11-30 11:15"
    assert rows[0]["returned_by"] == "李四" and rows[0]["return_station"] == "阅文室"
    assert rows[0]["note"] == "他人代还；异地归还" and rows[1]["returned_at"] == ""
    two_days = registers.build(office.store, "借阅", DAY, DAY + timedelta(days=1)).rows
    assert [r["code"] for r in two_days] == [office.secret[0], office.top, office.secret[1]]


def test_closing_counts_and_sweeps_registers(office):
    office.at("10:00")
    office.lend(office.top, "zhao")
    office.at("17:30")
    closing.run_due_sweeps(office.store, office.clock.now())
    office.at("17:40")
    closing_actions.close_safe(office.store, office.station("保密室"), office.people["zhao"], "t")
    closing_actions.second_check(office.store, office.station("保密室"), office.people["wang"], "t")
    office.at("17:45")
    inventory.start_count(office.store, office.station("阅文室"), office.people["qian"], "t")
    count = inventory.open_count(office.store, office.station("阅文室"))
    inventory.mark_seen(office.store, count, office.reading[0], None, "t")
    inventory.close_count(office.store, office.station("阅文室"), office.people["qian"], "t")
    checks = registers.build(office.store, "closing", DAY, DAY).rows
    assert [
        (c["closed_by"], c["closed_at"], c["out_count"], c["outstanding"], c["checked_by"]) for c in checks
    ] == [("赵保密员", "17:40", "1", office.top, "王主任")]
    counts = registers.build(office.store, "counts", DAY, DAY).rows
    assert [(c["station"], c["expected"], c["found"], c["missing"], c["detail"]) for c in counts] == [
        ("阅文室", "2", "1", "1", office.reading[1])
    ]
    sweeps = registers.build(office.store, "sweeps", DAY, DAY).rows
    assert [(s["station"], s["out_count"], s["at"]) for s in sweeps] == [
        ("保密室", "1", "17:30"),
        ("阅文室", "0", "17:30"),
    ]


def test_unknown_register_and_reversed_dates(office):
    with pytest.raises(InvalidInput) as err:
        registers.build(office.store, "stamps", DAY, DAY)  # no such register
    assert "receipts" in err.value.message("en")
    with pytest.raises(InvalidInput):
        registers.build(office.store, "loans", DAY, DAY - timedelta(days=1))


def test_a_register_drops_in(office):
    spec = registers.RegisterSpec(
        "stations",
        "Stations",  # a message id; without a Chinese text it shows as it is
        ("站点",),
        (registers.Column("name", "Name"),),
        lambda w: [{"name": e.station} for e in w.events(("station_added",))],
    )
    registers.define(spec)
    try:
        assert [r["name"] for r in registers.build(office.store, "站点", DAY, DAY).rows] == [
            "保密室",
            "阅文室",
        ]
    finally:
        del registers.REGISTERS["stations"]


def test_csv_has_a_bom_and_chinese_headings(office, tmp_path):
    path = tmp_path / "收文.csv"
    registers.write_csv(registers.build(office.store, "receipts", DAY, DAY), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["序号", "收文日期", "来文机关"] and rows[1][4] == "年度工作要点"


# --- the printable PDF -----------------------------------------------------------------------------------


def ink(image, box) -> int:
    """Dark pixels inside box (left, top, right, bottom) of a greyscale image."""
    return sum(image.crop(box).convert("L").histogram()[:128])


def test_pdf_register_renders_chinese_with_page_numbers(office, tmp_path):
    actions.set_setting(office.store, "unit_name", "某县委办公室", actor="t")
    with office.store.writing():
        for n in range(40):
            actions.receive(
                office.store,
                title=f"关于做好第{n}项工作的通知（内部传阅，阅后归还）",
                level="secret",
                copies=2,
                doc_no=f"市发〔2026〕{n}号",
                issuer="市委办公室",
                home="保密室",
                actor="t",
            )
    reg = registers.build(office.store, "receipts", DAY, DAY)
    path = tmp_path / "收文登记簿.pdf"
    pages = write_pdf(reg, path)
    assert pages >= 2
    pdf = pdfium.PdfDocument(str(path))
    assert len(pdf) == pages
    width, height = pdf[0].get_size()
    assert round(width / 72 * 25.4) == 297 and round(height / 72 * 25.4) == 210  # A4 landscape
    image = pdf[0].render(scale=200 / 72).to_pil()
    assert all(abs(a - b) <= 1 for a, b in zip(image.size, PAGE, strict=True))
    w, h = image.size
    assert ink(image, (w // 2 - 400, 110, w // 2 + 400, 160)) > 200  # the unit's name
    assert ink(image, (w // 2 - 400, 165, w // 2 + 400, 240)) > 500  # the title, 收文登记簿
    assert ink(image, (118, 300, w - 118, 400)) > 2000  # headings and the first rows
    assert ink(image, (w // 2 - 200, h - 160, w // 2 + 200, h - 110)) > 100  # 第 1 页 共 N 页
    assert ink(image, (118, h - 230, w // 2, h - 160)) > 200  # the signature line
    for n in range(1, pages):
        later = pdf[n].render(scale=200 / 72).to_pil()
        assert ink(later, (118, 300, w - 118, 400)) > 2000  # headings repeated, rows continued
        assert ink(later, (w // 2 - 200, h - 160, w // 2 + 200, h - 110)) > 100
    pdf.close()


def test_pdf_pages_are_drawn_from_the_rows(office):
    """Regression guard: a page drawn without its rows (or the rows without text) is caught."""
    reg = registers.build(office.store, "receipts", DAY, DAY)
    page = render_pages(reg)[0]
    empty = registers.Register(reg.kind, reg.text, reg.columns, [], DAY, DAY, "")
    blank = render_pages(empty)[0]
    band = (118, 400, PAGE[0] - 118, 520)
    assert ink(page, band) > ink(blank, band) + 1000


# --- P4 review -------------------------------------------------------------------------------------------


def test_review_lists_items_past_their_period(office):
    short = actions.receive(
        office.store, title="半年期文件", level="confidential", period="6m", home="保密室", actor="t"
    )[0].code
    dated = actions.receive(
        office.store, title="到期日文件", level="secret", period="until:2027-01-15", home="保密室", actor="t"
    )[0].code
    assert registers.review(office.store, DAY) == []
    assert [r.code for r in registers.review(office.store, date(2027, 1, 15))] == [dated]
    assert [r.code for r in registers.review(office.store, date(2027, 5, 30))] == [dated, short]
    assert [r.code for r in registers.review(office.store, date(2027, 5, 1), ahead_days=30)] == [dated, short]
    entry = registers.review(office.store, date(2027, 6, 1))[1]
    assert (entry.start, entry.expires, entry.status) == (DAY, date(2027, 5, 30), "in")
    assert (
        office.store.m.Item.get(office.store.m.Item.code == short).level == "confidential"
    )  # listed, never silently declassified


def test_cli_register_and_review(tmp_path):
    with office_at(tmp_path, recent_morning()) as office:
        day = office.clock.now().date().isoformat()
        out = run_cli(office, "register", "receipts", "--from", day, "--to", day)
        assert out.exit_code == 0 and "年度工作要点" in out.stdout and "收文登记簿" in out.stdout
        data = json.loads(run_cli(office, "register", "收文", "--from", day, "--to", day, "--json").stdout)
        assert data["headings"][0] == "序号" and len(data["rows"]) == 4
        pdf, csv_file = tmp_path / "r.pdf", tmp_path / "r.csv"
        done = run_cli(office, "register", "loans", "--from", day, "--pdf", str(pdf), "--csv", str(csv_file))
        assert done.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF") and csv_file.exists()
        assert run_cli(office, "register", "copies").exit_code == 0  # issue 13: the copies register exists
        assert "没有保密期限届满" in run_cli(office, "review").stdout
        listed = json.loads(run_cli(office, "review", "--as-of", "2040-01-01", "--json").stdout)
        assert {i["title"] for i in listed} == {"年度工作要点"}
        review_pdf = tmp_path / "review.pdf"
        assert run_cli(office, "review", "--as-of", "2040-01-01", "--pdf", str(review_pdf)).exit_code == 0
        assert len(pdfium.PdfDocument(str(review_pdf))) == 1


def test_a_register_in_english(office):
    office.at("10:00")
    office.lend(office.secret[0], "zhang")
    actions.return_item(
        office.store, office.secret[0], office.station("阅文室"), actor="t", presenter=office.people["li"]
    )
    reg = registers.build(office.store, "loans", DAY, DAY, lang="en")
    assert reg.title("en") == "Register of loans" and reg.title("zh") == "借阅登记簿"
    assert reg.headings("en")[:5] == ["No.", "Out", "Code", "Title", "Level"]
    assert reg.rows[0]["note"] == "returned by another; returned elsewhere"
    receipts = registers.build(office.store, "receipts", DAY, DAY)
    assert (
        receipts.headings("zh")[5] == "密级及保密期限"
        and receipts.headings("en")[5] == "Level and secrecy period"
    )
    assert reg.headings("zh")[4] == "密级"
    with pytest.raises(InvalidInput) as err:
        registers.build(office.store, "stamps", DAY, DAY)  # no such register
    assert "receipts（收文登记簿）" in err.value.message("zh")
    assert "receipts (Register of receipts)" in err.value.message("en")


def test_every_setting_is_described_in_both_languages():
    from custody import settings

    for key in settings.SETTINGS:
        zh, en = settings.describe(key, "zh"), settings.describe(key, "en")
        assert zh and en and zh != en, key
    assert settings.describe("closing_time") == "下班收回时间（本地时间）"
