"""The closing sweep (P6, P11): everything not home at a moment, flagged, top secret first.

The present moment is an index lookup on the current-state tables; a moment
in the past is answered from the ledger as it stood then (a replay up to that
time, through `replay.APPLY`). Both build the same `Sweep`, and a property
test holds them equal.

Flags are small rules in a tuple, like the policy's: the rules that land
later (overdue external loan, return to issuer overdue, reported lost) each
add a function to `FLAG_RULES` and a name to `FLAG_NAMES`. A safe not closed
by its closing time plus the grace period is flagged beside the items.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from custody import settings, vocab
from custody.closing.workdays import Calendar
from custody.errors import InvalidInput
from custody.ledger import chain as ledger
from custody.ledger import replay
from custody.messages.catalog import FLAG_NAMES, flag_name  # noqa: F401 - part of this module's interface
from custody.models.core import to_text
from custody.reports import lookup
from custody.reports.out import OUT_STATUSES, is_outstanding, out_key
from custody.reports.shapes import iso
from custody.rules.lifecycle import due_state
from custody.store.core import Store
from custody.store.db import is_sqlite

OUTSTANDING_STATUSES = OUT_STATUSES  # statuses a sweep lists (`reports.out`)


@dataclass(frozen=True)
class Outstanding:
    """One item not home: its registration and where it is."""

    code: str
    title: str
    kind: str
    level: str
    period: str
    copy_no: int
    doc_no: str
    issuer: str
    home: str
    status: str
    holder: int | None
    since: datetime | None
    station: str | None  # where it went out
    due_back: date | None = None  # P17: due back to the issuer
    loan_due: datetime | None = None  # P13/P14: an outside or external loan due back by then


@dataclass(frozen=True)
class SweepFacts:
    """What the flag rules may look at besides the item."""

    at: datetime
    reading_limit: timedelta
    today: date | None = None  # the office's day at `at`
    due_ahead_days: int = 7


FlagRule = Callable[[Outstanding, SweepFacts], str | None]


def top_secret_out(o: Outstanding, f: SweepFacts) -> str | None:
    """P6: a top-secret item out is listed first and flagged."""
    return "top_secret_out" if o.level == "top-secret" else None


def seal_out(o: Outstanding, f: SweepFacts) -> str | None:
    """P5: seals live in the safe."""
    return "seal_out" if o.kind == "seal" else None


def letter_out(o: Outstanding, f: SweepFacts) -> str | None:
    """P5: letters of introduction live in the safe."""
    return "letter_out" if o.kind == "letter" else None


def over_reading_limit(o: Outstanding, f: SweepFacts) -> str | None:
    """P11: top secret is read on site and returned at once; out longer than the limit is flagged."""
    if o.level == "top-secret" and o.since is not None and f.at - o.since > f.reading_limit:
        return "over_reading_limit"
    return None


def overdue_loan(o: Outstanding, f: SweepFacts) -> str | None:
    """P13/P14: an outside or external loan still out after its due time (its last second is on time)."""
    return "overdue_loan" if o.loan_due is not None and f.at > o.loan_due else None


def reported_lost(o: Outstanding, f: SweepFacts) -> str | None:
    """P19: an item reported lost is flagged everywhere until a leader resolves it."""
    return "lost" if o.status == "lost" else None


def due_to_issuer(o: Outstanding, f: SweepFacts) -> str | None:
    """P17: due back to the issuer within the setting's days (listed ahead), or past it (flagged)."""
    return due_state(o.due_back, f.today, f.due_ahead_days) if f.today is not None else None


FLAG_RULES: tuple[FlagRule, ...] = (
    top_secret_out,
    seal_out,
    letter_out,
    over_reading_limit,
    overdue_loan,
    reported_lost,
    due_to_issuer,
)


@dataclass(frozen=True)
class Entry:
    item: Outstanding
    overdue: bool  # out across a closing time of its home station (P6)
    flags: tuple[str, ...]


@dataclass(frozen=True)
class SafeFlag:
    """A safe past its closing time plus grace, not closed in time."""

    station: str
    due: datetime
    closed_at: datetime | None
    closed_by: int | None
    flags: tuple[str, ...]


