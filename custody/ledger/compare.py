"""The tables set beside the state rebuilt from the ledger (`custody.ledger.rebuild`): the first
difference, named by table, row (its natural key), column, the table's value and the ledger's.

Each table is read once with plain SQL (no model objects: a verify of 100,000 events reads every
row). A column is compared exactly when the ledger holds its value; a few creation times were read
from the clock separately from their event's time by the writer (a person's, a station's, a
device token's, a user's), and are compared to within `NEAR`. What is not derivable from events is
listed in docs/admin-guide.md ("What verify proves").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from custody import codes
from custody.ledger.rebuild import UNDO_KINDS, Rebuilt, TokenState
from custody.store.fastsql import execute

if TYPE_CHECKING:
    from custody.store.core import Store

NEAR = timedelta(seconds=1)
CONFIG_VERSION_KEY = "config_version"  # a cache counter for the scan service, not ledger state
COMMANDS_PREFIX = "CMD-"


@dataclass(frozen=True)
class Difference:
    """The first place where the tables and the ledger disagree. `column` None: a whole row is in one
    and not in the other. `seq`: the event the row comes from, when there is one."""

    table: str
    row: str
    column: str | None = None
    stored: Any = None
    replayed: Any = None
    seq: int | None = None
    why: str = ""

    @property
    def problem(self) -> str:
        if self.why:
            return f"{self.table} {self.row}: {self.why}"
        if self.column is None:
            if self.replayed is None:
                return f"{self.table} {self.row} has no event in the ledger"
            return f"{self.table} {self.row} is in the ledger but missing from the tables"
        return (
            f"{self.table} {self.row}: {self.column} is {self.stored!r} in the tables "
            f"but {self.replayed!r} in the ledger"
        )


@dataclass
class Tables:
    """What comparing the tables learnt on the way: the ids the tables give the rows the ledger names,
    how many rows each table has, and what the ledger cannot prove (tokens kept without a hash)."""

    station_names: dict[int, str]
    item_codes: dict[int, str]
    counts: dict[str, int]
    unprovable: list[str]


def _rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return execute(store.db, sql).fetchall()


def _exists(store: Store, table: str) -> bool:
    return bool(store.db.table_exists(table))


def _time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _near(a: Any, b: Any) -> bool:
    ta, tb = _time(a), _time(b)
    if ta is None or tb is None:
        return ta is tb
    return abs(ta - tb) <= NEAR


def _same_time(a: Any, b: Any) -> bool:
    return _time(a) == _time(b)


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _first(
    table: str, row: str, seq: int | None, pairs: Iterator[tuple[str, Any, Any, Callable[[Any, Any], bool]]]
) -> Difference | None:
    for column, stored, replayed, same in pairs:
        if not same(stored, replayed):
            return Difference(table, row, column, stored, replayed, seq)
    return None


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


# --- items ------------------------------------------------------------------------------------------------

ITEM_SQL = (
    "SELECT id, code, title, kind, level, period, copy_no, total_copies, doc_no, issuer, scope, home_id, "
    "received_by_id, brought_by_id, received_at, status, holder_id, since, location_id, no_copy, due_back, "
    "copy_of, lost_from, reviewed_on, loan_purpose, loan_due, second_holder_id, loan_unit, loan_recipient, "
    "loan_use FROM item ORDER BY id"
)


def items(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    names = t.station_names
    seen: set[str] = set()
    rows = _rows(store, ITEM_SQL)
    t.counts["item"] = len(rows)
    for (
        rid,
        code,
        title,
        kind,
        level,
        period,
        copy_no,
        total,
        doc_no,
        issuer,
        scope,
        home,
        received_by,
        brought_by,
        received_at,
        status,
        holder,
        since,
        location,
        no_copy,
        due_back,
        copy_of,
        lost_from,
        reviewed_on,
        purpose,
        due,
        second,
        unit,
        recipient,
        use,
    ) in rows:
        t.item_codes[rid] = code
        seen.add(code)
        st = s.items.get(code)
        if st is None:
            return Difference("item", code)
        person = _person_shown(s)
        pairs = (
            ("title", title, st.title, _eq),
            ("kind", kind, st.kind, _eq),
            ("level", level, st.level, _eq),
            ("period", period, st.period, _eq),
            ("copy_no", copy_no, st.copy_no, _eq),
            ("total_copies", total, st.total_copies, _eq),
            ("doc_no", doc_no, st.doc_no, _eq),
            ("issuer", issuer, st.issuer, _eq),
            ("scope", json.loads(scope or "[]"), list(st.scope), _eq),
            ("home", names.get(home), st.home, _eq),
            ("received_by", person(received_by), person(st.received_by), _eq),
            ("brought_by", person(brought_by), person(st.brought_by), _eq),
            ("received_at", received_at, st.received_at, _same_time),
            ("status", status, st.status, _eq),
            ("holder", person(holder), person(st.holder), _eq),
            ("since", since, st.since, _same_time),
            ("location", names.get(location) if location is not None else None, st.location, _eq),
            ("no_copy", bool(no_copy), st.no_copy, _eq),
            ("due_back", due_back, st.due_back, _eq),
            ("copy_of", copy_of, st.copy_of, _eq),
            ("lost_from", lost_from, st.lost_from, _eq),
            ("reviewed_on", reviewed_on, st.reviewed_on, _eq),
            ("loan_purpose", purpose, st.loan_purpose, _eq),
            ("loan_due", due, st.loan_due, _same_time),
            ("second_holder", person(second), person(st.second_holder), _eq),
            ("loan_unit", unit, st.loan_unit, _eq),
            ("loan_recipient", recipient, st.loan_recipient, _eq),
            ("loan_use", use, st.loan_use, _eq),
        )
        found = _first("item", code, st.first_seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(s.items) - seen)
    if missing:
        return Difference("item", missing[0], replayed=True, seq=s.items[missing[0]].first_seq)
    return None


def _person_shown(s: Rebuilt) -> Callable[[int | None], str | None]:
    """A person id as the row names it: the badge the ledger gave that id (`#id` for one it never gave)."""

    def shown(pid: int | None) -> str | None:
        if pid is None:
            return None
        return s.badge_of(pid) or f"#{pid}"

    return shown


# --- people and tags -------------------------------------------------------------------------------------

PERSON_SQL = (
    "SELECT id, name, role, clearance, dept, active, off_post_until, created_at FROM person ORDER BY id"
)


def people(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    seen: set[int] = set()
    rows = _rows(store, PERSON_SQL)
    t.counts["person"] = len(rows)
    for pid, name, role, clearance, dept, active, off_post, created_at in rows:
        seen.add(pid)
        p = s.people.get(pid)
        if p is None:
            return Difference("person", f"#{pid} ({name})")
        pairs = (
            ("name", name, p.name, _eq),
            ("role", role, p.role, _eq),
            ("clearance", clearance, p.clearance, _eq),
            ("dept", dept, p.dept, _eq),
            ("active", bool(active), p.active, _eq),
            ("off_post_until", off_post, p.off_post_until, _eq),
            ("created_at", created_at, p.created_at, _near),
        )
        found = _first("person", p.badge, p.seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(s.people) - seen)
    if missing:
        p = s.people[missing[0]]
        return Difference("person", p.badge, replayed=True, seq=p.seq)
    return None


TAG_SQL = "SELECT code, kind, item_id, person_id, hex_low32, dec_value FROM tag ORDER BY id"


def tags(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    person = _person_shown(s)
    seen: set[str] = set()
    rows = _rows(store, TAG_SQL)
    t.counts["tag"] = len(rows)
    for code, kind, item_id, person_id, low, dec in rows:
        seen.add(code)
        tag = s.tags.get(code)
        if tag is None:
            return Difference("tag", code)
        item = t.item_codes.get(item_id, f"#{item_id}") if item_id is not None else None
        pairs = (
            ("kind", kind, tag.kind, _eq),
            ("item", item, tag.item, _eq),
            ("person", person(person_id), person(tag.person), _eq),
            ("hex_low32", low, tag.hex_low32, _eq),
            ("dec_value", dec, tag.dec_value, _eq),
        )
        found = _first("tag", code, tag.seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(s.tags) - seen)
    if missing:
        return Difference("tag", missing[0], replayed=True, seq=s.tags[missing[0]].seq)
    return None


# --- stations, device tokens, users -------------------------------------------------------------------------

STATION_SQL = (
    "SELECT id, name, kind, token_hash, token_hint, token_created_at, closing_time, created_at "
    "FROM station ORDER BY id"
)


def stations(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    per_device = _exists(store, "device_token")  # schema step 4: tokens live there, these columns unused
    seen: set[str] = set()
    rows = _rows(store, STATION_SQL)
    t.counts["station"] = len(rows)
    for sid, name, kind, token_hash, hint, token_at, closing_time, created_at in rows:
        t.station_names[sid] = name
        seen.add(name)
        st = s.stations.get(name)
        if st is None:
            return Difference("station", name)
        legacy = None if per_device else st.legacy_token
        if legacy is not None and token_hash is not None:
            t.unprovable.append(legacy.key)
        pairs = (
            ("kind", kind, st.kind, _eq),
            ("closing_time", closing_time, st.closing_time, _eq),
            ("created_at", created_at, st.created_at, _near),
            ("token_hash", token_hash is not None, legacy is not None, _eq),
            ("token_hint", hint, legacy.token_hint if legacy else None, _eq),
            ("token_created_at", token_at, legacy.created_at if legacy else None, _near),
        )
        found = _first("station", name, st.seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(s.stations) - seen)
    if missing:
        return Difference("station", missing[0], replayed=True, seq=s.stations[missing[0]].seq)
    return None


TOKEN_SQL = "SELECT id, station_id, device, token_hash, token_hint, created_at, revoked_at FROM device_token ORDER BY id"


def device_tokens(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    """Tokens with their hash in the ledger (`device_token_added`) are matched by it; a token from
    before schema step 4 (its events kept no hash) by station, device `default` and its first
    characters: its hash cannot be proven, only listed (`Tables.unprovable`)."""
    if not _exists(store, "device_token"):
        return None
    expected = list(s.tokens) + [st.legacy_token for st in s.stations.values() if st.legacy_token is not None]
    by_hash = {tok.token_hash: tok for tok in expected if tok.token_hash is not None}
    legacy = [tok for tok in expected if tok.token_hash is None]
    matched: set[int] = set()
    rows = _rows(store, TOKEN_SQL)
    t.counts["device_token"] = len(rows)
    for _rid, station_id, device, token_hash, hint, created_at, revoked_at in rows:
        station = t.station_names.get(station_id, f"#{station_id}")
        tok = by_hash.get(token_hash)
        if tok is None:
            tok = next(
                (
                    c
                    for c in legacy
                    if id(c) not in matched and (c.station, c.device, c.token_hint) == (station, device, hint)
                ),
                None,
            )
            if tok is not None:
                t.unprovable.append(tok.key)
        if tok is None or id(tok) in matched:
            return Difference("device_token", f"{station}/{device} ({hint}…)")
        matched.add(id(tok))
        pairs = (
            ("station", station, tok.station, _eq),
            ("device", device, tok.device, _eq),
            ("token_hint", hint, tok.token_hint, _eq),
            ("created_at", created_at, tok.created_at, _near),
            ("revoked_at", revoked_at, tok.revoked_at, _near),
        )
        found = _first("device_token", tok.key, tok.seq, iter(pairs))
        if found is not None:
            return found
    left: list[TokenState] = [tok for tok in expected if id(tok) not in matched]
    if left:
        return Difference("device_token", left[0].key, replayed=True, seq=left[0].seq)
    return None


USER_SQL = "SELECT username, role, person_id, password_hash, active, created_at, changed_at FROM app_user ORDER BY id"


def users(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    if not _exists(store, "app_user"):
        return None
    person = _person_shown(s)
    seen: set[str] = set()
    rows = _rows(store, USER_SQL)
    t.counts["app_user"] = len(rows)
    for username, role, person_id, password_hash, active, created_at, changed_at in rows:
        seen.add(username)
        u = s.users.get(username)
        if u is None:
            return Difference("app_user", username)
        digest = hashlib.sha256(password_hash.encode("utf-8")).hexdigest()
        named = s.tags.get(u.person) or s.tags.get(u.person.upper()) if u.person else None
        pairs = (
            ("role", role, u.role, _eq),
            ("person", person(person_id), person(named.person if named else None), _eq),
            ("password_hash (its sha256)", digest, u.password_digest, _eq),
            ("active", bool(active), u.active, _eq),
            ("created_at", created_at, u.created_at, _near),
            ("changed_at", changed_at, u.changed_at, _near),
        )
        found = _first("app_user", username, u.seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(s.users) - seen)
    if missing:
        return Difference("app_user", missing[0], replayed=True, seq=s.users[missing[0]].seq)
    return None


# --- departments, settings -------------------------------------------------------------------------------


def departments(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    seen: set[str] = set()
    rows = _rows(store, "SELECT name, created_at FROM department ORDER BY id")
    t.counts["department"] = len(rows)
    for name, created_at in rows:
        seen.add(name)
        if name not in s.departments:
            return Difference("department", name)
        at, seq = s.departments[name]
        if not _same_time(created_at, at):
            return Difference("department", name, "created_at", created_at, at, seq)
    missing = sorted(set(s.departments) - seen)
    if missing:
        return Difference("department", missing[0], replayed=True, seq=s.departments[missing[0]][1])
    return None


def settings(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    seen: set[str] = set()
    rows = [
        r for r in _rows(store, "SELECT key, value FROM setting ORDER BY key") if r[0] != CONFIG_VERSION_KEY
    ]
    t.counts["setting"] = len(rows)
    for key, value in rows:
        seen.add(key)
        if key not in s.settings:
            return Difference("setting", key)
        replayed, seq = s.settings[key]
        stored = json.loads(value)
        if stored != replayed:
            return Difference("setting", key, "value", stored, replayed, seq)
    missing = sorted(set(s.settings) - seen)
    if missing:
        return Difference("setting", missing[0], replayed=True, seq=s.settings[missing[0]][1])
    return None


# --- approvals and requests ----------------------------------------------------------------------------------

APPROVAL_SQL = (
    "SELECT id, person_id, item_id, approver_id, valid_from, valid_until, purpose, used_seq, event_seq "
    "FROM approval ORDER BY id"
)


def approvals(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    person = _person_shown(s)
    seen: set[int] = set()
    ids: set[int] = set()
    rows = _rows(store, APPROVAL_SQL)
    t.counts["approval"] = len(rows)
    for aid, person_id, item_id, approver_id, valid_from, valid_until, purpose, used_seq, event_seq in rows:
        ids.add(aid)
        a = s.approvals.get(event_seq)
        if a is None or event_seq in seen:
            return Difference("approval", f"#{aid} (event #{event_seq})")
        seen.add(event_seq)
        pairs = (
            ("person", person(person_id), person(a.person), _eq),
            ("item", t.item_codes.get(item_id), a.item, _eq),
            ("approver", person(approver_id), person(a.approver), _eq),
            ("valid_from", valid_from, a.valid_from, _same_time),
            ("valid_until", valid_until, a.valid_until, _same_time),
            ("purpose", purpose, a.purpose, _eq),
            ("used_seq", used_seq, s.approval_used.get(aid), _eq),
        )
        found = _first("approval", f"#{aid} (event #{event_seq})", event_seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(s.approvals) - seen)
    if missing:
        return Difference("approval", f"of event #{missing[0]}", replayed=True, seq=missing[0])
    unknown = sorted(set(s.approval_used) - ids)
    if unknown:
        seq = s.approval_used[unknown[0]]
        return Difference(
            "approval", f"#{unknown[0]}", seq=seq, why=f"used by event #{seq}, missing from the table"
        )
    return None


REQUEST_SQL = (
    "SELECT id, action, person_id, requested_by_id, item_id, doc_no, issuer, valid_from, valid_until, uses, "
    "used, purpose, reference, status, decided_by_id, decided_at, reason, created_at, event_seq, decided_seq "
    "FROM approval_request ORDER BY id"
)


def requests(store: Store, s: Rebuilt, t: Tables) -> Difference | None:
    person = _person_shown(s)
    seen: set[int] = set()
    ids: set[int] = set()
    rows = _rows(store, REQUEST_SQL)
    t.counts["approval_request"] = len(rows)
    for row in rows:
        (
            rid,
            action,
            person_id,
            requested_by,
            item_id,
            doc_no,
            issuer,
            valid_from,
            valid_until,
            uses,
            used,
        ) = row[:11]
        (purpose, reference, status, decided_by, decided_at, reason, created_at, event_seq, decided_seq) = (
            row[11:]
        )
        ids.add(rid)
        ref = f"R{rid}"
        r = s.requests.get(event_seq)
        if r is None or event_seq in seen:
            return Difference("approval_request", ref, why="has no request_made event")
        seen.add(event_seq)
        dec = s.decisions.get(rid)
        dd = json.loads(dec.data) if dec is not None else {}
        pairs = (
            ("action", action, r.action, _eq),
            ("person", person(person_id), person(r.person), _eq),
            ("requested_by", person(requested_by), person(r.requested_by), _eq),
            ("valid_from", valid_from, r.valid_from, _same_time),
            ("valid_until", valid_until, r.valid_until, _same_time),
            ("uses", uses, r.uses, _eq),
            ("status", status, _status(dec), _eq),
            ("decided_by", person(decided_by), person(dd.get("approver")), _eq),
            ("used", used, len(s.request_uses.get(rid, ())), _eq),
            ("item", t.item_codes.get(item_id) if item_id is not None else None, r.item, _eq),
            ("doc_no", doc_no, r.doc_no, _eq),
            ("issuer", issuer, r.issuer, _eq),
            ("purpose", purpose, r.purpose, _eq),
            ("reference", reference, r.reference, _eq),
            ("decided_at", decided_at, dec.at if dec is not None else None, _same_time),
            ("reason", reason, dd.get("reason", ""), _eq),
            ("created_at", created_at, r.created_at, _same_time),
            ("decided_seq", decided_seq, dec.seq if dec is not None else None, _eq),
        )
        found = _first("approval_request", ref, event_seq, iter(pairs))
        if found is not None:
            return found
    missing = sorted(set(s.requests) - seen)
    if missing:
        return Difference("approval_request", f"of event #{missing[0]}", replayed=True, seq=missing[0])
    unknown = sorted(set(s.decisions) - ids)
    if unknown:
        seq = s.decisions[unknown[0]].seq
        return Difference(
            "approval_request",
            f"R{unknown[0]}",
            seq=seq,
            why=f"decided by event #{seq}, missing from the table",
        )
    return None


def _status(dec: Any) -> str:
    if dec is None:
        return "pending"
    return "approved" if dec.kind == "request_approved" else "rejected"


# --- stored scans ----------------------------------------------------------------------------------------------

SCAN_SQL = (
    "SELECT id, scan_id, station_id, code, outcome, reason, answer, event_seq, late, exception, undone_by "
    "FROM scan ORDER BY id"
)
EVENT_OF = {  # a scan's outcome -> the kind of the event it must name
    "checked_out": "checked_out",
    "returned": "returned",
    "refused": "refused",
    "approved": "session_approved",
    "inventory_seen": "inventory_seen",
}
ITEM_SCANS = ("checked_out", "returned", "inventory_seen")  # the scanned code is the event's item


def scans(store: Store, s: Rebuilt, t: Tables, head: int) -> Difference | None:
    """Each stored scan against the event it names (`event_seq`): that event exists, is of the
    station, is what the outcome says (a check-out, a return, a refusal with this reason, …), is of
    the item the code names; the stored answer says the same scan_id, outcome, item and person; a
    late scan's exception is its refusal's; `undone_by` is what the undo events say. Scans that
    caused no event (a badge, an unknown code) are checked only against their own answer."""
    rows = _rows(store, SCAN_SQL)
    t.counts["scan"] = len(rows)
    resolve = _resolver(s)
    by_event: dict[int, str] = {}
    undone: dict[int, str] = {}  # the seq of an undone event -> the scan_id that undid it
    for _id, scan_id, _station, _code, _outcome, _reason, _answer, seq, *_ in rows:
        if seq is None:
            continue
        if seq in by_event:
            return Difference(
                "scan",
                scan_id,
                "event_seq",
                seq,
                None,
                seq,
                why=f"names event #{seq}, as scan {by_event[seq]} does",
            )
        by_event[seq] = scan_id
        f = s.events.get(seq)
        if f is not None and f.undo_of is not None:
            undone[f.undo_of] = scan_id
    for _id, scan_id, station_id, code, outcome, reason, answer_text, seq, late, exception, undone_by in rows:
        station = t.station_names.get(station_id, f"#{station_id}")
        found = _scan(
            s, scan_id, station, code, outcome, reason, answer_text, seq, late, exception, head, resolve
        )
        if found is not None:
            return found
        if seq is not None and (seq in undone or undone_by is not None):
            expected = undone.get(seq)
            if undone_by != expected:
                return Difference("scan", scan_id, "undone_by", undone_by, expected, seq)
    return None


def _scan(
    s: Rebuilt,
    scan_id: str,
    station: str,
    code: str,
    outcome: str,
    reason: str,
    answer_text: str,
    seq: int | None,
    late: Any,
    exception: str | None,
    head: int,
    resolve: Callable[[str], str | None],
) -> Difference | None:
    try:
        answer = json.loads(answer_text)
    except ValueError:
        return Difference("scan", scan_id, "answer", answer_text, None, seq, why="its answer is not JSON")
    if not isinstance(answer, dict):
        return Difference(
            "scan", scan_id, "answer", answer_text, None, seq, why="its answer is not a JSON object"
        )
    if answer.get("scan_id") != scan_id:
        return Difference("scan", scan_id, "answer.scan_id", answer.get("scan_id"), scan_id, seq)
    if answer.get("outcome") != outcome:
        return Difference("scan", scan_id, "answer.outcome", answer.get("outcome"), outcome, seq)
    kind = EVENT_OF.get(outcome)
    if seq is None:
        if kind is not None:
            return Difference("scan", scan_id, "event_seq", None, f"a {kind} event", None)
        if exception is not None:
            return Difference("scan", scan_id, "exception", exception, None, None)
        return None
    f = s.events.get(seq)
    if seq > head or f is None:
        return Difference(
            "scan",
            scan_id,
            "event_seq",
            seq,
            None,
            seq,
            why=f"names event #{seq}, which is no event of a station",
        )
    if kind is not None and f.kind != kind:
        return Difference("scan", scan_id, "outcome", outcome, _outcome_of(f), seq)
    if kind is None and f.kind in EVENT_OF.values() and f.undo_of is None:
        return Difference("scan", scan_id, "outcome", outcome, _outcome_of(f), seq)
    if f.station != station:
        return Difference("scan", scan_id, "station", station, f.station, seq)
    if outcome == "refused" and reason != f.reason:
        return Difference("scan", scan_id, "reason", reason, f.reason, seq)
    if exception != f.conflict:
        return Difference("scan", scan_id, "exception", exception, f.conflict, seq)
    if f.conflict is not None and not late:
        return Difference("scan", scan_id, "late", bool(late), True, seq)
    item = answer.get("item")
    if f.item is not None and isinstance(item, dict) and item.get("code") != f.item:
        return Difference("scan", scan_id, "answer.item.code", item.get("code"), f.item, seq)
    if outcome in ITEM_SCANS and f.item is not None and not code.upper().startswith(COMMANDS_PREFIX):
        named = resolve(code)
        if named != f.item:
            return Difference("scan", scan_id, "code", code, f"a code of {f.item}", seq)
    who = answer.get("person")
    if outcome == "checked_out" and isinstance(who, dict) and "name" in who and f.person in s.people:
        if who.get("name") != s.people[f.person].name:
            return Difference(
                "scan", scan_id, "answer.person.name", who.get("name"), s.people[f.person].name, seq
            )
    return None


def _outcome_of(f: Any) -> str:
    for outcome, kind in EVENT_OF.items():
        if kind == f.kind and f.undo_of is None:
            return outcome
    return "command" if f.kind in UNDO_KINDS else f"(an event {f.kind})"


def _resolver(s: Rebuilt) -> Callable[[str], str | None]:
    """THE code matcher (`custody.reports.lookup.match_tags`) over the rebuilt tags: a scanned code
    -> the item code it names, or None."""
    by_dec: dict[int, str | None] = {}
    by_low: dict[int, str | None] = {}
    for tag in s.tags.values():
        if tag.dec_value is not None:
            by_dec.setdefault(tag.dec_value, tag.item)
        if tag.hex_low32 is not None:
            by_low.setdefault(tag.hex_low32, tag.item)

    def resolve(text: str) -> str | None:
        text = text.strip()
        tag = s.tags.get(text) or s.tags.get(text.upper())
        if tag is not None:
            return tag.item
        if len(text) == 10:
            low, dec = codes.rfid_keys(text)
            if low is not None and low in by_dec:
                return by_dec[low]
            if dec is not None and dec in by_low:
                return by_low[dec]
        return None

    return resolve
