"""Reading request bodies and query strings into checked values (pure: no HTTP, no database).

Every failure is an `InvalidInput` naming the field and what is allowed; the
app turns it into `400 {"error": …}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from custody.errors import InvalidInput
from custody.scan.station import MAX_BATCH, MAX_CODE_LENGTH, ScanInput

# The patterns below are also the OpenAPI description's (web/openapi.py): what it allows, this accepts.
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# printable ASCII, at least one non-space; surrounding spaces are ignored
CODE_RE = re.compile(r" *[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])? *")
# ISO 8601 / RFC 3339 with an offset, the years 2000–9998, only days the calendar has (no
# 2026-11-31, 29 February in leap years alone): exactly the times `time_field` accepts
_YEAR = r"(?:[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
_LEAP_YEAR = r"(?:[2-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[3579][26])00)"
_DATE = (
    rf"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    rf"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)"
)
TIME_RE = re.compile(
    rf"{_DATE}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{{1,6}})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
# a filter value: printable ASCII and most of the BMP beyond Latin-1 control characters
QUERY_TEXT_RE = re.compile(r"[\x20-\x7e\u00a1-\ud7ff\ue000-\ufffd]*")
MAX_TIME_LENGTH = 64
# the earliest moment TIME_RE allows (2000-01-01T00:00 at the largest offset): a safeguard only
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59)))
DEFAULT_LIMIT, MAX_LIMIT = 50, 500
MAX_OFFSET = 10**9


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _refusing_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object hook for json.loads: a key given twice (`{"code": "A", "code": "B"}`) is refused,
    since two readers of the body could each take another of its values."""
    value: dict[str, Any] = {}
    for key, item in pairs:
        if key in value:
            raise _DuplicateKey(key)
        value[key] = item
    return value


def json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object (no key given twice, at any depth)."""
    if not raw.strip():
        raise InvalidInput("the body is empty: a JSON object is expected")
    try:
        value = json.loads(raw, object_pairs_hook=_refusing_duplicates)
    except _DuplicateKey as dup:
        raise InvalidInput("the key {key!r} appears more than once in the body", key=dup.key) from None
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidInput("the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise InvalidInput("the body must be a JSON object") from None
    return value


def _text(obj: Mapping[str, Any], name: str, max_length: int, *, required: bool = True) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise InvalidInput("the field {name} is missing", name=name)
        return None
    if not isinstance(value, str):
        raise InvalidInput("the field {name} must be a string", name=name)
    if len(value) > max_length:
        raise InvalidInput(
            "the field {name} is too long: at most {max_length} characters", name=name, max_length=max_length
        )
    return value


def time_field(obj: Mapping[str, Any], name: str, *, required: bool) -> datetime | None:
    """An ISO 8601 date-time with a UTC offset (`2026-11-30T09:15:00+08:00`, `…Z`), as UTC."""
    text = _text(obj, name, MAX_TIME_LENGTH, required=required)
    if text is None:
        return None
    try:
        if not TIME_RE.fullmatch(text):
            raise ValueError("not the pattern")
        when = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            "the field {name} is {value!r}: not ISO 8601 with an offset, e.g. 2026-11-30T09:15:00+08:00",
            name=name,
            value=text,
        ) from None
    if when < EARLIEST:
        raise InvalidInput("the field {name} ({value}) is before 2000", name=name, value=text)
    return when


def scan(obj: Any) -> ScanInput:
    """`{"code", "scan_id", "scanned_at"?}`: code 1–128 printable characters, scan_id a UUID."""
    if not isinstance(obj, dict):
        raise InvalidInput("each scan must be a JSON object")
    code = _text(obj, "code", MAX_CODE_LENGTH) or ""
    if not CODE_RE.fullmatch(code):
        raise InvalidInput("the field code must be 1–{max} printable ASCII characters", max=MAX_CODE_LENGTH)
    code = code.strip(" ")
    scan_id = _text(obj, "scan_id", 36) or ""
    if not UUID_RE.fullmatch(scan_id):
        raise InvalidInput(
            "the field scan_id must be a UUID such as {example}, not {value!r}",
            example=_EXAMPLE_UUID,
            value=scan_id,
        )
    return ScanInput(
        code=code, scan_id=scan_id.lower(), scanned_at=time_field(obj, "scanned_at", required=False)
    )


_EXAMPLE_UUID = "0f8e3a52-4c1d-4a57-9a6b-2f1d3c4b5a69"


def scan_batch(obj: dict[str, Any]) -> list[ScanInput]:
    """`{"scans": [scan, …]}` with 1–100 scans."""
    scans = obj.get("scans")
    if not isinstance(scans, list) or not 1 <= len(scans) <= MAX_BATCH:
        raise InvalidInput("the field scans must be a list of 1–{max} scans", max=MAX_BATCH)
    return [scan(s) for s in scans]


def device_event(obj: dict[str, Any]) -> tuple[str, str, datetime]:
    """`{"event": "connected"|"disconnected", "device", "at"}`."""
    event = _text(obj, "event", 32)
    if event not in ("connected", "disconnected"):
        raise InvalidInput("the field event must be connected or disconnected")
    device = _text(obj, "device", 200) or ""
    if not CODE_RE.fullmatch(device):
        raise InvalidInput("the field device must be 1–200 printable ASCII characters")
    device = device.strip(" ")
    at = time_field(obj, "at", required=True)
    assert at is not None
    return event, device, at


def page(query: Mapping[str, str]) -> tuple[int, int]:
    """(limit, offset) from `?limit=&offset=`: limit 1–500 (default 50), offset from 0."""
    return (_int(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT), _int(query, "offset", 0, 0, MAX_OFFSET))


def _int(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"\d{1,10}", text) or not low <= int(text) <= high:
        raise InvalidInput(
            "the parameter {name} must be an integer {low}–{high}", name=name, low=low, high=high
        )
    return int(text)


def query_text(query: Mapping[str, str], name: str, max_length: int = 128) -> str | None:
    text = query.get(name)
    if text is None:
        return None
    if not 1 <= len(text) <= max_length or not QUERY_TEXT_RE.fullmatch(text):
        raise InvalidInput(
            "the parameter {name} is invalid: 1–{max_length} printable characters",
            name=name,
            max_length=max_length,
        )
    return text
