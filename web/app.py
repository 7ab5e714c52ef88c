"""The bottle app: made by `make_app`, every route in one table, one JSON error shape.

`ApiPlugin` resolves who is asking (web/auth.py: a device token, the admin token, a signed-in
user's session cookie, a kiosk's cookie), asks `custody.rules.access.may(viewer, route.can)`
(P23), checks the CSRF token and the Origin of a cookie's unsafe request, and hands each route an
`ApiRequest` (the store, the reader's language — Accept-Language, else the `language` setting —,
the viewer, the station its device token names, the body within the size limit). It turns every
failure into `{"error": "…"}`, rendered in the reader's language, with its status: a domain
error's `http_status` (400 bad input, 404, 409, 503 storage), 401 nobody (a page: 303 to
`/login?next=…`), 403 not allowed or a CSRF refusal, 413 body too large, 503 database busy or
unavailable, 500 anything else (logged with its traceback, never sent). A page route's errors are
rendered by the pages (`web.pages.render.error`) unless JSON is asked for. `ApiApp` logs one line
per request and sets the security headers on every answer.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import bottle
import peewee

from custody.errors import CustodyError, InvalidInput
from custody.messages import Msg, lang_of
from custody.rules.access import Can, Viewer, may
from custody.scan import state as scan_state
from custody.scan.config import StationTokenInvalid
from custody.store.core import Store
from web import api, auth, labels_api, lifecycle_api, loans_api, openapi
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
    Route("POST", "/api/v1/scans", api.post_scan, summary="One scan from a station", can=Can.SCAN),
    Route(
        "POST",
        "/api/v1/scans/batch",
        api.post_scan_batch,
        summary="Several scans of one station (RFID burst)",
        can=Can.SCAN,
    ),
    Route(
        "GET",
        "/api/v1/scans/exceptions",
        api.list_scan_exceptions,
        summary="Late scans that conflicted",
        query=PAGE,
        can=Can.READ,
    ),
    Route(
        "POST",
        "/api/v1/stations/events",
        api.post_station_event,
        summary="A scanner plugged in or out",
        can=Can.SCAN,
    ),
    Route(
        "GET",
        "/api/v1/stations",
        api.list_stations,
        summary="Stations and their open sessions",
        query=PAGE,
        can=Can.READ,
    ),
    Route(
        "GET",
        "/api/v1/items",
        api.list_items,
        summary="Items, filtered",
        query=("status", "level", "holder", "station", *PAGE),
        can=Can.READ,
    ),
    Route("GET", "/api/v1/items/<code>", api.get_item, summary="One item and its history", can=Can.READ),
    Route(
        "GET",
        "/api/v1/items/<code>/label.png",
        labels_api.label_png,
        summary="The item's label (PNG)",
        query=("size", "dpi"),
        can=Can.READ,
    ),
    Route(
        "GET",
        "/api/v1/items/<code>/label.pdf",
        labels_api.label_pdf,
        summary="The item's label (PDF)",
        query=("size", "dpi"),
        can=Can.READ,
    ),
    Route("GET", "/api/v1/out", api.list_out, summary="What is out now", query=PAGE, can=Can.READ),
    Route("GET", "/api/v1/people", api.list_people, summary="People", query=PAGE, can=Can.READ),
    Route(
        "GET",
        "/api/v1/my/loans",
        auth.my_loans,
        auth=False,
        summary="What the signed-in user holds",
        can=Can.OWN_LOANS,
    ),
    # an item's whole life (issue 13): a signed-in user with the capability, or the admin token
    *(
        Route("POST", path, handler, auth=False, admin=True, summary=summary, can=can)
        for path, handler, summary, can in (
            ("/api/v1/copies", lifecycle_api.post_copy, "P16 copies", Can.CUSTODY),
            ("/api/v1/destructions", lifecycle_api.post_destruction, "P18 destroy", Can.CUSTODY),
            (
                "/api/v1/returns-to-issuer",
                lifecycle_api.post_return_to_issuer,
                "P17 return to issuer",
                Can.CUSTODY,
            ),
            ("/api/v1/losses", lifecycle_api.post_loss, "P19 report lost", Can.CUSTODY),
            (
                "/api/v1/losses/resolutions",
                lifecycle_api.post_loss_resolution,
                "P19 found, or confirmed lost",
                Can.APPROVE,
            ),
            ("/api/v1/reviews", lifecycle_api.post_review, "P4 review outcome", Can.APPROVE),
            ("/api/v1/requests", lifecycle_api.post_request, "Ask approval", Can.REQUEST),
        )
    ),
    Route(
        "GET",
        "/api/v1/requests",
        lifecycle_api.list_requests,
        auth=False,
        admin=True,
        summary="Pending requests",
        can=Can.READ,
    ),
    Route(
        "POST",
        "/api/v1/requests/decisions",
        lifecycle_api.post_request_decision,
        auth=False,
        admin=True,
        summary="Approve or reject a request",
        can=Can.APPROVE,
    ),
    Route(
        "GET",
        "/api/v1/violations",
        lifecycle_api.list_violations,
        auth=False,
        admin=True,
        summary="P24 violations",
        query=("since",),
        can=Can.AUDIT,
    ),
    *(  # issue 14: loans beyond the desk (web/loans_api.py)
        Route("POST", path, handler, auth=False, admin=True, summary=summary, can=can)
        for path, handler, summary, can in (
            ("/api/v1/loans", loans_api.post_loan, "P13/P14 a loan with its terms", Can.CUSTODY),
            ("/api/v1/departments", loans_api.post_department, "P9 a department", Can.MANAGE_PEOPLE),
            ("/api/v1/scopes", loans_api.post_scope, "P9 change a scope", Can.MANAGE_PEOPLE),
            (
                "/api/v1/people/clearances",
                loans_api.post_clearance,
                "P8 change a clearance",
                Can.MANAGE_PEOPLE,
            ),
            ("/api/v1/handovers", loans_api.post_handover, "P26 handover", Can.CUSTODY),
        )
    ),
    Route(
        "GET",
        "/api/v1/people/<code>/holdings",
        loans_api.holdings,
        auth=False,
        admin=True,
        summary="P27 what a person holds",
        can=Can.READ,
    ),
)
"""The JSON API (described by web/openapi.py). `auth`/`admin` say which token the description
names; `can` is what the viewer needs (P23). The sign-in routes are `web.auth.ROUTES`, the pages
`web.pages.ROUTES`; `all_routes()` is every route `make_app` mounts."""


def page_routes() -> tuple[Route, ...]:
    """The pages' routes (web/pages, built beside this layer), or none while that package is absent."""
    if importlib.util.find_spec("web.pages") is None:
        return ()
    from web import pages

    return tuple(pages.ROUTES)


