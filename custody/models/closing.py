"""Tables of closing time: sweep records, closing checks, inventory counts.

Each row is written by the write path together with its ledger event
(`sweep_recorded`, `safe_closed`, `safe_checked`, `count_started`,
`count_closed`, `inventory_seen`), so the registers can be printed from the
ledger alone and these tables are the fast current-state view.
"""

from __future__ import annotations

import peewee

from custody.models.core import Base, DateField, Item, Person, Station, TimeField


class SweepRecord(Base):
    """A stored closing sweep: automatic at a station's closing time, or asked for (`sweep --record`)."""

    station = peewee.ForeignKeyField(Station, null=True, backref="+")  # None: every station
    kind = peewee.TextField()  # closing | grace | manual
    day = DateField(index=True)  # the office's local day the sweep belongs to
    at = TimeField()  # the moment the sweep describes
    recorded_at = TimeField()
    auto_key = peewee.TextField(
        null=True, unique=True
    )  # "closing:<station id>:<day>": once per station and day
    outstanding = peewee.IntegerField()
    unclosed = peewee.IntegerField(default=0)
    data = peewee.TextField()  # the Sweep JSON (DESIGN.md)
    event_seq = peewee.BigIntegerField()
    notify_status = peewee.TextField(default="none")  # none | pending | sent | failed
    notify_attempts = peewee.IntegerField(default=0)
    notify_error = peewee.TextField(default="")
    notified = peewee.TextField(default="")  # channels delivered so far, comma-separated (webhook,mail)


class ClosingCheck(Base):
    """The end-of-day check sheet of one station: who closed it, when, what was out, who checked."""

    station = peewee.ForeignKeyField(Station, backref="+")
    day = DateField()
    closed_by = peewee.ForeignKeyField(Person, backref="+")
    closed_at = TimeField()
    out_count = peewee.IntegerField()
    outstanding = peewee.TextField()  # JSON list of {code, title, level, holder, since}
    event_seq = peewee.BigIntegerField()
    checker = peewee.ForeignKeyField(Person, null=True, backref="+")
    checked_at = TimeField(null=True)
    check_seq = peewee.BigIntegerField(null=True)

    class Meta:
        indexes = ((("station", "closed_at"), False),)


class InventoryCount(Base):
    """A count of what is physically at a station (P22). `open_key` holds the station id while the
    count is open and NULL after: the unique index allows one open count per station."""

    station = peewee.ForeignKeyField(Station, backref="+")
    started_by = peewee.ForeignKeyField(Person, backref="+")
    started_at = TimeField()
    start_seq = peewee.BigIntegerField()
    expected_count = peewee.IntegerField()
    open_key = peewee.IntegerField(null=True, unique=True)
    closed_by = peewee.ForeignKeyField(Person, null=True, backref="+")
    closed_at = TimeField(null=True)
    close_seq = peewee.BigIntegerField(null=True)
    result = peewee.TextField(null=True)  # JSON report, once closed
    found = peewee.IntegerField(null=True)
    missing = peewee.IntegerField(null=True)
    misplaced = peewee.IntegerField(null=True)
    out_but_seen = peewee.IntegerField(null=True)
    unknown = peewee.IntegerField(null=True)
    duplicates = peewee.IntegerField(null=True)


class InventoryExpected(Base):
    """The list of what should be at the station, frozen when the count started."""

    count = peewee.ForeignKeyField(InventoryCount, backref="+", on_delete="CASCADE")
    item = peewee.ForeignKeyField(Item, backref="+")

    class Meta:
        indexes = ((("count", "item"), True),)


class InventorySeen(Base):
    """What a count saw: one row per item (its barcode and RFID tag collapse) or per unknown code."""

    count = peewee.ForeignKeyField(InventoryCount, backref="+", on_delete="CASCADE")
    key = peewee.TextField()  # the item code, or the code as read when it matches no item
    item = peewee.ForeignKeyField(Item, null=True, backref="+")
    reads = peewee.IntegerField(default=1)
    first_at = TimeField()
    scan_id = peewee.TextField(null=True)

    class Meta:
        indexes = ((("count", "key"), True),)


TABLES: tuple[type[Base], ...] = (SweepRecord, ClosingCheck, InventoryCount, InventoryExpected, InventorySeen)
