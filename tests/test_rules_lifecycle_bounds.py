"""An item's life after receipt (custody.rules.lifecycle) pinned whole: every `decide_*` and each
rule of its tables compared in full — `Allowed(params=…)` or `Refusal(reason, params, rule)` — at
each boundary (a request's window to the second, uses, copies 1…1000, two witnesses, the P4 maximum
to the day). The rule factories (`_on_hand`, `_registrar`, `_approved`) are asked for each action."""

from datetime import date, timedelta

import pytest
from test_rules_facts import LEADER, NOW, TODAY, item, person

from custody.rules import lifecycle as rules
from custody.rules.facts import Allowed, Refusal

ONE_S, DAY = timedelta(seconds=1), timedelta(days=1)
START, END = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
CUSTODIAN = person(5, "赵保密员", "custodian", "top-secret")
W1, W2 = person(6, "周"), person(7, "吴")
PRESENT = {a: rules.Grant("present", LEADER, a) for a in ("copy", "destroy")}


def life(level="secret", status="in", **kw) -> rules.LifeItem:
    extra = {k: kw.pop(k) for k in list(kw) if k in ("holder", "since")}
    return rules.LifeItem(item(level=level, status=status, code="111", title="甲", **extra), **kw)


def act(it=None, by=CUSTODIAN, **kw) -> rules.ActFacts:
    return rules.ActFacts(item=it or life(), by=by, now=kw.pop("now", NOW), **kw)


def params(level="secret", by=CUSTODIAN, **more) -> dict:
    return {"code": "111", "title": "甲", "level": level, "kind": "document", "by": by.name, **more}


def grant(**kw) -> rules.Grant:
    base = dict(source="request", approver=LEADER, action="destroy", person_id=CUSTODIAN.id, id=12)
    return rules.Grant(**{**base, **kw})


# --- the item and the approval model ---------------------------------------------------------------------


def test_what_a_life_item_says_of_itself():
    it = life(doc_no="办发12号", issuer="县委")
    assert (it.code, it.status, it.document) == ("111", "in", ("县委", "办发12号"))
    assert life(issuer="县委").document is None  # no number, no document
    assert [life(status=s).ended for s in ("in", "out", "destroyed", "returned-to-issuer")] == [
        False,
        False,
        True,
        True,
    ]
    assert life(status="lost").ended is True  # confirmed lost
    assert life(status="lost", lost_from="in").ended is False  # reported, not resolved


def test_a_grants_reference():
    assert grant().ref == "R12"
    assert grant(source="present").ref == "王主任"


def test_only_an_active_leader_approves():
    assert rules.approver_may_approve(LEADER) is True
    assert rules.approver_may_approve(person(9, "王", "leader", active=False)) is False
    for role in ("custodian", "admin", "staff"):
        assert rules.approver_may_approve(person(9, "王", role)) is False


@pytest.mark.parametrize(
    "uses,covers", [(None, True), (2, True), (1, True), (0, False), (-1, False)], ids=str
)
def test_a_grant_with_a_use_left(uses, covers):
    assert rules.covers(grant(uses_left=uses), CUSTODIAN.id, "destroy", life(), NOW) is covers


@pytest.mark.parametrize(
    "frm,until,covers",
    [
        (None, None, True),
        (NOW, None, True),
        (NOW + ONE_S, None, False),
        (None, NOW, True),
        (None, NOW - ONE_S, False),
        (NOW, NOW, True),
    ],
    ids=["open", "from-now", "from-next-second", "until-now", "until-last-second", "one-instant"],
)
def test_a_grants_window_either_end_open(frm, until, covers):
    g = grant(valid_from=frm, valid_until=until)
    assert rules.covers(g, CUSTODIAN.id, "destroy", life(), NOW) is covers


def test_a_grant_for_nobody_named_covers_whoever_acts_but_its_approver():
    g = grant(person_id=None)
    assert rules.covers(g, CUSTODIAN.id, "destroy", life(), NOW) is True
    assert rules.covers(g, LEADER.id, "destroy", life(), NOW) is False
    assert rules.covers(grant(document=("县委", "1号")), CUSTODIAN.id, "destroy", life(), NOW) is False


