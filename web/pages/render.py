"""Pages rendered at the edge: a template of `web/templates/` inside the shared layout, in the
reader's language, or its JSON twin (the same `data`) when the request asks for JSON.

`page(req, name, data)`: `data` is what the JSON twin answers; keys starting with `_` are for the
template only (rows already shaped for people, say) and never reach the JSON. Every template gets
the helpers of `helpers()`: `_` (a message id rendered in the page's language, fields filled),
`level_name`, `level_class` (one colour per level everywhere: top secret red), `term`, `may`,
the viewer and the CSRF token for its forms. SimpleTemplate escapes `{{…}}`; templates use
`{{!…}}` only for HTML that a template itself rendered (the layout's body).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import bottle

from custody import settings, vocab
from custody.messages import N_, Msg, format_text, render, translate
from custody.reports import shapes
from custody.rules.access import Can, may

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
# the headers of every page and of its JSON twin: no inline script or style, never in a frame
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # no referrer leaves the site; within it, a form's POST keeps its Origin (under "no-referrer" a
    # browser sends `Origin: null`, and the CSRF check of web/auth.py rightly refuses it)
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
TERMS = {
    "level": vocab.LEVEL_BY_SLUG,
    "kind": vocab.KIND_BY_SLUG,
    "status": vocab.STATUS_BY_SLUG,
    "role": vocab.ROLE_BY_SLUG,
    "station_kind": vocab.STATION_KIND_BY_SLUG,
}

PURPOSES = {
    "reading": N_("read on site"),
    "outside": N_("taken outside"),
    "external": N_("lent to another unit"),
}

_lock = threading.Lock()
_templates: dict[str, bottle.SimpleTemplate] = {}


def wants_json(req: Any = None) -> bool:
    """The JSON twin: `Accept: application/json` (a browser's `text/html` first means the page)."""
    accept = (bottle.request.get_header("Accept") or "").lower()
    if "application/json" not in accept:
        return False
    html = accept.find("text/html")
    return html < 0 or accept.find("application/json") < html


def template(name: str) -> bottle.SimpleTemplate:
    with _lock:
        found = _templates.get(name)
        if found is None:
            found = bottle.SimpleTemplate(name=name, lookup=[str(TEMPLATE_DIR)])
            _templates[name] = found
        return found


def helpers(req: Any) -> dict[str, Any]:
    """What every template may call."""
    lang = req.lang
    viewer = getattr(req, "viewer", None)

    def t(text: str, **params: Any) -> str:
        return format_text(translate(text, lang), lang, params)

    def term(kind: str, slug: str | None) -> str:
        found = TERMS[kind].get(slug or "")
        return found.name(lang) if found else (slug or "")

    zone = ZoneInfo(settings.get(req.store, "timezone"))
    path = bottle.request.path
    return {
        "fmt": lambda value: shapes.when(value, zone),
        "purpose_name": lambda slug: translate(PURPOSES[slug], lang) if slug in PURPOSES else (slug or ""),
        "_": t,
        "lang": lang,
        "other_lang": "en" if lang == "zh" else "zh",
        "viewer": viewer,
        "csrf_token": getattr(req, "csrf_token", ""),
        "may": lambda can, **kw: may(viewer, can, **kw),
        "Can": Can,
        "term": term,
        "level_name": lambda slug: term("level", slug),
        "level_class": level_class,
        "shown": lambda message: render(message, lang) if isinstance(message, Msg) else (message or ""),
        "here": path,
        "here_q": quote(path, safe="/"),
    }


def level_class(slug: str | None) -> str:
    """The CSS class of a level (`lv-top-secret`): its colour on every page."""
    return f"lv-{slug}" if slug in vocab.LEVEL_BY_SLUG else "lv-none"


def html(req: Any, name: str, data: dict[str, Any], status: int = 200) -> bottle.HTTPResponse:
    values = {**helpers(req), **data}
    body = template(name).render(**values)
    title = data.get("title") or ""
    whole = template("layout").render(
        **helpers(req), body=body, title=title, page=name, refresh=data.get("_refresh", "")
    )
    out = bottle.HTTPResponse(whole, status=status, headers=dict(SECURITY_HEADERS))
    out.content_type = "text/html; charset=utf-8"
    return out


def as_json(value: Any, status: int = 200) -> bottle.HTTPResponse:
    out = bottle.HTTPResponse(
        json.dumps(value, ensure_ascii=False, default=str), status=status, headers=dict(SECURITY_HEADERS)
    )
    out.content_type = "application/json; charset=utf-8"
    return out


def without_badges(value: Any) -> Any:
    """`value` with every `badge` null: badge codes are for admins only (P23, DESIGN.md)."""
    if isinstance(value, dict):
        return {k: (None if k == "badge" else without_badges(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [without_badges(v) for v in value]
    return value


def page(req: Any, name: str, data: dict[str, Any], status: int = 200) -> bottle.HTTPResponse:
    """`web/templates/{name}.tpl` in the layout, or with `Accept: application/json` the JSON twin:
    `data` without its `_`-keys. Badge codes are taken out for all but who may read them."""
    if not may(getattr(req, "viewer", None), Can.READ_BADGES):
        data = without_badges(data)
    if wants_json(req):
        return as_json({k: v for k, v in data.items() if not k.startswith("_")}, status)
    return html(req, name, data, status)


def error(req: Any, status: int, message: str | Msg) -> bottle.HTTPResponse:
    """An error page (HTML) or `{"error": …}` (JSON), in the reader's language."""
    lang = getattr(req, "lang", "zh")
    text = render(message, lang)
    if wants_json(req):
        return as_json({"error": text}, status)
    return html(req, "error", {"title": Msg("Error").render(lang), "status": status, "message": text}, status)


def redirect(location: str, status: int = 303) -> bottle.HTTPResponse:
    """After a form: to a page of this site (a path, never another host)."""
    return bottle.HTTPResponse(status=status, headers={**SECURITY_HEADERS, "Location": local_path(location)})


def local_path(value: str | None, default: str = "/") -> str:
    """A path on this site, for `next=` and redirects: `/…`, never `//host` or `/\\host` (an open
    redirect), no scheme, no control characters."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(ord(c) < 0x20 or c == "\\" for c in value)
    ):
        return default
    return value
