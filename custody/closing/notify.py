"""Telling people what a sweep found: a webhook (JSON POST) and e-mail (SMTP with STARTTLS).

Channels come from the settings (`notify_webhook_url`, `smtp_*`). The SMTP
password is read from the file `smtp_password_file` names, so it is never
stored in the database or the ledger. Each channel is tried
`notify_retries` times with a growing pause; a record whose delivery failed
keeps `notify_status = failed` and is tried again on the scheduler's next
passes (up to `MAX_ROUNDS`). The sweep record is committed before any
delivery starts, so a failing channel never loses it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import requests

from custody import settings, vocab
from custody.actions import notify as notify_actions
from custody.errors import CustodyError
from custody.messages import Msg
from custody.models.closing import SweepRecord
from custody.store.core import Store
from custody.store.db import held_if_free

log = logging.getLogger(__name__)

MAX_ROUNDS = 10  # scheduler passes a failed record is retried in
TIMEOUT = 10.0  # seconds per connection attempt
CHANNELS = ("webhook", "mail")


class NotifyError(CustodyError):
    """A channel could not deliver (after its retries)."""


@dataclass(frozen=True)
class Channels:
    webhook_url: str
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_user: str
    smtp_password_file: str
    smtp_ca_file: str
    smtp_from: str
    smtp_to: tuple[str, ...]
    retries: int

    @classmethod
    def load(cls, store: Store) -> Channels:
        g = lambda key: settings.get(store, key)  # noqa: E731
        return cls(
            g("notify_webhook_url"),
            g("smtp_host"),
            g("smtp_port"),
            g("smtp_starttls"),
            g("smtp_user"),
            g("smtp_password_file"),
            g("smtp_ca_file"),
            g("smtp_from"),
            tuple(g("smtp_to")),
            g("notify_retries"),
        )

    @property
    def configured(self) -> tuple[str, ...]:
        names = []
        if self.webhook_url:
            names.append("webhook")
        if self.smtp_host and self.smtp_to:
            names.append("mail")
        return tuple(names)


Sleep = Callable[[float], None]


def _retrying(what: str, attempts: int, fn: Callable[[], None], sleep: Sleep) -> None:
    """Run `fn` up to `attempts` times, pausing 1, 2, 4 … s (at most 30) between; re-raise the last error."""
    for n in range(1, attempts + 1):
        try:
            fn()
            return
        except NotifyError as exc:
            if n == attempts or getattr(exc, "final", False):
                raise
            log.warning("%s failed (attempt %s of %s): %s", what, n, attempts, exc.message("en"))
            sleep(min(30.0, 2.0 ** (n - 1)))


# --- the two channels ------------------------------------------------------------------


def post_webhook(url: str, payload: dict[str, Any], *, attempts: int = 3, sleep: Sleep = time.sleep) -> None:
    """POST the payload as JSON; retried on connection errors, timeouts, 429 and 5xx."""

    def once() -> None:
        try:
            resp = requests.post(url, json=payload, timeout=TIMEOUT, allow_redirects=False)
        except requests.RequestException as exc:
            raise NotifyError("cannot reach the webhook {url}: {error}", url=url, error=str(exc)) from None
        if resp.status_code >= 300:
            err = NotifyError("the webhook {url} answered HTTP {status}", url=url, status=resp.status_code)
            err.final = resp.status_code < 500 and resp.status_code != 429  # type: ignore[attr-defined]
            raise err

    _retrying(f"webhook {url}", attempts, once, sleep)


def send_mail(ch: Channels, subject: str, body: str, *, attempts: int = 3, sleep: Sleep = time.sleep) -> None:
    """Send one message over SMTP: STARTTLS (unless turned off), then login if a user is set."""
    if ch.smtp_user and not ch.smtp_starttls:
        raise NotifyError(
            "an SMTP user is set but STARTTLS is off: refusing to send a password in clear text"
        )
    password = ""
    if ch.smtp_user:
        if not ch.smtp_password_file:
            raise NotifyError("smtp_user is set but smtp_password_file is not")
        try:
            password = Path(ch.smtp_password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise NotifyError(
                "cannot read the SMTP password file {file}: {error}",
                file=ch.smtp_password_file,
                error=exc.strerror,
            ) from None
        if not (password.isascii() and ch.smtp_user.isascii()):
            raise NotifyError("the SMTP user name and password must be ASCII (a limit of SMTP login)")
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = ch.smtp_from or f"custody@{ch.smtp_host}"
    mail["To"] = ", ".join(ch.smtp_to)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="custody.local")
    mail.set_content(body)
    where = f"{ch.smtp_host}:{ch.smtp_port}"

    def once() -> None:
        try:
            with smtplib.SMTP(ch.smtp_host, ch.smtp_port, timeout=TIMEOUT) as smtp:
                smtp.ehlo()
                if ch.smtp_starttls:
                    context = ssl.create_default_context(cafile=ch.smtp_ca_file or None)
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if ch.smtp_user:
                    smtp.login(ch.smtp_user, password)
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            err = NotifyError(
                "the mail server {server} refused the login of {user}: {code}",
                server=where,
                user=ch.smtp_user,
                code=exc.smtp_code,
            )
            err.final = True  # type: ignore[attr-defined]
            raise err from None
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifyError(
                "cannot send mail through {server}: {error}", server=where, error=str(exc)
            ) from None

    _retrying(f"mail via {where}", attempts, once, sleep)


# --- what a sweep record says ----------------------------------------------------------


def compose(record: SweepRecord, data: dict[str, Any], lang: str) -> tuple[str, str]:
    """Subject and plain-text body for a sweep record, in `lang`."""
    from custody.reports.sweep import flag_name

    station = record.station.name if record.station_id else Msg("all stations").render(lang)
    n, safes = len(data["outstanding"]), data["unclosed_safes"]
    subject = Msg(
        "[closing sweep] {station} {day}: {n} item(s) out",
        {"station": station, "day": record.day.isoformat(), "n": n},
    ).render(lang)
    if safes:
        subject += Msg(", {safes} safe(s) not closed in time", {"safes": len(safes)}).render(lang)
    lines = [
        Msg(
            "Sweep at {at} ({kind}), {station}.", {"at": data["at"], "kind": record.kind, "station": station}
        ).render(lang),
        "",
    ]
    for o in data["outstanding"]:
        level = vocab.LEVEL_BY_SLUG[o["level"]].name(lang)
        holder = o["holder"]["name"] if o["holder"] else "?"
        flags = "，".join(flag_name(f, lang) for f in o["flags"])
        lines.append(
            f"- {level} {o['title']} ({o['code']}, {o['copy_no']}) — {holder}, {o['since']}"
            + (f" [{flags}]" if flags else "")
        )
    for s in safes:
        lines.append(f"! {s['station']}: {', '.join(flag_name(f, lang) for f in s['flags'])} ({s['due']})")
    return subject, "\n".join(lines) + "\n"


def payload(
    record: SweepRecord, data: dict[str, Any], checkpoint: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = {
        "event": "sweep",
        "record": record.id,
        "kind": record.kind,
        "day": record.day.isoformat(),
        "station": record.station.name if record.station_id else None,
        "sweep": data,
    }
    if checkpoint is not None:  # a signed copy of the ledger head, kept off the machine (SECURITY.md)
        body["checkpoint"] = checkpoint
    return body


def record_checkpoint(store: Store, record: SweepRecord) -> dict[str, Any] | None:
    """The signed checkpoint written with the record (custody.actions.closing.sign_checkpoint), or a
    new one of the head now if that one is missing; None when the store knows no signing key."""
    keeper = store.checkpoints
    if keeper is None:
        return None
    try:
        cp = keeper.find(record.event_seq) or keeper.checkpoint(store)[0]
    except (CustodyError, OSError) as exc:
        log.error("sweep record %s: sent without a checkpoint: %s", record.id, exc)
        return None
    return cp.to_json()


def checkpoint_text(checkpoint: dict[str, Any], lang: str) -> str:
    """The checkpoint as the mail body's last part: save it as a .json file for `verify --checkpoint`."""
    import json

    intro = Msg(
        "Ledger checkpoint (keep this mail; save the JSON below as a file for custody verify --checkpoint):"
    ).render(lang)
    return f"\n{intro}\n{json.dumps(checkpoint, indent=2)}\n"


