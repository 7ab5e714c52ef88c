"""CLI: receiving items, lending and returning, what is out (verify and backup: cli/ledger.py)."""

from __future__ import annotations

from pathlib import Path

import click

from custody import vocab
from custody.actions import core as actions
from custody.actions.items import expired_at_receipt
from custody.cli import table
from custody.ledger import chain as ledger
from custody.messages.catalog import event_name
from custody.models.core import Item, Station
from custody.reports import items as item_reports
from custody.reports import lookup, shapes
from custody.reports.out import out_now


def register(cli: click.Group) -> None:
    cli.add_command(item)
    for command in (check_out, return_, approve, out):  # verify, backup: custody/cli/ledger.py
        cli.add_command(command)


def _parse_date(value: str):
    from custody.cli.main import parse_date

    return parse_date(value)


def _emit(value: object) -> None:
    from custody.cli.main import emit_json

    emit_json(value)


def item_rows(obj, items: list[Item], document: bool = False) -> str:
    """The items' table; with `document`, also each one's 文号 and 发文机关 (`item show`)."""
    lang, tz = obj.lang, obj.tz()
    rows = [
        (
            i.code,
            i.title,
            *((i.doc_no or "", i.issuer or "") if document else ()),
            vocab.marking(vocab.LEVEL_BY_SLUG[i.level], vocab.Period(i.period), lang),
            f"{i.copy_no:06d}",
            vocab.KIND_BY_SLUG[i.kind].name(lang),
            vocab.STATUS_BY_SLUG[i.status].name(lang),
            i.holder.name if i.holder_id else "",
            shapes.when(i.since, tz),
            i.home.name,
        )
        for i in items
    ]
    return table.render(
        [
            obj.t("code"),
            obj.t("title"),
            *((obj.t("doc. no."), obj.t("issued by")) if document else ()),
            obj.t("level"),
            obj.t("copy"),
            obj.t("kind"),
            obj.t("status"),
            obj.t("holder"),
            obj.t("since"),
            obj.t("home"),
        ],
        rows,
    )


@click.group()
def item() -> None:
    """Controlled items: documents, seals, letters, media (涉密载体)."""


@item.command("receive")
@click.option("--title", required=True, help="Title (never printed on the label).")
@click.option(
    "--level",
    required=True,
    help="top-secret/secret/confidential/internal/unclassified or 绝密/机密/秘密/内部/非密.",
)
@click.option(
    "--kind", default="document", show_default=True, help="document, seal, letter, medium, archive, other."
)
@click.option(
    "--copies", default=1, show_default=True, type=int, help="How many copies arrived (each gets a code)."
)
@click.option(
    "--first-copy", default=1, show_default=True, type=int, help="Copy number (份号) of the first copy."
)
@click.option("--total", "total_copies", type=int, help="Copies printed in all (印发数量).")
@click.option("--doc-no", default="", help="Document number (文号).")
@click.option("--issuer", default="", help="Issuing authority (制发机关).")
@click.option("--period", help="Secrecy period: 10y, 6m, until:YYYY-MM-DD, long-term, condition:TEXT.")
@click.option("--home", help="Home station (default: the only safe).")
@click.option(
    "--scope", multiple=True, help="Distribution scope: a department or badge; repeat for more (P9)."
)
@click.option("--received-by", help="Badge of the custodian who signed for it.")
@click.option("--brought-by", help="Badge of who brought it back from a meeting (P3).")
@click.option("--no-copy", is_flag=True, help="Received marked “do not copy” (P16): copying is refused.")
@click.option("--due-back", help="Due back to the issuer on this day, YYYY-MM-DD (P17).")
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(dir_okay=False),
    help="Also write labels to FILE (.png/.pdf/.zpl/.tspl).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the items as JSON.")
@click.pass_obj
def item_receive(
    obj,
    title,
    level,
    kind,
    copies,
    first_copy,
    total_copies,
    doc_no,
    issuer,
    period,
    home,
    scope,
    received_by,
    brought_by,
    no_copy,
    due_back,
    labels_file,
    as_json,
) -> None:
    """Register received copies (P1–P3); prints one item code per line.

    \b
    Example:
      custody item receive --title 关于加强保密工作的通知 --level 机密 --copies 3 \\
        --doc-no 办发〔2026〕12号 --issuer 县委办公室 --period 10y
    """
    items = actions.receive(
        obj.store(),
        title=title,
        level=level,
        kind=kind,
        copies=copies,
        first_copy=first_copy,
        total_copies=total_copies,
        doc_no=doc_no,
        issuer=issuer,
        period=period,
        home=home,
        scope=list(scope),
        received_by=received_by,
        brought_by=brought_by,
        no_copy=no_copy,
        due_back=_parse_date(due_back) if due_back else None,
        actor=obj.actor,
    )
    expired = expired_at_receipt(obj.store(), items)
    if expired is not None:
        click.echo(obj.t("warning: {what}", what=expired), err=True)
    if labels_file:
        from custody.cli.labels import write_item_labels

        write_item_labels(obj, [i.code for i in items], Path(labels_file))
    if as_json:
        _emit([shapes.item_json(obj.store(), i, obj.tz()) for i in items])
    else:
        for i in items:
            click.echo(i.code)


