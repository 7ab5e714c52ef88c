"""The office vocabulary (POLICY.md): levels, kinds, roles, station kinds, secrecy periods.

Every slug here is part of the CLI and API contract. Chinese names are what a
custodian reads; English names are shown on request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from custody.errors import InvalidInput
from custody.messages import N_


@dataclass(frozen=True)
class Term:
    slug: str
    zh: str
    en: str

    def name(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Level(Term):
    rank: int
    max_years: int | None  # longest period by law; None = set by the office / none

    @property
    def classified(self) -> bool:
        """Internal and above must be home by closing time (P6)."""
        return self.rank >= 1


LEVELS: tuple[Level, ...] = (
    Level("top-secret", "绝密", "Top secret", 4, 30),
    Level("secret", "机密", "Secret", 3, 20),
    Level("confidential", "秘密", "Confidential", 2, 10),
    Level("internal", "内部", "Internal", 1, None),
    Level("unclassified", "非密", "Unclassified", 0, None),
)

KINDS: tuple[Term, ...] = (
    Term("document", "文件", "Document"),
    Term("seal", "印章", "Seal"),
    Term("letter", "介绍信", "Letter of introduction"),
    Term("medium", "存储介质", "Removable medium"),
    Term("archive", "案卷", "Archive file"),
    Term("other", "其他", "Other"),
)

ROLES: tuple[Term, ...] = (
    Term("staff", "工作人员", "Staff"),
    Term("custodian", "保密员", "Custodian"),
    Term("leader", "办公室领导", "Office leader"),
    Term("admin", "管理员", "Administrator"),
)

STATION_KINDS: tuple[Term, ...] = (
    Term("safe", "保密室", "Safe"),
    Term("reading-room", "阅文室", "Reading room"),
    Term("archive-room", "档案室", "Archive room"),
    Term("desk", "保密员柜台", "Custodian's desk"),
)

STATUSES: tuple[Term, ...] = (
    Term("in", "在库", "In"),
    Term("out", "借出", "Out"),
    Term("destroyed", "已销毁", "Destroyed"),
    Term("returned-to-issuer", "已清退", "Returned to issuer"),
    Term("lost", "遗失", "Lost"),
)


def _lookup(terms: tuple[Term, ...], value: str, unknown: str) -> Term:
    """The term `value` names (slug, English or Chinese name); else InvalidInput(`unknown`)."""
    text = (value or "").strip()
    for term in terms:
        if text.lower() in (term.slug, term.en.lower()) or text == term.zh:
            return term
    allowed = ", ".join(f"{t.slug} ({t.zh})" for t in terms)
    raise InvalidInput(unknown, value=value, allowed=allowed)


def level(value: str) -> Level:
    """A level from its slug, Chinese or English name (`secret`, `机密`)."""
    return _lookup(LEVELS, value, N_("unknown level {value!r}; allowed: {allowed}"))  # type: ignore[return-value]


def kind(value: str) -> Term:
    return _lookup(KINDS, value, N_("unknown kind {value!r}; allowed: {allowed}"))


def role(value: str) -> Term:
    return _lookup(ROLES, value, N_("unknown role {value!r}; allowed: {allowed}"))


def station_kind(value: str) -> Term:
    return _lookup(STATION_KINDS, value, N_("unknown station kind {value!r}; allowed: {allowed}"))


def status(value: str) -> Term:
    return _lookup(STATUSES, value, N_("unknown status {value!r}; allowed: {allowed}"))


LEVEL_BY_SLUG = {lv.slug: lv for lv in LEVELS}
KIND_BY_SLUG = {k.slug: k for k in KINDS}
ROLE_BY_SLUG = {r.slug: r for r in ROLES}
STATION_KIND_BY_SLUG = {s.slug: s for s in STATION_KINDS}
STATUS_BY_SLUG = {s.slug: s for s in STATUSES}


# --- secrecy periods -------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A secrecy period (保密期限): years, months, until a date, long-term, or a condition.

    `spec` is the canonical text stored and accepted back: `10y`, `6m`,
    `until:2030-06-30`, `long-term`, `condition:<text>`, or empty for none.
    """

    spec: str

    @property
    def years(self) -> int | None:
        m = re.fullmatch(r"(\d+)y", self.spec)
        return int(m.group(1)) if m else None

    @property
    def months(self) -> int | None:
        m = re.fullmatch(r"(\d+)m", self.spec)
        return int(m.group(1)) if m else None

    @property
    def until(self) -> date | None:
        if self.spec.startswith("until:"):
            return date.fromisoformat(self.spec[6:])
        return None

    @property
    def condition(self) -> str | None:
        return self.spec[10:] if self.spec.startswith("condition:") else None

    def marking(self, lang: str = "zh") -> str:
        """The period as printed after the star: `10年`, `6个月`, `长期`."""
        if not self.spec:
            return ""
        if self.years is not None:
            return f"{self.years}年" if lang != "en" else f"{self.years} years"
        if self.months is not None:
            return f"{self.months}个月" if lang != "en" else f"{self.months} months"
        if self.until is not None:
            u = self.until
            return f"至{u.year}年{u.month}月{u.day}日" if lang != "en" else f"until {u.isoformat()}"
        if self.spec == "long-term":
            return "长期" if lang != "en" else "long-term"
        return "解密条件" if lang != "en" else "until condition"

    def expires(self, start: date) -> date | None:
        """The day the period runs out, counted from `start`; None if it never does by date."""
        if self.years is not None:
            return _add_months(start, 12 * self.years)
        if self.months is not None:
            return _add_months(start, self.months)
        return self.until


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


