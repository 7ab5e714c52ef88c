"""The loans API (issue 14) in process: a loan with its terms, a scope change, a clearance change and
a handover, each allowed and refused naming the rule, answers matching the OpenAPI description."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_lifecycle_api import ADMIN, call
from test_lifecycle_api import checked as _checked

from custody.actions import core as actions
from web.app import make_app


@pytest.fixture
def app(office):
    actions.add_person(
        office.store, "钱保密员", badge="C002", clearance="top-secret", role="custodian", actor="t"
    )
    return make_app(office.store, admin_token=ADMIN)


def post(app, path, body, token=ADMIN):
    return _checked(call(app, "POST", path, body, token=token), "POST", path)


def test_a_loan_outside_needs_two_and_records_the_second_holder(office, app):
    code = office.secret[0]
    due = (office.store.now() + timedelta(hours=2)).isoformat()
    body = {"code": code, "to": "B001", "purpose": "outside", "due": due, "approved_by": "L001"}
    r = post(app, "/api/v1/loans", body)
    assert (r.status_code, r.json()["rule"], r.json()["reason"]) == (403, "P13", "outside_needs_two")
    r = post(app, "/api/v1/loans", {**body, "with": "C001"})
    assert r.status_code == 200 and r.json()["outcomes"][0]["outcome"] == "checked_out"
    r = _checked(call(app, "GET", "/api/v1/people/C001/holdings"), "GET", "/api/v1/people/{code}/holdings")
    assert [(h["code"], h["as"]) for h in r.json()["holds"]] == [(code, "second")]
    r = post(app, "/api/v1/people/clearances", {"badge": "B001", "level": "confidential"})
    assert (r.status_code, r.json()["error"].startswith("张三持有高于秘密")) == (403, True)
    assert post(app, "/api/v1/loans", {**body, "purpose": "sideways"}).status_code == 400
    assert post(app, "/api/v1/loans", body, token=office.tokens["保密室"]).status_code == 403


def test_top_secret_is_refused_external(office, app):
    body = {
        "code": office.top,
        "to": "C001",
        "purpose": "external",
        "unit": "县财政局",
        "recipient": "王五",
        "due": (office.store.now() + timedelta(days=1)).isoformat(),
        "approved_by": "L001",
    }
    r = post(app, "/api/v1/loans", body)
    assert (r.status_code, r.json()["rule"], r.json()["reason"]) == (403, "P11", "top_secret_not_outside")


def test_departments_and_scopes(office, app):
    assert post(app, "/api/v1/departments", {"name": "办公室"}).status_code == 200
    assert post(app, "/api/v1/departments", {"name": "办公室"}).status_code == 409
    body = {"code": office.secret[1], "depts": ["办公室"], "badges": ["B002"], "by": "C001"}
    r = post(app, "/api/v1/scopes", body)
    assert r.status_code == 403
    r = post(app, "/api/v1/scopes", {**body, "by": "L001"})
    assert r.status_code == 200 and r.json()["scope"] == ["办公室", "B002"]
    r = post(app, "/api/v1/loans", {"code": office.secret[1], "to": "B001"})
    assert (r.status_code, r.json()["reason"]) == (403, "outside_scope")


def test_a_handover_lists_what_is_missing(office, app):
    body = {
        "station": "保密室",
        "from": "C001",
        "to": "C002",
        "supervisor": "L001",
        "seen": office.secret[:2],
    }
    r = post(app, "/api/v1/handovers", body)
    assert r.status_code == 403 and r.json()["rule"] == "P26"
    r = post(app, "/api/v1/handovers", {**body, "seen": [*office.secret, office.top]})
    assert r.status_code == 200 and r.json()["counted"] == 4
