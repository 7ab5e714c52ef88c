"""Check-out, a recorded loan and return (custody.rules.loans) pinned whole: each rule's refusal in
full (reason key, params, P-number), its boundaries (a due time one second after now, confidential
and one level below for two carriers, blank terms) and the approval each `Allowed` carries."""

from datetime import timedelta

import pytest
from test_rules_facts import LEADER, NOW, TODAY, item, person

from custody.rules import facts, loans
from custody.rules.facts import Allowed, ApprovalFacts, LoanFacts, Refusal, ReturnFacts
from custody.rules.places import LoanTerms

ONE_S = timedelta(seconds=1)
ITEM = item(code="111", title="甲")
WHO = person(1, "张三")
SECOND = person(2, "李四")
DUE = NOW + timedelta(hours=4)


def base(it=ITEM, **more) -> dict:
    return {"code": it.code, "title": it.title, "level": it.level, "kind": it.kind, **more}


def co(it=ITEM, who=WHO, kind="safe", approver=None, approvals=(), **terms) -> loans.CheckOutFacts:
    return loans.CheckOutFacts(
        it, who, "保密室", kind, NOW, approver=approver, approvals=approvals, terms=LoanTerms(**terms)
    )


def approval(it=ITEM, who=WHO, **kw) -> ApprovalFacts:
    return ApprovalFacts(
        7, who.id, it.code, "王主任", NOW - timedelta(hours=1), NOW + timedelta(hours=1), **kw
    )


# --- the item must be in (P7) ------------------------------------------------------------------------


def test_an_item_in_goes_out_naming_the_person_and_no_approval():
    assert loans.decide_check_out(co()) == Allowed(params=base(person="张三"))


def test_an_item_out_in_full():
    out = item(code="111", title="甲", status="out", holder=SECOND, since=NOW)
    assert loans.item_is_home(co(out)) == Refusal("already_out", base(holder="李四", since=NOW), "P7")
    anon = item(code="111", title="甲", status="out")
    assert loans.item_is_home(co(anon)) == Refusal("already_out", base(holder="?", since="?"), "P7")


@pytest.mark.parametrize("status", ["destroyed", "lost", "returned-to-issuer"])
def test_an_item_not_in_in_full(status):
    it = item(code="111", title="甲", status=status)
    assert loans.item_is_home(co(it)) == Refusal("not_available", base(status=status), "P7")


def test_the_day_of_now_is_asked_of_p8():
    assert loans.person_may_hold(co(who=person(1, "张三", off_post_until=TODAY))) == Refusal(
        "person_off_post", base(person="张三", until=TODAY.isoformat()), "P8"
    )
    assert loans.person_may_hold(co(who=person(1, "张三", off_post_until=TODAY - timedelta(days=1)))) is None


# --- approvals ---------------------------------------------------------------------------------------


def test_what_counts_as_approved():
    assert loans.approved(co()) is False
    assert loans.approved(co(approver=LEADER)) is True
    assert loans.approved(co(approver=person(1, "张三", "leader"))) is False  # not for one's own loan
    assert loans.approved(co(approvals=(approval(),))) is True
    assert loans.approved(co(approvals=(approval(used=True),))) is False
    assert loans.approved(co(approvals=(approval(who=SECOND),))) is False
    assert loans.approved(co(approvals=(approval(it=item(code="222")),))) is False


def test_an_allowed_check_out_carries_the_approval_it_used():
    a = approval()
    assert loans.decide_check_out(co(approvals=(a,))) == Allowed(approval=a, params=base(person="张三"))
    assert loans.decide_check_out(co(approver=LEADER, approvals=(a,))) == Allowed(params=base(person="张三"))
    own = person(1, "张三", "leader")
    assert loans.decide_check_out(co(who=own, approver=own, approvals=(a,))) == Allowed(
        approval=a, params=base(person="张三")
    )


# --- P9 need to know ---------------------------------------------------------------------------------


