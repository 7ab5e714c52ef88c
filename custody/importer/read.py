"""Reading a register file: its rows (CSV in UTF-8 or GB18030, XLSX), the heading row and which
column holds which field (`FIELDS`, or `--map field=heading`)."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from custody.errors import InvalidInput, NotFound

# field → (Chinese name, headings recognised by the built-in mapping)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "title": ("标题", ("标题", "文件标题", "文件名称", "题名", "名称", "文件题目")),
    "level": ("密级", ("密级", "密级及保密期限", "秘密等级")),
    "period": ("保密期限", ("保密期限", "期限")),
    "doc_no": ("文号", ("文号", "发文字号", "发文文号", "文件编号", "字号")),
    "issuer": ("来文机关", ("来文机关", "来文单位", "发文机关", "发文单位", "制发机关", "来文机关（单位）")),
    "copies": ("份数", ("份数", "收文份数", "数量")),
    "copy_no": ("份号", ("份号", "编号（份号）")),
    "total_copies": ("印发数量", ("印发数量", "印数", "总份数")),
    "received_on": ("收文日期", ("收文日期", "收文时间", "登记日期", "日期")),
    "kind": ("类别", ("类别", "载体类型", "种类", "载体")),
    "received_by": ("签收人", ("签收人", "接收人", "签收")),
    "home": ("存放位置", ("存放位置", "存放地点", "存放")),
    "holder": ("借阅人", ("借阅人", "持有人", "在借人", "借用人")),
    "lent_on": ("借出日期", ("借出日期", "借出时间", "借阅日期")),
    "brought_by": ("带回人", ("带回人", "会议带回人")),
    "scope": ("知悉范围", ("知悉范围", "印发范围", "分发范围")),
}
IGNORED = ("序号", "备注", "说明", "顺序号")  # headings a register has that nothing imports
REQUIRED = ("title", "level")
HEADER_SEARCH_ROWS = 10


# --- reading files ---------------------------------------------------------------------------


def read_table(path: Path, sheet: str | None = None) -> list[tuple[int, list[Any]]]:
    """(sheet row number, cells) of every row of a CSV (UTF-8, or GB18030 as spreadsheets in China
    save it) or XLSX file."""
    if not path.is_file():
        raise NotFound("no such file: {path}", path=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a broken file
            raise InvalidInput(
                "cannot read the Excel file {path}: {error}", path=str(path), error=str(exc)
            ) from None
        try:
            if sheet is not None and sheet not in wb.sheetnames:
                raise InvalidInput(
                    "no sheet “{sheet}”; there are: {sheets}", sheet=sheet, sheets=", ".join(wb.sheetnames)
                )
            ws = wb[sheet] if sheet else wb.active
            return [(n, list(r)) for n, r in enumerate(ws.iter_rows(values_only=True), 1)]
        finally:
            wb.close()
    if suffix in (".csv", ".txt"):
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise InvalidInput("unknown text encoding: {path}", path=str(path))
        return [(n, r) for n, r in enumerate(csv.reader(text.splitlines()), 1)]
    raise InvalidInput("unsupported file type “{suffix}”: use .csv or .xlsx", suffix=path.suffix)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _norm(heading: Any) -> str:
    return re.sub(r"\s+", "", _cell(heading))


def parse_map(specs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`--map title=题名 --map level=密级` or `--map 'title=题名,level=密级'` → field → heading."""
    out: dict[str, str] = {}
    for spec in specs:
        for part in re.split(r"[,，]", spec):
            if not part.strip():
                continue
            name, sep, heading = part.partition("=")
            name = name.strip()
            if not sep or not heading.strip():
                raise InvalidInput("mapping “{part}” should read field=heading, e.g. title=题名", part=part)
            if name not in FIELDS:
                allowed = ", ".join(f"{k} ({v[0]})" for k, v in FIELDS.items())
                raise InvalidInput("unknown field “{name}”; allowed: {allowed}", name=name, allowed=allowed)
            out[name] = _norm(heading)
    return out


def find_header(rows: list[tuple[int, list[Any]]], overrides: dict[str, str]) -> tuple[int, dict[str, int]]:
    """The heading row (within the first rows: a register often has a title above) and field → column."""
    known = (
        {alias for _, aliases in FIELDS.values() for alias in aliases}
        | set(overrides.values())
        | set(IGNORED)
    )
    for idx, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headings = [_norm(c) for c in cells]
        if sum(1 for h in headings if h in known) >= 2:
            return idx, _columns(headings, overrides)
    raise InvalidInput(
        "no heading row (such as 标题, 密级) in the first 10 rows; name the columns with --map"
    )


def _columns(headings: list[str], overrides: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for name, heading in overrides.items():
        if heading not in headings:
            raise InvalidInput(
                "no column “{heading}” (--map {name}); the headings are: {headings}",
                heading=heading,
                name=name,
                headings="、".join(h for h in headings if h),
            )
        columns[name] = headings.index(heading)
    taken = set(columns.values())
    for name, (_, aliases) in FIELDS.items():
        if name in columns:
            continue
        for alias in aliases:
            if alias in headings and headings.index(alias) not in taken:
                columns[name] = headings.index(alias)
                taken.add(columns[name])
                break
    missing = [f"{n} ({FIELDS[n][0]})" for n in REQUIRED if n not in columns]
    if missing:
        raise InvalidInput(
            "required columns missing: {missing}; the headings are: {headings}; name them with --map",
            missing="、".join(missing),
            headings="、".join(h for h in headings if h),
        )
    return columns
