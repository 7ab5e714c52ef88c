"""CLI: the closing sweep, closing checks, inventory counts, registers, the P4 review, imports, notifications."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from custody import vocab
from custody.actions import closing as closing_actions
from custody.actions import inventory
from custody.cli import table
from custody.cli.table import listing
from custody.closing import notify
from custody.closing import schedule as closing
from custody.closing.workdays import Calendar
from custody.errors import CustodyError, InvalidInput
from custody.importer import core as importer
from custody.messages import N_, Msg, list_separator
from custody.messages.catalog import flag_name
from custody.reports import lookup, registers, shapes, sweep

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


def _duration(obj: Any, since: str | None, at: str) -> str:
    if not since:
        return ""
    minutes = int((datetime.fromisoformat(at) - datetime.fromisoformat(since)).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    shown = obj.t("{hours}h{minutes}m", hours=hours, minutes=f"{mins:02d}")
    return obj.t("{days}d {rest}", days=days, rest=shown) if days else shown


# --- sweep ------------------------------------------------------------------------------------


def print_sweep(obj: Any, data: dict[str, Any]) -> None:
    lang, tz = obj.lang, obj.tz()
    counts = listing(
        (f"{vocab.LEVEL_BY_SLUG[k].name(lang)} {n}" for k, n in data["counts"].items() if n), lang
    )
    click.echo(
        obj.t(
            "sweep at {at}{where}: {count} out{counts}",
            at=shapes.when(data["at"], tz),
            where=Msg(" ({station})", {"station": data["station"]}) if data["station"] else "",
            count=len(data["outstanding"]),
            counts=Msg(" ({counts})", {"counts": counts}) if counts else "",
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
                shapes.when(o["since"], tz),
                _duration(obj, o["since"], data["at"]),
                o["station"] or "",
                (obj.t("overdue") + " " if o["overdue"] else "")
                + listing((flag_name(f, lang) for f in o["flags"]), lang),
            )
            for o in data["outstanding"]
        ]
        click.echo(
            table.render(
                [
                    obj.t("level"),
                    obj.t("code"),
                    obj.t("title"),
                    obj.t("copy"),
                    obj.t("holder"),
                    obj.t("since"),
                    obj.t("out for"),
                    obj.t("lent at"),
                    obj.t("flags"),
                ],
                rows,
            )
        )
    for s in data["unclosed_safes"]:
        what = listing((flag_name(f, lang) for f in s["flags"]), lang)
        click.echo(
            obj.t(
                "! {station}: {what} (due by {due})",
                station=s["station"],
                what=what,
                due=shapes.clock_time(s["due"], tz),
            )
        )


@click.command("sweep")
@click.option(
    "--at", "at_text", help="A past moment: ISO 8601 (2026-11-24T17:30) or HH:MM today; default now."
)
@click.option("--json", "as_json", is_flag=True, help="Print the sweep as JSON (docs/closing.md).")
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
    data = sweep.to_json(store, s, obj.tz())
    if record:
        st = lookup.station(store, station_name) if station_name else None
        rec = closing_actions.record_sweep(
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
    out = inventory.start_count(
        store, lookup.station(store, station), lookup.person_by_badge(store, by_badge), obj.actor
    )
    click.echo(out.message(obj.lang))


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
    st = lookup.station(store, station)
    open_ = inventory.open_count(store, st)
    if open_ is None:
        raise InvalidInput(
            "no count is open at {station!r}: first custody count start {station} --by BADGE", station=st.name
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
        click.echo(inventory.mark_seen(store, open_, read[0], None, obj.actor).message(obj.lang))
    else:
        click.echo(inventory.mark_seen_batch(store, open_, read, obj.actor).message(obj.lang))


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
    st = lookup.station(store, station)
    out = inventory.close_count(store, st, lookup.person_by_badge(store, by_badge), obj.actor)
    data = inventory.report(store, store.m.InventoryCount.get_by_id(out.extra["count"]), obj.tz())
    if as_json:
        _emit(data)
    else:
        click.echo(out.message(obj.lang))
        _print_count_details(obj, data)


_COUNT_RESULTS = {
    "missing": N_("missing"),
    "misplaced": N_("misplaced"),
    "out_but_seen": N_("out but seen"),
    "not_in_stock": N_("not in stock"),
    "unknown": N_("unknown codes"),
    "duplicates": N_("read more than once"),
}


_COUNT_SUMMARY = N_(
    "found {found}, missing {missing}, misplaced {misplaced}, out but seen {out_but_seen}, "
    "unknown {unknown}, duplicates {duplicates}"
)


def _print_count_details(obj: Any, data: dict[str, Any]) -> None:
    for key, name in _COUNT_RESULTS.items():
        entries = data.get("result", {}).get(key, [])
        if entries:
            click.echo(f"{obj.t(name)} ({len(entries)}):")
            for e in entries[:200]:
                detail = [e.get("title", ""), e.get("home", "") and obj.t("home {home}", home=e["home"])]
                if e.get("holder"):
                    detail.append(obj.t("out to {holder}", holder=e["holder"]))
                if "reads" in e:
                    detail.append(obj.t("{reads} reads", reads=e["reads"]))
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
    store = obj.store()
    st = lookup.station(store, station)
    c = inventory.open_count(store, st) or inventory.last_count(store, st)
    if c is None:
        raise InvalidInput("no count at {station!r} yet", station=st.name)
    data = inventory.report(store, c, obj.tz())
    if as_json:
        _emit(data)
        return
    click.echo(
        obj.t(
            "count #{id} at {station} ({state}): started by {by} at {at}, {expected} expected",
            id=data["id"],
            station=st.name,
            state=Msg("open") if data["open"] else Msg("closed"),
            by=data["started_by"],
            at=shapes.when(data["started_at"], obj.tz()),
            expected=data["expected"],
        )
    )
    if data["open"]:
        p = data["progress"]
        click.echo(
            obj.t("seen {seen} items, {unknown} unknown codes", seen=p["seen_items"], unknown=p["unknown"])
        )
    else:
        click.echo(obj.t(_COUNT_SUMMARY, **{k: v for k, v in data["summary"].items()}))
        _print_count_details(obj, data)


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
    out = closing_actions.close_safe(
        store, lookup.station(store, station), lookup.person_by_badge(store, by_badge), obj.actor
    )
    click.echo(out.message(obj.lang))


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
    st = lookup.station(store, station)
    out = closing_actions.second_check(store, st, lookup.person_by_badge(store, by_badge), obj.actor)
    if out is None:
        raise InvalidInput("no close of {station!r} awaits a check", station=st.name)
    click.echo(out.message(obj.lang))
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
    store = obj.store()
    m = store.m
    first = _day(date_from, _today(obj))
    last = _day(date_to, first)
    st = lookup.station(store, station_name) if station_name else None
    tz = obj.tz()
    checks = [closing.check_json(c, tz) for c in closing.closing_checks(store, first, last, st)]
    q = (
        m.SweepRecord.select()
        .where(m.SweepRecord.day.between(first, last))
        .order_by(m.SweepRecord.at, m.SweepRecord.id)
    )
    if st is not None:
        q = q.where(m.SweepRecord.station == st)
    records = [closing.record_json(r) for r in q]
    if as_json:
        _emit({"checks": checks, "sweeps": records})
        return
    click.echo(obj.t("closing checks:"))
    click.echo(
        table.render(
            [
                obj.t("day"),
                obj.t("station"),
                obj.t("closed by"),
                obj.t("closed"),
                obj.t("out"),
                obj.t("checked by"),
                obj.t("checked"),
            ],
            [
                (
                    c["day"],
                    c["station"],
                    c["closed_by"],
                    shapes.clock_time(c["closed_at"], tz),
                    c["out_count"],
                    c["checked_by"] or "",
                    shapes.clock_time(c["checked_at"], tz),
                )
                for c in checks
            ],
        )
    )
    click.echo()
    click.echo(obj.t("sweep records:"))
    click.echo(
        table.render(
            [
                obj.t("id"),
                obj.t("day"),
                obj.t("at"),
                obj.t("station"),
                obj.t("how"),
                obj.t("out"),
                obj.t("unclosed"),
                obj.t("notified"),
            ],
            [
                (
                    r["id"],
                    r["day"],
                    shapes.clock_time(r["sweep"]["at"], tz),
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
    m = obj.store().m
    rec = m.SweepRecord.get_or_none(m.SweepRecord.id == record_id)
    if rec is None:
        raise InvalidInput("no sweep record {id}", id=record_id)
    data = closing.record_json(rec)
    if as_json:
        _emit(data)
        return
    click.echo(
        obj.t(
            "sweep record #{id} ({kind}, {day}), notification: {status} {error}",
            id=rec.id,
            kind=rec.kind,
            day=rec.day,
            status=rec.notify_status,
            error=rec.notify_error,
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
        r = store.m.SweepRecord.get_by_id(r.id)
        click.echo(
            obj.t(
                "recorded #{id} {station}: {count} out, notification {status}",
                id=r.id,
                station=r.station.name if r.station_id else "",
                count=r.outstanding,
                status=r.notify_status,
            )
        )
    if not records:
        click.echo(obj.t("no sweep is due now"))


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
    shown = st.closing_time or obj.t("default")
    click.echo(f"{st.name}: {shown}")


# --- registers and the P4 review -------------------------------------------------------------------


def _write_outputs(obj: Any, reg: registers.Register, csv_file: str | None, pdf_file: str | None) -> None:
    if csv_file:
        registers.write_csv(reg, Path(csv_file), obj.lang)
        click.echo(obj.t("wrote {path} ({rows} rows)", path=csv_file, rows=len(reg.rows)))
    if pdf_file:
        try:
            from labels.register_pdf import write_pdf
        except ImportError as exc:
            raise CustodyError("cannot make the PDF: {error}", error=str(exc)) from None
        pages = write_pdf(reg, Path(pdf_file), lang=obj.lang, printed=obj.store().now().astimezone(obj.tz()))
        click.echo(obj.t("wrote {path} ({pages} pages)", path=pdf_file, pages=pages))


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
    reg = registers.build(
        obj.store(), kind, _day(date_from, today.replace(day=1)), _day(date_to, today), lang=obj.lang
    )
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
    reg = registers.review_register(store, entries, day, lang=obj.lang)
    if csv_file or pdf_file:
        _write_outputs(obj, reg, csv_file, pdf_file)
    elif not entries:
        click.echo(obj.t("no item is past its secrecy period"))
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
    click.echo(obj.t("columns: {mapping}", mapping=mapped), err=True)
    if checked.ignored:
        sep = list_separator(obj.lang)
        click.echo(obj.t("unused columns: {columns}", columns=sep.join(checked.ignored)), err=True)
    for error in checked.errors:
        click.echo(error.message(obj.lang), err=True)
    summary = obj.t(
        "{rows} rows can be imported ({items} items), {errors} rows fail",
        rows=len(checked.rows),
        items=checked.items,
        errors=len(checked.errors),
    )
    click.echo(summary, err=True)
    if checked.errors:
        if dry_run:
            raise CustodyError("the dry run found failing rows")
        raise CustodyError("nothing imported: correct the failing rows first")
    if dry_run:
        return
    with click.progressbar(length=len(checked.rows), label=obj.t("importing"), file=sys.stderr) as bar:
        items = importer.run(store, checked, actor=obj.actor, progress=bar.update)
    if labels_file:
        try:
            from custody.cli.labels import write_item_labels
        except ImportError as exc:
            raise CustodyError("imported, but labels cannot be made: {error}", error=str(exc)) from None
        write_item_labels(obj, [i.code for i in items], Path(labels_file))
    if as_json:
        _emit([i.code for i in items])
    else:
        click.echo(obj.t("imported {count} items", count=len(items)), err=True)
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
    sep = list_separator(obj.lang)
    click.echo(obj.t("test message sent: {channels}", channels=sep.join(sent)))