def test_the_first_grant_that_covers():
    other, used, a, b = grant(action="copy"), grant(uses_left=0), grant(id=1), grant(id=2)
    assert rules.find_grant((other, used, a, b), CUSTODIAN.id, "destroy", life(), NOW) is a
    assert rules.find_grant((other, used), CUSTODIAN.id, "destroy", life(), NOW) is None
    assert rules.find_grant((), CUSTODIAN.id, "destroy", life(), NOW) is None


def test_a_grant_for_one_item_or_one_document_is_looked_up_by_it():
    it = life(doc_no="办发12号", issuer="县委")
    mine, doc = grant(item_code="111"), grant(document=("县委", "办发12号"))
    assert rules.find_grant((grant(item_code="222"), mine), CUSTODIAN.id, "destroy", it, NOW) is mine
    assert rules.find_grant((doc,), CUSTODIAN.id, "destroy", it, NOW) is doc
    assert act(it, grants=(grant(item_code="222"), mine)).grant("destroy") is mine
    assert act(it, present=rules.Grant("present", LEADER, "destroy", item_code="111")).grant("destroy")
    assert act(it, grants=(grant(document=("县委", "办发13号")),)).grant("destroy") is None


def test_the_leader_present_comes_before_a_request():
    present, req = rules.Grant("present", LEADER, "copy"), grant(action="copy")
    assert act(present=present, grants=(req,)).grant("copy") is present
    assert act(grants=(req,)).grant("copy") is req
    assert act(present=present, grants=(req,)).grant("destroy") is None
    used = rules.Grant("present", LEADER, "copy", uses_left=0)
    assert act(present=used, grants=(req,)).grant("copy") is req


# --- requests --------------------------------------------------------------------------------------------


def req(rid=12, action="copy", frm=START, until=END, by=None, status="pending", whom=None):
    return rules.RequestFacts(rid, action, whom or person(1), by or person(2, "李"), status, frm, until)


@pytest.mark.parametrize("action", ["check-out", "copy", "destroy"])
def test_a_request_for_each_known_action(action):
    assert rules.decide_request(req(action=action), NOW) == Allowed(
        params={"request": "R12", "action": action}
    )


def test_a_new_request_has_no_number_yet():
    assert rules.decide_request(req(rid=0), NOW) == Allowed(params={"request": "", "action": "copy"})


def test_a_request_for_an_unknown_action():
    assert rules.decide_request(req(action="return"), NOW) == Refusal(
        "request_unknown_action",
        {"request": "R12", "action": "return", "allowed": "check-out, copy, destroy"},
        "P10",
    )


@pytest.mark.parametrize(
    "frm,until,now,allowed",
    [
        (START, END, NOW, True),
        (START, START + ONE_S, NOW, False),  # over before now
        (START, NOW, NOW, True),  # ends this second: still allowed
        (START, NOW - ONE_S, NOW, False),  # ended a second ago
        (END, END, NOW, False),  # ends as it starts
        (END, END - ONE_S, NOW, False),  # ends before it starts
        (END - ONE_S, END, NOW, True),  # one second long
    ],
    ids=["ok", "past", "ends-now", "ended", "empty", "reversed", "one-second"],
)
def test_a_requests_window(frm, until, now, allowed):
    d = rules.decide_request(req(frm=frm, until=until), now)
    if allowed:
        assert d == Allowed(params={"request": "R12", "action": "copy"})
    else:
        assert d == Refusal(
            "request_window_past",
            {"request": "R12", "action": "copy", "until": until.isoformat(timespec="minutes")},
            "P10",
        )


def test_an_inactive_person_makes_no_request():
    gone = person(2, "李", active=False)
    assert rules.decide_request(req(by=gone), NOW) == Refusal("person_not_active", {"person": "李"}, "P8")
    past = req(by=gone, frm=START - DAY, until=START)
    assert rules.decide_request(past, NOW).reason == "request_window_past"  # the window first


