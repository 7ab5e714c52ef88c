"""Station command codes: end, undo (a compensating event, never an edit), and the wiring of the
closing-time commands to custody.inventory / custody.closing."""

from __future__ import annotations

import json

import pytest
from conftest import Office, kinds, scan

from custody.actions import core as actions
from custody.errors import InvalidInput
from custody.ledger.verify import verify
from custody.scan import commands


def test_command_codes_cannot_be_badges_or_item_codes(office: Office) -> None:
    for c in commands.COMMANDS:
        assert c.code.startswith("CMD-") and c.code.replace("-", "").isalnum() and c.code.isupper()
        with pytest.raises(InvalidInput):
            actions.add_person(office.store, "某人", badge=c.code, clearance="internal", actor="test")
        assert not c.code.isdigit()
    with pytest.raises(InvalidInput):
        actions.add_person(office.store, "某人", badge="cmd-x", clearance="internal", actor="test")
    assert [code for code, _ in commands.sheet_rows("en")] == [c.code for c in commands.COMMANDS]


def test_end_closes_the_session(office: Office) -> None:
    scan(office, "B001")
    a = scan(office, "CMD-END")
    assert a["outcome"] == "command" and a["person"]["badge"] == "B001" and "会话已结束" in a["message"]
    assert office.store.m.StationSession.select().count() == 0
    assert scan(office, office.secret[0])["outcome"] == "refused"
    assert (
        scan(office, "cmd-end")["message"] == "本站没有进行中的会话"
    )  # any case; harmless without a session


def test_unknown_command_is_unknown_and_lists_the_commands(office: Office) -> None:
    mark = office.last_seq()
    a = scan(office, "CMD-SELF-DESTRUCT")
    assert a["outcome"] == "unknown" and "CMD-UNDO" in a["message"]
    assert office.events_since(mark) == []


def test_commands_that_act_for_a_person_need_a_badge_first(office: Office) -> None:
    mark = office.last_seq()
    a = scan(office, "CMD-UNDO")
    assert a["outcome"] == "refused" and "请先刷工作证" in a["message"]
    (e,) = office.events_since(mark)
    assert json.loads(e.data)["reason"] == "command_needs_session"


def test_undo_cancels_a_check_out_with_a_compensating_return(office: Office) -> None:
    scan(office, "B001")
    out = scan(office, office.secret[0])
    before = [(e.seq, e.hash) for e in office.store.m.Event.select().order_by(office.store.m.Event.seq)]
    mark = office.last_seq()
    a = scan(office, "CMD-UNDO")
    assert a["outcome"] == "command" and "已撤销" in a["message"] and a["item"]["status"] == "in"
    (e,) = office.events_since(mark)
    assert (
        e.kind == "returned"
        and json.loads(e.data)["undo_of"]
        == office.store.m.Scan.get(office.store.m.Scan.scan_id == out["scan_id"]).event_seq
    )
    assert [
        (x.seq, x.hash)
        for x in office.store.m.Event.select()
        .where(office.store.m.Event.seq <= mark)
        .order_by(office.store.m.Event.seq)
    ] == before
    assert office.store.m.Scan.get(office.store.m.Scan.scan_id == out["scan_id"]).undone_by == a["scan_id"]
    assert verify(office.store).ok


def test_undo_walks_back_and_then_has_nothing_left(office: Office) -> None:
    scan(office, "B001")
    scan(office, office.secret[0])
    scan(office, office.secret[1])
    scan(office, "CMD-UNDO")
    assert office.item(office.secret[1]).status == "in" and office.item(office.secret[0]).status == "out"
    scan(office, "CMD-UNDO")
    assert office.item(office.secret[0]).status == "in"
    a = scan(office, "CMD-UNDO")
    assert a["outcome"] == "refused" and a["message"] == "本次会话没有可撤销的扫描"
    assert verify(office.store).ok


def test_undo_of_a_return_gives_the_item_back_to_its_holder(office: Office) -> None:
    scan(office, "B001")
    scan(office, office.secret[0])
    scan(office, office.secret[0])  # returned (by mistake)
    mark = office.last_seq()
    a = scan(office, "CMD-UNDO")
    assert (
        a["outcome"] == "command" and a["item"]["status"] == "out" and a["item"]["holder"]["badge"] == "B001"
    )
    assert kinds(office.events_since(mark)) == ["checked_out"]
    assert verify(office.store).ok


def test_undo_of_an_approval_withdraws_it(office: Office) -> None:
    scan(office, "C001")
    scan(office, "L001")
    mark = office.last_seq()
    a = scan(office, "CMD-UNDO")
    assert a["outcome"] == "command" and "王主任" in a["message"]
    assert kinds(office.events_since(mark)) == ["session_approval_withdrawn"]
    assert office.store.m.StationSession.get().approver_id is None
    assert scan(office, office.top_secret)["outcome"] == "refused"


def test_undo_is_refused_when_the_item_changed_since(office: Office) -> None:
    scan(office, "B001")
    scan(office, office.secret[0])
    # meanwhile the custodian takes it back at the desk
    actions.return_item(office.store, office.secret[0], office.station("保密室"), actor="cli:test")
    mark = office.last_seq()
    a = scan(office, "CMD-UNDO")
    assert a["outcome"] == "refused" and "此后已有其他变动" in a["message"]
    (e,) = office.events_since(mark)
    assert e.kind == "refused" and json.loads(e.data)["reason"] == "undo_changed_since"
    assert office.item(office.secret[0]).status == "in"


def test_undo_only_reaches_into_its_own_session(office: Office) -> None:
    scan(office, "B001")
    scan(office, office.secret[0])
    scan(office, "B002")
    assert scan(office, "CMD-UNDO")["outcome"] == "refused"
    assert office.item(office.secret[0]).status == "out"


# --- closing-time commands (their behaviour: tests/test_scan_closing.py) -------------------


def test_scans_of_one_station_are_stored_with_their_session(office: Office) -> None:
    scan(office, "B001")
    scan(office, office.secret[0])
    uid = office.store.m.StationSession.get().uid
    assert office.store.m.Scan.select().where(office.store.m.Scan.session == uid).count() == 2
    assert all(s.code for s in office.store.m.Scan.select())
