"""Closing time (custody.rules.closing, P23) pinned whole: who may close a safe, the second check's
window to the second, and who may make that check — every decision compared in full (reason key,
params, P-number)."""

from datetime import timedelta

import pytest
from test_rules_facts import NOW, person

from custody.rules.closing import CheckFacts, awaits_second_check, decide_close_safe, decide_second_check
from custody.rules.facts import Allowed, Refusal

WINDOW = timedelta(minutes=30)
ONE_S = timedelta(seconds=1)
CLOSER = person(5, "赵保密员", "custodian")


@pytest.mark.parametrize(
    "role,active,allowed",
    [
        ("custodian", True, True),
        ("leader", True, True),
        ("custodian", False, False),
        ("leader", False, False),
        ("staff", True, False),
        ("admin", True, False),
    ],
    ids=["custodian", "leader", "inactive-custodian", "inactive-leader", "staff", "admin"],
)
def test_who_closes_a_safe(role, active, allowed):
    d = decide_close_safe(person(3, "李", role, active=active), "S1")
    if allowed:
        assert d == Allowed()
    else:
        assert d == Refusal("close_safe_not_allowed", {"person": "李", "station": "S1"}, "P23")


@pytest.mark.parametrize(
    "age,awaits",
    [
        (WINDOW, True),  # at the window exactly it still awaits
        (WINDOW - ONE_S, True),
        (WINDOW + ONE_S, False),  # the first second after it, no longer
        (timedelta(0), True),
    ],
    ids=["window", "window-1s", "window+1s", "just-closed"],
)
def test_a_closing_check_awaits_its_second_person_within_the_window(age, awaits):
    check = CheckFacts(closed_by=CLOSER.id, closed_at=NOW - age, checked=False)
    assert awaits_second_check(check, NOW, WINDOW) is awaits


def test_no_check_or_one_already_checked_awaits_nobody():
    assert awaits_second_check(None, NOW, WINDOW) is False
    done = CheckFacts(closed_by=CLOSER.id, closed_at=NOW, checked=True)
    assert awaits_second_check(done, NOW, WINDOW) is False


def test_the_second_check_is_made_by_another_active_person():
    check = CheckFacts(closed_by=CLOSER.id, closed_at=NOW, checked=False)
    assert decide_second_check(person(6, "周"), check) == Allowed()
    assert decide_second_check(CLOSER, check) == Refusal(
        "second_check_same_person", {"person": "赵保密员"}, "P23"
    )
    inactive_closer = person(5, "赵保密员", "custodian", active=False)
    assert decide_second_check(inactive_closer, check) == Refusal(
        "second_check_same_person", {"person": "赵保密员"}, "P23"
    )  # the same person is named first, active or not
    assert decide_second_check(person(6, "周", active=False), check) == Refusal(
        "second_check_inactive", {"person": "周"}, "P23"
    )
