"""`custody import`: an existing register (CSV or XLSX) becomes registered items.

Every row is checked first (a dry run) and every failing row is reported with
all its reasons; only a file with no failing row is imported, in one
transaction, through `actions.receive_imported` (so each copy is received
like any other, with the register's receipt date and row noted in the ledger,
and a loan recorded where the row names a holder).

The built-in mapping reads the usual 收文登记簿 headings (docs/closing.md):

    序号 | 收文日期 | 来文机关 | 文号 | 标题 | 密级 | 保密期限 | 份数 | 份号 | 签收人 | 存放位置 | 借阅人 | 借出日期 | 备注

with common variants of each (来文单位, 发文机关, 文件标题, 题名 …). A level
written with its period (`机密★10年`) is understood. Other layouts are given
with `--map field=heading`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from custody import settings, vocab
from custody.actions import core as actions
from custody.errors import CustodyError, InvalidInput, NotFound
from custody.models.core import Item, Person, Station
from custody.reports import lookup
from custody.rules import loans as policy
from custody.store.core import Store

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


@dataclass
class PlannedRow:
    """One row, checked: the arguments for `actions.receive_imported`."""

    row: int
    receive: dict[str, Any]
    received_on: date | None = None
    holder: Person | None = None
    lent_since: datetime | None = None

    @property
    def copies(self) -> int:
        return int(self.receive["copies"])


@dataclass
class RowError:
    row: int
    reasons: list[tuple[str, str]]  # (zh, en)

    def message(self, lang: str = "zh") -> str:
        sep = "; " if lang == "en" else "；"
        text = sep.join(en if lang == "en" else zh for zh, en in self.reasons)
        return f"row {self.row}: {text}" if lang == "en" else f"第 {self.row} 行：{text}"


@dataclass
class Plan:
    source: str
    mapping: dict[str, str]  # field → heading
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # headings nothing reads

    @property
    def items(self) -> int:
        return sum(r.copies for r in self.rows)


# --- reading files ---------------------------------------------------------------------------


def read_table(path: Path, sheet: str | None = None) -> list[tuple[int, list[Any]]]:
    """(sheet row number, cells) of every row of a CSV (UTF-8, or GB18030 as spreadsheets in China
    save it) or XLSX file."""
    if not path.is_file():
        raise NotFound(f"找不到文件：{path}", f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a broken file
            raise InvalidInput(
                f"无法读取 Excel 文件 {path}：{exc}", f"cannot read the Excel file {path}: {exc}"
            ) from None
        try:
            if sheet is not None and sheet not in wb.sheetnames:
                raise InvalidInput(
                    f"工作表“{sheet}”不存在；有：{'、'.join(wb.sheetnames)}",
                    f"no sheet {sheet!r}; there are: {', '.join(wb.sheetnames)}",
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
            raise InvalidInput(f"无法识别文件编码：{path}", f"unknown text encoding: {path}")
        return [(n, r) for n, r in enumerate(csv.reader(text.splitlines()), 1)]
    raise InvalidInput(
        f"不支持的文件类型“{path.suffix}”：请用 .csv 或 .xlsx",
        f"unsupported file type {path.suffix!r}: use .csv or .xlsx",
    )


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
                raise InvalidInput(
                    f"映射“{part}”应写作 字段=列标题，如 title=题名",
                    f"mapping {part!r} should read field=heading, e.g. title=题名",
                )
            if name not in FIELDS:
                allowed = ", ".join(f"{k} ({v[0]})" for k, v in FIELDS.items())
                raise InvalidInput(
                    f"未知字段“{name}”；可用：{allowed}", f"unknown field {name!r}; allowed: {allowed}"
                )
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
        "在前 10 行中找不到列标题行（如 标题、密级）；请用 --map 指定列",
        "no heading row (such as 标题, 密级) in the first 10 rows; name the columns with --map",
    )


def _columns(headings: list[str], overrides: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for name, heading in overrides.items():
        if heading not in headings:
            raise InvalidInput(
                f"找不到列“{heading}”（--map {name}）；表头有：{'、'.join(h for h in headings if h)}",
                f"no column {heading!r} (--map {name}); the headings are: "
                f"{', '.join(h for h in headings if h)}",
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
            f"缺少必需的列：{'、'.join(missing)}；表头有：{'、'.join(h for h in headings if h)}；"
            "可用 --map 指定",
            f"required columns missing: {', '.join(missing)}; the headings are: "
            f"{', '.join(h for h in headings if h)}; name them with --map",
        )
    return columns


# --- checking rows ------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?")


def parse_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell(value)
    m = _DATE.fullmatch(text) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise ValueError(text)


def parse_copy_numbers(text: str) -> tuple[int, int]:
    """`3`, `000003`, `1-5`, `000001–000005`, `1至5` → (first, count)."""
    m = re.fullmatch(r"(\d{1,6})\s*(?:[-–—~～至到]\s*(\d{1,6}))?", text)
    if not m:
        raise ValueError(text)
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else first
    if first < 1 or last < first:
        raise ValueError(text)
    return first, last - first + 1


class _People:
    """Badge or unique name → person, cached."""

    def __init__(self) -> None:
        self.cache: dict[str, Person | tuple[str, str]] = {}

    def find(self, text: str) -> Person | tuple[str, str]:
        if text not in self.cache:
            try:
                self.cache[text] = lookup.person_by_badge(text)
            except NotFound:
                named = list(Person.select().where(Person.name == text))
                if len(named) == 1:
                    self.cache[text] = named[0]
                elif named:
                    self.cache[text] = (
                        f"有 {len(named)} 人名叫“{text}”：请写工作证号",
                        f"{len(named)} people are named {text!r}: give the badge",
                    )
                else:
                    self.cache[text] = (
                        f"没有工作证号或姓名为“{text}”的人员",
                        f"no person with badge or name {text!r}",
                    )
        return self.cache[text]


def plan(
    store: Store,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    home: str | None = None,
) -> Plan:
    """Read and check every row; nothing is written."""
    rows = read_table(path, sheet)
    header_idx, columns = find_header(rows, mapping or {})
    headings = [_norm(c) for c in rows[header_idx][1]]
    result = Plan(path.name, {f: headings[i] for f, i in columns.items()})
    result.ignored = [
        h for i, h in enumerate(headings) if h and i not in columns.values() and h not in IGNORED
    ]
    tz = ZoneInfo(settings.get(store, "timezone"))
    today = store.now().astimezone(tz).date()
    people = _People()
    stations = {s.name: s for s in Station.select()}
    default_home: Station | tuple[str, str] | None = None
    if home is not None:
        default_home = lookup.station(home)
    copies_claimed: dict[tuple[str, str], dict[int, int]] = {}  # (issuer, doc_no) → copy no → row
    for number, cells in rows[header_idx + 1 :]:
        values = {f: cells[i] if i < len(cells) else None for f, i in columns.items()}
        if all(_cell(v) == "" for v in values.values()):
            continue
        reasons: list[tuple[str, str]] = []
        bad = reasons.append
        text = {f: _cell(v) for f, v in values.items()}
        title = text.get("title", "")
        if not title:
            bad(("标题为空", "the title is empty"))
        lv = None
        level_text, _, period_text = text.get("level", "").partition("★")
        try:
            lv = vocab.level(level_text)
        except InvalidInput as exc:
            bad((exc.zh, exc.en))
        period_text = text.get("period") or period_text
        try:
            period = vocab.period(period_text, lv).spec if lv else ""
        except InvalidInput as exc:
            bad((exc.zh, exc.en))
            period = ""
        try:
            kind = vocab.kind(text["kind"]).slug if text.get("kind") else "document"
        except InvalidInput as exc:
            bad((exc.zh, exc.en))
            kind = "document"
        copies, first_copy, copies_ok = 1, 1, True
        try:
            if text.get("copies"):
                copies = int(float(text["copies"]))
                if not 1 <= copies <= 10000:
                    raise ValueError
        except ValueError:
            copies_ok = False
            bad(
                (
                    f"份数“{text['copies']}”无效：1–10000 的整数",
                    f"copies {text['copies']!r} is invalid: 1–10000",
                )
            )
        if text.get("copy_no"):
            try:
                first_copy, span = parse_copy_numbers(text["copy_no"])
                if span > 1 and text.get("copies") and span != copies:
                    copies_ok = False
                    bad(
                        (
                            f"份号“{text['copy_no']}”有 {span} 份，与份数 {copies} 不符",
                            f"copy numbers {text['copy_no']!r} are {span}, but copies is {copies}",
                        )
                    )
                copies = span if span > 1 else copies
            except ValueError:
                copies_ok = False
                bad(
                    (
                        f"份号“{text['copy_no']}”无效：如 3、000003 或 1-5",
                        f"copy number {text['copy_no']!r} is invalid: e.g. 3, 000003 or 1-5",
                    )
                )
        total = None
        if text.get("total_copies"):
            try:
                total = int(float(text["total_copies"]))
            except ValueError:
                bad(
                    (
                        f"印发数量“{text['total_copies']}”不是整数",
                        f"total copies {text['total_copies']!r} is not a number",
                    )
                )
        received_on = None
        if text.get("received_on"):
            try:
                received_on = parse_day(values["received_on"])
                if received_on > today:
                    bad((f"收文日期 {received_on} 在将来", f"receipt date {received_on} is in the future"))
            except ValueError:
                bad(
                    (
                        f"收文日期“{text['received_on']}”无法识别：如 2024-03-05",
                        f"receipt date {text['received_on']!r} is unreadable: e.g. 2024-03-05",
                    )
                )
        station: Station | None = None
        if text.get("home"):
            station = stations.get(text["home"])
            if station is None:
                bad((f"没有名为“{text['home']}”的站点", f"no station named {text['home']!r}"))
        else:
            if default_home is None:
                try:
                    default_home = actions.default_home()
                except InvalidInput as exc:
                    default_home = (exc.zh, exc.en)
            if isinstance(default_home, tuple):
                bad(default_home)
            else:
                station = default_home
        if station is not None and lv is not None:
            decision = policy.decide_receive(policy.ReceiveFacts(lv.slug, kind, station.name, station.kind))
            if isinstance(decision, policy.Refusal):
                from custody.messages.catalog import render

                bad(
                    (
                        render(decision.reason, "zh", **decision.params),
                        render(decision.reason, "en", **decision.params),
                    )
                )
        badges: dict[str, str | None] = {}
        for role in ("received_by", "brought_by"):
            badges[role] = None
            if text.get(role):
                found = people.find(text[role])
                if isinstance(found, tuple):
                    bad(found)
                else:
                    badges[role] = lookup.badge_of(found)
        holder = None
        lent_since = None
        if text.get("holder"):
            found = people.find(text["holder"])
            if isinstance(found, tuple):
                bad(found)
            else:
                holder = found
                if lv is not None:
                    problem = actions.loan_problem(lv.slug, "in", holder)
                    if problem:
                        bad(problem)
            if text.get("lent_on"):
                try:
                    lent_day = parse_day(values["lent_on"])
                    if lent_day > today:
                        raise ValueError
                    lent_since = datetime.combine(lent_day, time(9, 0), tzinfo=tz)
                except ValueError:
                    bad((f"借出日期“{text['lent_on']}”无效", f"loan date {text['lent_on']!r} is invalid"))
        doc_no, issuer = text.get("doc_no", ""), text.get("issuer", "")
        if doc_no and copies_ok:
            claimed = copies_claimed.setdefault((issuer, doc_no), {})
            numbers = range(first_copy, first_copy + copies)
            clash = [n for n in numbers if n in claimed]
            if clash:
                bad(
                    (
                        f"份号 {clash[0]:06d} 与第 {claimed[clash[0]]} 行重复",
                        f"copy {clash[0]:06d} repeats row {claimed[clash[0]]}",
                    )
                )
            taken = [
                n
                for (n,) in Item.select(Item.copy_no)
                .where(
                    (Item.doc_no == doc_no)
                    & (Item.issuer == issuer)
                    & Item.copy_no.between(first_copy, first_copy + copies - 1)
                )
                .tuples()
            ]
            if taken:
                bad(
                    (
                        f"文号“{doc_no}”的份号 {min(taken):06d} 已登记",
                        f"copy {min(taken):06d} of {doc_no!r} is already registered",
                    )
                )
            for n in numbers:
                claimed.setdefault(n, number)
        if reasons:
            result.errors.append(RowError(number, reasons))
            continue
        scope = [s for s in re.split(r"[、,，;；\s]+", text.get("scope", "")) if s]
        result.rows.append(
            PlannedRow(
                row=number,
                received_on=received_on,
                holder=holder,
                lent_since=lent_since,
                receive={
                    "title": title,
                    "level": lv.slug if lv else "",
                    "kind": kind,
                    "copies": copies,
                    "first_copy": first_copy,
                    "total_copies": total,
                    "doc_no": doc_no,
                    "issuer": issuer,
                    "period": period or None,
                    "home": station.name if station else None,
                    "scope": scope,
                    "received_by": badges["received_by"],
                    "brought_by": badges["brought_by"],
                },
            )
        )
    return result


def run(
    store: Store, checked: Plan, *, actor: str, progress: Callable[[int], None] | None = None
) -> list[Item]:
    """Import a plan that has no failing rows, in one transaction; returns the items created."""
    if checked.errors:
        raise InvalidInput(
            f"有 {len(checked.errors)} 行不能导入，已全部取消：请先改正",
            f"{len(checked.errors)} rows cannot be imported; nothing was imported: correct them first",
        )
    items: list[Item] = []
    try:
        with store.writing():
            for planned in checked.rows:
                items += actions.receive_imported(
                    store,
                    source=checked.source,
                    row=planned.row,
                    received_on=planned.received_on,
                    holder=planned.holder,
                    lent_since=planned.lent_since,
                    actor=actor,
                    **planned.receive,
                )
                if progress is not None:
                    progress(1)
    except CustodyError as exc:  # rolled back: say so in the same kind of error
        raise type(exc)(
            f"导入中止，未导入任何物品：{exc.zh}", f"import stopped, nothing was imported: {exc.en}"
        ) from None
    return items
