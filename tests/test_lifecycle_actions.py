"""An item's whole life through the write path (issue 13): copy (P16), return to issuer (P17),
destroy (P18), lost/found (P19), review (P4) and requests — for each, the allowed case, the refused
case, the events recorded and the state afterwards; `verify` rebuilds the state from the ledger."""

import json
from datetime import date, timedelta

import pytest
from core_support import BACKENDS, office, open_store

from custody.actions import core as actions
from custody.actions import lifecycle as life
from custody.actions import requests
from custody.ledger.verify import verify


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with open_store(request.param, tmp_path) as s:
        yield s


@pytest.fixture
def o(store):
    o = office(store)
    for key, name, badge, role in (
        ("sun", "孙主任", "L002", "leader"),
        ("zhou", "周科员", "B003", "staff"),
        ("wu", "吴科员", "B004", "staff"),
    ):
        o[key] = actions.add_person(store, name, badge=badge, clearance="top-secret", role=role, actor="t")
    return o


def events(store, since=0):
    m = store.m
    return list(m.Event.select().where(m.Event.seq > since).order_by(m.Event.seq))


def head(store):
    return store.m.Event.select().count()


def item(store, code):
    m = store.m
    return m.Item.get(m.Item.code == code)


def receive(store, level="secret", copies=1, **kw):
    return [
        i.code
        for i in actions.receive(store, title="年度工作要点", level=level, copies=copies, actor="t", **kw)
    ]


def refusal_of(store, seq):
    ev = store.m.Event.get(store.m.Event.seq == seq)
    assert ev.kind == "refused"
    return json.loads(ev.data)


# --- P16 copies ---------------------------------------------------------------------------------------


def test_a_copy_with_a_leaders_approval_continues_the_copy_numbers(store, o):
    codes = receive(
        store, copies=3, doc_no="办发〔2026〕12号", issuer="县委办公室", period="10y", scope=["综合科"]
    )
    before = head(store)
    out, made = life.copy(store, codes[1], 2, by=o["zhao"], approver=o["wang"], for_whom="综合科", actor="t")
    assert out.outcome == "copied" and [i.copy_no for i in made] == [4, 5]
    for new in made:
        assert (new.level, new.period, new.doc_no, new.copy_of, new.status) == (
            "secret",
            "10y",
            "办发〔2026〕12号",
            codes[1],
            "in",
        )
        assert json.loads(new.scope) == ["综合科"]
    evs = events(store, before)
    assert [e.kind for e in evs] == ["copied", "copied"]
    d = json.loads(evs[0].data)
    assert (d["copy_of"], d["copies"], d["for"], d["approver"]) == (codes[1], 2, "综合科", o["wang"].id)
    assert evs[0].person == o["zhao"].id
    # a copy is then an item like any other: it can be lent and returned
    assert actions.check_out(store, made[0].code, o["zhang"], o["safe"], actor="t").outcome == "checked_out"
    assert verify(store).ok


def test_copy_refusals_name_the_rule_and_are_recorded(store, o):
    code = receive(store)[0]
    out, made = life.copy(store, code, 1, by=o["zhao"], actor="t")
    assert (out.outcome, out.reason, out.rule, made) == ("refused", "copy_needs_leader", "P16", [])
    assert "需要领导批准" in out.message("zh") and "custody request" in out.message("zh")
    assert refusal_of(store, out.seq)["reason"] == "copy_needs_leader"
    out, _ = life.copy(store, code, 1, by=o["wang"], approver=o["wang"], actor="t")
    assert out.reason == "not_registrar"  # a leader does not copy: custodians do (P23)
    out, _ = life.copy(store, code, 1, by=o["zhao"], approver=o["zhao"], actor="t")
    assert out.reason == "own_approval"
    top = receive(store, level="top-secret")[0]
    out, _ = life.copy(store, top, 1, by=o["zhao"], approver=o["wang"], actor="t")
    assert (out.reason, out.rule) == ("copy_needs_issuer", "P16")
    out, made = life.copy(
        store, top, 1, by=o["zhao"], approver=o["wang"], issuer_ref="国保〔2026〕3号", actor="t"
    )
    assert out.outcome == "copied" and json.loads(events(store)[-1].data)["issuer_ref"] == "国保〔2026〕3号"
    # internal items need no approval
    internal = receive(store, level="internal")[0]
    assert life.copy(store, internal, 1, by=o["zhao"], actor="t")[0].outcome == "copied"
    assert verify(store).ok


