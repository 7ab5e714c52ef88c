"""A station session's loan terms (P13): taking items out of the office, both badges in one session.

At a station nobody types, so the terms of a loan outside the office are scanned:

1. the borrower's badge opens the session;
2. a command code `CMD-OUT-TODAY` / `CMD-OUT-1D` / `CMD-OUT-3D` / `CMD-OUT-7D` sets the session's
   purpose to `outside`, due back at the station's closing time today or that many working days
   later (`custody.closing.workdays`);
3. the second person's badge, scanned into that session, is recorded as the co-holder (the CLI's
   `--with`): it no longer opens a session of its own;
4. an office leader's badge approves the session (P10/P13), as for any session;
5. each item scanned is then checked out with those terms, and refused with the rule's reason
   when one is missing (no leader, no second person, a top-secret item: P11).

The terms live on the session's own scans (`Scan.reason` `session_outside` or `second_holder`,
not undone): a scan's first query says whether there are any (`StationState.terms`), and only
then are they read (`read`). `CMD-UNDO` cancels the last of them like any other scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from custody.closing.workdays import Calendar
from custody.models.core import Person, Station
from custody.reports import lookup
from custody.rules.places import LoanTerms
from custody.scan.state import TERM_REASONS
from custody.store.core import Store

SET_OUTSIDE, SECOND_HOLDER = TERM_REASONS
# command code -> working days after today the loan is due back (at the station's closing time)
OUTSIDE_DAYS: dict[str, int] = {"CMD-OUT-TODAY": 0, "CMD-OUT-1D": 1, "CMD-OUT-3D": 3, "CMD-OUT-7D": 7}
MAX_LOOKAHEAD = 60  # calendar days searched for the Nth working day


@dataclass(frozen=True)
class SessionTerms:
    """What the session's scans said: the loan terms and the second person (None: not given)."""

    terms: LoanTerms
    second: Person | None = None

    @property
    def outside(self) -> bool:
        return self.terms.purpose == "outside"


NONE = SessionTerms(LoanTerms())


def working_day_after(cal: Calendar, day: date, days: int) -> date:
    """`day` itself for 0, else the `days`-th working day after it."""
    found, d = 0, day
    for _ in range(MAX_LOOKAHEAD):
        if found == days:
            return d
        d += timedelta(days=1)
        if cal.is_working_day(d):
            found += 1
    return d


def due_at(store: Store, station: Station, code: str, at: datetime) -> datetime:
    """When a loan set out by the command `code` scanned at `at` is due back: the station's closing
    time on the day it names (today, or N working days later)."""
    cal = Calendar.load(store)
    day = working_day_after(cal, cal.local_day(at), OUTSIDE_DAYS[code])
    return cal.closing_at(station.closing_time, day)


def read(store: Store, station: Station, session_uid: str) -> SessionTerms:
    """The terms the session's scans (not undone) have set: the last purpose command and the last
    second person."""
    Scan = store.m.Scan  # noqa: N806 - the store's table
    rows = list(
        Scan.select(Scan.code, Scan.at, Scan.reason)
        .where((Scan.session == session_uid) & Scan.reason.in_(TERM_REASONS) & Scan.undone_by.is_null())
        .order_by(Scan.id)
    )
    command = next((r for r in reversed(rows) if r.reason == SET_OUTSIDE), None)
    badge = next((r for r in reversed(rows) if r.reason == SECOND_HOLDER), None)
    terms = LoanTerms()
    if command is not None and command.code.upper() in OUTSIDE_DAYS:
        terms = LoanTerms(purpose="outside", due=due_at(store, station, command.code.upper(), command.at))
    second = None
    if badge is not None:
        tag = lookup.tag_for_scan(store, badge.code)
        if tag is not None and tag.person_id is not None:
            second = store.m.Person.get_by_id(tag.person_id)
    return SessionTerms(terms, second)
