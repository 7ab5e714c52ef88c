"""One route of the web app, API or page: its method, path, handler and what it needs (P23).

The API's routes are `web.app.ROUTES`, the pages' `web.pages.ROUTES`; `web.app.make_app` mounts
both through one plugin, which resolves the viewer and asks `custody.rules.access.may(viewer, can)`
before the handler runs.
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
