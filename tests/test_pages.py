"""The pages without a browser, on a real service on a free port: every page renders for a viewer
allowed to see it and has its JSON twin; a hostile title shows as text; staff see their own loans
only; a scan with no open session never shows a title on the station display; badge codes reach
admins only; the register import's upload is size-capped; receive → labels PDF; a leader approves;
the language switch."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pages_support import Site, running_site

from custody.actions import core as actions
from custody.actions import requests as request_actions
from web.pages import ROUTES
from web.pages.imports import BODY_LIMIT, MAX_UPLOAD

HOSTILE = "<script>alert(1)</script>"
# path -> a key its JSON twin has
PAGES = {
    "/": "out",
    "/receive": "levels",
    "/people": "people",
    "/stations": "stations",
    "/approvals": "pending",
    "/sweep": "outstanding",
    "/counts": "counts",
    "/registers": "rows",
    "/registers/import": "max_upload",
    "/audit": "verify",
    "/station/保密室": "session",
}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path / "home") as s:
        yield s


def scan(site: Site, code: str, station: str = "保密室") -> dict:
    r = requests.post(
        site.url + "/api/v1/scans",
        json={"code": code, "scan_id": str(uuid.uuid4())},
        headers={"Authorization": f"Bearer {site.tokens[station]}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_every_page_renders_with_its_json_twin(site):
    """Each page as HTML (in the layout, with the security headers) and as JSON, for an admin."""
    b = site.session("root")
    for path, key in PAGES.items():
        html = b.get(path)
        assert html.status_code == 200, (path, html.text[:500])
        assert html.headers["Content-Type"].startswith("text/html")
        assert "script-src 'self'" in html.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in html.headers["Content-Security-Policy"]
        assert html.headers["X-Content-Type-Options"] == "nosniff"
        assert "<main" in html.text and 'href="/static/custody.css"' in html.text
        assert " style=" not in html.text and "<script>" not in html.text  # the CSP allows neither
        twin = b.get(path, json=True)
        assert twin.status_code == 200, (path, twin.text[:500])
        assert key in twin.json(), (path, list(twin.json()))
        assert not any(k.startswith("_") for k in twin.json())


def test_every_route_is_a_page_with_a_capability():
    for r in ROUTES:
        assert r.page, r.path
        if not r.path.startswith(("/static/", "/lang", "/favicon")):
            assert r.can is not None, r.path


def test_every_form_field_has_a_label(site):
    """Accessible forms: every visible input, select and textarea is named by a <label for=…>."""
    import re

    b = site.session("root")
    for path in ("/receive", "/registers/import", "/stations", "/registers", "/station/保密室"):
        text = b.get(path).text
        labelled = set(re.findall(r'<label for="([^"]+)"', text))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", text):
            if 'type="hidden"' in tag:
                continue
            found = re.search(r'id="([^"]+)"', tag)
            assert found and found.group(1) in labelled, (path, tag)


def test_a_hostile_title_shows_as_text(site):
    """An item titled <script>…</script> is escaped on the item page, the dashboard and the sweep."""
    b = site.session("zhao")
    b.get("/receive")
    r = b.post("/receive", {"title": HOSTILE, "level": "secret", "copies": "1"})
    assert r.status_code == 303, r.text
    code = r.headers["Location"].split("received=")[1]
    scan(site, "B001")
    assert scan(site, code)["outcome"] == "checked_out"
    for path in (f"/items/{code}", "/", "/sweep", "/station/保密室"):
        text = b.get(path).text
        assert HOSTILE not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
    assert b.get(f"/items/{code}", json=True).json()["title"] == HOSTILE


def test_staff_see_only_their_own_loans(site):
    office = site.office
    office.lend(office.secret[0], "zhang")
    office.lend(office.confidential[0], "li", "阅文室")
    b = site.session("zhang")
    mine = b.get("/", json=True).json()
    assert [row["code"] for row in mine["out"]] == [office.secret[0]]
    assert mine["mine_only"] and "violations" not in mine and "closing" not in mine
    assert b.get(f"/items/{office.secret[0]}").status_code == 200
    assert b.get(f"/items/{office.confidential[0]}").status_code == 403
    assert b.get(f"/items/{office.confidential[0]}", json=True).status_code == 403
    everything = site.session("wang").get("/", json=True).json()
    assert {row["code"] for row in everything["out"]} == {office.secret[0], office.confidential[0]}


def test_top_secret_and_overdue_come_first(site):
    office = site.office
    office.lend(office.secret[0], "zhang")
    office.lend(office.top, "zhao")
    rows = site.session("zhao").get("/", json=True).json()["out"]
    assert [r["level"] for r in rows] == ["top-secret", "secret"]
    text = site.session("zhao").get("/").text
    assert text.index("lv-top-secret") < text.index('level lv-secret"')


def test_badges_reach_admins_only(site):
    """Not on the people page, nor in a holder's shape on the dashboard, the sweep, an item."""
    site.office.lend(site.office.secret[0], "zhang")
    for path in ("/", "/sweep", f"/items/{site.office.secret[0]}"):
        assert "B001" not in site.session("wang").get(path, json=True).text, path
        assert "B001" in site.session("root").get(path, json=True).text, path
    for user, shown in (("root", True), ("zhao", False), ("wang", False)):
        people = site.session(user).get("/people", json=True).json()["people"]
        zhang = next(p for p in people if p["name"] == "张三")
        assert (zhang["badge"] == "B001") is shown, user
        assert ("B001" in site.session(user).get("/people").text) is shown, user


