"""The paper registers an office keeps (P21), printed from the ledger for a date range,
and the list of items past their secrecy period for declassification review (P4).

A register is a `RegisterSpec` in `REGISTERS`: its title and columns (English
message ids, `N_`, shown in the reader's language: `custody/messages/zh/registers.po`)
and a function from a date window to rows, built from ledger events; the rows'
own texts (notes, kinds, statuses) are written in the language the register is
built for. The registers of copies (复制登记), destructions (销毁登记), returns to
issuer (清退登记) and the separate top-secret register (绝密文件登记, P25) are at the end,
before the review; see docs/closing.md and docs/lifecycle.md.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from custody import settings, vocab
from custody.closing.workdays import Calendar
from custody.errors import InvalidInput
from custody.ledger.chain import Record
from custody.messages import N_, Msg, joined, list_separator, msg, translate
from custody.models.core import Item, to_text
from custody.reports import shapes
from custody.store.core import Store

CHUNK = 500


@dataclass(frozen=True)
class Column:
    key: str
    text: str  # the heading's message id (`N_`)
    width: float = 1.0  # relative width on paper

    def heading(self, lang: str = "zh") -> str:
        return translate(self.text, lang)


@dataclass
class Register:
    kind: str
    text: str  # the title's message id (`N_`)
    columns: tuple[Column, ...]
    rows: list[dict[str, str]]  # written in `lang`
    date_from: date
    date_to: date
    unit: str
    lang: str = "zh"

    def title(self, lang: str = "zh") -> str:
        return translate(self.text, lang)

    def headings(self, lang: str = "zh") -> list[str]:
        return [c.heading(lang) for c in self.columns]

    def cells(self) -> list[list[str]]:
        return [[row.get(c.key, "") for c in self.columns] for row in self.rows]


@dataclass(frozen=True)
class Window:
    """What a register's rows are built from: the date range as ledger times, and name lookups."""

    store: Store
    date_from: date
    date_to: date
    lo: str  # first instant, ledger text
    hi: str  # the instant after the last day
    tz: ZoneInfo
    people: dict[int, str]
    lang: str = "zh"  # the language the rows' own texts are written in

    def t(self, text: str, **params: Any) -> str:
        """A text of a row (a message id and its fields) in the register's language."""
        return Msg(text, params).render(self.lang)

    def note(self, parts: Iterable[str]) -> str:
        """Several remarks in one cell: `a；b` (Chinese) or `a; b` (English)."""
        return ("; " if self.lang == "en" else "；").join(parts)

    def codes(self, codes: Iterable[str]) -> str:
        """Item codes in one cell: `a、b` (Chinese) or `a, b` (English)."""
        return list_separator(self.lang).join(codes)

    def local(self, at: str | datetime | None, fmt: str = shapes.TIME_FORMAT) -> str:
        """A ledger time in the office's time zone (custody.reports.shapes.when)."""
        return shapes.when(at, self.tz, fmt)

    def events(self, kinds: Iterable[str], *, until: str | None = None) -> list[Record]:
        """Ledger events of these kinds from the window's start to its end (or to `until`)."""
        Event = self.store.m.Event  # noqa: N806 - the store's table
        q = (
            Event.select()
            .where(Event.kind.in_(tuple(kinds)) & (Event.at >= self.lo) & (Event.at < (until or self.hi)))
            .order_by(Event.seq)
        )
        return [
            Record(e.seq, e.at, e.kind, e.item, e.person, e.station, e.actor, e.data, e.prev_hash, e.hash)
            for e in q
        ]


@dataclass(frozen=True)
class RegisterSpec:
    slug: str
    text: str  # the title's message id (`N_`)
    aliases: tuple[str, ...]  # other names it is asked for by (`收文`, `receipt`)
    columns: tuple[Column, ...]
    build: Callable[[Window], list[dict[str, str]]]

    def title(self, lang: str = "zh") -> str:
        return translate(self.text, lang)


REGISTERS: dict[str, RegisterSpec] = {}


def define(spec: RegisterSpec) -> RegisterSpec:
    """Add a register (the copies, destructions and returns-to-issuer registers drop in here)."""
    REGISTERS[spec.slug] = spec
    return spec