DECIDED = {"request": "R12", "approver": "王主任", "person": "张三"}


def test_deciding_a_request_allowed():
    assert rules.decide_request_decision(req(), LEADER, NOW) == Allowed(params=DECIDED)
    assert rules.decide_request_decision(req(until=NOW), LEADER, NOW) == Allowed(params=DECIDED)


@pytest.mark.parametrize(
    "leader",
    [
        person(9, "王主任", "leader", active=False),
        person(9, "王主任", "custodian"),
        person(9, "王主任", "admin"),
    ],
    ids=["inactive-leader", "custodian", "admin"],
)
def test_deciding_a_request_needs_an_active_leader(leader):
    assert rules.decide_request_decision(req(whom=leader), leader, NOW) == Refusal(
        "approver_not_leader", {"approver": "王主任"}, "P10"
    )


def test_deciding_ones_own_request():
    own = Refusal("own_request", {"request": "R12", "approver": "王主任", "person": "王主任"}, "P10")
    assert rules.decide_request_decision(req(whom=LEADER), LEADER, NOW) == own
    assert rules.decide_request_decision(req(by=LEADER), LEADER, NOW) == Refusal(
        "own_request", DECIDED, "P10"
    )
    assert rules.decide_request_decision(req(whom=LEADER, status="approved"), LEADER, NOW) == own  # first


@pytest.mark.parametrize("state", ["approved", "rejected", "used", "cancelled"])
def test_deciding_a_request_already_decided(state):
    assert rules.decide_request_decision(req(status=state), LEADER, NOW) == Refusal(
        "request_decided", {**DECIDED, "state": state}, "P10"
    )
    late = req(status=state, until=START)
    assert rules.decide_request_decision(late, LEADER, NOW).reason == "request_decided"  # before the window


def test_deciding_a_request_whose_window_has_passed():
    assert rules.decide_request_decision(req(until=NOW - ONE_S), LEADER, NOW) == Refusal(
        "request_window_past", {**DECIDED, "until": (NOW - ONE_S).isoformat(timespec="minutes")}, "P10"
    )


# --- the rules every act shares ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status,rule",
    [("destroyed", "P18"), ("returned-to-issuer", "P17"), ("lost", "P19")],
)
def test_an_item_whose_life_has_ended(status, rule):
    f = act(life(status=status))
    assert rules._gone(f) == Refusal("item_gone", params(status=status), rule)


@pytest.mark.parametrize("status,lost_from", [("in", None), ("out", None), ("lost", "in"), ("lost", "out")])
def test_an_item_still_here_is_not_gone(status, lost_from):
    assert rules._gone(act(life(status=status, lost_from=lost_from))) is None


ACT_RULE = {"copy": "P16", "destroy": "P18", "return": "P17"}


@pytest.mark.parametrize("action", ["copy", "destroy", "return"])
def test_on_hand_for_each_act(action):
    on_hand = rules._on_hand(action)
    assert on_hand(act()) is None
    holder = person(3, "孙")
    assert on_hand(act(life(status="out", holder=holder))) == Refusal(
        f"{action}_while_out", params(holder="孙"), ACT_RULE[action]
    )
    assert on_hand(act(life(status="out"))) == Refusal(
        f"{action}_while_out", params(holder="?"), ACT_RULE[action]
    )
    assert on_hand(act(life(status="lost", lost_from="in"))) == Refusal("item_lost", params(), "P19")
    assert on_hand(act(life(status="lost"))) == Refusal("item_gone", params(status="lost"), "P19")
    assert on_hand(act(life(status="destroyed"))) == Refusal("item_gone", params(status="destroyed"), "P18")


@pytest.mark.parametrize("action", ["copy", "destroy", "return", "due_back"])
def test_only_an_active_registrar_for_each_act(action):
    registrar = rules._registrar(action)
    assert registrar(act()) is None
    assert registrar(act(by=person(4, "钱", "admin"))) is None
    for by in (person(4, "钱", "custodian", active=False), person(4, "钱", "admin", active=False)):
        assert registrar(act(by=by)) == Refusal("not_registrar", params(by=by, role=by.role), "P23")
    for role in ("leader", "staff"):
        by = person(4, "钱", role)
        assert registrar(act(by=by)) == Refusal("not_registrar", params(by=by, role=role), "P23")


