"""P8/P27 (custody.rules.people) pinned whole: each hold rule's refusal in full, the order the rules
run in, and changing a person who holds items (the list to hand back, a clearance at the held level)."""

from datetime import timedelta

import pytest
from test_rules_facts import TODAY, item, person

from custody.rules.facts import Refusal
from custody.rules.people import held_list, may_close_out, may_hold, may_lower_clearance

ITEM = item("secret", code="111", title="甲")
BASE = {"code": "111", "title": "甲", "level": "secret", "kind": "document", "person": "张三"}
DAY = timedelta(days=1)


def test_each_hold_rule_in_full():
    assert may_hold(person(active=False), ITEM, TODAY) == Refusal("person_inactive", BASE, "P8")
    assert may_hold(person(off_post_until=TODAY), ITEM, TODAY) == Refusal(
        "person_off_post", {**BASE, "until": TODAY.isoformat()}, "P8"
    )
    assert may_hold(person(clearance="confidential"), ITEM, TODAY) == Refusal(
        "clearance_too_low", {**BASE, "clearance": "confidential"}, "P8"
    )


@pytest.mark.parametrize(
    "clearance,level,allowed",
    [
        ("secret", "secret", True),  # at the clearance
        ("secret", "confidential", True),
        ("secret", "top-secret", False),  # one above
        ("confidential", "secret", False),
        ("unclassified", "unclassified", True),
        ("unclassified", "internal", False),
        ("top-secret", "top-secret", True),
    ],
)
def test_clearance_against_level(clearance, level, allowed):
    r = may_hold(person(clearance=clearance), item(level), TODAY)
    assert (r is None) is allowed


@pytest.mark.parametrize(
    "until,refused",
    [(TODAY + DAY, True), (TODAY, True), (TODAY - DAY, False), (None, False)],
    ids=["tomorrow", "today", "yesterday", "none"],
)
def test_the_off_post_period_ends_after_its_last_day(until, refused):
    r = may_hold(person(off_post_until=until), ITEM, TODAY)
    if refused:
        assert r == Refusal("person_off_post", {**BASE, "until": until.isoformat()}, "P8")
    else:
        assert r is None


def test_the_rules_run_in_order_the_first_refusal_wins():
    everything = person(active=False, off_post_until=TODAY, clearance="internal")
    assert may_hold(everything, ITEM, TODAY).reason == "person_inactive"
    assert (
        may_hold(person(off_post_until=TODAY, clearance="internal"), ITEM, TODAY).reason == "person_off_post"
    )


def test_what_to_hand_back():
    one, two = item(code="111", title="甲"), item(code="222", title="乙")
    assert held_list(()) == ""
    assert held_list((one, two)) == "111 “甲”, 222 “乙”"
    assert may_close_out(person(), ()) is None
    assert may_close_out(person(), (one,)) == Refusal(
        "must_hand_back", {"person": "张三", "count": 1, "items": "111 “甲”"}, "P8"
    )
    assert may_close_out(person(), (one, two)) == Refusal(
        "must_hand_back", {"person": "张三", "count": 2, "items": "111 “甲”, 222 “乙”"}, "P8"
    )


def test_a_clearance_is_lowered_to_the_held_level_not_below():
    s = item("secret", code="111", title="甲")
    c = item("confidential", code="222", title="乙")
    ts = item("top-secret", code="333", title="丙")
    assert may_lower_clearance(person(), (), "unclassified") is None
    assert may_lower_clearance(person(), (s, c), "secret") is None  # equal to the highest held
    assert may_lower_clearance(person(), (s, c), "confidential") == Refusal(
        "clearance_below_held", {"person": "张三", "clearance": "confidential", "items": "111 “甲”"}, "P8"
    )
    assert may_lower_clearance(person(), (ts, c, s), "internal") == Refusal(
        "clearance_below_held",
        {"person": "张三", "clearance": "internal", "items": "333 “丙”, 222 “乙”, 111 “甲”"},
        "P8",
    )