_PERIOD_HELP = "10y, 6m, until:YYYY-MM-DD, long-term (长期), condition:TEXT, 10年, 6个月"


def period(value: str | None, lv: Level | None = None) -> Period:
    """Parse a secrecy period; refuse one longer than the law allows for the level."""
    text = (value or "").strip()
    if not text:
        return Period("")
    m = re.fullmatch(r"(\d{1,3})\s*(y|years?|年)", text, re.I)
    if m:
        spec = f"{int(m.group(1))}y"
    elif m := re.fullmatch(r"(\d{1,4})\s*(m|months?|个月|月)", text, re.I):
        spec = f"{int(m.group(1))}m"
    elif m := re.fullmatch(r"until:(\d{4}-\d{2}-\d{2})", text):
        try:
            date.fromisoformat(m.group(1))
        except ValueError:
            raise InvalidInput(
                "bad date in period {value!r}; allowed: {allowed}", value=value, allowed=_PERIOD_HELP
            ) from None
        spec = text
    elif text.lower() in ("long-term", "longterm") or text == "长期":
        spec = "long-term"
    elif text.startswith("condition:") and len(text) > len("condition:"):
        spec = text
    else:
        raise InvalidInput(
            "unrecognised secrecy period {value!r}; allowed: {allowed}", value=value, allowed=_PERIOD_HELP
        )
    p = Period(spec)
    n = p.years if p.years is not None else (p.months / 12 if p.months is not None else None)
    if n is not None and n <= 0:
        raise InvalidInput("secrecy period {value!r} must be positive", value=value)
    if lv is not None and lv.max_years is not None and n is not None and n > lv.max_years:
        raise InvalidInput(
            "{level} items may be kept secret at most {years} years; {value!r} is longer",
            level=lv.slug,
            years=lv.max_years,
            value=value,
        )
    return p


def marking(lv: Level, p: Period, lang: str = "zh") -> str:
    """The level-and-period marking as documents print it: `机密★10年`."""
    if lv.rank == 0:
        return lv.name(lang)
    tail = p.marking(lang)
    return f"{lv.name(lang)}★{tail}" if tail else lv.name(lang)
