"""CLI: labels for items, badges and the station command sheet; label printers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from custody import settings
from custody.actions import core as actions
from custody.reports import lookup
from custody.scan import commands


def register(cli: click.Group) -> None:
    cli.add_command(label)
    cli.add_command(printer)


def item_labels(obj, codes: list[str]) -> list[Any]:
    """ItemLabel for each code: marking, copy number, kind, doc number, receiving unit and date."""
    from labels import ItemLabel

    store = obj.store()
    unit = settings.get(store, "unit_name")
    tz = obj.tz()
    out = []
    for code in codes:
        it = lookup.item(store, code)
        out.append(
            ItemLabel(
                code=it.code,
                level=it.level,
                period=it.period,
                copy_no=it.copy_no,
                kind=it.kind,
                doc_no=it.doc_no,
                unit=unit,
                received=it.received_at.astimezone(tz).date(),
            )
        )
    return out


def _progress(obj, count: int, label_text: str):
    """A click progress bar on a terminal for batches; nothing otherwise."""
    import sys

    if count < 20 or not sys.stderr.isatty():
        return None, None
    bar = click.progressbar(length=count, label=label_text, file=sys.stderr)
    bar.__enter__()
    return bar, bar.update


def write_item_labels(obj, codes: list[str], path: Path, **options: Any) -> list[Path]:
    from labels import write_labels

    labels = item_labels(obj, codes)
    bar, update = _progress(obj, len(labels), obj.t("labels"))
    try:
        written = write_labels(path, labels, lang=obj.lang, progress=update, **options)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for p in written:
        click.echo(obj.t("labels written to {path}", path=str(p)), err=True)
    return written


@click.command()
@click.argument("codes", nargs=-1)
@click.option(
    "--out", "out_file", type=click.Path(dir_okay=False), help="Write to FILE (.png/.pdf/.zpl/.tspl)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["png", "pdf", "zpl", "tspl"]), help="Default: from --out's suffix."
)
@click.option(
    "--size",
    default="50x30",
    show_default=True,
    help="Label size: 50x30, 62 (continuous), … (see docs/labels.md).",
)
@click.option(
    "--dpi", default=300, show_default=True, type=click.Choice(["203", "300"]), help="Printer resolution."
)
@click.option(
    "--sheet",
    default="L7160",
    show_default=True,
    help="PDF: A4 sheet L7160 or L7651, or 'none' for label-sized pages.",
)
@click.option(
    "--skip",
    default=0,
    show_default=True,
    type=int,
    help="PDF sheets: labels already used on the first sheet.",
)
@click.option(
    "--printer", "printer_name", help="Print to a named printer (custody printer add) instead of a file."
)
@click.option(
    "--badges", is_flag=True, help="Badge labels for every active person (or the badges given as CODES)."
)
@click.option("--commands", "command_sheet", is_flag=True, help="The station command sheet (A4).")
@click.pass_obj
def label(obj, codes, out_file, fmt, size, dpi, sheet, skip, printer_name, badges, command_sheet) -> None:
    """Labels for existing items, people's badges, or the station command sheet.

    \b
    Example:
      custody label 346056276894 123456789018 --out labels.pdf
      custody label 346056276894 --out label.zpl --dpi 203 --size 50x30
      custody label --badges --out badges.pdf
      custody label --commands --out commands.pdf
      custody label 346056276894 --printer 收文台
    """
    from labels import (
        BadgeLabel,
        CommandSheet,
        PrinterConfig,
        find_printer,
        print_labels,
        write_command_sheet,
        write_labels,
    )

    store = obj.store()
    if command_sheet:
        if not out_file:
            raise click.UsageError("--commands needs --out FILE (.pdf or .png)")
        sheet_rows = CommandSheet(commands.sheet_rows(obj.lang), title=obj.t("Station commands"))
        for p in write_command_sheet(Path(out_file), sheet_rows, fmt, lang=obj.lang):
            click.echo(obj.t("command sheet written to {path}", path=str(p)), err=True)
        return
    if badges:
        m = store.m
        people = (
            [lookup.person_by_badge(store, c) for c in codes]
            if codes
            else list(m.Person.select().where(m.Person.active == True).order_by(m.Person.id))  # noqa: E712
        )
        labels = [BadgeLabel(p.name, lookup.badge_of(store, p), p.dept) for p in people]
    else:
        if not codes:
            raise click.UsageError("give item CODES, or --badges, or --commands")
        labels = item_labels(obj, list(codes))
    if printer_name:
        configured = [PrinterConfig.from_dict(c) for c in settings.get(store, "printers").values()]
        config = find_printer(configured, printer_name)
        bar, update = _progress(obj, len(labels), obj.t("printing"))
        try:
            print_labels(labels, config, lang=obj.lang, skip=skip, progress=update)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        click.echo(obj.t("{count} labels sent to printer {printer}", count=len(labels), printer=printer_name))
        return
    if not out_file:
        raise click.UsageError("give --out FILE or --printer NAME")
    bar, update = _progress(obj, len(labels), obj.t("labels"))
    try:
        written = write_labels(
            Path(out_file),
            labels,
            fmt,
            size=size,
            dpi=int(dpi),
            sheet=None if sheet.lower() == "none" else sheet,
            skip=skip,
            lang=obj.lang,
            progress=update,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for p in written:
        click.echo(str(p))


@click.group()
def printer() -> None:
    """Named label printers (CUPS queues or raw devices)."""


@printer.command("add")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(["cups", "raw"]),
    required=True,
    help="cups: through lp; raw: write to a device.",
)
@click.option("--queue", default="", help="CUPS queue (kind cups).")
@click.option("--device", default="", help="Device path such as /dev/usb/lp0 (kind raw).")
@click.option("--format", "fmt", default="pdf", show_default=True, help="png, pdf, zpl or tspl.")
@click.option("--size", default="50x30", show_default=True, help="Label size.")
@click.option("--dpi", default=203, show_default=True, type=int, help="203 or 300.")
@click.option("--sheet", default=None, help="PDF only: A4 sheet (L7160/L7651) instead of label-sized pages.")
@click.pass_obj
def printer_add(obj, name, kind, queue, device, fmt, size, dpi, sheet) -> None:
    """Add or replace a named printer (kept in the settings, recorded in the ledger).

    \b
    Example:
      custody printer add 收文台 --kind raw --device /dev/usb/lp0 --format zpl --dpi 203
      custody printer add 办公室 --kind cups --queue Office_A4 --format pdf --sheet L7160
    """
    from labels import PrinterConfig

    config = PrinterConfig(
        name=name, kind=kind, queue=queue, device=device, format=fmt, size=size, dpi=dpi, sheet=sheet
    )
    store = obj.store()
    printers = dict(settings.get(store, "printers"))
    printers[name] = config.to_dict()
    actions.set_setting(store, "printers", printers, actor=obj.actor)
    click.echo(obj.t("printer {name} saved", name=name))


@printer.command("list")
@click.pass_obj
def printer_list(obj) -> None:
    """List the named printers.

    \b
    Example:
      custody printer list
    """
    printers = settings.get(obj.store(), "printers")
    if not printers:
        click.echo(obj.t("no printers configured"))
    for name, cfg in printers.items():
        where = cfg.get("queue") or cfg.get("device")
        click.echo(
            f"{name}\t{cfg.get('kind')}\t{where}\t{cfg.get('format')}\t{cfg.get('size')}\t{cfg.get('dpi')}dpi"
        )


__all__ = ["register", "write_item_labels"]