def test_in_scope_by_department_or_badge_only():
    scoped = item(code="111", title="甲", scope=("综合科", "B001"))
    assert loans.in_scope(co(scoped, person(1, "张三", dept="综合科"))) is True
    assert loans.in_scope(co(scoped, person(1, "张三", badge="B001"))) is True
    assert loans.in_scope(co(scoped, person(1, "综合科", dept="办公室", badge="B002"))) is False
    blank = item(code="111", title="甲", scope=("",))
    assert loans.in_scope(co(blank, person(1, "张三"))) is False  # no department, no badge: nobody's entry
    assert loans.is_scoped(scoped) is True and loans.is_scoped(ITEM) is False


def test_need_to_know_in_full():
    scoped = item(code="111", title="甲", scope=("办公室",))
    assert loans.need_to_know(co()) is None
    assert loans.need_to_know(co(scoped, person(1, "张三", dept="办公室"))) is None
    assert loans.need_to_know(co(scoped, approver=LEADER)) is None
    assert loans.need_to_know(co(scoped, approvals=(approval(scoped),))) is None
    assert loans.need_to_know(co(scoped)) == Refusal("outside_scope", base(scoped, person="张三"), "P9")


# --- P10 top secret ---------------------------------------------------------------------------------


def test_top_secret_needs_a_leader_in_full():
    ts = item("top-secret", code="111", title="甲")
    assert loans.is_top_secret(ts) is True and loans.is_top_secret(ITEM) is False
    assert loans.top_secret_needs_leader(co(ts)) == Refusal("needs_leader", base(ts, person="张三"), "P10")
    assert loans.top_secret_needs_leader(co(ts, approver=LEADER)) is None
    assert loans.top_secret_needs_leader(co(ITEM)) is None


# --- the station table, asked with the loan's purpose --------------------------------------------------


def test_the_place_is_asked_with_the_purpose():
    ts = item("top-secret", code="111", title="甲")
    at = {"station": "保密室", "station_kind": "safe"}
    assert loans.at_this_place(co(ts, purpose="outside")) == Refusal(
        "top_secret_not_outside", base(ts, **at), "P11"
    )
    assert loans.at_this_place(co(ts)) is None


def test_facts_without_terms_read_the_default_terms():
    plain = facts.CheckOutFacts(ITEM, WHO, "保密室", "safe", NOW)
    for rule in loans.CHECK_OUT_RULES:
        assert rule(plain) is None
    archive = item(code="111", title="甲", kind="archive")
    in_room = facts.CheckOutFacts(archive, WHO, "档案室", "archive-room", NOW)
    assert loans.archive_stays(in_room) == Refusal("archive_needs_letter", base(archive), "P15")


# --- P15 archive files ---------------------------------------------------------------------------------

ARCHIVE = item(code="111", title="甲", kind="archive")


@pytest.mark.parametrize(
    "purpose,letter,approver,reason",
    [
        ("reading", "介字12号", None, None),
        ("reading", "", None, "archive_needs_letter"),
        ("reading", "  ", None, "archive_needs_letter"),
        ("reading", "", LEADER, None),  # a leader's approval instead of a letter
        ("outside", "介字12号", None, "archive_not_lent"),
        ("external", "", None, "archive_not_lent"),
        ("outside", "", LEADER, None),  # the special case a leader approves
    ],
    ids=["letter", "no-letter", "blank-letter", "leader", "outside", "external", "outside-approved"],
)
def test_an_archive_file_in_full(purpose, letter, approver, reason):
    r = loans.archive_stays(
        co(ARCHIVE, kind="archive-room", approver=approver, purpose=purpose, letter=letter)
    )
    assert r == (Refusal(reason, base(ARCHIVE), "P15") if reason else None)


def test_only_archive_files_stay():
    assert loans.archive_stays(co(purpose="outside")) is None
    ts_archive = item("top-secret", code="111", title="甲", kind="archive")
    assert loans.archive_stays(co(ts_archive, purpose="outside")) is None  # P11 decides for top secret


# --- P13 out of the office -----------------------------------------------------------------------------

OUT = base(person="张三")