@pytest.mark.parametrize("action", ["copy", "destroy"])
def test_approved_for_each_act(action):
    approved, rule = rules._approved(action), ACT_RULE[action]
    assert approved(act(present=rules.Grant("present", LEADER, action))) is None
    assert approved(act(grants=(grant(action=action),))) is None
    assert approved(act()) == Refusal(f"{action}_needs_leader", params(), rule)
    assert approved(act(grants=(grant(action=action, uses_left=0),))) == Refusal(
        f"{action}_needs_leader", params(), rule
    )
    own = rules.Grant("present", CUSTODIAN, action)
    assert approved(act(present=own)) == Refusal("own_approval", params(approver="赵保密员"), rule)
    for approver in (person(9, "王", "leader", active=False), person(9, "王", "custodian")):
        p = rules.Grant("present", approver, action)
        assert approved(act(present=p, grants=(grant(action=action),))) == Refusal(
            "approver_not_leader", {"approver": "王"}, "P10"
        )
    other = rules.Grant("present", LEADER, "copy" if action == "destroy" else "destroy")
    assert approved(act(present=other)) == Refusal(f"{action}_needs_leader", params(), rule)
    assert approved(act(present=other, grants=(grant(action=action),))) is None


# --- P16 copies ------------------------------------------------------------------------------------------


def test_a_copy_allowed_in_full():
    assert rules.decide_copy(act(present=PRESENT["copy"])) == Allowed(params=params())
    assert rules.decide_copy(act(present=PRESENT["copy"], extra={"copies": 1000})) == Allowed(params=params())


@pytest.mark.parametrize(
    "n,allowed", [(0, False), (1, True), (2, True), (999, True), (1000, True), (1001, False), (-1, False)]
)
def test_copies_one_to_a_thousand(n, allowed):
    f = act(present=PRESENT["copy"], extra={"copies": n})
    assert rules.copies_in_range(f) == (None if allowed else Refusal("copy_count", params(copies=n), "P16"))


def test_one_copy_when_none_said():
    assert rules.copies_in_range(act()) is None


@pytest.mark.parametrize(
    "level,needs",
    [
        ("top-secret", True),
        ("secret", True),
        ("confidential", True),
        ("internal", False),
        ("unclassified", False),
    ],
)
def test_which_levels_need_a_leader_to_copy(level, needs):
    f = act(life(level))
    expected = Refusal("copy_needs_leader", params(level), "P16") if needs else None
    assert rules.copy_needs_leader(f) == expected
    assert rules.copy_needs_leader(act(life(level), present=PRESENT["copy"])) is None


@pytest.mark.parametrize(
    "level,ref,needs",
    [
        ("top-secret", "", True),
        ("top-secret", "  ", True),
        ("top-secret", "国保3号", False),
        ("secret", "", False),
    ],
    ids=["none", "blank", "given", "secret"],
)
def test_top_secret_copies_need_the_issuer(level, ref, needs):
    expected = Refusal("copy_needs_issuer", params(level), "P16") if needs else None
    assert rules.top_secret_copy_needs_issuer(act(life(level), issuer_ref=ref)) == expected


def test_an_item_marked_do_not_copy():
    assert rules.copy_allowed_at_all(act(life(no_copy=True))) == Refusal("copy_forbidden", params(), "P16")
    assert rules.copy_allowed_at_all(act()) is None


