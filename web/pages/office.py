"""People `/people` (and a new person, Can.MANAGE_PEOPLE) and stations `/stations` (with their device
tokens: listed, added, revoked).

Badge codes are shown only to who may read them (admins, P23); a new device token is shown once,
on the page that made it, never put in a URL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import bottle

from custody import settings, vocab
from custody.actions import departments
from custody.actions import people as people_actions
from custody.actions import stations as station_actions
from custody.errors import CustodyError
from custody.messages import Msg
from custody.reports import lookup, shapes
from custody.rules.access import Can
from web.api import snapshot
from web.pages.common import actor, allowed, form, refuse, tz
from web.pages.render import as_json, page, redirect, wants_json


def _people(
    req: Any, message: str = "", problem: str = "", values: dict[str, str] | None = None
) -> dict[str, Any]:
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
        depts = [d.name for d in departments.departments(req.store)]
    typed = {k: v for k, v in (values or {}).items() if k in PERSON_FIELDS}
    if not badges:  # a badge is written by a custodian, never shown back (P23)
        typed.pop("badge", None)
    return {
        "title": Msg("People").render(req.lang),
        "people": rows,
        "badges": badges,
        "message": message,
        "error": problem,
        "_manage": allowed(req, Can.MANAGE_PEOPLE),
        "_levels": [lv.slug for lv in vocab.LEVELS],
        "_roles": [r.slug for r in vocab.ROLES],
        "_depts": depts,
        "_values": typed,
    }


PERSON_FIELDS = ("name", "badge", "clearance", "role", "dept")


def people(req: Any) -> bottle.HTTPResponse:
    return page(req, "people", _people(req))


def add_person(req: Any) -> bottle.HTTPResponse:
    """A person who can hold items (`custody person add`): name, badge, clearance, role, department."""
    values = form(req)
    try:
        p = people_actions.add_person(
            req.store,
            values.get("name", ""),
            badge=values.get("badge", ""),
            clearance=values.get("clearance", ""),
            role=values.get("role", "") or "staff",
            dept=values.get("dept", ""),
            actor=actor(req),
        )
    except CustodyError as exc:
        if wants_json(req):
            return refuse(req, exc)
        return page(
            req, "people", _people(req, problem=exc.message(req.lang), values=values), status=exc.http_status
        )
    text = Msg("person {name} added", {"name": p.name}).render(req.lang)
    if wants_json(req):
        with snapshot(req.store):
            shown = shapes.person_json(
                req.store, p, badge=None if allowed(req, Can.READ_BADGES) else lambda _p: None
            )  # type: ignore[arg-type]
        return as_json({"person": shown, "message": text}, 201)
    return page(req, "people", _people(req, message=text), status=201)


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
