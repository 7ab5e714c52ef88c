"""One route of the web app, API or page: its method, path, handler and what it needs (P23).

The API's routes are `web.app.ROUTES`, the pages' `web.pages.ROUTES`; `web.app.make_app` mounts
both (and the sign-in routes, `web.auth.ROUTES`) through one plugin, which resolves the viewer and
asks `custody.rules.access.may(viewer, can)` before the handler runs (a DISPLAY route's `<name>`
argument is the station a device token must belong to).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from custody.rules.access import Can


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Callable[[Any], Any]  # takes a web.api.ApiRequest
    auth: bool = True  # a valid station token is needed
    admin: bool = False  # the admin token is needed, never a station's (web/lifecycle_api.py)
    summary: str = ""
    # the query parameters it takes; any other is refused (a typo filters nothing)
    query: tuple[str, ...] = ()
    can: Can | None = None  # the capability it needs (custody.rules.access); None: anyone
    page: bool = False  # an HTML page (a JSON twin on Accept: application/json)
    body_limit: int | None = None  # bytes a body may have (None: the app's, 16 KiB); an upload's own
