"""The lifecycle API (issue 13) in process, through the WSGI app itself: the admin token only (a
station's device token is refused 403, none or a wrong one 401, as on a service without an admin
token, where only signed-in users get in), each action's success and its refusal naming the rule, and answers matching the OpenAPI
description."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from test_api_openapi import check_against_spec

from custody.actions import core as actions
from web import openapi
from web.app import make_app

ADMIN = "adm-" + "x" * 28


class Answer:
    """Just what `check_against_spec` reads of a `requests.Response`."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.headers = dict(headers)
        self.text = body.decode()

    def json(self) -> Any:
        return json.loads(self.text)


def call(app, method: str, path: str, body: Any = None, token: str | None = ADMIN, query: str = "") -> Answer:
    raw = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "0",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(raw)),
        "CONTENT_TYPE": "application/json",
        "HTTP_ACCEPT_LANGUAGE": "zh",
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    seen: list[Any] = []
    chunks = app(environ, lambda status, headers, exc=None: seen.extend([status, headers]))
    return Answer(seen[0], seen[1], b"".join(chunks))


@pytest.fixture
def app(office):
    for name, badge, role in (("孙主任", "L002", "leader"), ("周科员", "B003", "staff")):
        actions.add_person(office.store, name, badge=badge, clearance="top-secret", role=role, actor="t")
    return make_app(office.store, admin_token=ADMIN)


SPEC = openapi.spec()


def checked(r: Answer, method: str, path: str) -> Answer:
    check_against_spec(SPEC, method, path, r)
    return r


def test_station_tokens_and_no_token_are_refused(office, app):
    code = office.secret[0]
    body = {"code": code, "by": "C001"}
    r = checked(
        call(app, "POST", "/api/v1/losses", body, token=office.tokens["保密室"]), "POST", "/api/v1/losses"
    )
    assert r.status_code == 403
    assert (
        checked(call(app, "POST", "/api/v1/losses", body, token=None), "POST", "/api/v1/losses").status_code
        == 401
    )
    assert call(app, "POST", "/api/v1/losses", body, token="wrong").status_code == 401
    bare = make_app(office.store)  # no admin token: a signed-in user's session is the way in (401)
    assert call(bare, "POST", "/api/v1/losses", body).status_code == 401
    assert office.item(code).status == "in"


def test_copy_destroy_and_return_to_issuer(office, app):
    a, b, c = office.secret
    r = checked(call(app, "POST", "/api/v1/copies", {"code": a, "by": "C001"}), "POST", "/api/v1/copies")
    assert r.status_code == 403 and r.json()["rule"] == "P16" and r.json()["reason"] == "copy_needs_leader"
    r = checked(
        call(app, "POST", "/api/v1/copies", {"code": a, "copies": 2, "by": "C001", "approved_by": "L001"}),
        "POST",
        "/api/v1/copies",
    )
    assert r.status_code == 200 and len(r.json()["codes"]) == 2
    body = {"codes": [a], "by": "C001", "approved_by": "L001", "witnesses": ["C001", "B002"]}
    r = checked(call(app, "POST", "/api/v1/destructions", body), "POST", "/api/v1/destructions")
    assert (r.status_code, r.json()["rule"], r.json()["reason"]) == (403, "P18", "witness_is_actor")
    body["witnesses"] = ["B001", "B002"]
    r = checked(call(app, "POST", "/api/v1/destructions", body), "POST", "/api/v1/destructions")
    assert r.status_code == 200 and r.json()["outcomes"][0]["item"]["status"] == "destroyed"
    r = call(app, "POST", "/api/v1/returns-to-issuer", {"codes": [a], "by": "C001"})
    assert r.status_code == 403 and r.json()["reason"] == "item_gone"
    r = checked(
        call(app, "POST", "/api/v1/returns-to-issuer", {"codes": [b], "by": "C001", "ref": "7"}),
        "POST",
        "/api/v1/returns-to-issuer",
    )
    assert r.status_code == 200 and office.item(b).status == "returned-to-issuer"
    assert call(app, "POST", "/api/v1/copies", {"code": a, "by": "C001", "copies": "2"}).status_code == 400


