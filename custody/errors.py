"""Domain errors: small classes carrying one message (an id and its values, `custody.messages`).

They are rendered in the reader's language only at the edge: the CLI prints one
line and exits with `exit_code`; the API answers `http_status` with the one
JSON error shape.

    raise InvalidInput("copies {copies} is invalid: 1–10000", copies=copies)
"""

from __future__ import annotations

from typing import Any

from custody.messages import Msg


class CustodyError(Exception):
    """Base of every error a custodian may see."""

    exit_code = 1
    http_status = 400

    def __init__(self, text: str | Msg, /, **params: Any) -> None:
        self.msg = text if isinstance(text, Msg) else Msg(text, params)
        super().__init__(self.msg.render("en"))

    def message(self, lang: str = "zh") -> str:
        return self.msg.render(lang)


class InvalidInput(CustodyError):
    """A value that is not allowed (names the value and what is allowed)."""


class NotFound(CustodyError):
    """An item, person, station or code that is not registered."""

    http_status = 404


class Conflict(CustodyError):
    """A value that is already taken (a badge, a code, a copy number)."""

    http_status = 409


class Refused(CustodyError):
    """The rules refused an action; the refusal is recorded in the ledger (P24). `reason` is the
    refusal's stable key (`clearance_too_low`), `rule` the office rule it applies (`P8`)."""

    http_status = 403

    def __init__(self, text: str | Msg, /, reason: str = "", rule: str = "", **params: Any) -> None:
        super().__init__(text, **params)
        self.reason = reason
        self.rule = rule


class StorageError(CustodyError):
    """The database cannot be opened, or is of another schema."""

    http_status = 503


class LedgerBroken(CustodyError):
    """`verify` found a bad event."""

    http_status = 500
