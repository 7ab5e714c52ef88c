"""CLI: the closing sweep, closing checks, inventory counts, registers, the P4 review, imports, notifications."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from custody import vocab
from custody.actions import inventory
from custody.cli import table
from custody.closing import notify
from custody.closing import schedule as closing
from custody.closing.workdays import Calendar
from custody.errors import CustodyError, InvalidInput
from custody.importer import core as importer
from custody.models.closing import SweepRecord
from custody.reports import lookup, registers, sweep

EXIT_OUT = 3  # `sweep --fail-if-out`: something is out


def register(cli: click.Group) -> None:
    for command in (sweep_cmd, count, closing_cmd, register_cmd, review, import_cmd, notify_cmd):
        cli.add_command(command)


def _emit(value: Any) -> None:
    from custody.cli.main import emit_json

    emit_json(value)


def _when(obj: Any, text: str) -> datetime:
    """ISO 8601, or HH:MM for today, in the office's time zone."""
    from custody.cli.main import parse_when

    tz = obj.tz()
    if re.fullmatch(r"\d{1,2}:\d{2}", text.strip()):
        today = obj.store().now().astimezone(tz).date()
        text = f"{today.isoformat()}T{int(text.split(':')[0]):02d}:{text.split(':')[1]}"
    return parse_when(text, tz)


def _day(text: str | None, default: date) -> date:
    from custody.cli.main import parse_date

    return parse_date(text) if text else default


def _today(obj: Any) -> date:
    return obj.store().now().astimezone(obj.tz()).date()


