"""The pages' forms that act (issue 15: "the actions the rulebook allows the viewer"), without a
browser, on a real service on a free port: from the item page a check-out with its terms (P13/P14),
copies (P16), the return to the issuer and its due day (P17), destruction with its confirmation
step (P18); the admin's users page; people added by a custodian (the badge never shown back);
device tokens shown once; counts started and closed.

For every form: allowed (the state changed, the ledger names `user:NAME`), refused (the rule's
reason on the page in the reader's language, nothing written but the recorded refusal), forbidden
for a role without the capability (403), and a missing CSRF token (403, nothing written)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pages_support import PASSWORD, Browser, Site, running_site

from custody.messages.catalog import text
from web.pages import ROUTES

OTHER_PASSWORD = "another long enough password"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path / "home") as s:
        yield s


def signed_in(site: Site, user: str, page: str = "/", lang: str = "zh") -> Browser:
    """A signed-in browser that has just read `page` (its forms' CSRF token)."""
    b = site.session(user, lang=lang)
    b.get(page)
    return b


def events_since(site: Site, seq: int) -> list:
    return site.office.events_since(seq)


def refusal_text(site: Site, seq: int, lang: str = "zh") -> str:
    """The message of the one refusal recorded after `seq`, as the page must show it (unescaped)."""
    found = [e for e in events_since(site, seq) if e.kind == "refused"]
    assert len(found) == 1, [e.kind for e in events_since(site, seq)]
    data = json.loads(found[0].data)
    return text(data["reason"], **data["params"]).render(lang)


def only_refused(site: Site, seq: int) -> None:
    """Nothing half-written: after `seq` the ledger holds the recorded refusal alone (P24)."""
    assert [e.kind for e in events_since(site, seq)] == ["refused"]


def forms_on(page_text: str) -> set[str]:
    return set(re.findall(r'<form[^>]*action="([^"]+)"', page_text))


# --- the item page: which forms show -------------------------------------------------------------------


def test_the_item_page_shows_the_forms_the_viewer_may_use(site):
    office = site.office
    code = office.secret[0]
    acts = {f"/items/{code}/{a}" for a in ("check-out", "copy", "return-to-issuer", "due-back", "destroy")}
    assert acts <= forms_on(site.session("zhao").get(f"/items/{code}").text)
    assert acts <= forms_on(site.session("root").get(f"/items/{code}").text)
    assert not acts & forms_on(site.session("wang").get(f"/items/{code}").text)  # a leader does not
    office.lend(code, "zhang")
    out_now = forms_on(site.session("zhao").get(f"/items/{code}").text)
    assert f"/items/{code}/due-back" in out_now and not (acts - {f"/items/{code}/due-back"}) & out_now
    assert not acts & forms_on(site.session("zhang").get(f"/items/{code}").text)  # staff: their loan only


def test_every_field_of_the_new_forms_has_a_label(site):
    b = site.session("root")
    for path in (f"/items/{site.office.secret[0]}", "/users", "/people", "/counts"):
        page = b.get(path).text
        labelled = set(re.findall(r'<label for="([^"]+)"', page))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
            if 'type="hidden"' in tag:
                continue
            found = re.search(r'id="([^"]+)"', tag)
            assert found and found.group(1) in labelled, (path, tag)
        assert " style=" not in page and "<script>" not in page


# --- check-out with terms (P13, P14) ---------------------------------------------------------------------


def test_a_check_out_with_terms_from_the_item_page(site):
    office = site.office
    code = office.secret[1]
    b = signed_in(site, "zhao", f"/items/{code}")
    seq = office.last_seq()
    r = b.post(
        f"/items/{code}/check-out",
        {
            "to": "B001",
            "station": "保密室",
            "purpose": "outside",
            "due": "2026-11-30T17:00",
            "approved_by": "L001",
            "with": "C001",
        },
    )
    assert r.status_code == 303 and r.headers["Location"] == f"/items/{code}", r.text
    it = office.item(code)
    assert it.status == "out" and it.holder.name == "张三" and it.loan_purpose == "outside"
    assert it.second_holder.name == "赵保密员"
    (event,) = events_since(site, seq)
    assert event.kind == "checked_out" and event.actor == "user:zhao"
    data = json.loads(event.data)
    assert data["purpose"] == "outside" and data["due"].startswith("2026-11-30T17:00")


def test_a_refused_check_out_shows_its_reason_and_writes_nothing(site):
    office = site.office
    code = office.secret[1]
    for lang in ("zh", "en"):
        b = signed_in(site, "zhao", f"/items/{code}", lang=lang)
        seq = office.last_seq()
        r = b.post(
            f"/items/{code}/check-out", {"to": "B001", "purpose": "outside", "due": "2026-11-30T17:00"}
        )
        assert r.status_code == 409
        assert refusal_text(site, seq, lang) in html.unescape(r.text)
        assert ("领导" if lang == "zh" else "leader") in r.text
        assert 'id="act-check-out" open' in r.text and 'value="B001"' in r.text  # the form, as typed
        only_refused(site, seq)
        assert office.item(code).status == "in"
    twin = signed_in(site, "zhao", f"/items/{code}")
    r = twin.post(f"/items/{code}/check-out", {"to": "B001", "purpose": "external"}, json=True)
    assert (
        r.status_code == 409 and r.json()["rule"] == "P14" and r.json()["reason"] == "external_needs_leader"
    )


def test_a_bad_value_names_it_and_writes_nothing(site):
    office = site.office
    code = office.secret[1]
    b = signed_in(site, "zhao", f"/items/{code}")
    seq = office.last_seq()
    r = b.post(f"/items/{code}/check-out", {"to": "B001", "purpose": "holiday"})
    assert r.status_code == 400 and "holiday" in r.text and "Traceback" not in r.text
    r = b.post(f"/items/{code}/check-out", {"to": "NOBODY"})
    assert r.status_code == 404 and "NOBODY" in r.text
    r = b.post(f"/items/{code}/copy", {"copies": "many"})
    assert r.status_code == 400 and "many" in r.text
    r = b.post(f"/items/{code}/copy", {"copies": "9" * 5000})  # more digits than int() takes
    assert r.status_code == 400
    assert office.last_seq() == seq


# --- copies (P16) -----------------------------------------------------------------------------------------


def test_copies_from_the_item_page_then_their_labels(site):
    office = site.office
    code = office.secret[0]
    b = signed_in(site, "zhao", f"/items/{code}")
    seq = office.last_seq()
    r = b.post(f"/items/{code}/copy", {"copies": "2", "approved_by": "L001", "for": "综合科"})
    assert r.status_code == 303, r.text
    made = r.headers["Location"].split("?made=")[1].split(",")
    assert len(made) == 2
    m = office.store.m
    copies = list(m.Item.select().where(m.Item.copy_of == code).order_by(m.Item.copy_no))
    assert [c.code for c in copies] == made and [c.copy_no for c in copies] == [4, 5]
    events = events_since(site, seq)
    assert [e.kind for e in events] == ["copied", "copied"]
    assert {e.actor for e in events} == {"user:zhao"}
    assert json.loads(events[0].data)["approver"] == office.people["wang"].id
    assert {e.person for e in events} == {office.people["zhao"].id}  # by the viewer's own person
    page = b.get(r.headers["Location"])
    assert 'id="made"' in page.text and f"/labels.pdf?codes={made[0]},{made[1]}" in page.text
    assert b.get(f"/labels.pdf?codes={made[0]},{made[1]}").content.startswith(b"%PDF")


def test_copies_without_a_leader_are_refused(site):
    office = site.office
    code = office.secret[0]
    b = signed_in(site, "zhao", f"/items/{code}")
    seq = office.last_seq()
    r = b.post(f"/items/{code}/copy", {"copies": "2"})
    assert r.status_code == 409
    assert refusal_text(site, seq) in html.unescape(r.text)
    only_refused(site, seq)
    m = office.store.m
    assert m.Item.select().where(m.Item.copy_of == code).count() == 0


def test_an_admin_tied_to_nobody_names_who_copies(site):
    """`by` defaults to the viewer's person; a login tied to nobody names one, or is told to."""
    office = site.office
    code = office.secret[0]
    b = signed_in(site, "root", f"/items/{code}")
    seq = office.last_seq()
    r = b.post(f"/items/{code}/copy", {"approved_by": "L001"})
    assert r.status_code == 400 and "custody user add --person" in html.unescape(r.text)
    assert office.last_seq() == seq
    r = b.post(f"/items/{code}/copy", {"approved_by": "L001", "by": "C001"})
    assert r.status_code == 303
    (event,) = events_since(site, seq)
    assert event.actor == "user:root" and event.person == office.people["zhao"].id


# --- return to issuer and due back (P17) ---------------------------------------------------------------


def test_return_to_issuer_from_the_item_page(site):
    office = site.office
    code = office.secret[2]
    b = signed_in(site, "zhao", f"/items/{code}")
    seq = office.last_seq()
    r = b.post(f"/items/{code}/return-to-issuer", {"ref": "清退单7"})
    assert r.status_code == 303
    assert office.item(code).status == "returned-to-issuer"
    (event,) = events_since(site, seq)
    assert event.kind == "returned_to_issuer" and event.actor == "user:zhao"
    assert json.loads(event.data)["ref"] == "清退单7"
    assert f"/items/{code}/return-to-issuer" not in forms_on(b.get(f"/items/{code}").text)


def test_return_to_issuer_of_an_item_out_is_refused(site):
    office = site.office
    code = office.secret[2]
    b = signed_in(site, "zhao", f"/items/{code}")
    office.lend(code, "zhang")
    seq = office.last_seq()
    r = b.post(f"/items/{code}/return-to-issuer", {"ref": "清退单7"})
    assert r.status_code == 409 and refusal_text(site, seq) in html.unescape(r.text) and "张三" in r.text
    only_refused(site, seq)
    assert office.item(code).status == "out"


def test_the_day_it_is_due_back(site):
    office = site.office
    code = office.secret[0]
    b = signed_in(site, "zhao", f"/items/{code}")
    seq = office.last_seq()
    assert b.post(f"/items/{code}/due-back", {"date": "2027-01-31"}).status_code == 303
    assert office.item(code).due_back.isoformat() == "2027-01-31"
    (event,) = events_since(site, seq)
    assert event.kind == "due_back_set" and event.actor == "user:zhao"
    seq = office.last_seq()
    r = b.post(f"/items/{code}/due-back", {"date": "2020-01-01"})
    assert r.status_code == 409 and refusal_text(site, seq) in html.unescape(r.text)
    only_refused(site, seq)
    assert office.item(code).due_back.isoformat() == "2027-01-31"


# --- destruction (P18) ---------------------------------------------------------------------------------


def test_destroy_asks_to_confirm_then_destroys(site):
    office = site.office
    code = office.secret[2]
    b = signed_in(site, "zhao", f"/items/{code}")
    fields = {
        "approved_by": "L001",
        "witness1": "B001",
        "witness2": "B002",
        "method": "粉碎",
        "place": "保密室",
    }
    seq = office.last_seq()
    r = b.post(f"/items/{code}/destroy", fields)
    assert r.status_code == 200 and 'id="destroy-confirm"' in r.text
    assert "王主任" in r.text and "张三" in r.text and "李四" in r.text and "粉碎" in r.text
    assert office.last_seq() == seq and office.item(code).status == "in"  # not yet
    b.csrf = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', r.text))
    assert hidden["confirm"] == "1" and hidden["witness2"] == "B002"
    r = b.post(f"/items/{code}/destroy", {k: v for k, v in hidden.items() if k != "csrf_token"})
    assert r.status_code == 303
    assert office.item(code).status == "destroyed"
    (event,) = events_since(site, seq)
    assert event.kind == "destroyed" and event.actor == "user:zhao"
    data = json.loads(event.data)
    assert (
        data["witnesses"] == [office.people["zhang"].id, office.people["li"].id] and data["method"] == "粉碎"
    )


def test_destroy_with_one_witness_is_refused(site):
    office = site.office
    code = office.secret[2]
    b = signed_in(site, "zhao", f"/items/{code}")
    seq = office.last_seq()
    r = b.post(f"/items/{code}/destroy", {"approved_by": "L001", "witness1": "B001", "confirm": "1"})
    assert r.status_code == 409 and refusal_text(site, seq) in html.unescape(r.text)
    only_refused(site, seq)
    assert office.item(code).status == "in"
    r = b.post(f"/items/{code}/destroy", {"approved_by": "L001", "witness1": "B404"})  # the preview
    assert r.status_code == 404 and "B404" in r.text and office.item(code).status == "in"


# --- forbidden and CSRF for every acting form ----------------------------------------------------------

ITEM_FORMS = {
    "check-out": {"to": "B001"},
    "copy": {"approved_by": "L001"},
    "return-to-issuer": {"ref": "x"},
    "due-back": {"date": "2027-01-31"},
    "destroy": {"approved_by": "L001", "witness1": "B001", "witness2": "B002", "confirm": "1"},
}


@pytest.mark.parametrize("user", ["zhang", "wang"])
def test_the_item_forms_are_forbidden_without_the_custody_capability(site, user):
    office = site.office
    code = office.secret[2]
    b = signed_in(site, user)
    seq = office.last_seq()
    for name, fields in ITEM_FORMS.items():
        assert b.post(f"/items/{code}/{name}", fields).status_code == 403, name
    assert office.last_seq() == seq and office.item(code).status == "in"


def test_every_acting_form_needs_the_csrf_token(site):
    office = site.office
    code = office.secret[2]
    posts = {f"/items/{code}/{name}": fields for name, fields in ITEM_FORMS.items()}
    posts |= {
        "/users": {"username": "x1", "role": "staff", "password": PASSWORD, "password2": PASSWORD},
        "/users/password": {"username": "zhao", "password": PASSWORD, "password2": PASSWORD},
        "/users/deactivate": {"username": "zhao"},
        "/people": {"name": "新人", "badge": "B777", "clearance": "secret"},
        "/stations/保密室/tokens": {"device": "desk-9"},
        "/stations/保密室/tokens/revoke": {"device": "default"},
        "/counts/start": {"station": "保密室"},
        "/settings": {"key": "closing_time", "value": "18:00"},
    }
    b = signed_in(site, "root")
    seq = office.last_seq()
    for path, fields in posts.items():
        for token in ("", "wrong"):
            r = b.http.post(
                site.url + path,
                data={**fields, **({"csrf_token": token} if token else {})},
                headers={"Origin": site.url, "Accept": "text/html"},
                allow_redirects=False,
                timeout=30,
            )
            assert r.status_code == 403, (path, token, r.status_code)
            assert "防伪令牌" in r.text  # the CSRF refusal, not a rule's
    assert office.last_seq() == seq


# --- the admin's users page ----------------------------------------------------------------------------


def test_an_admin_adds_a_user_who_then_signs_in(site):
    office = site.office
    b = signed_in(site, "root", "/users")
    seq = office.last_seq()
    r = b.post(
        "/users",
        {
            "username": "qian",
            "role": "custodian",
            "person": "B002",
            "password": OTHER_PASSWORD,
            "password2": OTHER_PASSWORD,
        },
    )
    assert r.status_code == 201 and 'id="users-done"' in r.text and "qian" in r.text
    assert OTHER_PASSWORD not in r.text
    (event,) = events_since(site, seq)
    assert event.kind == "user_added" and event.actor == "user:root" and OTHER_PASSWORD not in event.data
    listed = b.get("/users", json=True).json()["users"]
    qian = next(u for u in listed if u["username"] == "qian")
    assert qian["role"] == "custodian" and qian["person"] == "B002" and qian["active"] is True
    assert {"username", "role", "person", "active", "created_at"} <= set(qian)
    new = Browser(site.url)
    new.login("qian", OTHER_PASSWORD)
    assert new.get("/", json=True).status_code == 200
    assert new.get("/receive").status_code == 200  # a custodian now


def test_a_user_form_that_fails_says_why_and_adds_nobody(site):
    office = site.office
    b = signed_in(site, "root", "/users")
    seq = office.last_seq()
    r = b.post(
        "/users", {"username": "qian", "role": "staff", "password": OTHER_PASSWORD, "password2": PASSWORD}
    )
    assert r.status_code == 400 and "两次输入的密码不一致" in r.text
    assert 'value="qian"' in r.text and OTHER_PASSWORD not in r.text and PASSWORD not in r.text
    r = b.post("/users", {"username": "zhao", "role": "staff", "password": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 409 and "zhao" in r.text
    r = b.post("/users", {"username": "qian", "role": "boss", "password": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 400 and "boss" in r.text
    r = b.post("/users", {"username": "qian", "role": "staff", "password": "short", "password2": "short"})
    assert r.status_code == 400
    assert office.last_seq() == seq
    assert office.store.m.AppUser.select().where(office.store.m.AppUser.username == "qian").count() == 0


def test_an_admin_resets_a_password_and_deactivates_a_user(site):
    office = site.office
    zhao = site.session("zhao")
    b = signed_in(site, "root", "/users")
    seq = office.last_seq()
    r = b.post(
        "/users/password", {"username": "zhao", "password": OTHER_PASSWORD, "password2": OTHER_PASSWORD}
    )
    assert r.status_code == 200 and 'id="users-done"' in r.text
    (event,) = events_since(site, seq)
    assert event.kind == "user_changed" and event.actor == "user:root"
    assert zhao.get("/sweep", allow_redirects=False).status_code == 303  # the session ended
    again = Browser(site.url)
    again.get("/login")
    assert again.post("/login", {"username": "zhao", "password": PASSWORD, "next": "/"}).status_code == 401
    again.login("zhao", OTHER_PASSWORD)
    b.get("/users")
    assert b.post("/users/deactivate", {"username": "zhao"}).status_code == 200
    assert again.get("/sweep", allow_redirects=False).status_code == 303
    out = Browser(site.url)
    out.get("/login")
    assert (
        out.post("/login", {"username": "zhao", "password": OTHER_PASSWORD, "next": "/"}).status_code == 401
    )
    r = b.post("/users/deactivate", {"username": "root"})
    assert (
        r.status_code == 400 and office.store.m.AppUser.get(office.store.m.AppUser.username == "root").active
    )


def test_only_admins_see_and_use_the_users_page(site):
    assert 'href="/users"' in site.session("root").get("/").text
    for user in ("zhao", "wang", "zhang"):
        b = signed_in(site, user)
        assert 'href="/users"' not in b.get("/").text
        assert b.get("/users").status_code == 403 and b.get("/users", json=True).status_code == 403
        assert (
            b.post(
                "/users", {"username": "x2", "role": "admin", "password": PASSWORD, "password2": PASSWORD}
            ).status_code
            == 403
        )
        assert (
            b.post(
                "/users/password", {"username": "root", "password": PASSWORD, "password2": PASSWORD}
            ).status_code
            == 403
        )
        assert b.post("/users/deactivate", {"username": "root"}).status_code == 403
    assert site.office.store.m.AppUser.get(site.office.store.m.AppUser.username == "root").active


# --- people --------------------------------------------------------------------------------------------


def test_a_custodian_adds_a_person_whose_badge_is_never_shown_back(site):
    office = site.office
    b = signed_in(site, "zhao", "/people")
    seq = office.last_seq()
    r = b.post(
        "/people",
        {"name": "孙新人", "badge": "B777", "clearance": "confidential", "role": "staff", "dept": "综合科"},
    )
    assert r.status_code == 201 and "孙新人" in r.text
    assert "B777" not in r.text and "B777" not in b.get("/people").text
    assert "B777" not in b.get("/people", json=True).text
    (event,) = events_since(site, seq)
    assert event.kind == "person_added" and event.actor == "user:zhao"
    m = office.store.m
    p = m.Person.get(m.Person.name == "孙新人")
    assert (p.clearance, p.role, p.dept) == ("confidential", "staff", "综合科")
    assert "B777" in site.session("root").get("/people").text  # an admin reads badge codes


def test_a_person_with_a_badge_taken_is_refused(site):
    office = site.office
    b = signed_in(site, "zhao", "/people")
    seq = office.last_seq()
    r = b.post("/people", {"name": "孙新人", "badge": "B001", "clearance": "secret"})
    assert r.status_code == 409 and 'id="people-error"' in r.text
    assert 'value="孙新人"' in r.text and 'value="B001"' not in r.text  # what was typed, but the badge
    r = b.post("/people", {"name": "孙新人", "badge": "B778", "clearance": "very-high"})
    assert r.status_code == 400 and "very-high" in r.text
    assert office.last_seq() == seq
    assert "/people" not in forms_on(site.session("wang").get("/people").text)
    leader = signed_in(site, "wang", "/people")
    assert leader.post("/people", {"name": "某人", "badge": "B779", "clearance": "secret"}).status_code == 403
    assert office.last_seq() == seq


# --- stations: a device token shown once -------------------------------------------------------------


def test_a_device_token_is_shown_once_and_never_in_a_url(site):
    b = signed_in(site, "root", "/stations")
    seq = site.office.last_seq()
    r = b.post("/stations/阅文室/tokens", {"device": "kiosk-1"})
    assert r.status_code == 201
    token = r.text.split('<code id="token-value">')[1].split("</code>")[0]
    assert len(token) >= 20 and token not in r.url
    (event,) = events_since(site, seq)
    assert event.actor == "user:root" and token not in event.data
    assert token not in b.get("/stations").text and token not in b.get("/stations", json=True).text
    ok = requests.get(
        site.url + "/station/阅文室/state",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=30,
    )
    assert ok.status_code == 200
    seq = site.office.last_seq()
    r = b.post("/stations/阅文室/tokens", {"device": "kiosk-1"})  # that device has one
    assert r.status_code == 409 and 'role="alert"' in r.text and site.office.last_seq() == seq
    assert (
        signed_in(site, "zhao", "/stations").post("/stations/阅文室/tokens", {"device": "k2"}).status_code
        == 403
    )


# --- counts (P22) ----------------------------------------------------------------------------------------


def test_a_count_is_started_and_closed_from_the_counts_page(site):
    office = site.office
    b = signed_in(site, "zhao", "/counts")
    assert {"/counts/start"} <= forms_on(b.get("/counts").text)
    seq = office.last_seq()
    assert b.post("/counts/start", {"station": "保密室"}).status_code == 303
    m = office.store.m
    count = m.InventoryCount.get()
    assert count.closed_at is None and count.expected_count == 4
    (event,) = events_since(site, seq)
    assert event.kind == "count_started" and event.actor == "user:zhao"
    page = b.get("/counts").text
    assert "/counts/close" in forms_on(page)
    seq = office.last_seq()
    r = b.post("/counts/start", {"station": "保密室"})
    assert (
        r.status_code == 409
        and 'id="counts-error"' in r.text
        and refusal_text(site, seq) in html.unescape(r.text)
    )
    only_refused(site, seq)
    seq = office.last_seq()
    assert b.post("/counts/close", {"station": "保密室"}).status_code == 303
    assert m.InventoryCount.get().closed_at is not None
    (event,) = events_since(site, seq)
    assert event.kind == "count_closed" and event.actor == "user:zhao"
    r = b.post("/counts/close", {"station": "保密室"}, json=True)
    assert r.status_code == 409 and "保密室" in r.json()["error"]


def test_counts_are_forbidden_to_who_may_not_count(site):
    leader = signed_in(site, "wang", "/counts")
    assert not {"/counts/start", "/counts/close"} & forms_on(leader.get("/counts").text)
    assert leader.post("/counts/start", {"station": "保密室"}).status_code == 403
    assert site.office.store.m.InventoryCount.select().count() == 0


def test_every_new_route_is_in_the_route_table_with_a_capability():
    """The access matrix (tests/test_access_matrix.py) walks web.pages.ROUTES: the new forms are there."""
    table = {(r.method, r.path): r.can for r in ROUTES}
    for path in (
        "/items/<code>/check-out",
        "/items/<code>/copy",
        "/items/<code>/return-to-issuer",
        "/items/<code>/due-back",
        "/items/<code>/destroy",
        "/people",
        "/users",
        "/users/password",
        "/users/deactivate",
        "/counts/start",
        "/counts/close",
    ):
        assert table.get(("POST", path)) is not None, path
    assert table[("GET", "/users")] is not None


# --- settings ------------------------------------------------------------------------------------------


def test_an_admin_changes_a_setting_and_a_bad_value_changes_nothing(site):
    office = site.office
    b = signed_in(site, "root", "/settings")
    listed = {s["key"]: s for s in b.get("/settings", json=True).json()["settings"]}
    assert listed["closing_time"]["value"] == "17:30" and listed["closing_time"]["about"]
    assert listed["printers"]["editable"] is False
    seq = office.last_seq()
    r = b.post("/settings", {"key": "closing_time", "value": "18:05"})
    assert r.status_code == 200 and 'id="settings-done"' in r.text and "18:05" in r.text
    (event,) = events_since(site, seq)
    assert event.kind == "setting_changed" and event.actor == "user:root"
    assert json.loads(event.data) == {"key": "closing_time", "value": "18:05"}
    r = b.post("/settings", {"key": "holidays", "value": "2026-10-01..2026-10-03"})
    assert r.status_code == 200
    holidays = {s["key"]: s for s in b.get("/settings", json=True).json()["settings"]}["holidays"]
    assert holidays["value"] == ["2026-10-01", "2026-10-02", "2026-10-03"]
    seq = office.last_seq()
    for key, value in (("closing_time", "25:00"), ("nonsense", "1"), ("printers", "{}")):
        r = b.post("/settings", {"key": key, "value": value})
        assert r.status_code == 400 and 'id="settings-error"' in r.text, (key, r.status_code)
        assert html.escape(value, quote=True) in r.text or value in r.text  # what was typed, shown again
    assert office.last_seq() == seq
    assert {s["key"]: s for s in b.get("/settings", json=True).json()["settings"]}["closing_time"][
        "value"
    ] == "18:05"


def test_only_admins_see_and_change_settings(site):
    assert 'href="/settings"' in site.session("root").get("/").text
    for user in ("zhao", "wang", "zhang"):
        b = signed_in(site, user)
        assert 'href="/settings"' not in b.get("/").text
        assert b.get("/settings").status_code == 403
        assert b.post("/settings", {"key": "closing_time", "value": "18:00"}).status_code == 403
    assert (
        site.office.store.m.Setting.select().where(site.office.store.m.Setting.key == "closing_time").count()
        == 0
    )
