"""Finding items, people, stations and what a scanned code stands for.

The lookups on the scan path are compiled once (`custody.store.fastsql`): building
their SQL with peewee on every call cost several times what SQLite does.
"""

from __future__ import annotations

import peewee

from custody import codes
from custody.errors import NotFound
from custody.models.core import Item, Person, Station, Tag
from custody.store import fastsql
from custody.store.fastsql import Compiled, param


def _with_places(query: peewee.ModelSelect, home_join: str) -> peewee.ModelSelect:
    """An item select joined to its home, holder and location (selected in that order)."""
    holder, location = Person.alias(), Station.alias()
    return (
        query.select_extend(Station, holder, location)
        .join(Station, home_join, on=Item.home)
        .switch(Item)
        .join(holder, peewee.JOIN.LEFT_OUTER, on=Item.holder)
        .switch(Item)
        .join(location, peewee.JOIN.LEFT_OUTER, on=Item.location)
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
    lambda: _with_places(Item.select(Item), peewee.JOIN.INNER).where(Item.code == param("code")).limit(1)
)
BADGE = Compiled(
    lambda: Tag.select(Tag.code).where((Tag.person == param("person")) & (Tag.kind == "badge")).limit(1)
)


def badge_column() -> peewee.Node:
    """A person's badge as a column of a select from `Person` (what `badge_of` returns, or NULL)."""
    return (
        Tag.select(Tag.code).where((Tag.person == Person.id) & (Tag.kind == "badge")).limit(1).alias("badge")
    )


def item(code: str) -> Item:
    """The item with this code, its home station, holder and location loaded in the same query."""
    text = codes.check_item_code(code)
    rows = ITEM.objects(Item._meta.database, code=text)
    found = _placed(rows[0]) if rows else None
    if found is None:
        raise NotFound(f"没有编码为“{code}”的物品", f"no item with code {code!r}")
    return found


def person_by_badge(badge: str) -> Person:
    tag = Tag.get_or_none((Tag.code == badge.strip()) & (Tag.person.is_null(False)))
    if tag is None:
        raise NotFound(f"没有工作证号为“{badge}”的人员", f"no person with badge {badge!r}")
    return tag.person


def badge_of(person: Person) -> str:
    row = BADGE.first(Tag._meta.database, person=person.id)
    return row[0] if row else ""


def station(name: str) -> Station:
    found = Station.get_or_none(Station.name == name)
    if found is None:
        names = ", ".join(s.name for s in Station.select().order_by(Station.name)) or "（无）"
        raise NotFound(
            f"没有名为“{name}”的站点；已有：{names}", f"no station named {name!r}; there are: {names}"
        )
    return found


def tag_for_scan(code: str) -> Tag | None:
    """The tag a scanned code stands for: exact code, or an RFID id in its other form."""
    text = code.strip()
    tag = _tag(TAG_BY_CODE, text) or _tag(TAG_BY_CODE, text.upper())
    if tag is not None:
        return tag
    if len(text) == 10:
        low, dec = codes.rfid_keys(text)
        if low is not None:
            tag = _tag(TAG_BY_DEC, low)
        if tag is None and dec is not None:
            tag = _tag(TAG_BY_HEX, dec)
    return tag


TAG_BY_CODE = Compiled(lambda: Tag.select().where(Tag.code == param("value")).limit(1))
TAG_BY_DEC = Compiled(lambda: Tag.select().where(Tag.dec_value == param("value")).limit(1))
TAG_BY_HEX = Compiled(lambda: Tag.select().where(Tag.hex_low32 == param("value")).limit(1))


def _tag(query: Compiled, value: object) -> Tag | None:
    rows = query.objects(Tag._meta.database, value=value)
    return rows[0][0] if rows else None
