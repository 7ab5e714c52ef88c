"""`verify` catches tampering: a changed field, a deleted event, two events reordered."""

import pytest
from core_support import BACKENDS, office, open_store

from custody.actions import core as actions
from custody.ledger.verify import verify
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
        assert verify(store).ok
        yield store


def drop_triggers(store) -> None:
    if is_sqlite(store.db):
        store.db.execute_sql("DROP TRIGGER event_no_update")
        store.db.execute_sql("DROP TRIGGER event_no_delete")
    else:
        store.db.execute_sql("DROP TRIGGER event_append_only ON event")


def middle_seq(busy) -> int:
    return (
        busy.m.Event.select().where(busy.m.Event.kind == "checked_out").order_by(busy.m.Event.seq).first().seq
    )


def test_a_changed_field_is_named(busy):
    drop_triggers(busy)
    seq = middle_seq(busy)
    busy.m.Event.update(person=999).where(busy.m.Event.seq == seq).execute()
    report = verify(busy)
    assert not report.ok and report.bad_seq == seq and "changed" in report.problem


def test_a_changed_data_payload_is_named(busy):
    drop_triggers(busy)
    seq = busy.m.Event.get(busy.m.Event.kind == "refused").seq
    busy.m.Event.update(data='{"action":"check_out","reason":"nothing to see"}').where(
        busy.m.Event.seq == seq
    ).execute()
    report = verify(busy)
    assert not report.ok and report.bad_seq == seq


def test_a_deleted_event_is_named(busy):
    drop_triggers(busy)
    seq = middle_seq(busy)
    busy.m.Event.delete().where(busy.m.Event.seq == seq).execute()
    report = verify(busy)
    assert not report.ok and report.bad_seq == seq + 1 and "gap" in report.problem


def test_a_deleted_last_event_is_caught_by_the_head(busy):
    drop_triggers(busy)
    last = busy.m.Event.select().order_by(busy.m.Event.seq.desc()).first().seq
    busy.m.Event.delete().where(busy.m.Event.seq == last).execute()
    report = verify(busy)
    assert not report.ok and "head" in report.problem


def test_two_reordered_events_are_named(busy):
    drop_triggers(busy)
    a = middle_seq(busy)
    b = a + 1
    busy.m.Event.update(seq=-1).where(busy.m.Event.seq == a).execute()
    busy.m.Event.update(seq=a).where(busy.m.Event.seq == b).execute()
    busy.m.Event.update(seq=b).where(busy.m.Event.seq == -1).execute()
    report = verify(busy)
    assert not report.ok and report.bad_seq == a


def test_state_changed_behind_the_ledgers_back_is_named(busy):
    it = busy.m.Item.select().first()
    busy.m.Item.update(status="out").where(busy.m.Item.id == it.id).execute()
    report = verify(busy)
    assert not report.ok and it.code in report.problem and "status" in report.problem


def test_a_relabelled_level_is_named(busy):
    it = busy.m.Item.select().first()
    busy.m.Item.update(level="internal").where(busy.m.Item.id == it.id).execute()
    report = verify(busy)
    assert not report.ok and "level" in report.problem


def test_a_head_moved_back_to_the_start_is_caught(busy):
    from custody.ledger.chain import GENESIS

    busy.m.LedgerHead.update(seq=0, hash=GENESIS).execute()  # as if every event had been removed
    report = verify(busy)
    assert not report.ok and "head" in report.problem
