"""Check-out, a recorded loan and return (custody.rules.loans), to the boundaries."""

from datetime import timedelta

import pytest
from test_rules_facts import LEADER, NOW, TODAY, item, person

from custody.rules import loans
from custody.rules.facts import Allowed, ApprovalFacts, CheckOutFacts, LoanFacts, ReturnFacts, item_params
from custody.rules.places import LoanTerms


def co(it=None, who=None, **kw) -> CheckOutFacts:
    return CheckOutFacts(it or item(), who or person(), "保密室", "safe", NOW, **kw)


def ok_approval(it, who, **kw) -> ApprovalFacts:
    return ApprovalFacts(
        7, who.id, it.code, "王主任", NOW - timedelta(hours=1), NOW + timedelta(hours=1), **kw
    )


# --- the item must be in (P7) ------------------------------------------------------------------


def test_an_item_in_may_go_out():
    d = loans.decide_check_out(co())
    assert isinstance(d, Allowed) and d.approval is None and d.params["person"] == "张三"


def test_an_item_out_names_its_holder_and_since():
    out = item(status="out", holder=person(2, "李四"), since=NOW)
    r = loans.decide_check_out(co(out))
    assert (r.reason, r.rule) == ("already_out", "P7")
    assert r.params["holder"] == "李四" and r.params["since"] == NOW  # a datetime: shown at the edge


def test_an_item_out_without_a_known_holder_says_so():
    r = loans.decide_check_out(co(item(status="out")))
    assert r.params["holder"] == "?" and r.params["since"] == "?"


@pytest.mark.parametrize("status", ["destroyed", "lost", "returned-to-issuer"])
def test_an_item_gone_is_not_available(status):
    r = loans.decide_check_out(co(item(status=status)))
    assert (r.reason, r.params["status"], r.rule) == ("not_available", status, "P7")


# --- P8 is asked, with the day of `now` ---------------------------------------------------------


def test_p8_uses_the_day_of_now():
    assert loans.decide_check_out(co(who=person(off_post_until=TODAY))).reason == "person_off_post"
    assert isinstance(
        loans.decide_check_out(co(who=person(off_post_until=TODAY - timedelta(days=1)))), Allowed
    )
    assert loans.decide_check_out(co(who=person(clearance="confidential"))).reason == "clearance_too_low"
    assert loans.decide_check_out(co(who=person(active=False))).reason == "person_inactive"


def test_the_item_is_asked_before_the_person():
    r = loans.decide_check_out(co(item(status="lost"), person(active=False)))
    assert r.reason == "not_available"


# --- P9 need to know ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", [person(dept="综合科"), person(badge="B001")], ids=["dept", "badge"])
def test_inside_the_scope_by_dept_or_badge(who):
    assert isinstance(loans.decide_check_out(co(item(scope=("综合科", "B001")), who)), Allowed)


def test_a_name_is_no_scope_entry():
    """Issue 14 (P9): scope matched people by non-unique names; a namesake was let in."""
    r = loans.decide_check_out(co(item(scope=("综合科", "B001")), person(name="综合科")))
    assert (r.reason, r.rule) == ("outside_scope", "P9")


def test_outside_the_scope_needs_a_leader_or_an_approval():
    scoped = item(scope=("办公室",))
    r = loans.decide_check_out(co(scoped))
    assert (r.reason, r.rule, r.params["person"]) == ("outside_scope", "P9", "张三")
    assert isinstance(loans.decide_check_out(co(scoped, approver=LEADER)), Allowed)
    a = ok_approval(scoped, person())
    d = loans.decide_check_out(co(scoped, approvals=(a,)))
    assert isinstance(d, Allowed) and d.approval == a


# --- P10 top secret -----------------------------------------------------------------------------