@dataclass
class Sweep:
    at: datetime
    station: str | None
    entries: list[Entry]
    safes: list[SafeFlag] = field(default_factory=list)
    due: list[tuple[Outstanding, str]] = field(default_factory=list)  # P17: (item, due flag), any status

    @property
    def counts(self) -> dict[str, int]:
        counts = {lv.slug: 0 for lv in vocab.LEVELS}
        for e in self.entries:
            counts[e.item.level] += 1
        return counts

    @property
    def clear(self) -> bool:
        """Nothing out and every safe closed in time."""
        return not self.entries and not self.safes

    def for_station(self, name: str) -> Sweep:
        """The part of this sweep that concerns one station: items whose home it is, and its safe."""
        return replace(
            self,
            station=name,
            entries=[e for e in self.entries if e.item.home == name],
            safes=[s for s in self.safes if s.station == name],
            due=[d for d in self.due if d[0].home == name],
        )


# --- taking a sweep -----------------------------------------------------------


def sweep(store: Store, at: datetime | None = None, station: str | None = None) -> Sweep:
    """What is not home at `at` (default: now). A past moment is answered from the ledger;
    a moment in the future is refused."""
    now = store.now()
    if at is not None:
        if at.tzinfo is None:
            raise InvalidInput("the sweep time needs a time zone")
        if at > now:
            tz = ZoneInfo(settings.get(store, "timezone"))
            raise InvalidInput(
                "sweep time {at} is in the future (it is now {now}): only the present or the past can be swept",
                at=iso(at, tz),
                now=iso(now, tz),
            )
    home = lookup.station(store, station) if station else None
    moment = now if at is None else at
    rows = (
        present_items(store, home.id if home else None)
        if at is None or at == now
        else replayed_items(store, at)
    )
    if home is not None:
        rows = [o for o in rows if o.home == home.name]
    result = assemble(store, moment, rows, station=home.name if home else None)
    if at is None or at == now:
        result.due = [d for d in due_back_items(store, moment) if home is None or d[0].home == home.name]
    return result


def due_back_items(store: Store, at: datetime) -> list[tuple[Outstanding, str]]:
    """P17: every item still here that is due back to its issuer within the setting's days, or past
    its day — in the safe or not — with its flag, soonest first (from the current tables)."""
    m = store.m
    today = at.astimezone(ZoneInfo(settings.get(store, "timezone"))).date()
    ahead = settings.get(store, "due_back_ahead_days")
    names = {s.id: s.name for s in m.Station.select(m.Station.id, m.Station.name)}
    q = m.Item.select().where(m.Item.due_back.is_null(False) & m.Item.status.in_(("in", "out", "lost")))
    out = []
    for it in q:
        flag = due_state(it.due_back, today, ahead)
        if flag is None or (it.status == "lost" and it.lost_from is None):
            continue
        o = Outstanding(
            it.code,
            it.title,
            it.kind,
            it.level,
            it.period,
            it.copy_no,
            it.doc_no,
            it.issuer,
            names[it.home_id],
            it.status,
            it.holder_id,
            it.since,
            names.get(it.location_id) if it.location_id else None,
            it.due_back,
        )
        out.append((o, flag))
    out.sort(key=lambda d: (d[0].due_back, d[0].code))
    return out


def present_items(store: Store, home_id: int | None = None) -> list[Outstanding]:
    """Items not home now: an index lookup on `item.status` (plain SQL: thousands of rows, no model objects)."""
    db, m = store.db, store.m
    names = {s.id: s.name for s in m.Station.select(m.Station.id, m.Station.name)}
    sql = (
        "SELECT code, title, kind, level, period, copy_no, doc_no, issuer, home_id, status, holder_id, since,"
        f" location_id, due_back, loan_due FROM item WHERE (status IN ({', '.join('?' * len(OUTSTANDING_STATUSES))})"
        " OR (status = 'lost' AND lost_from IS NOT NULL))"
    )
    params: list[Any] = list(OUTSTANDING_STATUSES)
    if home_id is not None:
        sql += " AND home_id = ?"
        params.append(home_id)
    parse = datetime.fromisoformat
    return [
        Outstanding(
            code,
            title,
            kind,
            level,
            period,
            copy_no,
            doc_no,
            issuer,
            names[home],
            status,
            holder,
            parse(since) if since else None,
            names.get(location) if location else None,
            date.fromisoformat(due_back) if due_back else None,
            parse(loan_due) if loan_due else None,
        )
        for (
            code,
            title,
            kind,
            level,
            period,
            copy_no,
            doc_no,
            issuer,
            home,
            status,
            holder,
            since,
            location,
            due_back,
            loan_due,
        ) in db.execute_sql(_sql(db, sql), params)
    ]