@pytest.mark.parametrize(
    "due,ok",
    [(None, False), (NOW - ONE_S, False), (NOW, False), (NOW + ONE_S, True)],
    ids=["none", "past", "now", "next-second"],
)
def test_a_due_time_after_now(due, ok):
    assert loans._due_ok(co(due=due)) is ok
    r = loans.outside_terms(co(approver=LEADER, purpose="outside", due=due, second=SECOND))
    assert r == (None if ok else Refusal("loan_needs_due", OUT, "P13"))
    r = loans.external_terms(co(approver=LEADER, purpose="external", due=due, unit="县局", recipient="刘"))
    assert r == (None if ok else Refusal("loan_needs_due", OUT, "P14"))


def test_out_of_the_office_in_full():
    assert loans.outside_terms(co()) is None
    assert loans.outside_terms(co(purpose="external")) is None
    assert loans.outside_terms(co(purpose="outside", due=DUE, second=SECOND)) == Refusal(
        "outside_needs_leader", OUT, "P13"
    )
    assert loans.outside_terms(co(purpose="outside", approvals=(approval(),), due=DUE, second=SECOND)) is None
    assert loans.outside_terms(co(approver=LEADER, purpose="outside", due=DUE)) == Refusal(
        "outside_needs_two", OUT, "P13"
    )


@pytest.mark.parametrize(
    "level,two",
    [
        ("top-secret", True),
        ("secret", True),
        ("confidential", True),
        ("internal", False),
        ("unclassified", False),
    ],
)
def test_classified_items_are_carried_by_two(level, two):
    it = item(level, code="111", title="甲")
    r = loans.outside_terms(co(it, approver=LEADER, purpose="outside", due=DUE))
    assert r == (Refusal("outside_needs_two", base(it, person="张三"), "P13") if two else None)


def test_the_second_carrier_in_full():
    terms = dict(approver=LEADER, purpose="outside", due=DUE)
    assert loans.outside_terms(co(**terms, second=WHO)) == Refusal(
        "second_same_person", {"person": "张三"}, "P13"
    )
    off = person(2, "李四", off_post_until=TODAY)
    assert loans.outside_terms(co(**terms, second=off)) == Refusal(
        "person_off_post", base(person="李四", until=TODAY.isoformat()), "P8"
    )
    low = person(2, "李四", clearance="confidential")
    assert loans.outside_terms(co(**terms, second=low)) == Refusal(
        "clearance_too_low", base(person="李四", clearance="confidential"), "P8"
    )
    assert loans.outside_terms(co(**terms, second=SECOND)) is None
    assert loans._second_may_hold(co(), LoanTerms()) is None


# --- P14 another unit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit,recipient,ok",
    [("县局", "刘", True), ("", "刘", False), ("县局", "", False), (" ", "刘", False), ("县局", "  ", False)],
    ids=["both", "no-unit", "no-recipient", "blank-unit", "blank-recipient"],
)
def test_another_unit_and_a_named_recipient(unit, recipient, ok):
    r = loans.external_terms(co(approver=LEADER, purpose="external", due=DUE, unit=unit, recipient=recipient))
    assert r == (None if ok else Refusal("external_needs_recipient", OUT, "P14"))


def test_another_unit_in_full():
    full = dict(purpose="external", due=DUE, unit="县局", recipient="刘")
    assert loans.external_terms(co(purpose="outside")) is None
    assert loans.external_terms(co(**full)) == Refusal("external_needs_leader", OUT, "P14")
    assert loans.external_terms(co(**full, approvals=(approval(),))) is None
    assert loans.external_terms(co(approver=LEADER, purpose="external")) == Refusal(
        "external_needs_recipient", OUT, "P14"
    )  # the recipient before the due date
    assert loans.external_terms(co(approver=LEADER, **full, second=WHO)) == Refusal(
        "second_same_person", {"person": "张三"}, "P13"
    )
    off = person(2, "李四", off_post_until=TODAY)
    assert loans.external_terms(co(approver=LEADER, **full, second=off)) == Refusal(
        "person_off_post", base(person="李四", until=TODAY.isoformat()), "P8"
    )


