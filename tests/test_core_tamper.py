"""`verify` catches tampering: a changed field, a deleted event, two events reordered."""

import pytest
from core_support import BACKENDS, office, open_store

from custody.actions import core as actions
from custody.ledger.verify import verify
from custody.models.core import Event, Item
from custody.store.db import is_sqlite


@pytest.fixture(params=BACKENDS)
def busy(request, tmp_path):
    """A store with a few days' worth of history."""
    with open_store(request.param, tmp_path) as store:
        o = office(store)
        items = actions.receive(store, title="要点", level="secret", copies=3, actor="t")
        for it in items:
            actions.check_out(store, it.code, o["zhang"], o["safe"], actor="t")
            store.clock.advance(minutes=5)
            actions.return_item(store, it.code, o["safe"], actor="t")
        actions.check_out(store, items[0].code, o["li"], o["safe"], actor="t")  # refused, recorded
        assert verify().ok
        yield store


def drop_triggers(store) -> None:
    if is_sqlite(store.db):
        store.db.execute_sql("DROP TRIGGER event_no_update")
        store.db.execute_sql("DROP TRIGGER event_no_delete")
    else:
        store.db.execute_sql("DROP TRIGGER event_append_only ON event")


def middle_seq() -> int:
    return Event.select().where(Event.kind == "checked_out").order_by(Event.seq).first().seq


def test_a_changed_field_is_named(busy):
    drop_triggers(busy)
    seq = middle_seq()
    Event.update(person=999).where(Event.seq == seq).execute()
    report = verify()
    assert not report.ok and report.bad_seq == seq and "changed" in report.problem


def test_a_changed_data_payload_is_named(busy):
    drop_triggers(busy)
    seq = Event.get(Event.kind == "refused").seq
    Event.update(data='{"action":"check_out","reason":"nothing to see"}').where(Event.seq == seq).execute()
    report = verify()
    assert not report.ok and report.bad_seq == seq


def test_a_deleted_event_is_named(busy):
    drop_triggers(busy)
    seq = middle_seq()
    Event.delete().where(Event.seq == seq).execute()
    report = verify()
    assert not report.ok and report.bad_seq == seq + 1 and "gap" in report.problem


def test_a_deleted_last_event_is_caught_by_the_head(busy):
    drop_triggers(busy)
    last = Event.select().order_by(Event.seq.desc()).first().seq
    Event.delete().where(Event.seq == last).execute()
    report = verify()
    assert not report.ok and "head" in report.problem


def test_two_reordered_events_are_named(busy):
    drop_triggers(busy)
    a = middle_seq()
    b = a + 1
    Event.update(seq=-1).where(Event.seq == a).execute()
    Event.update(seq=a).where(Event.seq == b).execute()
    Event.update(seq=b).where(Event.seq == -1).execute()
    report = verify()
    assert not report.ok and report.bad_seq == a


def test_state_changed_behind_the_ledgers_back_is_named(busy):
    it = Item.select().first()
    Item.update(status="out").where(Item.id == it.id).execute()
    report = verify()
    assert not report.ok and it.code in report.problem and "status" in report.problem


def test_a_relabelled_level_is_named(busy):
    it = Item.select().first()
    Item.update(level="internal").where(Item.id == it.id).execute()
    report = verify()
    assert not report.ok and "level" in report.problem


def test_a_head_moved_back_to_the_start_is_caught(busy):
    from custody.ledger.chain import GENESIS
    from custody.models.core import LedgerHead

    LedgerHead.update(seq=0, hash=GENESIS).execute()  # as if every event had been removed
    report = verify()
    assert not report.ok and "head" in report.problem
