"""CMD-UNDO (custody.rules.undo): nothing changed since, and a re-lend asks P8."""

from datetime import timedelta

import pytest
from test_rules_facts import NOW, TODAY, item, person

from custody.rules import undo
from custody.rules.facts import Allowed, UndoFacts, item_params


def facts(kind="returned", seq=5, last_seq=5, holder=None, it=None) -> UndoFacts:
    return UndoFacts(kind, seq, last_seq, it or item(), holder or person(), NOW)


@pytest.mark.parametrize("kind", ["checked_out", "returned"])
def test_undo_of_the_latest_event_is_allowed(kind):
    d = undo.decide_undo(facts(kind))
    assert isinstance(d, Allowed) and d.params["code"] == item().code


@pytest.mark.parametrize("last_seq", [6, 4, None])
def test_anything_since_refuses(last_seq):
    r = undo.decide_undo(facts(last_seq=last_seq))
    assert r.reason == "undo_changed_since" and r.params == item_params(item())


def test_a_holder_who_no_longer_exists_refuses():
    f = UndoFacts("checked_out", 5, 5, item(), None, NOW)
    assert undo.decide_undo(f).reason == "undo_changed_since"
    f = UndoFacts("returned", 5, 5, item(), None, NOW)
    assert undo.decide_undo(f).reason == "undo_changed_since"
    assert undo.relend_allowed(f) is None


@pytest.mark.parametrize(
    "holder,reason",
    [
        (person(active=False), "person_inactive"),
        (person(off_post_until=TODAY), "person_off_post"),
        (person(clearance="confidential"), "clearance_too_low"),
    ],
)
def test_undoing_a_return_re_lends_so_p8_decides(holder, reason):
    d = undo.decide_undo(facts("returned", holder=holder))
    assert d.reason == reason and d.rule == "P8"


def test_undoing_a_check_out_takes_back_whoever_holds_it():
    d = undo.decide_undo(facts("checked_out", holder=person(active=False, clearance="internal")))
    assert isinstance(d, Allowed)


def test_off_post_ended_yesterday_may_have_it_back():
    assert isinstance(
        undo.decide_undo(facts(holder=person(off_post_until=TODAY - timedelta(days=1)))), Allowed
    )


def test_the_table():
    assert undo.UNDO_RULES == (undo.unchanged_since, undo.relend_allowed)
