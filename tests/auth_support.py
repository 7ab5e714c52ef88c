"""Requests to the WSGI app itself, in process, as a browser (cookies, forms, Origin) or a device
(bearer token) sends them; and the signed-in users of the access tests (issue 15)."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from argon2 import PasswordHasher

from custody.actions import users
from custody.store.core import Store

HOST = "127.0.0.1:8750"
ORIGIN = f"http://{HOST}"
PASSWORD = "correct horse battery"
# a quick hasher for the tests (the default takes 64 MiB and ~50 ms a hash)
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def cookies(self) -> dict[str, str]:
        """The cookies the answer sets (name -> value)."""
        jar = SimpleCookie()
        for k, v in self.headers:
            if k.lower() == "set-cookie":
                jar.load(v)
        return {name: morsel.value for name, morsel in jar.items()}

    def set_cookie_lines(self) -> list[str]:
        return [v for k, v in self.headers if k.lower() == "set-cookie"]

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def call(
    app: Any,
    method: str,
    path: str,
    *,
    query: str = "",
    token: str | None = None,
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    origin: str | None = ORIGIN,
    address: str = "10.0.0.1",
) -> Answer:
    """One request to `app`: JSON `body`, or `form` fields (urlencoded); `origin` None sends none."""
    if form is not None:
        raw, kind = urlencode(form).encode(), "application/x-www-form-urlencoded"
    elif body is not None:
        raw, kind = json.dumps(body).encode(), "application/json"
    else:
        raw, kind = b"", ""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),  # as a WSGI server hands it over
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8750",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": address,
        "HTTP_HOST": HOST,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(raw)),
        "CONTENT_TYPE": kind,
        "HTTP_ACCEPT_LANGUAGE": "en",
    }
    if token is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if cookies:
        environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if origin is not None and method != "GET":
        environ["HTTP_ORIGIN"] = origin
    for k, v in (headers or {}).items():
        environ["HTTP_" + k.upper().replace("-", "_")] = v
    seen: list[Any] = []
    chunks = app(environ, lambda status, hs, exc=None: seen.extend([status, hs]))
    data = b"".join(chunks)
    close = getattr(chunks, "close", None)
    if close is not None:
        close()
    return Answer(int(seen[0].split()[0]), list(seen[1]), data)


@dataclass
class Browser:
    """A browser with a cookie jar, signed in (or not) to one app."""

    app: Any
    jar: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def request(self, method: str, path: str, **kw: Any) -> Answer:
        answer = call(self.app, method, path, cookies={**self.jar, **kw.pop("cookies", {})}, **kw)
        for name, value in answer.cookies().items():
            if value:
                self.jar[name] = value
            else:
                self.jar.pop(name, None)
        return answer

    def sign_in(self, username: str, password: str = PASSWORD, **kw: Any) -> Answer:
        """GET /login for the form's token, then POST it (303 on success)."""
        form = self.request("GET", "/login", headers={"Accept": "application/json"})
        token = form.json()["csrf_token"]
        fields = {"username": username, "password": password, "csrf_token": token, **kw.pop("fields", {})}
        answer = self.request("POST", "/login", form=fields, **kw)
        if answer.status == 303:
            state = self.request("GET", "/api/v1/my/loans")  # any signed-in request: the session works
            assert state.status == 200, state.text
        return answer


def user(store: Store, name: str, role: str, badge: str | None = None) -> Any:
    return users.add_user(store, name, role, PASSWORD, person=badge, actor="test", hasher=FAST)


def session_of(store: Store, username: str) -> tuple[str, str]:
    """A fresh session of `username`: (cookie token, CSRF token)."""
    m = store.m
    token, session = users.start_session(store, m.AppUser.get(m.AppUser.username == username), "10.0.0.1")
    return token, session.csrf_token
