"""What a station shows after a scan: sessions, commands, undo and late scans.

The texts live in the one catalog, `custody.messages.CATALOG`; this module
keeps the name the scan service imports.
"""

from __future__ import annotations

from custody.messages import CATALOG, render

__all__ = ["CATALOG", "render"]