def test_loss_review_requests_and_violations(office, app):
    code = office.secret[0]
    r = checked(call(app, "POST", "/api/v1/losses", {"code": code, "by": "B001"}), "POST", "/api/v1/losses")
    assert r.status_code == 200 and r.json()["outcomes"][0]["item"]["status"] == "lost"
    r = call(app, "POST", "/api/v1/losses/resolutions", {"code": code, "by": "C001", "found": True})
    assert r.status_code == 403 and r.json()["rule"] == "P19"
    r = checked(
        call(app, "POST", "/api/v1/losses/resolutions", {"code": code, "by": "L001", "found": True}),
        "POST",
        "/api/v1/losses/resolutions",
    )
    assert r.status_code == 200 and office.item(code).status == "in"
    r = checked(
        call(app, "POST", "/api/v1/reviews", {"code": code, "by": "L001", "outcome": "keep"}),
        "POST",
        "/api/v1/reviews",
    )
    assert r.status_code == 200
    r = checked(
        call(app, "POST", "/api/v1/requests", {"action": "copy", "by": "C001", "code": code}),
        "POST",
        "/api/v1/requests",
    )
    ref = r.json()["outcomes"][0]["request"]
    r = checked(call(app, "GET", "/api/v1/requests"), "GET", "/api/v1/requests")
    assert [x["id"] for x in r.json()["requests"]] == [ref]
    r = call(app, "POST", "/api/v1/requests/decisions", {"request": ref, "by": "L001", "approve": True})
    assert r.status_code == 200 and r.json()["outcomes"][0]["outcome"] == "approved"
    r = checked(call(app, "GET", "/api/v1/violations", query="since=2026-01-01"), "GET", "/api/v1/violations")
    assert [v["rule"] for v in r.json()["violations"]][:1] == ["P19"]
    assert call(app, "GET", "/api/v1/violations", query="since=soon").status_code == 400


def test_a_destroyed_or_lost_item_at_a_station_is_refused(office, app):
    """P18/P19 at a station: a destroyed item is never checked out again; a lost one is flagged."""
    from conftest import scan

    a, b, _ = office.secret
    body = {"codes": [a], "by": "C001", "approved_by": "L001", "witnesses": ["B001", "B002"]}
    assert call(app, "POST", "/api/v1/destructions", body).status_code == 200
    assert call(app, "POST", "/api/v1/losses", {"code": b, "by": "B001"}).status_code == 200
    assert scan(office, "B001")["outcome"] == "badge"
    for code, status in ((a, "destroyed"), (b, "lost")):
        answer = scan(office, code)
        assert answer["outcome"] == "refused" and office.item(code).status == status
    assert "遗失" in answer["message"]


def test_serve_takes_the_admin_token_from_a_file(live_office, tmp_path):
    """A running service answers the lifecycle routes to the admin token of `--admin-token-file`
    (before, `custody serve` could not be given one: those routes always answered 403)."""
    import requests
    from conftest import ServeProcess

    token_file = tmp_path / "admin.token"
    token_file.write_text(ADMIN + "\n")
    serve = ServeProcess(live_office.home, args=["--admin-token-file", str(token_file)])
    try:
        url = serve.start()
        body = {"code": live_office.secret[0], "by": "C001", "note": "not in the safe at the count"}
        station = requests.post(
            url + "/api/v1/losses", json=body, headers={"Authorization": f"Bearer {live_office.tokens['保密室']}"},
            timeout=10,
        )  # fmt: skip
        assert station.status_code == 403
        admin = requests.post(
            url + "/api/v1/losses", json=body, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10
        )
        assert admin.status_code == 200, admin.text
        assert serve.stop() == 0
    finally:
        if serve.proc is not None and serve.proc.poll() is None:
            serve.proc.kill()
            serve.proc.wait(10)
    assert live_office.item(live_office.secret[0]).status == "lost"


def test_a_short_admin_token_is_refused(tmp_path):
    import subprocess
    from pathlib import Path

    short = tmp_path / "admin.token"
    short.write_text("secret\n")
    custody = str(Path(sys.executable).with_name("custody"))
    done = subprocess.run(
        [custody, "--home", str(tmp_path / "home"), "serve", "--admin-token-file", str(short)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith(f"custody: {short} 中的管理令牌只有 6 个字符：至少 24 个")
    )
