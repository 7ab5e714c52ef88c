"""Every current-state table rebuilt from the ledger alone, in one pass over the events.

`rebuild(records)` applies each event to plain in-memory state: the items (`custody.ledger.replay`),
and here the people, the tags, the stations and their device tokens, the users, the departments,
the settings, the approvals and requests, what the stored scans can be checked against, and the
closing records (`custody.ledger.closing_replay`). Nothing
is read from the tables; `custody.ledger.compare` then sets the tables beside this state.

Rows are known by what names them in the ledger: items by code, people by the id their
`person_added` event gave them (shown by badge), stations by name, tags by code, device tokens by
their hash (tokens from before schema step 4 by station and device), users by username,
departments by name, settings by key, approvals and requests by the event that made them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from custody import codes
from custody.ledger.chain import Record
from custody.ledger.closing_replay import APPLY_CLOSING, ClosingState
from custody.ledger.replay import APPLY, CREATES, ItemState, ReplayError

DEFAULT_DEVICE = "default"  # the device of a station's first token, and of tokens from before step 4
PERSON_FIELDS = ("name", "role", "clearance", "dept", "active", "off_post_until")
STATION_FIELDS = ("kind", "closing_time")
USER_FIELDS = ("role", "person", "active", "password_digest")
DECISIONS = ("request_approved", "request_rejected")
UNDO_KINDS = ("checked_out", "returned", "session_approval_withdrawn")
REQUEST_USES_PER_BATCH = ("copied", "destroyed")  # one act on several items is one use of a request


@dataclass
class PersonState:
    id: int
    badge: str
    name: str
    role: str
    clearance: str
    dept: str
    active: bool = True
    off_post_until: str | None = None
    created_at: str = ""
    seq: int = 0


@dataclass
class TagState:
    code: str
    kind: str
    item: str | None = None  # item code
    person: int | None = None  # person id
    hex_low32: int | None = None
    dec_value: int | None = None
    seq: int = 0


@dataclass
class StationState:
    name: str
    kind: str
    closing_time: str | None = None
    created_at: str = ""
    seq: int = 0
    legacy_token: TokenState | None = None  # a token from before step 4 (no hash), while it is live


@dataclass
class TokenState:
    """A scanner device's token. `token_hash` None: a token from before schema step 4 (its events
    kept only the first characters), carried into `device_token` as device `default` by the step."""

    station: str
    device: str
    token_hint: str
    token_hash: str | None
    created_at: str
    revoked_at: str | None = None
    seq: int = 0

    @property
    def key(self) -> str:
        return f"{self.station}/{self.device} ({self.token_hint}…)"


@dataclass
class UserState:
    username: str
    role: str
    person: str | None  # badge
    active: bool
    password_digest: str
    created_at: str
    changed_at: str
    seq: int = 0


@dataclass
class ApprovalState:
    seq: int  # the `approved` event: approval rows name it as event_seq
    person: int | None
    item: str | None
    approver: int
    valid_from: datetime
    valid_until: datetime
    purpose: str


@dataclass
class RequestState:
    seq: int  # the `request_made` event
    action: str
    person: int | None
    requested_by: int
    item: str | None
    doc_no: str
    issuer: str
    valid_from: datetime
    valid_until: datetime
    uses: int
    purpose: str
    reference: str
    created_at: str


@dataclass
class EventFacts:
    """What a stored scan row can be checked against: the event it names."""

    kind: str
    station: str | None
    item: str | None
    person: int | None
    reason: str | None = None  # a refusal's
    action: str | None = None  # a refusal's
    conflict: str | None = None  # a late scan's refusal
    undo_of: int | None = None


@dataclass
class Rebuilt:
    items: dict[str, ItemState] = field(default_factory=dict)
    people: dict[int, PersonState] = field(default_factory=dict)
    tags: dict[str, TagState] = field(default_factory=dict)
    stations: dict[str, StationState] = field(default_factory=dict)
    tokens: list[TokenState] = field(default_factory=list)
    users: dict[str, UserState] = field(default_factory=dict)
    departments: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (created_at, seq)
    settings: dict[str, tuple[Any, int]] = field(default_factory=dict)  # key -> (value, seq)
    approvals: dict[int, ApprovalState] = field(default_factory=dict)  # by event seq
    approval_used: dict[int, int] = field(default_factory=dict)  # approval row id -> the check-out's seq
    requests: dict[int, RequestState] = field(default_factory=dict)  # by event seq
    decisions: dict[int, Record] = field(default_factory=dict)  # request id -> its decision
    request_uses: dict[int, set[Any]] = field(default_factory=dict)  # request id -> the acts that used it
    events: dict[int, EventFacts] = field(default_factory=dict)  # what scans may name
    badges: dict[str, int] = field(default_factory=dict)  # badge -> person id
    closing: ClosingState = field(default_factory=ClosingState)  # sweep records, checks, counts

    def badge_of(self, person_id: int | None) -> str | None:
        p = self.people.get(person_id) if person_id is not None else None
        return p.badge if p is not None else None


def _rfid_tag(code: str, kind: str, seq: int, item: str | None = None, person: int | None = None) -> TagState:
    low, dec = codes.rfid_keys(code)
    return TagState(code, kind, item=item, person=person, hex_low32=low, dec_value=dec, seq=seq)


def _add_tag(s: Rebuilt, r: Record, tag: TagState) -> None:
    if tag.code in s.tags:
        raise ReplayError(r.seq, f"code {tag.code} bound twice")
    s.tags[tag.code] = tag


# --- people and tags -------------------------------------------------------------------------------


def _person_added(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    if r.person is None or r.person in s.people:
        raise ReplayError(r.seq, f"person_added of person {r.person} twice or without an id")
    s.people[r.person] = PersonState(
        r.person,
        d["badge"],
        d["name"],
        d["role"],
        d["clearance"],
        d.get("dept", ""),
        created_at=r.at,
        seq=r.seq,
    )
    s.badges[d["badge"]] = r.person
    _add_tag(s, r, TagState(d["badge"], "badge", person=r.person, seq=r.seq))
    if d.get("rfid"):
        _add_tag(s, r, _rfid_tag(d["rfid"], "person-rfid", r.seq, person=r.person))


def _person_changed(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    p = s.people.get(r.person) if r.person is not None else None
    if p is None:
        raise ReplayError(r.seq, f"person_changed of unknown person {r.person}")
    for name in PERSON_FIELDS:
        if name in d:
            setattr(p, name, bool(d[name]) if name == "active" else d[name])


def _tag_bound(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    _add_tag(s, r, _rfid_tag(d["rfid"], "item-rfid", r.seq, item=r.item))


# --- stations and device tokens ----------------------------------------------------------------------


def _station(s: Rebuilt, r: Record) -> StationState:
    st = s.stations.get(r.station or "")
    if st is None:
        raise ReplayError(r.seq, f"{r.kind} of unknown station {r.station}")
    return st


def _station_added(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    if r.station is None or r.station in s.stations:
        raise ReplayError(r.seq, f"station {r.station} added twice")
    st = StationState(r.station, d["kind"], created_at=r.at, seq=r.seq)
    if "token_hint" in d:  # before step 4: the station's one token, kept without its hash
        st.legacy_token = TokenState(r.station, DEFAULT_DEVICE, d["token_hint"], None, r.at, seq=r.seq)
    s.stations[r.station] = st


def _station_changed(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    st = _station(s, r)
    for name in STATION_FIELDS:
        if name in d:
            setattr(st, name, d[name])


def _token_issued(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    """Before step 4: a new token replaced the station's one (the old one left no row)."""
    st = _station(s, r)
    st.legacy_token = TokenState(st.name, DEFAULT_DEVICE, d["token_hint"], None, r.at, seq=r.seq)