def test_an_inactive_leader_approves_no_copy(store, o):
    code = receive(store)[0]
    actions.set_active(store, "L001", False, actor="t")
    wang = store.m.Person.get_by_id(o["wang"].id)
    out, _ = life.copy(store, code, 1, by=o["zhao"], approver=wang, actor="t")
    assert (out.reason, out.rule) == ("approver_not_leader", "P10")


def test_an_item_out_or_destroyed_is_not_copied(store, o):
    a, b = receive(store, copies=2)
    actions.check_out(store, a, o["zhang"], o["safe"], actor="t")
    out, _ = life.copy(store, a, 1, by=o["zhao"], approver=o["wang"], actor="t")
    assert (out.reason, out.rule) == ("copy_while_out", "P16")
    life.destroy(store, [b], by=o["zhao"], approver=o["wang"], witnesses=[o["zhou"], o["wu"]], actor="t")
    out, _ = life.copy(store, b, 1, by=o["zhao"], approver=o["wang"], actor="t")
    assert (out.reason, out.rule) == ("item_gone", "P18")


# --- P18 destruction --------------------------------------------------------------------------------------


def test_destruction_with_a_leader_and_two_witnesses(store, o):
    a, b = receive(store, copies=2)
    before = head(store)
    outs = life.destroy(
        store,
        [a, b],
        by=o["zhao"],
        approver=o["wang"],
        witnesses=[o["zhou"], o["wu"]],
        method="粉碎",
        place="保密室",
        actor="t",
    )
    assert [x.outcome for x in outs] == ["destroyed", "destroyed"]
    evs = events(store, before)
    assert [e.kind for e in evs] == ["destroyed", "destroyed"]
    d = json.loads(evs[0].data)
    assert (d["witnesses"], d["method"], d["place"], d["approver"]) == (
        [o["zhou"].id, o["wu"].id],
        "粉碎",
        "保密室",
        o["wang"].id,
    )
    assert item(store, a).status == "destroyed" and item(store, a).holder_id is None
    # never checked out, returned, copied or destroyed again
    assert actions.check_out(store, a, o["zhang"], o["safe"], actor="t").outcome == "refused"
    assert actions.return_item(store, a, o["safe"], actor="t").outcome == "refused"
    again = life.destroy(
        store, [a], by=o["zhao"], approver=o["wang"], witnesses=[o["zhou"], o["wu"]], actor="t"
    )
    assert (again[0].reason, again[0].rule) == ("item_gone", "P18")
    assert life.return_to_issuer(store, [a], by=o["zhao"], actor="t")[0].reason == "item_gone"
    assert verify(store).ok


@pytest.mark.parametrize(
    "witnesses,reason",
    [
        ((), "destroy_needs_witnesses"),
        (("zhou",), "destroy_needs_witnesses"),
        (("zhou", "zhou"), "destroy_needs_witnesses"),
        (("zhao", "zhou"), "witness_is_actor"),
    ],
)
def test_destruction_needs_two_witnesses_other_than_the_actor(store, o, witnesses, reason):
    code = receive(store)[0]
    outs = life.destroy(
        store, [code], by=o["zhao"], approver=o["wang"], witnesses=[o[w] for w in witnesses], actor="t"
    )
    assert [(x.reason, x.rule) for x in outs] == [(reason, "P18")]
    assert item(store, code).status == "in"


def test_a_batch_with_one_refusal_destroys_nothing(store, o):
    a, b = receive(store, copies=2)
    actions.check_out(store, b, o["zhang"], o["safe"], actor="t")
    before = head(store)
    outs = life.destroy(
        store, [a, b], by=o["zhao"], approver=o["wang"], witnesses=[o["zhou"], o["wu"]], actor="t"
    )
    assert [(x.outcome, x.reason) for x in outs] == [("refused", "destroy_while_out")]
    assert [e.kind for e in events(store, before)] == ["refused"]
    assert item(store, a).status == "in" and item(store, b).status == "out"
    outs = life.destroy(store, [a], by=o["zhao"], witnesses=[o["zhou"], o["wu"]], actor="t")
    assert outs[0].reason == "destroy_needs_leader" and "请领导刷卡" in outs[0].message("zh")


