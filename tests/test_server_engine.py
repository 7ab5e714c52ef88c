"""The service on granian as a real process: what reaches it malformed or slowly gets the one JSON
error shape or is dropped on a timeout, without starving the others; https served directly."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from conftest import Office, ServeProcess, new_id

from custody.cli.serve import _is_loopback


def raw_request(url: str, request: bytes, timeout: float = 10) -> bytes:
    """Send `request` as it is on a connection of its own; everything answered until it closes."""
    u = urlparse(url)
    with socket.create_connection((u.hostname, u.port), timeout=timeout) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


def status_and_body(answer: bytes) -> tuple[int, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize(
    "header",
    [
        b"Accept-Language: zh\xff\xfe-CN",
        b"Accept-Language: caf\xc3\xa9",
        b"Authorization: Bearer \xe4\xb8\xad\xff",
    ],
)
def test_bad_header_bytes_are_a_json_client_error_and_no_traceback(
    live_office: Office, serve_process: ServeProcess, header: bytes
) -> None:
    """Regression: a non-UTF-8 byte in Accept-Language or Authorization was a 500 and a logged
    traceback on waitress. granian hands such a value to the app as an empty string: an empty
    Accept-Language is refused (400); an empty Authorization is a missing token (401)."""
    serve_process.start()
    scans = live_office.counts()[1]
    body = b'{"code": "B001", "scan_id": "' + new_id().encode() + b'"}'
    answer = raw_request(
        serve_process.url,
        b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + header + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
    )
    status, text = status_and_body(answer)
    assert status == (401 if header.startswith(b"Authorization") else 400)
    assert set(json.loads(text)) == {"error"}
    assert live_office.counts()[1] == scans  # no scan recorded (the closing sweep may record events)
    assert serve_process.stop() == 0
    assert not any("Traceback" in line for line in serve_process.stderr_lines)


def test_an_oversized_body_is_the_json_413(live_office: Office, serve_process: ServeProcess) -> None:
    serve_process.start()
    c = serve_process.client(live_office.tokens["保密室"])
    r = c.post("/api/v1/scans", data=b"x" * (70 * 1024), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and set(r.json()) == {"error"}
    chunks = (b"x" * 1000 for _ in range(20))  # no Content-Length: read up to the limit, then refused
    r = c.post("/api/v1/scans", data=chunks, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and set(r.json()) == {"error"}
    assert c.scan("B001")["outcome"] == "badge"  # and the next request is served
    assert serve_process.stop() == 0


def idle_connections(url: str, count: int = 300) -> list[socket.socket]:
    """`count` connections to `url`: two in three have sent half a request, the others nothing."""
    u = urlparse(url)
    idle: list[socket.socket] = []
    for n in range(count):
        s = socket.create_connection((u.hostname, u.port), timeout=10)
        if n % 3:
            s.sendall(b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
        idle.append(s)
    return idle


def test_300_idle_and_half_sent_connections_do_not_starve_the_health_check(
    live_office: Office, serve_process: ServeProcess
) -> None:
    """Regression: 300 half-sent requests from one client stopped /api/v1/health answering (waitress).
    On granian a connection holds no Python thread until its headers are complete."""
    serve_process.start()
    idle = idle_connections(serve_process.url)
    try:
        started = time.monotonic()
        r = requests.get(serve_process.url + "/api/v1/health", timeout=5)
        assert r.status_code == 200 and time.monotonic() - started < 3
        c = serve_process.client(live_office.tokens["保密室"])
        assert c.scan("B001")["outcome"] == "badge"
    finally:
        for s in idle:
            s.close()
    assert serve_process.stop() == 0


@pytest.mark.slow
def test_idle_and_half_sent_connections_are_closed_after_the_header_timeout(
    live_office: Office, serve_process: ServeProcess
) -> None:
    from web.server import HEADER_SECONDS

    serve_process.start()
    idle = idle_connections(serve_process.url, 30)
    try:
        started = time.monotonic()
        for s in idle:
            s.settimeout(HEADER_SECONDS + 10)
            try:
                assert s.recv(1024) == b""
            except ConnectionResetError:
                pass
        assert HEADER_SECONDS - 1 < time.monotonic() - started < HEADER_SECONDS + 5
    finally:
        for s in idle:
            s.close()
    assert serve_process.stop() == 0


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made here (PEM files)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "custody test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_tls_is_served_directly(live_office: Office, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    serve = ServeProcess(
        live_office.home, args=["--tls-cert", str(cert), "--tls-key", str(key)], ca=str(cert)
    )
    try:
        url = serve.start()
        assert url.startswith("https://127.0.0.1:")
        c = serve.client(live_office.tokens["保密室"])
        # per request: REQUESTS_CA_BUNDLE in the environment would override the session's
        assert c.scan("B001", verify=str(cert))["outcome"] == "badge"
        with pytest.raises(requests.exceptions.SSLError):  # a client that does not know the certificate
            requests.get(url + "/api/v1/health", timeout=10)
        with pytest.raises((requests.ConnectionError, ssl.SSLError)):  # no plain http on the port
            requests.get(url.replace("https://", "http://") + "/api/v1/health", timeout=10)
        assert serve.stop() == 0
    finally:
        if serve.proc is not None and serve.proc.poll() is None:
            serve.proc.kill()
            serve.proc.wait(10)
    assert not any("note: listening" in line or "注意" in line for line in serve.stderr_lines)


@pytest.mark.parametrize(
    "host, loopback",
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("::", False),
    ],
)
def test_only_addresses_beyond_loopback_warn(host: str, loopback: bool) -> None:
    assert _is_loopback(host) is loopback


def test_serving_on_ipv6_loopback_does_not_warn(live_office: Office, serve_process: ServeProcess) -> None:
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    serve_process.args = ["--host", "[::1]"]
    url = serve_process.start()
    assert url.startswith("http://[::1]:")
    assert serve_process.stop() == 0
    assert not any("TLS" in line for line in serve_process.stderr_lines)


def test_the_agent_verifies_a_tls_service_with_its_ca(live_office: Office, tmp_path: Path) -> None:
    """Station tokens never cross the network in clear: the agent talks https to `serve --tls-cert` and
    checks the certificate against `--ca` (without it, an unknown certificate is refused)."""
    cert, key = self_signed(tmp_path)
    serve = ServeProcess(
        live_office.home, args=["--tls-cert", str(cert), "--tls-key", str(key)], ca=str(cert)
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    custody = str(Path(sys.executable).with_name("custody"))

    def agent(*extra: str, spool: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [custody, "--lang", "en", "agent", "--station", "保密室", "--server", url, "--emulate",
             "--token", live_office.tokens["保密室"], "--spool", str(tmp_path / spool), *extra,
             "--retry-initial", "0.1", "--retry-max", "0.2"],
            input="B001\n", capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    try:
        url = serve.start()
        trusted = agent("--ca", str(cert), spool="a.db")
        assert trusted.returncode == 0, trusted.stderr
        assert trusted.stdout.splitlines()[0].startswith("badge ")
        assert "--ca" in agent("--ca", str(tmp_path / "missing.pem"), spool="b.db").stderr
        assert serve.stop() == 0
    finally:
        if serve.proc is not None and serve.proc.poll() is None:
            serve.proc.kill()
            serve.proc.wait(10)
