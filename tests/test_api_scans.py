"""POST /api/v1/scans through a real server on a free port: every outcome, with the ledger after it."""

from __future__ import annotations

import json
from datetime import timedelta

from conftest import Service, kinds, new_id

from custody.actions import core as actions
from custody.clock import FixedClock
from custody.ledger.verify import verify

ANSWER_KEYS = {"scan_id", "outcome", "message", "item", "person", "duplicate"}


def test_every_outcome_over_http_with_the_ledger_after_it(service: Service) -> None:
    o = service.office
    c = service.client()
    mark = o.last_seq()

    a = c.scan("B001")
    assert set(a) == ANSWER_KEYS and a["outcome"] == "badge" and a["duplicate"] is False
    assert a["person"] == {
        "name": "张三",
        "badge": "B001",
        "role": "staff",
        "clearance": "secret",
        "dept": "综合科",
    }

    b = c.scan(o.secret[0])
    assert (
        b["outcome"] == "checked_out"
        and b["item"]["status"] == "out"
        and b["item"]["holder"]["badge"] == "B001"
    )

    r = c.scan(o.secret[0])
    assert r["outcome"] == "returned" and r["item"]["status"] == "in" and r["item"]["holder"] is None

    refused = c.scan(o.top_secret)  # 张三 is cleared for secret only
    assert refused["outcome"] == "refused" and "许可级别" in refused["message"]

    unknown = c.scan("NO-SUCH-THING")
    assert unknown["outcome"] == "unknown" and unknown["item"] is None

    c.scan("C001")
    approved = c.scan("L001")
    assert approved["outcome"] == "approved" and approved["person"]["badge"] == "C001"
    assert "王主任" in approved["message"]
    top = c.scan(o.top_secret)
    assert top["outcome"] == "checked_out"

    command = c.scan("CMD-END")
    assert command["outcome"] == "command" and command["person"]["badge"] == "C001"

    events = o.events_since(mark)
    assert kinds(events) == ["checked_out", "returned", "refused", "session_approved", "checked_out"]
    assert [e.person for e in events] == [
        o.people["zhang"].id,
        o.people["zhang"].id,
        o.people["zhang"].id,
        o.people["zhao"].id,
        o.people["zhao"].id,
    ]
    assert json.loads(events[-1].data)["approver"] == o.people["wang"].id
    assert all(e.actor == "station:保密室" and e.station == "保密室" for e in events)
    # every scan is stored with its answer, the unknown one included
    m = o.store.m
    assert m.Scan.select().count() == 9
    assert json.loads(m.Scan.get(m.Scan.scan_id == unknown["scan_id"]).answer) == unknown
    assert verify(o.store).ok


def test_scan_without_a_badge_is_refused_with_the_reason(service: Service) -> None:
    o = service.office
    mark = o.last_seq()
    a = service.client().scan(o.secret[0])
    # the code alone: no title reaches a display nobody has signed in to (P23)
    assert a["outcome"] == "refused" and a["message"] == f"请先刷工作证，再扫物品（{o.secret[0]}）"
    assert a["item"] is None and a["person"] is None
    (e,) = o.events_since(mark)
    assert e.kind == "refused" and json.loads(e.data)["reason"] == "no_session"


def test_english_by_accept_language_and_by_setting(service: Service) -> None:
    o = service.office
    en = service.client(lang="en-GB,en;q=0.9,zh;q=0.5")
    assert en.scan("B001")["message"].startswith("张三: scan the items")
    zh = service.client(lang="zh-CN,zh;q=0.9,en;q=0.8")
    assert "请扫描" in zh.scan("B001")["message"]
    actions.set_setting(o.store, "language", "en", actor="test")
    plain = service.client()
    assert plain.scan(o.secret[0])["message"].startswith("张三 checked out the secret document")
    assert "请扫描" in service.client(lang="zh").scan("B001")["message"]


def test_session_lapses_over_http(service: Service, clock: FixedClock) -> None:
    o = service.office
    c = service.client()
    c.scan("B001")
    clock.advance(seconds=121)
    a = c.scan(o.secret[0])
    assert a["outcome"] == "refused" and a["person"] is None


def test_repeated_scan_id_over_http(service: Service) -> None:
    o = service.office
    c = service.client()
    c.scan("B001")
    sid = new_id()
    first = c.scan(o.secret[0], scan_id=sid)
    counts = o.counts()
    again = c.scan(o.secret[0], scan_id=sid.upper())  # the same UUID, spelt in capitals
    assert again == {**first, "duplicate": True}
    assert o.counts() == counts


def test_batch_endpoint(service: Service) -> None:
    o = service.office
    c = service.client()
    ids = [new_id() for _ in range(4)]
    body = {
        "scans": [{"code": "B001", "scan_id": ids[0]}]
        + [{"code": code, "scan_id": sid} for code, sid in zip(o.secret, ids[1:], strict=True)]
    }
    r = c.post("/api/v1/scans/batch", json=body)
    assert r.status_code == 200, r.text
    answers = r.json()["answers"]
    assert [a["outcome"] for a in answers] == ["badge", "checked_out", "checked_out", "checked_out"]
    assert [a["scan_id"] for a in answers] == ids
    again = c.post("/api/v1/scans/batch", json=body).json()["answers"]
    assert [a["duplicate"] for a in again] == [True] * 4
    m = o.store.m
    assert m.Event.select().where(m.Event.kind == "checked_out").count() == 3


def test_device_events_are_ledger_events(service: Service) -> None:
    o = service.office
    c = service.client("阅文室")
    mark = o.last_seq()
    for event in ("connected", "disconnected"):
        r = c.post(
            "/api/v1/stations/events",
            json={"event": event, "device": "/dev/custody/scanner-room", "at": "2026-11-30T09:01:02+08:00"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["event"] == event and r.json()["at"] == "2026-11-30T09:01:02+08:00"
    events = o.events_since(mark)
    assert kinds(events) == ["device_connected", "device_disconnected"]
    assert events[0].station == "阅文室" and json.loads(events[0].data) == {
        "device": "/dev/custody/scanner-room",
        "at": "2026-11-30T01:01:02+00:00",
    }
    assert verify(o.store).ok


def test_late_scans_over_http_and_the_exceptions_list(service: Service, clock: FixedClock) -> None:
    o = service.office
    clock.advance(hours=1)
    c = service.client()
    c.scan("B002")
    late = c.scan("B001", scanned_at=clock.now() - timedelta(minutes=5))
    assert late["outcome"] == "refused"
    r = c.get("/api/v1/scans/exceptions")
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 1
    (x,) = page["exceptions"]
    assert (
        x["scan_id"] == late["scan_id"] and x["exception"] == "station_moved_on" and x["station"] == "保密室"
    )
    assert x["code"] == "B001" and x["message"] == late["message"] and x["item"] is None
    assert o.counts()[1] == 2