def test_document_copies_lists_every_copy(store, o):
    a, b, c = receive(store, copies=3)  # no 文号: the copies received together
    _, made = life.copy(store, a, 1, by=o["zhao"], approver=o["wang"], actor="t")
    store.clock.advance(minutes=1)
    other = receive(store)[0]  # the same title, received another time: another document
    family = life.document_copies(store, item(store, made[0].code))
    assert [i.code for i in family] == [a, b, c, made[0].code] and other not in [i.code for i in family]


# --- P17 return to issuer -----------------------------------------------------------------------------------


def test_return_to_issuer_ends_the_items_life_and_is_refused_while_out(store, o):
    a, b = receive(store, copies=2)
    actions.check_out(store, b, o["zhang"], o["safe"], actor="t")
    outs = life.return_to_issuer(store, [b], by=o["zhao"], actor="t")
    assert (outs[0].reason, outs[0].rule) == ("return_while_out", "P17")
    outs = life.return_to_issuer(store, [a], by=o["zhao"], ref="清退单 7", actor="t")
    assert outs[0].outcome == "returned_to_issuer" and item(store, a).status == "returned-to-issuer"
    assert json.loads(events(store)[-1].data)["ref"] == "清退单 7"
    assert actions.check_out(store, a, o["zhang"], o["safe"], actor="t").outcome == "refused"
    assert life.copy(store, a, 1, by=o["zhao"], approver=o["wang"], actor="t")[0].reason == "item_gone"
    assert life.return_to_issuer(store, [a], by=o["zhang"], actor="t")[0].reason == "item_gone"
    assert verify(store).ok


def test_a_due_date_in_the_past_is_refused_and_today_is_allowed(store, o):
    code = receive(store)[0]
    today = store.now().date()
    out = life.set_due_back(store, [code], today - timedelta(days=1), by=o["zhao"], actor="t")
    assert (out[0].reason, out[0].rule) == ("due_date_past", "P17") and item(store, code).due_back is None
    out = life.set_due_back(store, [code], today, by=o["zhao"], actor="t")
    assert out[0].outcome == "due_back_set" and item(store, code).due_back == today
    assert verify(store).ok


# --- P19 loss ---------------------------------------------------------------------------------------------------


def test_lost_and_found_goes_back_to_where_it_was(store, o):
    a, b = receive(store, copies=2)
    actions.check_out(store, b, o["zhang"], o["safe"], actor="t")
    for code, was in ((a, "in"), (b, "out")):
        out = life.report_loss(store, code, by=o["zhang"], note="找不到", actor="t")
        assert out.outcome == "reported_lost" and item(store, code).status == "lost"
        assert actions.check_out(store, code, o["li"], o["safe"], actor="t").outcome == "refused"
        assert life.report_loss(store, code, by=o["zhang"], actor="t").reason == "already_lost"
        assert (
            life.resolve_loss(store, code, by=o["zhao"], found=True, actor="t").reason
            == "resolve_needs_leader"
        )
        assert verify(store).ok
        out = life.resolve_loss(store, code, by=o["wang"], found=True, actor="t")
        assert out.outcome == "loss_found" and item(store, code).status == was
    assert item(store, b).holder_id == o["zhang"].id
    assert life.resolve_loss(store, a, by=o["wang"], found=True, actor="t").reason == "not_lost"
    assert verify(store).ok


def test_a_confirmed_loss_ends_the_items_life(store, o):
    code = receive(store)[0]
    life.report_loss(store, code, by=o["zhao"], actor="t")
    assert (
        life.destroy(
            store, [code], by=o["zhao"], approver=o["wang"], witnesses=[o["zhou"], o["wu"]], actor="t"
        )[0].reason
        == "item_lost"
    )
    out = life.resolve_loss(store, code, by=o["wang"], found=False, actor="t")
    assert out.outcome == "loss_confirmed" and item(store, code).lost_from is None
    assert life.report_loss(store, code, by=o["zhao"], actor="t").reason == "item_gone"
    assert actions.check_out(store, code, o["zhang"], o["safe"], actor="t").outcome == "refused"
    assert verify(store).ok


# --- P4 review ------------------------------------------------------------------------------------------------------