# --- P28 seals and letters ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["seal", "letter"])
def test_a_seal_or_letter_in_full(kind):
    it = item("internal", code="111", title="甲", kind=kind)
    refused = Refusal("seal_needs_use", base(it), "P28")
    assert loans.seal_or_letter(co(it, approver=LEADER, use="盖章: 报告")) is None
    assert loans.seal_or_letter(co(it, approvals=(approval(it),), use="盖章")) is None
    assert loans.seal_or_letter(co(it, use="盖章")) == refused
    assert loans.seal_or_letter(co(it, approver=LEADER)) == refused
    assert loans.seal_or_letter(co(it, approver=LEADER, use="  ")) == refused


def test_other_kinds_need_no_stated_use():
    for kind in ("document", "medium", "archive", "other"):
        assert loans.seal_or_letter(co(item(kind=kind))) is None


# --- which items need their approvals loaded -------------------------------------------------------------


@pytest.mark.parametrize(
    "it,terms,needs",
    [
        (item(), None, False),
        (item(), LoanTerms(), False),  # read on site
        (item(), LoanTerms(purpose="outside"), True),
        (item(), LoanTerms(purpose="external"), True),
        (item("top-secret"), None, True),
        (item(scope=("办公室",)), LoanTerms(), True),
        (item(kind="archive"), None, True),
        (item(kind="seal"), None, True),
        (item(kind="letter"), None, True),
        (item(kind="medium"), None, False),
    ],
    ids=[
        "plain",
        "reading",
        "outside",
        "external",
        "top-secret",
        "scoped",
        "archive",
        "seal",
        "letter",
        "medium",
    ],
)
def test_needs_approval(it, terms, needs):
    assert loans.needs_approval(it, terms) is needs


# --- a recorded loan ---------------------------------------------------------------------------------------


def test_a_recorded_loan_in_full():
    def decide(it=ITEM, who=WHO):
        return loans.decide_record_loan(LoanFacts(it, who, NOW))

    assert decide() == Allowed(params=base(person="张三"))
    out = item(code="111", title="甲", status="out", holder=SECOND, since=NOW)
    assert decide(out) == Refusal("already_out", base(holder="李四", since=NOW), "P7")
    assert decide(who=person(1, "张三", off_post_until=TODAY)) == Refusal(
        "person_off_post", base(person="张三", until=TODAY.isoformat()), "P8"
    )
    assert decide(out, person(1, "张三", active=False)).reason == "already_out"  # the item first


# --- return (P7, P12, P17–P19) -------------------------------------------------------------------------------


def out_item(holder=WHO, **kw):
    return item(code="111", title="甲", status="out", holder=holder, since=NOW, home="保密室", **kw)


def back(it, station="保密室", presenter=None):
    return loans.decide_return(ReturnFacts(it, station, NOW, presenter=presenter))


def test_a_return_refused_in_full():
    lost = item(code="111", title="甲", status="lost")
    assert back(lost) == Refusal("item_lost", base(lost), "P19")
    for status, rule in (("destroyed", "P18"), ("returned-to-issuer", "P17")):
        it = item(code="111", title="甲", status=status)
        assert back(it) == Refusal("item_gone", base(it, status=status), rule)
    assert back(ITEM) == Refusal("not_out", base(status="in"), "P7")


def test_a_return_allowed_in_full():
    where = {"holder": "张三", "station": "保密室", "home": "保密室"}
    assert back(out_item()) == Allowed(params=base(**where))
    assert back(out_item(), presenter=WHO) == Allowed(params=base(**where))
    assert back(out_item(), "阅文室", presenter=SECOND) == Allowed(
        flags=("returned_by_other", "returned_elsewhere"),
        params=base(**{**where, "station": "阅文室"}, presenter="李四"),
    )
    assert back(out_item(), presenter=SECOND) == Allowed(
        flags=("returned_by_other",), params=base(**where, presenter="李四")
    )
    assert back(out_item(), "阅文室") == Allowed(
        flags=("returned_elsewhere",), params=base(**{**where, "station": "阅文室"})
    )
    assert back(out_item(None), presenter=SECOND) == Allowed(params=base(**{**where, "holder": "?"}))
