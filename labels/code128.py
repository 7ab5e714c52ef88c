"""Code128 module strings: python-barcode encodes, this module checks.

A module string is the symbol as '1' (bar) and '0' (space) modules, from the
start character to the end of the stop pattern, without quiet zones.

python-barcode picks code sets well, but its optimiser mistakes a leading
symbol value 99 (the digits "99" in set C) for a code-set switch and drops it.
So every encoding is decoded back here and compared with the code; where they
differ, plain set B is used. Command codes are always set B.
"""

from __future__ import annotations

from barcode import Code128
from barcode.charsets import code128 as charset

from custody.errors import InvalidInput

QUIET_MODULES = 10  # the quiet zone Code128 requires on each side, in modules
STOP = charset.STOP + "11"  # python-barcode appends the final 2-module bar separately
START_A, START_B, START_C = 103, 104, 105

_VALUE = {pattern: value for value, pattern in enumerate(charset.CODES)}


def modules(code: str, *, set_b: bool = False) -> str:
    """The bars of `code`; `set_b` forces code set B (for alphanumeric command codes)."""
    _check_encodable(code)
    if not set_b:
        bars = Code128(code).build()[0]
        if decode(bars) == code:
            return bars
    return _encode_b(code)


def decode(bars: str) -> str:
    """The text a scanner reads from a module string; ValueError if it is not valid Code128."""
    body, stop = bars[: -len(STOP)], bars[-len(STOP) :]
    if stop != STOP or not body or len(body) % 11:
        raise ValueError("not a Code128 module string")
    try:
        values = [_VALUE[body[i : i + 11]] for i in range(0, len(body), 11)]
    except KeyError:
        raise ValueError("unknown Code128 pattern") from None
    *symbols, check = values
    if len(symbols) < 2 or _checksum(symbols) != check:
        raise ValueError("Code128 checksum mismatch")
    return _text(symbols)


def _check_encodable(code: str) -> None:
    if not code or any(not 32 <= ord(ch) < 127 for ch in code):
        raise InvalidInput(
            "{code!r} cannot be printed as a barcode: only printable ASCII letters, digits and signs",
            code=code,
        )


def _encode_b(code: str) -> str:
    symbols = [START_B] + [ord(ch) - 32 for ch in code]
    return "".join(charset.CODES[v] for v in [*symbols, _checksum(symbols)]) + STOP


def _checksum(symbols: list[int]) -> int:
    return (symbols[0] + sum(i * v for i, v in enumerate(symbols[1:], start=1))) % 103


def _text(symbols: list[int]) -> str:
    sets = {START_A: "A", START_B: "B", START_C: "C"}
    if symbols[0] not in sets:
        raise ValueError("no Code128 start character")
    current, out = sets[symbols[0]], []
    for v in symbols[1:]:
        if current == "C" and v < 100:
            out.append(f"{v:02d}")
        elif v == 99 and current != "C":
            current = "C"
        elif v == 100 and current != "B":
            current = "B"
        elif v == 101 and current != "A":
            current = "A"
        elif v < 96 and current in "AB":
            out.append(chr(v + 32) if current == "B" or v < 64 else chr(v - 64))
        else:
            raise ValueError(f"unsupported Code128 function value {v}")
    return "".join(out)
