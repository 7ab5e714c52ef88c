"""Checking a register before anything is imported (a dry run): every row, every reason it fails.

`plan` reads the file (`importer.read`), then checks each row in named steps — the level and its
period, the kind, the copies and copy numbers, the dates, the home station (P5), the people named
(signed by, brought back by, the holder of a loan: P8, off-post included) and the copy numbers
already registered or claimed by an earlier row. Nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from custody import settings, vocab
from custody.actions import core as actions
from custody.actions.refusals import shown_params
from custody.errors import InvalidInput, NotFound
from custody.importer.read import IGNORED, _cell, _norm, find_header, read_table
from custody.messages import Msg, joined
from custody.messages.catalog import text as catalog_text
from custody.models.core import Person, Station
from custody.reports import lookup
from custody.rules import loans as policy
from custody.rules import receive as receive_rules
from custody.rules.facts import ItemFacts, LoanFacts, ReceiveFacts, Refusal
from custody.store.core import Store


@dataclass
class PlannedRow:
    """One row, checked: the arguments for `actions.receive_imported`."""

    row: int
    receive: dict[str, Any]
    received_on: date | None = None
    holder: Person | None = None
    lent_since: datetime | None = None

    @property
    def copies(self) -> int:
        return int(self.receive["copies"])


@dataclass
class RowError:
    row: int
    reasons: list[Msg]

    def message(self, lang: str = "zh") -> str:
        return Msg("row {row}: {reasons}", {"row": self.row, "reasons": joined(self.reasons)}).render(lang)


@dataclass
class Plan:
    source: str
    mapping: dict[str, str]  # field → heading
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # headings nothing reads

    @property
    def items(self) -> int:
        return sum(r.copies for r in self.rows)


# --- values -----------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?")


def parse_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell(value)
    m = _DATE.fullmatch(text) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise ValueError(text)


def parse_copy_numbers(text: str) -> tuple[int, int]:
    """`3`, `000003`, `1-5`, `000001–000005`, `1至5` → (first, count)."""
    m = re.fullmatch(r"(\d{1,6})\s*(?:[-–—~～至到]\s*(\d{1,6}))?", text)
    if not m:
        raise ValueError(text)
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else first
    if first < 1 or last < first:
        raise ValueError(text)
    return first, last - first + 1


class _People:
    """Badge or unique name → person (or why not), cached."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache: dict[str, Person | Msg] = {}

    def find(self, text: str) -> Person | Msg:
        if text not in self.cache:
            try:
                self.cache[text] = lookup.person_by_badge(self.store, text)
            except NotFound:
                m = self.store.m
                named = list(m.Person.select().where(m.Person.name == text))
                if len(named) == 1:
                    self.cache[text] = named[0]
                elif named:
                    self.cache[text] = Msg(
                        "{n} people are named “{name}”: give the badge", {"n": len(named), "name": text}
                    )
                else:
                    self.cache[text] = Msg("no person with badge or name “{name}”", {"name": text})
        return self.cache[text]


@dataclass
class _Context:
    """What every row's checks share."""

    store: Store
    tz: ZoneInfo
    today: date
    people: _People
    stations: dict[str, Station]
    home: str | None
    default_home: Station | Msg | None = None
    copies_claimed: dict[tuple[str, str], dict[int, int]] = field(
        default_factory=dict
    )  # (issuer, doc_no) → copy → row


@dataclass
class _Row:
    """One row being checked: its cells as text, what has been read from them, what is wrong."""

    number: int
    values: dict[str, Any]
    text: dict[str, str]
    reasons: list[Msg] = field(default_factory=list)
    level: vocab.Level | None = None
    period: str = ""
    kind: str = "document"
    copies: int = 1
    first_copy: int = 1
    copies_ok: bool = True
    total: int | None = None
    received_on: date | None = None
    station: Station | None = None
    badges: dict[str, str | None] = field(default_factory=dict)
    holder: Person | None = None
    lent_since: datetime | None = None

    def bad(self, reason: Msg) -> None:
        self.reasons.append(reason)


# --- the checks of a row, in order --------------------------------------------------------------


def _check_title(ctx: _Context, r: _Row) -> None:
    if not r.text.get("title", ""):
        r.bad(Msg("the title is empty"))