@item.command("list")
@click.option("--status", help="in, out, destroyed, returned-to-issuer, lost.")
@click.option("--level", help="Level slug or 中文.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def item_list(obj, status: str | None, level: str | None, as_json: bool) -> None:
    """List items, filtered.

    \b
    Example:
      custody item list --status out --level 绝密
    """
    items = list(item_reports.items(obj.store(), status=status, level=level))
    if as_json:
        _emit([shapes.item_json(obj.store(), i, obj.tz()) for i in items])
    else:
        click.echo(item_rows(obj, items))


@item.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def item_show(obj, code: str, as_json: bool) -> None:
    """An item and its whole custody history.

    \b
    Example:
      custody item show 346056276894
    """
    store = obj.store()
    it = lookup.item(store, code)
    tz = obj.tz()
    events = ledger.history(store, it.code)
    if as_json:
        flags = ["lost"] if it.status == "lost" and it.lost_from else []  # P19: until a leader resolves it
        _emit(
            {
                **shapes.item_json(obj.store(), it, tz),
                "flags": flags,
                "history": [shapes.event_json(e, tz) for e in events],
            }
        )
        return
    click.echo(item_rows(obj, [it], document=True))
    if it.status == "lost" and it.lost_from:  # P19: flagged until a leader resolves it
        from custody.messages.catalog import flag_name

        click.echo(f"⚠ {flag_name('lost', obj.lang)}")
    m = store.m
    people = {p.id: p.name for p in m.Person.select(m.Person.id, m.Person.name)}
    rows = []
    for e in events:
        data = e.payload
        detail = data.get("reason", "") if e.kind == "refused" else ",".join(data.get("flags", []))
        rows.append(
            (
                e.seq,
                shapes.when(e.at, tz),
                event_name(e.kind, obj.lang),
                people.get(e.person, "") if e.person else "",
                e.station or "",
                e.actor,
                detail,
            )
        )
    click.echo()
    click.echo(
        table.render(
            [
                "#",
                obj.t("at"),
                obj.t("event"),
                obj.t("person"),
                obj.t("station"),
                obj.t("actor"),
                obj.t("detail"),
            ],
            rows,
        )
    )


@item.command("tag")
@click.argument("code")
@click.option("--rfid", required=True, help="Tag id: 10 hex digits or the 10-digit decimal number.")
@click.pass_obj
def item_tag(obj, code: str, rfid: str) -> None:
    """Bind an RFID tag to an item (it keeps its barcode label too).

    \b
    Example:
      custody item tag 346056276894 --rfid 010063E9AE
    """
    tag = actions.tag_item(obj.store(), code, rfid, actor=obj.actor)
    click.echo(obj.t("RFID {code} bound", code=tag.code))


def _station(store, name: str | None) -> Station:
    if name:
        return lookup.station(store, name)
    return actions.default_home(store)


def _print_outcome(obj, outcome: actions.Outcome, as_json: bool) -> None:
    if as_json:
        _emit(
            {
                "outcome": outcome.outcome,
                "message": outcome.message(obj.lang),
                "flags": list(outcome.flags),
                "item": shapes.item_json(obj.store(), outcome.item, obj.tz()) if outcome.item else None,
                "person": shapes.person_json(obj.store(), outcome.person),
            }
        )
    else:
        click.echo(f"{outcome.outcome} {outcome.message(obj.lang)}")
    if outcome.outcome == "refused":
        raise click.exceptions.Exit(1)


@click.command("check-out")
@click.argument("code")
@click.option("--to", "to_badge", required=True, help="Badge of the borrower.")
@click.option("--station", "station_name", help="Where it is handed out (default: the only safe).")
@click.option(
    "--approved-by",
    "--approver",
    "approver",
    help="Badge of the active office leader approving at the desk (P10); an approved request "
    "(R12) is found without it. --approver is the first spelling.",
)
@click.option(
    "--purpose",
    type=click.Choice(["reading", "outside", "external"]),
    default="reading",
    show_default=True,
    help="reading: on site; outside: out of the office (P13); external: to another unit (P14).",
)
@click.option("--due", help="Due back by (P13/P14): YYYY-MM-DDTHH:MM, or a day (its end).")
@click.option("--with", "with_badge", help="Badge of the second person carrying it outside (P13).")
@click.option("--unit", default="", help="The other unit it is lent to (P14).")
@click.option("--recipient", default="", help="The named recipient there (P14).")
@click.option("--letter", default="", help="Number of the letter of introduction (P15, archive files).")
@click.option("--use", "use", default="", help="What a seal or letter goes out for (P28, 用印/介绍信事由).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def check_out(
    obj,
    code: str,
    to_badge: str,
    station_name: str | None,
    approver: str | None,
    purpose: str,
    due: str | None,
    with_badge: str | None,
    unit: str,
    recipient: str,
    letter: str,
    use: str,
    as_json: bool,
) -> None:
    """Lend an item at the custodian's desk, as a scan would (refusals are recorded; exit 1).

    \b
    Example:
      custody check-out 346056276894 --to B001 --station 保密室 --approved-by L001
      custody check-out 346056276894 --to B001 --purpose outside --due 2026-12-01T17:00 \\
        --approved-by L001 --with B002
      custody check-out 346056276894 --to B001 --purpose external --unit 县财政局 \\
        --recipient 王五 --due 2026-12-03 --approved-by L001
    """
    from custody.actions.requests import is_request_ref
    from custody.rules.places import LoanTerms

    store = obj.store()
    leader = approver if approver and not is_request_ref(approver) else None
    terms = LoanTerms(
        purpose=purpose,
        due=parse_due(due, obj.tz()) if due else None,
        unit=unit,
        recipient=recipient,
        letter=letter,
        use=use,
    )
    outcome = actions.check_out(
        store,
        code,
        lookup.person_by_badge(store, to_badge),
        _station(store, station_name),
        actor=obj.actor,
        approver=lookup.person_by_badge(store, leader) if leader else None,
        terms=terms,
        second=lookup.person_by_badge(store, with_badge) if with_badge else None,
    )
    _print_outcome(obj, outcome, as_json)


def parse_due(value: str, tz):
    """A due time: a date-time, or a day meaning its last second in the office's time zone."""
    from datetime import date, datetime, time

    from custody.cli.main import parse_when

    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return parse_when(value, tz)
    return datetime.combine(day, time(23, 59, 59), tz)


@click.command("return")
@click.argument("code")
@click.option("--station", "station_name", help="Where it is handed back (default: the only safe).")
@click.option("--by", "by_badge", help="Badge of who hands it back (flagged if not the holder, P12).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def return_(obj, code: str, station_name: str | None, by_badge: str | None, as_json: bool) -> None:
    """Take an item back at the desk.

    \b
    Example:
      custody return 346056276894 --by B001
    """
    store = obj.store()
    outcome = actions.return_item(
        store,
        code,
        _station(store, station_name),
        actor=obj.actor,
        presenter=lookup.person_by_badge(store, by_badge) if by_badge else None,
    )
    _print_outcome(obj, outcome, as_json)


@click.command("approve")
@click.argument("code")
@click.option("--for", "for_badge", help="Badge of the person who may borrow it (not with a request id).")
@click.option("--by", "by_badge", required=True, help="Badge of the approving office leader.")
@click.option("--hours", default=8.0, show_default=True, type=float, help="How long the approval is valid.")
@click.option("--from", "start", help="Start of the window (ISO 8601; default now).")
@click.option("--purpose", default="", help="What it is for.")
@click.pass_obj
def approve(
    obj, code: str, for_badge: str, by_badge: str, hours: float, start: str | None, purpose: str
) -> None:
    """Record a leader's approval, given beforehand, for one person and item (P10); or, given a
    request id (R12), approve that pending request (`custody request list`).

    \b
    Examples:
      custody approve 346056276894 --for B001 --by L001 --hours 4 --purpose 起草报告
      custody approve R12 --by L001
    """
    from custody.actions.requests import is_request_ref
    from custody.cli.main import parse_when

    if is_request_ref(code):
        from custody.cli.lifecycle import approve_request

        approve_request(obj, code, by_badge)
        return
    if not for_badge:
        raise click.UsageError("--for BADGE is required when approving an item (not a request id)")

    store = obj.store()
    outcome = actions.approve(
        store,
        code,
        lookup.person_by_badge(store, for_badge),
        lookup.person_by_badge(store, by_badge),
        actor=obj.actor,
        hours=hours,
        purpose=purpose,
        valid_from=parse_when(start, obj.tz()) if start else None,
    )
    _print_outcome(obj, outcome, False)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the items out as a JSON list.")
@click.pass_obj
def out(obj, as_json: bool) -> None:
    """What is checked out now, top secret first, then longest out.

    \b
    Example:
      custody out --json
    """
    items = list(out_now(obj.store()))
    if as_json:
        _emit([shapes.item_json(obj.store(), i, obj.tz()) for i in items])
    elif not items:
        click.echo(obj.t("nothing is checked out"))
    else:
        click.echo(item_rows(obj, items))
