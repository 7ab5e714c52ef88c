"""What is out now, in THE one order every view uses (`custody out`, `GET /api/v1/out`, the sweep):
top secret first (level rank, highest first), then longest out (oldest `since`), then code."""

from __future__ import annotations

from datetime import datetime

import peewee

from custody import vocab
from custody.models.core import Item
from custody.store.core import Store

OUT_STATUSES = ("out",)  # statuses that count as out
# P19: an item reported lost is listed with them (flagged) until a leader resolves the report; a
# confirmed loss (`lost_from` cleared) has ended its life and is no longer listed


def is_outstanding(status: str, lost_from: str | None) -> bool:
    """Out, or reported lost and not yet resolved."""
    return status in OUT_STATUSES or (status == "lost" and lost_from is not None)


def outstanding_where(m) -> peewee.Expression:  # noqa: ANN001 - a store's Models
    """`is_outstanding` as a query condition on `m.Item`."""
    return m.Item.status.in_(OUT_STATUSES) | ((m.Item.status == "lost") & m.Item.lost_from.is_null(False))


def out_key(level: str, since: datetime | None, code: str) -> tuple[int, float, str]:
    """The sort key of THE order, for rows already in memory (the sweep's): rank desc, since asc, code."""
    return (-vocab.LEVEL_BY_SLUG[level].rank, since.timestamp() if since else float("inf"), code)


def out_query(store: Store) -> peewee.ModelSelect:
    """The items out now as a query in THE order (for paging: the API's `_page`)."""
    m = store.m
    ranks = peewee.Case(m.Item.level, [(lv.slug, lv.rank) for lv in vocab.LEVELS], 0)
    return (
        m.Item.select()
        .where(outstanding_where(m))
        .order_by(ranks.desc(), m.Item.since.asc(nulls="LAST"), m.Item.code)
    )


def out_now(store: Store) -> list[Item]:
    """The items out now, top secret first, then longest out, then code."""
    return list(out_query(store))
