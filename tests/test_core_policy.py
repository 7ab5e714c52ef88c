"""The policy as pure functions: one test (or more) per rule, plain data, a fixed clock."""

from datetime import UTC, date, datetime, timedelta

from custody.rules import loans as policy
from custody.rules.approvals import decide_approve
from custody.rules.facts import (
    Allowed,
    ApprovalFacts,
    CheckOutFacts,
    ItemFacts,
    PersonFacts,
    ReceiveFacts,
    Refusal,
    ReturnFacts,
)
from custody.rules.receive import decide_receive

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
ZHANG = PersonFacts(1, "张三", "staff", "secret", dept="综合科", badge="B001")
LI = PersonFacts(2, "李四", "staff", "confidential", badge="B002")
WANG = PersonFacts(3, "王主任", "leader", "top-secret", badge="L001")
BOSS_LIKE = PersonFacts(4, "赵保密员", "custodian", "top-secret", badge="C001")
SECRET = ItemFacts("123456789012", "年度要点", "document", "secret", home="保密室")
TOP = ItemFacts("123456789013", "绝密件", "document", "top-secret", home="保密室")


def facts(item=SECRET, person=ZHANG, **kw) -> CheckOutFacts:
    return CheckOutFacts(item=item, person=person, station="保密室", station_kind="safe", now=NOW, **kw)


def test_allowed_when_every_rule_passes():
    assert isinstance(policy.decide_check_out(facts()), Allowed)


def test_item_out_is_refused_naming_the_holder():
    out = ItemFacts(SECRET.code, SECRET.title, "document", "secret", status="out", holder=LI, since=NOW)
    d = policy.decide_check_out(facts(item=out))
    assert isinstance(d, Refusal) and d.reason == "already_out" and d.params["holder"] == "李四"


def test_destroyed_item_is_refused():
    gone = ItemFacts(SECRET.code, SECRET.title, "document", "secret", status="destroyed")
    assert policy.decide_check_out(facts(item=gone)).reason == "not_available"


def test_p8_clearance_too_low():
    d = policy.decide_check_out(facts(person=LI))
    assert d.reason == "clearance_too_low" and d.params["clearance"] == "confidential"


def test_p8_inactive_person_holds_nothing():
    inactive = PersonFacts(1, "张三", "staff", "secret", active=False)
    assert policy.decide_check_out(facts(person=inactive)).reason == "person_inactive"


def test_p8_off_post_period():
    off = PersonFacts(1, "张三", "staff", "secret", off_post_until=date(2026, 12, 31))
    assert policy.decide_check_out(facts(person=off)).reason == "person_off_post"
    over = PersonFacts(1, "张三", "staff", "secret", off_post_until=date(2026, 11, 1))
    assert isinstance(policy.decide_check_out(facts(person=over)), Allowed)


def test_p9_outside_scope_needs_a_leader():
    scoped = ItemFacts(SECRET.code, SECRET.title, "document", "secret", scope=("办公室",))
    assert policy.decide_check_out(facts(item=scoped)).reason == "outside_scope"
    assert isinstance(policy.decide_check_out(facts(item=scoped, approver=WANG)), Allowed)
    in_scope = ItemFacts(SECRET.code, SECRET.title, "document", "secret", scope=("综合科",))
    assert isinstance(policy.decide_check_out(facts(item=in_scope)), Allowed)


def test_p10_top_secret_needs_a_leader():
    zhang_ts = PersonFacts(1, "张三", "staff", "top-secret")
    assert policy.decide_check_out(facts(item=TOP, person=zhang_ts)).reason == "needs_leader"
    assert isinstance(policy.decide_check_out(facts(item=TOP, person=zhang_ts, approver=WANG)), Allowed)


def test_p10_only_a_leader_approves_and_not_for_themselves():
    zhang_ts = PersonFacts(1, "张三", "staff", "top-secret")
    assert (
        policy.decide_check_out(facts(item=TOP, person=zhang_ts, approver=BOSS_LIKE)).reason == "needs_leader"
    )
    assert policy.decide_check_out(facts(item=TOP, person=WANG, approver=WANG)).reason == "needs_leader"


def test_p10_an_approval_given_beforehand_counts_inside_its_window_only():
    zhang_ts = PersonFacts(1, "张三", "staff", "top-secret")
    ok = ApprovalFacts(7, 1, TOP.code, "王主任", NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    d = policy.decide_check_out(facts(item=TOP, person=zhang_ts, approvals=(ok,)))
    assert isinstance(d, Allowed) and d.approval == ok
    late = ApprovalFacts(7, 1, TOP.code, "王主任", NOW - timedelta(hours=3), NOW - timedelta(hours=1))
    assert (
        policy.decide_check_out(facts(item=TOP, person=zhang_ts, approvals=(late,))).reason == "needs_leader"
    )
    other_item = ApprovalFacts(7, 1, "000000000000", "王主任", NOW, NOW + timedelta(hours=1))
    assert (
        policy.decide_check_out(facts(item=TOP, person=zhang_ts, approvals=(other_item,))).reason
        == "needs_leader"
    )
    used = ApprovalFacts(7, 1, TOP.code, "王主任", NOW, NOW + timedelta(hours=1), used=True)
    assert (
        policy.decide_check_out(facts(item=TOP, person=zhang_ts, approvals=(used,))).reason == "needs_leader"
    )


def test_p12_return_by_someone_else_is_accepted_and_flagged():
    out = ItemFacts(
        SECRET.code, SECRET.title, "document", "secret", status="out", holder=ZHANG, since=NOW, home="保密室"
    )
    d = policy.decide_return(ReturnFacts(item=out, station="保密室", now=NOW, presenter=LI))
    assert isinstance(d, Allowed) and d.flags == ("returned_by_other",)
    d = policy.decide_return(ReturnFacts(item=out, station="保密室", now=NOW, presenter=ZHANG))
    assert isinstance(d, Allowed) and d.flags == ()


def test_return_at_another_station_is_flagged():
    out = ItemFacts(
        SECRET.code, SECRET.title, "document", "secret", status="out", holder=ZHANG, home="保密室"
    )
    d = policy.decide_return(ReturnFacts(item=out, station="阅文室", now=NOW))
    assert d.flags == ("returned_elsewhere",)


def test_return_of_an_item_that_is_in_is_refused():
    assert policy.decide_return(ReturnFacts(item=SECRET, station="保密室", now=NOW)).reason == "not_out"


def test_p5_top_secret_seals_and_letters_live_in_a_safe():
    assert (
        decide_receive(ReceiveFacts("top-secret", "document", "阅文室", "reading-room")).reason
        == "home_not_safe"
    )
    assert decide_receive(ReceiveFacts("internal", "seal", "柜台", "desk")).reason == "home_not_safe"
    assert decide_receive(ReceiveFacts("internal", "letter", "柜台", "desk")).reason == "home_not_safe"
    assert isinstance(decide_receive(ReceiveFacts("secret", "document", "阅文室", "reading-room")), Allowed)
    assert isinstance(decide_receive(ReceiveFacts("top-secret", "seal", "保密室", "safe")), Allowed)


def test_only_active_leaders_approve():
    assert isinstance(decide_approve(WANG), Allowed)
    assert decide_approve(BOSS_LIKE).reason == "approver_not_leader"