def _duration(since: str | None, at: str, lang: str) -> str:
    if not since:
        return ""
    minutes = int((datetime.fromisoformat(at) - datetime.fromisoformat(since)).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if lang == "en":
        return (f"{days}d " if days else "") + f"{hours}h{mins:02d}m"
    return (f"{days}天" if days else "") + f"{hours}小时{mins:02d}分"


# --- sweep ------------------------------------------------------------------------------------


def print_sweep(obj: Any, data: dict[str, Any]) -> None:
    lang = obj.lang
    counts = "，".join(f"{vocab.LEVEL_BY_SLUG[k].name(lang)} {n}" for k, n in data["counts"].items() if n)
    where = f"（{data['station']}）" if data["station"] else ""
    n = len(data["outstanding"])
    click.echo(
        obj.t(
            f"清查时间 {data['at']}{where}：{n} 件未归还" + (f"（{counts}）" if counts else ""),
            f"sweep at {data['at']}{' (' + data['station'] + ')' if data['station'] else ''}: "
            f"{n} out" + (f" ({counts})" if counts else ""),
        )
    )
    if data["outstanding"]:
        rows = [
            (
                vocab.LEVEL_BY_SLUG[o["level"]].name(lang),
                o["code"],
                o["title"],
                o["copy_no"],
                o["holder"]["name"] if o["holder"] else "",
                (o["since"] or "")[:16].replace("T", " "),
                _duration(o["since"], data["at"], lang),
                o["station"] or "",
                (obj.t("逾期", "overdue") + " " if o["overdue"] else "")
                + "，".join(sweep.flag_name(f, lang) for f in o["flags"]),
            )
            for o in data["outstanding"]
        ]
        click.echo(
            table.render(
                [
                    obj.t("密级", "level"),
                    obj.t("编码", "code"),
                    obj.t("标题", "title"),
                    obj.t("份号", "copy"),
                    obj.t("持有人", "holder"),
                    obj.t("借出时间", "since"),
                    obj.t("已借出", "out for"),
                    obj.t("借出地点", "station"),
                    obj.t("标记", "flags"),
                ],
                rows,
            )
        )
    for s in data["unclosed_safes"]:
        what = "，".join(sweep.flag_name(f, lang) for f in s["flags"])
        click.echo(
            obj.t(
                f"！{s['station']}：{what}（应于 {s['due'][11:16]} 前关闭）",
                f"! {s['station']}: {what} (due by {s['due'][11:16]})",
            )
        )


@click.command("sweep")
@click.option(
    "--at", "at_text", help="A past moment: ISO 8601 (2026-11-24T17:30) or HH:MM today; default now."
)
@click.option("--json", "as_json", is_flag=True, help="Print the Sweep JSON (DESIGN.md).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the items out as CSV.")
@click.option(
    "--fail-if-out", is_flag=True, help=f"Exit {EXIT_OUT} when anything is out (for cron and timers)."
)
@click.option("--station", "station_name", help="Only items whose home is this station (and its safe check).")
@click.option(
    "--record", is_flag=True, help="Store the sweep as a record and notify when it found something."
)
@click.pass_obj
def sweep_cmd(
    obj: Any,
    at_text: str | None,
    as_json: bool,
    as_csv: bool,
    fail_if_out: bool,
    station_name: str | None,
    record: bool,
) -> None:
    """The closing sweep: everything not home, top secret first, then longest out (P6, P11).

    A moment in the past is answered from the ledger as it stood then.

    \b
    Examples:
      custody sweep
      custody sweep --at 2026-11-24T17:30 --json
      custody sweep --record --fail-if-out   # from cron at closing time
    """
    if as_json and as_csv:
        raise click.UsageError("give at most one of --json and --csv")
    store = obj.store()
    s = sweep.sweep(store, at=_when(obj, at_text) if at_text else None, station=station_name)
    data = sweep.to_json(s, obj.tz())
    if record:
        st = lookup.station(station_name) if station_name else None
        rec = closing.record_sweep(
            store, s, kind="manual", day=Calendar.load(store).local_day(s.at), actor=obj.actor, station=st
        )
        if rec is not None and rec.notify_status == "pending":
            notify.deliver(store, rec)
    if as_json:
        _emit(data)
    elif as_csv:
        click.echo(sweep.to_csv(data), nl=False)
    else:
        print_sweep(obj, data)
    if fail_if_out and s.entries:
        raise click.exceptions.Exit(EXIT_OUT)


# --- inventory counts ----------------------------------------------------------------------------


@click.group()
def count() -> None:
    """Inventory counts at a station (清点, P22)."""


@count.command("start")
@click.argument("station")
@click.option("--by", "by_badge", required=True, help="Badge of the custodian starting the count.")
@click.pass_obj
def count_start(obj: Any, station: str, by_badge: str) -> None:
    """Start a count: the list of what should be at STATION is frozen now.

    \b
    Example:
      custody count start 保密室 --by C001
    """
    store = obj.store()
    out = inventory.start_count(store, lookup.station(station), lookup.person_by_badge(by_badge), obj.actor)
    click.echo(out.message)


@count.command("seen")
@click.argument("station")
@click.argument("codes", nargs=-1)
@click.option(
    "--file",
    "codes_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Codes one per line (an RFID reader's dump), read as one batch.",
)
@click.pass_obj
def count_seen(obj: Any, station: str, codes: tuple[str, ...], codes_file: str | None) -> None:
    """Mark items seen in the count open at STATION (barcodes or RFID ids).

    \b
    Examples:
      custody count seen 保密室 346056276894 010063E9AE
      custody count seen 保密室 --file rfid-sweep.txt
    """
    store = obj.store()
    st = lookup.station(station)
    open_ = inventory.open_count(st)
    if open_ is None:
        raise InvalidInput(
            f"“{st.name}”没有正在进行的清点：先 custody count start {st.name} --by 工作证号",
            f"no count is open at {st.name!r}: first custody count start {st.name} --by BADGE",
        )
    read = list(codes)
    if codes_file:
        read += [
            line.strip()
            for line in Path(codes_file).read_text(encoding="utf-8-sig").splitlines()
            if line.strip()
        ]
    if not read:
        raise click.UsageError("give codes, or --file FILE")
    if len(read) == 1:
        click.echo(inventory.mark_seen(store, open_, read[0], None, obj.actor).message)
    else:
        click.echo(inventory.mark_seen_batch(store, open_, read, obj.actor).message)


@count.command("close")
@click.argument("station")
@click.option("--by", "by_badge", required=True, help="Badge of who closes it (its starter, or a custodian).")
@click.option("--json", "as_json", is_flag=True, help="Print the count's report as JSON.")
@click.pass_obj
def count_close(obj: Any, station: str, by_badge: str, as_json: bool) -> None:
    """Close the count at STATION and store its result.

    \b
    Example:
      custody count close 保密室 --by C001
    """
    store = obj.store()
    st = lookup.station(station)
    out = inventory.close_count(store, st, lookup.person_by_badge(by_badge), obj.actor)
    if as_json:
        from custody.models.closing import InventoryCount

        _emit(inventory.report(InventoryCount.get_by_id(out.extra["count"]), obj.tz()))
    else:
        click.echo(out.message)
        _print_count_details(obj, out.extra["count"])


def _print_count_details(obj: Any, count_id: int) -> None:
    from custody.models.closing import InventoryCount

    data = inventory.report(InventoryCount.get_by_id(count_id), obj.tz())
    names = {
        "missing": ("缺失", "missing"),
        "misplaced": ("错放", "misplaced"),
        "out_but_seen": ("借出但在位", "out but seen"),
        "not_in_stock": ("已注销仍在位", "not in stock"),
        "unknown": ("未登记编码", "unknown codes"),
        "duplicates": ("重复读取", "read more than once"),
    }
    for key, (zh, en) in names.items():
        entries = data.get("result", {}).get(key, [])
        if entries:
            click.echo(f"{obj.t(zh, en)} ({len(entries)}):")
            for e in entries[:200]:
                detail = [
                    e.get("title", ""),
                    e.get("home", "") and obj.t(f"存放于{e['home']}", f"home {e['home']}"),
                ]
                if e.get("holder"):
                    detail.append(obj.t(f"借给{e['holder']}", f"out to {e['holder']}"))
                if "reads" in e:
                    detail.append(obj.t(f"读取 {e['reads']} 次", f"{e['reads']} reads"))
                click.echo(f"  {e['code']}  " + "  ".join(x for x in detail if x))
            if len(entries) > 200:
                click.echo(f"  … {len(entries) - 200}")


@count.command("show")
@click.argument("station")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def count_show(obj: Any, station: str, as_json: bool) -> None:
    """The open count at STATION (its progress), or the last one (its result).

    \b
    Example:
      custody count show 保密室 --json
    """
    obj.store()
    st = lookup.station(station)
    c = inventory.open_count(st) or inventory.last_count(st)
    if c is None:
        raise InvalidInput(f"“{st.name}”还没有清点记录", f"no count at {st.name!r} yet")
    data = inventory.report(c, obj.tz())
    if as_json:
        _emit(data)
        return
    state = obj.t("进行中", "open") if data["open"] else obj.t("已结束", "closed")
    click.echo(
        obj.t(
            f"清点 #{data['id']} {st.name}（{state}）：{data['started_by']} {data['started_at']} 开始，应在 "
            f"{data['expected']} 件",
            f"count #{data['id']} at {st.name} ({state}): started by "
            f"{data['started_by']} at {data['started_at']}, {data['expected']} expected",
        )
    )
    if data["open"]:
        p = data["progress"]
        click.echo(
            obj.t(
                f"已扫到 {p['seen_items']} 件，未登记编码 {p['unknown']} 个",
                f"seen {p['seen_items']} items, {p['unknown']} unknown codes",
            )
        )
    else:
        click.echo(", ".join(f"{k} {v}" for k, v in data["summary"].items()))
        _print_count_details(obj, data["id"])


# --- closing checks and records ---------------------------------------------------------------------


@click.group("closing")
def closing_cmd() -> None:
    """Closing checks (关柜检查), automatic sweep records and closing times."""


@closing_cmd.command("close")
@click.argument("station")
@click.option("--by", "by_badge", required=True, help="Badge of the custodian closing it.")
@click.pass_obj
def closing_close(obj: Any, station: str, by_badge: str) -> None:
    """Record that STATION was closed: who, when, and what was still out (as the close-safe command does).

    \b
    Example:
      custody closing close 保密室 --by C001
    """
    store = obj.store()
    click.echo(
        closing.close_safe(
            store, lookup.station(station), lookup.person_by_badge(by_badge), obj.actor
        ).message
    )


@closing_cmd.command("check")
@click.argument("station")
@click.option("--by", "by_badge", required=True, help="Badge of the second person checking.")
@click.pass_obj
def closing_check(obj: Any, station: str, by_badge: str) -> None:
    """A second person's check of the last close of STATION (within second_check_minutes).

    \b
    Example:
      custody closing check 保密室 --by L001
    """
    store = obj.store()
    st = lookup.station(station)
    out = closing.second_check(store, st, lookup.person_by_badge(by_badge), obj.actor)
    if out is None:
        raise InvalidInput(f"“{st.name}”没有等待复核的关柜记录", f"no close of {st.name!r} awaits a check")
    click.echo(out.message)
    if out.outcome == "refused":
        raise click.exceptions.Exit(1)


@closing_cmd.command("list")
@click.option("--from", "date_from", help="First day, YYYY-MM-DD (default today).")
@click.option("--to", "date_to", help="Last day, YYYY-MM-DD (default --from).")
@click.option("--station", "station_name", help="Only this station.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def closing_list(
    obj: Any, date_from: str | None, date_to: str | None, station_name: str | None, as_json: bool
) -> None:
    """Closing checks and the sweep records of a date range.

    \b
    Example:
      custody closing list --from 2026-11-01 --to 2026-11-30
    """
    obj.store()
    first = _day(date_from, _today(obj))
    last = _day(date_to, first)
    st = lookup.station(station_name) if station_name else None
    checks = [closing.check_json(c, obj.tz()) for c in closing.closing_checks(first, last, st)]
    q = (
        SweepRecord.select()
        .where(SweepRecord.day.between(first, last))
        .order_by(SweepRecord.at, SweepRecord.id)
    )
    if st is not None:
        q = q.where(SweepRecord.station == st)
    records = [closing.record_json(r) for r in q]
    if as_json:
        _emit({"checks": checks, "sweeps": records})
        return
    click.echo(obj.t("关柜检查：", "closing checks:"))
    click.echo(
        table.render(
            [
                obj.t("日期", "day"),
                obj.t("站点", "station"),
                obj.t("关闭人", "closed by"),
                obj.t("关闭时间", "closed"),
                obj.t("未归还", "out"),
                obj.t("复核人", "checked by"),
                obj.t("复核时间", "checked"),
            ],
            [
                (
                    c["day"],
                    c["station"],
                    c["closed_by"],
                    c["closed_at"][11:16],
                    c["out_count"],
                    c["checked_by"] or "",
                    (c["checked_at"] or "")[11:16],
                )
                for c in checks
            ],
        )
    )
    click.echo(obj.t("\n清查记录：", "\nsweep records:"))
    click.echo(
        table.render(
            [
                obj.t("编号", "id"),
                obj.t("日期", "day"),
                obj.t("时间", "at"),
                obj.t("站点", "station"),
                obj.t("方式", "kind"),
                obj.t("未归还", "out"),
                obj.t("未关柜", "unclosed"),
                obj.t("通知", "notified"),
            ],
            [
                (
                    r["id"],
                    r["day"],
                    r["sweep"]["at"][11:16],
                    r["station"] or "",
                    r["kind"],
                    r["outstanding"],
                    r["unclosed"],
                    r["notify_status"],
                )
                for r in records
            ],
        )
    )


@closing_cmd.command("show")
@click.argument("record_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def closing_show(obj: Any, record_id: int, as_json: bool) -> None:
    """One stored sweep record, as it was taken.

    \b
    Example:
      custody closing show 12
    """
    obj.store()
    rec = SweepRecord.get_or_none(SweepRecord.id == record_id)
    if rec is None:
        raise InvalidInput(f"没有编号为 {record_id} 的清查记录", f"no sweep record {record_id}")
    data = closing.record_json(rec)
    if as_json:
        _emit(data)
        return
    click.echo(
        obj.t(
            f"清查记录 #{rec.id}（{rec.kind}，{rec.day}），通知：{rec.notify_status} {rec.notify_error}",
            f"sweep record #{rec.id} ({rec.kind}, {rec.day}), notification: {rec.notify_status} "
            f"{rec.notify_error}",
        ).rstrip()
    )
    print_sweep(obj, data["sweep"])


@closing_cmd.command("run")
@click.pass_obj
def closing_run(obj: Any) -> None:
    """Store the sweeps due now (each station's closing time, working days) and send notifications;
    what the service does by itself, for offices that run it from cron instead. Idempotent.

    \b
    Example:
      custody closing run
    """
    store = obj.store()
    scheduler = closing.ClosingScheduler(lambda: store, store.clock)
    records = scheduler.tick(store)
    for r in records:
        r = SweepRecord.get_by_id(r.id)
        click.echo(
            obj.t(
                f"已记录 #{r.id} {r.station.name if r.station_id else ''}：{r.outstanding} 件未归还，"
                f"通知 {r.notify_status}",
                f"recorded #{r.id} {r.station.name if r.station_id else ''}: "
                f"{r.outstanding} out, notification {r.notify_status}",
            )
        )
    if not records:
        click.echo(obj.t("现在没有到期的清查", "no sweep is due now"))


@closing_cmd.command("set-time")
@click.argument("station")
@click.argument("hhmm")
@click.pass_obj
def closing_set_time(obj: Any, station: str, hhmm: str) -> None:
    """Set STATION's own closing time (HH:MM local), or `default` for the closing_time setting.

    \b
    Example:
      custody closing set-time 阅文室 17:00
    """
    from custody.actions import core as actions

    value = None if hhmm.lower() in ("default", "默认") else hhmm
    st = actions.set_station_closing_time(obj.store(), station, value, actor=obj.actor)
    click.echo(f"{st.name}: {st.closing_time or obj.t('默认', 'default')}")


# --- registers and the P4 review -------------------------------------------------------------------


def _write_outputs(obj: Any, reg: registers.Register, csv_file: str | None, pdf_file: str | None) -> None:
    if csv_file:
        registers.write_csv(reg, Path(csv_file), obj.lang)
        click.echo(
            obj.t(f"已写入 {csv_file}（{len(reg.rows)} 行）", f"wrote {csv_file} ({len(reg.rows)} rows)")
        )
    if pdf_file:
        try:
            from labels.register_pdf import write_pdf
        except ImportError as exc:
            raise CustodyError(f"无法生成 PDF：{exc}", f"cannot make the PDF: {exc}") from None
        pages = write_pdf(reg, Path(pdf_file), lang=obj.lang, printed=obj.store().now().astimezone(obj.tz()))
        click.echo(obj.t(f"已写入 {pdf_file}（{pages} 页）", f"wrote {pdf_file} ({pages} pages)"))


@click.command("register")
@click.argument("kind")
@click.option("--from", "date_from", help="First day, YYYY-MM-DD (default: the 1st of this month).")
@click.option("--to", "date_to", help="Last day, YYYY-MM-DD (default today).")
@click.option(
    "--csv", "csv_file", type=click.Path(dir_okay=False), help="Write CSV (UTF-8 with BOM) to FILE."
)
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False), help="Write a printable A4 PDF to FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def register_cmd(
    obj: Any,
    kind: str,
    date_from: str | None,
    date_to: str | None,
    csv_file: str | None,
    pdf_file: str | None,
    as_json: bool,
) -> None:
    """A paper register (登记簿) from the ledger: receipts (收文), loans (借阅), closing (关柜检查),
    counts (清点) or sweeps (下班清查) (P21).

    \b
    Examples:
      custody register receipts --from 2026-11-01 --to 2026-11-30 --pdf 收文登记簿.pdf
      custody register 借阅 --csv loans.csv
    """
    today = _today(obj)
    reg = registers.build(obj.store(), kind, _day(date_from, today.replace(day=1)), _day(date_to, today))
    if as_json:
        _emit(
            {
                "kind": reg.kind,
                "title": reg.title(obj.lang),
                "from": reg.date_from.isoformat(),
                "to": reg.date_to.isoformat(),
                "unit": reg.unit,
                "columns": [c.key for c in reg.columns],
                "headings": reg.headings(obj.lang),
                "rows": reg.rows,
            }
        )
    elif csv_file or pdf_file:
        _write_outputs(obj, reg, csv_file, pdf_file)
    else:
        click.echo(f"{reg.title(obj.lang)} {reg.date_from} – {reg.date_to}")
        click.echo(table.render(reg.headings(obj.lang), reg.cells()))


