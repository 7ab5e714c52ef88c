"""Signing in to the web pages (issue 15, P23), through the WSGI app in process: the login form and
its cookies, CSRF and Origin refusals, session idle and absolute expiry on the office's clock, the
rate limit counted in the database (two apps on one database agree), no open redirect, the
kiosk, the admin token, the security headers, badges shown to admins only."""

from __future__ import annotations

import pytest
from auth_support import ORIGIN, PASSWORD, Browser, call, session_of, user
from conftest import Office

from custody.actions import core as actions
from custody.actions import users
from web.app import make_app


@pytest.fixture
def app(office: Office):
    user(office.store, "zhao", "custodian", "C001")
    user(office.store, "zhang", "staff", "B001")
    user(office.store, "boss", "admin")
    return make_app(office.store)


def test_login_sets_an_httponly_strict_session_cookie_and_goes_to_next(app, office: Office) -> None:
    b = Browser(app)
    page = b.request("GET", "/login", query="next=/people")
    assert page.status == 200 and "text/html" in (page.header("Content-Type") or "")
    csrf_line = next(line for line in page.set_cookie_lines() if line.startswith("custody_csrf="))
    assert "HttpOnly" in csrf_line and "samesite=strict" in csrf_line.lower() and "Path=/" in csrf_line
    answer = b.sign_in("zhao", fields={"next": "/people"})
    assert answer.status == 303 and answer.header("Location") == "/people"
    line = next(line for line in answer.set_cookie_lines() if line.startswith("custody_session="))
    assert (
        "HttpOnly" in line and "samesite=strict" in line.lower() and "Path=/" in line and "Secure" not in line
    )
    token = b.jar["custody_session"]
    rows = list(office.store.m.WebSession.select())
    assert [r.token_hash for r in rows] == [actions.hash_token(token)]  # only the hash is kept
    people = b.request("GET", "/api/v1/people")
    assert people.status == 200
    assert all(p["badge"] is None for p in people.json()["people"])  # a custodian reads no badges


def test_under_tls_the_cookies_are_host_prefixed_and_secure(office: Office) -> None:
    user(office.store, "zhao", "custodian", "C001")
    b = Browser(make_app(office.store, secure=True))
    form = b.request("GET", "/login", headers={"Accept": "application/json"})
    assert "__Host-custody_csrf" in form.cookies()
    answer = b.request(
        "POST",
        "/login",
        form={"username": "zhao", "password": PASSWORD, "csrf_token": form.json()["csrf_token"]},
    )
    assert answer.status == 303
    line = next(v for v in answer.set_cookie_lines() if v.startswith("__Host-custody_session="))
    assert "Secure" in line and "HttpOnly" in line and "samesite=strict" in line.lower() and "Path=/" in line
    assert "Domain" not in line
    assert b.request("GET", "/api/v1/my/loans").status == 200
    # the plain name is not read under TLS
    plain = call(
        b.app, "GET", "/api/v1/my/loans", cookies={"custody_session": b.jar["__Host-custody_session"]}
    )
    assert plain.status == 401


def test_wrong_password_and_unknown_user_answer_alike(app, office: Office) -> None:
    b = Browser(app)
    wrong = b.sign_in("zhao", "not the password", headers={"Accept": "application/json"})
    nobody = b.sign_in("nobody", "not the password", headers={"Accept": "application/json"})
    assert wrong.status == nobody.status == 401
    assert wrong.json()["error"] == nobody.json()["error"] == "wrong user name or password"
    assert "custody_session" not in b.jar
    users.deactivate(office.store, "zhao", actor="test")
    inactive = b.sign_in("zhao", headers={"Accept": "application/json"})
    assert inactive.status == 401 and inactive.json()["error"] == wrong.json()["error"]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "evil",
        "",
    ],
)
def test_no_open_redirect_after_login(app, target: str) -> None:
    b = Browser(app)
    answer = b.sign_in("zhao", fields={"next": target})
    location = answer.header("Location") or ""
    assert answer.status == 303 and location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil" not in location or location.startswith("/%0d%0a")  # a local path at most


def test_the_login_form_needs_its_double_submit_token_and_our_origin(app) -> None:
    b = Browser(app)
    token = b.request("GET", "/login", headers={"Accept": "application/json"}).json()["csrf_token"]
    fields = {"username": "zhao", "password": PASSWORD}
    assert b.request("POST", "/login", form=fields).status == 403  # no token
    assert b.request("POST", "/login", form={**fields, "csrf_token": "x" * 43}).status == 403  # wrong
    assert (
        b.request("POST", "/login", form={**fields, "csrf_token": token}, origin="http://evil").status == 403
    )
    fresh = Browser(app)  # the right token without its cookie: a login CSRF from another site
    assert fresh.request("POST", "/login", form={**fields, "csrf_token": token}).status == 403
    assert b.request("POST", "/login", form={**fields, "csrf_token": token}).status == 303


