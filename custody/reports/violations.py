"""P24: every refused or flagged action, with its rule and reason, for the custodian and leaders.

Read from the ledger alone: `refused` events (every refusal is recorded, custody.actions.refusals),
returns flagged at the desk or station (P12) and loss reports (P19). Newest first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from custody import settings
from custody.messages import Msg, joined
from custody.messages.catalog import CATALOG, event_name, text
from custody.reports import shapes
from custody.store.core import Store

FLAG_RULES = {"returned_by_other": "P12", "returned_elsewhere": "P12"}
KINDS = ("refused", "returned", "reported_lost")


@dataclass(frozen=True)
class Violation:
    seq: int
    at: datetime
    kind: str  # refused | flagged | lost
    action: str
    reason: str
    rule: str
    item: str | None
    person: str | None
    station: str | None
    params: dict[str, Any] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    def message(self, lang: str = "zh") -> str:
        keys = self.reasons or (self.reason,)
        return joined([text(k, **self.params) if k in CATALOG else Msg(k) for k in keys]).render(lang)

    def what(self, lang: str = "zh") -> str:
        return event_name(self.action, lang) if self.kind != "refused" else self.action

    def as_json(self, tz: ZoneInfo | None = None, lang: str = "zh") -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": shapes.iso(self.at, tz),
            "kind": self.kind,
            "action": self.action,
            "reason": self.reason,
            "reasons": list(self.reasons or (self.reason,)),
            "rule": self.rule,
            "message": self.message(lang),
            "item": self.item,
            "person": self.person,
            "station": self.station,
        }


def violations(store: Store, since: date | None = None) -> list[Violation]:
    """Refusals, flagged returns and loss reports since the start of `since` (office time), newest first."""
    m = store.m
    E = m.Event  # noqa: N806 - the store's table
    q = E.select().where(E.kind.in_(KINDS))
    if since is not None:
        tz = ZoneInfo(settings.get(store, "timezone"))
        q = q.where(E.at >= shapes_text(datetime.combine(since, time(0), tz)))
    names = {p.id: p.name for p in m.Person.select(m.Person.id, m.Person.name)}
    homes = {
        i.code: i.home.name for i in m.Item.select(m.Item.code, m.Item.home).join(m.Station, on=m.Item.home)
    }
    out: list[Violation] = []
    for e in q.order_by(E.seq.desc()):
        d = json.loads(e.data)
        who = names.get(e.person) if e.person is not None else None
        common = dict(seq=e.seq, at=datetime.fromisoformat(e.at), item=e.item, person=who, station=e.station)
        if e.kind == "refused":
            out.append(
                Violation(
                    kind="refused",
                    action=d.get("action", ""),
                    reason=d.get("reason", ""),
                    rule=d.get("rule", ""),
                    params=d.get("params", {}),
                    **common,
                )
            )
        elif e.kind == "returned" and d.get("flags"):
            params = {
                "presenter": names.get(d.get("presented_by"), "?"),
                "holder": who or "?",
                "station": e.station,
                "home": homes.get(e.item, "?"),
            }
            flags = tuple(d["flags"])
            out.append(
                Violation(
                    kind="flagged",
                    action="returned",
                    reason=flags[0],
                    reasons=flags,
                    rule=FLAG_RULES.get(flags[0], ""),
                    params=params,
                    **common,
                )
            )
        elif e.kind == "reported_lost":
            out.append(
                Violation(kind="lost", action="reported_lost", reason="reported lost", rule="P19", **common)
            )
    return out


def shapes_text(value: datetime) -> str:
    from custody.models.core import to_text

    return to_text(value)
