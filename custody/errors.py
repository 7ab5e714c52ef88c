"""Domain errors: small classes carrying one clear message in Chinese and English.

They are translated to a CLI line or a JSON error only at the edge.
"""

from __future__ import annotations


class CustodyError(Exception):
    """Base of every error a custodian may see. `exit_code` is the CLI's."""

    exit_code = 1

    def __init__(self, zh: str, en: str | None = None) -> None:
        super().__init__(en or zh)
        self.zh = zh
        self.en = en or zh

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


class InvalidInput(CustodyError):
    """A value that is not allowed (names the value and what is allowed)."""


class NotFound(CustodyError):
    """An item, person, station or code that is not registered."""


class Conflict(CustodyError):
    """A value that is already taken (a badge, a code, a copy number)."""


class Refused(CustodyError):
    """The policy refused an action; the refusal is recorded in the ledger (P24)."""

    def __init__(self, zh: str, en: str, reason: str = "") -> None:
        super().__init__(zh, en)
        self.reason = reason


class StorageError(CustodyError):
    """The database cannot be opened, or is of another schema."""


class LedgerBroken(CustodyError):
    """`verify` found a bad event."""