def replayed_items(store: Store, at: datetime) -> list[Outstanding]:
    """Items not home at `at`, from the ledger as it stood then.

    Two steps, both over the ledger alone. First the database finds, for every item, its last
    state-changing event at or before `at` (one grouped scan), and keeps the items whose last
    such event does not certainly leave them home. Then exactly those items' histories up to
    `at` are replayed through `replay.APPLY`, so their state is what a full replay gives; the
    property test holds the two equal.
    """
    until = to_text(at)
    states: dict[str, replay.ItemState] = {}
    candidates = _candidates(store, until)
    for i in range(0, len(candidates), CHUNK):
        states.update(replay.replay(_histories(store, candidates[i : i + CHUNK], until)))
    return [
        Outstanding(
            s.code,
            s.title,
            s.kind,
            s.level,
            s.period,
            s.copy_no,
            s.doc_no,
            s.issuer,
            s.home,
            s.status,
            s.holder,
            datetime.fromisoformat(s.since) if s.since else None,
            s.location,
            date.fromisoformat(s.due_back) if s.due_back else None,
            datetime.fromisoformat(s.loan_due) if s.loan_due else None,
        )
        for s in states.values()
        if is_outstanding(s.status, s.lost_from)
    ]


CHUNK = 500
_PROBE_CODE = "000000000000"
_PROBE_DATA = ledger.canonical(
    {
        "title": "",
        "kind": "document",
        "level": "internal",
        "period": "",
        "copy_no": 1,
        "total_copies": None,
        "doc_no": "",
        "issuer": "",
        "scope": [],
        "home": "",
        "brought_by": None,
        "since": "2000-01-01T00:00:00.000000+00:00",
    }
)


def settling_kinds() -> tuple[str, ...]:
    """Event kinds after which an item is home whatever came before (`received`, `returned`),
    found by applying each kind of `replay.APPLY` to probe states; a kind that fails on the probe
    or may leave an item outstanding is not one of them."""
    kinds = []
    for kind, fn in replay.APPLY.items():
        settled = True
        for before in ("in", *OUTSTANDING_STATUSES, "lost"):
            probe = {
                _PROBE_CODE: replay.ItemState(
                    _PROBE_CODE,
                    "",
                    "document",
                    "internal",
                    "",
                    1,
                    "",
                    "",
                    "",
                    status=before,
                    lost_from="in" if before == "lost" else None,
                )
            }
            try:
                fn(
                    probe,
                    ledger.Record(
                        1,
                        "2000-01-01T00:00:00.000000+00:00",
                        kind,
                        _PROBE_CODE,
                        1,
                        "",
                        "",
                        _PROBE_DATA,
                        "",
                        "",
                    ),
                )
            except Exception:
                settled = False
                break
            after = probe[_PROBE_CODE]
            settled = settled and not is_outstanding(after.status, after.lost_from)
        if settled:
            kinds.append(kind)
    return tuple(sorted(kinds))


def _sql(db: Any, sql: str) -> str:
    """SQLite: scan the table itself (faster than through an index for a whole-ledger group);
    PostgreSQL: its own placeholders."""
    return sql if is_sqlite(db) else sql.replace("?", "%s").replace(" NOT INDEXED", "")


