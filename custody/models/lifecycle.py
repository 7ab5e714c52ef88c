"""The tables of an item's whole life (issue 13): requests for an approval made in advance."""

from __future__ import annotations

import peewee

from custody.models.core import Base, Item, Person, TimeField


class ApprovalRequest(Base):
    """A request for an office leader's approval, made in advance (`custody request`), shown as `R<id>`.

    For whom (`person`), what (`action`, and an item, a document — `doc_no` + `issuer` — or neither:
    any item for that action), valid from–until, how many uses (0: any number), its reference.
    `status`: pending → approved | rejected, decided by an active office leader who is neither the
    requester nor the person it is for."""

    action = peewee.TextField()  # check-out | copy | destroy
    person = peewee.ForeignKeyField(Person, backref="+")
    requested_by = peewee.ForeignKeyField(Person, backref="+")
    item = peewee.ForeignKeyField(Item, null=True, backref="+")
    doc_no = peewee.TextField(default="")
    issuer = peewee.TextField(default="")
    valid_from = TimeField()
    valid_until = TimeField()
    uses = peewee.IntegerField(default=1)
    used = peewee.IntegerField(default=0)
    purpose = peewee.TextField(default="")
    reference = peewee.TextField(default="")
    status = peewee.TextField(default="pending", index=True)
    decided_by = peewee.ForeignKeyField(Person, null=True, backref="+")
    decided_at = TimeField(null=True)
    reason = peewee.TextField(default="")
    created_at = TimeField()
    event_seq = peewee.BigIntegerField()
    decided_seq = peewee.BigIntegerField(null=True)

    @property
    def ref(self) -> str:
        return f"R{self.id}"


TABLES: tuple[type[Base], ...] = (ApprovalRequest,)
