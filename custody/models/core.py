"""The tables. Current state (status, holder, since, where) lives on `Item`,
kept by the write path, so "what is out" is an index lookup, not a replay.

Times are stored as fixed-width UTC ISO text, so they sort and compare as text
on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import peewee


class TimeField(peewee.TextField):
    """An aware datetime stored as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`."""

    def db_value(self, value: datetime | None) -> str | None:
        return to_text(value) if value is not None else None

    def python_value(self, value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None


class DateField(peewee.TextField):
    def db_value(self, value: date | None) -> str | None:
        return value.isoformat() if value is not None else None

    def python_value(self, value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None


def to_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class Base(peewee.Model):
    """The tables as declared: bound to no database. A store queries its own copies of them,
    bound to its database (`custody.models.Models`)."""

    class Meta:
        database = None
        legacy_table_names = False


class SchemaInfo(Base):
    version = peewee.IntegerField()


class Setting(Base):
    key = peewee.TextField(primary_key=True)
    value = peewee.TextField()  # JSON


class Station(Base):
    name = peewee.TextField(unique=True)
    kind = peewee.TextField()
    token_hash = peewee.TextField(null=True, unique=True)
    token_hint = peewee.TextField(null=True)  # first characters, for listing
    token_created_at = TimeField(null=True)
    closing_time = peewee.TextField(null=True)  # HH:MM local; None = the setting
    created_at = TimeField()


class Person(Base):
    name = peewee.TextField()
    role = peewee.TextField()
    clearance = peewee.TextField()
    dept = peewee.TextField(default="")
    active = peewee.BooleanField(default=True)
    off_post_until = DateField(null=True)
    created_at = TimeField()


class Item(Base):
    code = peewee.TextField(unique=True)
    title = peewee.TextField()
    kind = peewee.TextField()
    level = peewee.TextField()
    period = peewee.TextField(default="")
    copy_no = peewee.IntegerField()
    total_copies = peewee.IntegerField(null=True)
    doc_no = peewee.TextField(default="")
    issuer = peewee.TextField(default="")
    scope = peewee.TextField(default="[]")  # JSON list of departments / badges (P9)
    home = peewee.ForeignKeyField(Station, backref="+")
    received_by = peewee.ForeignKeyField(Person, null=True, backref="+")
    brought_by = peewee.ForeignKeyField(Person, null=True, backref="+")  # P3
    received_at = TimeField()
    # current state, kept by the write path
    status = peewee.TextField(default="in", index=True)
    holder = peewee.ForeignKeyField(Person, null=True, backref="+")
    since = TimeField(null=True)
    location = peewee.ForeignKeyField(Station, null=True, backref="+")
    # an item's whole life (issue 13, schema step 2)
    no_copy = peewee.BooleanField(default=False)  # P16: received marked "do not copy"
    due_back = DateField(null=True)  # P17: due back to the issuer on this day
    copy_of = peewee.TextField(null=True)  # P16: the code of the item this copy was made from
    lost_from = peewee.TextField(null=True)  # P19: the status before an unresolved loss report
    reviewed_on = DateField(null=True)  # P4: the day of the last review outcome
    # where it went and on what terms (issue 14, schema step 3), kept by the write path while it is out
    loan_purpose = peewee.TextField(null=True)  # outside (P13) | external (P14); None: read on site
    loan_due = TimeField(null=True)  # P13/P14: due back by then
    second_holder = peewee.ForeignKeyField(Person, null=True, backref="+")  # P13: carried by two
    loan_unit = peewee.TextField(null=True)  # P14: the other unit
    loan_recipient = peewee.TextField(null=True)  # P14: named there
    loan_use = peewee.TextField(null=True)  # P28: what a seal or letter is out for


class Tag(Base):
    """A scannable code: an item's barcode or RFID tag, or a person's badge or RFID.

    One code means one thing: unique across items and people.
    """

    code = peewee.TextField(unique=True)
    kind = peewee.TextField()  # item-barcode | item-rfid | badge | person-rfid
    item = peewee.ForeignKeyField(Item, null=True, backref="+")
    person = peewee.ForeignKeyField(Person, null=True, backref="+")
    hex_low32 = peewee.BigIntegerField(null=True, index=True)
    dec_value = peewee.BigIntegerField(null=True, index=True)


class Event(Base):
    """The ledger: append-only (triggers refuse UPDATE and DELETE), hash-chained."""

    seq = peewee.BigIntegerField(unique=True)
    at = peewee.TextField(index=True)
    kind = peewee.TextField()
    item = peewee.TextField(null=True, index=True)  # item code
    person = peewee.IntegerField(null=True)
    station = peewee.TextField(null=True)
    actor = peewee.TextField()
    data = peewee.TextField()  # canonical JSON
    prev_hash = peewee.TextField()
    hash = peewee.TextField()


class LedgerHead(Base):
    """One row: the last sequence number and hash. Locked to serialise appends."""

    seq = peewee.BigIntegerField()
    hash = peewee.TextField()


class Approval(Base):
    """A leader's approval for one person to borrow one item within a window (P10)."""

    person = peewee.ForeignKeyField(Person, backref="+")
    item = peewee.ForeignKeyField(Item, backref="+")
    approver = peewee.ForeignKeyField(Person, backref="+")
    valid_from = TimeField()
    valid_until = TimeField()
    purpose = peewee.TextField(default="")
    used_seq = peewee.BigIntegerField(null=True)
    event_seq = peewee.BigIntegerField()


TABLES: tuple[type[Base], ...] = (
    SchemaInfo,
    Setting,
    Station,
    Person,
    Item,
    Tag,
    Event,
    LedgerHead,
    Approval,
)
