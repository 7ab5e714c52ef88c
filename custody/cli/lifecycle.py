"""CLI: an item's whole life after receipt — copy (P16), return to issuer and due dates (P17),
destroy (P18), lost/found (P19), the review outcome (P4), requests for approval and their decisions,
and the violations list (P24)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from custody import vocab
from custody.actions import lifecycle as life
from custody.actions import requests as reqs
from custody.actions.outcome import Outcome
from custody.cli import table
from custody.errors import InvalidInput
from custody.models.core import Item, Person
from custody.reports import lookup, shapes
from custody.rules.lifecycle import GONE


def register(cli: click.Group) -> None:
    for command in (
        copy_cmd,
        destroy_cmd,
        return_to_issuer_cmd,
        due_back_cmd,
        lost_cmd,
        found_cmd,
        request_group,
        reject_cmd,
        review_outcome_cmd,
        violations_cmd,
    ):
        cli.add_command(command)


def _emit(value: object) -> None:
    from custody.cli.main import emit_json

    emit_json(value)


def _person(store, badge: str) -> Person:
    return lookup.person_by_badge(store, badge)


def approval_of(store, value: str | None) -> tuple[Person | None, str | None]:
    """`--approved-by`: a leader's badge (present at the desk), or a request id (`R12`)."""
    if not value:
        return None, None
    if reqs.is_request_ref(value):
        return None, value.strip().upper()
    return _person(store, value), None


def _outcome_json(obj, o: Outcome) -> dict[str, Any]:
    store = obj.store()
    return {
        "outcome": o.outcome,
        "message": o.message(obj.lang),
        "reason": o.reason,
        "rule": o.rule,
        "flags": list(o.flags),
        "item": shapes.item_json(store, o.item, obj.tz()) if o.item else None,
        **({"request": o.extra["request"]} if "request" in o.extra else {}),
    }


def _print(obj, outcomes: list[Outcome], as_json: bool, extra: dict[str, Any] | None = None) -> None:
    """One line per outcome (or JSON); exit 1 when any was refused."""
    if as_json:
        _emit({"outcomes": [_outcome_json(obj, o) for o in outcomes], **(extra or {})})
    else:
        for o in outcomes:
            rule = f" [{o.rule}]" if o.rule else ""
            click.echo(f"{o.outcome}{rule} {o.message(obj.lang)}")
    if any(o.outcome == "refused" for o in outcomes):
        raise click.exceptions.Exit(1)


# --- P16 -------------------------------------------------------------------------------------------------


@click.command("copy")
@click.argument("code")
@click.option("--copies", default=1, show_default=True, type=int, help="How many copies are made.")
@click.option("--by", "by_badge", required=True, help="Badge of the custodian making the copies.")
@click.option(
    "--approved-by",
    "approved_by",
    help="Badge of the approving leader at the desk, or an approved request (R12).",
)
@click.option(
    "--issuer-ref", default="", help="The issuing authority's approval (top secret), its reference."
)
@click.option("--for", "for_whom", default="", help="For whom the copies are made (a person or a unit).")
@click.option(
    "--labels", "labels_file", type=click.Path(dir_okay=False), help="Also write the copies' labels to FILE."
)
@click.option("--json", "as_json", is_flag=True, help="Print the new copies as JSON.")
@click.pass_obj
def copy_cmd(obj, code, copies, by_badge, approved_by, issuer_ref, for_whom, labels_file, as_json) -> None:
    """Register copies of an item's document (P16); prints the new codes, one a line.

    Copy numbers continue after the highest copy of the document. Secret and confidential items
    need a leader's approval; top secret also the issuing authority's (--issuer-ref).

    \b
    Example:
      custody copy 346056276894 --copies 2 --by C001 --approved-by L001 --for 综合科
    """
    store = obj.store()
    approver, request = approval_of(store, approved_by)
    out, made = life.copy(
        store,
        code,
        copies,
        by=_person(store, by_badge),
        approver=approver,
        request=request,
        issuer_ref=issuer_ref,
        for_whom=for_whom,
        actor=obj.actor,
    )
    if out.outcome == "refused":
        _print(obj, [out], as_json)
    if labels_file:
        from custody.cli.labels import write_item_labels

        write_item_labels(obj, [i.code for i in made], Path(labels_file))
    if as_json:
        _emit([shapes.item_json(store, i, obj.tz()) for i in made])
    else:
        for i in made:
            click.echo(i.code)


