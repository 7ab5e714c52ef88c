"""Issue 14 through the write path, on a real SQLite file: allowed and refused per rule, the events
written, the current state, and `verify` rebuilding it all from the ledger."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from closing_support import office_at

from custody.actions import core as actions
from custody.actions import departments, handover, inventory
from custody.actions import people as people_actions
from custody.errors import NotFound, Refused
from custody.ledger.verify import verify
from custody.reports import registers, sweep
from custody.rules.places import LoanTerms


@pytest.fixture
def office(tmp_path):
    with office_at(tmp_path) as o:
        yield o


def last(o, kind):
    m = o.store.m
    return m.Event.select().where(m.Event.kind == kind).order_by(m.Event.seq.desc()).first()


def item(o, code):
    m = o.store.m
    return m.Item.get(m.Item.code == code)


def lend(o, code, who="zhang", station="保密室", approver="wang", second=None, **terms):
    return actions.check_out(
        o.store,
        code,
        o.people[who],
        o.station(station),
        actor="t",
        approver=o.people[approver] if approver else None,
        terms=LoanTerms(**terms),
        second=o.people[second] if second else None,
    )


def add_station(o, name, kind):
    actions.add_station(o.store, name, kind, actor="t")


def test_p11_top_secret_is_refused_at_a_desk_for_outside_and_at_an_archive_room(office):
    o = office
    add_station(o, "档案室", "archive-room")
    out = lend(o, o.top, who="zhao", station="档案室")
    assert (out.outcome, out.reason, out.rule) == ("refused", "top_secret_on_site", "P11")
    assert out.message("zh").startswith("绝密文件只能在阅文室阅读")
    assert json.loads(last(o, "refused").data)["rule"] == "P11"
    out = lend(o, o.top, who="zhao", purpose="outside", due=o.clock.now() + timedelta(hours=2), second="qian")
    assert out.reason == "top_secret_not_outside"
    assert lend(o, o.top, who="zhao", station="阅文室").outcome == "checked_out"


def test_p13_outside_with_a_leader_a_due_time_and_a_second_holder(office):
    o = office
    due = o.clock.now() + timedelta(hours=3)
    assert lend(o, o.secret[0], approver=None, purpose="outside", due=due, second="li").reason == (
        "outside_needs_leader"
    )
    assert lend(o, o.secret[0], purpose="outside", due=due).reason == "outside_needs_two"
    out = lend(o, o.secret[0], purpose="outside", due=due, second="wang")  # the approver carries it too
    assert out.outcome == "checked_out"
    it = item(o, o.secret[0])
    assert (it.loan_purpose, it.loan_due, it.second_holder_id) == ("outside", due, o.people["wang"].id)
    data = json.loads(last(o, "checked_out").data)
    assert data == {
        "approver": o.people["wang"].id,
        "purpose": "outside",
        "due": due.isoformat(),
        "with": o.people["wang"].id,
    }
    assert verify(o.store).ok
    assert [i.code for i in people_actions.held_by(o.store, o.people["wang"])] == [o.secret[0]]
    actions.return_item(o.store, o.secret[0], o.station("保密室"), actor="t")
    it = item(o, o.secret[0])
    assert (it.loan_purpose, it.loan_due, it.second_holder_id) == (None, None, None)
    assert verify(o.store).ok


def test_p14_external_is_flagged_in_the_sweep_after_its_last_second(office):
    o = office
    due = o.clock.now() + timedelta(hours=2)
    terms = {"purpose": "external", "unit": "县财政局", "recipient": "王五", "due": due}
    assert lend(o, o.secret[1], approver=None, **terms).reason == "external_needs_leader"
    out = lend(o, o.secret[1], **terms)
    assert out.outcome == "checked_out"
    it = item(o, o.secret[1])
    assert (it.loan_unit, it.loan_recipient, it.loan_purpose) == ("县财政局", "王五", "external")
    o.clock.set(due)
    on_time = sweep.sweep(o.store)
    assert "overdue_loan" not in on_time.entries[0].flags
    o.clock.set(due + timedelta(seconds=1))
    late = sweep.sweep(o.store)
    assert "overdue_loan" in sweep.sweep(o.store, at=due + timedelta(seconds=1)).entries[0].flags  # replayed
    assert "overdue_loan" in late.entries[0].flags
    assert verify(o.store).ok


def test_p15_an_archive_consultation_records_the_letter(office):
    o = office
    add_station(o, "档案室", "archive-room")
    code = actions.receive(
        o.store, title="1998年案卷", level="confidential", kind="archive", home="档案室", actor="t"
    )[0].code
    assert lend(o, code, who="li", approver=None).reason == "archive_in_archive_room"
    assert lend(o, code, who="li", station="档案室", approver=None).reason == "archive_needs_letter"
    out = lend(o, code, who="li", station="档案室", approver=None, letter="介字〔2026〕8号")
    assert out.outcome == "checked_out"
    assert json.loads(last(o, "checked_out").data) == {"letter": "介字〔2026〕8号"}


def test_p28_a_seal_goes_out_for_a_stated_use_and_is_in_the_seal_register(office):
    o = office
    assert lend(o, o.seal, who="zhao").reason == "seal_needs_use"
    out = lend(o, o.seal, who="zhao", use="合同用印")
    assert out.outcome == "checked_out"
    assert item(o, o.seal).loan_use == "合同用印"
    day = o.clock.now().date()
    rows = registers.build(o.store, "用印登记", day - timedelta(days=1), day + timedelta(days=1)).rows
    assert [(r["use"], r["user"], r["approver"]) for r in rows] == [("合同用印", "赵保密员", "王主任")]
    assert "seal_out" in sweep.sweep(o.store).entries[0].flags
    assert verify(o.store).ok


def test_p8_deactivate_off_post_and_lowering_are_refused_with_what_to_hand_back(office):
    o = office
    lend(o, o.secret[0], approver=None)
    with pytest.raises(Refused) as err:
        people_actions.set_active(o.store, "B001", False, actor="t")
    assert err.value.rule == "P8" and o.secret[0] in err.value.message("zh")
    with pytest.raises(Refused):
        people_actions.off_post(o.store, "B001", o.clock.now().date(), actor="t")
    with pytest.raises(Refused) as err:
        people_actions.set_clearance(o.store, "B001", "confidential", actor="t")
    assert err.value.reason == "clearance_below_held"
    assert last(o, "refused") is not None and json.loads(last(o, "refused").data)["action"] == "set_clearance"
    people_actions.set_clearance(o.store, "B001", "secret", actor="t")  # equal to the level held
    people_actions.off_post(o.store, "B001", None, actor="t")  # clearing one is always fine
    actions.return_item(o.store, o.secret[0], o.station("保密室"), actor="t")
    assert not people_actions.set_active(o.store, "B001", False, actor="t").active
    assert people_actions.set_clearance(o.store, "B002", "internal", actor="t").clearance == "internal"


def test_p8_a_second_holder_is_closed_out_only_after_the_return(office):
    o = office
    lend(o, o.secret[0], purpose="outside", due=o.clock.now() + timedelta(hours=1), second="zhao")
    with pytest.raises(Refused):
        people_actions.set_active(o.store, "C001", False, actor="t")


def test_p9_departments_and_a_scope_changed_by_a_leader(office):
    o = office
    assert [d.name for d in departments.departments(o.store)] == ["综合科"]  # made by `person add --dept`
    departments.add_department(o.store, "办公室", actor="t")
    with pytest.raises(Refused):
        departments.set_scope(
            o.store, o.secret[2], depts=["办公室"], badges=[], by=o.people["zhao"], actor="t"
        )
    with pytest.raises(NotFound):
        departments.set_scope(
            o.store, o.secret[2], depts=["无此科"], badges=[], by=o.people["wang"], actor="t"
        )
    out = departments.set_scope(
        o.store, o.secret[2], depts=["办公室"], badges=["B002"], by=o.people["wang"], actor="t"
    )
    assert out.extra["scope"] == ["办公室", "B002"]
    assert json.loads(last(o, "scope_set").data) == {"scope": ["办公室", "B002"]}
    assert lend(o, o.secret[2], approver=None).reason == "outside_scope"  # 张三 is in 综合科
    assert lend(o, o.secret[2], who="zhao", approver="wang").outcome == "checked_out"  # approved
    assert verify(o.store).ok


def test_p26_handover_is_recorded_only_when_everything_is_counted(office):
    o = office
    st = o.station("保密室")
    giver, taker, sup = o.people["zhao"], o.people["qian"], o.people["wang"]
    lend(o, o.secret[0], approver=None)  # out: accounted for by its holder
    short = handover.handover(
        o.store, st, giver=giver, taker=taker, supervisor=sup, actor="t", seen=[o.secret[1]]
    )
    assert (short.outcome, short.rule) == ("refused", "P26")
    assert set(short.extra["missing"]) == {o.secret[2], o.top, o.seal}
    assert last(o, "handover") is None and last(o, "count_closed") is not None
    done = handover.handover(
        o.store,
        st,
        giver=giver,
        taker=taker,
        supervisor=sup,
        actor="t",
        seen=[o.secret[1], o.secret[2], o.top, o.seal],
    )
    assert done.outcome == "handover"
    d = json.loads(last(o, "handover").data)
    assert (d["from"], d["to"], d["supervisor"], d["out"]) == (giver.id, taker.id, sup.id, [o.secret[0]])
    with pytest.raises(Refused):
        handover.handover(o.store, st, giver=giver, taker=giver, supervisor=sup, actor="t", seen=[])
    assert inventory.open_count(o.store, st) is None
    assert verify(o.store).ok


def test_p28_at_a_station_the_use_is_the_purpose_of_an_approval_given_beforehand(office):
    """Nobody types at a station: the seal's stated use comes from the leader's approval."""
    o = office
    actions.approve(o.store, o.seal, o.people["zhao"], o.people["wang"], actor="t", purpose="发文用印")
    out = lend(o, o.seal, who="zhao", approver=None)
    assert out.outcome == "checked_out"
    assert json.loads(last(o, "checked_out").data)["use"] == "发文用印"
    assert item(o, o.seal).loan_use == "发文用印"
    assert verify(o.store).ok


def test_verify_finds_a_department_that_has_no_event(office):
    """Issue 14: departments are state too; a row written behind the ledger's back is found."""
    o = office
    assert verify(o.store).ok
    o.store.m.Department.insert(name="暗设科", created_at=o.clock.now()).execute()
    report = verify(o.store)
    assert not report.ok and "暗设科" in report.problem