def test_review_outcomes_are_events_and_extend_is_held_to_the_legal_maximum(store, o):
    a, b, c = receive(store, level="confidential", copies=3, period="5y")
    assert life.review_item(store, a, by=o["zhao"], outcome="keep", actor="t").reason == "review_needs_leader"
    out = life.review_item(store, a, by=o["wang"], outcome="extend", period="until:2099-01-01", actor="t")
    assert (out.reason, out.rule) == ("period_too_long", "P4")
    assert (
        life.review_item(store, a, by=o["wang"], outcome="extend", period="long-term", actor="t").reason
        == "period_long_term"
    )
    out = life.review_item(store, a, by=o["wang"], outcome="extend", period="10y", actor="t")
    assert out.outcome == "reviewed" and item(store, a).period == "10y"
    life.review_item(store, b, by=o["wang"], outcome="declassify", actor="t")
    assert (item(store, b).level, item(store, b).period) == ("unclassified", "")
    life.review_item(store, c, by=o["wang"], outcome="keep", actor="t")
    assert item(store, c).reviewed_on == store.now().date() and item(store, c).period == "5y"
    assert verify(store).ok


# --- requests: the one approval model, asked in advance -----------------------------------------------------------


def test_a_request_approved_by_another_leader_allows_a_destruction_once(store, o):
    a, b = receive(store, copies=2)
    made = requests.make_request(
        store, "destroy", person=o["zhao"], requested_by=o["zhao"], item=a, actor="t"
    )
    ref = made.extra["request"]
    assert made.outcome == "requested" and ref.startswith("R")
    assert [r.ref for r in requests.pending(store)] == [ref]
    out = requests.decide(store, ref, leader=o["wang"], approve=True, actor="t")
    assert out.outcome == "approved" and requests.pending(store) == []
    outs = life.destroy(store, [a], by=o["zhao"], witnesses=[o["zhou"], o["wu"]], actor="t")
    assert outs[0].outcome == "destroyed"
    assert json.loads(events(store)[-1].data)["request"] == int(ref[1:])
    # used once: it does not cover another item, nor a second use
    outs = life.destroy(store, [b], by=o["zhao"], witnesses=[o["zhou"], o["wu"]], actor="t")
    assert outs[0].reason == "destroy_needs_leader"
    assert verify(store).ok


def test_nobody_approves_their_own_request_and_an_inactive_leader_approves_nothing(store, o):
    code = receive(store)[0]
    ref = requests.make_request(
        store, "copy", person=o["wang"], requested_by=o["wang"], item=code, actor="t"
    ).extra["request"]
    out = requests.decide(store, ref, leader=o["wang"], approve=True, actor="t")
    assert (out.outcome, out.reason, out.rule) == ("refused", "own_request", "P10")
    actions.set_active(store, "L002", False, actor="t")
    sun = store.m.Person.get_by_id(o["sun"].id)
    assert requests.decide(store, ref, leader=sun, approve=True, actor="t").reason == "approver_not_leader"
    out = requests.decide(store, ref, leader=o["wang"], approve=False, reason="不需要", actor="t")
    assert out.reason == "own_request"


def test_a_rejected_request_allows_nothing_and_cannot_be_decided_again(store, o):
    code = receive(store)[0]
    ref = requests.make_request(
        store, "copy", person=o["zhao"], requested_by=o["zhang"], item=code, actor="t"
    ).extra["request"]
    assert (
        requests.decide(store, ref, leader=o["wang"], approve=False, reason="无必要", actor="t").outcome
        == "rejected"
    )
    assert requests.decide(store, ref, leader=o["sun"], approve=True, actor="t").reason == "request_decided"
    assert life.copy(store, code, 1, by=o["zhao"], actor="t")[0].reason == "copy_needs_leader"


def test_a_request_window_in_the_past_is_refused(store, o):
    out = requests.make_request(
        store,
        "copy",
        person=o["zhao"],
        requested_by=o["zhao"],
        valid_from=store.now() - timedelta(hours=9),
        hours=8,
        actor="t",
    )
    assert (out.reason, out.rule) == ("request_window_past", "P10")
    assert date.today  # the clock is the store's, not the machine's


# --- check-out asks the same model -------------------------------------------------------------------------------


