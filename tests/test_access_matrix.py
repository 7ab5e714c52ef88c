"""The access matrix (P23, issue 15): every route the app mounts (the API, the sign-in routes and
the pages, whatever of them exists when it runs) × every role × nobody × a station's device token,
through the real plugin. A route is let through exactly when `custody.rules.access.may` says so:
refused is 401, 403 for want of access, or a page's 303 to /login; allowed is anything else (a
rule's own refusal, naming its rule, is an answer, not a refusal of access).

The path arguments are chosen so that what a handler checks beyond the route (a staff member's own
loan, a device's own station) holds for whoever the route lets in."""

from __future__ import annotations

import html
import re
import secrets

from auth_support import PASSWORD, call, session_of, user
from conftest import Office, scan

from custody.rules.access import Viewer, may
from web.app import all_routes, make_app

ACCESS_REFUSALS = (
    "a station's device token may not use this endpoint",
    "not allowed for the role",
    "you may not see this",
)


def _path(route_path: str, item: str) -> str:
    path = route_path.replace("/api/v1/people/<code>", "/api/v1/people/B001")
    path = path.replace("<code>", item).replace("/static/<name>", "/static/none.css")
    return re.sub(r"<[^>]+>", "保密室", path)


def _refused(route, answer) -> bool:
    if answer.status == 401:
        return True
    if answer.status == 303 and route.page:
        return (answer.header("Location") or "").startswith("/login")
    return answer.status == 403 and any(text in html.unescape(answer.text) for text in ACCESS_REFUSALS)


def test_every_route_lets_in_exactly_whom_the_access_table_names(office: Office) -> None:
    store = office.store
    scan(office, "B001")
    scan(office, office.secret[0])  # 张三 (staff) holds it: their own loan
    scan(office, "CMD-END")
    people = {"staff": "B001", "custodian": "C001", "leader": "L001", "admin": None}
    for role, badge in people.items():
        user(store, role, role, badge)
    device = office.tokens["保密室"]
    viewers: list[tuple[str, Viewer | None]] = [
        ("nobody", None),
        ("device", Viewer(kind="device", station="保密室", device="default")),
        *((role, Viewer(kind="user", username=role, role=role)) for role in people),
    ]
    app = make_app(store)
    routes = all_routes()
    assert len(routes) >= 30
    wrong: list[str] = []
    for route in routes:
        path = _path(route.path, office.secret[0])
        station = "保密室" if "<name>" in route.path else None
        for name, viewer in viewers:
            kw: dict = {}
            csrf = secrets.token_urlsafe(16)
            cookies = {"custody_csrf": csrf}
            if name == "device":
                kw["token"] = device
            elif viewer is not None:
                token, csrf = session_of(store, name)
                cookies = {"custody_session": token, "custody_csrf": csrf}
            if route.method != "GET":
                kw["headers"] = {"X-CSRF-Token": csrf}
                if route.path == "/login":
                    kw["form"] = {"username": "admin", "password": PASSWORD}
                elif route.path == "/kiosk":
                    kw["form"] = {"token": device}
                elif route.page or not route.path.startswith("/api/"):
                    kw["form"] = {}
                else:
                    kw["body"] = {}
            answer = call(app, route.method, path, cookies=cookies, **kw)
            expected = route.can is None or may(viewer, route.can, station=station)
            if _refused(route, answer) == expected or answer.status >= 500:
                wrong.append(
                    f"{route.method} {route.path} as {name}: {answer.status} "
                    f"({'expected in' if expected else 'expected refused'}) {answer.text[:120]!r}"
                )
    assert not wrong, "\n".join(wrong)
