"""The bottle app: made by `make_app`, every route in one table, one JSON error shape.

`ApiPlugin` hands each route an `ApiRequest` (the store, the reader's
language — Accept-Language, else the `language` setting —, the station its
bearer token names, the body within the size limit) and turns every failure
into `{"error": "…"}`, rendered in the reader's language, with its status: a
domain error's `http_status` (400 bad input, 404, 409, 503 storage), 401 no or
wrong token, 413 body too large, 503 database busy or unavailable, 500
anything else (logged with its traceback, never sent). `ApiApp` logs one line
per request.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import bottle
import peewee

from custody.actions.stations import hash_token
from custody.errors import CustodyError, InvalidInput
from custody.messages import Msg, lang_of
from custody.scan import config as scan_config
from custody.scan import state as scan_state
from custody.scan.config import StationTokenInvalid
from custody.store.core import Store
from web import api, labels_api, lifecycle_api, loans_api, openapi
from web.routes import Route

log = logging.getLogger(__name__)
access_log = logging.getLogger("web.access")

BODY_LIMIT = 16 * 1024


PAGE = ("limit", "offset")


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/v1/health", api.health, auth=False, summary="The service and its database answer"),
    Route(
        "GET", "/api/v1/openapi.json", lambda req: openapi.spec(), auth=False, summary="This API in OpenAPI 3"
    ),
    Route("POST", "/api/v1/scans", api.post_scan, summary="One scan from a station"),
    Route(
        "POST",
        "/api/v1/scans/batch",
        api.post_scan_batch,
        summary="Several scans of one station (RFID burst)",
    ),
    Route(
        "GET",
        "/api/v1/scans/exceptions",
        api.list_scan_exceptions,
        summary="Late scans that conflicted",
        query=PAGE,
    ),
    Route("POST", "/api/v1/stations/events", api.post_station_event, summary="A scanner plugged in or out"),
    Route(
        "GET", "/api/v1/stations", api.list_stations, summary="Stations and their open sessions", query=PAGE
    ),
    Route(
        "GET",
        "/api/v1/items",
        api.list_items,
        summary="Items, filtered",
        query=("status", "level", "holder", "station", *PAGE),
    ),
    Route("GET", "/api/v1/items/<code>", api.get_item, summary="One item and its history"),
    Route(
        "GET",
        "/api/v1/items/<code>/label.png",
        labels_api.label_png,
        summary="The item's label (PNG)",
        query=("size", "dpi"),
    ),
    Route(
        "GET",
        "/api/v1/items/<code>/label.pdf",
        labels_api.label_pdf,
        summary="The item's label (PDF)",
        query=("size", "dpi"),
    ),
    Route("GET", "/api/v1/out", api.list_out, summary="What is out now", query=PAGE),
    Route("GET", "/api/v1/people", api.list_people, summary="People", query=PAGE),
    # an item's whole life (issue 13): the admin token only, until user logins exist
    Route("POST", "/api/v1/copies", lifecycle_api.post_copy, auth=False, admin=True, summary="P16 copies"),
    Route(
        "POST",
        "/api/v1/destructions",
        lifecycle_api.post_destruction,
        auth=False,
        admin=True,
        summary="P18 destroy",
    ),
    Route(
        "POST",
        "/api/v1/returns-to-issuer",
        lifecycle_api.post_return_to_issuer,
        auth=False,
        admin=True,
        summary="P17 return to issuer",
    ),
    Route(
        "POST", "/api/v1/losses", lifecycle_api.post_loss, auth=False, admin=True, summary="P19 report lost"
    ),
    Route(
        "POST",
        "/api/v1/losses/resolutions",
        lifecycle_api.post_loss_resolution,
        auth=False,
        admin=True,
        summary="P19 found, or confirmed lost",
    ),
    Route(
        "POST",
        "/api/v1/reviews",
        lifecycle_api.post_review,
        auth=False,
        admin=True,
        summary="P4 review outcome",
    ),
    Route(
        "POST", "/api/v1/requests", lifecycle_api.post_request, auth=False, admin=True, summary="Ask approval"
    ),
    Route(
        "GET",
        "/api/v1/requests",
        lifecycle_api.list_requests,
        auth=False,
        admin=True,
        summary="Pending requests",
    ),
    Route(
        "POST",
        "/api/v1/requests/decisions",
        lifecycle_api.post_request_decision,
        auth=False,
        admin=True,
        summary="Approve or reject a request",
    ),
    Route(
        "GET",
        "/api/v1/violations",
        lifecycle_api.list_violations,
        auth=False,
        admin=True,
        summary="P24 violations",
        query=("since",),
    ),
    *(  # issue 14: loans beyond the desk (web/loans_api.py), admin token like the lifecycle API
        Route("POST", path, handler, auth=False, admin=True, summary=summary)
        for path, handler, summary in (
            ("/api/v1/loans", loans_api.post_loan, "P13/P14 a loan with its terms"),
            ("/api/v1/departments", loans_api.post_department, "P9 a department"),
            ("/api/v1/scopes", loans_api.post_scope, "P9 change a scope"),
            ("/api/v1/people/clearances", loans_api.post_clearance, "P8 change a clearance"),
            ("/api/v1/handovers", loans_api.post_handover, "P26 handover"),
        )
    ),
    Route(
        "GET",
        "/api/v1/people/<code>/holdings",
        loans_api.holdings,
        auth=False,
        admin=True,
        summary="P27 what a person holds",
    ),
)


class ApiError(Exception):
    """A failure of the HTTP layer itself (no token, body too large), with its status."""

    def __init__(self, status: int, text: str, headers: dict[str, str] | None = None, **params: Any) -> None:
        self.msg = Msg(text, params)
        super().__init__(self.msg.render("en"))
        self.status, self.headers = status, headers or {}


def language(accept: str | None, default: str) -> str:
    """`zh` or `en` from an Accept-Language header (of the tags naming one, the highest q wins; each
    read with `custody.messages.lang_of`), else the default."""
    best, best_q = None, 0.0
    for part in (accept or "").split(",")[:20]:
        m = re.fullmatch(
            r"\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*", part
        )
        if not m or m.group(1).split("-")[0].lower() not in ("zh", "en"):
            continue
        q = float(m.group(2)) if m.group(2) else 1.0
        if q > best_q:
            best, best_q = lang_of(m.group(1)), q
    return best or default


def _json(status: int, value: Any, headers: dict[str, str] | None = None) -> bottle.HTTPResponse:
    body = json.dumps(value, ensure_ascii=False)
    out = bottle.HTTPResponse(body, status=status, headers=headers or {})
    out.content_type = "application/json; charset=utf-8"
    return out


class ApiPlugin:
    """Gives a route its `ApiRequest` and answers errors in the one JSON shape."""

    name = "custody-api"
    api = 2

    def __init__(self, store: Store, body_limit: int, admin_token: str | None = None) -> None:
        self.store = store
        self.body_limit = body_limit
        self.admin_token = admin_token

    def apply(self, callback: Callable[..., Any], route: bottle.Route) -> Callable[..., Any]:
        spec: Route = route.config["custody_route"]
        plugin = self

        def wrapper(**args: str) -> bottle.HTTPResponse:
            request = bottle.request
            lang = "zh"
            try:
                _refuse_unreadable_headers(request.environ)
                chosen = language(request.get_header("Accept-Language"), "")
                too_large = route.method == "POST" and plugin._too_large(request)
                station, auth = None, None
                if spec.auth and not too_large:
                    # the station and the configuration's version in one query; a scan is let in on
                    # the station this process kept, its own first query confirms it (scan.config)
                    confirms = getattr(spec.handler, "confirms_station", False)
                    station, lang, auth = plugin._station_and_language(
                        request, chosen, confirmed=not confirms
                    )
                else:
                    lang = chosen or scan_state.current_setting(plugin.store, "language")
                if too_large:
                    raise ApiError(
                        413, "the body is too large: at most {limit} bytes", limit=plugin.body_limit
                    )
                if spec.admin:
                    plugin._check_admin(request)
                if spec.auth:
                    if station is None:
                        raise ApiError(
                            401,
                            "missing or invalid station token (Authorization: Bearer TOKEN)",
                            {"WWW-Authenticate": 'Bearer realm="custody"'},
                        )
                    request.environ["custody.station"] = station.name
                req = api.ApiRequest(
                    store=plugin.store,
                    lang=lang,
                    station=station,
                    query=_query(request, spec.query),
                    args=args,
                    read_body=lambda: plugin._body(request),
                    chosen_lang=chosen,
                    auth=auth,
                )
                result = spec.handler(req)
                if isinstance(result, bottle.HTTPResponse):  # a label image, not JSON
                    return result
                status, value = result if isinstance(result, tuple) else (200, result)
                return _json(status, value)
            except ApiError as exc:
                return _json(exc.status, {"error": exc.msg.render(lang)}, exc.headers)
            except StationTokenInvalid as exc:  # revoked or rotated since this process kept it
                return _json(
                    401, {"error": exc.message(lang)}, {"WWW-Authenticate": 'Bearer realm="custody"'}
                )
            except CustodyError as exc:
                return _json(exc.http_status, {"error": exc.message(lang)})
            except peewee.OperationalError as exc:
                log.warning("database busy or unavailable on %s %s: %s", route.method, request.path, exc)
                busy = Msg("the database is busy or unavailable: retry later")
                return _json(503, {"error": busy.render(lang)}, {"Retry-After": "1"})
            except Exception:
                log.exception("internal error on %s %s", route.method, request.path)
                return _json(500, {"error": Msg("internal error, logged").render(lang)})

        return wrapper

    def _check_admin(self, request: bottle.LocalRequest) -> None:
        """The lifecycle API: the admin token, never a station's (401 none or wrong, 403 a station's,
        403 when the service was started without an admin token)."""
        if not self.admin_token:
            raise ApiError(
                403, "this endpoint needs the service's admin token, and none is configured: use the CLI"
            )
        scheme, _, token = (request.get_header("Authorization") or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return
        if scheme.lower() == "bearer" and 0 < len(token) <= 256 and token.isascii() and token.isprintable():
            station, _ = scan_state.station_and_language(self.store, token)
            if station is not None:
                raise ApiError(403, "a station's device token may not use this endpoint")
        raise ApiError(
            401,
            "missing or invalid admin token (Authorization: Bearer TOKEN)",
            {"WWW-Authenticate": 'Bearer realm="custody-admin"'},
        )

    def _too_large(self, request: bottle.LocalRequest) -> bool:
        text = request.environ.get("CONTENT_LENGTH") or ""
        return text.strip().isdigit() and int(text) > self.body_limit

    def _body(self, request: bottle.LocalRequest) -> bytes:
        raw = request.environ["wsgi.input"].read(self.body_limit + 1)
        if len(raw) > self.body_limit:
            raise ApiError(413, "the body is too large: at most {limit} bytes", limit=self.body_limit)
        return raw

    def _station_and_language(
        self, request: bottle.LocalRequest, chosen: str, *, confirmed: bool = True
    ) -> tuple[Any, str, tuple[str, int] | None]:
        """The station its bearer token names (None: missing or wrong), the reader's language
        (`chosen` from Accept-Language, else the setting) and what the scan must confirm (the token
        hash and the configuration's version it was found at). `confirmed=False`: the station this
        process kept for the token, if any (no query; the scan's first query confirms it)."""
        header = request.get_header("Authorization") or ""
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and 0 < len(token) <= 256 and token.isascii() and token.isprintable():
            token_hash = hash_token(token)
            station, settled = scan_config.cache(self.store).lookup(
                self.store, token_hash, confirmed=confirmed
            )
            if station is not None and settled is not None:
                return station, chosen or settled.language, (token_hash, settled.version)
        return None, chosen or scan_state.current_setting(self.store, "language"), None


def _refuse_unreadable_headers(environ: dict[str, Any]) -> None:
    """400 for an Authorization or Accept-Language header that is not ASCII. granian hands such
    a value (a non-UTF-8 byte, say) to the app as an empty string, so an empty Accept-Language is
    refused too; an empty Authorization stays what it always was, a missing token (401)."""
    lang = environ.get("HTTP_ACCEPT_LANGUAGE")
    auth = environ.get("HTTP_AUTHORIZATION")
    if (lang is not None and not (lang.strip() and lang.isascii())) or (
        auth is not None and not auth.isascii()
    ):
        raise ApiError(400, "the Authorization or Accept-Language header holds characters that are not ASCII")


def _query(request: bottle.LocalRequest, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query parameters, each at most once and each one the route takes."""
    query = request.query
    for name in query.keys():
        if name not in allowed:
            raise InvalidInput(
                "unknown query parameter {name!r}; allowed: {allowed}",
                name=name,
                allowed=", ".join(allowed) if allowed else Msg("none"),
            )
        if len(query.getall(name)) > 1:
            raise InvalidInput("the query parameter {name} is given twice", name=name)
    values = {name: query.getunicode(name) for name in query.keys()}
    for name, value in values.items():
        if value is None:
            raise InvalidInput("the query string is not UTF-8")
        if value == "":
            raise InvalidInput("the query parameter {name} is empty", name=name)
    return {k: v or "" for k, v in values.items()}


class InFlight:
    """How many requests the app is handling now (the server drains to zero before stopping)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def __enter__(self) -> None:
        with self._lock:
            self.count += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.count -= 1


class ApiApp(bottle.Bottle):
    """A bottle app that logs one line per request and counts requests in flight."""

    def __init__(self) -> None:
        super().__init__(catchall=True)
        self.config["json.enable"] = False  # handlers' dicts are serialised by ApiPlugin
        self.flight = InFlight()

    @property
    def in_flight(self) -> int:
        return self.flight.count

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: list[str] = []

        def recording_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            seen.append(status)
            return start_response(status, headers, exc_info)

        try:
            with self.flight:
                return super().wsgi(environ, recording_start_response)
        finally:
            access_log.info(
                '%s "%s %s" %s %.1fms station=%s',
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                seen[0].split(" ", 1)[0] if seen else "-",
                (time.perf_counter() - started) * 1000,
                environ.get("custody.station", "-"),
            )


def _error_page(res: bottle.HTTPError) -> str:
    """Bottle's own errors (404 no such route, 405 wrong method) in the one JSON shape."""
    bottle.response.content_type = "application/json; charset=utf-8"
    messages = {404: "no such endpoint", 405: "method not allowed for this endpoint"}
    return json.dumps({"error": messages.get(res.status_code, res.status_line)})


def make_app(store: Store, *, body_limit: int = BODY_LIMIT, admin_token: str | None = None) -> ApiApp:
    """The API on an opened store. Installs no global state; routes come from `ROUTES`.
    `admin_token`: the bearer token of the lifecycle routes (none: they answer 403)."""
    app = ApiApp()
    app.install(ApiPlugin(store, body_limit, admin_token))
    for r in ROUTES:
        app.route(r.path, r.method, r.handler, name=f"{r.method} {r.path}", custody_route=r)
    app.default_error_handler = _error_page  # type: ignore[method-assign]
    return app