@click.command()
@click.option("--as-of", "as_of", help="Day to judge by, YYYY-MM-DD (default today).")
@click.option(
    "--within",
    "within",
    type=click.IntRange(0, 3650),
    default=0,
    show_default=True,
    help="Also list periods running out within this many days.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False), help="Write CSV to FILE.")
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False), help="Write a printable A4 PDF to FILE.")
@click.pass_obj
def review(
    obj: Any, as_of: str | None, within: int, as_json: bool, csv_file: str | None, pdf_file: str | None
) -> None:
    """Items whose secrecy period has run out, for declassification review (P4). Nothing is declassified.

    \b
    Example:
      custody review --within 30 --pdf 解密审核.pdf
    """
    store = obj.store()
    day = _day(as_of, _today(obj))
    entries = registers.review(store, day, within)
    if as_json:
        _emit([e.as_json() for e in entries])
        return
    reg = registers.review_register(store, entries, day)
    if csv_file or pdf_file:
        _write_outputs(obj, reg, csv_file, pdf_file)
    elif not entries:
        click.echo(obj.t("没有保密期限届满的物品", "no item is past its secrecy period"))
    else:
        click.echo(table.render(reg.headings(obj.lang), reg.cells()))


# --- import -------------------------------------------------------------------------------------------


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--map",
    "maps",
    multiple=True,
    help="field=heading for a column the built-in mapping does not "
    "know, e.g. --map title=题名 (repeat, or comma-separate).",
)
@click.option("--sheet", help="Sheet of an .xlsx file (default: the active one).")
@click.option("--home", help="Station for rows without a 存放位置 column (default: the only safe).")
@click.option("--dry-run", is_flag=True, help="Only check: print every row that would fail and why.")
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(dir_okay=False),
    help="Also write labels for the imported items to FILE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the imported item codes as JSON.")
