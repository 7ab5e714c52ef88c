"""Regression tests of the write path (issue 11): a refusal survives an outer rollback (P24), an
imported loan asks P8 with the off-post check, undoing a return asks P8 again."""

import json
from datetime import date, timedelta

import pytest
from core_support import BACKENDS, office, open_store

from custody.actions import core as actions
from custody.errors import Refused
from custody.ledger.verify import verify


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with open_store(request.param, tmp_path) as s:
        yield s


def events(store, kind=None):
    Event = store.m.Event
    q = Event.select().order_by(Event.seq)
    return list(q.where(Event.kind == kind) if kind else q)


def counts(store):
    m = store.m
    return m.Event.select().count(), m.Item.select().count(), m.Tag.select().count()


class Boom(Exception):
    pass


def test_a_refusal_inside_an_outer_transaction_survives_its_rollback(store):
    office(store)
    before_events, before_items, before_tags = counts(store)
    with pytest.raises(Refused) as err:
        with store.writing():  # as importer.run wraps a whole import
            actions.receive(store, title="普通件", level="secret", actor="t")  # rolled back with the rest
            actions.receive(store, title="绝密件", level="top-secret", home="阅文室", actor="t")
    assert err.value.reason == "home_not_safe"
    refused = events(store, "refused")
    assert len(refused) == 1
    assert json.loads(refused[0].data)["reason"] == "home_not_safe" and refused[0].station == "阅文室"
    assert counts(store) == (before_events + 1, before_items, before_tags)  # nothing else was written
    assert verify(store).ok


def test_a_refusal_inside_a_transaction_that_goes_on_is_written_once(store):
    office(store)
    before = len(events(store))
    with store.writing():
        with pytest.raises(Refused):
            actions.receive(store, title="绝密件", level="top-secret", home="阅文室", actor="t")
        actions.receive(store, title="普通件", level="secret", actor="t")
    assert [e.kind for e in events(store)[before:]] == ["refused", "received"]
    assert verify(store).ok


def test_a_check_out_refused_inside_a_failing_transaction_stays_on_record(store):
    o = office(store)
    it = actions.receive(store, title="要点", level="secret", actor="t")[0]
    with pytest.raises(Boom):
        with store.writing():
            out = actions.check_out(store, it.code, o["li"], o["safe"], actor="t")
            assert out.outcome == "refused"
            raise Boom
    refused = events(store, "refused")
    assert len(refused) == 1 and json.loads(refused[0].data)["reason"] == "clearance_too_low"
    assert verify(store).ok


def test_receive_decides_and_writes_in_one_transaction(store, monkeypatch):
    """The decision and the writes share one `store.writing()` (no second transaction opened)."""
    office(store)
    opened = []
    real = type(store).writing

    def counting(self):
        if not self.db.in_transaction():
            opened.append(1)
        return real(self)

    monkeypatch.setattr(type(store), "writing", counting)
    actions.receive(store, title="要点", level="secret", actor="t")
    assert len(opened) == 1


def test_an_imported_loan_to_an_off_post_person_is_refused(store):
    o = office(store)
    actions.off_post(store, "B001", store.now().date() + timedelta(days=30), actor="t")
    zhang = store.m.Person.get_by_id(o["zhang"].id)
    before_items = store.m.Item.select().count()
    with pytest.raises(Refused) as err:
        actions.receive_imported(
            store, source="台账.xlsx", row=2, holder=zhang, title="旧件", level="secret", actor="import"
        )
    assert err.value.reason == "person_off_post" and err.value.rule == "P8"
    assert store.m.Item.select().count() == before_items  # the row is rolled back, the refusal kept
    refused = events(store, "refused")
    assert len(refused) == 1 and json.loads(refused[0].data)["action"] == "record_loan"
    assert verify(store).ok
    problem = actions.loan_problem(store, zhang, level="secret", title="旧件")
    assert problem is not None and problem.reason == "person_off_post"


def test_record_loan_to_an_off_post_person_is_refused_and_recorded(store):
    o = office(store)
    it = actions.receive(store, title="旧件", level="secret", actor="t")[0]
    zhang = actions.off_post(store, "B001", store.now().date(), actor="t")  # the last day still counts
    with pytest.raises(Refused) as err:
        actions.record_loan(store, it.code, zhang, since=store.now() - timedelta(days=3), actor="import")
    assert err.value.reason == "person_off_post"
    assert store.m.Item.get_by_id(it.id).status == "in"
    assert len(events(store, "refused")) == 1
    assert verify(store).ok
    actions.off_post(store, "B001", None, actor="t")
    lent = actions.record_loan(
        store, it.code, o["zhang"], since=store.now() - timedelta(days=3), actor="import"
    )
    assert lent.status == "out" and store.m.Item.get_by_id(it.id).holder_id == o["zhang"].id
    assert verify(store).ok


def test_undoing_a_return_after_the_holder_was_deactivated_is_refused_and_recorded(store):
    o = office(store)
    it = actions.receive(store, title="要点", level="secret", actor="t")[0]
    actions.check_out(store, it.code, o["zhang"], o["safe"], actor="t")
    back = actions.return_item(store, it.code, o["safe"], actor="t")
    actions.set_active(store, "B001", False, actor="t")
    before = len(events(store))
    out = actions.undo_custody_event(store, back.seq, o["safe"], actor="station")
    assert out.outcome == "refused" and out.reason == "person_inactive"
    new = events(store)[before:]
    assert [e.kind for e in new] == ["refused"] and json.loads(new[0].data)["action"] == "undo"
    assert store.m.Item.get_by_id(it.id).status == "in"
    assert verify(store).ok


def test_undoing_a_return_re_lends_through_the_same_state_write(store):
    o = office(store)
    it = actions.receive(store, title="要点", level="secret", actor="t")[0]
    actions.check_out(store, it.code, o["zhang"], o["safe"], actor="t")
    back = actions.return_item(store, it.code, o["room"], actor="t")
    out = actions.undo_custody_event(store, back.seq, o["safe"], actor="station")
    assert out.outcome == "command" and out.person.id == o["zhang"].id
    row = store.m.Item.get_by_id(it.id)
    assert (row.status, row.holder_id, row.location_id) == ("out", o["zhang"].id, o["safe"].id)
    assert verify(store).ok
    again = actions.undo_custody_event(store, out.seq, o["safe"], actor="station")  # a check-out now
    assert again.outcome == "command" and store.m.Item.get_by_id(it.id).status == "in"
    assert verify(store).ok


def test_undoing_a_return_to_someone_now_off_post_is_refused(store):
    o = office(store)
    it = actions.receive(store, title="要点", level="secret", actor="t")[0]
    actions.check_out(store, it.code, o["zhang"], o["safe"], actor="t")
    back = actions.return_item(store, it.code, o["safe"], actor="t")
    actions.off_post(store, "B001", date(2099, 1, 1), actor="t")
    out = actions.undo_custody_event(store, back.seq, o["safe"], actor="station")
    assert out.reason == "person_off_post" and store.m.Item.get_by_id(it.id).status == "in"
