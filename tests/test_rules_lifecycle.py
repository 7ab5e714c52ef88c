"""An item's whole life (custody.rules.lifecycle) on plain data, to its boundaries: the one approval
model (a request's window to the second, uses, whose approval), P16–P19 and the P4 period maximum."""

from datetime import date, timedelta

import pytest
from test_rules_facts import LEADER, NOW, TODAY, item, person

from custody.rules import lifecycle as rules
from custody.rules.facts import Allowed, Refusal

ONE_S = timedelta(seconds=1)
CUSTODIAN = person(5, "赵保密员", "custodian", "top-secret")
W1, W2 = person(6, "周"), person(7, "吴")
START, END = NOW - timedelta(hours=1), NOW + timedelta(hours=1)


def life(level="secret", status="in", **kw) -> rules.LifeItem:
    extra = {k: kw.pop(k) for k in list(kw) if k in ("holder", "since")}
    return rules.LifeItem(item(level=level, status=status, **extra), **kw)


def request(**kw) -> rules.Grant:
    base = dict(
        source="request",
        approver=LEADER,
        action="destroy",
        person_id=CUSTODIAN.id,
        valid_from=START,
        valid_until=END,
        uses_left=1,
        id=12,
    )
    return rules.Grant(**{**base, **kw})


def act(it=None, by=CUSTODIAN, **kw) -> rules.ActFacts:
    return rules.ActFacts(item=it or life(), by=by, now=kw.pop("now", NOW), **kw)


# --- the one approval model ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at,covers",
    [(START - ONE_S, False), (START, True), (NOW, True), (END, True), (END + ONE_S, False)],
)
def test_a_requests_window_first_and_last_second_included(at, covers):
    assert rules.covers(request(), CUSTODIAN.id, "destroy", life(), at) is covers


def test_what_a_grant_covers():
    it = life(doc_no="办发12号", issuer="县委")
    assert rules.covers(request(), CUSTODIAN.id, "destroy", it, NOW)
    assert not rules.covers(request(action="copy"), CUSTODIAN.id, "destroy", it, NOW)  # another act
    assert not rules.covers(request(person_id=99), CUSTODIAN.id, "destroy", it, NOW)  # for someone else
    assert not rules.covers(request(item_code="999"), CUSTODIAN.id, "destroy", it, NOW)  # another item
    assert rules.covers(request(item_code=it.code), CUSTODIAN.id, "destroy", it, NOW)
    assert rules.covers(request(document=("县委", "办发12号")), CUSTODIAN.id, "destroy", it, NOW)
    assert not rules.covers(request(document=("县委", "办发13号")), CUSTODIAN.id, "destroy", it, NOW)
    assert not rules.covers(request(uses_left=0), CUSTODIAN.id, "destroy", it, NOW)  # used up
    assert rules.covers(request(uses_left=None), CUSTODIAN.id, "destroy", it, NOW)  # any number of uses
    assert not rules.covers(
        request(approver=person(9, "王", "leader", active=False)), CUSTODIAN.id, "destroy", it, NOW
    )
    assert not rules.covers(request(approver=person(9, "王", "custodian")), CUSTODIAN.id, "destroy", it, NOW)
    assert not rules.covers(request(person_id=LEADER.id), LEADER.id, "destroy", it, NOW)  # not for oneself


def test_deciding_a_request():
    r = rules.RequestFacts(12, "copy", person(1), person(2), "pending", START, END)
    assert isinstance(rules.decide_request_decision(r, LEADER, NOW), Allowed)
    assert rules.decide_request_decision(r, LEADER, END + ONE_S).reason == "request_window_past"
    assert rules.decide_request_decision(r, LEADER, END).__class__ is Allowed  # its last second
    for own in (
        rules.RequestFacts(12, "copy", LEADER, person(2), "pending", START, END),
        rules.RequestFacts(12, "copy", person(1), LEADER, "pending", START, END),
    ):
        d = rules.decide_request_decision(own, LEADER, NOW)
        assert (d.reason, d.rule) == ("own_request", "P10")
    assert (
        rules.decide_request_decision(r, person(9, "王", "leader", active=False), NOW).reason
        == "approver_not_leader"
    )
    done = rules.RequestFacts(12, "copy", person(1), person(2), "approved", START, END)
    assert rules.decide_request_decision(done, LEADER, NOW).reason == "request_decided"


