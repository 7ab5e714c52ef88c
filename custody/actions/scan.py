"""The scan service's own rows: station sessions and the stored answer of each scan.

Each function is one action in its own transaction (`store.writing()`; on the scan path they join
the scan's group-commit transaction, `db.write_grouped`: a scan's whole job is one transaction).
Raw SQL with `?` placeholders (`fastsql.execute`): the scan path is where peewee's query building
cost most.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from custody.models.core import to_text
from custody.store import fastsql
from custody.store.core import Store

MAX_CODE_LENGTH = 128


def open_session(store: Store, station_id: int, person_id: int, at: datetime) -> tuple[int, str]:
    """A badge opens the station's session (ending the one open there); returns (row id, uid)."""
    uid = uuid.uuid4().hex
    with store.writing():
        fastsql.execute(store.db, "DELETE FROM station_session WHERE station_id = ?", (station_id,))
        sid = fastsql.insert(
            store.db,
            "INSERT INTO station_session (station_id, person_id, opened_at, "
            "last_scan_at, approver_id, uid) VALUES (?, ?, ?, ?, NULL, ?)",
            (station_id, person_id, to_text(at), to_text(at), uid),
        )
    return sid, uid


def end_session(store: Store, session_id: int) -> None:
    with store.writing():
        fastsql.execute(store.db, "DELETE FROM station_session WHERE id = ?", (session_id,))


def set_session_approver(store: Store, session_id: int, approver_id: int | None) -> None:
    """A leader's approval of the session (P10), or its withdrawal (None)."""
    with store.writing():
        fastsql.execute(
            store.db, "UPDATE station_session SET approver_id = ? WHERE id = ?", (approver_id, session_id)
        )


def touch_session(store: Store, session_id: int, at: datetime) -> None:
    """A scan at scan time `at` keeps the session open (its timeout counts from here)."""
    with store.writing():
        fastsql.execute(
            store.db, "UPDATE station_session SET last_scan_at = ? WHERE id = ?", (to_text(at), session_id)
        )


@dataclass(frozen=True)
class ScanRow:
    """A scan as stored: what came in, when, what it did, and the answer given (for duplicates)."""

    scan_id: str
    station_id: int
    code: str
    scanned_at: datetime | None
    received_at: datetime
    at: datetime
    outcome: str
    reason: str
    answer: dict[str, Any]
    event_seq: int | None
    late: bool
    exception: str | None
    session: str | None
    answer_text: str | None = None  # the answer as JSON, if the caller has serialised it already


def store_scan(store: Store, row: ScanRow) -> None:
    """The scan row under its unique scan_id (a repeat of the scan_id gets this answer back)."""
    with store.writing():
        fastsql.execute(
            store.db,
            "INSERT INTO scan (scan_id, station_id, code, scanned_at, received_at, at, outcome, reason, "
            "answer, event_seq, late, exception, session, undone_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                row.scan_id,
                row.station_id,
                row.code[:MAX_CODE_LENGTH],
                to_text(row.scanned_at) if row.scanned_at else None,
                to_text(row.received_at),
                to_text(row.at),
                row.outcome,
                row.reason,
                row.answer_text
                if row.answer_text is not None
                else json.dumps(row.answer, ensure_ascii=False),
                row.event_seq,
                row.late,
                row.exception,
                row.session,
            ),
        )


def mark_undone(store: Store, scan_row_id: int, undone_by: str) -> None:
    """CMD-UNDO: the scan row whose effect was cancelled names the scan that cancelled it."""
    with store.writing():
        fastsql.execute(store.db, "UPDATE scan SET undone_by = ? WHERE id = ?", (undone_by, scan_row_id))
