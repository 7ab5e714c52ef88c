"""Bad input never gets a traceback, a 5xx or a half-written transaction: 401, 400, 404, 405, 409 and
413, always as {"error": "…"} (except the server's own 413 beyond its hard limit), with nothing stored."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import requests
from conftest import Client, Service, new_id

from custody.actions import core as actions


def assert_error(r: requests.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert list(body) == ["error"] and isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in r.text
    return body["error"]


@pytest.fixture
def c(service: Service) -> Client:
    return service.client()


def scan_body() -> dict:
    return {"code": "B001", "scan_id": new_id()}


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 300, "Token abc"],
)
def test_missing_or_wrong_token_is_401_and_stores_nothing(service: Service, header: str | None) -> None:
    counts = service.office.counts()
    headers = {"Authorization": header} if header is not None else {}
    r = requests.post(service.url + "/api/v1/scans", json=scan_body(), headers=headers, timeout=10)
    assert_error(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert service.office.counts() == counts


def test_revoked_and_rotated_tokens_are_401(service: Service) -> None:
    o = service.office
    old = service.client()
    assert old.post_scan("B001").status_code == 200
    new_token = actions.rotate_token(o.store, "保密室", actor="test")
    counts = o.counts()
    assert_error(old.post_scan("B001"), 401)
    assert o.counts() == counts
    fresh = Client(service.url, new_token)
    assert fresh.post_scan("B001").status_code == 200
    actions.revoke_token(o.store, "保密室", actor="test")
    counts = o.counts()
    assert_error(fresh.post_scan("B001"), 401)
    assert_error(fresh.get("/api/v1/items"), 401)
    assert o.counts() == counts


def test_reads_need_a_token(service: Service) -> None:
    for path in (
        "/api/v1/items",
        "/api/v1/people",
        "/api/v1/stations",
        "/api/v1/out",
        "/api/v1/scans/exceptions",
        f"/api/v1/items/{service.office.secret[0]}",
    ):
        assert_error(requests.get(service.url + path, timeout=10), 401)
    assert requests.get(service.url + "/api/v1/health", timeout=10).status_code == 200


BAD_BODIES = {
    "not json": b"{code: B001}",
    "empty": b"",
    "a list": b"[]",
    "a string": b'"B001"',
    "not utf-8": b'{"code": "\xff\xfe", "scan_id": "0f8e3a52-4c1d-4a57-9a6b-2f1d3c4b5a69"}',
    "deeply nested": b"[" * 5000 + b"]" * 5000,
    "NaN": b'{"code": NaN, "scan_id": "0f8e3a52-4c1d-4a57-9a6b-2f1d3c4b5a69"}',
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_malformed_bodies_are_400(c: Client, service: Service, name: str) -> None:
    counts = service.office.counts()
    assert_error(
        c.post("/api/v1/scans", data=BAD_BODIES[name], headers={"Content-Type": "application/json"}), 400
    )
    assert service.office.counts() == counts


SID = "0f8e3a52-4c1d-4a57-9a6b-2f1d3c4b5a69"
BAD_SCANS = {
    "no code": {"scan_id": SID},
    "no scan_id": {"code": "B001"},
    "code null": {"code": None, "scan_id": SID},
    "code a number": {"code": 123456789012, "scan_id": SID},
    "code empty": {"code": "", "scan_id": SID},
    "code blank": {"code": "   ", "scan_id": SID},
    "code too long": {"code": "A" * 129, "scan_id": SID},
    "code with a newline": {"code": "B001\n", "scan_id": SID},
    "code with NUL": {"code": "B\u0000001", "scan_id": SID},
    "code not ascii": {"code": "工作证001", "scan_id": SID},
    "scan_id not a uuid": {"code": "B001", "scan_id": "scan-1"},
    "scan_id too long": {"code": "B001", "scan_id": SID + "0"},
    "scan_id a number": {"code": "B001", "scan_id": 42},
    "scanned_at not iso": {"code": "B001", "scan_id": SID, "scanned_at": "yesterday"},
    "scanned_at no offset": {"code": "B001", "scan_id": SID, "scanned_at": "2026-11-30T09:15:00"},
    "scanned_at date only": {"code": "B001", "scan_id": SID, "scanned_at": "2026-11-30"},
    "scanned_at impossible day": {"code": "B001", "scan_id": SID, "scanned_at": "2026-02-30T09:15:00+08:00"},
    "scanned_at before 2000": {"code": "B001", "scan_id": SID, "scanned_at": "1999-12-31T23:59:59Z"},
    "scanned_at overflows": {"code": "B001", "scan_id": SID, "scanned_at": "9999-12-31T23:59:59-23:59"},
    "scanned_at a number": {"code": "B001", "scan_id": SID, "scanned_at": 1764464100},
    "scanned_at too long": {
        "code": "B001",
        "scan_id": SID,
        "scanned_at": "2026-11-30T09:15:00" + "0" * 60 + "Z",
    },
}


@pytest.mark.parametrize("name", list(BAD_SCANS))
def test_invalid_fields_are_400_naming_the_field(c: Client, service: Service, name: str) -> None:
    counts = service.office.counts()
    message = assert_error(c.post("/api/v1/scans", json=BAD_SCANS[name]), 400)
    field = "scanned_at" if "scanned_at" in name else ("scan_id" if "scan_id" in name else "code")
    assert field in message
    assert service.office.counts() == counts


def test_errors_in_english_on_request(service: Service) -> None:
    en = service.client(lang="en")
    assert assert_error(en.post("/api/v1/scans", json={"code": "B001", "scan_id": "x"}), 400).startswith(
        "the field scan_id must be a UUID"
    )


def test_a_batch_with_one_bad_scan_stores_none_of_it(c: Client, service: Service) -> None:
    counts = service.office.counts()
    body = {"scans": [scan_body(), {"code": "B001", "scan_id": "nope"}]}
    assert_error(c.post("/api/v1/scans/batch", json=body), 400)
    for bad in ({"scans": []}, {"scans": "B001"}, {}, {"scans": [scan_body() for _ in range(101)]}):
        assert_error(c.post("/api/v1/scans/batch", json=bad), 400)
    assert service.office.counts() == counts


@pytest.mark.parametrize(
    "body",
    [
        {"event": "exploded", "device": "/dev/x", "at": "2026-11-30T09:00:00Z"},
        {"event": "connected", "device": "", "at": "2026-11-30T09:00:00Z"},
        {"event": "connected", "device": "/dev/x"},
        {"event": "connected", "device": "/dev/x", "at": "soon"},
        {"event": "connected", "device": "x" * 201, "at": "2026-11-30T09:00:00Z"},
    ],
)
def test_bad_device_events_are_400(c: Client, service: Service, body: dict) -> None:
    counts = service.office.counts()
    assert_error(c.post("/api/v1/stations/events", json=body), 400)
    assert service.office.counts() == counts


def test_scan_id_of_another_station_is_409(service: Service) -> None:
    sid = new_id()
    assert service.client("保密室").post_scan("B001", sid).status_code == 200
    counts = service.office.counts()
    assert "其他站点" in assert_error(service.client("阅文室").post_scan("B001", sid), 409)
    assert service.office.counts() == counts


def test_body_over_16_kib_is_413_json(c: Client, service: Service) -> None:
    counts = service.office.counts()
    padded = {**scan_body(), "padding": "x" * 17000}
    assert_error(c.post("/api/v1/scans", json=padded), 413)
    assert service.office.counts() == counts


def test_chunked_body_over_16_kib_is_413(c: Client, service: Service) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"code": "B001", "scan_id": "' + new_id().encode() + b'", "padding": "'
        for _ in range(20):
            yield b"x" * 1000
        yield b'"}'

    assert_error(c.post("/api/v1/scans", data=chunks(), headers={"Content-Type": "application/json"}), 413)
    assert service.office.counts()[1] == 0


def test_body_beyond_the_servers_hard_limit_is_413(c: Client) -> None:
    """Far over the body limit: still the 413, never read whole."""
    r = c.post("/api/v1/scans", data=b"x" * (70 * 1024), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_unknown_paths_and_methods_answer_in_the_one_error_shape(c: Client, service: Service) -> None:
    assert_error(c.get("/api/v1/nothing-here"), 404)
    assert_error(c.get("/api/nothing-here"), 404)  # (`/` is the dashboard page since issue 15)
    assert_error(c.http.delete(service.url + "/api/v1/scans", timeout=10), 405)
    assert_error(c.http.put(service.url + "/api/v1/items", timeout=10), 405)


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "ten"},
        {"offset": "-1"},
        {"status": "borrowed"},
        {"level": "cosmic"},
        {"holder": "B\u0001"},
    ],
)
def test_bad_query_parameters_are_400(c: Client, query: dict) -> None:
    assert_error(c.get("/api/v1/items", **query), 400)


def test_item_codes_that_cannot_exist(c: Client) -> None:
    assert_error(c.get("/api/v1/items/123"), 400)
    assert_error(c.get("/api/v1/items/000000000000"), 404)


def test_a_garbage_request_line_does_not_hurt_the_server(service: Service, c: Client) -> None:
    u = urlparse(service.url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n")
        s.recv(4096)
    assert c.post_scan("B001").status_code == 200


def test_a_header_flood_is_refused(service: Service) -> None:
    r = requests.get(service.url + "/api/v1/health", headers={"X-Junk": "y" * 20000}, timeout=10)
    assert r.status_code in (400, 431)
