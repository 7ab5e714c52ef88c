"""Where an item may go and who may hold it (issue 14): the station table (P11, P15), loans out of the
office (P13, P14), seals and letters (P28), need to know by badge (P9), and P8 on changes to a
person — all on plain data, to their boundaries."""

from datetime import timedelta

import pytest
from test_rules_facts import LEADER, NOW, item, person

from custody.rules import handover, loans, people, places
from custody.rules.facts import Allowed, Refusal
from custody.rules.places import LoanTerms

SECOND = person(2, "李四", clearance="secret")
LATER = NOW + timedelta(hours=4)


def co(it=None, who=None, kind="safe", station="保密室", approver=None, **terms):
    return loans.CheckOutFacts(
        it or item(), who or person(), station, kind, NOW, approver=approver, terms=LoanTerms(**terms)
    )


def decide(*a, **kw):
    return loans.decide_check_out(co(*a, **kw))


# --- the one table ---------------------------------------------------------------------------------


def test_the_table_names_every_station_kind_and_top_secret_reads_on_site_only():
    from custody import vocab

    assert set(places.PLACES) == {k.slug for k in vocab.STATION_KINDS}
    assert set(places.TOP_SECRET_PLACES) == {"reading-room", "safe", "desk"}
    assert places.ARCHIVE_PLACES == ("archive-room",)
    for row in places.PLACES.values():
        assert row.get("top-secret", places.ON_SITE) == places.ON_SITE


@pytest.mark.parametrize("kind", ["reading-room", "safe", "desk"])
def test_top_secret_is_read_at_the_reading_room_the_safe_or_the_desk(kind):
    d = decide(item("top-secret"), person(clearance="top-secret"), kind=kind, approver=LEADER)
    assert isinstance(d, Allowed)


def test_top_secret_is_refused_in_the_archive_room_naming_the_rule():
    d = decide(
        item("top-secret"),
        person(clearance="top-secret"),
        kind="archive-room",
        station="档案室",
        approver=LEADER,
    )
    assert (d.reason, d.rule, d.params["station"]) == ("top_secret_on_site", "P11", "档案室")


@pytest.mark.parametrize("purpose", ["outside", "external"])
def test_top_secret_never_leaves_even_with_a_leader(purpose):
    d = decide(
        item("top-secret"),
        person(clearance="top-secret"),
        approver=LEADER,
        purpose=purpose,
        due=LATER,
        second=SECOND,
        unit="财政局",
        recipient="王五",
    )
    assert (d.reason, d.rule) == ("top_secret_not_outside", "P11")


def test_the_station_answer_says_the_rule_in_chinese():
    from custody.messages.catalog import text

    d = decide(item("top-secret"), person(clearance="top-secret"), kind="archive-room", approver=LEADER)
    assert text(d.reason, **d.params).render("zh").startswith("绝密文件只能在阅文室阅读")


# --- P15 archives -----------------------------------------------------------------------------------


def archive(**kw):
    return item("confidential", kind="archive", title="1998年案卷", **kw)


def test_an_archive_file_is_consulted_only_in_the_archive_room():
    d = decide(archive(), letter="介字〔2026〕8号")
    assert (d.reason, d.rule) == ("archive_in_archive_room", "P15")
    assert isinstance(decide(archive(), kind="archive-room", letter="介字〔2026〕8号"), Allowed)


def test_an_archive_consultation_needs_a_letter_or_a_leader():
    d = decide(archive(), kind="archive-room")
    assert (d.reason, d.rule) == ("archive_needs_letter", "P15")
    assert isinstance(decide(archive(), kind="archive-room", letter="  "), Refusal)  # blank is no number
    assert isinstance(decide(archive(), kind="archive-room", approver=LEADER), Allowed)


def test_an_archive_file_leaves_only_as_a_special_case_a_leader_approves():
    d = decide(archive(), kind="archive-room", letter="8", purpose="outside", due=LATER, second=SECOND)
    assert (d.reason, d.rule) == ("archive_not_lent", "P15")
    ok = decide(archive(), kind="archive-room", approver=LEADER, purpose="outside", due=LATER, second=SECOND)
    assert isinstance(ok, Allowed)


# --- P13 outside, P14 external ---------------------------------------------------------------------


def test_outside_needs_a_leader_then_a_due_time_then_two_people():
    assert decide(purpose="outside", due=LATER, second=SECOND).reason == "outside_needs_leader"
    assert decide(approver=LEADER, purpose="outside", second=SECOND).reason == "loan_needs_due"
    assert decide(approver=LEADER, purpose="outside", due=LATER).reason == "outside_needs_two"
    d = decide(approver=LEADER, purpose="outside", due=LATER, second=SECOND)
    assert isinstance(d, Allowed)


def test_the_due_time_must_be_later_than_now_to_the_second():
    assert decide(approver=LEADER, purpose="outside", due=NOW, second=SECOND).rule == "P13"
    d = decide(approver=LEADER, purpose="outside", due=NOW + timedelta(seconds=1), second=SECOND)
    assert isinstance(d, Allowed)


