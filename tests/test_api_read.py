"""The read API: items (filtered, paginated), one item with its history, people, stations, what is out."""

from __future__ import annotations

from conftest import Service


def test_items_filtered_and_paginated(service: Service) -> None:
    o = service.office
    c = service.client()
    every = c.get("/api/v1/items").json()
    assert every["total"] == 6 and len(every["items"]) == 6 and every["next_offset"] is None
    page1 = c.get("/api/v1/items", limit=4).json()
    page2 = c.get("/api/v1/items", limit=4, offset=page1["next_offset"]).json()
    assert page1["next_offset"] == 4 and page2["next_offset"] is None
    assert [i["code"] for i in page1["items"] + page2["items"]] == [i["code"] for i in every["items"]]

    c.scan("B001")
    c.scan(o.secret[0])
    c.scan(o.secret[1])
    assert {i["code"] for i in c.get("/api/v1/items", status="out").json()["items"]} == set(o.secret[:2])
    assert c.get("/api/v1/items", status="借出").json()["total"] == 2  # Chinese names work too
    assert [i["code"] for i in c.get("/api/v1/items", level="top-secret").json()["items"]] == [o.top_secret]
    assert c.get("/api/v1/items", level="机密").json()["total"] == 3
    assert c.get("/api/v1/items", holder="B001").json()["total"] == 2
    assert c.get("/api/v1/items", holder="B002").json()["total"] == 0
    assert c.get("/api/v1/items", holder="NOBODY").json()["total"] == 0
    assert {i["code"] for i in c.get("/api/v1/items", station="阅文室").json()["items"]} == set(
        o.confidential
    )
    assert c.get("/api/v1/items", station="阅文室", status="out").json()["total"] == 0
    assert c.get("/api/v1/items", station="nowhere").json()["total"] == 0


def test_one_item_with_its_history(service: Service) -> None:
    o = service.office
    c = service.client()
    c.scan("B001")
    c.scan(o.secret[0])
    c.scan(o.secret[0])
    r = c.get(f"/api/v1/items/{o.secret[0]}")
    assert r.status_code == 200
    item = r.json()
    assert item["code"] == o.secret[0] and item["status"] == "in" and item["copy_no"] == "000001"
    assert [e["kind"] for e in item["history"]] == ["received", "checked_out", "returned"]
    assert item["history"][1]["at"].endswith("+08:00") and item["history"][1]["actor"] == "station:保密室"


def test_what_is_out_top_secret_first_then_longest_out(service: Service, clock) -> None:
    o = service.office
    c = service.client()
    assert c.get("/api/v1/out").json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
        "next_offset": None,
    }
    c.scan("C001")
    c.scan(o.secret[1])
    clock.advance(seconds=30)
    c.scan(o.secret[0])
    c.scan("L001")
    clock.advance(seconds=30)
    c.scan(o.top_secret)
    out = c.get("/api/v1/out").json()
    assert [i["code"] for i in out["items"]] == [o.top_secret, o.secret[1], o.secret[0]]
    assert out["items"][0]["holder"]["badge"] == "C001" and out["items"][0]["since"].endswith("+08:00")
    assert [i["code"] for i in c.get("/api/v1/out", limit=1, offset=1).json()["items"]] == [o.secret[1]]


def test_people(service: Service) -> None:
    c = service.client()
    page = c.get("/api/v1/people").json()
    assert page["total"] == 4
    assert page["people"][0] == {
        "name": "张三",
        "badge": "B001",
        "role": "staff",
        "clearance": "secret",
        "dept": "综合科",
        "active": True,
    }
    assert [p["badge"] for p in c.get("/api/v1/people", limit=2, offset=2).json()["people"]] == [
        "L001",
        "C001",
    ]


def test_stations_with_their_open_sessions(service: Service, clock) -> None:
    c = service.client("阅文室")
    c.scan("B002")
    stations = {s["name"]: s for s in c.get("/api/v1/stations").json()["stations"]}
    assert stations["保密室"] == {"name": "保密室", "kind": "safe", "session": None}
    session = stations["阅文室"]["session"]
    assert session["person"]["badge"] == "B002" and session["approver"] is None
    clock.advance(seconds=300)
    stations = {s["name"]: s for s in c.get("/api/v1/stations").json()["stations"]}
    assert stations["阅文室"]["session"] is None  # lapsed


def test_the_openapi_description_and_health_need_no_token(service: Service) -> None:
    import requests

    from custody.store.migrations import SCHEMA_VERSION

    assert requests.get(service.url + "/api/v1/openapi.json", timeout=10).json()["openapi"].startswith("3.")
    assert requests.get(service.url + "/api/v1/health", timeout=10).json() == {
        "status": "ok",
        "schema_version": SCHEMA_VERSION,
    }