def _token_revoked(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    _station(s, r).legacy_token = None


def _live_tokens(s: Rebuilt, station: str, device: str) -> list[TokenState]:
    return [t for t in s.tokens if t.station == station and t.device == device and t.revoked_at is None]


def _carry_legacy(s: Rebuilt) -> None:
    """Schema step 4 copied each station's live token into `device_token` as device `default`: the
    first event of the new kind finds those tokens there."""
    for st in s.stations.values():
        if st.legacy_token is not None:
            s.tokens.append(st.legacy_token)
            st.legacy_token = None


def _device_token_added(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    _carry_legacy(s)
    st = _station(s, r)
    s.tokens.append(TokenState(st.name, d["device"], d["token_hint"], d["token_hash"], r.at, seq=r.seq))


def _device_token_revoked(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    _carry_legacy(s)
    st = _station(s, r)
    live = _live_tokens(s, st.name, d["device"])
    if not live:
        raise ReplayError(r.seq, f"no live token of device {d['device']} at {st.name} to revoke")
    live[-1].revoked_at = r.at


# --- users, departments, settings ---------------------------------------------------------------------


def _user_added(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    if d["username"] in s.users:
        raise ReplayError(r.seq, f"user {d['username']} added twice")
    s.users[d["username"]] = UserState(
        d["username"],
        d["role"],
        d.get("person"),
        bool(d.get("active", True)),
        d["password_digest"],
        r.at,
        r.at,
        r.seq,
    )


def _user_changed(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    u = s.users.get(d["username"])
    if u is None:
        raise ReplayError(r.seq, f"user_changed of unknown user {d['username']}")
    for name in USER_FIELDS:
        if name in d:
            setattr(u, name, bool(d[name]) if name == "active" else d[name])
    u.changed_at = r.at


def _dept_added(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    s.departments[d["name"]] = (r.at, r.seq)


def _setting_changed(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    s.settings[d["key"]] = (d["value"], r.seq)


# --- approvals and requests ------------------------------------------------------------------------------


def _approved(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    s.approvals[r.seq] = ApprovalState(
        r.seq,
        r.person,
        r.item,
        d["approver"],
        datetime.fromisoformat(d["valid_from"]),
        datetime.fromisoformat(d["valid_until"]),
        d.get("purpose", ""),
    )


def _request_made(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    s.requests[r.seq] = RequestState(
        r.seq,
        d["action"],
        r.person,
        d["requested_by"],
        r.item,
        d.get("doc_no", ""),
        d.get("issuer", ""),
        datetime.fromisoformat(d["valid_from"]),
        datetime.fromisoformat(d["valid_until"]),
        d["uses"],
        d.get("purpose", ""),
        d.get("reference", ""),
        r.at,
    )


def _request_decided(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    s.decisions[d["request"]] = r


APPLY_OTHER = {
    "person_added": _person_added,
    "person_changed": _person_changed,
    "tag_bound": _tag_bound,
    "station_added": _station_added,
    "station_changed": _station_changed,
    "token_issued": _token_issued,
    "token_revoked": _token_revoked,
    "device_token_added": _device_token_added,
    "device_token_revoked": _device_token_revoked,
    "user_added": _user_added,
    "user_changed": _user_changed,
    "dept_added": _dept_added,
    "setting_changed": _setting_changed,
    "approved": _approved,
    "request_made": _request_made,
    "request_approved": _request_decided,
    "request_rejected": _request_decided,
}


def _uses(s: Rebuilt, r: Record, d: dict[str, Any]) -> None:
    """An act's event naming the approval or request it used."""
    if r.kind == "checked_out" and isinstance(d.get("approval"), int):
        s.approval_used[d["approval"]] = r.seq
    rid = d.get("request")
    if isinstance(rid, int) and r.kind not in ("request_made", "refused", *DECISIONS):
        act = (r.kind, r.at) if r.kind in REQUEST_USES_PER_BATCH else r.seq
        s.request_uses.setdefault(rid, set()).add(act)


def _facts(r: Record, d: dict[str, Any]) -> EventFacts:
    f = EventFacts(r.kind, r.station, r.item, r.person)
    if r.kind == "refused":
        f.reason, f.action = d.get("reason"), d.get("action")
        params = d.get("params") or {}
        f.conflict = params.get("conflict") if f.reason == "late_conflict" else None
    elif r.kind in UNDO_KINDS and isinstance(d.get("undo_of"), int):
        f.undo_of = d["undo_of"]
    return f


def rebuild(records: Iterable[Record]) -> Rebuilt:
    """The state every event leaves, applied in order (ReplayError for an event that cannot apply)."""
    s = Rebuilt()
    items = s.items
    for r in records:
        d = json.loads(r.data)
        fn = APPLY.get(r.kind)
        if fn is not None:
            if r.kind in CREATES:
                if r.item in items:
                    raise ReplayError(r.seq, f"item {r.item} received twice")
                fn(items, r)
                _add_tag(s, r, TagState(r.item, "item-barcode", item=r.item, seq=r.seq))
            elif r.item not in items:
                raise ReplayError(r.seq, f"{r.kind} of unknown item {r.item}")
            else:
                fn(items, r)
        other = APPLY_OTHER.get(r.kind)
        closing = APPLY_CLOSING.get(r.kind)
        try:
            if other is not None:
                other(s, r, d)
            elif closing is not None:
                closing(s.closing, r, d, items)
        except (KeyError, TypeError, ValueError) as exc:
            raise ReplayError(r.seq, f"{r.kind} lacks what a replay needs ({exc})") from None
        if "approval" in d or "request" in d:
            _uses(s, r, d)
        if r.station is not None:  # every event a scan causes names its station
            s.events[r.seq] = _facts(r, d)
    return s
