"""P26 handover (交接): a full count (P22) of a station, recorded as a handover naming the one
handing over, the one taking over and the supervisor only when every item is accounted for."""

from __future__ import annotations

import json
from collections.abc import Sequence

from custody.actions import inventory
from custody.actions.outcome import Outcome
from custody.actions.people import person_facts
from custody.actions.refusals import record_refusal
from custody.errors import Refused
from custody.ledger import chain as ledger
from custody.messages.catalog import text
from custody.models.core import Person, Station
from custody.rules import handover as rules
from custody.rules.facts import Refusal
from custody.store.core import Store


def handover(
    store: Store,
    station: Station,
    *,
    giver: Person,
    taker: Person,
    supervisor: Person,
    actor: str,
    seen: Sequence[str] | None = None,
) -> Outcome:
    """Count the station (the count open there, scanned at the station, or one made now of the codes
    in `seen`) and close it; then record the handover, or refuse it with what is missing. The count
    stays on record either way; a refusal is recorded (P24)."""
    m = store.m
    with store.writing():
        decision = rules.decide_handover(
            person_facts(store, giver), person_facts(store, taker), person_facts(store, supervisor)
        )
        if isinstance(decision, Refusal):
            out = record_refusal(
                store, "handover", decision, actor=actor, person=taker.id, station=station.name
            )
            raise Refused(out.msg, reason=decision.reason, rule=decision.rule)
        count = inventory.open_count(store, station)
        if count is None:
            inventory.start_count(store, station, giver, actor)
            count = inventory.open_count(store, station)
        assert count is not None
        if seen:
            inventory.mark_seen_batch(store, count, list(seen), actor)
        inventory.close_count(store, station, giver, actor)
        result = json.loads(m.InventoryCount.get_by_id(count.id).result)
    missing = tuple(e["code"] for e in result["missing"])
    out_now = [
        i.code
        for i in m.Item.select(m.Item.code).where((m.Item.home == station.id) & (m.Item.status == "out"))
    ]
    with store.writing():
        decision = rules.decide_handover_count(station.name, missing)
        if isinstance(decision, Refusal):
            out = record_refusal(
                store, "handover", decision, actor=actor, person=taker.id, station=station.name
            )
            out.extra = {"missing": list(missing), "count": count.id}
            return out
        rec = ledger.append(
            store,
            "handover",
            store.now(),
            person=taker.id,
            station=station.name,
            actor=actor,
            data={
                "from": giver.id,
                "to": taker.id,
                "supervisor": supervisor.id,
                "count": count.id,
                "counted": len(result["found"]),
                "out": out_now,
            },
        )
    return Outcome(
        "handover",
        text(
            "handover_done",
            station=station.name,
            giver=giver.name,
            taker=taker.name,
            supervisor=supervisor.name,
            count=len(result["found"]),
        ),
        person=taker,
        seq=rec.seq,
        extra={"count": count.id, "counted": len(result["found"]), "out": out_now, "missing": []},
    )