def _candidates(store: Store, until: str) -> list[str]:
    """Items whose last state-changing event at or before `until` may leave them outstanding."""
    db = store.db
    kinds = tuple(replay.APPLY)
    settling = settling_kinds()
    sql = _sql(
        db,
        (
            "SELECT e.item FROM event e JOIN ("
            f" SELECT max(seq) AS last FROM event NOT INDEXED WHERE at <= ? AND kind IN ({', '.join('?' * len(kinds))})"
            " AND item IS NOT NULL GROUP BY item) x ON e.seq = x.last"
            + (f" WHERE e.kind NOT IN ({', '.join('?' * len(settling))})" if settling else "")
        ),
    )
    return [code for (code,) in db.execute_sql(sql, [until, *kinds, *settling]).fetchall()]


def _histories(store: Store, codes: list[str], until: str) -> list[ledger.Record]:
    db = store.db
    kinds = tuple(replay.APPLY)
    sql = _sql(
        db,
        (
            f"SELECT {ledger.COLUMNS} FROM event WHERE item IN ({', '.join('?' * len(codes))}) AND at <= ?"
            f" AND kind IN ({', '.join('?' * len(kinds))}) ORDER BY seq"
        ),
    )
    return [ledger.Record(*row) for row in db.execute_sql(sql, [*codes, until, *kinds]).fetchall()]


def assemble(store: Store, at: datetime, rows: Iterable[Outstanding], station: str | None = None) -> Sweep:
    """Flag, judge overdue and order the rows; add the safes not closed in time."""
    cal = Calendar.load(store)
    facts = SweepFacts(
        at=at,
        reading_limit=timedelta(minutes=settings.get(store, "reading_limit_minutes")),
        today=at.astimezone(ZoneInfo(settings.get(store, "timezone"))).date(),
        due_ahead_days=settings.get(store, "due_back_ahead_days"),
    )
    m = store.m
    closing = {s.name: s.closing_time for s in m.Station.select(m.Station.name, m.Station.closing_time)}
    last_closing = {name: cal.last_closing(ct, at) for name, ct in closing.items()}
    entries = []
    for o in rows:
        flags = tuple(f for f in (rule(o, facts) for rule in FLAG_RULES) if f)
        last = last_closing.get(o.home)
        overdue = (
            vocab.LEVEL_BY_SLUG[o.level].classified
            and o.since is not None
            and last is not None
            and o.since < last
        )
        entries.append(Entry(o, overdue, flags))
    entries.sort(key=lambda e: out_key(e.item.level, e.item.since, e.item.code))  # THE order (`reports.out`)
    return Sweep(at=at, station=station, entries=entries, safes=unclosed_safes(store, cal, at, station))


def unclosed_safes(store: Store, cal: Calendar, at: datetime, station: str | None = None) -> list[SafeFlag]:
    """Safes past closing time plus grace on a working day with no close before that (from the ledger)."""
    day = cal.local_day(at)
    if not cal.is_working_day(day):
        return []
    m = store.m
    Event, Station = m.Event, m.Station  # noqa: N806 - the store's tables
    q = Station.select().where(Station.kind == "safe").order_by(Station.name)
    if station is not None:
        q = q.where(Station.name == station)
    out = []
    for st in q:
        due = cal.closing_at(st.closing_time, day) + cal.grace
        if at < due:
            continue
        closes = list(
            Event.select(Event.at, Event.person)
            .where(
                (Event.kind == "safe_closed")
                & (Event.station == st.name)
                & (Event.at >= to_text(cal.day_start(day)))
                & (Event.at <= to_text(at))
            )
            .order_by(Event.seq)
            .tuples()
        )
        if any(when <= to_text(due) for when, _ in closes):
            continue
        if closes:
            out.append(
                SafeFlag(
                    st.name, due, datetime.fromisoformat(closes[0][0]), closes[0][1], ("safe_closed_late",)
                )
            )
        else:
            out.append(SafeFlag(st.name, due, None, None, ("safe_not_closed",)))
    return out


# --- shapes -------------------------------------------------------------------


