"""A local receiver that implements exactly the scan API's idempotency contract.

Used by the agent and emulator tests in place of the real service: it
records each new `scan_id` once, answers a repeated one with the first answer
and `"duplicate": true`, and can be stopped, started again on the same port,
made to fail with 500, made to lose the answer of a recorded scan, or made to
hold one answer until released (to kill an agent while a request is in
flight). The tests at the bottom check the receiver itself against the
contract, so a wrong fake cannot make the agent tests pass.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

TOKEN = "test-station-token"
MAX_BODY = 4096


class Receiver:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = 0
        self.lock = threading.Lock()
        self.scans: list[dict[str, Any]] = []
        self.answers: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.duplicates = 0
        self.requests = 0
        self.fail_status: int | None = None  # answer this, record nothing
        self.lose_answers = 0  # record, then answer 500 (the answer is lost)
        self.events_status = 200  # 404: an older service without the events endpoint
        self.outcomes: dict[str, tuple[str, str]] = {}
        self.rejects: dict[str, tuple[int, str]] = {}
        self.hold_at: int | None = None  # hold the answer to the Nth recorded scan
        self.held = threading.Event()
        self.release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def codes(self) -> list[str]:
        with self.lock:
            return [scan["code"] for scan in self.scans]

    def start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join()
            self._server = None

    # the contract ------------------------------------------------------------

    def handle_scan(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        code, scan_id = body.get("code"), body.get("scan_id")
        if not isinstance(code, str) or not code or not isinstance(scan_id, str) or not scan_id:
            return 400, {"error": "code and scan_id are required"}
        if "scanned_at" in body and not isinstance(body["scanned_at"], str):
            return 400, {"error": "scanned_at must be an ISO 8601 string"}
        hold = False
        with self.lock:
            if self.fail_status is not None:
                return self.fail_status, {"error": "failing on purpose"}
            if scan_id in self.answers:
                self.duplicates += 1
                return 200, {**self.answers[scan_id], "duplicate": True}
            if code in self.rejects:
                status, error = self.rejects[code]
                return status, {"error": error}
            outcome, message = self.outcomes.get(code, ("unknown", f"未登记的编码 {code}"))
            answer = {
                "scan_id": scan_id,
                "outcome": outcome,
                "message": message,
                "item": None,
                "person": None,
                "duplicate": False,
            }
            self.scans.append(dict(body))
            self.answers[scan_id] = answer
            if self.lose_answers > 0:
                self.lose_answers -= 1
                return 500, {"error": "answer lost after recording"}
            if self.hold_at is not None and len(self.scans) == self.hold_at:
                hold = True
        if hold:
            self.held.set()
            self.release.wait(30)
        return 200, answer

    def handle_event(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.events_status == 404:
            return 404, {"error": "not found"}
        if (
            body.get("event") not in ("connected", "disconnected")
            or not body.get("device")
            or not body.get("at")
        ):
            return 400, {"error": "event, device and at are required"}
        with self.lock:
            self.events.append(dict(body))
        return 200, {"ok": True}


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            with receiver.lock:
                receiver.requests += 1
            routes = {"/api/v1/scans": receiver.handle_scan, "/api/v1/stations/events": receiver.handle_event}
            route = routes.get(self.path)
            if route is None:
                return self._send(404, {"error": "not found"})
            if self.headers.get("Authorization") != f"Bearer {receiver.token}":
                return self._send(401, {"error": "missing or wrong token"})
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._send(413, {"error": "body too large"})
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                return self._send(400, {"error": "body is not JSON"})
            if not isinstance(body, dict):
                return self._send(400, {"error": "body must be an object"})
            self._send(*route(body))

        def _send(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client went away (an agent killed mid-request)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rx = Receiver()
    rx.start()
    try:
        yield rx
    finally:
        rx.release.set()
        rx.stop()


# the receiver itself honours the contract ----------------------------------------


def _post(rx: Receiver, body: Any, token: str = TOKEN) -> requests.Response:
    return requests.post(
        f"{rx.url}/api/v1/scans", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )


def test_receiver_records_a_scan_once_and_answers_repeats_as_duplicates(receiver: Receiver) -> None:
    first = _post(receiver, {"code": "A1", "scan_id": "s-1", "scanned_at": "2024-05-01T09:00:00+08:00"})
    again = _post(receiver, {"code": "A1", "scan_id": "s-1"})
    assert first.status_code == again.status_code == 200
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    assert {k: v for k, v in again.json().items() if k != "duplicate"} == {
        k: v for k, v in first.json().items() if k != "duplicate"
    }
    assert receiver.codes() == ["A1"] and receiver.duplicates == 1


def test_receiver_refuses_bad_tokens_and_bodies(receiver: Receiver) -> None:
    assert _post(receiver, {"code": "A1", "scan_id": "s-1"}, token="wrong").status_code == 401
    assert _post(receiver, {"code": "A1"}).status_code == 400
    assert _post(receiver, ["not", "an", "object"]).status_code == 400
    assert _post(receiver, {"code": "A" * 5000, "scan_id": "s-2"}).status_code == 413
    assert receiver.codes() == []


def test_receiver_keeps_its_records_across_a_restart_on_the_same_port(receiver: Receiver) -> None:
    _post(receiver, {"code": "A1", "scan_id": "s-1"})
    port = receiver.port
    receiver.stop()
    with pytest.raises(requests.ConnectionError):
        _post(receiver, {"code": "A2", "scan_id": "s-2"})
    receiver.start()
    assert receiver.port == port
    assert _post(receiver, {"code": "A1", "scan_id": "s-1"}).json()["duplicate"] is True
    assert receiver.codes() == ["A1"]


def test_receiver_failing_with_500_records_nothing(receiver: Receiver) -> None:
    receiver.fail_status = 500
    assert _post(receiver, {"code": "A1", "scan_id": "s-1"}).status_code == 500
    receiver.fail_status = None
    assert _post(receiver, {"code": "A1", "scan_id": "s-1"}).json()["duplicate"] is False
    assert receiver.codes() == ["A1"]
