"""The departments people belong to and distribution scopes name (P9, issue 14, schema step 3)."""

from __future__ import annotations

import peewee

from custody.models.core import Base, TimeField


class Department(Base):
    """A department of the office (`custody dept add`). A person's `dept` names one."""

    name = peewee.TextField(unique=True)
    created_at = TimeField()


TABLES: tuple[type[Base], ...] = (Department,)
