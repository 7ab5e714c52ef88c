"""`custody import`: an existing register (CSV or XLSX) becomes registered items.

Every row is checked first (a dry run, `importer.plan`) and every failing row is reported with
all its reasons; only a file with no failing row is imported, in one transaction
(`importer.run`), through `actions.receive_imported` (so each copy is received like any other,
with the register's receipt date and row noted in the ledger, and a loan recorded where the row
names a holder). Reading the file and finding its columns is `importer.read`.

The built-in mapping reads the usual 收文登记簿 headings (docs/closing.md):

    序号 | 收文日期 | 来文机关 | 文号 | 标题 | 密级 | 保密期限 | 份数 | 份号 | 签收人 | 存放位置 | 借阅人 | 借出日期 | 备注

with common variants of each (来文单位, 发文机关, 文件标题, 题名 …). A level
written with its period (`机密★10年`) is understood. Other layouts are given
with `--map field=heading`.

This module names the importer's interface (`from custody.importer import core as importer`).
"""

from __future__ import annotations

from custody.importer.plan import Plan, PlannedRow, RowError, parse_copy_numbers, parse_day, plan
from custody.importer.read import (
    FIELDS,
    HEADER_SEARCH_ROWS,
    IGNORED,
    REQUIRED,
    find_header,
    parse_map,
    read_table,
)
from custody.importer.run import run

__all__ = [
    "FIELDS",
    "HEADER_SEARCH_ROWS",
    "IGNORED",
    "REQUIRED",
    "Plan",
    "PlannedRow",
    "RowError",
    "find_header",
    "parse_copy_numbers",
    "parse_day",
    "parse_map",
    "plan",
    "read_table",
    "run",
]
