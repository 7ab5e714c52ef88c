"""The dashboard `/`: what is out now (top secret and overdue first), flags and violations, today's
closing state per station, and two charts. Staff see only what they hold themselves (P23)."""

from __future__ import annotations

from datetime import date
from typing import Any

import bottle

from custody.closing.schedule import closing_checks
from custody.messages import Msg
from custody.messages.catalog import flag_name
from custody.reports import shapes
from custody.reports import sweep as sweeps
from custody.reports.violations import violations
from custody.rules.access import Can
from web.api import snapshot
from web.pages import charts
from web.pages.common import allowed, tz, viewer
from web.pages.render import page


def out_rows(req: Any, s: sweeps.Sweep) -> list[dict[str, Any]]:
    """The sweep's items out as the dashboard lists them: top secret first, then overdue, then the
    sweep's own order (longest out first); with each loan's purpose and due time."""
    zone = tz(req)
    data = sweeps.to_json(req.store, s, zone)["outstanding"]
    m = req.store.m
    codes = [row["code"] for row in data]
    terms = {
        i.code: (i.loan_purpose, i.loan_due)
        for i in m.Item.select(m.Item.code, m.Item.loan_purpose, m.Item.loan_due).where(
            m.Item.code.in_(codes)
        )
    }
    rows = []
    for row in data:
        purpose, due = terms.get(row["code"], (None, None))
        rows.append(
            {
                **row,
                "purpose": purpose or "reading",
                "due": shapes.iso(due, zone),
                "flag_names": [flag_name(f, req.lang) for f in row["flags"]],
            }
        )
    rows.sort(key=lambda r: (r["level"] != "top-secret", not r["overdue"]))
    return rows


def closing_state(req: Any, today: date) -> list[dict[str, Any]]:
    """Each station today: closed (by whom, when, what was still out, checked) or not yet."""
    zone = tz(req)
    m = req.store.m
    checks = {c.station_id: c for c in closing_checks(req.store, today, today)}  # the last close wins
    out = []
    for st in m.Station.select().order_by(m.Station.name):
        c = checks.get(st.id)
        out.append(
            {
                "station": st.name,
                "kind": st.kind,
                "closed_at": shapes.iso(c.closed_at, zone) if c else None,
                "closed_by": c.closed_by.name if c else None,
                "out_count": c.out_count if c else None,
                "checked_by": c.checker.name if c and c.checker_id else None,
            }
        )
    return out


def dashboard(req: Any) -> bottle.HTTPResponse:
    zone = tz(req)
    now = req.store.now()
    today = now.astimezone(zone).date()
    v = viewer(req)
    everything = allowed(req, Can.READ)
    with snapshot(req.store):
        s = sweeps.sweep(req.store)
        if not everything:  # P23: staff see their own loans only
            pid = v.person_id if v is not None else None
            s.entries = [e for e in s.entries if pid is not None and e.item.holder == pid]
            s.safes, s.due = [], []
        rows = out_rows(req, s)
        data: dict[str, Any] = {
            "title": Msg("Dashboard").render(req.lang),
            "at": shapes.iso(now, zone),
            "out": rows,
            "counts": s.counts,
            "mine_only": not everything,
        }
        if everything:
            points = charts.out_through_day(req.store, zone, now)
            recorded = charts.last_sweeps(req.store)
            data["due_back"] = sweeps.to_json(req.store, s, zone)["due_back"]
            data["unclosed_safes"] = [
                {"station": f.station, "flags": [flag_name(x, req.lang) for x in f.flags]} for f in s.safes
            ]
            data["closing"] = closing_state(req, today)
            data["out_today"] = charts.points_json(points, zone)
            data["sweeps"] = [{"day": d, "outstanding": o, "unclosed": u} for d, o, u in recorded]
            data["_out_chart"] = charts.day_chart(points, zone, Msg("Items out today").render(req.lang))
            data["_sweep_chart"] = charts.sweeps_chart(
                recorded, Msg("The last 30 closing sweeps").render(req.lang)
            )
        if allowed(req, Can.AUDIT):
            data["violations"] = [x.as_json(zone, req.lang) for x in violations(req.store, since=today)][:50]
    return page(req, "dashboard", data)
