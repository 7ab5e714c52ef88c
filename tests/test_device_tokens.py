"""One token per scanner device (issue 15): added, listed, revoked on its own (a lost scanner) and
refused from the very next request while the station's other devices keep working; a device
token posts scans and reads nothing else; the upgrade from schema version 3 keeps each station's
token working; `custody station token …`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from auth_support import call
from conftest import Office

from custody.actions import stations
from custody.errors import Conflict, InvalidInput, NotFound
from custody.store import migrations
from custody.store.core import Store
from web.app import make_app

ROOT = Path(__file__).resolve().parent.parent


def scan(app, token: str, code: str = "B001") -> int:
    return call(
        app, "POST", "/api/v1/scans", token=token, body={"code": code, "scan_id": str(uuid.uuid4())}
    ).status


def test_each_device_has_its_own_token_revoked_on_its_own(office: Office) -> None:
    app = make_app(office.store)
    first = office.tokens["阅文室"]
    second = stations.add_device_token(office.store, "阅文室", "scanner-2", actor="test")
    assert scan(app, first) == 200 and scan(app, second) == 200
    assert [t.device for t in stations.list_device_tokens(office.store, "阅文室")] == ["default", "scanner-2"]
    with pytest.raises(Conflict):
        stations.add_device_token(office.store, "阅文室", "scanner-2", actor="test")
    with pytest.raises(InvalidInput):
        stations.add_device_token(office.store, "阅文室", "two words", actor="test")

    stations.revoke_device_token(office.store, "阅文室", "scanner-2", actor="test")
    assert scan(app, second) == 401  # at once: this process had kept it
    assert scan(app, first) == 200  # the station's other device keeps working
    assert [t.device for t in stations.list_device_tokens(office.store, "阅文室")] == ["default"]
    assert [
        t.revoked_at is not None for t in stations.list_device_tokens(office.store, "阅文室", revoked=True)
    ] == [
        False,
        True,
    ]
    with pytest.raises(NotFound):
        stations.revoke_device_token(office.store, "阅文室", "scanner-2", actor="test")
    again = stations.add_device_token(office.store, "阅文室", "scanner-2", actor="test")  # a new one
    assert scan(app, again) == 200 and scan(app, second) == 401

    m = office.store.m
    kinds = [
        e.kind for e in m.Event.select().where(m.Event.kind.startswith("device_token")).order_by(m.Event.seq)
    ]
    assert kinds[-3:] == ["device_token_added", "device_token_revoked", "device_token_added"]
    added = json.loads(
        m.Event.select().where(m.Event.kind == "device_token_added").order_by(m.Event.seq.desc()).get().data
    )
    assert added == {"device": "scanner-2", "token_hint": again[:6], "token_hash": stations.hash_token(again)}
    assert not any(again in e.data for e in m.Event.select())  # the token itself is never recorded


def test_a_scan_names_the_station_as_before(office: Office) -> None:
    app = make_app(office.store)
    second = stations.add_device_token(office.store, "保密室", "scanner-2", actor="test")
    assert scan(app, second, "B001") == 200
    assert scan(app, second, office.secret[0]) == 200
    m = office.store.m
    out = m.Event.select().where(m.Event.kind == "checked_out").order_by(m.Event.seq.desc()).get()
    assert out.actor == "station:保密室" and out.station == "保密室"


def test_a_device_token_reads_nothing_but_scans_and_its_own_display(office: Office) -> None:
    app = make_app(office.store)
    token = office.tokens["保密室"]
    for path in (
        "/api/v1/items",
        f"/api/v1/items/{office.secret[0]}",
        f"/api/v1/items/{office.secret[0]}/label.png",
        "/api/v1/out",
        "/api/v1/people",
        "/api/v1/stations",
        "/api/v1/scans/exceptions",
        "/api/v1/requests",
        "/api/v1/violations",
        "/api/v1/people/B001/holdings",
        "/api/v1/my/loans",
    ):
        r = call(app, "GET", path, token=token)
        assert r.status == 403 and "error" in r.json(), path
    assert scan(app, token) == 200
    event = {"event": "connected", "device": "/dev/custody/scanner-safe", "at": "2026-11-30T08:59:00+08:00"}
    assert call(app, "POST", "/api/v1/stations/events", token=token, body=event).status == 200
    # its own station's display, and no other's (when the pages are mounted)
    own = call(app, "GET", "/station/保密室/state", token=token)
    other = call(app, "GET", "/station/阅文室/state", token=token)
    if own.status != 404:
        assert own.status == 200 and other.status == 403
        assert "B001" not in own.text  # the display names people, never their badges


def test_the_upgrade_from_version_3_keeps_each_stations_token(tmp_path: Path) -> None:
    """Guards against an upgrade that cuts every scanner off: the token a station had before
    schema step 4 is its device `default`'s afterwards."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    from custody.store.db import open_database

    db = open_database(url)
    db.connect()
    for version in range(1, 4):
        with db.atomic():
            migrations.apply_step(db, version)
            db.execute_sql("DELETE FROM schema_info")
            db.execute_sql(f"INSERT INTO schema_info (version) VALUES ({version:d})")
    old_token = "old-token-" + "x" * 30
    db.execute_sql(
        "INSERT INTO station (name, kind, token_hash, token_hint, token_created_at, created_at) "
        "VALUES (?, 'safe', ?, 'old-to', '2026-01-01T00:00:00.000000+00:00', '2026-01-01T00:00:00.000000+00:00')",
        ("保密室", stations.hash_token(old_token)),
    )
    db.execute_sql(
        "INSERT INTO station (name, kind, created_at) VALUES ('阅文室', 'reading-room', '2026-01-01T00:00:00.000000+00:00')"
    )
    db.close()
    store = Store.open(url, create=True)
    try:
        assert migrations.current_version(store.db) == migrations.SCHEMA_VERSION
        found = stations.station_for_token(store, old_token)
        assert found is not None and found.name == "保密室"
        (row,) = stations.list_device_tokens(store, "保密室")
        assert (row.device, row.token_hint) == ("default", "old-to")
        assert stations.list_device_tokens(store, "阅文室") == []
        assert store.m.Station.get(store.m.Station.name == "保密室").token_hash is None  # kept in one place
        app = make_app(store)
        people = call(
            app,
            "POST",
            "/api/v1/stations/events",
            token=old_token,
            body={"event": "connected", "device": "x", "at": "2026-11-30T08:59:00+08:00"},
        )
        assert people.status == 200
    finally:
        store.close()


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from custody.cli.main import main\nmain()\n", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "CUSTODY_HOME": str(home)},
    )


def test_station_token_add_list_revoke_on_the_command_line(live_office: Office) -> None:
    home = live_office.home
    r = _cli(home, "station", "token", "add", "阅文室", "--device", "scanner-2", "--json")
    assert r.returncode == 0, r.stderr
    made = json.loads(r.stdout)
    assert made["station"] == "阅文室" and made["device"] == "scanner-2" and len(made["token"]) >= 40
    listed = json.loads(_cli(home, "station", "token", "list", "阅文室", "--json").stdout)
    assert [t["device"] for t in listed] == ["default", "scanner-2"]
    assert made["token"] not in json.dumps(listed) and listed[1]["token_hint"] == made["token"][:6] + "…"
    assert _cli(home, "station", "token", "revoke", "阅文室", "--device", "scanner-2").returncode == 0
    gone = _cli(home, "station", "token", "revoke", "阅文室", "--device", "scanner-2")
    assert gone.returncode == 1 and "scanner-2" in gone.stderr and "Traceback" not in gone.stderr
    assert stations.station_for_token(live_office.store, made["token"]) is None
    assert stations.station_for_token(live_office.store, live_office.tokens["阅文室"]).name == "阅文室"