def all_routes() -> tuple[Route, ...]:
    return ROUTES + auth.ROUTES + page_routes()


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


SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)
BEARER = {"WWW-Authenticate": 'Bearer realm="custody"'}


def _wants_json(request: bottle.LocalRequest) -> bool:
    return "application/json" in (request.get_header("Accept") or "")


class ApiPlugin:
    """Gives a route its `ApiRequest`, after the access check, and answers errors in the one JSON
    shape (a page's errors as a page)."""

    name = "custody-api"
    api = 2

    def __init__(
        self, store: Store, body_limit: int, admin_token: str | None = None, *, secure: bool = False
    ) -> None:
        self.store = store
        self.body_limit = body_limit
        self.admin_token = admin_token
        self.secure = secure

    def apply(self, callback: Callable[..., Any], route: bottle.Route) -> Callable[..., Any]:
        spec: Route = route.config["custody_route"]
        plugin = self
        # the scan handlers confirm the station in the scan's own first query (custody.scan.config)
        confirms = getattr(spec.handler, "confirms_station", False)
        limit = spec.body_limit or self.body_limit

        def wrapper(**args: str) -> bottle.HTTPResponse:
            request = bottle.request
            lang = "zh"
            req: api.ApiRequest | None = None
            try:
                _refuse_unreadable_headers(request.environ)
                chosen = language(request.get_header("Accept-Language"), "")
                too_large = route.method in ("POST", "PUT", "PATCH") and plugin._too_large(request, limit)
                found = auth.Resolved()
                if not too_large:
                    found = auth.resolve(
                        plugin.store,
                        request,
                        plugin.admin_token,
                        secure=plugin.secure,
                        confirmed=not confirms,
                    )
                lang = chosen or found.language or scan_state.current_setting(plugin.store, "language")
                if too_large:
                    raise ApiError(413, "the body is too large: at most {limit} bytes", limit=limit)
                if found.station is not None:
                    request.environ["custody.station"] = found.station.name
                req = api.ApiRequest(
                    store=plugin.store,
                    lang=lang,
                    station=found.station,
                    query={},
                    args=args,
                    read_body=_body_reader(request, limit),
                    chosen_lang=chosen,
                    auth=found.auth,
                    viewer=found.viewer,
                    csrf_token=found.csrf_token,
                    secure=plugin.secure,
                )
                if not (spec.admin and found.via == "admin"):  # the admin token keeps its routes
                    plugin._check_access(spec, found.viewer, args)
                if found.by_cookie and route.method in auth.UNSAFE_METHODS:
                    sent = request.get_header("X-CSRF-Token") or req.form().get("csrf_token", "")
                    auth.check_csrf(request, found.csrf_token, sent)
                req.query = _query(request, spec.query)
                result = spec.handler(req)
                if isinstance(result, bottle.HTTPResponse):  # a page or a label image, not JSON
                    return result
                status, value = result if isinstance(result, tuple) else (200, result)
                if spec.can is not Can.SCAN and not may(found.viewer, Can.READ_BADGES):
                    value = _without_badges(value)
                return _json(status, value)
            except NeedsLogin as exc:
                if spec.page and not _wants_json(request):
                    location = auth.login_location(request.path, request.query_string)
                    return bottle.HTTPResponse(status=303, headers={"Location": location})
                return plugin._error(spec, req, 401, exc.msg.render(lang), exc.headers)
            except ApiError as exc:
                return plugin._error(spec, req, exc.status, exc.msg.render(lang), exc.headers)
            except StationTokenInvalid as exc:  # revoked since this process kept it
                return _json(401, {"error": exc.message(lang)}, BEARER)
            except CustodyError as exc:
                return plugin._error(spec, req, exc.http_status, exc.message(lang))
            except peewee.OperationalError as exc:
                log.warning("database busy or unavailable on %s %s: %s", route.method, request.path, exc)
                busy = Msg("the database is busy or unavailable: retry later")
                return plugin._error(spec, req, 503, busy.render(lang), {"Retry-After": "1"})
            except Exception:
                log.exception("internal error on %s %s", route.method, request.path)
                return plugin._error(spec, req, 500, Msg("internal error, logged").render(lang))

        return wrapper

    def _check_access(self, spec: Route, viewer: Viewer | None, args: dict[str, str]) -> None:
        """P23: the route's capability, for this viewer (a device's display: its own station only)."""
        need = spec.can
        if need is None:
            return
        if viewer is None:
            if need is Can.SCAN:
                raise NeedsLogin(Msg("missing or invalid station token (Authorization: Bearer TOKEN)"))
            raise NeedsLogin(Msg("sign in first, or send a token (Authorization: Bearer TOKEN)"))
        if not may(viewer, need, station=args.get("name") if need is Can.DISPLAY else None):
            if viewer.kind == "device":
                raise ApiError(403, "a station's device token may not use this endpoint")
            raise ApiError(
                403, "not allowed for the role {role}: this needs {can}", role=viewer.role, can=need.value
            )

    def _error(
        self,
        spec: Route,
        req: api.ApiRequest | None,
        status: int,
        text: str,
        headers: dict[str, str] | None = None,
    ) -> bottle.HTTPResponse:
        """The one JSON error shape; on a page (unless JSON is asked for) the pages' error page."""
        if spec.page and req is not None and not _wants_json(bottle.request):
            render = auth._pages_render()
            if render is not None and hasattr(render, "error"):
                try:
                    out = render.error(req, status, text)
                    for k, v in (headers or {}).items():
                        out.set_header(k, v)
                    return out  # type: ignore[no-any-return]
                except Exception:  # the error page itself failed: the JSON shape still answers
                    log.exception("the error page failed on %s", bottle.request.path)
        return _json(status, {"error": text}, headers)

    def _too_large(self, request: bottle.LocalRequest, limit: int) -> bool:
        text = request.environ.get("CONTENT_LENGTH") or ""
        return text.strip().isdigit() and int(text) > limit