def test_an_internal_item_goes_outside_with_one_person():
    assert isinstance(decide(item("internal"), approver=LEADER, purpose="outside", due=LATER), Allowed)


def test_the_second_person_is_someone_else_and_may_hold_it():
    assert (
        decide(approver=LEADER, purpose="outside", due=LATER, second=person()).reason == "second_same_person"
    )
    low = person(3, "王五", clearance="confidential")
    d = decide(approver=LEADER, purpose="outside", due=LATER, second=low)
    assert (d.reason, d.rule) == ("clearance_too_low", "P8")
    off = person(3, "王五", clearance="secret", active=False)
    assert decide(approver=LEADER, purpose="outside", due=LATER, second=off).reason == "person_inactive"


def test_external_needs_a_leader_the_unit_a_recipient_and_a_due_date():
    full = {"purpose": "external", "unit": "县财政局", "recipient": "王五", "due": LATER}
    assert decide(**full).reason == "external_needs_leader"
    assert decide(approver=LEADER, **{**full, "recipient": " "}).reason == "external_needs_recipient"
    assert decide(approver=LEADER, **{**full, "unit": ""}).reason == "external_needs_recipient"
    assert decide(approver=LEADER, **{**full, "due": None}).reason == "loan_needs_due"
    d = decide(approver=LEADER, **full)
    assert isinstance(d, Allowed) and d.params["person"] == "张三"


def test_a_leader_approves_no_outside_loan_of_their_own():
    d = decide(who=LEADER, approver=LEADER, purpose="outside", due=LATER, second=SECOND)
    assert d.reason == "outside_needs_leader"


# --- P28 seals and letters --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["seal", "letter"])
def test_a_seal_or_letter_needs_a_stated_use_and_a_leader(kind):
    it = item("internal", kind=kind, title="办公室印章")
    assert (decide(it, approver=LEADER).reason, decide(it, approver=LEADER).rule) == ("seal_needs_use", "P28")
    assert decide(it, use="合同用印").reason == "seal_needs_use"
    assert isinstance(decide(it, approver=LEADER, use="合同用印"), Allowed)


# --- P9 by department or badge -----------------------------------------------------------------------


def test_scope_matches_a_department_or_a_badge_and_an_empty_dept_matches_nothing():
    scoped = item(scope=("综合科", "B009"))
    assert isinstance(decide(scoped, person(dept="综合科")), Allowed)
    assert isinstance(decide(scoped, person(badge="B009")), Allowed)
    assert decide(item(scope=("",)), person(dept="")).reason == "outside_scope"
    assert isinstance(decide(scoped, person(dept="办公室"), approver=LEADER), Allowed)


def test_only_an_active_leader_changes_a_scope():
    assert isinstance(handover.decide_scope_change(LEADER), Allowed)
    assert handover.decide_scope_change(person()).rule == "P9"
    assert handover.decide_scope_change(person(9, role="leader", active=False)).reason == "scope_needs_leader"


# --- P8 changes to a person who holds items ---------------------------------------------------------


def test_a_person_holding_nothing_may_be_closed_out():
    assert people.may_close_out(person(), ()) is None


def test_a_person_holding_items_is_refused_with_the_list():
    held = (item(code="111111111116", title="甲"), item(code="222222222224", title="乙"))
    r = people.may_close_out(person(), held)
    assert (r.reason, r.rule, r.params["count"]) == ("must_hand_back", "P8", 2)
    assert r.params["items"] == "111111111116 “甲”, 222222222224 “乙”"


def test_a_clearance_equal_to_the_level_held_is_fine_one_below_is_refused():
    held = (item("secret"), item("confidential", code="222222222224"))
    assert people.may_lower_clearance(person(clearance="top-secret"), held, "secret") is None
    r = people.may_lower_clearance(person(), held, "confidential")
    assert (r.reason, r.rule, r.params["items"]) == ("clearance_below_held", "P8", "123456789012 “年度要点”")


# --- P26 handover ------------------------------------------------------------------------------------


def test_a_handover_needs_three_different_active_people_and_a_leader_supervising():
    a, b = person(1, "赵", "custodian"), person(2, "钱", "custodian")
    assert isinstance(handover.decide_handover(a, b, LEADER), Allowed)
    assert handover.decide_handover(a, a, LEADER).reason == "handover_people"
    assert handover.decide_handover(a, person(2, active=False), LEADER).reason == "handover_inactive"
    assert handover.decide_handover(a, b, person(3, "孙")).rule == "P26"


def test_a_handover_is_recorded_only_when_nothing_is_missing():
    assert isinstance(handover.decide_handover_count("保密室", ()), Allowed)
    r = handover.decide_handover_count("保密室", ("111111111116",))
    assert (r.reason, r.params["count"], r.params["items"]) == ("handover_incomplete", 1, "111111111116")
