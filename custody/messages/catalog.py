"""The catalog of reasons, flags and outcomes: stable keys (recorded in the ledger, e.g. a
refusal's `reason`) and the English message id each is shown with (Chinese in zh/catalog.po).

Parameters named like vocabulary (`level`, `clearance`, `kind`, `status`, `station_kind`, `role`)
are given as slugs and shown in the reader's language (`custody.messages.format_text`).
"""

from __future__ import annotations

from typing import Any

from custody.messages import N_, Msg, render

CATALOG: dict[str, str] = {  # key -> message id
    "clearance_too_low": N_(
        "{person}'s clearance is {clearance}: may not borrow the {level} {kind} “{title}” ({code})"
    ),
    "person_inactive": N_("{person} is inactive and may not borrow “{title}” ({code})"),
    "person_off_post": N_(
        "{person} is in the off-post period (until {until}) and may not borrow “{title}” ({code})"
    ),
    "needs_leader": N_(
        "borrowing the {level} {kind} “{title}” ({code}) needs an office leader's approval: a leader's badge at this station, or an approval given beforehand"
    ),
    "outside_scope": N_(
        "{person} is outside the distribution scope of “{title}” ({code}): needs a leader's approval"
    ),
    "already_out": N_("“{title}” ({code}) is out to {holder} (since {since}); it must be returned first"),
    "not_available": N_("“{title}” ({code}) is {status} and cannot be checked out"),
    "not_out": N_("“{title}” ({code}) is not checked out, so it cannot be returned"),
    "home_not_safe": N_("a {level} {kind} must live at a safe station; “{station}” is a {station_kind}"),
    "approver_not_leader": N_("{approver} is not an office leader and cannot approve"),
    "no_session": N_("scan a badge first, then “{title}” ({code})"),
    "returned_by_other": N_(
        "returned by {presenter}, not the holder {holder}: hand-on is not allowed, recorded"
    ),
    "returned_elsewhere": N_("returned at “{station}”, its home is “{home}”"),
    "checked_out": N_("{person} checked out the {level} {kind} “{title}” ({code})"),
    "returned": N_("“{title}” ({code}) returned"),
    "approved": N_("{approver} approved {person} borrowing “{title}” ({code})"),
    "session_opened": N_(
        "{person}: scan the items to check out or return (the session ends after {timeout} s without a scan)"
    ),
    "session_continued": N_("{person}: the session goes on, scan the items"),
    "session_approved": N_(
        "{approver} approved {person}'s session: items that need a leader's approval may be checked out"
    ),
    "session_ended": N_("{person}'s session has ended"),
    "no_session_open": N_("no session is open at this station"),
    "unknown_code": N_("unknown code “{code}”, recorded"),
    "mistyped": N_("code “{code}” fails its check digit: misread or mistyped, scan again"),
    "unknown_command": N_("unknown station command “{code}”; allowed: {allowed}"),
    "command_needs_session": N_("scan a badge first, then the command “{command}”"),
    "command_refused": N_("the command “{command}” was not carried out: {why}"),
    "nothing_to_undo": N_("nothing in this session to undo"),
    "undo_checked_out": N_("undone: {person}'s check-out of “{title}” ({code}) is cancelled, the item is in"),
    "undo_returned": N_("undone: the return of “{title}” ({code}) is cancelled, {person} still holds it"),
    "undo_approval": N_("undone: {approver}'s approval of {person}'s session"),
    "undo_changed_since": N_("cannot undo: “{title}” ({code}) has changed since"),
    "undo_not_possible": N_("this scan ({outcome}) cannot be undone; ask the custodian"),
    "late_conflict": N_(
        "late scan (scanned {scanned_at}) conflicts with what happened since; not applied, listed as an exception for the custodian: {why}"
    ),
    "late_station_moved_on": N_("this station has newer scans"),
    "late_item_changed": N_("“{title}” ({code}) has changed elsewhere since"),
    "late_note": N_(" (sent late, scanned {scanned_at})"),
    "close_safe_not_allowed": N_(
        "{person} is neither a custodian nor an office leader and may not close “{station}”"
    ),
    "second_check_same_person": N_("the check needs a second person, not {person} who closed it"),
    "second_check_inactive": N_("{person} is inactive and may not check"),
    "count_already_open": N_(
        "a count is already open at “{station}” (started by {starter} at {since}): close it first"
    ),
    "count_start_not_allowed": N_(
        "{person} is neither a custodian nor an office leader and may not start a count"
    ),
    "count_close_not_allowed": N_(
        "this count was started by {starter}: only they or a custodian may close it, not {person}"
    ),
}


EVENT_NAMES: dict[str, str] = {  # what each ledger event kind is called, for histories and registers
    "received": N_("received"),
    "imported": N_("imported"),
    "checked_out": N_("checked out"),
    "loan_recorded": N_("loan recorded"),
    "returned": N_("returned"),
    "refused": N_("refused"),
    "approved": N_("approved"),
    "session_approved": N_("approved at the station"),
    "session_approval_withdrawn": N_("approval withdrawn"),
    "tag_bound": N_("tag bound"),
    "person_added": N_("person added"),
    "person_changed": N_("person changed"),
    "station_added": N_("station added"),
    "station_changed": N_("station changed"),
    "token_issued": N_("token issued"),
    "token_revoked": N_("token revoked"),
    "setting_changed": N_("setting changed"),
    "device_connected": N_("scanner connected"),
    "device_disconnected": N_("scanner disconnected"),
    "count_started": N_("count started"),
    "inventory_seen": N_("seen in count"),
    "count_closed": N_("count closed"),
    "safe_closed": N_("safe closed"),
    "safe_checked": N_("closing checked"),
    "sweep_recorded": N_("closing sweep"),
    "notified": N_("notified"),
}


FLAG_NAMES: dict[str, str] = {  # what each sweep flag is called
    "top_secret_out": N_("top secret out"),
    "seal_out": N_("seal out"),
    "letter_out": N_("letter of introduction out"),
    "over_reading_limit": N_("past the reading limit"),
    "safe_not_closed": N_("safe not closed in time"),
    "safe_closed_late": N_("safe closed late"),
}


def text(key: str, **params: Any) -> Msg:
    """The message of a catalog key (a reason, a flag, an outcome) with its values."""
    return Msg(CATALOG[key], params)


def event_name(kind: str, lang: str = "zh") -> str:
    return render(Msg(EVENT_NAMES[kind]), lang) if kind in EVENT_NAMES else kind


def flag_name(flag: str, lang: str = "zh") -> str:
    return render(Msg(FLAG_NAMES[flag]), lang) if flag in FLAG_NAMES else flag
