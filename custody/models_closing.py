"""Tables of closing time: sweep records, closing checks, inventory counts (issue 6 fills this)."""

from __future__ import annotations

from custody.models import Base

TABLES: tuple[type[Base], ...] = ()
