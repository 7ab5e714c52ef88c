"""Late scans (an agent that was offline): processed in arrival order and judged by scan time;
one that conflicts with what happened since is recorded and listed, never silently applied."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import Office, kinds, scan

from custody.actions import core as actions
from custody.clock import FixedClock
from custody.ledger.verify import verify


@pytest.fixture(autouse=True)
def an_hour_later(office: Office, clock: FixedClock) -> None:
    """The office was set up (items received) an hour before these scans."""
    clock.advance(hours=1)


def test_a_spooled_burst_is_applied_in_order_with_its_own_session(office: Office, clock: FixedClock) -> None:
    t = clock.now() - timedelta(minutes=10)
    mark = office.last_seq()
    badge = scan(office, "B001", scanned_at=t)
    out = scan(office, office.secret[0], scanned_at=t + timedelta(seconds=5))
    assert badge["outcome"] == "badge" and out["outcome"] == "checked_out"
    assert "补传" in out["message"] and "09:50:05" in out["message"]  # shown in the office's time zone
    assert kinds(office.events_since(mark)) == ["checked_out"]
    assert office.store.m.Scan.get(office.store.m.Scan.scan_id == out["scan_id"]).late
    assert office.store.m.StationSession.get().last_scan_at == t + timedelta(seconds=5)
    # a live scan now: that session lapsed long ago (scan time, not arrival time, counts)
    assert scan(office, office.secret[1])["outcome"] == "refused"
    assert office.store.m.Scan.select().where(office.store.m.Scan.exception.is_null(False)).count() == 0
    assert verify(office.store).ok


def test_a_burst_judged_by_scan_time_lapses_inside_itself(office: Office, clock: FixedClock) -> None:
    t = clock.now() - timedelta(minutes=30)
    scan(office, "B001", scanned_at=t)
    a = scan(office, office.secret[0], scanned_at=t + timedelta(minutes=5))  # 5 min after the badge
    assert a["outcome"] == "refused" and "请先刷工作证" in a["message"]


def test_a_late_scan_after_newer_scans_at_the_station_is_an_exception(
    office: Office, clock: FixedClock
) -> None:
    scan(office, "B002")  # live: 李四's session now
    mark = office.last_seq()
    late = scan(office, "B001", scanned_at=clock.now() - timedelta(minutes=5))
    assert (
        late["outcome"] == "refused"
        and "列为异常" in late["message"]
        and "本站此后已有更新的扫描" in late["message"]
    )
    assert office.store.m.StationSession.get().person_id == office.people["li"].id  # not applied
    (e,) = office.events_since(mark)
    data = json.loads(e.data)
    assert e.kind == "refused" and data["reason"] == "late_conflict"
    assert data["params"]["conflict"] == "station_moved_on"
    row = office.store.m.Scan.get(office.store.m.Scan.scan_id == late["scan_id"])
    assert row.exception == "station_moved_on" and row.late


def test_a_late_scan_of_an_item_changed_elsewhere_since_is_an_exception(
    office: Office, clock: FixedClock
) -> None:
    start = clock.now()
    room = office.station("阅文室")
    actions.check_out(office.store, office.confidential[0], office.people["li"], room, actor="cli:test")
    # 09:10: 李四 hands it back at the reading room, whose agent is offline
    t = start + timedelta(minutes=10)
    # 09:20: meanwhile the custodian takes it in at the desk
    clock.set(start + timedelta(minutes=20))
    actions.return_item(office.store, office.confidential[0], room, actor="cli:custodian")
    # 09:30: the reading room's agent comes back and sends its spool
    clock.set(start + timedelta(minutes=30))
    assert scan(office, "B002", station="阅文室", scanned_at=t - timedelta(seconds=5))["outcome"] == "badge"
    mark = office.last_seq()
    late = scan(office, office.confidential[0], station="阅文室", scanned_at=t)
    assert late["outcome"] == "refused" and "此后已在别处变动" in late["message"]
    assert late["item"]["code"] == office.confidential[0]
    assert office.item(office.confidential[0]).status == "in"  # not lent to 李四 by a stale return
    (e,) = office.events_since(mark)
    assert json.loads(e.data)["params"]["conflict"] == "item_changed"
    assert office.store.m.Scan.get(office.store.m.Scan.scan_id == late["scan_id"]).exception == "item_changed"
    assert verify(office.store).ok


def test_a_burst_does_not_conflict_with_its_own_earlier_scans(office: Office, clock: FixedClock) -> None:
    t = clock.now() - timedelta(minutes=10)
    scan(office, "B001", scanned_at=t)
    scan(office, office.secret[0], scanned_at=t + timedelta(seconds=5))
    back = scan(office, office.secret[0], scanned_at=t + timedelta(seconds=30))
    assert back["outcome"] == "returned"
    assert office.store.m.Scan.select().where(office.store.m.Scan.exception.is_null(False)).count() == 0


def test_a_scan_a_little_behind_is_not_late(office: Office, clock: FixedClock) -> None:
    a = scan(office, "B001", scanned_at=clock.now() - timedelta(seconds=50))
    assert "补传" not in a["message"]
    assert not office.store.m.Scan.get(office.store.m.Scan.scan_id == a["scan_id"]).late