# --- delivery -------------------------------------------------------------------------------


def awaiting(store: Store) -> list[SweepRecord]:
    """Records whose notification is pending, or failed and still within its retry rounds."""
    SweepRecord = store.m.SweepRecord  # noqa: N806 - the store's table
    return list(
        SweepRecord.select()
        .where(
            SweepRecord.notify_status.in_(("pending", "failed")) & (SweepRecord.notify_attempts < MAX_ROUNDS)
        )
        .order_by(SweepRecord.id)
    )


def deliver(store: Store, record: SweepRecord, *, sleep: Sleep = time.sleep) -> dict[str, str]:
    """Send a record to every configured channel not yet reached; record the result (never raises
    for a channel failure). Returns channel → "sent" or the error.

    While one process sends a record (the closing schedulers of several service machines, or
    `custody sweep --record` beside the service), another one asking to send it too returns {}
    at once: it is never sent twice, and one still pending is taken up on a later pass."""
    with held_if_free(store.db, "notify", record.id) as mine:
        if not mine:
            log.info("sweep record %s: being sent by another process", record.id)
            return {}
        return _deliver(store, record, sleep)


def _deliver(store: Store, record: SweepRecord, sleep: Sleep) -> dict[str, str]:
    import json

    ch = Channels.load(store)
    record = store.m.SweepRecord.get_by_id(record.id)
    data = json.loads(record.data)
    done = set(filter(None, record.notified.split(",")))
    results: dict[str, str] = {}
    lang = settings.get(store, "language")
    subject, body = compose(record, data, lang)
    checkpoint = record_checkpoint(store, record)
    if checkpoint is not None:
        body += checkpoint_text(checkpoint, lang)
    for channel in ch.configured:
        if channel in done:
            continue
        try:
            if channel == "webhook":
                post_webhook(
                    ch.webhook_url, payload(record, data, checkpoint), attempts=ch.retries, sleep=sleep
                )
            else:
                send_mail(ch, subject, body, attempts=ch.retries, sleep=sleep)
            results[channel] = "sent"
            done.add(channel)
        except NotifyError as exc:
            log.error("sweep record %s: %s", record.id, exc.message("en"))
            results[channel] = exc.message("en")
        except Exception as exc:  # a channel must never take the record down with it
            log.exception("sweep record %s: %s failed", record.id, channel)
            results[channel] = f"{type(exc).__name__}: {exc}"
    errors = {c: e for c, e in results.items() if e != "sent"}
    if not ch.configured:
        status, error = "none", "no notification channel configured"
    else:
        status, error = (
            ("failed", "; ".join(f"{c}: {e}" for c, e in errors.items())) if errors else ("sent", "")
        )
    notify_actions.record_notification(
        store,
        record,
        status=status,
        error=error,
        notified=sorted(done),
        results=results,
        failed=bool(errors),
    )
    return results


