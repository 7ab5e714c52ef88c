"""The result of a notification: the sweep record's delivery state and its ledger event, in one
transaction (the sending itself, `custody.closing.notify`, writes nothing)."""

from __future__ import annotations

from custody.ledger import chain as ledger
from custody.models.closing import SweepRecord
from custody.store.core import Store


def record_notification(
    store: Store,
    record: SweepRecord,
    *,
    status: str,
    error: str,
    notified: list[str],
    results: dict[str, str],
    failed: bool,
) -> None:
    """One delivery pass over a sweep record: its status (`sent`, `failed`, `none`), one more attempt,
    the channels reached so far; and, when a channel was tried, a `notified` (or `notify_failed`) event."""
    m = store.m
    with store.writing():
        m.SweepRecord.update(
            notify_status=status,
            notify_attempts=m.SweepRecord.notify_attempts + 1,
            notify_error=error,
            notified=",".join(notified),
        ).where(m.SweepRecord.id == record.id).execute()
        if results:
            ledger.append(
                store,
                "notify_failed" if failed else "notified",
                store.now(),
                station=record.station.name if record.station_id else None,
                actor="notify",
                data={"record": record.id, "channels": results},
            )


def record_reading_limit_notification(
    store: Store, code: str, loan_seq: int, results: dict[str, str]
) -> None:
    """P11: the custodian was told that the top-secret item `code`, lent by the event `loan_seq`,
    is past its reading limit (channel → "sent" or the error): a `notified` event, or
    `notify_failed` when a channel failed (tried again on the scheduler's next passes)."""
    failed = any(r != "sent" for r in results.values())
    with store.writing():
        ledger.append(
            store,
            "notify_failed" if failed else "notified",
            store.now(),
            item=code,
            actor="notify",
            data={"reading_limit": loan_seq, "channels": results},
        )
