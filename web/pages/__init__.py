"""The pages: server-rendered HTML, Chinese first, each with its JSON twin (`Accept:
application/json`), in one table. `web.app.make_app` mounts `ROUTES` through the plugin that
resolves the viewer and asks `custody.rules.access.may(viewer, route.can)` before a handler runs;
the handlers check what the route alone cannot (a staff member's own loans, a device's own station).

Each handler is wrapped once here: the language the switch chose (a cookie) wins over
Accept-Language, and a domain error becomes an error page in the reader's language.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import bottle

from custody.errors import CustodyError
from custody.rules.access import Can
from web.pages import (
    approvals,
    closing,
    dashboard,
    imports,
    item_acts,
    items,
    misc,
    office,
    settings,
    station,
    users,
)
from web.pages.render import error
from web.routes import Route


def handled(handler: Callable[[Any], bottle.HTTPResponse]) -> Callable[[Any], bottle.HTTPResponse]:
    @functools.wraps(handler)
    def run(req: Any) -> bottle.HTTPResponse:
        lang = misc.chosen_lang()
        if lang is not None:
            req.lang = lang
        try:
            return handler(req)
        except CustodyError as exc:
            return error(req, exc.http_status, exc.message(req.lang))

    return run


def _page(method: str, path: str, handler: Callable[[Any], Any], can: Can | None, **kw: Any) -> Route:
    return Route(method, path, handled(handler), can=can, page=True, **kw)


ROUTES: tuple[Route, ...] = (
    _page("GET", "/", dashboard.dashboard, Can.OWN_LOANS, summary="Dashboard"),
    _page(
        "GET", "/receive", items.receive_form, Can.RECEIVE, summary="Receive a document", query=("received",)
    ),
    _page("POST", "/receive", items.receive_post, Can.RECEIVE, summary="Receive a document"),
    _page(
        "GET", "/labels.pdf", items.labels_pdf, Can.RECEIVE, summary="Labels (PDF sheet)", query=("codes",)
    ),
    _page("GET", "/items/<code>", items.item_page, Can.OWN_LOANS, summary="One item", query=("made",)),
    _page(
        "GET",
        "/items/<code>/label.png",
        items.label_png,
        Can.OWN_LOANS,
        summary="Its label",
        query=("size", "dpi"),
    ),
    _page(
        "POST", "/items/<code>/check-out", item_acts.check_out, Can.CUSTODY, summary="Check out with terms"
    ),
    _page("POST", "/items/<code>/copy", item_acts.copy, Can.CUSTODY, summary="P16 copies"),
    _page(
        "POST",
        "/items/<code>/return-to-issuer",
        item_acts.return_to_issuer,
        Can.CUSTODY,
        summary="P17 return to the issuer",
    ),
    _page("POST", "/items/<code>/due-back", item_acts.due_back, Can.CUSTODY, summary="P17 due back"),
    _page("POST", "/items/<code>/destroy", item_acts.destroy, Can.CUSTODY, summary="P18 destroy"),
    _page("POST", "/items/<code>/lost", item_acts.report_lost, Can.CUSTODY, summary="P19 report lost"),
    _page("POST", "/items/<code>/found", item_acts.resolve_loss, Can.APPROVE, summary="P19 found or lost"),
    _page("GET", "/people", office.people, Can.READ, summary="People"),
    _page("POST", "/people", office.add_person, Can.MANAGE_PEOPLE, summary="Add a person"),
    _page("GET", "/settings", settings.settings_page, Can.MANAGE_SETTINGS, summary="Settings"),
    _page("POST", "/settings", settings.change, Can.MANAGE_SETTINGS, summary="Change a setting"),
    _page("GET", "/users", users.users, Can.MANAGE_USERS, summary="Users"),
    _page("POST", "/users", users.add_user, Can.MANAGE_USERS, summary="Add a user"),
    _page("POST", "/users/password", users.set_password, Can.MANAGE_USERS, summary="A new password"),
    _page("POST", "/users/deactivate", users.deactivate, Can.MANAGE_USERS, summary="Deactivate a user"),
    _page("GET", "/stations", office.stations, Can.READ, summary="Stations"),
    _page(
        "POST", "/stations/<name>/tokens", office.add_token, Can.MANAGE_STATIONS, summary="Add a device token"
    ),
    _page(
        "POST",
        "/stations/<name>/tokens/revoke",
        office.revoke_token,
        Can.MANAGE_STATIONS,
        summary="Revoke a device token",
    ),
    _page("GET", "/approvals", approvals.approvals, Can.REQUEST, summary="Approvals"),
    _page("POST", "/approvals/decide", approvals.decide, Can.APPROVE, summary="Approve or reject"),
    _page("POST", "/approvals/request", approvals.make_request, Can.REQUEST, summary="Ask approval"),
    _page("GET", "/sweep", closing.sweep_page, Can.READ, summary="The closing sweep"),
    _page("POST", "/sweep", closing.run_sweep, Can.CLOSE, summary="Record the sweep now"),
    _page("GET", "/counts", closing.counts, Can.READ, summary="Counts"),
    _page("POST", "/counts/start", closing.count_start, Can.COUNT, summary="Start a count"),
    _page("POST", "/counts/close", closing.count_close, Can.COUNT, summary="Close a count"),
    _page(
        "GET",
        "/registers",
        closing.registers,
        Can.READ,
        summary="Registers",
        query=("kind", "from", "to", "format"),
    ),
    _page("GET", "/registers/import", imports.import_form, Can.RECEIVE, summary="Import a register"),
    _page(
        "POST",
        "/registers/import",
        imports.import_post,
        Can.RECEIVE,
        summary="Import a register",
        body_limit=imports.BODY_LIMIT,
    ),
    _page("GET", "/audit", closing.audit, Can.AUDIT, summary="Audit"),
    _page("GET", "/station/<name>", station.display, Can.DISPLAY, summary="Station display"),
    _page("GET", "/station/<name>/state", station.state, Can.DISPLAY, summary="Station display data"),
    _page("POST", "/station/<name>/scan", station.post_scan, Can.CUSTODY, summary="Emulated scan (training)"),
    _page("GET", "/lang", misc.switch_lang, None, summary="Switch language", query=("to", "next")),
    _page("GET", "/static/<name>", misc.static, None, summary="CSS and scripts"),
    _page("GET", "/favicon.ico", misc.favicon, None, summary="No icon"),
)

__all__ = ["ROUTES"]
