"""P10/P23 (custody.rules.approvals): who approves, and an approval's window to the second."""

from datetime import timedelta

import pytest
from test_rules_facts import LEADER, NOW, person

from custody.rules import approvals
from custody.rules.facts import Allowed, ApprovalFacts

ONE_S = timedelta(seconds=1)
START, END = NOW - timedelta(hours=1), NOW + timedelta(hours=1)


def approval(**kw) -> ApprovalFacts:
    base = dict(id=7, person_id=1, item_code="X1", approver="王主任", valid_from=START, valid_until=END)
    return ApprovalFacts(**{**base, **kw})


def test_only_active_leaders_approve():
    assert isinstance(approvals.decide_approve(LEADER), Allowed)
    for who in (person(role="custodian"), person(role="staff"), person(role="leader", active=False)):
        r = approvals.decide_approve(who)
        assert r.reason == "approver_not_leader" and r.rule == "P10" and r.params == {"approver": who.name}


def test_a_leader_present_approves_for_others_only():
    me = person(1)
    assert approvals.leader_present(LEADER, me)
    assert not approvals.leader_present(None, me)
    assert not approvals.leader_present(person(2, role="custodian"), me)
    assert not approvals.leader_present(LEADER, LEADER)  # not for their own loan


@pytest.mark.parametrize(
    "at,valid",
    [
        (START - ONE_S, False),
        (START, True),  # the first second of the window
        (NOW, True),
        (END, True),  # the last second of the window
        (END + ONE_S, False),
    ],
)
def test_an_approval_counts_inside_its_window_both_ends_included(at, valid):
    assert approvals.is_valid(approval(), 1, "X1", at) is valid


def test_an_approval_counts_for_its_person_and_item_once():
    assert approvals.is_valid(approval(), 1, "X1", NOW)
    assert not approvals.is_valid(approval(person_id=2), 1, "X1", NOW)
    assert not approvals.is_valid(approval(item_code="X2"), 1, "X1", NOW)
    assert not approvals.is_valid(approval(used=True), 1, "X1", NOW)


def test_the_first_valid_approval_is_chosen():
    late, ok, also = approval(id=1, valid_until=START), approval(id=2), approval(id=3)
    assert approvals.valid_approval((late, ok, also), 1, "X1", NOW) == ok
    assert approvals.valid_approval((late,), 1, "X1", NOW) is None
    assert approvals.valid_approval((), 1, "X1", NOW) is None


def test_the_window_is_the_start_and_the_hours_after_it():
    assert approvals.window(NOW, 8) == (NOW, NOW + timedelta(hours=8))
    assert approvals.window(NOW, 0.5) == (NOW, NOW + timedelta(minutes=30))


@pytest.mark.parametrize("hours,ok", [(0, False), (-1, False), (0.01, True), (744, True), (744.01, False)])
def test_an_approval_lasts_more_than_nothing_and_at_most_31_days(hours, ok):
    assert approvals.MAX_HOURS == 744
    assert approvals.hours_allowed(hours) is ok
