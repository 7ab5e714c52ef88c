"""Tables of the scan service: every scan received, and open station sessions."""

from __future__ import annotations

import peewee

from custody.models.core import Base, Person, Station, TimeField


class Scan(Base):
    """Every scan posted to the service, with the answer it got (idempotency by scan_id).

    Not the ledger: the events a scan caused are in the ledger, and `event_seq`
    names the last of them. `at` is when the scan happened as far as the
    service can tell (`scanned_at`, or the arrival time when the agent sent
    none or one from the future); sessions and late-scan checks use it.
    """

    scan_id = peewee.TextField(unique=True)
    station = peewee.ForeignKeyField(Station, backref="+")
    code = peewee.TextField()
    scanned_at = TimeField(null=True)
    received_at = TimeField(index=True)
    at = TimeField()
    outcome = peewee.TextField()
    reason = peewee.TextField(default="")
    answer = peewee.TextField()  # JSON of the first answer, returned again for duplicates
    event_seq = peewee.BigIntegerField(null=True)
    late = peewee.BooleanField(default=False)
    exception = peewee.TextField(null=True)  # why a late scan conflicts, for the custodian
    session = peewee.TextField(null=True, index=True)  # StationSession.uid the scan was made in
    undone_by = peewee.TextField(null=True)  # scan_id of the CMD-UNDO that cancelled it

    class Meta:
        indexes = ((("station", "at"), False),)


class StationSession(Base):
    """The person a badge opened a session for at a station (one per station).

    Times are scan times (`Scan.at`), so a burst of scans an agent sends late
    is judged by when it was scanned, not when it arrived.
    """

    station = peewee.ForeignKeyField(Station, unique=True, backref="+")
    person = peewee.ForeignKeyField(Person, backref="+")
    opened_at = TimeField()
    last_scan_at = TimeField()
    approver = peewee.ForeignKeyField(Person, null=True, backref="+")
    uid = peewee.TextField()  # names the session on its scans (Scan.session)


# the custodian's list of late-scan conflicts stays an index lookup as scans pile up
Scan.add_index(Scan.received_at, where=Scan.exception.is_null(False), name="scan_exception_received")

TABLES: tuple[type[Base], ...] = (Scan, StationSession)