def test_a_cookies_unsafe_request_needs_the_sessions_csrf_token_and_origin(app, office: Office) -> None:
    token, csrf = session_of(office.store, "zhao")
    jar = {"custody_session": token}
    body = {"code": office.secret[0], "by": "C001"}

    def post(**kw):
        return call(app, "POST", "/api/v1/losses", cookies=jar, body=body, **kw)

    assert post().status == 403  # no token
    assert post(headers={"X-CSRF-Token": "wrong"}).status == 403
    other, other_csrf = session_of(office.store, "zhang")
    assert post(headers={"X-CSRF-Token": other_csrf}).status == 403  # another session's token
    assert post(headers={"X-CSRF-Token": csrf}, origin="http://evil.example").status == 403
    assert post(headers={"X-CSRF-Token": csrf}, origin=None).status == 403  # neither Origin nor Referer
    assert office.item(office.secret[0]).status == "in"  # nothing was done
    referer = post(headers={"X-CSRF-Token": csrf, "Referer": ORIGIN + "/items"}, origin=None)
    assert referer.status == 200, referer.text
    assert office.item(office.secret[0]).status == "lost"
    events = office.store.m.Event.select().where(office.store.m.Event.kind == "reported_lost")
    assert [e.actor for e in events] == ["user:zhao"]  # the signed-in user, never USER or "api"


def test_the_csrf_token_in_a_form_field_is_read_and_the_body_still_reaches_the_handler(app, office) -> None:
    token, csrf = session_of(office.store, "boss")
    r = call(
        app,
        "POST",
        "/logout",
        cookies={"custody_session": token},
        form={"csrf_token": csrf},
    )
    assert r.status == 303 and r.header("Location") == "/login"
    assert users.session_for(office.store, token) is None


def test_a_bearer_request_needs_no_csrf_token(app, office: Office) -> None:
    r = call(
        app, "POST", "/api/v1/scans", token=office.tokens["保密室"], body={"code": "B001", "scan_id": _uuid()}
    )
    assert r.status == 200 and r.json()["outcome"] == "badge"


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


def test_a_session_ends_after_the_idle_time_and_after_twelve_hours(app, office: Office) -> None:
    """Guards against a session living on: idle 30 minutes (the setting) or 12 hours in all."""
    clock = office.clock
    token, _ = session_of(office.store, "zhao")
    jar = {"custody_session": token}
    assert call(app, "GET", "/api/v1/out", cookies=jar).status == 200
    clock.advance(minutes=29)
    assert call(app, "GET", "/api/v1/out", cookies=jar).status == 200  # and touched: idle starts again
    clock.advance(minutes=29)
    assert call(app, "GET", "/api/v1/out", cookies=jar).status == 200
    clock.advance(minutes=31)
    assert call(app, "GET", "/api/v1/out", cookies=jar).status == 401
    assert call(app, "GET", "/people", cookies=jar).status == 303  # a page: to the login form

    actions.set_setting(office.store, "web_session_idle_minutes", 120, actor="test")
    token, _ = session_of(office.store, "zhao")
    jar = {"custody_session": token}
    for _ in range(10):  # busy all day: every 70 minutes, 11 h 40 min in all
        clock.advance(minutes=70)
        assert call(app, "GET", "/api/v1/out", cookies=jar).status == 200
    clock.advance(minutes=70)  # 12 h 50 min after signing in
    assert call(app, "GET", "/api/v1/out", cookies=jar).status == 401


def test_the_rate_limit_is_counted_in_the_database_across_two_apps(app, office: Office) -> None:
    """Guards against a per-process counter: failures at one service process count at another."""
    from custody.store.core import Store

    other_store = Store.open(office.url, clock=office.clock)
    try:
        other = make_app(other_store)
        apps = [app, other]
        for n in range(5):
            r = Browser(apps[n % 2]).sign_in("zhao", "wrong password", headers={"Accept": "application/json"})
            assert r.status == 401
        limited = Browser(other).sign_in("zhao", headers={"Accept": "application/json"})  # the right one
        assert limited.status == 429 and "retry in 15 minutes" in limited.json()["error"]
        assert limited.header("Retry-After") == "900"
        assert Browser(app).sign_in("zhang").status == 303  # another user is not limited
        office.clock.advance(minutes=15, seconds=1)
        assert Browser(app).sign_in("zhao").status == 303
    finally:
        other_store.close()