def test_top_secret_needs_a_leader_or_an_approval():
    ts, who = item("top-secret"), person(clearance="top-secret")
    r = loans.decide_check_out(co(ts, who))
    assert (r.reason, r.rule) == ("needs_leader", "P10")
    assert r.params == {**item_params(ts), "person": "张三"}
    assert isinstance(loans.decide_check_out(co(ts, who, approver=LEADER)), Allowed)
    a = ok_approval(ts, who)
    assert loans.decide_check_out(co(ts, who, approvals=(a,))).approval == a
    late = ApprovalFacts(7, who.id, ts.code, "王主任", NOW - timedelta(hours=2), NOW - timedelta(seconds=1))
    assert loans.decide_check_out(co(ts, who, approvals=(late,))).reason == "needs_leader"


def test_with_a_leader_present_an_approval_beforehand_is_not_used_up():
    ts, who = item("top-secret"), person(clearance="top-secret")
    d = loans.decide_check_out(co(ts, who, approver=LEADER, approvals=(ok_approval(ts, who),)))
    assert isinstance(d, Allowed) and d.approval is None


def test_a_secret_item_never_asks_for_an_approval():
    d = loans.decide_check_out(co(approvals=(ok_approval(item(), person()),)))
    assert isinstance(d, Allowed) and d.approval == ok_approval(item(), person())  # offered, it is used


# --- the approval table -------------------------------------------------------------------------


def test_which_rules_an_approval_lifts():
    assert set(loans.APPROVAL_RULES) == {
        loans.need_to_know,
        loans.top_secret_needs_leader,
        loans.archive_stays,
        loans.seal_or_letter,
    }
    assert loans.needs_approval(item("top-secret"))
    assert loans.needs_approval(item(scope=("办公室",)))
    assert not loans.needs_approval(item("secret"))
    assert loans.needs_approval(item("secret"), LoanTerms(purpose="outside"))  # P13/P14: every loan out
    assert loans.CHECK_OUT_RULES == (
        loans.item_is_home,
        loans.person_may_hold,
        loans.at_this_place,
        loans.need_to_know,
        loans.top_secret_needs_leader,
        loans.archive_stays,
        loans.outside_terms,
        loans.external_terms,
        loans.seal_or_letter,
    )


# --- a loan recorded from an imported register -----------------------------------------------


def test_a_recorded_loan_asks_p8_with_the_off_post_check():
    def decide(it=None, who=None):
        return loans.decide_record_loan(LoanFacts(it or item(), who or person(), NOW))

    assert isinstance(decide(), Allowed) and decide().params["person"] == "张三"
    assert decide(who=person(off_post_until=TODAY)).reason == "person_off_post"
    assert decide(who=person(active=False)).reason == "person_inactive"
    assert decide(who=person(clearance="confidential")).reason == "clearance_too_low"
    assert decide(item(status="out")).reason == "already_out"
    assert (
        decide(item("top-secret"), person(clearance="top-secret")).__class__ is Allowed
    )  # approved elsewhere


# --- return (P7, P12) ---------------------------------------------------------------------------


def out_item(**kw):
    return item(status="out", holder=person(), since=NOW, home="保密室", **kw)


def test_a_return_of_an_item_in_is_refused():
    r = loans.decide_return(ReturnFacts(item(home="保密室"), "保密室", NOW))
    assert (r.reason, r.params["status"], r.rule) == ("not_out", "in", "P7")


def test_a_return_by_the_holder_at_home_has_no_flags():
    d = loans.decide_return(ReturnFacts(out_item(), "保密室", NOW, presenter=person()))
    assert isinstance(d, Allowed) and d.flags == () and d.params["holder"] == "张三"
    d = loans.decide_return(ReturnFacts(out_item(), "保密室", NOW))
    assert d.flags == () and "presenter" not in d.params


def test_a_return_by_someone_else_elsewhere_is_flagged_twice():
    d = loans.decide_return(ReturnFacts(out_item(), "阅文室", NOW, presenter=person(2, "李四")))
    assert d.flags == ("returned_by_other", "returned_elsewhere")
    assert (
        d.params["presenter"] == "李四" and d.params["station"] == "阅文室" and d.params["home"] == "保密室"
    )


def test_a_return_of_an_item_without_holder_is_not_hand_on():
    it = item(status="out", home="保密室")
    d = loans.decide_return(ReturnFacts(it, "保密室", NOW, presenter=person(2)))
    assert d.flags == () and d.params["holder"] == "?"
