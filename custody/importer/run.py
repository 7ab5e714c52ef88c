"""Importing a checked plan: every row through `actions.receive_imported`, in one transaction."""

from __future__ import annotations

from collections.abc import Callable

from custody.actions import core as actions
from custody.errors import CustodyError, InvalidInput
from custody.importer.plan import Plan
from custody.messages import Msg
from custody.models.core import Item
from custody.store.core import Store


def run(
    store: Store, checked: Plan, *, actor: str, progress: Callable[[int], None] | None = None
) -> list[Item]:
    """Import a plan that has no failing rows, in one transaction; returns the items created.
    A refusal recorded on the way stays on record when the import is rolled back (P24)."""
    if checked.errors:
        raise InvalidInput(
            "{n} rows cannot be imported; nothing was imported: correct them first", n=len(checked.errors)
        )
    items: list[Item] = []
    try:
        with store.writing():
            for planned in checked.rows:
                items += actions.receive_imported(
                    store,
                    source=checked.source,
                    row=planned.row,
                    received_on=planned.received_on,
                    holder=planned.holder,
                    lent_since=planned.lent_since,
                    actor=actor,
                    **planned.receive,
                )
                if progress is not None:
                    progress(1)
    except CustodyError as exc:  # rolled back: say so in the same kind of error
        raise type(exc)(Msg("import stopped, nothing was imported: {error}", {"error": exc.msg})) from None
    return items
