"""P13 at a station: both badges in one session. The borrower's badge, a CMD-OUT-… code (the purpose
and the due time), the second person's badge (recorded as co-holder, as `--with`), a leader's
badge (the approval), then the items: allowed and refused, with the events and the state."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from conftest import Office, scan

from custody.ledger.verify import verify
from custody.scan import commands
from custody.scan.terms import OUTSIDE_DAYS


def checked_out_event(office: Office, mark: int) -> dict:
    (e,) = [e for e in office.events_since(mark) if e.kind == "checked_out"]
    return json.loads(e.data) | {"_person": e.person}


def test_the_outside_commands_are_on_the_command_sheet() -> None:
    codes = [code for code, _ in commands.sheet_rows("zh")]
    assert set(OUTSIDE_DAYS) <= set(codes)
    assert dict(commands.sheet_rows("zh"))["CMD-OUT-TODAY"] == "带出机关，今天下班前归还"


def test_borrower_second_person_and_leader_take_a_secret_item_out(office: Office) -> None:
    """The whole P13 sequence at the safe: due at closing time today, both recorded as holders."""
    zhang, zhao, wang = (office.people[k] for k in ("zhang", "zhao", "wang"))
    assert scan(office, "B001")["outcome"] == "badge"
    a = scan(office, "CMD-OUT-TODAY")
    assert a["outcome"] == "command" and "17:30" in a["message"] and a["person"]["badge"] == "B001"
    b = scan(office, "C001")  # the second person: no session of their own
    assert b["outcome"] == "badge" and "赵保密员与张三一同携带" in b["message"]
    assert b["person"]["name"] == "张三" and b["person"]["badge"] == "B001"
    session = office.store.m.StationSession.get()
    assert session.person_id == zhang.id
    c = scan(office, "L001")
    assert c["outcome"] == "approved" and c["person"]["badge"] == "B001"
    mark = office.last_seq()
    d = scan(office, office.secret[0])
    assert d["outcome"] == "checked_out", d["message"]
    data = checked_out_event(office, mark)
    assert data["purpose"] == "outside" and data["with"] == zhao.id and data["approver"] == wang.id
    assert data["_person"] == zhang.id
    assert datetime.fromisoformat(data["due"]) == datetime.fromisoformat("2026-11-30T17:30:00+08:00")
    it = office.item(office.secret[0])
    assert (it.status, it.holder_id, it.second_holder_id, it.loan_purpose) == (
        "out",
        zhang.id,
        zhao.id,
        "outside",
    )
    # no answer carries a badge the station did not read for the session: the second's, the leader's
    for answer in (b, c, d):
        assert "C001" not in json.dumps(answer) and "L001" not in json.dumps(answer)
    # the session goes on: a second item leaves with the same terms
    mark = office.last_seq()
    assert scan(office, office.secret[1])["outcome"] == "checked_out"
    assert checked_out_event(office, mark)["with"] == zhao.id
    assert verify(office.store).ok


def test_due_in_working_days_skips_the_weekend(office: Office) -> None:
    """Monday 09:00 + 7 working days is the next Wednesday but one; + 3 is Thursday."""
    scan(office, "B001")
    scan(office, "CMD-OUT-7D")
    scan(office, "C001")
    scan(office, "L001")
    mark = office.last_seq()
    assert scan(office, office.secret[0])["outcome"] == "checked_out"
    assert datetime.fromisoformat(checked_out_event(office, mark)["due"]) == datetime.fromisoformat(
        "2026-12-09T17:30:00+08:00"
    )
    scan(office, "CMD-OUT-3D")  # the last purpose scanned wins
    mark = office.last_seq()
    assert scan(office, office.secret[1])["outcome"] == "checked_out"
    assert datetime.fromisoformat(checked_out_event(office, mark)["due"]) == datetime.fromisoformat(
        "2026-12-03T17:30:00+08:00"
    )


def test_without_the_second_person_a_secret_item_stays(office: Office) -> None:
    scan(office, "B001")
    scan(office, "CMD-OUT-1D")
    scan(office, "L001")
    mark = office.last_seq()
    a = scan(office, office.secret[0])
    assert a["outcome"] == "refused" and "须两人以上" in a["message"]
    (e,) = office.events_since(mark)
    assert json.loads(e.data)["reason"] == "outside_needs_two" and json.loads(e.data)["rule"] == "P13"
    assert office.item(office.secret[0]).status == "in"


def test_without_a_leader_nothing_leaves(office: Office) -> None:
    scan(office, "B001")
    scan(office, "CMD-OUT-TODAY")
    scan(office, "C001")
    mark = office.last_seq()
    a = scan(office, office.secret[0])
    assert a["outcome"] == "refused" and "须经办公室领导批准" in a["message"]
    assert [json.loads(e.data)["reason"] for e in office.events_since(mark)] == ["outside_needs_leader"]
    assert office.item(office.secret[0]).status == "in"


def test_a_second_person_not_cleared_for_the_item_is_refused(office: Office) -> None:
    """李四 holds confidential at most: as the second holder of a secret item, refused by P8."""
    scan(office, "B001")
    scan(office, "CMD-OUT-TODAY")
    scan(office, "B002")
    scan(office, "L001")
    mark = office.last_seq()
    a = scan(office, office.secret[0])
    assert a["outcome"] == "refused" and "李四" in a["message"]
    (e,) = office.events_since(mark)
    assert json.loads(e.data)["reason"] == "clearance_too_low"
    assert office.item(office.secret[0]).status == "in"


def test_top_secret_never_leaves_even_with_two_people_and_a_leader(office: Office) -> None:
    scan(office, "C001")
    scan(office, "CMD-OUT-TODAY")
    scan(office, "B001")
    scan(office, "L001")
    mark = office.last_seq()
    a = scan(office, office.top_secret)
    assert a["outcome"] == "refused" and a["message"].startswith("绝密文件只能在阅文室阅读")
    assert json.loads(office.events_since(mark)[0].data)["rule"] == "P11"


def test_after_closing_time_today_is_no_due_time(office: Office) -> None:
    office.clock.set(datetime.fromisoformat("2026-11-30T18:00:00+08:00").astimezone(UTC))
    scan(office, "B001")
    scan(office, "CMD-OUT-TODAY")
    scan(office, "C001")
    scan(office, "L001")
    a = scan(office, office.secret[0])
    assert a["outcome"] == "refused" and "归还时间" in a["message"]


def test_a_second_leader_after_the_approval_is_the_second_person(office: Office) -> None:
    """A leader's badge approves; another leader's badge after it carries the items."""
    from custody.actions import core as actions

    actions.add_person(
        office.store, "刘副主任", badge="L002", clearance="top-secret", role="leader", actor="test"
    )
    scan(office, "B001")
    scan(office, "CMD-OUT-TODAY")
    assert scan(office, "L001")["outcome"] == "approved"
    assert scan(office, "L002")["outcome"] == "badge"
    mark = office.last_seq()
    assert scan(office, office.secret[0])["outcome"] == "checked_out"
    liu = office.store.m.Person.get(office.store.m.Person.name == "刘副主任")
    assert checked_out_event(office, mark)["with"] == liu.id


def test_undo_takes_back_the_second_person_then_the_purpose(office: Office) -> None:
    scan(office, "B001")
    scan(office, "CMD-OUT-TODAY")
    scan(office, "C001")
    assert "已撤销" in scan(office, "CMD-UNDO")["message"]  # the second person no longer counts
    scan(office, "L001")
    assert "须两人以上" in scan(office, office.secret[0])["message"]
    scan(office, "CMD-UNDO")  # (the approval)
    scan(office, "CMD-UNDO")  # the purpose: a plain reading loan again
    mark = office.last_seq()
    assert scan(office, office.secret[0])["outcome"] == "checked_out"
    assert "purpose" not in checked_out_event(office, mark)


def test_without_the_purpose_a_second_badge_opens_its_own_session(office: Office) -> None:
    """Unchanged outside P13: the next badge that is not a leader approving starts a new session."""
    scan(office, "B001")
    scan(office, "C001")
    session = office.store.m.StationSession.get()
    assert session.person_id == office.people["zhao"].id


def test_a_purpose_needs_a_badge_first(office: Office) -> None:
    mark = office.last_seq()
    a = scan(office, "CMD-OUT-TODAY")
    assert a["outcome"] == "refused" and "请先刷工作证" in a["message"]
    (e,) = office.events_since(mark)
    assert json.loads(e.data)["reason"] == "command_needs_session"


def test_friday_one_working_day_is_monday(office: Office) -> None:
    office.clock.set(datetime.fromisoformat("2026-12-04T09:00:00+08:00").astimezone(UTC))
    scan(office, "B001")
    scan(office, "CMD-OUT-1D")
    scan(office, "C001")
    scan(office, "L001")
    mark = office.last_seq()
    assert scan(office, office.secret[0])["outcome"] == "checked_out"
    assert datetime.fromisoformat(checked_out_event(office, mark)["due"]) == datetime.fromisoformat(
        "2026-12-07T17:30:00+08:00"
    )
