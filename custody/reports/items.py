"""THE item filter, shared by `custody item list` and `GET /api/v1/items`."""

from __future__ import annotations

import peewee

from custody import vocab
from custody.models.core import Item
from custody.store.core import Store


def items_query(
    store: Store,
    status: str | None = None,
    level: str | None = None,
    *,
    holder: str | None = None,
    station: str | None = None,
) -> peewee.ModelSelect:
    """Items by id, filtered: `status` and `level` in any accepted spelling (slug, Chinese, English),
    `holder` a badge, `station` the home station's name. A query, for paging."""
    m = store.m
    q = m.Item.select().order_by(m.Item.id)
    if status:
        q = q.where(m.Item.status == vocab.status(status).slug)
    if level:
        q = q.where(m.Item.level == vocab.level(level).slug)
    if holder is not None:
        holders = m.Tag.select(m.Tag.person).where((m.Tag.code == holder) & m.Tag.person.is_null(False))
        q = q.where(m.Item.holder.in_(holders))
    if station is not None:
        q = q.where(m.Item.home.in_(m.Station.select(m.Station.id).where(m.Station.name == station)))
    return q


def items(
    store: Store,
    status: str | None = None,
    level: str | None = None,
    *,
    holder: str | None = None,
    station: str | None = None,
) -> list[Item]:
    """The items `items_query` selects, as a list."""
    return list(items_query(store, status, level, holder=holder, station=station))
