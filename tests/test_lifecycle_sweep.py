"""P17 and P19 in the closing sweep and `out`: an item reported lost is listed and flagged until a
leader resolves it (also in a sweep of a past moment, from the ledger); items due back to the issuer
are listed from the setting's days ahead and flagged after the day; registers of an item's life."""

from datetime import timedelta

import pytest
from core_support import BACKENDS, office, open_store

from custody.actions import core as actions
from custody.actions import lifecycle as life
from custody.reports import sweep as sweeps
from custody.reports.out import out_now


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with open_store(request.param, tmp_path) as s:
        yield s


@pytest.fixture
def o(store):
    return office(store)


def receive(store, n=1, **kw):
    return [
        i.code
        for i in actions.receive(store, title="年度工作要点", level="secret", copies=n, actor="t", **kw)
    ]


def flags(s, code):
    return next(e.flags for e in s.entries if e.item.code == code)


def test_a_lost_item_is_in_the_sweep_and_out_until_resolved(store, o):
    a, b = receive(store, 2)
    actions.check_out(store, b, o["zhang"], o["safe"], actor="t")
    store.clock.advance(minutes=5)
    life.report_loss(store, a, by=o["zhang"], actor="t")
    life.report_loss(store, b, by=o["zhang"], actor="t")
    reported = store.now()
    store.clock.advance(minutes=5)
    s = sweeps.sweep(store)
    assert flags(s, a) == ("lost",) and flags(s, b) == ("lost",)
    assert {i.code for i in out_now(store)} == {a, b}
    life.resolve_loss(store, a, by=o["wang"], found=True, actor="t")
    life.resolve_loss(store, b, by=o["wang"], found=False, actor="t")
    store.clock.advance(minutes=5)
    assert [e.item.code for e in sweeps.sweep(store).entries] == []
    assert out_now(store) == []
    past = sweeps.sweep(store, at=reported)  # from the ledger as it stood then
    assert sorted(e.item.code for e in past.entries) == sorted([a, b]) and flags(past, a) == ("lost",)


@pytest.mark.parametrize(
    "days,flag", [(8, None), (7, "due_to_issuer"), (0, "due_to_issuer"), (-1, "overdue_to_issuer")]
)
def test_items_due_back_are_listed_ahead_and_flagged_after(store, o, days, flag):
    today = store.now().date()
    code = receive(store)[0]
    life.set_due_back(store, [code], today, by=o["zhao"], actor="t")
    store.clock.advance(days=-days)  # `days` left until the due day
    due = sweeps.sweep(store).due
    assert [(it.code, f) for it, f in due] == ([(code, flag)] if flag else [])


def test_an_item_out_and_overdue_to_its_issuer_is_flagged_among_the_outstanding(store, o):
    code = receive(store, due_back=store.now().date())[0]
    actions.check_out(store, code, o["zhang"], o["safe"], actor="t")
    store.clock.advance(days=1)
    assert "overdue_to_issuer" in flags(sweeps.sweep(store), code)


def test_the_registers_of_copies_destructions_returns_and_top_secret(store, o):
    from custody.reports import registers

    a, b, c = receive(store, 3, doc_no="办发12号", issuer="县委")
    top = actions.receive(store, title="绝密通知", level="top-secret", actor="t")[0].code
    life.copy(store, a, 2, by=o["zhao"], approver=o["wang"], for_whom="综合科", actor="t")
    life.copy(store, top, 1, by=o["zhao"], approver=o["wang"], issuer_ref="国保3号", actor="t")
    life.destroy(
        store,
        [b],
        by=o["zhao"],
        approver=o["wang"],
        witnesses=[o["zhang"], o["li"]],
        method="粉碎",
        actor="t",
    )
    life.return_to_issuer(store, [c], by=o["zhao"], ref="清退单7", actor="t")
    actions.check_out(store, top, o["zhao"], o["safe"], actor="t", approver=o["wang"])
    day = store.now().astimezone(sweeps.ZoneInfo("Asia/Shanghai")).date()
    reg = registers.build(store, "复制登记", day, day)
    assert [(r["original"], r["copies"], r["copy_nos"], r["for"]) for r in reg.rows][0] == (
        a,
        "2",
        "000004–000005",
        "综合科",
    )
    reg = registers.build(store, "destructions", day, day)
    assert [(r["code"], r["method"], r["witnesses"]) for r in reg.rows] == [(b, "粉碎", "张三、李四")]
    reg = registers.build(store, "清退", day, day)
    assert [(r["code"], r["ref"], r["issuer"]) for r in reg.rows] == [(c, "清退单7", "县委")]
    reg = registers.build(store, "绝密文件登记", day, day)
    from custody.messages.catalog import event_name

    kinds = ["received", "copied", "checked_out"]  # the original's receipt, its copy, the loan
    assert [r["event"] for r in reg.rows] == [event_name(k) for k in kinds]
    assert all(r["title"] == "绝密通知" for r in reg.rows) and "国保3号" in reg.rows[1]["note"]
    assert reg.title("zh") == "绝密文件登记簿"


def test_a_loss_is_sent_to_the_configured_webhook_and_recorded(tmp_path):
    """P19: the custodian and the leaders are told at once, through the sweep's channels."""
    import json

    from closing_support import WebhookReceiver, office_at

    from custody.closing import notify

    hook = WebhookReceiver()
    try:
        with office_at(tmp_path) as o:
            actions.set_setting(o.store, "notify_webhook_url", hook.url, actor="test")
            out = life.report_loss(o.store, o.top, by=o.people["zhang"], actor="t")
            assert notify.send_loss(o.store, out.item, out.message("zh"), sleep=lambda _s: None) == (
                "webhook",
            )
            assert hook.wait_for(1)
            body = hook.bodies[0]
            assert body["event"] == "reported_lost" and body["item"]["code"] == o.top
            assert set(body["to"]) == {"custodian", "leader"}
            m = o.store.m
            last = m.Event.select().order_by(m.Event.seq.desc()).get()
            assert last.kind == "notified" and json.loads(last.data)["loss"] == o.top
    finally:
        hook.close()


def test_review_lists_items_with_no_period_until_a_leader_records_the_outcome(store, o):
    from custody.reports import registers

    none = receive(store)[0]  # a secret item received with no period
    internal = actions.receive(store, title="内部资料", level="internal", actor="t")[0].code
    dated = receive(store, period="6m")[0]
    today = store.now().date()
    assert [r.code for r in registers.review(store, today)] == [none]
    later = today + timedelta(days=200)
    assert sorted(r.code for r in registers.review(store, later)) == sorted([none, dated])
    life.review_item(store, none, by=o["wang"], outcome="keep", actor="t")
    life.review_item(store, dated, by=o["wang"], outcome="extend", period="5y", actor="t")
    assert registers.review(store, later) == [] and internal