def test_copy_rules_in_order():
    staff = person(4, "钱")
    out = life(status="out", no_copy=True)
    assert rules.decide_copy(act(out, by=staff)).reason == "copy_while_out"
    assert rules.decide_copy(act(life(no_copy=True), by=staff)) == Refusal(
        "not_registrar", params(by=staff, role="staff"), "P23"
    )
    assert rules.decide_copy(act(life(no_copy=True), extra={"copies": 0})) == Refusal(
        "copy_forbidden", params(), "P16"
    )
    assert rules.decide_copy(act(extra={"copies": 0})) == Refusal("copy_count", params(copies=0), "P16")
    assert rules.decide_copy(act(life("top-secret"))) == Refusal(
        "copy_needs_leader", params("top-secret"), "P16"
    )
    assert rules.decide_copy(act(life("top-secret"), present=PRESENT["copy"])) == Refusal(
        "copy_needs_issuer", params("top-secret"), "P16"
    )
    assert rules.decide_copy(
        act(life("top-secret"), present=PRESENT["copy"], issuer_ref="国保3号")
    ) == Allowed(params=params("top-secret"))
    assert rules.decide_copy(act(life("internal"))) == Allowed(params=params("internal"))


# --- P18 destruction -------------------------------------------------------------------------------------


def test_two_witnesses_in_full():
    assert rules.two_witnesses(act(witnesses=(W1, W2))) is None
    assert rules.two_witnesses(act(witnesses=(W1, W2, person(8, "郑")))) is None
    assert rules.two_witnesses(act()) == Refusal("destroy_needs_witnesses", params(count=0), "P18")
    assert rules.two_witnesses(act(witnesses=(W1,))) == Refusal(
        "destroy_needs_witnesses", params(count=1), "P18"
    )
    assert rules.two_witnesses(act(witnesses=(W1, W1))) == Refusal(
        "destroy_needs_witnesses", params(count=1), "P18"
    )
    assert rules.two_witnesses(act(witnesses=(W1, CUSTODIAN))) == Refusal(
        "witness_is_actor", params(witness="赵保密员"), "P18"
    )
    gone = person(8, "钱", active=False)
    assert rules.two_witnesses(act(witnesses=(W1, gone))) == Refusal(
        "witness_inactive", params(witness="钱"), "P18"
    )
    inactive_actor = person(5, "赵保密员", "custodian", active=False)
    assert rules.two_witnesses(act(witnesses=(inactive_actor,))).reason == "witness_is_actor"  # named first
    assert rules.two_witnesses(act(witnesses=(gone, CUSTODIAN))).reason == "witness_inactive"  # in order


def test_destruction_in_full_and_in_order():
    ok = dict(present=PRESENT["destroy"], witnesses=(W1, W2))
    assert rules.decide_destroy(act(**ok)) == Allowed(params=params())
    assert rules.decide_destroy(act(life(status="out"), **ok)) == Refusal(
        "destroy_while_out", params(holder="?"), "P18"
    )
    staff = person(4, "钱")
    assert rules.decide_destroy(act(by=staff)) == Refusal(
        "not_registrar", params(by=staff, role="staff"), "P23"
    )
    assert rules.decide_destroy(act(present=PRESENT["destroy"])).reason == "destroy_needs_witnesses"
    assert rules.decide_destroy(act(witnesses=(W1, W2))) == Refusal("destroy_needs_leader", params(), "P18")
    assert rules.decide_destroy(act()) == Refusal("destroy_needs_witnesses", params(count=0), "P18")  # first
    assert (
        rules.decide_destroy(act(life(status="out"), by=staff)).reason == "destroy_while_out"
    )  # on hand first


# --- P17 return to issuer --------------------------------------------------------------------------------


def test_return_to_issuer_in_full():
    assert rules.decide_return_to_issuer(act()) == Allowed(params=params())
    assert rules.decide_return_to_issuer(act(life(status="out"))) == Refusal(
        "return_while_out", params(holder="?"), "P17"
    )
    staff = person(4, "钱")
    assert rules.decide_return_to_issuer(act(by=staff)) == Refusal(
        "not_registrar", params(by=staff, role="staff"), "P23"
    )
    assert rules.decide_return_to_issuer(act(life(status="out"), by=staff)).reason == "return_while_out"
    assert rules.decide_return_to_issuer(act(life(status="lost", lost_from="in"), by=staff)) == Refusal(
        "item_lost", params(by=staff), "P19"
    )