class NeedsLogin(Exception):
    """No viewer for a route that needs one: 401 (the API, a page's JSON twin) or 303 to /login."""

    def __init__(self, message: Msg) -> None:
        self.msg = message
        super().__init__(message.render("en"))
        self.headers = BEARER


def _body_reader(request: bottle.LocalRequest, limit: int) -> Callable[[], bytes]:
    """The body, read once within `limit` and kept: later reads (the handler's, after the plugin
    read the CSRF form field; bottle's own form parsing) get the same bytes."""
    kept: list[bytes] = []

    def read() -> bytes:
        if not kept:
            raw = request.environ["wsgi.input"].read(limit + 1)
            if len(raw) > limit:
                raise ApiError(413, "the body is too large: at most {limit} bytes", limit=limit)
            kept.append(raw)
            request.environ["wsgi.input"] = io.BytesIO(raw)
            request.environ["CONTENT_LENGTH"] = str(len(raw))
        return kept[0]

    return read


PERSON_KEYS = frozenset({"name", "badge", "role", "clearance"})


def _without_badges(value: Any) -> Any:
    """A JSON answer with every person's badge null (DESIGN: badges are shown to admins only)."""
    if isinstance(value, dict):
        out = {k: _without_badges(v) for k, v in value.items()}
        if PERSON_KEYS <= value.keys():
            out["badge"] = None
        return out
    if isinstance(value, list):
        return [_without_badges(v) for v in value]
    return value


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
            named = {k.lower() for k, _ in headers}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k.lower() not in named]
            return start_response(status, [*headers, *extra], exc_info)

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


def make_app(
    store: Store, *, body_limit: int = BODY_LIMIT, admin_token: str | None = None, secure: bool = False
) -> ApiApp:
    """The API, the sign-in routes and the pages on an opened store. Installs no global state;
    routes come from `all_routes()`. `admin_token`: a bearer token that acts as an admin (none: only
    signed-in users and device tokens); `secure`: served over TLS (`__Host-` cookies, Secure)."""
    app = ApiApp()
    app.install(ApiPlugin(store, body_limit, admin_token, secure=secure))
    for r in all_routes():
        app.route(r.path, r.method, r.handler, name=f"{r.method} {r.path}", custody_route=r)
    app.default_error_handler = _error_page  # type: ignore[method-assign]
    return app