def _check_level(ctx: _Context, r: _Row) -> None:
    level_text, _, period_text = r.text.get("level", "").partition("★")
    try:
        r.level = vocab.level(level_text)
    except InvalidInput as exc:
        r.bad(exc.msg)
    try:
        r.period = vocab.period(r.text.get("period") or period_text, r.level).spec if r.level else ""
    except InvalidInput as exc:
        r.bad(exc.msg)


def _check_kind(ctx: _Context, r: _Row) -> None:
    try:
        r.kind = vocab.kind(r.text["kind"]).slug if r.text.get("kind") else "document"
    except InvalidInput as exc:
        r.bad(exc.msg)


def _check_copies(ctx: _Context, r: _Row) -> None:
    text = r.text
    try:
        if text.get("copies"):
            r.copies = int(float(text["copies"]))
            if not 1 <= r.copies <= 10000:
                raise ValueError
    except ValueError:
        r.copies_ok = False
        r.bad(Msg("copies “{copies}” is invalid: 1–10000", {"copies": text["copies"]}))
    if text.get("copy_no"):
        try:
            r.first_copy, span = parse_copy_numbers(text["copy_no"])
            if span > 1 and text.get("copies") and span != r.copies:
                r.copies_ok = False
                r.bad(
                    Msg(
                        "copy numbers “{copy_no}” are {span}, but copies is {copies}",
                        {"copy_no": text["copy_no"], "span": span, "copies": r.copies},
                    )
                )
            r.copies = span if span > 1 else r.copies
        except ValueError:
            r.copies_ok = False
            r.bad(
                Msg("copy number “{copy_no}” is invalid: e.g. 3, 000003 or 1-5", {"copy_no": text["copy_no"]})
            )
    if text.get("total_copies"):
        try:
            r.total = int(float(text["total_copies"]))
        except ValueError:
            r.bad(Msg("total copies “{total}” is not a number", {"total": text["total_copies"]}))


def _check_received_on(ctx: _Context, r: _Row) -> None:
    if not r.text.get("received_on"):
        return
    try:
        r.received_on = parse_day(r.values["received_on"])
        if r.received_on > ctx.today:
            r.bad(Msg("receipt date {day} is in the future", {"day": r.received_on}))
    except ValueError:
        r.bad(Msg("receipt date “{day}” is unreadable: e.g. 2024-03-05", {"day": r.text["received_on"]}))


def _check_home(ctx: _Context, r: _Row) -> None:
    """The home station (named in the row, else `--home`, else the default one), and P5."""
    if r.text.get("home"):
        r.station = ctx.stations.get(r.text["home"])
        if r.station is None:
            r.bad(Msg("no station named “{name}”", {"name": r.text["home"]}))
    else:
        if ctx.default_home is None:
            try:
                ctx.default_home = (
                    lookup.station(ctx.store, ctx.home) if ctx.home else actions.default_home(ctx.store)
                )
            except InvalidInput as exc:
                ctx.default_home = exc.msg
        if isinstance(ctx.default_home, Msg):
            r.bad(ctx.default_home)
        else:
            r.station = ctx.default_home
    if r.station is not None and r.level is not None:
        decision = receive_rules.decide_receive(
            ReceiveFacts(r.level.slug, r.kind, r.station.name, r.station.kind)
        )
        if isinstance(decision, Refusal):
            r.bad(catalog_text(decision.reason, **shown_params(ctx.store, decision.params)[1]))


def _check_people(ctx: _Context, r: _Row) -> None:
    """Who signed for it and who brought it back from a meeting: badges or unique names."""
    for role in ("received_by", "brought_by"):
        r.badges[role] = None
        if r.text.get(role):
            found = ctx.people.find(r.text[role])
            if isinstance(found, Msg):
                r.bad(found)
            else:
                r.badges[role] = lookup.badge_of(ctx.store, found)


def _check_holder(ctx: _Context, r: _Row) -> None:
    """A loan the register records: the holder may hold the item (P8, the off-post period included)."""
    if not r.text.get("holder"):
        return
    found = ctx.people.find(r.text["holder"])
    if isinstance(found, Msg):
        r.bad(found)
    else:
        r.holder = found
        if r.level is not None:
            refusal = loan_refusal(ctx.store, r, found)
            if refusal is not None:
                r.bad(catalog_text(refusal.reason, **shown_params(ctx.store, refusal.params)[1]))
    if r.text.get("lent_on"):
        try:
            lent_day = parse_day(r.values["lent_on"])
            if lent_day > ctx.today:
                raise ValueError
            r.lent_since = datetime.combine(lent_day, time(9, 0), tzinfo=ctx.tz)
        except ValueError:
            r.bad(Msg("loan date “{day}” is invalid", {"day": r.text["lent_on"]}))


