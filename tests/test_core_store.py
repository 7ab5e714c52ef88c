"""The write path against real databases (SQLite file; PostgreSQL when CUSTODY_TEST_PG is set)."""

import json

import peewee
import pytest
from core_support import BACKENDS, office, open_store

from custody.actions import core as actions
from custody.errors import Conflict, InvalidInput, NotFound, Refused, StorageError
from custody.ledger.verify import verify
from custody.store import migrations as schema
from custody.store.core import Store


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with open_store(request.param, tmp_path) as s:
        yield s


def events(store) -> int:
    return store.m.Event.select().count()


def test_receive_registers_each_copy_with_its_number(store):
    o = office(store)
    items = actions.receive(
        store,
        title="年度工作要点",
        level="机密",
        copies=3,
        doc_no="办发〔2026〕12号",
        issuer="县委办公室",
        period="10y",
        received_by="C001",
        actor="test",
    )
    assert [i.copy_no for i in items] == [1, 2, 3]
    assert len({i.code for i in items}) == 3
    assert all(i.home_id == o["safe"].id and i.status == "in" and i.period == "10y" for i in items)
    received = store.m.Event.select().where(store.m.Event.kind == "received")
    assert received.count() == 3
    assert json.loads(received.first().data)["doc_no"] == "办发〔2026〕12号"
    assert verify(store).ok


def test_copy_numbers_of_one_document_are_unique(store):
    office(store)
    actions.receive(store, title="通知", level="secret", copies=2, doc_no="办发1号", issuer="县委", actor="t")
    before = events(store)
    with pytest.raises(Conflict) as err:
        actions.receive(
            store, title="通知", level="secret", copies=1, doc_no="办发1号", issuer="县委", actor="t"
        )
    assert "000001" in err.value.message("zh")
    assert events(store) == before
    more = actions.receive(
        store, title="通知", level="secret", first_copy=3, doc_no="办发1号", issuer="县委", actor="t"
    )
    assert more[0].copy_no == 3


def test_p5_refused_receive_is_recorded_and_registers_nothing(store):
    office(store)
    with pytest.raises(Refused) as err:
        actions.receive(store, title="绝密件", level="top-secret", home="阅文室", actor="t")
    assert err.value.reason == "home_not_safe"
    assert store.m.Item.select().count() == 0
    refusal = store.m.Event.select().where(store.m.Event.kind == "refused").get()
    assert json.loads(refusal.data)["reason"] == "home_not_safe"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"level": "bogus"},
        {"level": "secret", "kind": "scroll"},
        {"level": "secret", "period": "forever"},
        {"level": "secret", "copies": 0},
        {"level": "secret", "home": "nowhere"},
    ],
)
def test_bad_input_writes_nothing(store, kwargs):
    office(store)
    before = events(store)
    with pytest.raises((InvalidInput, NotFound)):
        actions.receive(store, title="x", actor="t", **kwargs)
    assert events(store) == before and store.m.Item.select().count() == 0


def test_duplicate_badge_and_code_are_refused(store):
    office(store)
    with pytest.raises(Conflict):
        actions.add_person(store, "另一人", badge="B001", clearance="secret", actor="t")
    item = actions.receive(store, title="x", level="secret", actor="t")[0]
    with pytest.raises(InvalidInput):  # an item-code-shaped badge is refused outright
        actions.add_person(store, "另一人", badge=item.code, clearance="secret", actor="t")
    actions.tag_item(store, item.code, "010063E9AE", actor="t")
    with pytest.raises(Conflict):  # the same tag given as its fob number
        actions.add_person(store, "另一人", badge="B099", clearance="secret", rfid="0006547886", actor="t")
    assert store.m.Person.select().count() == 4


def test_check_out_and_return_keep_state_and_ledger_together(store):
    o = office(store)
    it = actions.receive(store, title="要点", level="secret", actor="t")[0]
    out = actions.check_out(store, it.code, o["zhang"], o["safe"], actor="t")
    assert out.outcome == "checked_out" and "张三" in out.message()
    row = store.m.Item.get_by_id(it.id)
    assert row.status == "out" and row.holder_id == o["zhang"].id and row.since == store.now()
    again = actions.check_out(store, it.code, o["li"], o["safe"], actor="t")
    assert again.outcome == "refused" and again.reason == "already_out"
    store.clock.advance(minutes=30)
    back = actions.return_item(store, it.code, o["safe"], actor="t", presenter=o["zhang"])
    assert back.outcome == "returned" and back.flags == ()
    assert store.m.Item.get_by_id(it.id).status == "in"
    assert verify(store).ok


