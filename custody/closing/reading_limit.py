"""P11: the custodian is told when a top-secret item's reading limit passes, not only at the sweep.

The closing scheduler (`custody.closing.schedule.ClosingScheduler`, in the service's worker 1)
calls `notify_reading_limits` on every pass (twice a minute by default). Each loan of a
top-secret item out longer than the `reading_limit_minutes` setting is sent once through the
configured channels (the sweep's webhook and mail, `custody.closing.notify`) and recorded as a
`notified` event naming the loan (`{"reading_limit": <the check-out's seq>}`), so the next pass,
another service machine, or a restarted service sends it no more. A channel that failed is tried
again on later passes (`notify_failed` events, at most `MAX_ROUNDS`); a channel already reached is
not sent twice. With no channel configured nothing is sent and nothing recorded (the sweep and
the dashboard flag the loan all the same).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from custody import settings
from custody.actions.notify import record_reading_limit_notification
from custody.closing.notify import MAX_ROUNDS, Channels, NotifyError, Sleep, post_webhook, send_mail
from custody.messages.catalog import text
from custody.models.core import Item
from custody.reports import shapes
from custody.store.core import Store
from custody.store.db import held_if_free

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PastLimit:
    """A top-secret loan past its reading limit: the item and the event that lent it."""

    item: Item
    loan_seq: int


def past_limit(store: Store, now: datetime) -> list[PastLimit]:
    """Top-secret items out since before `now` less the reading limit, with their loan's event."""
    m = store.m
    limit = timedelta(minutes=settings.get(store, "reading_limit_minutes"))
    found = []
    for it in m.Item.select().where(
        (m.Item.status == "out") & (m.Item.level == "top-secret") & (m.Item.since <= now - limit)
    ):
        seq = (
            m.Event.select(m.Event.seq)
            .where((m.Event.item == it.code) & m.Event.kind.in_(["checked_out", "loan_recorded"]))
            .order_by(m.Event.seq.desc())
            .limit(1)
            .scalar()
        )
        if seq is not None:
            found.append(PastLimit(it, seq))
    return found


def _history(store: Store, loan: PastLimit) -> tuple[set[str], int]:
    """The channels already reached for this loan and the attempts made (its notify events)."""
    m = store.m
    reached: set[str] = set()
    attempts = 0
    for (data,) in (
        m.Event.select(m.Event.data)
        .where(
            (m.Event.item == loan.item.code)
            & (m.Event.seq > loan.loan_seq)
            & m.Event.kind.in_(["notified", "notify_failed"])
        )
        .tuples()
    ):
        said = json.loads(data)
        if said.get("reading_limit") != loan.loan_seq:
            continue
        attempts += 1
        reached |= {c for c, r in said.get("channels", {}).items() if r == "sent"}
    return reached, attempts


def message(store: Store, loan: PastLimit, lang: str) -> tuple[str, str, dict[str, Any]]:
    """Subject, mail body and webhook payload for one loan past its limit."""
    tz = ZoneInfo(settings.get(store, "timezone"))
    it = loan.item
    holder = it.holder.name if it.holder_id else "?"
    minutes = settings.get(store, "reading_limit_minutes")
    line = text(
        "reading_limit_passed",
        title=it.title,
        code=it.code,
        holder=holder,
        since=shapes.when(it.since, tz),
        minutes=minutes,
    ).render(lang)
    unit = settings.get(store, "unit_name")
    subject = (
        f"【超时】{it.title}（{it.code}）"
        if lang != "en"
        else f"[Past the reading limit] {it.title} ({it.code})"
    )
    payload = {
        "event": "reading_limit",
        "unit": unit,
        "to": ["custodian"],
        "item": {"code": it.code, "title": it.title, "level": it.level, "copy_no": f"{it.copy_no:06d}"},
        "holder": holder,
        "since": shapes.iso(it.since, tz),
        "limit_minutes": minutes,
        "loan": loan.loan_seq,
        "message": line,
    }
    return subject, f"{line}\n{unit}\n", payload


def notify_reading_limits(
    store: Store, now: datetime | None = None, *, sleep: Sleep = time.sleep
) -> list[PastLimit]:
    """Send every loan past its reading limit that has not been sent yet; returns those sent (or
    tried) on this pass. Never raises for a channel's failure (it is recorded and retried)."""
    now = now or store.now()
    ch = Channels.load(store)
    if not ch.configured:
        return []
    lang = settings.get(store, "language")
    tried = []
    for loan in past_limit(store, now):
        with held_if_free(store.db, "notify-reading-limit", loan.loan_seq) as mine:
            if not mine:  # another service machine is sending it
                continue
            reached, attempts = _history(store, loan)
            todo = [c for c in ch.configured if c not in reached]
            if not todo or attempts >= MAX_ROUNDS:
                continue
            subject, body, payload = message(store, loan, lang)
            results: dict[str, str] = {}
            for channel in todo:
                try:
                    if channel == "webhook":
                        post_webhook(ch.webhook_url, payload, attempts=ch.retries, sleep=sleep)
                    else:
                        send_mail(ch, subject, body, attempts=ch.retries, sleep=sleep)
                    results[channel] = "sent"
                except NotifyError as exc:
                    log.error("reading limit of %s: %s", loan.item.code, exc.message("en"))
                    results[channel] = exc.message("en")
            record_reading_limit_notification(store, loan.item.code, loan.loan_seq, results)
            tried.append(loan)
    return tried