# --- P9 at receipt: a scope names departments of the table and badges ----------------------------


def test_receive_with_a_scope_of_a_department_and_a_badge_is_registered(office):
    o = office
    mark = o.store.m.Event.select().count()
    (it,) = actions.receive(o.store, title="通报", level="secret", scope=["综合科,B002"], actor="t")
    assert json.loads(it.scope) == ["综合科", "B002"]
    assert json.loads(last(o, "received").data)["scope"] == ["综合科", "B002"]
    assert o.store.m.Event.select().count() == mark + 1
    assert verify(o.store).ok


@pytest.mark.parametrize("entry", ["办公室", "B999", "张三"])
def test_receive_with_an_unknown_department_or_badge_registers_nothing(office, entry):
    """Guards against a scope entry matching nobody (a name, a typo): refused, naming it."""
    from custody.errors import InvalidInput

    o = office
    before = (o.store.m.Item.select().count(), o.store.m.Event.select().count())
    with pytest.raises(InvalidInput) as e:
        actions.receive(o.store, title="通报", level="secret", scope=["综合科", entry], actor="t")
    assert f"“{entry}”" in e.value.message("zh") and "综合科" in e.value.message("zh")
    assert entry in e.value.message("en") and "neither a department nor a badge" in e.value.message("en")
    assert (o.store.m.Item.select().count(), o.store.m.Event.select().count()) == before


