"""Who is asking (P23): the viewer of every request, the cookies, CSRF, and the sign-in routes.

`resolve` finds the viewer once per request, for `web.app.ApiPlugin`:

- `Authorization: Bearer T`: the service's admin token (`--admin-token-file`) is an admin viewer
  named "admin-token"; any other token is looked up as a station device's token (one query, or
  none on the scan path: custody.scan.config) and gives `Viewer(kind="device", station, device)`;
- else the session cookie (`custody_session`; `__Host-custody_session` and Secure under TLS):
  the signed-in user (`Viewer(kind="user", …)` with the person they are, if tied to one);
- else the kiosk cookie (`custody_kiosk`, `__Host-custody_kiosk` under TLS), holding a device
  token given once at `/kiosk`: the same device viewer as its bearer token.

A bad or expired credential is no viewer at all (never a fall-back to another credential).

Cookie-authenticated POST, PUT, PATCH and DELETE requests need the CSRF token (the session's, or
the kiosk's, derived from its device token) in the form field `csrf_token` or the header
`X-CSRF-Token`, AND an Origin (or, without one, a Referer) naming this Host. Bearer requests
need neither. The sign-in forms, before any session exists, use a double-submit cookie
(`custody_csrf`): its value must come back in the form field.

Every cookie is HttpOnly, SameSite=Strict, Path=/; none is signed by bottle (its signed cookies
unpickle): each holds a random token whose sha256 the database keeps (sessions) or a device
token (the kiosk).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import bottle

from custody.actions import users as user_actions
from custody.actions.stations import hash_token
from custody.errors import CustodyError
from custody.messages import Msg, msg
from custody.models.core import Station
from custody.reports import shapes
from custody.rules.access import Viewer
from custody.scan import config as scan_config
from web.routes import Route

if TYPE_CHECKING:
    from custody.store.core import Store
    from web.api import ApiRequest, Result

SESSION_COOKIE = "custody_session"
KIOSK_COOKIE = "custody_kiosk"
CSRF_COOKIE = "custody_csrf"  # the sign-in forms' double-submit token
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ADMIN_TOKEN_USER = "admin-token"
MAX_TOKEN = 256


class Forbidden(CustodyError):
    """403: a CSRF token or an Origin that does not match (the one JSON error shape, or a page)."""

    http_status = 403


def cookie_name(base: str, secure: bool) -> str:
    """Under TLS a cookie is `__Host-` prefixed (Secure, Path=/, no Domain: bound to this host)."""
    return f"__Host-{base}" if secure else base


def set_cookie(
    response: bottle.BaseResponse, base: str, value: str, secure: bool, max_age: int | None = None
) -> None:
    options: dict[str, Any] = {"httponly": True, "samesite": "strict", "path": "/", "secure": secure}
    if max_age is not None:
        options["max_age"] = max_age
    response.set_cookie(cookie_name(base, secure), value, **options)


def clear_cookie(response: bottle.BaseResponse, base: str, secure: bool) -> None:
    set_cookie(response, base, "", secure, max_age=0)


def _token_ok(token: str) -> bool:
    return 0 < len(token) <= MAX_TOKEN and token.isascii() and token.isprintable()


def kiosk_csrf(device_token: str) -> str:
    """The CSRF token of a kiosk's forms: derived from its device token (only the kiosk's HttpOnly
    cookie holds that), so it needs no row of its own."""
    return hashlib.sha256(b"custody-kiosk-csrf:" + device_token.encode()).hexdigest()


@dataclass(frozen=True)
class Resolved:
    """What `resolve` found: the viewer (None: nobody), the station a device token names (and what
    a scan must confirm: the token hash and the configuration's version), how the viewer was
    found ("bearer", "admin", "session", "kiosk", ""), the CSRF token its forms carry and the
    language setting when the lookup read it."""

    viewer: Viewer | None = None
    station: Station | None = None
    auth: tuple[str, int] | None = None
    via: str = ""
    csrf_token: str = ""
    language: str = ""

    @property
    def by_cookie(self) -> bool:
        return self.via in ("session", "kiosk")


def _device(store: Store, token: str, *, confirmed: bool, via: str) -> Resolved:
    token_hash = hash_token(token)
    station, device, settled = scan_config.cache(store).lookup_device(store, token_hash, confirmed=confirmed)
    if station is None or settled is None:
        return Resolved()
    viewer = Viewer(kind="device", station=station.name, device=device)
    csrf = kiosk_csrf(token) if via == "kiosk" else ""
    return Resolved(viewer, station, (token_hash, settled.version), via, csrf, settled.language)


def resolve(
    store: Store,
    request: bottle.LocalRequest,
    admin_token: str | None,
    *,
    secure: bool,
    confirmed: bool = True,
) -> Resolved:
    """The viewer of this request (see the module's docstring). `confirmed=False`: a device token
    may be taken from what this process kept (the scan confirms it in its first query)."""
    header = request.get_header("Authorization")
    if header is not None and header.strip():
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not _token_ok(token):
            return Resolved()
        if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
            return Resolved(Viewer(kind="user", username=ADMIN_TOKEN_USER, role="admin"), via="admin")
        return _device(store, token, confirmed=confirmed, via="bearer")
    session_token = request.get_cookie(cookie_name(SESSION_COOKIE, secure)) or ""
    if session_token and _token_ok(session_token):
        session = user_actions.session_for(store, session_token)
        if session is None:
            return Resolved()
        u = session.user
        viewer = Viewer(
            kind="user",
            username=u.username,
            role=u.role,
            person_id=u.person_id,
            person_name=u.person.name if u.person_id else "",
        )
        return Resolved(viewer, via="session", csrf_token=session.csrf_token)
    kiosk_token = request.get_cookie(cookie_name(KIOSK_COOKIE, secure)) or ""
    if kiosk_token and _token_ok(kiosk_token):
        return _device(store, kiosk_token, confirmed=True, via="kiosk")
    return Resolved()


def same_origin(request: bottle.LocalRequest) -> bool:
    """The Origin header (else the Referer) names this Host: the request came from our own pages."""
    host = (request.get_header("Host") or "").strip().lower()
    origin = request.get_header("Origin")
    source = origin if origin is not None else request.get_header("Referer")
    if not host or not source or source == "null":
        return False
    parts = urlsplit(source.strip())
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host


def check_csrf(request: bottle.LocalRequest, expected: str, sent: str) -> None:
    """Raises Forbidden unless `sent` is `expected` and the request is of our own origin."""
    if not same_origin(request):
        raise Forbidden(msg("refused: the request does not come from this site's own pages (Origin)"))
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(msg("refused: the form's CSRF token is missing or wrong; reload the page"))


# --- the sign-in routes --------------------------------------------------------------------------


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a local path (one `/`, then no `/` or `\\`), else `/`."""
    text = (value or "").strip()
    if (
        not text.startswith("/")
        or text.startswith(("//", "/\\"))
        or len(text) > 2000
        or any(c in text for c in "\\\r\n\t")
        or not text.isprintable()
        or urlsplit(text).netloc
        or urlsplit(text).scheme
    ):
        return "/"
    return text


def login_location(path: str, query: str = "") -> str:
    """`/login?next=<path>`: where a page asked for without a signed-in user sends the browser."""
    target = path + (f"?{query}" if query else "")
    return "/login?next=" + quote(safe_next(target), safe="")


def _wants_json(req: ApiRequest) -> bool:
    return "application/json" in (bottle.request.get_header("Accept") or "")


def _address() -> str:
    return str(bottle.request.environ.get("REMOTE_ADDR") or "-")


def _render(
    req: ApiRequest, name: str, data: dict[str, Any], status: int = 200
) -> Result | bottle.HTTPResponse:
    """A sign-in page through the pages' renderer (web.pages.render.page) when it exists; its JSON
    twin on Accept: application/json; else a plain form."""
    if _wants_json(req):
        shown = {k: v for k, v in data.items() if k != "error"}
        if data.get("error"):
            return status, {"error": data["error"], **shown}
        return status, shown
    renderer = _pages_render()
    if renderer is not None:
        return renderer.page(req, name, data, status)  # type: ignore[no-any-return]
    return _plain_form(name, data, status)


def _pages_render() -> Any:
    import importlib.util

    if importlib.util.find_spec("web.pages") is None or importlib.util.find_spec("web.pages.render") is None:
        return None
    from web.pages import render

    return render


def _plain_form(name: str, data: dict[str, Any], status: int) -> bottle.HTTPResponse:
    """The sign-in forms before the pages exist: escaped, no script, no inline style."""
    e = html.escape
    fields = (
        [("username", "text", "username"), ("password", "password", "current-password")]
        if name == "login"
        else [("token", "password", "off")]
    )
    inputs = "".join(
        f'<p><label for="{f}">{e(f)}</label> <input id="{f}" name="{f}" type="{t}" autocomplete="{a}" required></p>'
        for f, t, a in fields
    )
    error = f'<p role="alert">{e(str(data["error"]))}</p>' if data.get("error") else ""
    body = (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>custody</title></head><body>'
        f'<main><h1>{e(name)}</h1>{error}<form method="post" action="/{e(name)}">'
        f'<input type="hidden" name="csrf_token" value="{e(str(data.get("csrf_token", "")))}">'
        f'<input type="hidden" name="next" value="{e(str(data.get("next", "/")))}">'
        f'{inputs}<p><button type="submit">OK</button></p></form></main></body></html>'
    )
    out = bottle.HTTPResponse(body, status=status)
    out.content_type = "text/html; charset=utf-8"
    return out


def _form_csrf(req: ApiRequest) -> str:
    """The sign-in forms' double-submit token: the cookie's, or a new one (set on the answer)."""
    return bottle.request.get_cookie(cookie_name(CSRF_COOKIE, req.secure)) or ""


def _with_form_csrf(req: ApiRequest, out: Result | bottle.HTTPResponse, token: str) -> bottle.HTTPResponse:
    response = out if isinstance(out, bottle.HTTPResponse) else _as_response(out)
    set_cookie(response, CSRF_COOKIE, token, req.secure)
    return response


def _as_response(result: Result) -> bottle.HTTPResponse:
    import json

    status, value = result if isinstance(result, tuple) else (200, result)
    out = bottle.HTTPResponse(json.dumps(value, ensure_ascii=False), status=status)
    out.content_type = "application/json; charset=utf-8"
    return out


def _check_form_csrf(req: ApiRequest, form: dict[str, str]) -> None:
    sent = bottle.request.get_header("X-CSRF-Token") or form.get("csrf_token", "")
    check_csrf(bottle.request, _form_csrf(req), sent)


def login_page(req: ApiRequest) -> bottle.HTTPResponse:
    """GET /login: the form (user name, password, the CSRF token, where to go next)."""
    token = _form_csrf(req) or secrets.token_urlsafe(32)
    data = {"csrf_token": token, "next": safe_next(req.query.get("next")), "username": "", "error": None}
    return _with_form_csrf(req, _render(req, "login", data), token)


def login_post(req: ApiRequest) -> bottle.HTTPResponse:
    """POST /login: signs in and goes to `next` (a local path only), or shows the form again."""
    form = req.form()
    _check_form_csrf(req, form)
    target = safe_next(form.get("next"))
    username = form.get("username", "")
    try:
        user = user_actions.authenticate(req.store, username, form.get("password", ""), _address())
    except user_actions.LoginRefused as exc:
        token = _form_csrf(req)
        data = {
            "csrf_token": token,
            "next": target,
            "username": username[:64],
            "error": exc.message(req.lang),
        }
        out = _render(req, "login", data, exc.http_status)
        response = out if isinstance(out, bottle.HTTPResponse) else _as_response(out)
        if isinstance(exc, user_actions.TooManyAttempts):
            response.set_header("Retry-After", str(exc.minutes * 60))
        return response
    token, session = user_actions.start_session(req.store, user, _address())
    if _wants_json(req):
        response = _as_response(
            {"username": user.username, "role": user.role, "csrf_token": session.csrf_token}
        )
    else:
        response = bottle.HTTPResponse(status=303, headers={"Location": target})
    set_cookie(response, SESSION_COOKIE, token, req.secure)
    clear_cookie(response, CSRF_COOKIE, req.secure)
    return response


def logout_post(req: ApiRequest) -> bottle.HTTPResponse:
    """POST /logout: the session ends (its row is kept, ended) and its cookie is cleared."""
    user_actions.end_session(
        req.store, bottle.request.get_cookie(cookie_name(SESSION_COOKIE, req.secure)) or ""
    )
    response = (
        _as_response({"signed_out": True})
        if _wants_json(req)
        else bottle.HTTPResponse(status=303, headers={"Location": "/login"})
    )
    clear_cookie(response, SESSION_COOKIE, req.secure)
    return response


def kiosk_page(req: ApiRequest) -> bottle.HTTPResponse:
    """GET /kiosk: the form a station's display is signed in with once (one of its device tokens)."""
    token = _form_csrf(req) or secrets.token_urlsafe(32)
    return _with_form_csrf(req, _render(req, "kiosk", {"csrf_token": token, "error": None}), token)


def kiosk_post(req: ApiRequest) -> bottle.HTTPResponse:
    """POST /kiosk (field `token`): the device token goes into an HttpOnly cookie, never a URL;
    the browser is sent to its station's display, which is all it may see."""
    form = req.form()
    _check_form_csrf(req, form)
    token = form.get("token", "").strip()
    found = _device(req.store, token, confirmed=True, via="kiosk") if _token_ok(token) else Resolved()
    if found.viewer is None:
        data = {
            "csrf_token": _form_csrf(req),
            "error": Msg("this device token is unknown or revoked").render(req.lang),
        }
        out = _render(req, "kiosk", data, 401)
        return out if isinstance(out, bottle.HTTPResponse) else _as_response(out)
    display = "/station/" + quote(found.viewer.station, safe="")
    response = (
        _as_response({"station": found.viewer.station, "device": found.viewer.device, "display": display})
        if _wants_json(req)
        else bottle.HTTPResponse(status=303, headers={"Location": display})
    )
    set_cookie(response, KIOSK_COOKIE, token, req.secure, max_age=400 * 24 * 3600)
    clear_cookie(response, CSRF_COOKIE, req.secure)
    return response


def my_loans(req: ApiRequest) -> Result:
    """GET /api/v1/my/loans: what the signed-in user's person holds (as holder or second holder)."""
    from custody.actions import people as people_actions

    viewer = req.viewer
    if viewer is None or viewer.person_id is None:
        return {"person": None, "items": []}
    tz = req.tz()
    with req.store.reading():
        p = req.store.m.Person.get_or_none(req.store.m.Person.id == viewer.person_id)
        if p is None:
            return {"person": None, "items": []}
        held = people_actions.held_by(req.store, p)
        return {
            "person": {**shapes.person_json(req.store, p), "badge": None},
            "items": [
                {**shapes.item_json(req.store, i, tz), "as": "holder" if i.holder_id == p.id else "second"}
                for i in held
            ],
        }


ROUTES: tuple[Route, ...] = (
    Route("GET", "/login", login_page, auth=False, summary="The sign-in form", page=True, query=("next",)),
    Route("POST", "/login", login_post, auth=False, summary="Sign in (user name, password, CSRF token)"),
    Route("POST", "/logout", logout_post, auth=False, summary="Sign out"),
    Route(
        "GET",
        "/kiosk",
        kiosk_page,
        auth=False,
        summary="Sign a station display in with a device token",
        page=True,
    ),
    Route(
        "POST", "/kiosk", kiosk_post, auth=False, summary="A station display's device token, into a cookie"
    ),
)
"""The routes of signing in (mounted by web.app.make_app beside the API's and the pages')."""