def test_a_due_date_today_or_later():
    assert rules.due_back_valid(TODAY, TODAY) is None
    assert rules.due_back_valid(TODAY + DAY, TODAY) is None
    assert rules.due_back_valid(TODAY - DAY, TODAY) == Refusal(
        "due_date_past", {"due": (TODAY - DAY).isoformat(), "today": TODAY.isoformat()}, "P17"
    )


def test_setting_a_due_date_in_full_and_in_order():
    assert rules.decide_due_back(act(), TODAY, TODAY) == Allowed(params=params(due=TODAY.isoformat()))
    out = act(life(status="out"))
    assert rules.decide_due_back(out, TODAY + DAY, TODAY) == Allowed(
        params=params(due=(TODAY + DAY).isoformat())
    )
    staff = person(4, "钱")
    assert rules.decide_due_back(act(by=staff), TODAY, TODAY) == Refusal(
        "not_registrar", params(by=staff, role="staff"), "P23"
    )
    past = TODAY - DAY
    assert rules.decide_due_back(act(by=staff), past, TODAY).reason == "due_date_past"  # the date first
    assert rules.decide_due_back(act(life(status="destroyed"), by=staff), past, TODAY) == Refusal(
        "item_gone", params(by=staff, status="destroyed"), "P18"
    )


@pytest.mark.parametrize(
    "days_left,ahead,state",
    [
        (3, 3, "due_to_issuer"),
        (4, 3, None),
        (0, 0, "due_to_issuer"),
        (1, 0, None),
        (-1, 0, "overdue_to_issuer"),
        (-1, 30, "overdue_to_issuer"),
    ],
)
def test_due_state_at_its_edges(days_left, ahead, state):
    assert rules.due_state(TODAY + timedelta(days=days_left), TODAY, ahead) == state


# --- P19 loss ---------------------------------------------------------------------------------------------


def test_reporting_a_loss_in_full():
    staff = person(4, "钱")
    assert rules.decide_report_loss(act(by=staff)) == Allowed(params=params(by=staff))
    assert rules.decide_report_loss(act(life(status="out"), by=staff)) == Allowed(params=params(by=staff))
    assert rules.decide_report_loss(act(life(status="lost", lost_from="in"))) == Refusal(
        "already_lost", params(), "P19"
    )
    assert rules.decide_report_loss(act(life(status="returned-to-issuer"))) == Refusal(
        "item_gone", params(status="returned-to-issuer"), "P17"
    )
    gone = person(4, "钱", active=False)
    assert rules.decide_report_loss(act(by=gone)) == Refusal("person_not_active", {"person": "钱"}, "P8")
    assert rules.report_loss_rules(act(life(status="lost", lost_from="in"), by=gone)).reason == "already_lost"
    assert rules.report_loss_rules(act(by=staff)) is None


def test_resolving_a_loss_in_full():
    for back in ("in", "out"):
        lost = life(status="lost", lost_from=back)
        assert rules.decide_resolve_loss(act(lost, by=LEADER)) == Allowed(
            params=params(by=LEADER, back_to=back)
        )
    lost = life(status="lost", lost_from="in")
    assert rules.decide_resolve_loss(act(lost)) == Refusal("resolve_needs_leader", params(), "P19")
    idle = person(9, "王主任", "leader", active=False)
    assert rules.decide_resolve_loss(act(lost, by=idle)) == Refusal(
        "resolve_needs_leader", params(by=idle), "P19"
    )
    for status, lost_from in (("in", None), ("out", None), ("lost", None), ("destroyed", None)):
        f = act(life(status=status, lost_from=lost_from), by=LEADER)
        assert rules.decide_resolve_loss(f) == Refusal("not_lost", params(by=LEADER, status=status), "P19")
    assert rules.decide_resolve_loss(act(life(status="in"))).reason == "not_lost"  # before the leader


# --- P4 review and the legal maximum of a period ---------------------------------------------------------

RECEIVED = date(2026, 11, 30)


def limits(level: str, spec: str) -> dict:
    years = {"top-secret": 30, "secret": 20, "confidential": 10}[level]
    return {"level": level, "years": years, "period": spec, "limit": f"{2026 + years}-11-30"}