def test_an_inactive_leader_named_at_the_desk_lets_no_top_secret_loan_through(store, o):
    """Regression: `check-out --approver` with an inactive leader let a top-secret loan through
    (the leader-present test checked the role, not whether the leader was still active)."""
    top = receive(store, level="top-secret")[0]
    actions.set_active(store, "L001", False, actor="t")
    wang = store.m.Person.get_by_id(o["wang"].id)
    out = actions.check_out(store, top, o["zhao"], o["safe"], actor="t", approver=wang)
    assert (out.outcome, out.reason, out.rule) == ("refused", "needs_leader", "P10")
    assert item(store, top).status == "in"
    out = actions.check_out(store, top, o["zhao"], o["safe"], actor="t", approver=o["sun"])
    assert out.outcome == "checked_out"


def test_an_approval_given_beforehand_by_a_leader_since_deactivated_no_longer_counts(store, o):
    top = receive(store, level="top-secret")[0]
    actions.approve(store, top, o["zhao"], o["wang"], actor="t", hours=2)
    actions.set_active(store, "L001", False, actor="t")
    assert actions.check_out(store, top, o["zhao"], o["safe"], actor="t").reason == "needs_leader"


def test_an_approved_check_out_request_is_used_once(store, o):
    top = receive(store, level="top-secret")[0]
    ref = requests.make_request(
        store, "check-out", person=o["zhao"], requested_by=o["zhao"], item=top, hours=4, actor="t"
    ).extra["request"]
    assert actions.check_out(store, top, o["zhao"], o["safe"], actor="t").reason == "needs_leader"  # pending
    requests.decide(store, ref, leader=o["wang"], approve=True, actor="t")
    out = actions.check_out(store, top, o["zhao"], o["safe"], actor="t")
    assert out.outcome == "checked_out" and out.extra["request"] == int(ref[1:])
    actions.return_item(store, top, o["safe"], actor="t")
    assert actions.check_out(store, top, o["zhao"], o["safe"], actor="t").reason == "needs_leader"  # used up
    assert requests.request_by_ref(store, ref).used == 1
    assert verify(store).ok


def test_receive_refuses_a_period_past_the_legal_maximum_and_a_due_date_in_the_past(store, o):
    """Regression: `秘密` with `until:2099-01-01` was accepted."""
    from custody.errors import Refused

    with pytest.raises(Refused) as err:
        receive(store, level="秘密", period="until:2099-01-01")
    assert (err.value.reason, err.value.rule) == ("period_too_long", "P4")
    with pytest.raises(Refused) as err:
        receive(store, level="secret", due_back=store.now().date() - timedelta(days=1))
    assert err.value.reason == "due_date_past"
    assert [json.loads(e.data)["reason"] for e in events(store) if e.kind == "refused"] == [
        "period_too_long",
        "due_date_past",
    ]
    code = receive(store, level="secret", no_copy=True, due_back=store.now().date())[0]
    assert (
        item(store, code).no_copy
        and life.copy(store, code, 1, by=o["zhao"], approver=o["wang"], actor="t")[0].reason
        == "copy_forbidden"
    )
    assert verify(store).ok


def test_a_request_for_a_whole_document_covers_one_batch_destruction_once(store, o):
    a, b = receive(store, copies=2, doc_no="办发12号", issuer="县委")
    other = receive(store)[0]
    ref = requests.make_request(
        store,
        "destroy",
        person=o["zhao"],
        requested_by=o["zhao"],
        doc_no="办发12号",
        issuer="县委",
        actor="t",
    ).extra["request"]
    requests.decide(store, ref, leader=o["wang"], approve=True, actor="t")
    outs = life.destroy(store, [other], by=o["zhao"], witnesses=[o["zhou"], o["wu"]], actor="t")
    assert outs[0].reason == "destroy_needs_leader"  # another document
    outs = life.destroy(store, [a, b], by=o["zhao"], witnesses=[o["zhou"], o["wu"]], actor="t")
    assert [x.outcome for x in outs] == ["destroyed", "destroyed"]
    assert requests.request_by_ref(store, ref).used == 1
    assert verify(store).ok


def test_verify_rebuilds_the_requests_and_catches_a_changed_one(store, o):
    """`custody verify` rebuilds every state from the ledger: a request approved in the table only fails it."""
    ref = requests.make_request(store, "copy", person=o["zhao"], requested_by=o["zhao"], actor="t").extra[
        "request"
    ]
    assert verify(store).ok
    m = store.m
    m.ApprovalRequest.update(status="approved", decided_by=o["wang"].id).where(
        m.ApprovalRequest.id == int(ref[1:])
    ).execute()
    report = verify(store)
    assert not report.ok and "status" in report.problem