def test_no_session_scan_never_shows_the_title_on_the_display(site):
    """A top-secret item scanned with no open session: refused, and neither the display page nor
    its data names the title (today's scan answer does: the display writes its own line)."""
    top = site.office.item(site.office.top)
    answer = scan(site, top.code)
    assert answer["outcome"] == "refused"
    b = site.session("zhao")
    state = b.get("/station/保密室/state", json=True).json()
    assert state["last"]["state"] == "refused"
    assert top.title not in json.dumps(state, ensure_ascii=False)
    assert top.title not in b.get("/station/保密室").text
    # in a session, the refusal names its reason (P8: 张三's clearance is secret) in large type
    scan(site, "B001")
    scan(site, top.code)
    state = b.get("/station/保密室/state", json=True).json()
    assert state["session"]["person"] == "张三"
    assert state["last"]["state"] == "refused" and state["last"]["word"] == "拒绝"
    assert "许可级别为机密" in state["last"]["message"]


def test_the_display_for_a_device_token_is_its_own_station_only(site):
    own = {"Authorization": f"Bearer {site.tokens['保密室']}", "Accept": "application/json"}
    assert requests.get(site.url + "/station/保密室/state", headers=own, timeout=30).status_code == 200
    other = requests.get(site.url + "/station/阅文室/state", headers=own, timeout=30)
    assert other.status_code == 403
    assert requests.get(site.url + "/people", headers=own, timeout=30).status_code == 403
    state = requests.get(site.url + "/station/保密室/state", headers=own, timeout=30).json()
    assert "badge" not in json.dumps(state)


def test_the_training_box_posts_a_scan_of_that_station(site):
    b = site.session("zhao")
    b.get("/station/保密室")
    r = b.post("/station/保密室/scan", {"code": "B001"}, json=True)
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "badge"
    assert r.json()["state"]["session"]["person"] == "张三"
    r = b.post("/station/保密室/scan", {"code": site.office.secret[0]})
    assert r.status_code == 303
    assert site.office.item(site.office.secret[0]).status == "out"


