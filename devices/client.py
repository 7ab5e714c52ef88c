"""The agent's HTTP side: posts scans and device events to the service.

HTTP only (the spool is SQL only); each answer is sorted into what the agent
does next: `delivered` (2xx), `retry` (no answer, 5xx, or a refusal that is
about this agent rather than this scan), `rejected` (any other 4xx: this scan
will never be accepted) or `unsupported` (the service has no events endpoint).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests

from devices.spool import EVENT, Entry

log = logging.getLogger(__name__)

DELIVERED, RETRY, REJECTED, UNSUPPORTED = "delivered", "retry", "rejected", "unsupported"

# 4xx answers that say nothing about the scan: a wrong or revoked token (401,
# 403), a wrong server URL (404 on the scan endpoint), timeouts and throttling.
# Resending later may succeed; rejecting would throw the scan away.
RETRY_STATUSES = frozenset({401, 403, 404, 408, 425, 429})

SCANS_PATH = "/api/v1/scans"
EVENTS_PATH = "/api/v1/stations/events"


@dataclass(frozen=True)
class Answer:
    verdict: str
    status: int | None
    body: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


class ServiceClient:
    """Talks to one service as one station (its bearer token)."""

    def __init__(
        self,
        server: str,
        token: str,
        *,
        timeout: tuple[float, float] = (3.05, 15.0),
        session: requests.Session | None = None,
        lang: str | None = None,
        ca: str | None = None,
    ) -> None:
        """`lang`: ask for the answers in this language (Accept-Language), else the service's setting.
        `ca`: a CA certificate file (PEM) that an https service's certificate must be signed by
        (`custody serve --tls-cert`); else the system's trusted roots."""
        self.server = server.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        if ca:
            self.session.verify = ca
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["User-Agent"] = "custody-agent"
        if lang:
            self.session.headers["Accept-Language"] = lang

    def deliver(self, entry: Entry) -> Answer:
        if entry.kind == EVENT:
            return self.post_event(entry.event or "", entry.device, entry.at)
        return self.post_scan(entry.code or "", entry.uid, entry.at)

    def post_scan(self, code: str, scan_id: str, scanned_at: str) -> Answer:
        return self._post(SCANS_PATH, {"code": code, "scan_id": scan_id, "scanned_at": scanned_at})

    def post_event(self, event: str, device: str, at: str) -> Answer:
        answer = self._post(EVENTS_PATH, {"event": event, "device": device, "at": at})
        if answer.status in (404, 405):
            return Answer(UNSUPPORTED, answer.status, answer.body, answer.reason)
        return answer

    def _post(self, path: str, body: dict[str, str]) -> Answer:
        try:
            response = self.session.post(self.server + path, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            return Answer(RETRY, None, reason=f"{type(exc).__name__}: {exc}")
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        status = response.status_code
        reason = str(data.get("error") or response.reason or "")
        if 200 <= status < 300:
            return Answer(DELIVERED, status, data)
        if status >= 500 or status in RETRY_STATUSES:
            return Answer(RETRY, status, data, reason)
        if 400 <= status < 500:
            return Answer(REJECTED, status, data, reason)
        return Answer(RETRY, status, data, reason or f"unexpected HTTP {status}")
