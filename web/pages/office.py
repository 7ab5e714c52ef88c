"""People `/people` and stations `/stations` (with their device tokens: listed, added, revoked).

Badge codes are shown only to who may read them (admins, P23); a new device token is shown once,
on the page that made it, never put in a URL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import bottle

from custody import settings
from custody.actions import stations as station_actions
from custody.errors import CustodyError
from custody.messages import Msg
from custody.reports import lookup, shapes
from custody.rules.access import Can
from web.api import snapshot
from web.pages.common import actor, allowed, form, refuse, tz
from web.pages.render import as_json, page, redirect, wants_json


def people(req: Any) -> bottle.HTTPResponse:
    m = req.store.m
    badges = allowed(req, Can.READ_BADGES)
    with snapshot(req.store):
        held: dict[int, int] = {}
        for pid in m.Item.select(m.Item.holder).where(m.Item.holder.is_null(False)).tuples():
            held[pid[0]] = held.get(pid[0], 0) + 1
        rows = [
            {
                **shapes.person_json(req.store, p, badge=(None if badges else lambda _p: None)),  # type: ignore[dict-item]
                "active": p.active,
                "holds": held.get(p.id, 0),
            }
            for p in m.Person.select().order_by(m.Person.name)
        ]
    return page(req, "people", {"title": Msg("People").render(req.lang), "people": rows, "badges": badges})


def _stations(req: Any, new_token: dict[str, str] | None = None, problem: str = "") -> dict[str, Any]:
    m = req.store.m
    zone = tz(req)
    now = req.store.now()
    timeout = timedelta(seconds=settings.get(req.store, "session_timeout_seconds"))
    tokens_too = allowed(req, Can.MANAGE_STATIONS)
    out = []
    with snapshot(req.store):
        for st in m.Station.select().order_by(m.Station.name):
            s = m.StationSession.get_or_none(m.StationSession.station == st.id)
            live = s is not None and now - s.last_scan_at <= timeout
            row: dict[str, Any] = {
                "name": st.name,
                "kind": st.kind,
                "session": {"person": s.person.name, "since": shapes.iso(s.opened_at, zone)}
                if live and s
                else None,
                "items_home": m.Item.select().where((m.Item.home == st.id) & (m.Item.status == "in")).count(),
            }
            if tokens_too:
                row["tokens"] = [
                    {
                        "device": t.device,
                        "hint": t.token_hint,
                        "created_at": shapes.iso(t.created_at, zone),
                        "revoked_at": shapes.iso(t.revoked_at, zone),
                    }
                    for t in station_actions.list_device_tokens(req.store, st.name, revoked=True)
                ]
            out.append(row)
    return {
        "title": Msg("Stations").render(req.lang),
        "stations": out,
        "manage": tokens_too,
        "new_token": new_token,
        "error": problem,
    }


def stations(req: Any) -> bottle.HTTPResponse:
    return page(req, "stations", _stations(req))


def add_token(req: Any) -> bottle.HTTPResponse:
    values = form(req)
    station, device = req.args["name"], values.get("device", "")
    try:
        token = station_actions.add_device_token(req.store, station, device, actor=actor(req))
    except CustodyError as exc:
        if wants_json(req):
            return refuse(req, exc)
        return page(req, "stations", _stations(req, problem=exc.message(req.lang)), status=exc.http_status)
    shown = {"station": station, "device": device, "token": token}
    if wants_json(req):
        return as_json(shown, 201)
    return page(req, "stations", _stations(req, new_token=shown), status=201)


def revoke_token(req: Any) -> bottle.HTTPResponse:
    values = form(req)
    station = req.args["name"]
    try:
        station_actions.revoke_device_token(req.store, station, values.get("device", ""), actor=actor(req))
    except CustodyError as exc:
        if wants_json(req):
            return refuse(req, exc)
        return page(req, "stations", _stations(req, problem=exc.message(req.lang)), status=exc.http_status)
    if wants_json(req):
        return as_json({"station": station, "device": values.get("device", ""), "revoked": True})
    lookup.station(req.store, station)
    return redirect("/stations")