def test_making_a_request():
    ok = rules.RequestFacts(0, "check-out", person(1), person(1), "pending", NOW, END)
    assert isinstance(rules.decide_request(ok, NOW), Allowed)
    assert (
        rules.decide_request(
            rules.RequestFacts(0, "fly", person(1), person(1), "pending", NOW, END), NOW
        ).reason
        == "request_unknown_action"
    )
    past = rules.RequestFacts(0, "copy", person(1), person(1), "pending", START - timedelta(hours=2), START)
    assert rules.decide_request(past, NOW).reason == "request_window_past"


# --- P16 ------------------------------------------------------------------------------------------------------


def test_copy_needs_a_leader_for_secret_and_the_issuer_for_top_secret():
    present = rules.Grant("present", LEADER, "copy")
    assert rules.decide_copy(act()).reason == "copy_needs_leader"
    assert isinstance(rules.decide_copy(act(present=present)), Allowed)
    assert isinstance(rules.decide_copy(act(life("internal"))), Allowed)
    d = rules.decide_copy(act(life("top-secret"), present=present))
    assert (d.reason, d.rule) == ("copy_needs_issuer", "P16")
    assert isinstance(
        rules.decide_copy(act(life("top-secret"), present=present, issuer_ref="国保3号")), Allowed
    )
    assert rules.decide_copy(act(life(no_copy=True), present=present)).reason == "copy_forbidden"
    assert rules.decide_copy(act(present=present, extra={"copies": 0})).reason == "copy_count"
    assert rules.decide_copy(act(by=person(1), present=present)).reason == "not_registrar"
    own = rules.Grant("present", CUSTODIAN, "copy")
    assert rules.decide_copy(act(present=own)).reason == "own_approval"


@pytest.mark.parametrize(
    "status,lost_from,reason,rule",
    [
        ("out", None, "copy_while_out", "P16"),
        ("lost", "in", "item_lost", "P19"),
        ("lost", None, "item_gone", "P19"),
        ("destroyed", None, "item_gone", "P18"),
        ("returned-to-issuer", None, "item_gone", "P17"),
    ],
)
def test_copy_of_an_item_not_on_hand(status, lost_from, reason, rule):
    d = rules.decide_copy(
        act(life(status=status, lost_from=lost_from), present=rules.Grant("present", LEADER, "copy"))
    )
    assert (d.reason, d.rule) == (reason, rule)


# --- P18 ---------------------------------------------------------------------------------------------------------


def test_destruction_needs_a_leader_and_two_witnesses_not_the_actor():
    present = rules.Grant("present", LEADER, "destroy")
    assert isinstance(rules.decide_destroy(act(present=present, witnesses=(W1, W2))), Allowed)
    assert isinstance(rules.decide_destroy(act(grants=(request(),), witnesses=(W1, W2))), Allowed)
    assert rules.decide_destroy(act(witnesses=(W1, W2))).reason == "destroy_needs_leader"
    assert rules.decide_destroy(act(present=present, witnesses=(W1,))).reason == "destroy_needs_witnesses"
    assert rules.decide_destroy(act(present=present, witnesses=(W1, W1))).reason == "destroy_needs_witnesses"
    assert rules.decide_destroy(act(present=present, witnesses=(W1, CUSTODIAN))).reason == "witness_is_actor"
    gone = person(8, "钱", active=False)
    assert rules.decide_destroy(act(present=present, witnesses=(W1, gone))).reason == "witness_inactive"
    assert (
        rules.decide_destroy(act(life(status="out"), present=present, witnesses=(W1, W2))).reason
        == "destroy_while_out"
    )