def spec_for(kind: str) -> RegisterSpec:
    text = kind.strip()
    for spec in REGISTERS.values():
        if text.lower() == spec.slug or text in spec.aliases or text in (spec.title("zh"), spec.text):
            return spec
    allowed = joined(msg("{slug} ({title})", slug=s.slug, title=Msg(s.text)) for s in REGISTERS.values())
    raise InvalidInput("unknown register “{kind}”; allowed: {allowed}", kind=kind, allowed=allowed)


def build(store: Store, kind: str, date_from: date, date_to: date, lang: str = "zh") -> Register:
    """The register `kind` for the days `date_from`..`date_to`, its rows written in `lang`."""
    spec = spec_for(kind)
    if date_to < date_from:
        raise InvalidInput(
            "--to {date_to} is before --from {date_from}", date_to=date_to, date_from=date_from
        )
    cal = Calendar.load(store)
    m = store.m
    window = Window(
        store,
        date_from,
        date_to,
        to_text(cal.day_start(date_from)),
        to_text(cal.day_start(date_to + timedelta(days=1))),
        cal.tz,
        dict(m.Person.select(m.Person.id, m.Person.name).tuples()),
        lang,
    )
    return Register(
        spec.slug,
        spec.text,
        spec.columns,
        spec.build(window),
        date_from,
        date_to,
        settings.get(store, "unit_name"),
        lang,
    )


