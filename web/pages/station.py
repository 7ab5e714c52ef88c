"""The station display `/station/NAME`: full screen beside the scanner — the session's person, the
last outcome in large type (green done, red refused with the reason), the recent scans; its data
`/station/NAME/state` (polled by static/station.js); and a text box that posts a code as a scan of
that station (training, `/station/NAME/scan`).

A device token sees its own station only (P23); nothing here carries a badge code. A scan made
with no open session never shows an item's title: its line is written here from the outcome and
the code alone.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import bottle

from custody import settings
from custody.messages import Msg, msg
from custody.reports import lookup, shapes
from custody.rules.access import Can
from custody.scan import station as scan
from web.api import snapshot
from web.pages.common import allowed, forbidden, form, tz
from web.pages.render import as_json, page, redirect, wants_json

RECENT = 8
DONE = ("badge", "approved", "checked_out", "returned", "command", "inventory_seen")
OUTCOME_WORDS = {
    "badge": Msg("Signed in"),
    "approved": Msg("Approved"),
    "checked_out": Msg("Checked out"),
    "returned": Msg("Returned"),
    "command": Msg("Done"),
    "inventory_seen": Msg("Counted"),
    "refused": Msg("Refused"),
    "unknown": Msg("Unknown code"),
}


def _station(req: Any) -> Any:
    name = req.args["name"]
    return lookup.station(req.store, name)


def _line(req: Any, s: Any) -> dict[str, Any]:
    """One scan as the display shows it."""
    answer = json.loads(s.answer)
    item = answer.get("item") or None
    person = answer.get("person") or None
    if s.session is None and item is not None:  # no session: never the title (nor the holder)
        if s.reason == "no_session":
            message = Msg("scan a badge first, then the item")
        else:
            message = msg("{code}: see the custodian", code=item.get("code", ""))
        item = {"code": item.get("code"), "level": item.get("level")}
        person = None
    else:
        message = answer.get("message", "")
        if item is not None:
            item = {k: item.get(k) for k in ("code", "title", "level", "copy_no")}
    word = OUTCOME_WORDS.get(s.outcome, Msg("Done"))
    return {
        "scan_id": s.scan_id,
        "at": shapes.iso(s.at, tz(req)),
        "outcome": s.outcome,
        "state": "done" if s.outcome in DONE else "refused",
        "word": word.render(req.lang),
        "message": message.render(req.lang) if isinstance(message, Msg) else message,
        "item": item,
        "person": person.get("name") if person else None,
    }


def state_of(req: Any, st: Any) -> dict[str, Any]:
    """The display's data: the open session (names only) and the recent scans, newest first."""
    m = req.store.m
    now = req.store.now()
    zone = tz(req)
    timeout = timedelta(seconds=settings.get(req.store, "session_timeout_seconds"))
    with snapshot(req.store):
        row = m.StationSession.get_or_none(m.StationSession.station == st.id)
        session = None
        if row is not None and now - row.last_scan_at <= timeout:
            session = {
                "person": row.person.name,
                "approver": row.approver.name if row.approver_id else None,
                "opened_at": shapes.iso(row.opened_at, zone),
                "ends_at": shapes.iso(row.last_scan_at + timeout, zone),
            }
        scans = list(
            m.Scan.select()
            .where(m.Scan.station == st.id)
            .order_by(m.Scan.at.desc(), m.Scan.id.desc())
            .limit(RECENT)
        )
        recent = [_line(req, s) for s in scans]
    return {
        "station": st.name,
        "kind": st.kind,
        "now": shapes.iso(now, zone),
        "session": session,
        "last": recent[0] if recent else None,
        "recent": recent,
    }


def display(req: Any) -> bottle.HTTPResponse:
    st = _station(req)
    if not allowed(req, Can.DISPLAY, station=st.name):
        return forbidden(req)
    data = state_of(req, st)
    data["title"] = msg("Station {station}", station=st.name).render(req.lang)
    data["_emulate"] = allowed(req, Can.CUSTODY)
    data["_path"] = "/station/" + quote(st.name)
    return page(req, "station", data)


def state(req: Any) -> bottle.HTTPResponse:
    st = _station(req)
    if not allowed(req, Can.DISPLAY, station=st.name):
        return forbidden(req)
    return as_json(state_of(req, st))


def post_scan(req: Any) -> bottle.HTTPResponse:
    """A code typed into the display: a scan of this station, as the scanner's would be, with a
    fresh scan_id (the same `custody.scan.station.submit` the API calls)."""
    st = _station(req)
    if not allowed(req, Can.DISPLAY, station=st.name):
        return forbidden(req)
    code = form(req).get("code", "")
    if not code or len(code) > scan.MAX_CODE_LENGTH or not code.isprintable():
        from custody.errors import InvalidInput

        raise InvalidInput(
            "the code {code!r} is invalid: 1–{most} printable characters",
            code=code[:80],
            most=scan.MAX_CODE_LENGTH,
        )
    answer = scan.submit(req.store, st, scan.ScanInput(code, str(uuid.uuid4())), lang=req.lang)
    if wants_json(req):
        return as_json({"outcome": answer["outcome"], "state": state_of(req, st)})
    return redirect("/station/" + quote(st.name))
