"""Closing time and the record: the closing sweep `/sweep` (printable A4, run by who may close),
counts `/counts` (started and closed there by who may count, P22), registers `/registers` (print
and CSV) and the audit `/audit` (the ledger's verify status, the last signed checkpoint, violations)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import bottle

from custody.actions import closing as closing_actions
from custody.actions import inventory
from custody.closing.workdays import Calendar
from custody.errors import CustodyError, InvalidInput, Refused
from custody.ledger import checkpoint as checkpoints
from custody.ledger.verify import verify
from custody.messages import N_, Msg, translate
from custody.messages.catalog import flag_name
from custody.reports import lookup, shapes
from custody.reports import registers as regs
from custody.reports import sweep as sweeps
from custody.reports.violations import violations
from custody.rules.access import Can
from web.api import snapshot
from web.pages.common import acting_person, actor, allowed, form, tz
from web.pages.dashboard import out_rows
from web.pages.render import SECURITY_HEADERS, as_json, page, redirect, wants_json


def sweep_page(req: Any) -> bottle.HTTPResponse:
    zone = tz(req)
    with snapshot(req.store):
        s = sweeps.sweep(req.store)
        data = sweeps.to_json(req.store, s, zone)
        rows = out_rows(req, s)
        m = req.store.m
        last = (
            m.SweepRecord.select().order_by(m.SweepRecord.recorded_at.desc(), m.SweepRecord.id.desc()).first()
        )
    data.update(
        title=Msg("Closing sweep").render(req.lang),
        recorded=(
            {"at": shapes.iso(last.at, zone), "kind": last.kind, "outstanding": last.outstanding}
            if last is not None
            else None
        ),
        clear=s.clear,
        _rows=rows,
        _safe_flags=[
            {"station": f["station"], "flags": [flag_name(x, req.lang) for x in f["flags"]]}
            for f in data["unclosed_safes"]
        ],
        _close=allowed(req, Can.CLOSE),
    )
    return page(req, "sweep", data)


def run_sweep(req: Any) -> bottle.HTTPResponse:
    """Take the sweep now and store it as a record (kind manual), as `custody sweep --record`."""
    form(req)
    s = sweeps.sweep(req.store)
    rec = closing_actions.record_sweep(
        req.store, s, kind="manual", day=Calendar.load(req.store).local_day(s.at), actor=actor(req)
    )
    if wants_json(req):
        return as_json({"recorded": rec is not None, "outstanding": len(s.entries)}, 201)
    return redirect("/sweep")


COUNT_WORDS = {  # what a closed count found, as `custody count close` names it
    "found": N_("found"),
    "missing": N_("missing"),
    "misplaced": N_("misplaced"),
    "out_but_seen": N_("out but seen"),
    "not_in_stock": N_("not in stock"),
    "unknown": N_("unknown codes"),
    "duplicates": N_("read more than once"),
}


def _counts(req: Any, problem: str = "") -> dict[str, Any]:
    zone = tz(req)
    m = req.store.m
    with snapshot(req.store):
        rows = [
            inventory.report(req.store, c, zone)
            for c in m.InventoryCount.select().order_by(m.InventoryCount.started_at.desc()).limit(30)
        ]
        stations = [
            {"name": st.name, "open": inventory.open_count(req.store, st) is not None}
            for st in m.Station.select().order_by(m.Station.name)
        ]
    words = {k: translate(v, req.lang) for k, v in COUNT_WORDS.items()}
    return {
        "title": Msg("Counts").render(req.lang),
        "counts": rows,
        "error": problem,
        "_words": words,
        "_stations": stations,
        "_count": allowed(req, Can.COUNT),
    }


def counts(req: Any) -> bottle.HTTPResponse:
    return page(req, "counts", _counts(req))


def _count_act(req: Any, act: Any) -> bottle.HTTPResponse:
    """Start or close the count at the posted station, by the viewer's person (P22); a refusal (a
    count already open, none open, not its starter) answers the page again with its reason."""
    values = form(req)
    name = values.get("station", "")
    try:
        if not name:
            raise InvalidInput("choose a station")
        out = act(req.store, lookup.station(req.store, name), acting_person(req), actor(req))
    except CustodyError as exc:
        # a rule's refusal (recorded, P24) answers 409 as on every page; not 403, which says "not yours"
        status = 409 if isinstance(exc, Refused) else exc.http_status
        if wants_json(req):
            extra = {"rule": exc.rule, "reason": exc.reason} if isinstance(exc, Refused) else {}
            return as_json({"error": exc.message(req.lang), **extra}, status)
        return page(req, "counts", _counts(req, exc.message(req.lang)), status=status)
    if wants_json(req):
        return as_json({"outcome": out.extra["command"], "message": out.message(req.lang), **out.extra}, 201)
    return redirect("/counts")


def count_start(req: Any) -> bottle.HTTPResponse:
    return _count_act(req, inventory.start_count)


def count_close(req: Any) -> bottle.HTTPResponse:
    return _count_act(req, inventory.close_count)


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("date {value!r} is invalid: use YYYY-MM-DD", value=text) from None


def registers(req: Any) -> bottle.HTTPResponse:
    """A register of the record (P21, P25) for a date range: a table to print, or CSV."""
    today = req.store.now().astimezone(tz(req)).date()
    kind = req.query.get("kind", "receipts" if "receipts" in regs.REGISTERS else next(iter(regs.REGISTERS)))
    first = _day(req.query.get("from"), today - timedelta(days=30))
    last = _day(req.query.get("to"), today)
    fmt = req.query.get("format", "html")
    if fmt not in ("html", "csv"):
        raise InvalidInput("format {value!r} is invalid; allowed: html, csv", value=fmt)
    with snapshot(req.store):
        reg = regs.build(req.store, kind, first, last, req.lang)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(regs.safe_row(reg.headings(req.lang)))
        w.writerows(regs.safe_row(row) for row in reg.cells())
        name = f"{reg.kind}-{first.isoformat()}-{last.isoformat()}.csv"
        return bottle.HTTPResponse(
            body=("\ufeff" + buf.getvalue()).encode("utf-8"),
            status=200,
            headers={
                **SECURITY_HEADERS,
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{name}"',
            },
        )
    data = {
        "title": reg.title(req.lang),
        "kind": reg.kind,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "unit": reg.unit,
        "headings": reg.headings(req.lang),
        "rows": reg.cells(),
        "_kinds": [(slug, spec.title(req.lang)) for slug, spec in regs.REGISTERS.items()],
    }
    return page(req, "registers", data)


def _last_checkpoint(req: Any) -> dict[str, Any] | None:
    keeper = req.store.checkpoints
    if keeper is None or not keeper.dir.is_dir():
        return None
    kept = sorted(
        (int(p.name.split("-")[1]), p)
        for p in keeper.dir.glob("checkpoint-*-*.json")
        if p.name.split("-")[1].isdigit()
    )
    if not kept:
        return None
    cp = checkpoints.Checkpoint.read(kept[-1][1])
    problem = checkpoints.extension_problem(req.store, cp)
    return {
        "seq": cp.seq,
        "hash": cp.hash,
        "at": shapes.iso(shapes_time(cp.at), tz(req)),
        "key_id": cp.key_id,
        "extends": problem is None,
        "problem": problem.render(req.lang) if problem is not None else "",
    }


def shapes_time(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def audit(req: Any) -> bottle.HTTPResponse:
    zone = tz(req)
    report = verify(req.store)
    seq, digest = checkpoints.head(req.store)
    with snapshot(req.store):
        found = [v.as_json(zone, req.lang) for v in violations(req.store)[:200]]
    data = {
        "title": Msg("Audit").render(req.lang),
        "verify": {
            "ok": report.ok,
            "events": report.events,
            "items": report.items,
            "bad_seq": report.bad_seq,
            "problem": report.problem,
        },
        "head": {"seq": seq, "hash": digest},
        "checkpoint": _last_checkpoint(req),
        "violations": found,
    }
    return page(req, "audit", data)
