"""P8 (custody.rules.people): who may hold an item, to the boundaries."""

from datetime import timedelta

import pytest
from test_rules_facts import TODAY, item, person

from custody.rules import people
from custody.rules.people import HOLD_RULES, HoldFacts, may_hold


def test_an_active_cleared_person_on_post_may_hold():
    assert may_hold(person(), item(), TODAY) is None


def test_an_inactive_person_holds_nothing():
    r = may_hold(person(active=False), item(), TODAY)
    assert (r.reason, r.rule, r.params["person"], r.params["code"]) == (
        "person_inactive",
        "P8",
        "张三",
        item().code,
    )


@pytest.mark.parametrize(
    "until,refused",
    [
        (TODAY + timedelta(days=1), True),
        (TODAY, True),  # the last day of the off-post period is still off post
        (TODAY - timedelta(days=1), False),  # the day after it, allowed again
        (None, False),
    ],
)
def test_the_off_post_period_includes_its_last_day(until, refused):
    r = may_hold(person(off_post_until=until), item(), TODAY)
    if refused:
        assert r.reason == "person_off_post" and r.rule == "P8" and r.params["until"] == until.isoformat()
    else:
        assert r is None


@pytest.mark.parametrize(
    "clearance,level,allowed",
    [
        ("secret", "secret", True),  # clearance equal to the level
        ("top-secret", "secret", True),
        ("confidential", "secret", False),  # one below
        ("unclassified", "internal", False),
        ("internal", "internal", True),
        ("secret", "top-secret", False),
    ],
)
def test_clearance_at_or_above_the_level(clearance, level, allowed):
    r = may_hold(person(clearance=clearance), item(level), TODAY)
    if allowed:
        assert r is None
    else:
        assert r.reason == "clearance_too_low" and r.rule == "P8" and r.params["clearance"] == clearance


def test_the_rules_run_in_order_inactive_before_off_post_before_clearance():
    everything_wrong = person(clearance="internal", active=False, off_post_until=TODAY)
    assert may_hold(everything_wrong, item(), TODAY).reason == "person_inactive"
    off_and_low = person(clearance="internal", off_post_until=TODAY)
    assert may_hold(off_and_low, item(), TODAY).reason == "person_off_post"
    assert HOLD_RULES == (people.is_active, people.not_off_post, people.cleared)


def test_each_rule_alone():
    f = HoldFacts(person(), item(), TODAY)
    assert people.is_active(f) is None and people.not_off_post(f) is None and people.cleared(f) is None
