"""Tables of the scan service: every scan received, and open station sessions."""

from __future__ import annotations

import peewee

from custody.models import Base, Person, Station, TimeField


class Scan(Base):
    """Every scan posted to the service, with the answer it got (idempotency by scan_id)."""

    scan_id = peewee.TextField(unique=True)
    station = peewee.ForeignKeyField(Station, backref="scans")
    code = peewee.TextField()
    scanned_at = TimeField(null=True)
    received_at = TimeField(index=True)
    outcome = peewee.TextField()
    answer = peewee.TextField()  # JSON of the first answer, returned again for duplicates
    event_seq = peewee.BigIntegerField(null=True)
    late = peewee.BooleanField(default=False)
    exception = peewee.TextField(null=True)  # why a late scan conflicts, for the custodian


class StationSession(Base):
    """The person a badge opened a session for at a station (one per station)."""

    station = peewee.ForeignKeyField(Station, unique=True, backref="+")
    person = peewee.ForeignKeyField(Person, backref="+")
    opened_at = TimeField()
    last_scan_at = TimeField()
    approver = peewee.ForeignKeyField(Person, null=True, backref="+")


TABLES: tuple[type[Base], ...] = (Scan, StationSession)
