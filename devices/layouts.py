"""Keyboard layouts a keyboard-wedge scanner may be set to: key code → character.

A scanner in keyboard mode types each character of a code as the key that
makes it on the layout it is set to; the host must read the keys back with
the same layout. An office's scanners follow the office's keyboards: US,
French AZERTY or German QWERTZ.

Key codes are the Linux input ABI (`linux/input-event-codes.h`). Only
printable ASCII is mapped, since a code is ASCII; a key that types anything
else (é, ß, a dead key) is absent, so a scan containing it is dropped rather
than posted wrong. AltGr (right Alt) gives the third level where the layout
has one (`@` is AltGr+0 on AZERTY, AltGr+Q on QWERTZ).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from custody.errors import InvalidInput

KEY_102ND = 86  # the extra key left of Z on ISO keyboards (`<` `>`)

# the keypad, as typed with NumLock on (scanners emulating a keypad assume it); the same on every layout
_KEYPAD: dict[int, tuple[str, str]] = {
    55: ("*", "*"),
    74: ("-", "-"),
    78: ("+", "+"),
    98: ("/", "/"),
    83: (".", "."),
    **{
        code: (digit, digit)
        for code, digit in zip((82, 79, 80, 81, 75, 76, 77, 71, 72, 73), "0123456789", strict=True)
    },
}


def _row(first: int, plain: str, shifted: str) -> dict[int, tuple[str, str]]:
    """Keys `first`, `first + 1`, …; a space in `plain` or `shifted` marks a character not mapped."""
    return {first + i: (p.strip(), s.strip()) for i, (p, s) in enumerate(zip(plain, shifted, strict=True))}


@dataclass(frozen=True)
class Layout:
    """`keys`: key code → (unshifted, shifted), '' where that level types no ASCII; `altgr`: the third level."""

    name: str
    title: str
    keys: dict[int, tuple[str, str]]
    altgr: dict[int, str] = field(default_factory=dict)

    def letter_key(self, letter: str) -> int | None:
        """The key that types `letter` unshifted (for Ctrl+J, Ctrl+M), or None."""
        for code, (plain, _shifted) in self.keys.items():
            if plain == letter:
                return code
        return None


US = Layout(
    "us",
    "US (QWERTY)",
    {
        **_row(2, "1234567890-=", "!@#$%^&*()_+"),  # KEY_1 .. KEY_EQUAL
        **_row(16, "qwertyuiop[]", "QWERTYUIOP{}"),  # KEY_Q .. KEY_RIGHTBRACE
        **_row(30, "asdfghjkl;'`", 'ASDFGHJKL:"~'),  # KEY_A .. KEY_GRAVE
        43: ("\\", "|"),  # KEY_BACKSLASH
        **_row(44, "zxcvbnm,./", "ZXCVBNM<>?"),  # KEY_Z .. KEY_SLASH
        57: (" ", " "),  # KEY_SPACE
        **_KEYPAD,
    },
)

FR = Layout(
    "fr",
    "French AZERTY",
    {
        **_row(2, "& \"'(- _  )=", "1234567890 +"),  # digits need Shift; é è ç à ° are not ASCII
        **_row(16, "azertyuiop $", "AZERTYUIOP  "),  # ^ ¨ are dead keys, £ is not ASCII
        **_row(30, "qsdfghjklm  ", "QSDFGHJKLM% "),  # ù ² are not ASCII
        43: ("*", ""),  # µ
        **_row(44, "wxcvbn,;:!", "WXCVBN?./ "),  # § is not ASCII
        KEY_102ND: ("<", ">"),
        57: (" ", " "),
        **_KEYPAD,
    },
    altgr={4: "#", 5: "{", 6: "[", 7: "|", 9: "\\", 10: "^", 11: "@", 12: "]", 13: "}"},
)

DE = Layout(
    "de",
    "German QWERTZ",
    {
        **_row(2, "1234567890  ", '!" $%&/()=? '),  # § ß ´ ` are not ASCII or dead
        **_row(16, "qwertzuiop +", "QWERTZUIOP *"),  # ü
        **_row(30, "asdfghjkl   ", "ASDFGHJKL   "),  # ö ä, ^ dead, °
        43: ("#", "'"),
        **_row(44, "yxcvbnm,.-", "YXCVBNM;:_"),
        KEY_102ND: ("<", ">"),
        57: (" ", " "),
        **_KEYPAD,
    },
    altgr={8: "{", 9: "[", 10: "]", 11: "}", 12: "\\", 16: "@", 27: "~", KEY_102ND: "|"},
)

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (US, FR, DE)}
DEFAULT_LAYOUT = "us"


def layout_named(name: str) -> Layout:
    """The layout called `name` (us, fr, de; any case); InvalidInput naming the allowed ones."""
    key = (name or "").strip().lower()
    if key in LAYOUTS:
        return LAYOUTS[key]
    raise InvalidInput(
        "unknown keyboard layout {name!r}; allowed: {allowed}", name=name, allowed=", ".join(LAYOUTS)
    )
