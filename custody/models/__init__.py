"""The tables, grouped: core (items, people, stations, tags, the ledger), scan, closing, users.

The classes in `core`, `scan` and `closing` declare the tables and are bound to
no database. Each store makes its own copies bound to its database
(`Models`), so two stores in one process (the service and a test, two homes)
never share a connection, and nothing reaches a database through a global:

    m = store.m
    m.Item.select().where(m.Item.status == "out")

A copy is a subclass of its declaration, so `isinstance(row, Item)` holds and
the declared classes serve as type hints.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import peewee

from custody.models import closing, core, departments, lifecycle, scan, users

if TYPE_CHECKING:
    from custody.models.closing import (
        ClosingCheck,
        InventoryCount,
        InventoryExpected,
        InventorySeen,
        SweepRecord,
    )
    from custody.models.core import (
        Approval,
        Event,
        Item,
        LedgerHead,
        Person,
        SchemaInfo,
        Setting,
        Station,
        Tag,
    )
    from custody.models.departments import Department
    from custody.models.lifecycle import ApprovalRequest
    from custody.models.scan import Scan, StationSession
    from custody.models.users import AppUser, DeviceToken, LoginAttempt, WebSession

DECLARED: tuple[type[core.Base], ...] = (
    core.TABLES + scan.TABLES + closing.TABLES + lifecycle.TABLES + departments.TABLES + users.TABLES
)
"""Every table, each after the tables its foreign keys point to."""


def _bound_copy(model: type[core.Base], db: peewee.Database, made: dict[type, type]) -> type[core.Base]:
    """`model` as a subclass bound to `db`, its foreign keys pointing at the copies in `made`."""
    attrs: dict[str, object] = {"__module__": model.__module__, "__doc__": model.__doc__}
    for f in model._meta.sorted_fields:
        if isinstance(f, peewee.ForeignKeyField):
            bound = copy.deepcopy(f)
            bound.rel_model = made[f.rel_model]
            bound.rel_field = bound.rel_model._meta.fields[f.rel_field.name]
            attrs[f.name] = bound
    attrs["Meta"] = type("Meta", (), {"database": db, "table_name": model._meta.table_name})
    return type(model.__name__, (model,), attrs)


class Models:
    """One store's copies of every table, bound to its database: `m.Item`, `m.Person`, …"""

    if TYPE_CHECKING:
        SchemaInfo: type[SchemaInfo]
        Setting: type[Setting]
        Station: type[Station]
        Person: type[Person]
        Item: type[Item]
        Tag: type[Tag]
        Event: type[Event]
        LedgerHead: type[LedgerHead]
        Approval: type[Approval]
        Scan: type[Scan]
        StationSession: type[StationSession]
        SweepRecord: type[SweepRecord]
        ClosingCheck: type[ClosingCheck]
        InventoryCount: type[InventoryCount]
        InventoryExpected: type[InventoryExpected]
        InventorySeen: type[InventorySeen]
        ApprovalRequest: type[ApprovalRequest]
        Department: type[Department]
        AppUser: type[AppUser]
        WebSession: type[WebSession]
        LoginAttempt: type[LoginAttempt]
        DeviceToken: type[DeviceToken]

    def __init__(self, db: peewee.Database) -> None:
        self.db = db
        made: dict[type, type] = {}
        for model in DECLARED:
            made[model] = _bound_copy(model, db, made)
            setattr(self, model.__name__, made[model])
        self.tables: tuple[type[core.Base], ...] = tuple(made.values())
        self._by_table = {m._meta.table_name: m for m in self.tables}

    def of(self, model: type[peewee.Model]) -> type[peewee.Model]:
        """This store's copy of a table, given its declaration or another store's copy."""
        return self._by_table[model._meta.table_name]