def test_receive_then_its_labels_as_one_pdf(site):
    b = site.session("zhao")
    b.get("/receive")
    r = b.post(
        "/receive",
        {
            "title": "关于年终检查的通知",
            "level": "confidential",
            "kind": "document",
            "copies": "3",
            "doc_no": "办发〔2026〕30号",
            "issuer": "县委办公室",
            "period": "10y",
            "scope": "综合科, B002",
            "home": "保密室",
            "due_back": "2027-01-31",
        },
    )
    assert r.status_code == 303, r.text
    page = b.get(r.headers["Location"])
    assert page.text.count("关于年终检查的通知") == 3
    codes = r.headers["Location"].split("received=")[1].split(",")
    assert len(codes) == 3
    item = b.get(f"/items/{codes[0]}", json=True).json()
    assert item["item"]["scope"] == ["综合科", "B002"] and item["item"]["due_back"] == "2027-01-31"
    assert [h["kind"] for h in item["history"]] == ["received"]
    pdf = b.get("/labels.pdf?codes=" + ",".join(codes))
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    png = b.get(f"/items/{codes[0]}/label.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_a_bad_receive_names_the_value_and_keeps_the_form(site):
    b = site.session("zhao")
    b.get("/receive")
    r = b.post("/receive", {"title": "某文件", "level": "very-secret", "copies": "1"})
    assert r.status_code == 400
    assert "very-secret" in r.text and 'value="某文件"' in r.text
    assert "Traceback" not in r.text


def test_a_leader_approves_a_pending_request(site):
    office = site.office
    out = request_actions.make_request(
        office.store,
        "check-out",
        person=office.people["zhang"],
        requested_by=office.people["zhang"],
        item=office.top,
        actor="test",
    )
    ref = out.extra["request"]
    b = site.session("wang")
    listed = b.get("/approvals", json=True).json()["pending"]
    assert [p["id"] for p in listed] == [ref]
    b.get("/approvals")
    r = b.post("/approvals/decide", {"request": ref, "decision": "approve"})
    assert r.status_code == 200, r.text
    assert b.get("/approvals", json=True).json()["pending"] == []
    assert office.store.m.ApprovalRequest.get().status == "approved"
    # a custodian sees the page but may not decide
    c = site.session("zhao")
    c.get("/approvals")
    assert c.post("/approvals/decide", {"request": ref, "decision": "approve"}).status_code == 403


def test_the_sweep_is_run_and_recorded_by_who_may_close(site):
    site.office.lend(site.office.secret[0], "zhang")
    b = site.session("zhao")
    page = b.get("/sweep")
    assert 'id="run-sweep"' in page.text
    r = b.post("/sweep")
    assert r.status_code == 303
    assert site.office.store.m.SweepRecord.select().count() == 1
    assert b.get("/", json=True).json()["sweeps"][-1]["outstanding"] == 1
    leader = site.session("wang")
    assert 'id="run-sweep"' not in leader.get("/sweep").text
    assert leader.post("/sweep").status_code == 403


def test_registers_print_and_csv(site):
    b = site.session("wang")
    html = b.get("/registers?kind=receipts")
    assert html.status_code == 200 and "年度工作要点" in html.text
    csv_answer = b.get("/registers?kind=receipts&format=csv")
    assert csv_answer.headers["Content-Type"].startswith("text/csv")
    assert csv_answer.content.startswith("\ufeff".encode())
    assert "年度工作要点" in csv_answer.content.decode("utf-8-sig")
    bad = b.get("/registers?kind=receipts&format=xml")
    assert bad.status_code == 400 and "xml" in bad.text


def test_the_register_import_is_size_capped(site):
    """An upload over the cap is refused with 413 before it is imported; a small one is checked."""
    b = site.session("zhao")
    b.get("/registers/import")
    big = b.post(
        "/registers/import", files={"file": ("big.csv", b"x" * (MAX_UPLOAD + 1), "text/csv")}, data={}
    )
    assert big.status_code == 413 and "2097152" in big.text  # this page's own refusal, in the layout
    huge = b.post(
        "/registers/import", files={"file": ("huge.csv", b"x" * (BODY_LIMIT + 1), "text/csv")}, data={}
    )
    assert huge.status_code == 413  # the route's body limit, before the body is read
    assert site.office.store.m.Item.select().count() == 6
    rows = "收文日期,来文机关,文号,标题,密级,份数\n2024-03-05,省委办公厅,省办发〔2024〕3号,关于保密检查的通知,机密,2\n"
    b.get("/registers/import")
    ok = b.post(
        "/registers/import",
        files={"file": ("reg.csv", rows.encode("utf-8"), "text/csv")},
        data={"dry_run": "1"},
        json=True,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["errors"] == [] and ok.json()["imported"] == []
    # a register longer than the service's 16 KiB body limit is still taken (the route's own limit)
    padded = rows + "".join(
        f"2024-03-{1 + n % 28:02d},省委办公厅,省办发〔2024〕{100 + n}号,学习材料第{n}期,内部,1\n"
        for n in range(400)
    )
    assert 16 * 1024 < len(padded.encode()) < MAX_UPLOAD
    done = b.post("/registers/import", files={"file": ("reg.csv", padded.encode(), "text/csv")}, json=True)
    assert done.status_code == 201, done.text
    assert len(done.json()["imported"]) == 402


def test_the_language_switch(site):
    b = site.session("zhao")
    assert "当前借出" in b.get("/").text
    r = b.get("/lang?to=en&next=/sweep", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/sweep"
    assert "Closing sweep" in b.get("/sweep").text
    assert "Out now" in b.get("/").text
    # an open redirect is not possible
    r = b.get("/lang?to=zh&next=//evil.example/", allow_redirects=False)
    assert r.headers["Location"] == "/"
    # English by Accept-Language alone
    assert "Out now" in site.session("zhao", lang="en").get("/").text


def test_level_names_and_colours_are_the_same_everywhere(site):
    site.office.lend(site.office.top, "zhao")
    b = site.session("zhao")
    for path in ("/", "/sweep", f"/items/{site.office.top}"):
        assert '<span class="level lv-top-secret">绝密</span>' in b.get(path).text, path


def test_nobody_signed_in_is_sent_to_login(site):
    r = requests.get(site.url + "/sweep", allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login")
    assert (
        requests.get(site.url + "/sweep", headers={"Accept": "application/json"}, timeout=30).status_code
        == 401
    )


def test_lost_and_found_from_the_item_page(site):
    code = site.office.secret[2]
    b = site.session("zhao")
    assert 'action="/items/' + code + '/lost"' in b.get(f"/items/{code}").text
    assert b.post(f"/items/{code}/lost", {"note": "找不到"}).status_code == 303
    assert site.office.item(code).status == "lost"
    leader = site.session("wang")
    assert 'action="/items/' + code + '/found"' in leader.get(f"/items/{code}").text
    assert leader.post(f"/items/{code}/found", {"found": "1"}).status_code == 303
    assert site.office.item(code).status == "in"


def test_device_tokens_are_added_and_revoked_by_an_admin(site):
    b = site.session("root")
    b.get("/stations")
    r = b.post("/stations/保密室/tokens", {"device": "desk-2"})
    assert r.status_code == 201
    token = r.text.split('<code id="token-value">')[1].split("</code>")[0]
    assert scan(Site(site.url, site.office, {"保密室": token}), "B001")["outcome"] == "badge"
    listed = b.get("/stations", json=True).json()["stations"]
    assert "desk-2" in [t["device"] for t in next(s for s in listed if s["name"] == "保密室")["tokens"]]
    b.get("/stations")
    assert b.post("/stations/保密室/tokens/revoke", {"device": "desk-2"}).status_code == 303
    gone = requests.post(
        site.url + "/api/v1/scans",
        json={"code": "B001", "scan_id": str(uuid.uuid4())},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert gone.status_code == 401
    assert site.session("zhao").post("/stations/保密室/tokens", {"device": "x"}).status_code == 403


def test_audit_shows_the_ledger_intact(site):
    data = site.session("wang").get("/audit", json=True).json()
    assert data["verify"]["ok"] is True and data["head"]["seq"] > 0


def test_the_charts_are_svg_drawn_on_the_server(site):
    site.office.lend(site.office.secret[0], "zhang")
    b = site.session("zhao")
    page = b.get("/")
    assert page.text.count('<svg class="chart"') == 1  # no sweep recorded yet: one chart, one note
    points = b.get("/", json=True).json()["out_today"]
    assert points[-1]["out"] == 1 and points[0]["out"] == 0


def test_actions_are_recorded_by_the_signed_in_user(site):
    b = site.session("zhao")
    b.get("/receive")
    r = b.post("/receive", {"title": "署名测试", "level": "internal"})
    code = r.headers["Location"].split("received=")[1]
    m = site.office.store.m
    event = m.Event.select().where(m.Event.item == code).get()
    assert event.actor == "user:zhao"
    assert actions is not None