def test_a_badge_given_by_its_rfid_fob_is_kept_as_the_badge(office):
    o = office
    actions.add_person(o.store, "孙五", badge="B005", rfid="010063E9AE", clearance="secret", actor="t")
    (it,) = actions.receive(o.store, title="通报", level="secret", scope=["010063E9AE"], actor="t")
    assert json.loads(it.scope) == ["B005"]


# --- length limits: one message naming the field, the length and the limit -------------------------


@pytest.mark.parametrize(
    ("field", "limit"),
    [("unit", 100), ("recipient", 64), ("letter", 100), ("use", 200)],
)
def test_loan_terms_longer_than_their_limit_are_refused_before_anything(office, field, limit):
    from custody.errors import InvalidInput

    o = office
    before = o.store.m.Event.select().count()
    terms = {
        "purpose": "external",
        "unit": "某局",
        "recipient": "某人",
        "due": o.clock.now() + timedelta(days=1),
    }
    terms[field] = "长" * (limit + 1)
    with pytest.raises(InvalidInput) as e:
        lend(o, o.secret[0], **terms)
    en = e.value.message("en")
    assert f"{limit + 1} characters, at most {limit}" in en, en
    assert f"{limit + 1} 个字符，最多 {limit} 个" in e.value.message("zh")
    assert o.store.m.Event.select().count() == before and item(o, o.secret[0]).status == "in"
    terms[field] = "长" * limit  # exactly the limit is fine
    assert lend(o, o.secret[0], **terms).outcome == "checked_out"


def test_every_free_text_of_the_lifecycle_is_limited(office):
    from custody.actions import lifecycle, requests
    from custody.errors import InvalidInput

    o = office
    long = "x" * 501
    calls = [
        lambda: lifecycle.report_loss(o.store, o.secret[0], by=o.people["zhao"], actor="t", note=long),
        lambda: lifecycle.return_to_issuer(o.store, [o.secret[0]], by=o.people["zhao"], actor="t", ref=long),
        lambda: lifecycle.destroy(
            o.store,
            [o.secret[0]],
            by=o.people["zhao"],
            witnesses=[o.people["li"], o.people["qian"]],
            approver=o.people["wang"],
            actor="t",
            place=long,
        ),
        lambda: requests.decide(
            o.store, "R1", leader=o.people["wang"], approve=False, actor="t", reason=long
        ),
        lambda: actions.receive(o.store, title="通报", level="secret", period="condition:" + long, actor="t"),
        lambda: actions.approve(
            o.store, o.secret[0], o.people["zhang"], o.people["wang"], actor="t", purpose=long
        ),
    ]
    before = o.store.m.Event.select().count()
    for call in calls:
        with pytest.raises(InvalidInput) as e:
            call()
        assert "characters, at most" in e.value.message("en")
    assert o.store.m.Event.select().count() == before