def loan_refusal(store: Store, r: _Row, holder: Person) -> Refusal | None:
    """`rules.loans.decide_record_loan` (P8, the off-post period included) on the row's item and
    its holder, as of now: what `actions.record_loan` will ask when the row is imported."""
    assert r.level is not None
    item = ItemFacts(
        code=r.text.get("doc_no") or "—", title=r.text.get("title", ""), kind=r.kind, level=r.level.slug
    )
    decision = policy.decide_record_loan(LoanFacts(item, actions.person_facts(store, holder), store.now()))
    return decision if isinstance(decision, Refusal) else None


def _check_copy_numbers(ctx: _Context, r: _Row) -> None:
    """A copy number is registered once per document (issuer, doc no.): in the file and in the database."""
    doc_no, issuer = r.text.get("doc_no", ""), r.text.get("issuer", "")
    if not doc_no or not r.copies_ok:
        return
    claimed = ctx.copies_claimed.setdefault((issuer, doc_no), {})
    numbers = range(r.first_copy, r.first_copy + r.copies)
    clash = [n for n in numbers if n in claimed]
    if clash:
        r.bad(Msg("copy {copy} repeats row {row}", {"copy": f"{clash[0]:06d}", "row": claimed[clash[0]]}))
    m = ctx.store.m
    taken = [
        n
        for (n,) in m.Item.select(m.Item.copy_no)
        .where(
            (m.Item.doc_no == doc_no)
            & (m.Item.issuer == issuer)
            & m.Item.copy_no.between(r.first_copy, r.first_copy + r.copies - 1)
        )
        .tuples()
    ]
    if taken:
        r.bad(
            Msg(
                "copy {copy} of “{doc_no}” is already registered",
                {"copy": f"{min(taken):06d}", "doc_no": doc_no},
            )
        )
    for n in numbers:
        claimed.setdefault(n, r.number)


ROW_CHECKS = (
    _check_title,
    _check_level,
    _check_kind,
    _check_copies,
    _check_received_on,
    _check_home,
    _check_people,
    _check_holder,
    _check_copy_numbers,
)


def _planned(r: _Row) -> PlannedRow:
    scope = [s for s in re.split(r"[、,，;；\s]+", r.text.get("scope", "")) if s]
    return PlannedRow(
        row=r.number,
        received_on=r.received_on,
        holder=r.holder,
        lent_since=r.lent_since,
        receive={
            "title": r.text.get("title", ""),
            "level": r.level.slug if r.level else "",
            "kind": r.kind,
            "copies": r.copies,
            "first_copy": r.first_copy,
            "total_copies": r.total,
            "doc_no": r.text.get("doc_no", ""),
            "issuer": r.text.get("issuer", ""),
            "period": r.period or None,
            "home": r.station.name if r.station else None,
            "scope": scope,
            "received_by": r.badges["received_by"],
            "brought_by": r.badges["brought_by"],
        },
    )


def plan(
    store: Store,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    home: str | None = None,
) -> Plan:
    """Read and check every row; nothing is written."""
    rows = read_table(path, sheet)
    header_idx, columns = find_header(rows, mapping or {})
    headings = [_norm(c) for c in rows[header_idx][1]]
    result = Plan(path.name, {f: headings[i] for f, i in columns.items()})
    result.ignored = [
        h for i, h in enumerate(headings) if h and i not in columns.values() and h not in IGNORED
    ]
    tz = ZoneInfo(settings.get(store, "timezone"))
    m = store.m
    ctx = _Context(
        store,
        tz,
        store.now().astimezone(tz).date(),
        _People(store),
        {s.name: s for s in m.Station.select()},
        home,
    )
    if home is not None:
        ctx.default_home = lookup.station(store, home)
    for number, cells in rows[header_idx + 1 :]:
        values = {f: cells[i] if i < len(cells) else None for f, i in columns.items()}
        if all(_cell(v) == "" for v in values.values()):
            continue
        r = _Row(number, values, {f: _cell(v) for f, v in values.items()})
        for check in ROW_CHECKS:
            check(ctx, r)
        if r.reasons:
            result.errors.append(RowError(number, r.reasons))
        else:
            result.rows.append(_planned(r))
    return result