def people(store: Store, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Person JSON (DESIGN.md) for the given ids, in a few queries."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = store.db.execute_sql(
        "SELECT p.id, p.name, p.role, p.clearance, p.dept, t.code FROM person p"
        " LEFT JOIN tag t ON t.person_id = p.id AND t.kind = 'badge'"
    )
    return {
        pid: {"name": name, "badge": badge or "", "role": role, "clearance": clearance, "dept": dept}
        for pid, name, role, clearance, dept, badge in rows
        if pid in wanted
    }


def to_json(store: Store, s: Sweep, tz: ZoneInfo) -> dict[str, Any]:
    """The Sweep shape of DESIGN.md: {"at", "outstanding", "counts"}, plus the station it is limited
    to and the safes not closed in time."""
    who = people(
        store,
        [e.item.holder for e in s.entries if e.item.holder is not None]
        + [f.closed_by for f in s.safes if f.closed_by is not None],
    )
    outstanding = []
    for e in s.entries:
        o = e.item
        outstanding.append(
            {
                "code": o.code,
                "title": o.title,
                "kind": o.kind,
                "level": o.level,
                "period": o.period,
                "copy_no": f"{o.copy_no:06d}",
                "doc_no": o.doc_no,
                "issuer": o.issuer,
                "home": o.home,
                "status": o.status,
                "holder": who.get(o.holder) if o.holder is not None else None,
                "since": iso(o.since, tz),
                "location": o.station,
                "station": o.station,
                "overdue": e.overdue,
                "flags": list(e.flags),
            }
        )
    return {
        "at": iso(s.at, tz),
        "station": s.station,
        "outstanding": outstanding,
        "counts": s.counts,
        "due_back": [
            {
                "code": o.code,
                "title": o.title,
                "level": o.level,
                "copy_no": f"{o.copy_no:06d}",
                "doc_no": o.doc_no,
                "issuer": o.issuer,
                "status": o.status,
                "due_back": o.due_back.isoformat() if o.due_back else None,
                "flags": [flag],
            }
            for o, flag in s.due
        ],
        "unclosed_safes": [
            {
                "station": f.station,
                "due": iso(f.due, tz),
                "closed_at": iso(f.closed_at, tz),
                "closed_by": who.get(f.closed_by) if f.closed_by is not None else None,
                "flags": list(f.flags),
            }
            for f in s.safes
        ],
    }


CSV_COLUMNS = (
    "code",
    "title",
    "kind",
    "level",
    "copy_no",
    "doc_no",
    "holder",
    "badge",
    "since",
    "station",
    "home",
    "overdue",
    "flags",
)


def to_csv(data: dict[str, Any]) -> str:
    """The outstanding items of a sweep's JSON as CSV (one row per item, flags joined by ';'); no
    cell is left that a spreadsheet would run as a formula (`registers.spreadsheet_safe`)."""
    from custody.reports.registers import safe_row

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for o in data["outstanding"]:
        holder = o["holder"] or {}
        w.writerow(
            safe_row(
                [
                    o["code"],
                    o["title"],
                    o["kind"],
                    o["level"],
                    o["copy_no"],
                    o["doc_no"],
                    holder.get("name", ""),
                    holder.get("badge", ""),
                    o["since"] or "",
                    o["station"] or "",
                    o["home"],
                    "yes" if o["overdue"] else "no",
                    ";".join(o["flags"]),
                ]
            )
        )
    return buf.getvalue()


def home_items_out(store: Store, station_id: int) -> list[dict[str, Any]]:
    """The items whose home is this station and which are out, longest out first (the close-safe
    command's list): code, title, level, holder's name, since."""
    m = store.m
    rows = (
        m.Item.select(m.Item.code, m.Item.title, m.Item.level, m.Item.since, m.Person.name)
        .join(m.Person, peewee.JOIN.LEFT_OUTER, on=(m.Item.holder == m.Person.id))
        .where((m.Item.home == station_id) & (m.Item.status.in_(OUTSTANDING_STATUSES)))
        .order_by(m.Item.since, m.Item.code)
        .tuples()
    )
    return [
        {
            "code": code,
            "title": title,
            "level": level,
            "holder": holder or "",
            "since": to_text(since) if since else None,
        }
        for code, title, level, since, holder in rows
    ]
