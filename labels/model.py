"""What a label shows, checked when it is made.

An item label never carries the title: a label can be seen by anyone
(issue 5). Badge labels and the command sheet are unclassified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from custody import vocab
from custody.codes import check_item_code
from custody.errors import InvalidInput
from labels.code128 import modules

MAX_COPY_NO = 999_999  # 份号 is six digits (GB/T 9704-2012)


@dataclass(frozen=True)
class ItemLabel:
    """One registered copy's label. Values are normalised: `level` and `kind` become slugs,
    `period` its canonical spec (`10y`, `6m`, `until:2030-01-01`, `long-term`, `condition:…`, '')."""

    code: str
    level: str
    period: str = ""
    copy_no: int = 1
    kind: str = "document"
    doc_no: str = ""
    unit: str = ""  # receiving unit (收文单位)
    received: date | None = None

    def __post_init__(self) -> None:
        lv = vocab.level(self.level)
        _set(self, "code", check_item_code(self.code))
        _set(self, "level", lv.slug)
        _set(self, "period", vocab.period(self.period, lv).spec)
        _set(self, "kind", vocab.kind(self.kind).slug)
        _set(self, "doc_no", _one_line(self.doc_no))
        _set(self, "unit", _one_line(self.unit))
        if isinstance(self.received, str):
            _set(self, "received", _iso_date(self.received))
        if (
            isinstance(self.copy_no, bool)
            or not isinstance(self.copy_no, int)
            or not 1 <= self.copy_no <= MAX_COPY_NO
        ):
            raise InvalidInput(
                "copy number {copy_no!r} is invalid: a whole number from 1 to {max}",
                copy_no=self.copy_no,
                max=MAX_COPY_NO,
            )

    @classmethod
    def from_item(
        cls,
        item: Mapping[str, Any],
        *,
        unit: str = "",
        received: date | str | None = None,
        period: str | None = None,
    ) -> ItemLabel:
        """From the item JSON shape (DESIGN.md); the title in it is ignored."""
        return cls(
            code=item["code"],
            level=item["level"],
            period=period if period is not None else item.get("period") or "",
            copy_no=int(item.get("copy_no") or 1),
            kind=item.get("kind") or "document",
            doc_no=item.get("doc_no") or "",
            unit=unit,
            received=received,
        )

    def marking(self, lang: str = "zh") -> str:
        """`机密★10年`, as documents print it."""
        return vocab.marking(vocab.LEVEL_BY_SLUG[self.level], vocab.Period(self.period), lang)

    @property
    def copy_text(self) -> str:
        return f"{self.copy_no:06d}"


@dataclass(frozen=True)
class BadgeLabel:
    """A person's badge label (unclassified): name, badge code and department."""

    name: str
    badge: str
    dept: str = ""

    def __post_init__(self) -> None:
        _set(self, "name", _one_line(self.name))
        _set(self, "dept", _one_line(self.dept))
        if not self.name:
            raise InvalidInput("a badge label needs the person's name")
        modules(self.badge)


@dataclass(frozen=True)
class CommandSheet:
    """The station command sheet: (code, caption) pairs, codes printed as Code128 set B."""

    commands: tuple[tuple[str, str], ...]
    title: str = ""

    def __init__(self, commands: Iterable[tuple[str, str]], title: str = "") -> None:
        pairs = tuple((str(code), _one_line(caption)) for code, caption in commands)
        if not pairs:
            raise InvalidInput("the command sheet has no commands")
        for code, caption in pairs:
            modules(code, set_b=True)
            if not caption:
                raise InvalidInput("command {code} has no caption", code=code)
        object.__setattr__(self, "commands", pairs)
        object.__setattr__(self, "title", _one_line(title))


Label = ItemLabel | BadgeLabel


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("received date {value!r} is invalid: use YYYY-MM-DD", value=text) from None
