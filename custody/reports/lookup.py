"""Finding items, people, stations and what a scanned code stands for.

The lookups on the scan path are compiled once (`custody.store.fastsql`): building
their SQL with peewee on every call cost several times what SQLite does.

`match_tags` is THE code matcher (exact, upper case, an EM4100 tag in its other
form, hex ↔ the decimal fob number): the scan path (`tag_for_scan`), inventory
counts and every other caller use it.
"""

from __future__ import annotations

from collections.abc import Iterable

import peewee

from custody import codes
from custody.errors import NotFound
from custody.models import Models
from custody.models.core import Item, Person, Station, Tag
from custody.store import fastsql
from custody.store.core import Store
from custody.store.fastsql import Compiled, param

CHUNK = 500  # values per IN (…): inside every database's parameter limit


def _with_places(m: Models, query: peewee.ModelSelect, home_join: str) -> peewee.ModelSelect:
    """An item select joined to its home, holder and location (selected in that order)."""
    holder, location = m.Person.alias(), m.Station.alias()
    return (
        query.select_extend(m.Station, holder, location)
        .join(m.Station, home_join, on=m.Item.home)
        .switch(m.Item)
        .join(holder, peewee.JOIN.LEFT_OUTER, on=m.Item.holder)
        .switch(m.Item)
        .join(location, peewee.JOIN.LEFT_OUTER, on=m.Item.location)
    )


def _placed(row: tuple[Item | None, Station | None, Person | None, Station | None]) -> Item | None:
    """The item of a row of `_with_places`, its home, holder and location attached as peewee attaches them."""
    found, home, holder, location = row
    if found is not None:
        place(found, home, holder, location)
    return found


def place(item: Item, home: Station | None, holder: Person | None, location: Station | None) -> None:
    """Attach an item's home, holder and location loaded by a join, as peewee attaches them."""
    fastsql.relate(item, "home", home)
    fastsql.relate(item, "holder", holder)
    fastsql.relate(item, "location", location)


ITEM = Compiled(
    lambda m: (
        _with_places(m, m.Item.select(m.Item), peewee.JOIN.INNER).where(m.Item.code == param("code")).limit(1)
    )
)
BADGE = Compiled(
    lambda m: (
        m.Tag.select(m.Tag.code).where((m.Tag.person == param("person")) & (m.Tag.kind == "badge")).limit(1)
    )
)


def badge_column(store_or_models: Store | Models) -> peewee.Node:
    """A person's badge as a column of a select from `Person` (what `badge_of` returns, or NULL)."""
    m = store_or_models.m if isinstance(store_or_models, Store) else store_or_models
    return (
        m.Tag.select(m.Tag.code)
        .where((m.Tag.person == m.Person.id) & (m.Tag.kind == "badge"))
        .limit(1)
        .alias("badge")
    )


def item(store: Store, code: str) -> Item:
    """The item with this code, its home station, holder and location loaded in the same query."""
    text = codes.check_item_code(code)
    rows = ITEM.objects(store, code=text)
    found = _placed(rows[0]) if rows else None
    if found is None:
        raise NotFound("no item with code “{code}”", code=code)
    return found


def person_by_badge(store: Store, badge: str) -> Person:
    m = store.m
    tag = m.Tag.get_or_none((m.Tag.code == badge.strip()) & (m.Tag.person.is_null(False)))
    if tag is None:
        raise NotFound("no person with badge “{badge}”", badge=badge)
    return tag.person  # type: ignore[no-any-return]


def badge_of(store: Store, person: Person) -> str:
    row = BADGE.first(store, person=person.id)
    return row[0] if row else ""


def station(store: Store, name: str) -> Station:
    m = store.m
    found = m.Station.get_or_none(m.Station.name == name)
    if found is None:
        names = ", ".join(s.name for s in m.Station.select().order_by(m.Station.name)) or "—"
        raise NotFound("no station named “{name}”; there are: {names}", name=name, names=names)
    return found  # type: ignore[no-any-return]


# --- the code matcher -----------------------------------------------------------------------


def match_tags(store: Store, raw_codes: Iterable[str]) -> dict[str, Tag | None]:
    """Each scanned code (stripped, empty ones left out) → the tag it names, or None.

    THE code matcher: a code names a tag by its exact code, else in upper case, else (a 10-character
    EM4100 id) in its other form — its hex low 32 bits as a registered decimal fob number, or its
    decimal value as a registered hex id's low 32 bits (`codes.rfid_keys`). A few queries for any
    number of codes; each tag comes with its item (or person id) loaded."""
    m = store.m
    texts = sorted({c.strip() for c in raw_codes if c and c.strip()})
    out: dict[str, Tag | None] = dict.fromkeys(texts)
    if not texts:
        return out
    wanted = sorted(set(texts) | {t.upper() for t in texts})
    by_code = _tags_by(store, m.Tag.code, wanted)
    for text in texts:
        out[text] = by_code.get(text) or by_code.get(text.upper())
    by_low: dict[int, list[str]] = {}
    by_dec: dict[int, list[str]] = {}
    for text in texts:
        if out[text] is None and len(text) == 10:
            low, dec = codes.rfid_keys(text)
            if low is not None:
                by_low.setdefault(low, []).append(text)
            if dec is not None:
                by_dec.setdefault(dec, []).append(text)
    if by_low:
        found = _tags_by(store, m.Tag.dec_value, sorted(by_low))
        for value, names in by_low.items():
            for text in names:
                out[text] = found.get(value)
    if by_dec:
        found = _tags_by(store, m.Tag.hex_low32, sorted(by_dec))
        for value, names in by_dec.items():
            for text in names:
                if out[text] is None:
                    out[text] = found.get(value)
    return out


def _tags_by(store: Store, column: peewee.Field, values: list[object]) -> dict[object, Tag]:
    m = store.m
    found: dict[object, Tag] = {}
    for i in range(0, len(values), CHUNK):
        q = (
            m.Tag.select(m.Tag, m.Item)
            .join(m.Item, peewee.JOIN.LEFT_OUTER, on=(m.Tag.item == m.Item.id))
            .where(column.in_(values[i : i + CHUNK]))
        )
        for tag in q:
            found.setdefault(getattr(tag, column.name), tag)
    return found


def tag_for_scan(store: Store, code: str) -> Tag | None:
    """The tag a scanned code stands for (`match_tags`: exact, upper case, an RFID id in its other form)."""
    return match_tags(store, [code]).get(code.strip())
