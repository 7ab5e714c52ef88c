"""Closing time (P23): who may close a safe, and who may check its closing as the second person.

Pure: facts in, `Allowed` or `Refusal` out (no database, no clock: `now` is a fact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from custody.rules.facts import Allowed, PersonFacts, Refusal

Decision = Allowed | Refusal

CLOSERS = ("custodian", "leader")  # who may close a safe (P23)


def decide_close_safe(person: PersonFacts, station: str) -> Decision:
    """P23: a safe is closed for the night by an active custodian or office leader."""
    if person.role not in CLOSERS or not person.active:
        return Refusal("close_safe_not_allowed", {"person": person.name, "station": station}, "P23")
    return Allowed()


@dataclass(frozen=True)
class CheckFacts:
    """The station's latest closing check, as the second person's badge finds it."""

    closed_by: int  # the person who closed it
    closed_at: datetime
    checked: bool  # a second person has checked it already


def awaits_second_check(check: CheckFacts | None, now: datetime, window: timedelta) -> bool:
    """A closing check awaits its second person: it exists, is not checked, and was closed no more
    than `window` before `now` (at `window` exactly it still does)."""
    return check is not None and not check.checked and now - check.closed_at <= window


def decide_second_check(person: PersonFacts, check: CheckFacts) -> Decision:
    """P23: the check is made by a second, active person, not by the one who closed the safe."""
    if person.id == check.closed_by:
        return Refusal("second_check_same_person", {"person": person.name}, "P23")
    if not person.active:
        return Refusal("second_check_inactive", {"person": person.name}, "P23")
    return Allowed()