# a cell a spreadsheet would take for a formula (`=HYPERLINK(…)`, `+1+cmd|…`, `@SUM(…)`) starts so
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ tab or CR is
    prefixed with `'` (OWASP's advice on CSV injection); other values are kept as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(cells: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe(c) for c in cells]


def write_csv(reg: Register, path: Path, lang: str = "zh") -> None:
    """UTF-8 with a byte-order mark, so spreadsheet programs in China open the Chinese headings
    right; no cell is left that a spreadsheet would run as a formula; the file is made 0600."""
    from custody.config import create_private

    with open(create_private(path, replace=True), "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(safe_row(reg.headings(lang)))
        w.writerows(safe_row(row) for row in reg.cells())


# --- helpers over items -------------------------------------------------------------------


def _items(store: Store, codes: Iterable[str]) -> dict[str, Item]:
    m = store.m
    wanted = sorted(set(codes))
    out: dict[str, Item] = {}
    for i in range(0, len(wanted), CHUNK):
        out.update((it.code, it) for it in m.Item.select().where(m.Item.code.in_(wanted[i : i + CHUNK])))
    return out


def _marking(level: str, period: str, lang: str = "zh") -> str:
    return vocab.marking(vocab.LEVEL_BY_SLUG[level], vocab.Period(period), lang)


def _copy_range(numbers: list[int], lang: str = "zh") -> str:
    numbers = sorted(numbers)
    if len(numbers) > 1 and numbers[-1] - numbers[0] == len(numbers) - 1:
        return f"{numbers[0]:06d}–{numbers[-1]:06d}"
    return list_separator(lang).join(f"{n:06d}" for n in numbers)


# --- 收文登记 receipts -------------------------------------------------------------------------

CODES_LISTED = 4  # a receipt of more copies lists no codes: they are random, and 份号 says which copy


def _receipt_codes(w: Window, codes: list[str]) -> str:
    """The item codes of one receipt: each of a few copies (a code finds its copy), but no
    `first…last` range of random numbers, which says nothing; the copy numbers say the range."""
    if len(codes) <= CODES_LISTED:
        return w.codes(codes)
    return w.t("{n} codes, one per copy (custody item list)", n=len(codes))


def _receipts(w: Window) -> list[dict[str, str]]:
    events = w.events(("received", "imported"))
    imported = {e.item: e.payload for e in events if e.kind == "imported"}
    groups: list[list[Record]] = []
    for e in (e for e in events if e.kind == "received"):
        d = e.payload
        key = (
            e.at,
            d["title"],
            d["doc_no"],
            d["issuer"],
            d["level"],
            d["period"],
            d["kind"],
            d["home"],
            e.person,
        )
        if groups and groups[-1][0].at == e.at:
            p = groups[-1][0].payload
            if (
                p["title"],
                p["doc_no"],
                p["issuer"],
                p["level"],
                p["period"],
                p["kind"],
                p["home"],
                groups[-1][0].person,
            ) == key[1:]:
                groups[-1].append(e)
                continue
        groups.append([e])
    rows = []
    for n, group in enumerate(groups, 1):
        first = group[0]
        d = first.payload
        imp = imported.get(first.item)
        note = []
        if d.get("brought_by"):
            note.append(w.t("brought back from a meeting by {name}", name=w.people.get(d["brought_by"], "?")))
        if imp:
            note.append(w.t("imported from {source}, row {row}", source=imp["source"], row=imp["row"]))
        codes = [e.item for e in group]
        rows.append(
            {
                "no": str(n),
                "date": imp["received_on"]
                if imp and imp.get("received_on")
                else w.local(first.at, "%Y-%m-%d"),
                "issuer": d["issuer"],
                "doc_no": d["doc_no"],
                "title": d["title"],
                "marking": _marking(d["level"], d["period"], w.lang),
                "kind": vocab.KIND_BY_SLUG[d["kind"]].name(w.lang),
                "copies": str(len(group)),
                "copy_nos": _copy_range([e.payload["copy_no"] for e in group], w.lang),
                "codes": _receipt_codes(w, codes),
                "received_by": w.people.get(first.person, "") if first.person else "",
                "home": d["home"],
                "note": w.note(note),
            }
        )
    return rows


define(
    RegisterSpec(
        "receipts",
        N_("Register of receipts"),
        ("收文", "收文登记", "receipt"),
        (
            Column("no", N_("No."), 0.45),
            Column("date", N_("Received"), 1.3),
            Column("issuer", N_("Issuer"), 1.3),
            Column("doc_no", N_("Doc. no."), 1.5),
            Column("title", N_("Title"), 2.6),
            Column("marking", N_("Level and secrecy period"), 1.25),
            Column("kind", N_("Kind"), 0.6),
            Column("copies", N_("Copies"), 0.5),
            Column("copy_nos", N_("Copy nos."), 1.7),
            Column("codes", N_("Item codes"), 2.3),
            Column("received_by", N_("Signed by"), 0.8),
            Column("home", N_("Kept at"), 0.8),
            Column("note", N_("Note"), 1.0),
        ),
        _receipts,
    )
)


# --- 借阅登记 loans ---------------------------------------------------------------------------------

RETURN_FLAGS = {  # a return's flags as its register notes them
    "returned_by_other": N_("returned by another"),
    "returned_elsewhere": N_("returned elsewhere"),
}


def _loans(w: Window) -> list[dict[str, str]]:
    loans = w.events(("checked_out", "loan_recorded"))
    codes = sorted({e.item for e in loans})
    returns: dict[str, list[Record]] = {}
    first_seq = min((e.seq for e in loans), default=0)
    Event, Approval = w.store.m.Event, w.store.m.Approval  # noqa: N806 - the store's tables
    for i in range(0, len(codes), CHUNK):
        q = (
            Event.select()
            .where(
                (Event.kind == "returned") & Event.item.in_(codes[i : i + CHUNK]) & (Event.seq > first_seq)
            )
            .order_by(Event.seq)
        )
        for e in q:
            returns.setdefault(e.item, []).append(
                Record(e.seq, e.at, e.kind, e.item, e.person, e.station, e.actor, e.data, e.prev_hash, e.hash)
            )
    items = _items(w.store, codes)
    approvals = {a.id: a.approver_id for a in Approval.select(Approval.id, Approval.approver)}
    rows = []
    for n, e in enumerate(loans, 1):
        it = items.get(e.item)
        d = e.payload
        back = next((r for r in returns.get(e.item, []) if r.seq > e.seq), None)
        approver = d.get("approver") or approvals.get(d.get("approval"))
        since = d["since"] if e.kind == "loan_recorded" else e.at
        note = [w.t("already out when imported")] if e.kind == "loan_recorded" else []
        if back is not None:
            note += [w.t(RETURN_FLAGS[f]) if f in RETURN_FLAGS else f for f in back.payload.get("flags", [])]
        rows.append(
            {
                "no": str(n),
                "out_at": w.local(since),
                "code": e.item,
                "title": it.title if it else "",
                "marking": _marking(it.level, it.period, w.lang) if it else "",
                "copy_no": f"{it.copy_no:06d}" if it else "",
                "borrower": w.people.get(e.person, "") if e.person else "",
                "approver": w.people.get(approver, "") if approver else "",
                "out_station": e.station or "",
                "returned_at": w.local(back.at) if back else "",
                "returned_by": w.people.get(back.payload.get("presented_by") or back.person, "")
                if back
                else "",
                "return_station": back.station or "" if back else "",
                "note": w.note(note),
            }
        )
    return rows


define(
    RegisterSpec(
        "loans",
        N_("Register of loans"),
        ("借阅", "借阅登记", "loan"),
        (
            Column("no", N_("No."), 0.5),
            Column("out_at", N_("Out"), 1.3),
            Column("code", N_("Code"), 1.3),
            Column("title", N_("Title"), 2.4),
            Column("marking", N_("Level"), 1.0),
            Column("copy_no", N_("Copy"), 0.8),
            Column("borrower", N_("Borrower"), 0.9),
            Column("approver", N_("Approved by"), 0.9),
            Column("out_station", N_("Out at"), 0.9),
            Column("returned_at", N_("Returned"), 1.3),
            Column("returned_by", N_("Returned by"), 0.9),
            Column("return_station", N_("Returned at"), 0.9),
            Column("note", N_("Note"), 1.0),
        ),
        _loans,
    )
)


# --- 关柜检查 closing checks -----------------------------------------------------------------------


def _closing(w: Window) -> list[dict[str, str]]:
    closes = w.events(("safe_closed",))
    first = closes[0].at if closes else w.lo
    checks = {}
    Event = w.store.m.Event  # noqa: N806 - the store's table
    for e in Event.select().where((Event.kind == "safe_checked") & (Event.at >= first)).order_by(Event.seq):
        checks.setdefault(json.loads(e.data).get("closed_seq"), e)
    rows = []
    for n, e in enumerate(closes, 1):
        d = e.payload
        check = checks.get(e.seq)
        outstanding = d.get("outstanding", [])
        rows.append(
            {
                "no": str(n),
                "day": d.get("day", w.local(e.at, "%Y-%m-%d")),
                "station": e.station or "",
                "closed_at": w.local(e.at, "%H:%M"),
                "closed_by": w.people.get(e.person, "") if e.person else "",
                "out_count": str(len(outstanding)),
                "outstanding": w.codes(outstanding),
                "checked_by": w.people.get(check.person, "") if check is not None and check.person else "",
                "checked_at": w.local(check.at, "%H:%M") if check is not None else "",
            }
        )
    return rows


define(
    RegisterSpec(
        "closing",
        N_("Register of closing checks"),
        ("关柜", "关柜检查", "closing-checks", "checks"),
        (
            Column("no", N_("No."), 0.5),
            Column("day", N_("Date"), 1.0),
            Column("station", N_("Station"), 1.0),
            Column("closed_at", N_("Closed"), 0.8),
            Column("closed_by", N_("Closed by"), 0.9),
            Column("out_count", N_("Number out"), 0.8),
            Column("outstanding", N_("Items out"), 3.0),
            Column("checked_by", N_("Checked by"), 0.9),
            Column("checked_at", N_("Checked"), 0.8),
        ),
        _closing,
    )
)


# --- 清点登记 inventory counts -------------------------------------------------------------------


def _counts(w: Window) -> list[dict[str, str]]:
    starts = w.events(("count_started",))
    first = starts[0].at if starts else w.lo
    closes = {}
    Event = w.store.m.Event  # noqa: N806 - the store's table
    for e in Event.select().where((Event.kind == "count_closed") & (Event.at >= first)).order_by(Event.seq):
        closes[json.loads(e.data)["count"]] = e
    rows = []
    for n, e in enumerate(starts, 1):
        d = e.payload
        c = closes.get(d["count"])
        closed = json.loads(c.data) if c is not None else {}
        r, missing = closed.get("summary", {}), closed.get("codes", {}).get("missing", [])
        rows.append(
            {
                "no": str(n),
                "started_at": w.local(e.at),
                "station": e.station or "",
                "started_by": w.people.get(e.person, "") if e.person else "",
                "expected": str(d.get("expected", "")),
                "closed_at": w.local(c.at) if c is not None else w.t("(not ended)"),
                "closed_by": w.people.get(c.person, "") if c is not None and c.person else "",
                **{
                    k: str(r.get(k, ""))
                    for k in ("found", "missing", "misplaced", "out_but_seen", "unknown", "duplicates")
                },
                "detail": w.codes(missing[:20]) + ("…" if len(missing) > 20 else ""),
            }
        )
    return rows


define(
    RegisterSpec(
        "counts",
        N_("Register of inventory counts"),
        ("清点", "清点登记", "inventory"),
        (
            Column("no", N_("No."), 0.5),
            Column("started_at", N_("Started"), 1.3),
            Column("station", N_("Station"), 0.9),
            Column("started_by", N_("Started by"), 0.8),
            Column("expected", N_("Expected"), 0.6),
            Column("closed_at", N_("Ended"), 1.3),
            Column("closed_by", N_("Ended by"), 0.8),
            Column("found", N_("Found"), 0.6),
            Column("missing", N_("Missing"), 0.6),
            Column("misplaced", N_("Misplaced"), 0.6),
            Column("out_but_seen", N_("Out but seen"), 0.8),
            Column("unknown", N_("Unknown"), 0.8),
            Column("duplicates", N_("Dupl."), 0.5),
            Column("detail", N_("Missing items"), 2.2),
        ),
        _counts,
    )
)


# --- 下班清查 sweeps ------------------------------------------------------------------------------------

SWEEP_KINDS = {  # how a sweep was taken, as its register names it
    "closing": N_("automatic sweep at closing time"),
    "grace": N_("sweep after the closing grace"),
    "manual": N_("manual sweep"),
}


def _sweeps(w: Window) -> list[dict[str, str]]:
    rows = []
    for n, e in enumerate(w.events(("sweep_recorded",)), 1):
        d = e.payload
        rows.append(
            {
                "no": str(n),
                "day": d["day"],
                "at": w.local(d["at"], "%H:%M"),
                "station": e.station or w.t("all"),
                "kind": w.t(SWEEP_KINDS[d["kind"]]) if d["kind"] in SWEEP_KINDS else d["kind"],
                "out_count": str(len(d["outstanding"])),
                "outstanding": w.codes(d["outstanding"][:30]) + ("…" if len(d["outstanding"]) > 30 else ""),
                "unclosed": w.codes(d.get("unclosed_safes", [])),
            }
        )
    return rows


define(
    RegisterSpec(
        "sweeps",
        N_("Register of closing sweeps"),
        ("清查", "下班清查", "sweep"),
        (
            Column("no", N_("No."), 0.5),
            Column("day", N_("Date"), 1.0),
            Column("at", N_("At"), 0.7),
            Column("station", N_("Station"), 1.0),
            Column("kind", N_("Kind of sweep"), 1.1),
            Column("out_count", N_("Number out"), 0.8),
            Column("outstanding", N_("Items out"), 3.6),
            Column("unclosed", N_("Safes not closed"), 1.3),
        ),
        _sweeps,
    )
)


# --- an item's whole life (issue 13): 复制登记, 销毁登记, 清退登记, 绝密文件登记 (P21, P25) ---------------


def _approval_note(w: Window, d: dict[str, Any]) -> str:
    """Who approved an act: the leader, and the request (`R12`) when it was asked in advance."""
    who = w.people.get(d["approver"], "") if d.get("approver") else ""
    return (
        f"{who}（R{d['request']}）"
        if d.get("request") and w.lang != "en"
        else (f"{who} (R{d['request']})" if d.get("request") else who)
    )


def _copies(w: Window) -> list[dict[str, str]]:
    """One row per copying: the original, how many, the new copy numbers and codes, for whom."""
    groups: list[list[Record]] = []
    for e in w.events(("copied",)):
        last = groups[-1][0] if groups else None
        if last is not None and last.at == e.at and last.payload["copy_of"] == e.payload["copy_of"]:
            groups[-1].append(e)
        else:
            groups.append([e])
    rows = []
    for n, group in enumerate(groups, 1):
        first, d = group[0], group[0].payload
        rows.append(
            {
                "no": str(n),
                "date": w.local(first.at),
                "original": d["copy_of"],
                "doc_no": d["doc_no"],
                "title": d["title"],
                "marking": _marking(d["level"], d["period"], w.lang),
                "copies": str(len(group)),
                "copy_nos": _copy_range([e.payload["copy_no"] for e in group], w.lang),
                "codes": _receipt_codes(w, [e.item for e in group]),
                "for": d.get("for", ""),
                "copied_by": w.people.get(first.person, "") if first.person else "",
                "approver": _approval_note(w, d),
                "issuer_ref": d.get("issuer_ref", ""),
            }
        )
    return rows


define(
    RegisterSpec(
        "copies",
        N_("Register of copies"),
        ("复制", "复制登记", "copy"),
        (
            Column("no", N_("No."), 0.45),
            Column("date", N_("Copied"), 1.3),
            Column("original", N_("Original"), 1.3),
            Column("doc_no", N_("Doc. no."), 1.4),
            Column("title", N_("Title"), 2.4),
            Column("marking", N_("Level and secrecy period"), 1.2),
            Column("copies", N_("Copies"), 0.5),
            Column("copy_nos", N_("Copy nos."), 1.5),
            Column("codes", N_("Item codes"), 2.0),
            Column("for", N_("For"), 0.9),
            Column("copied_by", N_("Copied by"), 0.8),
            Column("approver", N_("Approved by"), 0.9),
            Column("issuer_ref", N_("Issuer's approval"), 1.1),
        ),
        _copies,
    )
)


def _ended_rows(w: Window, kind: str) -> list[dict[str, str]]:
    events = w.events((kind,))
    items = _items(w.store, [e.item for e in events])
    rows = []
    for n, e in enumerate(events, 1):
        d, it = e.payload, items.get(e.item)
        row = {
            "no": str(n),
            "date": w.local(e.at),
            "code": e.item,
            "doc_no": it.doc_no if it else "",
            "title": it.title if it else "",
            "marking": _marking(it.level, it.period, w.lang) if it else "",
            "copy_no": f"{it.copy_no:06d}" if it else "",
            "by": w.people.get(e.person, "") if e.person else "",
        }
        if kind == "destroyed":
            row.update(
                approver=_approval_note(w, d),
                witnesses=w.codes(w.people.get(p, "?") for p in d.get("witnesses", [])),
                method=d.get("method", ""),
                place=d.get("place", ""),
            )
        else:
            row.update(issuer=d.get("issuer", ""), due_back=d.get("due_back") or "", ref=d.get("ref", ""))
        rows.append(row)
    return rows


_ENDED_COLUMNS = (
    Column("no", N_("No."), 0.45),
    Column("date", N_("Date"), 1.3),
    Column("code", N_("Code"), 1.3),
    Column("doc_no", N_("Doc. no."), 1.4),
    Column("title", N_("Title"), 2.4),
    Column("marking", N_("Level and secrecy period"), 1.2),
    Column("copy_no", N_("Copy"), 0.7),
)

define(
    RegisterSpec(
        "destructions",
        N_("Register of destructions"),
        ("销毁", "销毁登记", "destruction", "destroyed"),
        (
            *_ENDED_COLUMNS,
            Column("by", N_("Destroyed by"), 0.8),
            Column("approver", N_("Approved by"), 0.9),
            Column("witnesses", N_("Witnesses"), 1.2),
            Column("method", N_("Method"), 0.8),
            Column("place", N_("Place"), 0.8),
        ),
        lambda w: _ended_rows(w, "destroyed"),
    )
)

define(
    RegisterSpec(
        "returns",
        N_("Register of returns to issuer"),
        ("清退", "清退登记", "returns-to-issuer", "return-to-issuer"),
        (
            *_ENDED_COLUMNS,
            Column("issuer", N_("Issuer"), 1.2),
            Column("due_back", N_("Due back"), 0.9),
            Column("by", N_("Returned by"), 0.8),
            Column("ref", N_("Reference"), 1.1),
        ),
        lambda w: _ended_rows(w, "returned_to_issuer"),
    )
)


TOP_SECRET_KINDS = (
    "received",
    "copied",
    "checked_out",
    "loan_recorded",
    "returned",
    "destroyed",
    "returned_to_issuer",
)


def _top_secret(w: Window) -> list[dict[str, str]]:
    """P25: receipts, loans, copies and destructions of the items registered top secret, one row an event."""
    from custody.messages.catalog import event_name

    Event = w.store.m.Event  # noqa: N806 - the store's table
    top = {
        e.item
        for e in Event.select(Event.item, Event.data).where(
            Event.kind.in_(("received", "copied")) & (Event.at < w.hi)
        )
        if json.loads(e.data).get("level") == "top-secret"
    }
    items = _items(w.store, top)
    rows = []
    for e in (e for e in w.events(TOP_SECRET_KINDS) if e.item in top):
        d, it = e.payload, items.get(e.item)
        note = []
        if e.kind == "copied":
            note.append(w.t("copy of {code}", code=d["copy_of"]))
            if d.get("issuer_ref"):
                note.append(d["issuer_ref"])
        if e.kind == "destroyed":
            note.append(w.codes(w.people.get(p, "?") for p in d.get("witnesses", [])))
        if e.kind == "returned":
            note += [w.t(RETURN_FLAGS[f]) if f in RETURN_FLAGS else f for f in d.get("flags", [])]
        rows.append(
            {
                "no": str(len(rows) + 1),
                "at": w.local(e.at),
                "event": event_name(e.kind, w.lang),
                "code": e.item,
                "doc_no": it.doc_no if it else "",
                "title": it.title if it else "",
                "copy_no": f"{it.copy_no:06d}" if it else "",
                "person": w.people.get(e.person, "") if e.person else "",
                "approver": _approval_note(w, d),
                "station": e.station or "",
                "note": w.note(note),
            }
        )
    return rows


define(
    RegisterSpec(
        "top-secret",
        N_("Register of top-secret documents"),
        ("绝密", "绝密文件登记", "top_secret", "topsecret"),
        (
            Column("no", N_("No."), 0.45),
            Column("at", N_("At"), 1.3),
            Column("event", N_("Event"), 0.8),
            Column("code", N_("Code"), 1.3),
            Column("doc_no", N_("Doc. no."), 1.4),
            Column("title", N_("Title"), 2.3),
            Column("copy_no", N_("Copy"), 0.7),
            Column("person", N_("Person"), 0.8),
            Column("approver", N_("Approved by"), 0.9),
            Column("station", N_("Station"), 0.9),
            Column("note", N_("Note"), 1.4),
        ),
        _top_secret,
    )
)


# --- P4: declassification review ---------------------------------------------------------------

ENDED = ("destroyed", "returned-to-issuer")


@dataclass(frozen=True)
class ReviewEntry:
    code: str
    title: str
    level: str
    period: str
    copy_no: int
    doc_no: str
    issuer: str
    start: date
    expires: date
    status: str
    home: str

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "level": self.level,
            "period": self.period,
            "copy_no": f"{self.copy_no:06d}",
            "doc_no": self.doc_no,
            "issuer": self.issuer,
            "start": self.start.isoformat(),
            "expires": self.expires.isoformat(),
            "status": self.status,
            "home": self.home,
        }


def review(store: Store, as_of: date | None = None, ahead_days: int = 0) -> list[ReviewEntry]:
    """Items whose secrecy period has run out by `as_of` (+ `ahead_days`), for declassification review (P4),
    and classified items received with no period (listed from their receipt); an item whose review
    outcome a leader has recorded since (`reviewed_on`) is not listed again.

    The period counts from the register's own receipt date for imported items, else from the day the
    item was received here. Nothing is declassified: the list is for people to decide."""
    cal = Calendar.load(store)
    limit = (as_of or cal.local_day(store.now())) + timedelta(days=ahead_days)
    m = store.m
    Event, Item, Station = m.Event, m.Item, m.Station  # noqa: N806 - the store's tables
    started = {
        e.item: json.loads(e.data).get("received_on")
        for e in Event.select(Event.item, Event.data).where(Event.kind == "imported")
    }
    names = {s.id: s.name for s in Station.select(Station.id, Station.name)}
    out = []
    q = Item.select().where(Item.status.not_in(ENDED))
    for it in q:
        if it.status == "lost" and it.lost_from is None:  # a confirmed loss has ended its life here
            continue
        start = (
            date.fromisoformat(started[it.code]) if started.get(it.code) else cal.local_day(it.received_at)
        )
        if it.period:
            expires = vocab.Period(it.period).expires(start)
        elif vocab.LEVEL_BY_SLUG[it.level].max_years is not None:  # a state secret received with no period
            expires = start
        else:
            continue
        if it.reviewed_on is not None and expires is not None and it.reviewed_on >= expires:
            continue  # a leader has recorded the outcome (custody review-outcome)
        if expires is not None and expires <= limit:
            out.append(
                ReviewEntry(
                    it.code,
                    it.title,
                    it.level,
                    it.period,
                    it.copy_no,
                    it.doc_no,
                    it.issuer,
                    start,
                    expires,
                    it.status,
                    names[it.home_id],
                )
            )
    out.sort(key=lambda r: (r.expires, -vocab.LEVEL_BY_SLUG[r.level].rank, r.code))
    return out


REVIEW_COLUMNS = (
    Column("code", N_("Code"), 1.3),
    Column("title", N_("Title"), 2.6),
    Column("marking", N_("Level and secrecy period"), 1.1),
    Column("copy_no", N_("Copy"), 0.8),
    Column("doc_no", N_("Doc. no."), 1.3),
    Column("issuer", N_("Issuer"), 1.3),
    Column("start", N_("From"), 1.0),
    Column("expires", N_("Expires"), 1.0),
    Column("status", N_("Status"), 0.7),
    Column("home", N_("Kept at"), 0.9),
)


def review_register(store: Store, entries: list[ReviewEntry], as_of: date, lang: str = "zh") -> Register:
    """The review list as a printable register, its rows written in `lang`."""
    rows = [
        {
            "code": r.code,
            "title": r.title,
            "marking": _marking(r.level, r.period, lang),
            "copy_no": f"{r.copy_no:06d}",
            "doc_no": r.doc_no,
            "issuer": r.issuer,
            "start": r.start.isoformat(),
            "expires": r.expires.isoformat(),
            "status": vocab.STATUS_BY_SLUG[r.status].name(lang),
            "home": r.home,
        }
        for r in entries
    ]
    return Register(
        "review",
        N_("Items past their secrecy period, for review"),
        REVIEW_COLUMNS,
        rows,
        as_of,
        as_of,
        settings.get(store, "unit_name"),
        lang,
    )


# --- 用印登记、介绍信登记 seals and letters of introduction in use (P28, issue 14) ---------------------


def _carried(kind: str) -> Callable[[Window], list[dict[str, str]]]:
    """Each time a seal (or a blank letter of introduction) went out: for what, who used it, who
    approved it, when it went and came back."""

    def rows(w: Window) -> list[dict[str, str]]:
        m = w.store.m
        loans = [e for e in w.events(("checked_out",)) if not e.payload.get("undo_of")]
        items = _items(w.store, sorted({e.item for e in loans}))
        loans = [e for e in loans if e.item in items and items[e.item].kind == kind]
        approvals = {a.id: a.approver_id for a in m.Approval.select(m.Approval.id, m.Approval.approver)}
        R = m.ApprovalRequest  # noqa: N806 - the store's table
        requests = {r.id: r.decided_by_id for r in R.select(R.id, R.decided_by)}
        out = []
        for n, e in enumerate(loans, 1):
            d = e.payload
            back = (
                m.Event.select()
                .where((m.Event.kind == "returned") & (m.Event.item == e.item) & (m.Event.seq > e.seq))
                .order_by(m.Event.seq)
                .first()
            )
            approver = d.get("approver") or approvals.get(d.get("approval")) or requests.get(d.get("request"))
            out.append(
                {
                    "no": str(n),
                    "out_at": w.local(e.at),
                    "code": e.item,
                    "title": items[e.item].title,
                    "use": d.get("use", ""),
                    "user": w.people.get(e.person, "") if e.person else "",
                    "approver": w.people.get(approver, "") if approver else "",
                    "returned_at": w.local(back.at) if back is not None else "",
                }
            )
        return out

    return rows


_CARRIED_COLUMNS = (
    Column("no", N_("No."), 0.5),
    Column("out_at", N_("Out"), 1.3),
    Column("code", N_("Code"), 1.3),
    Column("title", N_("Title"), 2.0),
    Column("use", N_("Use"), 2.0),
    Column("user", N_("Used by"), 0.9),
    Column("approver", N_("Approved by"), 0.9),
    Column("returned_at", N_("Returned"), 1.3),
)

define(
    RegisterSpec(
        "seals", N_("Register of seal use"), ("用印", "用印登记", "seal"), _CARRIED_COLUMNS, _carried("seal")
    )
)
define(
    RegisterSpec(
        "letters",
        N_("Register of letters of introduction"),
        ("介绍信", "介绍信登记", "letter"),
        _CARRIED_COLUMNS,
        _carried("letter"),
    )
)
