"""P24: the one way to record a refusal, and it survives the rollback of an enclosing transaction."""

from __future__ import annotations

from typing import Any

from custody.actions.outcome import Outcome
from custody.ledger import chain as ledger
from custody.messages.catalog import text
from custody.rules.facts import Refusal
from custody.store.core import Store


def record_refusal(
    store: Store,
    action: str,
    refusal: Refusal,
    *,
    actor: str,
    item: str | None = None,
    person: int | None = None,
    station: str | None = None,
) -> Outcome:
    """Append a `refused` event with the refusal's reason and values.

    Inside an enclosing write transaction (an import, a scan group) the event is written there;
    if that transaction is rolled back, the same event is written again on its own
    (`store.keep_on_rollback`), so a refusal is never lost with the work it refused."""
    at = store.now()
    data = {
        "action": action,
        "reason": refusal.reason,
        "params": {k: str(v) for k, v in refusal.params.items()},
    }

    def write() -> ledger.Record:
        return ledger.append(
            store, "refused", at, item=item, person=person, station=station, actor=actor, data=data
        )

    with store.writing():
        rec = write()
        store.keep_on_rollback(write)
    return Outcome(
        "refused", text(refusal.reason, **refusal.params), refusal.reason, seq=rec.seq, rule=refusal.rule
    )


def record_scan_refusal(
    store: Store,
    reason: str,
    params: dict[str, Any],
    *,
    actor: str,
    item: str | None = None,
    person: int | None = None,
    station: str | None = None,
    action: str = "scan",
) -> Outcome:
    """P24 for refusals only a station has (mistyped code, no badge before a command, late conflict)."""
    return record_refusal(
        store, action, Refusal(reason, dict(params)), actor=actor, item=item, person=person, station=station
    )
