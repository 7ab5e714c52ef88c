"""The language switch `/lang?to=en&next=/…` (a cookie, read before Accept-Language) and the
static files (CSS, small scripts) of `web/static/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bottle

from custody.errors import InvalidInput
from custody.messages import LANGS
from web.pages.render import SECURITY_HEADERS, local_path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
LANG_COOKIE = "custody_lang"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def chosen_lang() -> str | None:
    """The language the switch chose (the cookie), if any."""
    value = bottle.request.get_cookie(LANG_COOKIE)
    return value if value in LANGS else None


def switch_lang(req: Any) -> bottle.HTTPResponse:
    to = req.query.get("to", "")
    if to not in LANGS:
        raise InvalidInput(
            "language {value!r} is invalid; allowed: {allowed}", value=to, allowed=", ".join(LANGS)
        )
    out = bottle.HTTPResponse(
        status=303, headers={**SECURITY_HEADERS, "Location": local_path(req.query.get("next"))}
    )
    # a preference, not a secret: Lax so that following a link keeps it; a year
    out.set_cookie(LANG_COOKIE, to, path="/", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return out


def static(req: Any) -> bottle.HTTPResponse:
    name = req.args["name"]
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR or path.suffix not in STATIC_TYPES or not path.is_file():
        return bottle.HTTPResponse(status=404, body="")
    out = bottle.HTTPResponse(
        path.read_bytes(),
        status=200,
        headers={
            "Content-Type": STATIC_TYPES[path.suffix],
            "Cache-Control": "max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )
    return out


def favicon(req: Any) -> bottle.HTTPResponse:
    """No icon: 204, so that a browser's own request for one is not an error in its console."""
    return bottle.HTTPResponse(status=204, headers={"Cache-Control": "max-age=86400"})
