"""P26 handover and P9 scope changes (custody.rules.handover) pinned whole: three different active
people with a leader supervising, the station counted to the last item, and who changes a scope."""

import pytest
from test_rules_facts import LEADER, person

from custody.rules.facts import Allowed, Refusal
from custody.rules.handover import decide_handover, decide_handover_count, decide_scope_change

GIVER, TAKER = person(1, "甲", "custodian"), person(2, "乙", "custodian")
PEOPLE = Refusal("handover_people", {}, "P26")


def test_three_different_active_people_with_a_leader_supervising():
    assert decide_handover(GIVER, TAKER, LEADER) == Allowed()


@pytest.mark.parametrize(
    "giver,taker,supervisor",
    [
        (GIVER, GIVER, LEADER),
        (GIVER, TAKER, person(1, "甲", "leader")),  # the giver supervises
        (GIVER, person(9, "王主任", "custodian"), LEADER),  # the taker supervises
        (GIVER, GIVER, GIVER),
        (person(1, "甲", "custodian", active=False), GIVER, LEADER),  # the same one, inactive too
    ],
    ids=["giver-is-taker", "giver-supervises", "taker-supervises", "one-person", "same-and-inactive"],
)
def test_the_people_of_a_handover(giver, taker, supervisor):
    assert decide_handover(giver, taker, supervisor) == PEOPLE


@pytest.mark.parametrize(
    "giver,taker,supervisor,named",
    [
        (person(1, "甲", "custodian", active=False), TAKER, LEADER, "甲"),
        (GIVER, person(2, "乙", "custodian", active=False), person(3, "丙", "leader"), "乙"),
        (GIVER, TAKER, person(9, "王主任", "leader", active=False), "王主任"),
        (person(1, "甲", active=False), person(2, "乙", active=False), LEADER, "甲"),  # the first named
    ],
    ids=["giver-inactive", "taker-inactive", "supervisor-inactive", "two-inactive"],
)
def test_an_inactive_person_is_named(giver, taker, supervisor, named):
    assert decide_handover(giver, taker, supervisor) == Refusal("handover_inactive", {"person": named}, "P26")


@pytest.mark.parametrize("role", ["custodian", "staff", "admin"])
def test_the_supervisor_is_an_office_leader(role):
    assert decide_handover(GIVER, TAKER, person(3, "丙", role)) == Refusal(
        "approver_not_leader", {"approver": "丙"}, "P26"
    )


def test_a_handover_is_recorded_only_when_every_item_is_accounted_for():
    assert decide_handover_count("S1", ()) == Allowed()
    assert decide_handover_count("S1", ("111",)) == Refusal(
        "handover_incomplete", {"station": "S1", "count": 1, "items": "111"}, "P26"
    )
    assert decide_handover_count("S1", ("111", "222")) == Refusal(
        "handover_incomplete", {"station": "S1", "count": 2, "items": "111, 222"}, "P26"
    )


def test_a_scope_is_changed_only_by_an_active_leader():
    assert decide_scope_change(LEADER) == Allowed()
    for by in (
        person(9, "王主任", "leader", active=False),
        person(5, "赵", "custodian"),
        person(4, "钱", "admin"),
    ):
        assert decide_scope_change(by) == Refusal("scope_needs_leader", {"by": by.name}, "P9")