@click.pass_obj
def import_cmd(
    obj: Any,
    file: str,
    maps: tuple[str, ...],
    sheet: str | None,
    home: str | None,
    dry_run: bool,
    labels_file: str | None,
    as_json: bool,
) -> None:
    """Import an existing register (CSV or XLSX). Every row is checked first; only a file with no
    failing row is imported, in one transaction. The usual 收文登记簿 headings are known
    (docs/closing.md); name others with --map.

    \b
    Examples:
      custody import 收文登记簿.xlsx --dry-run
      custody import register.csv --map title=题名 --map doc_no=字号 --labels labels.pdf
    """
    store = obj.store()
    checked = importer.plan(store, Path(file), mapping=importer.parse_map(maps), sheet=sheet, home=home)
    mapped = "，".join(f"{k}←{v}" for k, v in checked.mapping.items())
    click.echo(obj.t(f"列对应：{mapped}", f"columns: {mapped}"), err=True)
    if checked.ignored:
        click.echo(
            obj.t(
                f"未使用的列：{'、'.join(checked.ignored)}", f"unused columns: {', '.join(checked.ignored)}"
            ),
            err=True,
        )
    for error in checked.errors:
        click.echo(error.message(obj.lang), err=True)
    summary = obj.t(
        f"{len(checked.rows)} 行可以导入（{checked.items} 件），{len(checked.errors)} 行有错误",
        f"{len(checked.rows)} rows can be imported ({checked.items} items), {len(checked.errors)} rows fail",
    )
    click.echo(summary, err=True)
    if checked.errors:
        raise CustodyError(
            obj.t(
                "有错误的行，未导入任何物品：请改正后再导入",
                "nothing imported: correct the failing rows first",
            )
            if not dry_run
            else obj.t("试运行发现错误", "the dry run found failing rows")
        )
    if dry_run:
        return
    with click.progressbar(
        length=len(checked.rows), label=obj.t("导入", "importing"), file=sys.stderr
    ) as bar:
        items = importer.run(store, checked, actor=obj.actor, progress=bar.update)
    if labels_file:
        try:
            from custody.cli.labels import write_item_labels
        except ImportError as exc:
            raise CustodyError(
                f"已导入，但无法打印标签：{exc}", f"imported, but labels cannot be made: {exc}"
            ) from None
        write_item_labels(obj, [i.code for i in items], Path(labels_file))
    if as_json:
        _emit([i.code for i in items])
    else:
        click.echo(obj.t(f"已导入 {len(items)} 件", f"imported {len(items)} items"), err=True)
        for i in items:
            click.echo(i.code)


# --- notifications -------------------------------------------------------------------------------------


@click.group("notify")
def notify_cmd() -> None:
    """Notification channels for sweeps that find something (webhook, e-mail)."""


@notify_cmd.command("test")
@click.pass_obj
def notify_test(obj: Any) -> None:
    """Send a test message to every configured channel; exit 1 naming the first that fails.

    \b
    Example:
      custody setting set smtp_host mail.example.gov.cn
      custody setting set smtp_to baomi@example.gov.cn
      custody notify test
    """
    sent = notify.send_test(obj.store(), sleep=lambda _s: None)
    click.echo(obj.t(f"已发送测试消息：{'、'.join(sent)}", f"test message sent: {', '.join(sent)}"))