def send_test(store: Store, *, sleep: Sleep = time.sleep) -> tuple[str, ...]:
    """Send a test message to every configured channel; raise NotifyError naming the first failure."""
    ch = Channels.load(store)
    if not ch.configured:
        raise NotifyError(
            "no notification channel is configured: set notify_webhook_url, or smtp_host and smtp_to"
        )
    unit = settings.get(store, "unit_name")
    for channel in ch.configured:
        if channel == "webhook":
            post_webhook(ch.webhook_url, {"event": "test", "unit": unit}, attempts=ch.retries, sleep=sleep)
        else:
            send_mail(
                ch,
                "【测试】custody 通知 / custody notification test",
                f"这是一封测试邮件。\nThis is a test message.\n{unit}\n",
                attempts=ch.retries,
                sleep=sleep,
            )
    return ch.configured


def send_loss(
    store: Store, item: Any, message: str, *, lang: str = "zh", sleep: Sleep = time.sleep
) -> tuple[str, ...]:
    """P19: tell the custodian and the leaders at once that an item was reported lost, through every
    configured channel (the same webhook and mail as the sweep's); the result is recorded as a
    `notified` event. Returns the channels reached; a channel that fails is recorded, not raised."""
    from custody.actions.lifecycle import record_loss_notification

    ch = Channels.load(store)
    unit = settings.get(store, "unit_name")
    payload = {
        "event": "reported_lost",
        "unit": unit,
        "to": ["custodian", "leader"],
        "item": {
            "code": item.code,
            "title": item.title,
            "level": item.level,
            "copy_no": f"{item.copy_no:06d}",
        },
        "message": message,
    }
    subject = f"【报失】{item.title}（{item.code}）" if lang != "en" else f"[Lost] {item.title} ({item.code})"
    results: dict[str, str] = {}
    for channel in ch.configured:
        try:
            if channel == "webhook":
                post_webhook(ch.webhook_url, payload, attempts=ch.retries, sleep=sleep)
            else:
                send_mail(ch, subject, f"{message}\n{unit}\n", attempts=ch.retries, sleep=sleep)
            results[channel] = "sent"
        except NotifyError as exc:
            log.error("loss of %s: %s", item.code, exc.message("en"))
            results[channel] = exc.message("en")
    if results:
        record_loss_notification(store, item.code, results)
    return tuple(c for c, r in results.items() if r == "sent")