def test_refusals_are_recorded_p24(store):
    o = office(store)
    it = actions.receive(store, title="要点", level="secret", actor="t")[0]
    out = actions.check_out(store, it.code, o["li"], o["safe"], actor="t")
    assert out.outcome == "refused" and "李四" in out.message() and "秘密" in out.message()
    ev = store.m.Event.select().where(store.m.Event.kind == "refused").get()
    assert (
        ev.item == it.code
        and ev.person == o["li"].id
        and json.loads(ev.data)["reason"] == "clearance_too_low"
    )
    assert store.m.Item.get_by_id(it.id).status == "in"


def test_p10_leader_at_the_station_or_an_approval_beforehand(store):
    o = office(store)
    ts = actions.add_person(store, "钱五", badge="B005", clearance="top-secret", actor="t")
    a, b = actions.receive(store, title="绝密件", level="绝密", copies=2, actor="t")
    assert actions.check_out(store, a.code, ts, o["safe"], actor="t").reason == "needs_leader"
    ok = actions.check_out(store, a.code, ts, o["safe"], actor="t", approver=o["wang"])
    assert ok.outcome == "checked_out"
    assert json.loads(store.m.Event.get(store.m.Event.seq == ok.seq).data)["approver"] == o["wang"].id
    assert actions.approve(store, b.code, ts, o["zhao"], actor="t").outcome == "refused"
    assert actions.approve(store, b.code, ts, o["wang"], actor="t", hours=1).outcome == "approved"
    store.clock.advance(minutes=30)
    used = actions.check_out(store, b.code, ts, o["safe"], actor="t")
    assert used.outcome == "checked_out"
    actions.return_item(store, b.code, o["safe"], actor="t")
    assert actions.check_out(store, b.code, ts, o["safe"], actor="t").reason == "needs_leader"  # used once
    assert verify(store).ok


def test_p12_return_by_someone_else_is_accepted_and_flagged(store):
    o = office(store)
    it = actions.receive(store, title="要点", level="secret", actor="t")[0]
    actions.check_out(store, it.code, o["zhang"], o["safe"], actor="t")
    back = actions.return_item(store, it.code, o["room"], actor="t", presenter=o["li"])
    assert back.flags == ("returned_by_other", "returned_elsewhere")
    assert "李四" in back.message() and "张三" in back.message()
    assert store.m.Item.get_by_id(it.id).location_id == o["room"].id


def test_the_ledger_refuses_update_and_delete(store):
    office(store)
    with pytest.raises(peewee.DatabaseError):
        with store.db.atomic():
            store.m.Event.update(actor="forger").where(store.m.Event.seq == 1).execute()
    with pytest.raises(peewee.DatabaseError):
        with store.db.atomic():
            store.m.Event.delete().where(store.m.Event.seq == 1).execute()
    assert store.m.Event.get(store.m.Event.seq == 1).actor == "test"


def test_init_is_idempotent_and_a_newer_schema_is_refused(store, tmp_path):
    assert schema.upgrade(store.db) == (schema.SCHEMA_VERSION, schema.SCHEMA_VERSION)
    store.m.SchemaInfo.update(version=schema.SCHEMA_VERSION + 1).execute()
    with pytest.raises(StorageError) as err:
        schema.check(store.db)
    assert "newer" in err.value.message("en")
    with pytest.raises(StorageError):
        schema.upgrade(store.db)


def test_an_uninitialised_database_is_refused(tmp_path):
    with pytest.raises(StorageError) as err:
        Store.open(f"sqlite:///{tmp_path / 'empty.db'}")
    assert "custody init" in err.value.message("zh")


@pytest.mark.parametrize("url", ["foo://x", "sqlite://relative.db", "postgresql://host/"])
def test_unreadable_database_urls(url):
    with pytest.raises(StorageError) as err:
        Store.open(url)
    assert url in err.value.message("en")


def test_rfid_scan_of_either_form_finds_the_tag(store):
    from custody.reports import lookup

    o = office(store)
    p = actions.add_person(store, "孙六", badge="B006", clearance="secret", rfid="010063E9AE", actor="t")
    assert lookup.tag_for_scan(store, "010063E9AE").person_id == p.id
    assert lookup.tag_for_scan(store, "0006547886").person_id == p.id
    it = actions.receive(store, title="U盘", level="secret", kind="medium", actor="t")[0]
    actions.tag_item(store, it.code, "0012345678", actor="t")
    assert lookup.tag_for_scan(store, "0012345678").item_id == it.id
    assert lookup.tag_for_scan(store, f"{12345678:010X}").item_id == it.id
    assert store.m.Tag.select().where(store.m.Tag.person == o["zhang"]).count() == 1
