"""Finding items, people, stations and what a scanned code stands for."""

from __future__ import annotations

import peewee

from custody import codes
from custody.errors import NotFound
from custody.models import Item, Person, Station, Tag


def item(code: str) -> Item:
    """The item with this code, its home station and holder loaded in the same query."""
    text = codes.check_item_code(code)
    holder = Person.alias()
    found = (Item.select(Item, Station, holder)
             .join(Station, on=Item.home).switch(Item)
             .join(holder, peewee.JOIN.LEFT_OUTER, on=Item.holder)
             .where(Item.code == text).first())
    if found is None:
        raise NotFound(f"没有编码为“{code}”的物品", f"no item with code {code!r}")
    return found


def person_by_badge(badge: str) -> Person:
    tag = Tag.get_or_none((Tag.code == badge.strip()) & (Tag.person.is_null(False)))
    if tag is None:
        raise NotFound(f"没有工作证号为“{badge}”的人员", f"no person with badge {badge!r}")
    return tag.person


def badge_of(person: Person) -> str:
    tag = Tag.get_or_none((Tag.person == person) & (Tag.kind == "badge"))
    return tag.code if tag else ""


def station(name: str) -> Station:
    found = Station.get_or_none(Station.name == name)
    if found is None:
        names = ", ".join(s.name for s in Station.select().order_by(Station.name)) or "（无）"
        raise NotFound(f"没有名为“{name}”的站点；已有：{names}", f"no station named {name!r}; there are: {names}")
    return found


def tag_for_scan(code: str) -> Tag | None:
    """The tag a scanned code stands for: exact code, or an RFID id in its other form."""
    text = code.strip()
    tag = Tag.get_or_none(Tag.code == text) or Tag.get_or_none(Tag.code == text.upper())
    if tag is not None:
        return tag
    if len(text) == 10:
        low, dec = codes.rfid_keys(text)
        if low is not None:
            tag = Tag.get_or_none(Tag.dec_value == low)
        if tag is None and dec is not None:
            tag = Tag.get_or_none(Tag.hex_low32 == dec)
    return tag