@pytest.mark.parametrize(
    "level,spec,reason",
    [
        ("confidential", "10y", None),
        ("confidential", "11y", "period_too_long"),
        ("confidential", "120m", None),
        ("confidential", "121m", "period_too_long"),
        ("confidential", "until:2036-11-30", None),
        ("confidential", "until:2036-12-01", "period_too_long"),
        ("confidential", "long-term", "period_long_term"),
        ("secret", "20y", None),
        ("secret", "21y", "period_too_long"),
        ("secret", "long-term", "period_long_term"),
        ("top-secret", "30y", None),
        ("top-secret", "until:2056-12-01", "period_too_long"),
        ("top-secret", "long-term", "period_long_term"),
        ("secret", "condition:on-acceptance", None),
    ],
)
def test_a_period_against_the_legal_maximum_in_full(level, spec, reason):
    r = rules.period_refusal(level, spec, RECEIVED)
    assert r == (Refusal(reason, limits(level, spec), "P4") if reason else None)


@pytest.mark.parametrize("level", ["internal", "unclassified"])
def test_a_level_without_a_maximum_takes_any_period(level):
    for spec in ("long-term", "99y", "until:2999-01-01", ""):
        assert rules.period_refusal(level, spec, RECEIVED) is None


def test_no_period_is_never_too_long():
    assert rules.period_refusal("top-secret", "", RECEIVED) is None


LEADS = params("confidential", by=LEADER)


def review(outcome=None, period=None, it=None, by=LEADER, **kw):
    extra = {} if outcome is None else {"outcome": outcome}
    if period is not None:
        extra["period"] = period
    return rules.decide_review(
        act(it or life("confidential", received_on=RECEIVED), by=by, extra=extra, **kw)
    )


@pytest.mark.parametrize("outcome", ["declassify", "keep"])
def test_a_review_outcome_without_a_period(outcome):
    assert review(outcome) == Allowed(params={**LEADS, "outcome": outcome, "period": ""})


def test_a_review_extends_within_the_maximum():
    assert review("extend", "10y") == Allowed(params={**LEADS, "outcome": "extend", "period": "10y"})
    assert review("extend", "11y") == Refusal("period_too_long", limits("confidential", "11y"), "P4")
    assert review("extend", "long-term") == Refusal(
        "period_long_term", limits("confidential", "long-term"), "P4"
    )
    assert review("extend") == Refusal("review_needs_period", LEADS, "P4")
    assert review("extend", "") == Refusal("review_needs_period", LEADS, "P4")


def test_a_review_counts_from_today_when_the_receipt_is_unknown():
    it = life("confidential")
    later = NOW + timedelta(days=366)
    assert review("extend", "until:2037-11-30", it=it) == Refusal(
        "period_too_long", {**limits("confidential", "until:2037-11-30")}, "P4"
    )
    assert review("extend", "until:2037-11-30", it=it, now=later) == Allowed(
        params={**LEADS, "outcome": "extend", "period": "until:2037-11-30"}
    )


def test_a_review_refused_in_full_and_in_order():
    assert review("burn") == Refusal("review_outcome", {**LEADS, "outcome": "burn"}, "P4")
    assert review() == Refusal("review_outcome", {**LEADS, "outcome": "None"}, "P4")
    assert review("keep", by=CUSTODIAN) == Refusal("review_needs_leader", params("confidential"), "P4")
    assert review("burn", by=CUSTODIAN).reason == "review_needs_leader"  # the leader first
    idle = person(9, "王主任", "leader", active=False)
    assert review("keep", by=idle) == Refusal("review_needs_leader", params("confidential", by=idle), "P4")
    gone = life("confidential", status="destroyed")
    assert review("keep", it=gone, by=CUSTODIAN) == Refusal(
        "item_gone", params("confidential", status="destroyed"), "P18"
    )
    assert review("keep", it=life("confidential", status="out")) == Allowed(
        params={**LEADS, "outcome": "keep", "period": ""}
    )
