"""Station command codes: printed barcodes a station understands besides badges and items.

Every command starts with the reserved prefix `CMD-` (letters, digits and
hyphens, upper case on the sheet, matched in any case). They cannot collide
with anything else a scanner reads: badges may not start with `CMD-`
(`actions.add_person` refuses them) and item codes are 12 digits.

| code              | does                                                             |
|-------------------|------------------------------------------------------------------|
| `CMD-END`         | ends the station's session                                       |
| `CMD-UNDO`        | cancels the session's last check-out, return or approval by a    |
|                   | compensating event (the ledger is never edited)                  |
| `CMD-COUNT-START` | starts an inventory count at this station (P22); item scans are  |
|                   | then counted instead of lent or returned                         |
| `CMD-COUNT-END`   | ends the count and reports what is missing or misplaced          |
| `CMD-CLOSE-SAFE`  | the closing check of this safe; a second person's badge confirms |

All but `CMD-END` need a badge first (the session's person is who acts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from custody.actions import closing, inventory
from custody.actions import core as actions
from custody.actions import scan as scan_actions
from custody.actions.outcome import Outcome
from custody.errors import CustodyError, Refused
from custody.messages import N_, translate
from custody.messages.catalog import text
from custody.reports import shapes
from custody.scan import terms as session_terms

if TYPE_CHECKING:
    from custody.scan.station import ScanContext

PREFIX = actions.COMMAND_PREFIX


@dataclass(frozen=True)
class Command:
    code: str
    caption_id: str  # the caption's message id (English; Chinese in zh/scan.po)
    needs_session: bool
    run: Callable[[ScanContext], Outcome]

    def caption(self, lang: str = "zh") -> str:
        return translate(self.caption_id, lang)


def is_command(code: str) -> bool:
    return code.strip().upper().startswith(PREFIX)


def run(ctx: ScanContext, code: str) -> Outcome:
    """Carry out a command code at the context's station (inside the scan's transaction)."""
    command = BY_CODE.get(code.strip().upper())
    if command is None:
        return Outcome("unknown", text("unknown_command", code=code, allowed=", ".join(BY_CODE)))
    if command.needs_session and ctx.session is None:
        return actions.record_scan_refusal(
            ctx.store,
            "command_needs_session",
            {"command": command.code},
            actor=ctx.actor,
            station=ctx.station.name,
        )
    return command.run(ctx)


def sheet_rows(lang: str = "zh") -> tuple[tuple[str, str], ...]:
    """(code, caption) pairs for the printed command sheet (labels.model.CommandSheet)."""
    return tuple((c.code, c.caption(lang)) for c in COMMANDS)


# --- the commands ------------------------------------------------------------------


def end_session(ctx: ScanContext) -> Outcome:
    if ctx.session is None:
        return Outcome("command", text("no_session_open"))
    person = ctx.session.person
    ctx.end_session()
    return Outcome("command", text("session_ended", person=person.name), person=person)


UNDOABLE = ("checked_out", "returned", "approved", "inventory_seen")


def go_outside(ctx: ScanContext) -> Outcome:
    """P13: the session's loans leave the office, due back at the closing time the code names."""
    assert ctx.session is not None
    code = ctx.scan.code.strip().upper()
    due = session_terms.due_at(ctx.store, ctx.station, code, ctx.at)
    person = ctx.session.person
    return Outcome(
        "command",
        text("session_outside", person=person.name, due=shapes.when(due, ctx.tz)),
        session_terms.SET_OUTSIDE,
        person=person,
    )


def undo_last(ctx: ScanContext) -> Outcome:
    """Cancel the session's last check-out, return, approval or loan term that is not cancelled yet."""
    assert ctx.session is not None
    session, store = ctx.session, ctx.store
    Scan = store.m.Scan  # noqa: N806 - the store's table
    last = (
        Scan.select()
        .where(
            (Scan.session == session.uid)
            & (Scan.outcome.in_(UNDOABLE) | Scan.reason.in_(session_terms.TERM_REASONS))
            & Scan.undone_by.is_null()
        )
        .order_by(Scan.id.desc())
        .first()
    )
    if last is None:
        return actions.record_scan_refusal(
            store,
            "nothing_to_undo",
            {},
            actor=ctx.actor,
            person=session.person_id,
            station=ctx.station.name,
            action="undo",
        )
    if last.reason in session_terms.TERM_REASONS:  # a purpose or a second person: no event to undo
        scan_actions.mark_undone(store, last.id, ctx.scan.scan_id)
        return Outcome("command", text("undo_terms", code=last.code), person=session.person)
    if last.outcome == "approved" and session.approver is not None:
        out = actions.withdraw_session_approval(
            store, ctx.station, session.person, session.approver, undo_of=last.event_seq, actor=ctx.actor
        )
        ctx.set_approver(None)
    elif last.outcome in ("checked_out", "returned") and last.event_seq:
        out = actions.undo_custody_event(store, last.event_seq, ctx.station, actor=ctx.actor)
    else:
        return actions.record_scan_refusal(
            store,
            "undo_not_possible",
            {"outcome": last.outcome},
            actor=ctx.actor,
            person=session.person_id,
            station=ctx.station.name,
            action="undo",
        )
    if out.outcome != "refused":
        scan_actions.mark_undone(store, last.id, ctx.scan.scan_id)
    return out


def _closing_call(function: Callable[..., Outcome]) -> Callable[[ScanContext], Outcome]:
    """A command carried out at closing time: `function(store, station, person, actor)`."""

    def call(ctx: ScanContext) -> Outcome:
        assert ctx.session is not None
        try:
            out: Outcome = function(ctx.store, ctx.station, ctx.session.person, ctx.actor)
        except Refused as exc:  # already recorded by the closing-time module (P24)
            return Outcome("refused", exc.msg, exc.reason, person=ctx.session.person, rule=exc.rule)
        except CustodyError as exc:  # e.g. no count is open: nothing was written; record why not
            return actions.record_scan_refusal(
                ctx.store,
                "command_refused",
                {"command": ctx.scan.code.upper(), "why": exc.msg},
                actor=ctx.actor,
                person=ctx.session.person_id,
                station=ctx.station.name,
            )
        return out

    return call


COMMANDS: tuple[Command, ...] = (
    Command("CMD-END", N_("End the session"), False, end_session),
    Command("CMD-UNDO", N_("Undo the last scan"), True, undo_last),
    Command("CMD-COUNT-START", N_("Start an inventory count"), True, _closing_call(inventory.start_count)),
    Command("CMD-COUNT-END", N_("End the inventory count"), True, _closing_call(inventory.close_count)),
    Command("CMD-CLOSE-SAFE", N_("Close the safe for the night"), True, _closing_call(closing.close_safe)),
    Command("CMD-OUT-TODAY", N_("Out of the office, back by closing time today"), True, go_outside),
    Command("CMD-OUT-1D", N_("Out of the office, back by closing time next working day"), True, go_outside),
    Command("CMD-OUT-3D", N_("Out of the office, back in 3 working days"), True, go_outside),
    Command("CMD-OUT-7D", N_("Out of the office, back in 7 working days"), True, go_outside),
)
BY_CODE = {c.code: c for c in COMMANDS}
