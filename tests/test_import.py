"""`custody import`: an existing 收文登记簿 (CSV or XLSX) — every failing row reported first,
then everything imported in one transaction, or nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import openpyxl
import pytest
from closing_support import office_at, recent_morning, run_cli

from custody.errors import InvalidInput
from custody.importer import core as importer
from custody.ledger.verify import verify
from custody.reports import registers, sweep

HEADINGS = [
    "序号",
    "收文日期",
    "来文机关",
    "文号",
    "标题",
    "密级",
    "保密期限",
    "份数",
    "份号",
    "签收人",
    "存放位置",
    "借阅人",
    "借出日期",
    "备注",
]
GOOD = [
    [
        "1",
        "2024-03-05",
        "省委办公厅",
        "省办发〔2024〕3号",
        "关于保密检查的通知",
        "机密",
        "10年",
        "2",
        "1-2",
        "C001",
        "保密室",
        "",
        "",
        "",
    ],
    [
        "2",
        "2024年4月1日",
        "市委办公室",
        "市办〔2024〕9号",
        "会议纪要",
        "秘密★6个月",
        "",
        "1",
        "000005",
        "赵保密员",
        "",
        "B001",
        "2024-04-02",
        "会议带回",
    ],
    ["3", "2024/5/6", "县委办公室", "", "内部学习材料", "内部", "", "3", "", "", "阅文室", "", "", ""],
]
BAD = [
    [
        "4",
        "2024-06-01",
        "省委办公厅",
        "省办发〔2024〕7号",
        "错误密级",
        "机秘",
        "",
        "1",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "5",
        "2024-13-01",
        "省委办公厅",
        "省办发〔2024〕8号",
        "日期错误",
        "机密",
        "",
        "1",
        "",
        "",
        "机要室",
        "",
        "",
        "",
    ],
    [
        "6",
        "2024-06-02",
        "省委办公厅",
        "省办发〔2024〕3号",
        "重复份号",
        "机密",
        "",
        "1",
        "2",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "7",
        "2024-06-03",
        "市委办公室",
        "市办〔2024〕10号",
        "份号与份数不符",
        "秘密",
        "",
        "3",
        "1-2",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "8",
        "2024-06-04",
        "市委办公室",
        "市办〔2024〕11号",
        "许可不够",
        "机密",
        "",
        "1",
        "",
        "",
        "",
        "李四",
        "",
        "",
    ],
    ["9", "2024-06-05", "", "", "绝密放阅文室", "绝密", "", "1", "", "", "阅文室", "", "", ""],
]


def write_csv(path, rows, encoding="utf-8"):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["收文登记簿（2024年）"])  # the title row a register usually has
    w.writerow(HEADINGS)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.fixture
def office(tmp_path):
    with office_at(tmp_path) as o:
        yield o


def test_the_dry_run_reports_every_failing_row_with_its_reasons(office, tmp_path):
    path = write_csv(tmp_path / "reg.csv", GOOD + BAD, encoding="gb18030")  # as Excel in China saves it
    before = office.events()
    plan = importer.plan(office.store, path)
    assert office.events() == before  # nothing written
    assert [r.row for r in plan.rows] == [3, 4, 5]
    assert {e.row: e.message("zh") for e in plan.errors}.keys() == {6, 7, 8, 9, 10, 11}
    reasons = {e.row: e.message("zh") for e in plan.errors}
    assert "机秘" in reasons[6]
    assert "2024-13-01" in reasons[7] and "机要室" in reasons[7]  # both reasons of one row
    assert "000002" in reasons[8] and "第 3 行" in reasons[8]
    assert "份数 3" in reasons[9]
    assert "李四" in reasons[10] and "许可级别" in reasons[10]
    assert "保密室" in reasons[11] or "safe" in plan.errors[-1].message("en")
    assert plan.mapping["title"] == "标题" and plan.mapping["issuer"] == "来文机关"
    with pytest.raises(InvalidInput):
        importer.run(office.store, plan, actor="t")
    assert office.events() == before and office.store.m.Item.select().count() == 7


def test_a_clean_register_imports_in_one_transaction(office, tmp_path):
    path = write_csv(tmp_path / "reg.csv", GOOD)
    plan = importer.plan(office.store, path)
    assert plan.errors == [] and plan.items == 6
    ticks = []
    items = importer.run(office.store, plan, actor="t", progress=ticks.append)
    assert len(items) == 6 and ticks == [1, 1, 1]
    notice = [i for i in items if i.title == "关于保密检查的通知"]
    assert [(i.copy_no, i.level, i.period, i.doc_no, i.issuer, i.home.name) for i in notice] == [
        (1, "secret", "10y", "省办发〔2024〕3号", "省委办公厅", "保密室"),
        (2, "secret", "10y", "省办发〔2024〕3号", "省委办公厅", "保密室"),
    ]
    minutes = office.store.m.Item.get(office.store.m.Item.title == "会议纪要")
    assert (minutes.level, minutes.period, minutes.copy_no, minutes.status) == (
        "confidential",
        "6m",
        5,
        "out",
    )
    assert minutes.holder.name == "张三" and minutes.since.date() == date(2024, 4, 2)
    assert minutes.received_by.name == "赵保密员"
    out = sweep.sweep(office.store)
    assert [e.item.code for e in out.entries] == [minutes.code] and out.entries[0].overdue
    assert verify(office.store).ok  # the ledger replays to the same state, the imported loan included
    receipts = registers.build(
        office.store, "receipts", office.clock.now().date(), office.clock.now().date()
    ).rows
    assert [r["date"] for r in receipts if "导入" in r["note"]] == ["2024-03-05", "2024-04-01", "2024-05-06"]
    review = registers.review(office.store, date(2024, 10, 2))
    assert [r.code for r in review] == [minutes.code]  # 6 months from its receipt date in the register
    assert office.store.m.Event.select().where(office.store.m.Event.kind == "imported").count() == 6


def test_a_failure_during_import_rolls_everything_back(office, tmp_path):
    path = write_csv(tmp_path / "reg.csv", GOOD)
    plan = importer.plan(office.store, path)
    plan.rows[2].receive["home"] = "机要室"  # became wrong after the dry run
    before = (office.events(), office.store.m.Item.select().count())
    with pytest.raises(Exception) as err:
        importer.run(office.store, plan, actor="t")
    assert "机要室" in str(err.value.args[0]) or "nothing was imported" in str(err.value)
    assert (office.events(), office.store.m.Item.select().count()) == before


def test_xlsx_with_a_custom_layout_and_map(office, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "登记"
    ws.append(["题名", "字号", "秘级", "份", "来源", "收到"])
    ws.append(["年度考核办法", "人发〔2023〕2号", "秘密", 2, "人事局", datetime(2023, 1, 9)])
    ws.append(["保密工作要点", "", "内部", 1.0, "", "2023-02-01"])
    path = tmp_path / "登记.xlsx"
    wb.save(path)
    with pytest.raises(InvalidInput) as err:
        importer.plan(office.store, path)
    assert "--map" in err.value.message("en")
    mapping = importer.parse_map(
        ["title=题名, doc_no=字号", "level=秘级", "copies=份", "issuer=来源", "received_on=收到"]
    )
    plan = importer.plan(office.store, path, mapping=mapping, sheet="登记")
    assert plan.errors == [] and plan.items == 3
    assert plan.rows[0].received_on == date(2023, 1, 9)
    with pytest.raises(InvalidInput):
        importer.parse_map(["titel=题名"])
    with pytest.raises(InvalidInput):
        importer.plan(office.store, path, mapping=mapping, sheet="Sheet9")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        ("2024.03.05", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
    ],
)
def test_dates_as_registers_write_them(text, expected):
    assert importer.parse_day(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [("3", (3, 1)), ("000003", (3, 1)), ("1-5", (1, 5)), ("000001–000005", (1, 5)), ("2至4", (2, 3))],
)
def test_copy_numbers(text, expected):
    assert importer.parse_copy_numbers(text) == expected


def test_cli_import(tmp_path):
    with office_at(tmp_path, recent_morning()) as office:
        bad = write_csv(tmp_path / "bad.csv", GOOD + BAD[:2])
        dry = run_cli(office, "import", str(bad), "--dry-run")
        assert dry.exit_code == 1
        assert (
            "第 6 行" in dry.stderr
            and "第 7 行" in dry.stderr
            and "3 行可以导入（6 件），2 行有错误" in dry.stderr
        )
        assert run_cli(office, "import", str(bad)).exit_code == 1
        assert office.store.m.Item.select().count() == 7
        good = write_csv(tmp_path / "good.csv", GOOD)
        assert run_cli(office, "import", str(good), "--dry-run").exit_code == 0
        assert office.store.m.Item.select().count() == 7
        done = run_cli(office, "import", str(good), "--json")
        assert done.exit_code == 0 and len(json.loads(done.stdout)) == 6
        assert office.store.m.Item.select().count() == 13
        again = run_cli(office, "import", str(good))  # the same copy numbers again: refused, per row
        assert again.exit_code == 1 and "已登记" in again.stderr
        assert run_cli(office, "import", str(tmp_path / "none.csv")).exit_code == 1
