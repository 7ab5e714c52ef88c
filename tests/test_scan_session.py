"""Station sessions, decided in the domain (custody.scan) on a fixed clock: badge, approval,
check-out, return, refusals, lapse, and what each leaves in the ledger."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import Office, kinds, new_id, scan

from custody import settings
from custody.actions import core as actions
from custody.clock import FixedClock
from custody.ledger.verify import verify
from custody.scan.state import ScanIdTaken
from custody.scan.station import ScanInput, submit_batch


def test_badge_then_item_checks_out_to_the_session_person(office: Office) -> None:
    mark = office.last_seq()
    a = scan(office, "B001")
    assert a["outcome"] == "badge" and a["person"]["badge"] == "B001" and "张三" in a["message"]
    b = scan(office, office.secret[0])
    assert b["outcome"] == "checked_out"
    assert b["item"]["status"] == "out" and b["item"]["holder"]["badge"] == "B001"
    assert b["person"]["badge"] == "B001"
    events = office.events_since(mark)
    assert kinds(events) == ["checked_out"]  # a badge opens a session; it is no custody event
    assert events[0].person == office.people["zhang"].id and events[0].station == "保密室"
    assert events[0].actor == "station:保密室"
    row = office.store.m.Scan.get(office.store.m.Scan.scan_id == b["scan_id"])
    assert row.event_seq == events[0].seq and json.loads(row.answer) == b
    assert verify(office.store).ok


def test_item_without_a_badge_is_refused_and_recorded(office: Office) -> None:
    mark = office.last_seq()
    a = scan(office, office.secret[0])
    assert a["outcome"] == "refused" and a["person"] is None
    assert "请先刷工作证" in a["message"] and office.secret[0] in a["message"]
    (e,) = office.events_since(mark)
    assert e.kind == "refused" and json.loads(e.data)["reason"] == "no_session" and e.item == office.secret[0]
    assert office.item(office.secret[0]).status == "in"


def test_refusal_in_a_session_names_person_item_and_reason(office: Office) -> None:
    scan(office, "B002")  # 李四, clearance confidential
    mark = office.last_seq()
    a = scan(office, office.secret[0])
    assert a["outcome"] == "refused"
    assert a["message"] == f"李四的许可级别为秘密，不能借阅机密文件“年度工作要点”（{office.secret[0]}）"
    (e,) = office.events_since(mark)
    assert json.loads(e.data)["reason"] == "clearance_too_low" and e.person == office.people["li"].id


def test_session_lapses_after_the_timeout_setting(office: Office, clock: FixedClock) -> None:
    actions.set_setting(office.store, "session_timeout_seconds", 30, actor="test")
    scan(office, "B001")
    clock.advance(seconds=30)
    assert scan(office, office.secret[0])["outcome"] == "checked_out"  # 30 s after the last scan: still open
    clock.advance(seconds=31)
    a = scan(office, office.secret[1])
    assert a["outcome"] == "refused" and a["person"] is None and "请先刷工作证" in a["message"]


def test_each_scan_keeps_the_session_alive(office: Office, clock: FixedClock) -> None:
    scan(office, "B001")
    for code in office.secret:
        clock.advance(seconds=100)
        assert scan(office, code)["outcome"] == "checked_out"
    assert office.store.m.StationSession.get().last_scan_at == clock.now()


def test_another_badge_replaces_the_session(office: Office) -> None:
    scan(office, "B001")
    a = scan(office, "B002")
    assert a["outcome"] == "badge" and a["person"]["badge"] == "B002"
    b = scan(office, office.secret[0])
    assert b["outcome"] == "refused" and b["person"]["badge"] == "B002"  # 李四's session now, not 张三's


def test_the_same_badge_again_continues_the_session(office: Office) -> None:
    scan(office, "B001")
    uid = office.store.m.StationSession.get().uid
    a = scan(office, "B001")
    assert a["outcome"] == "badge" and "会话继续" in a["message"]
    assert office.store.m.StationSession.get().uid == uid


def test_rfid_fob_opens_a_session_in_either_form(office: Office) -> None:
    assert scan(office, "010063E9AE")["person"]["badge"] == "C001"
    assert scan(office, "0006547886")["person"]["badge"] == "C001"  # the decimal number printed on the fob


def test_sessions_are_per_station(office: Office) -> None:
    scan(office, "B001", station="保密室")
    a = scan(office, office.confidential[0], station="阅文室")
    assert a["outcome"] == "refused" and a["person"] is None


def test_top_secret_needs_a_leader_in_the_session(office: Office) -> None:
    scan(office, "C001")  # the custodian, cleared for top secret
    refused = scan(office, office.top_secret)
    assert refused["outcome"] == "refused" and "领导批准" in refused["message"]
    mark = office.last_seq()
    approved = scan(office, "L001")
    assert approved["outcome"] == "approved"
    assert approved["person"]["badge"] == "C001"  # the session's person
    assert "王主任" in approved["message"] and "赵保密员" in approved["message"]  # names the approver
    out = scan(office, office.top_secret)
    assert out["outcome"] == "checked_out" and out["item"]["holder"]["badge"] == "C001"
    approval, checkout = office.events_since(mark)
    assert approval.kind == "session_approved" and json.loads(approval.data) == {
        "approver": office.people["wang"].id
    }
    assert (
        checkout.kind == "checked_out" and json.loads(checkout.data)["approver"] == office.people["wang"].id
    )
    assert office.store.m.StationSession.get().approver_id == office.people["wang"].id
    assert verify(office.store).ok


def test_a_leaders_badge_with_no_session_opens_their_own(office: Office) -> None:
    a = scan(office, "L001")
    assert a["outcome"] == "badge" and a["person"]["badge"] == "L001"


def test_approval_ends_with_the_session(office: Office) -> None:
    scan(office, "C001")
    scan(office, "L001")
    scan(office, "B001")  # a non-approving badge: a new session, without the approval
    scan(office, "C001")
    assert scan(office, office.top_secret)["outcome"] == "refused"


def test_item_that_is_out_is_returned_without_a_session(office: Office) -> None:
    scan(office, "B001")
    scan(office, office.secret[0])
    scan(office, "CMD-END")
    mark = office.last_seq()
    a = scan(office, office.secret[0])
    # no session: the code alone, neither the title nor the holder reach the display (P23)
    assert a["outcome"] == "returned" and a["item"] is None and a["person"] is None
    assert a["message"] == f"{office.secret[0]}已归还" and office.item(office.secret[0]).status == "in"
    (e,) = office.events_since(mark)
    assert e.kind == "returned" and json.loads(e.data) == {"presented_by": None, "flags": []}


def test_return_presented_by_someone_else_is_accepted_and_flagged(office: Office) -> None:
    scan(office, "B001")
    scan(office, office.secret[0])
    scan(office, "B002")  # 李四 brings it back
    mark = office.last_seq()
    a = scan(office, office.secret[0])
    assert a["outcome"] == "returned" and "不得代转" in a["message"] and "李四" in a["message"]
    (e,) = office.events_since(mark)
    data = json.loads(e.data)
    assert data["flags"] == ["returned_by_other"] and data["presented_by"] == office.people["li"].id
    assert e.person == office.people["zhang"].id


def test_return_at_another_station_is_flagged(office: Office) -> None:
    scan(office, "B001")
    scan(office, office.secret[0])
    a = scan(office, office.secret[0], station="阅文室")
    assert a["outcome"] == "returned" and office.item(office.secret[0]).location.name == "阅文室"
    assert "应存放于" in a["message"] and "年度工作要点" not in a["message"]  # no session there: no title


def test_unknown_code_is_stored_but_is_no_custody_event(office: Office) -> None:
    mark = office.last_seq()
    a = scan(office, "XYZ-NOT-A-CODE")
    assert a["outcome"] == "unknown" and a["item"] is None and "XYZ-NOT-A-CODE" in a["message"]
    assert office.events_since(mark) == []
    assert office.store.m.Scan.get(office.store.m.Scan.scan_id == a["scan_id"]).outcome == "unknown"


def test_item_code_with_a_wrong_check_digit_is_refused_as_mistyped(office: Office) -> None:
    good = office.secret[0]
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    mark = office.last_seq()
    a = scan(office, bad)
    assert a["outcome"] == "refused" and "校验位" in a["message"]
    (e,) = office.events_since(mark)
    assert json.loads(e.data)["reason"] == "mistyped"


def test_destroyed_or_lost_item_is_not_lent(office: Office) -> None:

    office.store.m.Item.update(status="lost").where(office.store.m.Item.code == office.secret[2]).execute()
    a = scan(office, office.secret[2])
    assert a["outcome"] == "refused" and "不能借出" in a["message"] and office.secret[2] in a["message"]
    scan(office, "B001")
    assert scan(office, office.secret[2])["outcome"] == "refused"


def test_english_on_request(office: Office) -> None:
    """Station answers are given in the `language` setting (no `store.lang` any more)."""
    from custody.actions import core as actions

    actions.set_setting(office.store, "language", "en", actor="test")
    a = scan(office, "B001")
    assert a["message"].startswith("张三: scan the items")
    b = scan(office, office.secret[0])
    assert b["message"] == f"张三 checked out the secret document “年度工作要点” ({office.secret[0]})"


def test_session_timeout_is_named_in_the_badge_message(office: Office) -> None:
    actions.set_setting(office.store, "session_timeout_seconds", 45, actor="test")
    assert "45秒" in scan(office, "B001")["message"]
    assert settings.get(office.store, "session_timeout_seconds") == 45


# --- idempotency ---------------------------------------------------------------------


def test_a_repeated_scan_id_answers_the_stored_answer_and_records_nothing(office: Office) -> None:
    scan(office, "B001")
    sid = new_id()
    first = scan(office, office.secret[0], scan_id=sid)
    counts = office.counts()
    again = scan(office, office.secret[0], scan_id=sid)
    assert again == {**first, "duplicate": True}
    assert office.counts() == counts
    assert office.item(office.secret[0]).status == "out"  # not returned by the repeat


def test_a_scan_id_of_another_station_is_refused(office: Office) -> None:
    sid = new_id()
    scan(office, "B001", scan_id=sid)
    with pytest.raises(ScanIdTaken):
        scan(office, "B001", station="阅文室", scan_id=sid)


def test_batch_answers_in_order_and_a_repeat_inside_is_a_duplicate(office: Office) -> None:
    sid = new_id()
    scans = [
        ScanInput("B001", new_id()),
        ScanInput(office.secret[0], sid),
        ScanInput(office.secret[0], sid),
        ScanInput(office.secret[1], new_id()),
    ]
    answers = submit_batch(office.store, office.station("保密室"), scans)
    assert [a["outcome"] for a in answers] == ["badge", "checked_out", "checked_out", "checked_out"]
    assert [a["duplicate"] for a in answers] == [False, False, True, False]
    assert office.store.m.Scan.select().count() == 3


def test_a_failing_scan_leaves_nothing_half_written(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression guard: an error after the check-out event must roll back the event with the scan."""
    scan(office, "B001")
    counts = office.counts()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    import custody.scan.station as scan_module

    monkeypatch.setattr(scan_module.shapes, "item_json", broken)
    with pytest.raises(RuntimeError):
        scan(office, office.secret[0])
    assert office.counts() == counts
    assert office.item(office.secret[0]).status == "in"
    assert verify(office.store).ok


def test_scanned_at_from_the_future_is_not_believed(office: Office, clock: FixedClock) -> None:
    a = scan(office, "B001", scanned_at=clock.now() + timedelta(hours=3))
    assert a["outcome"] == "badge"
    row = office.store.m.Scan.get(office.store.m.Scan.scan_id == a["scan_id"])
    assert row.at == clock.now() and row.scanned_at == clock.now() + timedelta(hours=3)
