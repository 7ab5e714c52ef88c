"""What an action did, for the CLI, the web and the scan service to show in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from custody.messages import Msg, joined
from custody.models.core import Item, Person


@dataclass
class Outcome:
    """`outcome`: checked_out | returned | refused | approved | badge | command | inventory_seen | …;
    `msg` what happened, `flag_msgs` what was flagged with it (P12, P24), rendered at the edge."""

    outcome: str
    msg: Msg
    reason: str = ""  # a refusal's stable key (`clearance_too_low`)
    item: Item | None = None
    person: Person | None = None
    flags: tuple[str, ...] = ()
    flag_msgs: tuple[Msg, ...] = ()
    seq: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    rule: str = ""  # the office rule a refusal applies (`P8`)

    def message(self, lang: str = "zh") -> str:
        """What happened and what was flagged, as one line in `lang`."""
        return joined((self.msg, *self.flag_msgs)).render(lang)

    def flag_messages(self, lang: str = "zh") -> tuple[str, ...]:
        return tuple(m.render(lang) for m in self.flag_msgs)
