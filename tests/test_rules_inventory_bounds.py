"""Inventory counts (custody.rules.inventory, P22/P23) pinned whole: who starts and closes a count,
one count at a time, and how a count is sorted (every category, duplicates from two reads on)."""

import pytest
from test_rules_facts import person

from custody.rules.facts import Allowed, Refusal
from custody.rules.inventory import (
    OpenCount,
    Reconciliation,
    SeenFacts,
    classify,
    decide_close_count,
    decide_start_count,
    reconcile,
)

OPEN = OpenCount(starter_id=5, starter="赵保密员", since="2026-11-30 09:00")


@pytest.mark.parametrize("role", ["custodian", "leader"])
def test_an_active_custodian_or_leader_starts_a_count(role):
    assert decide_start_count(person(3, "李", role), "S1", None) == Allowed()


@pytest.mark.parametrize(
    "role,active",
    [("staff", True), ("admin", True), ("custodian", False), ("leader", False)],
    ids=["staff", "admin", "inactive-custodian", "inactive-leader"],
)
def test_nobody_else_starts_a_count(role, active):
    refusal = Refusal("count_start_not_allowed", {"person": "李"}, "P23")
    assert decide_start_count(person(3, "李", role, active=active), "S1", None) == refusal
    assert decide_start_count(person(3, "李", role, active=active), "S1", OPEN) == refusal  # P23 first


def test_one_count_at_a_time_per_station():
    assert decide_start_count(person(3, "李", "custodian"), "S1", OPEN) == Refusal(
        "count_already_open", {"station": "S1", "starter": "赵保密员", "since": "2026-11-30 09:00"}, "P22"
    )


@pytest.mark.parametrize(
    "closer,allowed",
    [
        (person(5, "赵保密员", "staff"), True),  # its starter, whatever the role
        (person(5, "赵保密员", "custodian", active=False), True),  # its starter, even inactive now
        (person(6, "周", "custodian"), True),  # another active custodian
        (person(6, "周", "custodian", active=False), False),
        (person(6, "周", "leader"), False),
        (person(6, "周", "admin"), False),
        (person(6, "周", "staff"), False),
    ],
    ids=["starter-staff", "starter-inactive", "custodian", "inactive-custodian", "leader", "admin", "staff"],
)
def test_who_closes_a_count(closer, allowed):
    d = decide_close_count(closer, OPEN)
    if allowed:
        assert d == Allowed()
    else:
        assert d == Refusal("count_close_not_allowed", {"starter": "赵保密员", "person": "周"}, "P23")


@pytest.mark.parametrize(
    "home,status,category",
    [
        ("S1", "in", "found"),
        ("S2", "in", "misplaced"),
        ("S1", "out", "out_but_seen"),
        ("S2", "out", "out_but_seen"),
        ("S1", "destroyed", "not_in_stock"),
        ("S1", "lost", "not_in_stock"),
        ("S1", "returned-to-issuer", "not_in_stock"),
    ],
)
def test_each_seen_item_has_one_category(home, status, category):
    assert classify("S1", SeenFacts(home, status)) == category


def test_a_count_sorted_whole():
    seen = {
        "5": SeenFacts("S1", "in"),
        "1": SeenFacts("S1", "in"),
        "2": SeenFacts("S2", "in"),
        "3": SeenFacts("S1", "out"),
        "4": SeenFacts("S1", "destroyed"),
    }
    r = reconcile(
        "S1",
        expected=["9", "1", "5", "8", "3"],
        seen=seen,
        unknown={"X2": 1, "X1": 2},
        reads={"5": 1, "1": 2, "2": 3, "3": 1, "4": 1},
    )
    assert r == Reconciliation(
        found=["1", "5"],
        missing=["8", "9"],
        misplaced=["2"],
        out_but_seen=["3"],
        not_in_stock=["4"],
        unknown=["X1", "X2"],
        duplicates={"1": 2, "2": 3, "X1": 2},  # read twice or more; once is no duplicate
    )
    assert list(r.duplicates) == ["1", "2", "X1"]


def test_an_empty_count():
    assert reconcile("S1", [], {}, {}, {}) == Reconciliation()
    assert reconcile("S1", ["1"], {}, {}, {}) == Reconciliation(missing=["1"])
