"""The pages' tests (tests/test_pages.py, tests/browser/): an office with a login for every role
and a real service on a free port; a signed-in `requests` session that carries the CSRF token of
its forms and the Origin of the service, as a browser does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from core_support import START, Office, fresh_office

from custody.actions import users as user_actions
from custody.clock import Clock, FixedClock

PASSWORD = "correct horse battery staple"
# user name -> (role, badge of the person the login is)
USERS = {
    "zhao": ("custodian", "C001"),
    "wang": ("leader", "L001"),
    "zhang": ("staff", "B001"),
    "root": ("admin", None),
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    url: str
    office: Office
    tokens: dict[str, str] = field(default_factory=dict)

    def session(self, username: str | None, lang: str = "zh") -> Browser:
        b = Browser(self.url, lang)
        if username is not None:
            b.login(username)
        return b


class Browser:
    """A signed-in user as a browser would be: cookies, the CSRF token of the last page, Origin."""

    def __init__(self, url: str, lang: str = "zh") -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = lang
        self.csrf = ""

    def get(self, path: str, json: bool = False, **kw: Any) -> requests.Response:
        headers = {"Accept": "application/json"} if json else {"Accept": "text/html"}
        r = self.http.get(self.url + path, headers=headers, timeout=30, **kw)
        found = CSRF.search(r.text) if not json else None
        if found:
            self.csrf = found.group(1)
        return r

    def post(
        self, path: str, data: dict[str, Any] | None = None, json: bool = False, **kw: Any
    ) -> requests.Response:
        headers = {
            "Origin": self.url,
            **({"Accept": "application/json"} if json else {"Accept": "text/html"}),
        }
        body = {"csrf_token": self.csrf, **(data or {})}
        return self.http.post(
            self.url + path, data=body, headers=headers, timeout=30, allow_redirects=False, **kw
        )

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.get("/login")
        r = self.post("/login", {"username": username, "password": password, "next": "/"})
        assert r.status_code == 303, r.text
        self.get("/")


def add_users(office: Office) -> None:
    for name, (role, badge) in USERS.items():
        user_actions.add_user(office.store, name, role, PASSWORD, person=badge, actor="test")


@contextmanager
def running_site(home: Path, clock: Clock | None = None) -> Iterator[Site]:
    """The scan office with a login per role, served on a free port in this process."""
    from custody.cli.serve import wait_healthy
    from web.server import start_in_thread

    with fresh_office(home, "scan", clock or FixedClock(START)) as office:
        add_users(office)
        running = start_in_thread(office.store, "127.0.0.1", 0, threads=8)
        try:
            wait_healthy(running.url)
            yield Site(running.url, office, dict(office.tokens))
        finally:
            running.stop()