# --- P18 -------------------------------------------------------------------------------------------------


def _document_rows(obj, items: list[Item], acted: set[str]) -> list[dict[str, Any]]:
    """Every copy of the documents of `items`: its status, and whether it is accounted for (gone)."""
    store, seen, rows = obj.store(), set(), []
    for it in items:
        for c in life.document_copies(store, lookup.item(store, it.code)):
            if c.code in seen:
                continue
            seen.add(c.code)
            rows.append(
                {
                    "code": c.code,
                    "copy_no": f"{c.copy_no:06d}",
                    "status": c.status,
                    "accounted": c.status in GONE or (c.status == "lost" and not c.lost_from),
                    "now": c.code in acted,
                }
            )
    return rows


@click.command("destroy")
@click.argument("codes", nargs=-1, required=True)
@click.option("--by", "by_badge", required=True, help="Badge of the custodian destroying them.")
@click.option(
    "--approved-by", "approved_by", help="Badge of the approving leader, or an approved request (R12)."
)
@click.option("--witness", "witnesses", multiple=True, help="Badge of a witness (监销人); at least two.")
@click.option("--method", default="", help="How (粉碎, 焚毁, 送销毁中心 …).")
@click.option("--place", default="", help="Where.")
@click.option(
    "--whole-document", is_flag=True, help="Destroy every copy of each item's document that is in the safe."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def destroy_cmd(obj, codes, by_badge, approved_by, witnesses, method, place, whole_document, as_json) -> None:
    """Destroy items (P18): a leader's approval and two witnesses other than the one destroying.

    All or nothing: one refusal and nothing is destroyed. Afterwards every copy of each document
    is listed, and those not accounted for (in, out or lost) are named (不漏销).

    \b
    Example:
      custody destroy 346056276894 --by C001 --approved-by L001 --witness B001 --witness B002 \\
        --method 粉碎 --place 保密室
    """
    store = obj.store()
    approver, request = approval_of(store, approved_by)
    targets = list(codes)
    if whole_document:
        targets = []
        for c in codes:
            targets += [
                i.code for i in life.document_copies(store, lookup.item(store, c)) if i.status == "in"
            ]
        if not targets:
            raise InvalidInput("no copy of that document is in the safe to destroy")
    outs = life.destroy(
        store,
        targets,
        by=_person(store, by_badge),
        witnesses=[_person(store, w) for w in witnesses],
        approver=approver,
        request=request,
        method=method,
        place=place,
        actor=obj.actor,
    )
    done = {o.item.code for o in outs if o.outcome == "destroyed" and o.item}
    rows = _document_rows(obj, [lookup.item(store, c) for c in codes], done)
    if as_json:
        _print(obj, outs, True, {"document": rows})
        return
    refused = any(o.outcome == "refused" for o in outs)
    for o in outs:
        rule = f" [{o.rule}]" if o.rule else ""
        click.echo(f"{o.outcome}{rule} {o.message(obj.lang)}")
    if len(rows) > 1 and not refused:
        click.echo()
        click.echo(
            table.render(
                [obj.t("code"), obj.t("copy"), obj.t("status"), obj.t("accounted for")],
                [
                    (
                        r["code"],
                        r["copy_no"],
                        vocab.STATUS_BY_SLUG[r["status"]].name(obj.lang),
                        obj.t("yes") if r["accounted"] else obj.t("NOT ACCOUNTED FOR"),
                    )
                    for r in rows
                ],
            )
        )
        missing = [r["code"] for r in rows if not r["accounted"]]
        if missing:
            click.echo(obj.t("not accounted for: {count} copies", count=len(missing)))
    if refused:
        raise click.exceptions.Exit(1)


# --- P17 -------------------------------------------------------------------------------------------------


@click.command("return-to-issuer")
@click.argument("codes", nargs=-1, required=True)
@click.option("--by", "by_badge", required=True, help="Badge of the custodian handing them back.")
@click.option("--ref", default="", help="The receipt or list it went back with (清退单号).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def return_to_issuer_cmd(obj, codes, by_badge, ref, as_json) -> None:
    """Return items to their issuing authority (P17, 清退): their life here ends. Refused for an item out.

    \b
    Example:
      custody return-to-issuer 346056276894 --by C001 --ref 清退单2026-07
    """
    store = obj.store()
    _print(
        obj,
        life.return_to_issuer(store, list(codes), by=_person(store, by_badge), ref=ref, actor=obj.actor),
        as_json,
    )


@click.command("due-back")
@click.argument("codes", nargs=-1, required=True)
@click.option("--date", "day", required=True, help="The day they are due back to the issuer, YYYY-MM-DD.")
@click.option("--by", "by_badge", required=True, help="Badge of the custodian.")
@click.option("--document", is_flag=True, help="Set it on every copy of each item's document.")
@click.pass_obj
def due_back_cmd(obj, codes, day, by_badge, document) -> None:
    """Set the day items are due back to their issuer (P17), after receipt; listed ahead, flagged after.

    \b
    Example:
      custody due-back 346056276894 --date 2026-12-31 --by C001 --document
    """
    from custody.cli.main import parse_date

    store = obj.store()
    targets = list(codes)
    if document:
        targets = [
            i.code
            for c in codes
            for i in life.document_copies(store, lookup.item(store, c))
            if i.status not in GONE
        ]
    _print(
        obj,
        life.set_due_back(store, targets, parse_date(day), by=_person(store, by_badge), actor=obj.actor),
        False,
    )


# --- P19 -------------------------------------------------------------------------------------------------


def _notify_loss(obj, outcome: Outcome) -> None:
    """P19: the custodian and the leaders hear of a loss at once, through the configured channels."""
    if outcome.outcome == "refused" or outcome.item is None:
        return
    from custody.closing import notify

    try:
        sent = notify.send_loss(obj.store(), outcome.item, outcome.message(obj.lang), lang=obj.lang)
    except Exception as exc:  # the report stands; a channel that fails is said, not fatal
        click.echo(
            obj.t("warning: {what}", what=obj.t("notification failed: {error}", error=str(exc))), err=True
        )
        return
    if sent:
        click.echo(obj.t("notified: {channels}", channels=", ".join(sent)))


@click.command("lost")
@click.argument("code")
@click.option(
    "--by", "by_badge", required=True, help="Badge of who reports it (or, with --confirm, the leader)."
)
@click.option("--note", default="", help="What happened.")
@click.option("--confirm", is_flag=True, help="A leader confirms the loss: the item's life here ends.")
@click.pass_obj
def lost_cmd(obj, code, by_badge, note, confirm) -> None:
    """Report an item lost or possibly leaked (P19): flagged everywhere until a leader resolves it.

    \b
    Examples:
      custody lost 346056276894 --by B001 --note 会后未找到
      custody lost 346056276894 --confirm --by L001
    """
    store = obj.store()
    by = _person(store, by_badge)
    if confirm:
        _print(obj, [life.resolve_loss(store, code, by=by, found=False, note=note, actor=obj.actor)], False)
        return
    out = life.report_loss(store, code, by=by, note=note, actor=obj.actor)
    rule = f" [{out.rule}]" if out.rule else ""
    click.echo(f"{out.outcome}{rule} {out.message(obj.lang)}")
    if out.outcome == "refused":
        raise click.exceptions.Exit(1)
    _notify_loss(obj, out)


@click.command("found")
@click.argument("code")
@click.option("--by", "by_badge", required=True, help="Badge of the office leader resolving the report.")
@click.option("--note", default="", help="Where it was found.")
@click.pass_obj
def found_cmd(obj, code, by_badge, note) -> None:
    """A leader resolves a loss report: the item was found and goes back to where it was (P19).

    \b
    Example:
      custody found 346056276894 --by L001 --note 在会议室找到
    """
    store = obj.store()
    _print(
        obj,
        [life.resolve_loss(store, code, by=_person(store, by_badge), found=True, note=note, actor=obj.actor)],
        False,
    )


# --- requests ----------------------------------------------------------------------------------------------


@click.group("request")
def request_group() -> None:
    """Requests for an office leader's approval made in advance (R12), and the list of those pending."""


def _request_command(action: str, help_text: str, example: str) -> click.Command:
    @click.argument("code", required=False)
    @click.option("--for", "for_badge", help="Badge of the person it is for (default: --by).")
    @click.option("--by", "by_badge", required=True, help="Badge of who asks.")
    @click.option("--doc-no", default="", help="For every copy of this document (文号) instead of one item.")
    @click.option("--issuer", default="", help="The document's issuing authority (with --doc-no).")
    @click.option("--from", "start", help="Start of the window (ISO 8601; default now).")
    @click.option(
        "--hours", default=8.0, show_default=True, type=float, help="How long the approval is valid."
    )
    @click.option(
        "--uses", default=1, show_default=True, type=int, help="How many times it may be used (0: any)."
    )
    @click.option("--purpose", default="", help="What it is for.")
    @click.option("--ref", "reference", default="", help="Its reference (a file or a form number).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.pass_obj
    def command(
        obj, code, for_badge, by_badge, doc_no, issuer, start, hours, uses, purpose, reference, as_json
    ) -> None:
        from custody.cli.main import parse_when

        store = obj.store()
        by = _person(store, by_badge)
        out = reqs.make_request(
            store,
            action,
            person=_person(store, for_badge) if for_badge else by,
            requested_by=by,
            item=code,
            doc_no=doc_no,
            issuer=issuer,
            valid_from=parse_when(start, obj.tz()) if start else None,
            hours=hours,
            uses=uses,
            purpose=purpose,
            reference=reference,
            actor=obj.actor,
        )
        _print(obj, [out], as_json)

    command.__doc__ = f"{help_text}\n\n    \\b\n    Example:\n      {example}\n    "
    return click.command(action)(command)


for _action, _help, _example in (
    (
        "check-out",
        "Ask in advance for a leader's approval to borrow an item (P10).",
        "custody request check-out 346056276894 --by B001 --hours 4 --purpose 起草报告",
    ),
    (
        "copy",
        "Ask in advance for a leader's approval to copy an item or a document (P16).",
        "custody request copy 346056276894 --by C001 --purpose 会议用",
    ),
    (
        "destroy",
        "Ask in advance for a leader's approval to destroy items (P18).",
        "custody request destroy --doc-no 办发〔2026〕12号 --issuer 县委办公室 --by C001 --uses 0",
    ),
):
    request_group.add_command(_request_command(_action, _help, _example))


@request_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also those already decided.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def request_list(obj, show_all: bool, as_json: bool) -> None:
    """The requests waiting for a leader's decision (with --all, every request).

    \b
    Example:
      custody request list
    """
    store = obj.store()
    rows = reqs.all_requests(store) if show_all else reqs.pending(store)
    shaped = [request_json(store, r, obj.tz()) for r in rows]
    if as_json:
        _emit(shaped)
    elif not shaped:
        click.echo(obj.t("no request is pending"))
    else:
        click.echo(
            table.render(
                [
                    "#",
                    obj.t("action"),
                    obj.t("for"),
                    obj.t("item"),
                    obj.t("from"),
                    obj.t("until"),
                    obj.t("status"),
                    obj.t("purpose"),
                ],
                [
                    (
                        r["id"],
                        r["action"],
                        r["person"],
                        r["item"] or r["doc_no"] or "*",
                        r["valid_from"],
                        r["valid_until"],
                        r["status"],
                        r["purpose"],
                    )
                    for r in shaped
                ],
            )
        )


def request_json(store, r, tz) -> dict[str, Any]:
    return {
        "id": r.ref,
        "action": r.action,
        "person": r.person.name,
        "requested_by": r.requested_by.name,
        "item": r.item.code if r.item_id else None,
        "doc_no": r.doc_no,
        "issuer": r.issuer,
        "valid_from": shapes.iso(r.valid_from, tz),
        "valid_until": shapes.iso(r.valid_until, tz),
        "uses": r.uses,
        "used": r.used,
        "purpose": r.purpose,
        "reference": r.reference,
        "status": r.status,
        "decided_by": r.decided_by.name if r.decided_by_id else None,
        "reason": r.reason,
    }


@click.command("reject")
@click.argument("request")
@click.option("--by", "by_badge", required=True, help="Badge of the office leader deciding.")
@click.option("--reason", required=True, help="Why (told to the one who asked).")
@click.pass_obj
def reject_cmd(obj, request: str, by_badge: str, reason: str) -> None:
    """Reject a pending request (an office leader, not for their own request).

    \b
    Example:
      custody reject R12 --by L001 --reason 无必要
    """
    store = obj.store()
    _print(
        obj,
        [
            reqs.decide(
                store, request, leader=_person(store, by_badge), approve=False, reason=reason, actor=obj.actor
            )
        ],
        False,
    )


def approve_request(obj, request: str, by_badge: str) -> None:
    """`custody approve R12 --by L001` (custody/cli/items.py's `approve` hands a request id here)."""
    store = obj.store()
    _print(
        obj,
        [reqs.decide(store, request, leader=_person(store, by_badge), approve=True, actor=obj.actor)],
        False,
    )


# --- P4 ----------------------------------------------------------------------------------------------------


@click.command("review-outcome")
@click.argument("code")
@click.option("--by", "by_badge", required=True, help="Badge of the office leader deciding.")
@click.option(
    "--outcome",
    type=click.Choice(["declassify", "extend", "keep"]),
    required=True,
    help="解密, 延期 or 维持.",
)
@click.option("--period", default="", help="With extend: the new period (10y, until:YYYY-MM-DD …).")
@click.option("--note", default="", help="The reasons, or the decision's reference.")
@click.pass_obj
def review_outcome_cmd(obj, code, by_badge, outcome, period, note) -> None:
    """Record a leader's outcome of the secrecy review of an item listed by `custody review` (P4).

    \b
    Example:
      custody review-outcome 346056276894 --by L001 --outcome extend --period 15y
    """
    store = obj.store()
    out = life.review_item(
        store, code, by=_person(store, by_badge), outcome=outcome, period=period, note=note, actor=obj.actor
    )
    _print(obj, [out], False)


# --- P24 ---------------------------------------------------------------------------------------------------


@click.command("violations")
@click.option("--since", help="From this day, YYYY-MM-DD (default: everything).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def violations_cmd(obj, since: str | None, as_json: bool) -> None:
    """Every refused or flagged action, with its rule and reason (P24), newest first.

    \b
    Example:
      custody violations --since 2026-11-01
    """
    from custody.cli.main import parse_date
    from custody.reports import violations

    store = obj.store()
    rows = violations.violations(store, since=parse_date(since) if since else None)
    if as_json:
        _emit([v.as_json(obj.tz(), obj.lang) for v in rows])
    elif not rows:
        click.echo(obj.t("no violation recorded"))
    else:
        click.echo(
            table.render(
                [
                    "#",
                    obj.t("at"),
                    obj.t("rule"),
                    obj.t("what"),
                    obj.t("item"),
                    obj.t("person"),
                    obj.t("reason"),
                ],
                [
                    (
                        v.seq,
                        shapes.iso(v.at, obj.tz()),
                        v.rule,
                        v.what(obj.lang),
                        v.item or "",
                        v.person or "",
                        v.message(obj.lang),
                    )
                    for v in rows
                ],
            )
        )
