"""The closing-time command codes against the real custody.inventory and custody.closing: a count
started, fed and closed by scans; the safe closed and checked by a second badge; refusals recorded."""

from __future__ import annotations

import json

from conftest import Office, kinds, scan

from custody.ledger.verify import verify


def test_a_count_by_scans(office: Office) -> None:
    scan(office, "C001")
    start = scan(office, "CMD-COUNT-START")
    assert start["outcome"] == "command" and start["person"]["badge"] == "C001"
    count = office.store.m.InventoryCount.get()
    assert count.open_key is not None and count.expected_count == 4  # three secret, one top secret
    mark = office.last_seq()
    seen = [scan(office, code) for code in (*office.secret[:2], office.confidential[0], "STRAY-LABEL")]
    assert [a["outcome"] for a in seen] == ["inventory_seen"] * 4
    assert seen[0]["item"]["code"] == office.secret[0] and seen[0]["item"]["status"] == "in"
    assert "阅文室" in seen[2]["message"]  # misplaced: its home is the reading room
    assert seen[3]["item"] is None
    assert kinds(office.events_since(mark)) == ["inventory_seen"] * 4
    assert {s.key for s in office.store.m.InventorySeen.select()} == {
        *office.secret[:2],
        office.confidential[0],
        "STRAY-LABEL",
    }
    end = scan(office, "CMD-COUNT-END")
    assert end["outcome"] == "command" and "缺失 2" in end["message"]
    assert office.store.m.InventoryCount.get().open_key is None
    # counting is over: the same scan lends again
    assert scan(office, office.secret[0])["outcome"] == "checked_out"
    assert verify(office.store).ok


def test_count_commands_refused_with_the_reason(office: Office) -> None:
    scan(office, "B001")  # staff may not count
    mark = office.last_seq()
    refused = scan(office, "CMD-COUNT-START")
    assert refused["outcome"] == "refused" and refused["person"]["badge"] == "B001"
    (e,) = office.events_since(mark)
    assert e.kind == "refused" and json.loads(e.data)["reason"] == "count_start_not_allowed"
    scan(office, "C001")
    mark = office.last_seq()
    nothing_open = scan(office, "CMD-COUNT-END")
    assert nothing_open["outcome"] == "refused" and "没有正在进行的清点" in nothing_open["message"]
    (e,) = office.events_since(mark)
    assert json.loads(e.data)["reason"] == "command_refused"
    assert office.store.m.InventoryCount.select().count() == 0


def test_close_safe_and_the_second_badge(office: Office) -> None:
    scan(office, "B001")
    scan(office, office.secret[0])
    scan(office, "C001")
    closed = scan(office, "CMD-CLOSE-SAFE")
    assert closed["outcome"] == "command" and "仍有1件未归还" in closed["message"]
    checked = scan(office, "L001")  # the second person: a check, not an approval of the session
    assert checked["outcome"] == "command" and "复核" in checked["message"]
    check = office.store.m.ClosingCheck.get()
    assert check.closed_by_id == office.people["zhao"].id and check.checker_id == office.people["wang"].id
    assert scan(office, "L001")["outcome"] == "approved"  # nothing awaits a second badge any more
    assert verify(office.store).ok


def test_close_safe_by_staff_is_refused_and_recorded(office: Office) -> None:
    scan(office, "B002")
    mark = office.last_seq()
    a = scan(office, "CMD-CLOSE-SAFE")
    assert a["outcome"] == "refused" and "不能关闭" in a["message"]
    assert json.loads(office.events_since(mark)[0].data)["reason"] == "close_safe_not_allowed"
    assert office.store.m.ClosingCheck.select().count() == 0
