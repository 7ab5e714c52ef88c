"""P23 least privilege: who may read and do what, for pages and the JSON API alike.

Pure: a `Viewer` (a signed-in user with a role, or a station's device token) and a capability in,
yes or no out. The web layer asks `may` before every route; the same table answers the access
matrix test, so a page and its JSON twin can never disagree.

- staff: their own loans (`OWN_LOANS`) and nothing else;
- custodian: runs the stations — receiving, check-outs with terms, copies, return to issuer,
  destruction (with the leader and witnesses P18 names), losses, counts, closing, handovers —
  and keeps the roster of people (writing a badge code, never reading one back);
- leader: approvals and everything readable (not the badge codes);
- admin: what a custodian does, and users, stations, device tokens, settings, badge codes;
- a device token: posts scans and reads its own station's display, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Can(StrEnum):
    """A capability; each route of the web layer names exactly one."""

    SCAN = "scan"  # post scans for a station (device tokens only)
    DISPLAY = "display"  # a station's display: its session and recent outcomes
    OWN_LOANS = "own_loans"  # what the viewer holds
    READ = "read"  # items, what is out, sweeps, counts, registers, people (without badges)
    READ_BADGES = "read_badges"  # badge and RFID codes of people
    AUDIT = "audit"  # verify status, checkpoints, violations
    RECEIVE = "receive"  # register documents, print labels, tag items
    CUSTODY = "custody"  # loans with terms, copies, return to issuer, destruction, losses, handover
    COUNT = "count"  # inventory counts
    CLOSE = "close"  # closing sweeps and checks, close-safe
    REQUEST = "request"  # ask for an approval
    APPROVE = "approve"  # decide requests, resolve losses (P10, P19)
    MANAGE_PEOPLE = "manage_people"  # people, departments, scopes, clearances
    MANAGE_STATIONS = "manage_stations"  # stations and their device tokens
    MANAGE_USERS = "manage_users"  # logins
    MANAGE_SETTINGS = "manage_settings"


ROLE_CAN: dict[str, frozenset[Can]] = {
    "staff": frozenset({Can.OWN_LOANS, Can.REQUEST}),
    "custodian": frozenset(
        {
            Can.DISPLAY,
            Can.OWN_LOANS,
            Can.READ,
            Can.AUDIT,
            Can.RECEIVE,
            Can.CUSTODY,
            Can.COUNT,
            Can.CLOSE,
            Can.REQUEST,
            Can.MANAGE_PEOPLE,
        }
    ),
    "leader": frozenset({Can.DISPLAY, Can.OWN_LOANS, Can.READ, Can.AUDIT, Can.REQUEST, Can.APPROVE}),
    "admin": frozenset(
        {
            Can.DISPLAY,
            Can.OWN_LOANS,
            Can.READ,
            Can.READ_BADGES,
            Can.AUDIT,
            Can.RECEIVE,
            Can.CUSTODY,
            Can.COUNT,
            Can.CLOSE,
            Can.REQUEST,
            Can.MANAGE_PEOPLE,
            Can.MANAGE_STATIONS,
            Can.MANAGE_USERS,
            Can.MANAGE_SETTINGS,
        }
    ),
}
DEVICE_CAN: frozenset[Can] = frozenset({Can.SCAN, Can.DISPLAY})


@dataclass(frozen=True)
class Viewer:
    """Who is asking. `kind` "user": a signed-in user (`role`, and the person they are, if tied to
    one); `kind` "device": a station's device token (`station`, `device`)."""

    kind: str
    username: str = ""
    role: str = ""
    person_id: int | None = None
    person_name: str = ""
    station: str = ""
    device: str = ""

    @property
    def actor(self) -> str:
        """The name every action records: the user (and the person they are), or the device."""
        if self.kind == "device":
            return f"station:{self.station}/{self.device}"
        return f"user:{self.username}"


def may(viewer: Viewer | None, can: Can, *, station: str | None = None) -> bool:
    """Whether `viewer` may do `can`. A device token's DISPLAY holds for its own station only."""
    if viewer is None:
        return False
    if viewer.kind == "device":
        if can not in DEVICE_CAN:
            return False
        return station is None or station == viewer.station
    if viewer.kind != "user":
        return False
    return can in ROLE_CAN.get(viewer.role, frozenset())
