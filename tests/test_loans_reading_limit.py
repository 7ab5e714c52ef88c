"""P11: the custodian is told when a top-secret item's reading limit passes — by the closing
scheduler's next pass, not at the sweep — once per loan: not again on the next minute, not after
a restart, and again for the next loan. Mail goes to a real aiosmtpd on a free port (STARTTLS and
login, tests/test_notify.py's receiver); the clock is injected."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from closing_support import WebhookReceiver, office_at
from test_notify import MailReceiver, configure_mail, free_port_with_nobody_listening

from custody.actions import core as actions
from custody.closing import reading_limit
from custody.closing import schedule as closing
from custody.store.core import Store

NO_WAIT = {"sleep": lambda _s: None}


@pytest.fixture
def office(tmp_path):
    with office_at(tmp_path) as o:
        yield o


@pytest.fixture
def mail(tmp_path):
    m = MailReceiver(tmp_path)
    try:
        yield m
    finally:
        m.close()


def scheduler(office) -> closing.ClosingScheduler:
    return closing.ClosingScheduler(lambda: office.store, office.clock, interval=60, **NO_WAIT)


def notified(office) -> list[dict]:
    m = office.store.m
    return [
        json.loads(e.data) | {"_kind": e.kind, "_item": e.item}
        for e in m.Event.select().where(m.Event.kind.in_(["notified", "notify_failed"])).order_by(m.Event.seq)
        if "reading_limit" in json.loads(e.data)
    ]


def test_the_custodian_is_mailed_once_when_the_reading_limit_passes(office, mail, tmp_path):
    configure_mail(office, mail, tmp_path)
    office.at("09:00")
    loan = office.lend(office.top, "zhao")
    s = scheduler(office)
    office.at("10:59")  # the limit is 120 minutes: not yet
    s.tick(office.store)
    assert notified(office) == [] and mail.messages == []
    office.at("11:01")
    s.tick(office.store)
    assert mail.wait_for(1)
    msg = mail.messages[0]
    assert msg["Subject"] == f"【超时】绝密通知（{office.top}）"
    assert "已超过120分钟的阅读时限" in msg.get_content() and "赵保密员" in msg.get_content()
    (event,) = notified(office)
    assert event["_kind"] == "notified" and event["_item"] == office.top
    assert event["reading_limit"] == loan.seq and event["channels"] == {"mail": "sent"}
    for _ in range(3):  # the next minutes: nothing more
        office.clock.advance(minutes=1)
        s.tick(office.store)
    assert len(notified(office)) == 1 and len(mail.messages) == 1


def test_no_second_notification_after_a_restart(office, mail, tmp_path):
    """Guards against a reminder kept in memory: a new scheduler on a reopened store sends nothing."""
    configure_mail(office, mail, tmp_path)
    office.at("09:00")
    office.lend(office.top, "zhao")
    office.at("11:30")
    scheduler(office).tick(office.store)
    assert mail.wait_for(1)
    url, clock = office.url, office.clock
    office.store.close()
    reopened = Store.open(url, clock=clock)
    try:
        office.at("11:31")
        again = closing.ClosingScheduler(lambda: reopened, clock, interval=60, **NO_WAIT)
        again.tick(reopened)
        assert reading_limit.past_limit(reopened, clock.now())  # still past it, still out
        m = reopened.m
        assert m.Event.select().where(m.Event.kind == "notified").count() == 1
    finally:
        reopened.close()
    assert len(mail.messages) == 1


def test_a_returned_item_and_a_secret_item_are_not_notified_and_a_new_loan_is(office, mail, tmp_path):
    configure_mail(office, mail, tmp_path)
    office.at("09:00")
    office.lend(office.secret[0], "zhang")  # secret: no reading limit
    office.lend(office.top, "zhao")
    office.at("09:30")
    office.give_back(office.top)
    office.at("12:00")
    scheduler(office).tick(office.store)
    assert notified(office) == []
    office.at("13:00")
    loan = office.lend(office.top, "zhao")
    office.at("15:01")
    scheduler(office).tick(office.store)
    assert mail.wait_for(1)
    assert [e["reading_limit"] for e in notified(office)] == [loan.seq]


def test_a_failing_channel_is_tried_again_and_a_reached_one_is_not(office, mail, tmp_path):
    hook = WebhookReceiver()
    try:
        configure_mail(office, mail, tmp_path)
        actions.set_setting(office.store, "smtp_port", free_port_with_nobody_listening(), actor="test")
        actions.set_setting(office.store, "notify_webhook_url", hook.url, actor="test")
        office.at("09:00")
        office.lend(office.top, "zhao")
        office.at("11:05")
        s = scheduler(office)
        s.tick(office.store)
        assert hook.wait_for(1)
        first = notified(office)
        assert [e["_kind"] for e in first] == ["notify_failed"] and first[0]["channels"]["webhook"] == "sent"
        body = hook.bodies[0]
        assert body["event"] == "reading_limit" and body["item"]["code"] == office.top
        actions.set_setting(office.store, "smtp_port", mail.port, actor="test")  # the mail server is back
        office.clock.advance(minutes=1)
        s.tick(office.store)
        assert mail.wait_for(1)
        assert [e["_kind"] for e in notified(office)] == ["notify_failed", "notified"]
        assert notified(office)[1]["channels"] == {"mail": "sent"}
        office.clock.advance(minutes=1)
        s.tick(office.store)
        assert len(hook.bodies) == 1 and len(mail.messages) == 1
    finally:
        hook.close()


def test_without_a_channel_nothing_is_recorded(office):
    office.at("09:00")
    office.lend(office.top, "zhao")
    office.clock.advance(hours=3)
    scheduler(office).tick(office.store)
    assert notified(office) == []
    assert reading_limit.past_limit(office.store, office.clock.now() - timedelta(hours=2)) == []
