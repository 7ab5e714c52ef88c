"""Item codes, badge codes and RFID tag numbers.

Item codes are printed as Code128 (set C), so they are 12 digits, never start
with `99` (python-barcode and some scanners treat it specially) and end in a
Damm check digit: any single mistyped digit or swap of two neighbours is
refused as mistyped instead of matching another item.
"""

from __future__ import annotations

import re
import secrets

from custody.errors import InvalidInput

ITEM_CODE_LENGTH = 12

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> str:
    """The Damm check digit for a string of digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return str(interim)


def damm_valid(digits: str) -> bool:
    return digits.isdigit() and damm_digit(digits) == "0"


def new_item_code(rand: secrets.SystemRandom | None = None) -> str:
    """A fresh random item code; uniqueness is enforced by the database."""
    rng = rand or secrets.SystemRandom()
    while True:
        body = str(rng.randrange(10**10, 10**11))
        if not body.startswith("99"):
            return body + damm_digit(body)


def looks_like_item_code(code: str) -> bool:
    return len(code) == ITEM_CODE_LENGTH and code.isdigit()


def check_item_code(code: str) -> str:
    """Return the code if it is a well-formed item code, else raise InvalidInput."""
    text = code.strip()
    if not looks_like_item_code(text):
        raise InvalidInput(
            "item code {code!r} is malformed: it must be {length} digits", code=code, length=ITEM_CODE_LENGTH
        )
    if text.startswith("99") or not damm_valid(text):
        raise InvalidInput(
            "item code {code!r} fails its check digit: misread or mistyped, scan again", code=code
        )
    return text


# --- RFID -----------------------------------------------------------------

_HEX10 = re.compile(r"[0-9A-Fa-f]{10}")
_DEC10 = re.compile(r"\d{10}")


def rfid_canonical(value: str) -> str:
    """An EM4100 tag id as registered: the 10 hex digits the reader sends
    (`010063E9AE`) or the 10-digit decimal number printed on most fobs
    (`0006547886`, the tag's low 32 bits), upper-cased. A scan of either
    form matches either registration (see `rfid_keys`)."""
    text = value.strip().upper()
    if _HEX10.fullmatch(text):
        return text
    raise InvalidInput(
        "RFID id {value!r} is invalid: 10 hex digits (010063E9AE) or the 10-digit decimal number on the fob",
        value=value,
    )


def rfid_keys(value: str) -> tuple[int | None, int | None]:
    """(low 32 bits read as hex, value read as a decimal fob number) of a 10-character id.

    A tag registered as hex `010063E9AE` has low32 0x0063E9AE = 6547886; a fob
    printed `0006547886` has decimal value 6547886. A scan matches a tag when
    its hex low32 equals the tag's decimal value or the other way round.
    """
    text = value.strip().upper()
    low = int(text, 16) & 0xFFFFFFFF if _HEX10.fullmatch(text) else None
    dec = int(text) if _DEC10.fullmatch(text) and int(text) < 2**32 else None
    return low, dec