def test_the_address_limit_holds_across_user_names(app, office: Office) -> None:
    for n in range(20):  # real users (their hashes quick to check; an unknown name costs a full hash)
        user(office.store, f"guess{n}", "staff")
    for n in range(20):
        r = Browser(app).sign_in(f"guess{n}", "wrong password", headers={"Accept": "application/json"})
        assert r.status == 401
    r = Browser(app).sign_in("zhao", headers={"Accept": "application/json"})
    assert r.status == 429
    other_address = Browser(app).sign_in("zhao", address="10.0.0.2")
    assert other_address.status == 303


def test_the_admin_token_is_an_admin_viewer(office: Office) -> None:
    admin = "adm-" + "y" * 30
    app = make_app(office.store, admin_token=admin)
    people = call(app, "GET", "/api/v1/people", token=admin)
    assert people.status == 200 and people.json()["people"][0]["badge"] == "B001"  # admins see badges
    assert call(app, "GET", "/api/v1/people", token="adm-" + "z" * 30).status == 401
    r = call(app, "POST", "/api/v1/losses", token=admin, body={"code": office.secret[0], "by": "C001"})
    assert r.status == 200  # no CSRF for a bearer token
    assert office.store.m.Event.select().order_by(office.store.m.Event.seq.desc()).first().actor == (
        "user:admin-token"
    )


def test_every_answer_carries_the_security_headers(app, office: Office) -> None:
    for answer in (
        call(app, "GET", "/api/v1/health"),
        call(app, "GET", "/login"),
        call(app, "GET", "/api/v1/no-such-thing"),
        call(app, "GET", "/api/v1/items"),
    ):
        csp = answer.header("Content-Security-Policy") or ""
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert answer.header("X-Content-Type-Options") == "nosniff"
        assert answer.header("X-Frame-Options") == "DENY"
        assert sum(k.lower() == "content-security-policy" for k, _ in answer.headers) == 1
        # no referrer to other sites; a page's own (same-origin, so that its forms' POSTs carry their
        # Origin: under no-referrer a browser sends `Origin: null`, refused by the CSRF check)
        policy = answer.header("Referrer-Policy")
        assert policy == (
            "same-origin" if "text/html" in (answer.header("Content-Type") or "") else "no-referrer"
        )


def test_a_staff_member_sees_only_their_own_loans(app, office: Office) -> None:
    from conftest import scan

    scan(office, "B001")
    scan(office, office.secret[0])
    scan(office, "CMD-END")
    token, _ = session_of(office.store, "zhang")
    jar = {"custody_session": token}
    mine = call(app, "GET", "/api/v1/my/loans", cookies=jar)
    assert mine.status == 200
    assert [i["code"] for i in mine.json()["items"]] == [office.secret[0]]
    assert mine.json()["items"][0]["holder"]["badge"] is None
    for path in ("/api/v1/out", "/api/v1/items", "/api/v1/people", f"/api/v1/items/{office.secret[0]}"):
        assert call(app, "GET", path, cookies=jar).status == 403, path


def test_the_kiosk_signs_a_display_in_with_a_device_token_kept_in_a_cookie(app, office: Office) -> None:
    b = Browser(app)
    form = b.request("GET", "/kiosk", headers={"Accept": "application/json"})
    token = office.tokens["阅文室"]
    bad = b.request(
        "POST", "/kiosk", form={"token": "no-such-token", "csrf_token": form.json()["csrf_token"]}
    )
    assert bad.status == 401 and "custody_kiosk" not in b.jar
    answer = b.request("POST", "/kiosk", form={"token": token, "csrf_token": form.json()["csrf_token"]})
    assert answer.status == 303 and token not in (answer.header("Location") or "")
    line = next(v for v in answer.set_cookie_lines() if v.startswith("custody_kiosk="))
    assert "HttpOnly" in line and "samesite=strict" in line.lower()
    assert b.jar["custody_kiosk"] == token
    assert b.request("GET", "/api/v1/items", headers={"Accept": "application/json"}).status == 403
    assert b.request("GET", "/api/v1/people").status == 403
    actions.revoke_token(office.store, "阅文室", actor="test")  # revoked: the kiosk is nobody at once
    assert b.request("GET", "/api/v1/people").status == 401
