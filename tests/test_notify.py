"""Notifications delivered to real local receivers: mail to aiosmtpd on a free loopback port
(STARTTLS, login), a webhook to http.server; failures retried, logged, the record kept."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from closing_support import WebhookReceiver, office_at, recent_morning, run_cli
from core_support import BACKENDS

from custody.actions import core as actions
from custody.closing import notify
from custody.closing import schedule as closing
from custody.models.closing import SweepRecord
from custody.store.db import held_if_free

NO_WAIT = {"sleep": lambda _s: None}


class MailReceiver:
    """aiosmtpd on 127.0.0.1, a free port, STARTTLS required before AUTH; keeps what it receives."""

    def __init__(self, tmp_path: Path, user: str = "baomi", password: str = "s3cret-pw") -> None:
        self.cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                str(key),
                "-out",
                str(self.cert),
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert, key)
        self.messages: list[email.message("zh").EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[str] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
                with receiver._cond:
                    receiver.messages.append(
                        email.message_from_bytes(envelope.content, policy=email.policy.default)
                    )
                    receiver.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                    receiver._cond.notify_all()
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            if ok:
                receiver.logins.append(user)
            return AuthResult(success=ok, handled=False)  # the server answers 235 or 535 itself

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        def factory() -> SMTP:
            return SMTP(
                Handler(),
                hostname="127.0.0.1",
                tls_context=tls,
                require_starttls=True,
                authenticator=authenticator,
                auth_require_tls=True,
            )

        self.server = asyncio.run_coroutine_threadsafe(
            self.loop.create_server(factory, "127.0.0.1", 0), self.loop
        ).result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    def wait_for(self, n: int, timeout: float = 20.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.messages) >= n, timeout)

    def close(self) -> None:
        self.server.close()
        asyncio.run_coroutine_threadsafe(self.server.wait_closed(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def mail(tmp_path):
    m = MailReceiver(tmp_path)
    try:
        yield m
    finally:
        m.close()


@pytest.fixture
def office(tmp_path):
    with office_at(tmp_path) as o:
        yield o


def configure_mail(office, mail: MailReceiver, tmp_path: Path, password: str = "s3cret-pw") -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text(password + "\n", encoding="utf-8")
    for key, value in (
        ("smtp_host", "127.0.0.1"),
        ("smtp_port", mail.port),
        ("smtp_user", "baomi"),
        ("smtp_password_file", str(secret)),
        ("smtp_ca_file", str(mail.cert)),
        ("smtp_from", "custody@example.gov.cn"),
        ("smtp_to", "baomi@example.gov.cn, leader@example.gov.cn"),
        ("notify_retries", 2),
    ):
        actions.set_setting(office.store, key, value, actor="test")


def closing_record(office) -> SweepRecord:
    office.at("10:00")
    office.lend(office.top, "zhao")
    office.at("17:30")
    return next(
        r for r in closing.run_due_sweeps(office.store, office.clock.now()) if r.station.name == "保密室"
    )


def free_port_with_nobody_listening() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_mail_over_starttls_with_login(office, mail, tmp_path):
    configure_mail(office, mail, tmp_path)
    record = closing_record(office)
    assert notify.deliver(office.store, record, **NO_WAIT) == {"mail": "sent"}
    assert mail.wait_for(1)
    msg = mail.messages[0]
    assert msg["Subject"] == "【下班清查】保密室 2026-11-30：1 件未归还"
    assert (
        "绝密通知" in msg.get_content()
        and office.top in msg.get_content()
        and "绝密未还" in msg.get_content()
    )
    assert mail.envelopes[0] == ("custody@example.gov.cn", ["baomi@example.gov.cn", "leader@example.gov.cn"])
    assert mail.logins == ["baomi"]
    record = office.store.m.SweepRecord.get_by_id(record.id)
    assert (record.notify_status, record.notified, record.notify_attempts) == ("sent", "mail", 1)
    assert notify.awaiting(office.store) == []
    assert office.store.m.Event.select().where(office.store.m.Event.kind == "notified").count() == 1


def test_a_wrong_password_fails_without_retrying_and_keeps_the_record(office, mail, tmp_path):
    configure_mail(office, mail, tmp_path, password="wrong")
    record = closing_record(office)
    result = notify.deliver(office.store, record, **NO_WAIT)
    assert "refused the login" in result["mail"]
    assert mail.messages == [] and mail.logins == []
    assert office.store.m.SweepRecord.get_by_id(record.id).notify_status == "failed"


def test_an_unreachable_mail_server_is_retried_logged_and_loses_nothing(office, tmp_path, caplog):
    for key, value in (
        ("smtp_host", "127.0.0.1"),
        ("smtp_port", free_port_with_nobody_listening()),
        ("smtp_to", "baomi@example.gov.cn"),
        ("smtp_starttls", "false"),
        ("notify_retries", 3),
    ):
        actions.set_setting(office.store, key, value, actor="test")
    record = closing_record(office)
    pauses: list[float] = []
    result = notify.deliver(office.store, record, sleep=pauses.append)
    assert "cannot send mail through 127.0.0.1" in result["mail"]
    assert pauses == [1.0, 2.0]  # three attempts
    stored = office.store.m.SweepRecord.get_by_id(record.id)
    assert stored.notify_status == "failed" and "mail:" in stored.notify_error and stored.data
    assert [r.id for r in notify.awaiting(office.store)] == [record.id]  # tried again on the next passes
    assert any("cannot send mail" in r.getMessage() for r in caplog.records)
    failed = office.store.m.Event.get(office.store.m.Event.kind == "notify_failed")
    assert json.loads(failed.data)["record"] == record.id


def test_the_scheduler_keeps_retrying_until_the_server_answers(office, mail, tmp_path):
    configure_mail(office, mail, tmp_path)
    actions.set_setting(office.store, "smtp_port", free_port_with_nobody_listening(), actor="test")
    record = closing_record(office)
    scheduler = closing.ClosingScheduler(
        lambda: office.store,
        office.clock,
        interval=3600,
        deliver=lambda s, r: notify.deliver(s, r, **NO_WAIT),
    )
    scheduler.tick(office.store)
    assert office.store.m.SweepRecord.get_by_id(record.id).notify_status == "failed"
    actions.set_setting(office.store, "smtp_port", mail.port, actor="test")  # the mail server is back
    scheduler.tick(office.store)
    assert mail.wait_for(1)
    stored = office.store.m.SweepRecord.get_by_id(record.id)
    assert (stored.notify_status, stored.notify_attempts) == ("sent", 2)


def test_webhook_and_mail_together_each_delivered_once(office, mail, tmp_path):
    hook = WebhookReceiver(statuses=(500, 503))
    try:
        configure_mail(office, mail, tmp_path)
        actions.set_setting(office.store, "notify_webhook_url", hook.url, actor="test")
        actions.set_setting(office.store, "notify_retries", 3, actor="test")
        record = closing_record(office)
        assert notify.deliver(office.store, record, **NO_WAIT) == {"webhook": "sent", "mail": "sent"}
        assert hook.wait_for(1) and mail.wait_for(1)
        assert hook.requests == 3
        body = hook.bodies[0]
        assert body["record"] == record.id and body["sweep"]["outstanding"][0]["code"] == office.top
        notify.deliver(office.store, record, **NO_WAIT)  # already delivered to both: nothing sent again
        assert len(hook.bodies) == 1 and len(mail.messages) == 1
    finally:
        hook.close()


def test_a_webhook_4xx_is_not_retried(office):
    hook = WebhookReceiver(statuses=(404, 404, 404))
    try:
        actions.set_setting(office.store, "notify_webhook_url", hook.url, actor="test")
        record = closing_record(office)
        assert "HTTP 404" in notify.deliver(office.store, record, **NO_WAIT)["webhook"]
        assert hook.requests == 1
    finally:
        hook.close()


def test_a_non_ascii_password_is_named_not_crashed_on(office, mail, tmp_path):
    configure_mail(office, mail, tmp_path, password="口令")
    assert "must be ASCII" in notify.deliver(office.store, closing_record(office), **NO_WAIT)["mail"]


def test_credentials_are_never_sent_in_clear(office, tmp_path):
    actions.set_setting(office.store, "smtp_host", "127.0.0.1", actor="t")
    actions.set_setting(office.store, "smtp_to", "a@b.cn", actor="t")
    actions.set_setting(office.store, "smtp_user", "baomi", actor="t")
    actions.set_setting(office.store, "smtp_starttls", "false", actor="t")
    with pytest.raises(notify.NotifyError) as err:
        notify.send_test(office.store, **NO_WAIT)
    assert "STARTTLS" in err.value.message("en")
    settings_events = [
        json.loads(e.data)
        for e in office.store.m.Event.select().where(office.store.m.Event.kind == "setting_changed")
    ]
    assert all("password" not in str(d["value"]) for d in settings_events)


def test_cli_notify_test(tmp_path, mail):
    with office_at(tmp_path, recent_morning()) as office:
        nothing = run_cli(office, "notify", "test")
        assert nothing.exit_code == 1 and "没有配置通知渠道" in nothing.stderr
        configure_mail(office, mail, tmp_path)
        ok = run_cli(office, "notify", "test")
        assert ok.exit_code == 0 and mail.wait_for(1) and "测试" in mail.messages[0]["Subject"]
        actions.set_setting(office.store, "smtp_port", free_port_with_nobody_listening(), actor="test")
        down = run_cli(office, "notify", "test", lang="en")
        assert down.exit_code == 1 and down.stderr.count("\n") == 1
        assert "cannot send mail through 127.0.0.1" in down.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_record_being_sent_by_another_process_is_not_sent_again(tmp_path, backend):
    hook = WebhookReceiver()
    try:
        with office_at(tmp_path, backend=backend) as office:
            actions.set_setting(office.store, "notify_webhook_url", hook.url, actor="test")
            record = closing_record(office)
            held, release, got = threading.Event(), threading.Event(), []

            def other_sender() -> None:  # another machine's scheduler, part-way through sending it
                with held_if_free(office.store.db, "notify", record.id) as mine:
                    got.append(mine)
                    held.set()
                    release.wait(30)
                office.store.db.close()  # this thread's connection

            other = threading.Thread(target=other_sender)
            other.start()
            try:
                assert held.wait(30) and got == [True]
                assert notify.deliver(office.store, record, **NO_WAIT) == {}
                assert hook.requests == 0
                assert (
                    office.store.m.SweepRecord.get_by_id(record.id).notify_status == "pending"
                )  # for a later pass
            finally:
                release.set()
                other.join(30)
            assert notify.deliver(office.store, record, **NO_WAIT) == {"webhook": "sent"}
            assert hook.wait_for(1) and hook.requests == 1
            assert notify.deliver(office.store, record, **NO_WAIT) == {}  # sent: nothing left to send
            assert hook.requests == 1
    finally:
        hook.close()
