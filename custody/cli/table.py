"""Plain-text tables that line up with Chinese text (wide characters count as two), and what
keeps a hostile string from steering the terminal they are printed to.

A name or title may hold terminal escapes (`ESC[2J` clears the custodian's screen) or
bidirectional overrides that make a line read differently than it is. `visible` shows
them as escapes instead: C0 controls as `\x1b`, DEL, C1 controls and the bidi
controls as `\u009b` (inside JSON strings, which hold no raw C0 control, that is
the same character written as JSON writes it). Tables, and every line the CLI
writes to stdout (`VisibleStream`), go through it.
"""

from __future__ import annotations

import io
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

# C0 controls but tab and newline; DEL and C1; the bidi embeddings, overrides and isolates; LRM/RLM/ALM
_C0 = re.compile(r"[\x00-\x08\x0b-\x1f]")
_OTHER = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with every character that could steer a terminal shown as an escape."""
    text = _C0.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return _OTHER.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def visible_cell(text: str) -> str:
    """A table cell: also tab and newline, which would break the table's lines."""
    return visible(text).replace("\t", "\\t").replace("\n", "\\n")


class VisibleStream(io.TextIOBase):
    """A text stream (the CLI's stdout) that writes through `visible`; bytes go to its buffer."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, s: str) -> int:  # type: ignore[override]
        if not isinstance(s, str):
            raise TypeError("write() argument must be str")
        self.inner.write(visible(s))
        return len(s)

    def flush(self) -> None:
        self.inner.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.inner.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.inner.errors

    def __getattr__(self, name: str) -> Any:  # buffer, mode, name … of the real stream
        return getattr(self.inner, name)


def show_controls_on_stdout() -> TextIO:
    """Make stdout a `VisibleStream` (undone by `restore_stdout` with what this returns)."""
    previous = sys.stdout
    if not isinstance(previous, VisibleStream):
        sys.stdout = VisibleStream(previous)  # type: ignore[assignment]
    return previous


def restore_stdout(previous: TextIO) -> None:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    sys.stdout = previous


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, n: int) -> str:
    return text + " " * max(0, n - width(text))


def render(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[("" if c is None else visible_cell(str(c))) for c in row] for row in rows]
    widths = [width(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], width(c))
    lines = [
        "  ".join(pad(h, widths[i]) for i, h in enumerate(headers)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(pad(c, widths[i]) for i, c in enumerate(row)).rstrip() for row in cells]
    return "\n".join(lines)


def listing(parts: Iterable[str], lang: str) -> str:
    """Words listed in a line: `绝密 1，机密 3` in Chinese, `Top secret 1, Secret 3` in English."""
    return ("，" if lang == "zh" else ", ").join(parts)