# --- P17 ---------------------------------------------------------------------------------------------------------


def test_return_to_issuer_and_due_dates():
    assert isinstance(rules.decide_return_to_issuer(act()), Allowed)
    assert rules.decide_return_to_issuer(act(life(status="out"))).reason == "return_while_out"
    assert rules.due_back_valid(TODAY, TODAY) is None  # a due date today is allowed
    assert rules.due_back_valid(TODAY - timedelta(days=1), TODAY).reason == "due_date_past"


@pytest.mark.parametrize(
    "days_left,flag",
    [(8, None), (7, "due_to_issuer"), (0, "due_to_issuer"), (-1, "overdue_to_issuer")],
)
def test_due_back_listed_ahead_and_flagged_after(days_left, flag):
    assert rules.due_state(TODAY + timedelta(days=days_left), TODAY, 7) == flag
    assert rules.due_state(None, TODAY, 7) is None


# --- P19 ---------------------------------------------------------------------------------------------------------


def test_loss_reports_and_their_resolution():
    assert isinstance(rules.decide_report_loss(act(by=person(1))), Allowed)
    assert rules.decide_report_loss(act(life(status="lost", lost_from="in"))).reason == "already_lost"
    assert rules.decide_report_loss(act(life(status="destroyed"))).reason == "item_gone"
    lost = life(status="lost", lost_from="out")
    d = rules.decide_resolve_loss(act(lost, by=LEADER))
    assert isinstance(d, Allowed) and d.params["back_to"] == "out"
    assert rules.decide_resolve_loss(act(lost)).reason == "resolve_needs_leader"
    assert rules.decide_resolve_loss(act(life(), by=LEADER)).reason == "not_lost"


# --- P4 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "level,spec,refused",
    [
        ("confidential", "until:2036-11-30", None),  # exactly 10 years from receipt
        ("confidential", "until:2036-12-01", "period_too_long"),
        ("confidential", "until:2099-01-01", "period_too_long"),
        ("confidential", "long-term", "period_long_term"),
        ("top-secret", "until:2056-11-30", None),
        ("internal", "long-term", None),  # set by the office
        ("secret", "condition:项目验收后", None),
        ("secret", "20y", None),
    ],
)
def test_a_period_is_held_to_the_legal_maximum_for_its_level(level, spec, refused):
    r = rules.period_refusal(level, spec, date(2026, 11, 30))
    assert (r.reason if r else None) == refused
    if isinstance(r, Refusal):
        assert r.rule == "P4"


def test_review_outcomes():
    it = life("confidential", received_on=date(2026, 11, 30), period="5y")
    for outcome in ("declassify", "keep"):
        assert isinstance(rules.decide_review(act(it, by=LEADER, extra={"outcome": outcome})), Allowed)
    assert isinstance(
        rules.decide_review(act(it, by=LEADER, extra={"outcome": "extend", "period": "10y"})), Allowed
    )
    assert (
        rules.decide_review(act(it, by=LEADER, extra={"outcome": "extend"})).reason == "review_needs_period"
    )
    assert (
        rules.decide_review(
            act(it, by=LEADER, extra={"outcome": "extend", "period": "until:2099-01-01"})
        ).reason
        == "period_too_long"
    )
    assert rules.decide_review(act(it, by=LEADER, extra={"outcome": "burn"})).reason == "review_outcome"
    assert rules.decide_review(act(it, extra={"outcome": "keep"})).reason == "review_needs_leader"


def test_setting_a_due_date():
    assert isinstance(rules.decide_due_back(act(), TODAY, TODAY), Allowed)  # today is allowed
    assert rules.decide_due_back(act(), TODAY - timedelta(days=1), TODAY).reason == "due_date_past"
    assert rules.decide_due_back(act(by=person(1)), TODAY, TODAY).reason == "not_registrar"
    assert rules.decide_due_back(act(life(status="destroyed")), TODAY, TODAY).reason == "item_gone"
