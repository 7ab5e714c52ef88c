"""P24: the one way to record a refusal, and it survives the rollback of an enclosing transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from custody import settings
from custody.actions.outcome import Outcome
from custody.ledger import chain as ledger
from custody.messages.catalog import text
from custody.reports import shapes
from custody.rules.facts import Refusal
from custody.store.core import Store


def shown_params(store: Store, params: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The values as the ledger keeps them (ISO 8601 times) and as a person reads them
    (times in the office's time zone, `2026-12-01 15:52`): rules hand times over as datetimes."""
    if not any(isinstance(v, datetime) for v in params.values()):
        return {k: str(v) for k, v in params.items()}, params
    tz = ZoneInfo(settings.get(store, "timezone"))
    kept = {k: (v.isoformat() if isinstance(v, datetime) else str(v)) for k, v in params.items()}
    shown = {k: (shapes.when(v, tz) if isinstance(v, datetime) else v) for k, v in params.items()}
    return kept, shown


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
    kept, shown = shown_params(store, refusal.params)
    data = {"action": action, "reason": refusal.reason, "params": kept}
    if refusal.rule:  # the office rule applied, for the violations list (P24)
        data["rule"] = refusal.rule

    def write() -> ledger.Record:
        return ledger.append(
            store, "refused", at, item=item, person=person, station=station, actor=actor, data=data
        )

    with store.writing():
        rec = write()
        store.keep_on_rollback(write)
    return Outcome("refused", text(refusal.reason, **shown), refusal.reason, seq=rec.seq, rule=refusal.rule)


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
