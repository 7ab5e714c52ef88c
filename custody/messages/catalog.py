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
    "no_session": N_("scan a badge first, then the item ({code})"),
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
    # --- an item's whole life (issue 13; Chinese in zh/lifecycle.po) ---
    "request_unknown_action": N_("a request cannot ask for “{action}”; allowed: {allowed}"),
    "request_window_past": N_(
        "the approval window would end {until}, in the past or before it starts: give a window that ends later"
    ),
    "person_not_active": N_("{person} is inactive and may not act"),
    "own_request": N_(
        "{approver} cannot approve their own request {request}: another office leader must decide it"
    ),
    "request_decided": N_("request {request} is already {state}"),
    "item_gone": N_(
        "“{title}” ({code}) is {status}: its life here has ended; it can never be checked out, copied, destroyed or returned again"
    ),
    "copy_while_out": N_("“{title}” ({code}) is out to {holder}: it can be copied only once it is back"),
    "destroy_while_out": N_(
        "“{title}” ({code}) is out to {holder}: it must be returned before it is destroyed"
    ),
    "return_while_out": N_(
        "“{title}” ({code}) is out to {holder}: it must be returned before it goes back to the issuer"
    ),
    "item_lost": N_(
        "“{title}” ({code}) is reported lost: an office leader must resolve the report first (custody found)"
    ),
    "not_registrar": N_(
        "{by} is a {role}: only an active custodian or administrator may do this to “{title}” ({code})"
    ),
    "own_approval": N_(
        "{approver} cannot approve their own act on “{title}” ({code}): another office leader must approve it"
    ),
    "copy_needs_leader": N_(
        "copying the {level} {kind} “{title}” ({code}) needs an office leader's approval: a leader at the desk (--approved-by), or an approved request (custody request copy)"
    ),
    "destroy_needs_leader": N_(
        "destroying “{title}” ({code}) needs an office leader's approval: a leader at the desk (--approved-by), or an approved request (custody request destroy)"
    ),
    "copy_forbidden": N_("“{title}” ({code}) was received marked “do not copy” and cannot be copied"),
    "copy_needs_issuer": N_(
        "copying the top-secret “{title}” ({code}) also needs the issuing authority's approval: give its reference (--issuer-ref)"
    ),
    "copy_count": N_("{copies} copies is invalid: 1–1000"),
    "witness_is_actor": N_(
        "{witness} destroys “{title}” ({code}) and cannot also witness it: name two other witnesses"
    ),
    "witness_inactive": N_("{witness} is inactive and cannot witness the destruction of “{title}” ({code})"),
    "destroy_needs_witnesses": N_(
        "destroying “{title}” ({code}) needs at least two witnesses other than the one destroying (--witness twice); {count} given"
    ),
    "due_date_past": N_("the due date {due} is in the past (today is {today}): give today or a later day"),
    "already_lost": N_("“{title}” ({code}) is already reported lost"),
    "not_lost": N_("“{title}” ({code}) is not reported lost"),
    "resolve_needs_leader": N_(
        "only an office leader may resolve the loss of “{title}” ({code}); {by} is not one"
    ),
    "period_long_term": N_(
        "a {level} item may be kept secret at most {years} years: “long-term” is not allowed; give up to {years} years, or condition:TEXT"
    ),
    "period_too_long": N_(
        "a {level} item may be kept secret at most {years} years: {period} runs past {limit}"
    ),
    "review_needs_leader": N_(
        "only an office leader may record the review of “{title}” ({code}); {by} is not one"
    ),
    "review_outcome": N_("unknown review outcome “{outcome}”; allowed: declassify, extend, keep"),
    "review_needs_period": N_(
        "extending the secrecy period of “{title}” ({code}) needs the new period (--period)"
    ),
    "copied": N_("{by} made {copies} copies of “{title}” ({code}): {codes}"),
    "destroyed": N_("“{title}” ({code}) destroyed by {by}, witnessed by {witnesses}"),
    "returned_to_issuer": N_("“{title}” ({code}) returned to the issuer"),
    "reported_lost": N_(
        "“{title}” ({code}) reported lost by {by}: flagged until an office leader resolves it"
    ),
    "loss_found": N_("“{title}” ({code}) found: back as {status}"),
    "loss_confirmed": N_("the loss of “{title}” ({code}) is confirmed by {by}: its life here has ended"),
    "review_declassify": N_("“{title}” ({code}) declassified by {by}"),
    "review_extend": N_("the secrecy period of “{title}” ({code}) extended to {period} by {by}"),
    "review_keep": N_("“{title}” ({code}) kept as it is by {by}"),
    "request_made": N_("request {request} made for {person}: pending an office leader's decision"),
    "request_approved": N_("{approver} approved request {request} for {person}"),
    "request_rejected": N_("{approver} rejected request {request} for {person}: {reason}"),
    "due_back_set": N_("“{title}” ({code}) is due back to the issuer on {due}"),
}


CATALOG.update(  # issue 14: where an item may go and who may hold it (Chinese in zh/loans.po)
    {
        "top_secret_on_site": N_(
            "top-secret items are read only in the reading room (or at the safe or the custodian's desk): not at {station}"
        ),
        "top_secret_not_outside": N_(
            "top-secret items are read only in the reading room: “{title}” ({code}) never leaves the office"
        ),
        "archive_in_archive_room": N_(
            "archive files are consulted only in the archive room: not at {station} (“{title}”, {code})"
        ),
        "archive_not_lent": N_(
            "archive files are not lent out (“{title}”, {code}) unless an office leader approves a special case"
        ),
        "archive_needs_letter": N_(
            "consulting the archive file “{title}” ({code}) needs a letter of introduction (--letter NO) or an office leader's approval"
        ),
        "outside_needs_leader": N_(
            "taking “{title}” ({code}) out of the office needs an office leader's approval"
        ),
        "external_needs_leader": N_(
            "lending “{title}” ({code}) to another unit needs an office leader's approval"
        ),
        "loan_needs_due": N_(
            "taking “{title}” ({code}) out or lending it to another unit needs a due time later than now (--due)"
        ),
        "outside_needs_two": N_(
            "carrying the {level} {kind} “{title}” ({code}) outside needs two people: name the second with --with, or scan their badge into the session"
        ),
        "second_same_person": N_("the second person carrying it must be someone other than {person}"),
        "external_needs_recipient": N_(
            "lending “{title}” ({code}) to another unit needs the unit (--unit) and a named recipient (--recipient)"
        ),
        "seal_needs_use": N_(
            "the {kind} “{title}” ({code}) goes out only for a stated use (--use) with an office leader's approval"
        ),
        "must_hand_back": N_("{person} still holds {count} item(s); hand back first: {items}"),
        "clearance_below_held": N_("{person} holds items above {clearance}; hand back first: {items}"),
        "scope_needs_leader": N_(
            "only an active office leader changes a distribution scope; {by} is not one"
        ),
        "scope_set": N_("the distribution scope of “{title}” ({code}) set by {by}: {scope}"),
        "handover_people": N_(
            "a handover needs three different people: the one handing over, the one taking over and a supervisor"
        ),
        "handover_inactive": N_("{person} is inactive and may take no part in a handover"),
        "handover_incomplete": N_(
            "the handover of {station} is not recorded: {count} item(s) not accounted for: {items}"
        ),
        "handover_done": N_(
            "the handover of {station} is recorded: {giver} to {taker}, supervised by {supervisor}; {count} item(s) counted"
        ),
        "overdue_loan": N_("past its due time"),
    }
)


CATALOG.update(  # issue 14 at a station (P13, both badges in one session) and P23 in scan answers
    {
        "session_outside": N_(
            "{person}: the items scanned now go out of the office, due back by {due}; next the second person's badge, then a leader's"
        ),
        "second_holder": N_("{person} carries the items with {borrower} (second holder)"),
        "undo_terms": N_("undone: the scan of {code} no longer counts for this session's loans"),
        "returned_no_session": N_("{code} returned"),
        "counted_no_session": N_("{code} counted"),
        "refused_no_session": N_("{code} not accepted: ask the custodian (the reason is recorded)"),
        "scanned_no_session": N_("{code} scanned"),
        "unavailable_no_session": N_("{code} is {status} and cannot be checked out"),
        "reading_limit_passed": N_(
            "the top-secret “{title}” ({code}) has been out to {holder} since {since}, past the reading limit of {minutes} minutes"
        ),
    }
)


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
    "copied": N_("copied"),
    "destroyed": N_("destroyed"),
    "returned_to_issuer": N_("returned to issuer"),
    "reported_lost": N_("reported lost"),
    "loss_found": N_("found"),
    "loss_confirmed": N_("loss confirmed"),
    "reviewed": N_("reviewed"),
    "due_back_set": N_("due date set"),
    "request_made": N_("approval requested"),
    "request_approved": N_("request approved"),
    "request_rejected": N_("request rejected"),
}
EVENT_NAMES.update(  # issue 14
    {
        "dept_added": N_("department added"),
        "scope_set": N_("distribution scope changed"),
        "handover": N_("handover"),
    }
)
EVENT_NAMES.update(  # issue 15: logins and device tokens (custody.actions.users, custody.actions.stations)
    {
        "user_added": N_("user added"),
        "user_changed": N_("user changed"),
        "device_token_added": N_("device token added"),
        "device_token_revoked": N_("device token revoked"),
    }
)


FLAG_NAMES: dict[str, str] = {  # what each sweep flag is called
    "top_secret_out": N_("top secret out"),
    "seal_out": N_("seal out"),
    "letter_out": N_("letter of introduction out"),
    "over_reading_limit": N_("past the reading limit"),
    "safe_not_closed": N_("safe not closed in time"),
    "safe_closed_late": N_("safe closed late"),
    "lost": N_("reported lost"),
    "due_to_issuer": N_("due back to the issuer"),
    "overdue_to_issuer": N_("overdue back to the issuer"),
}
FLAG_NAMES["overdue_loan"] = N_("past its due time")  # issue 14: P13/P14


def text(key: str, **params: Any) -> Msg:
    """The message of a catalog key (a reason, a flag, an outcome) with its values."""
    return Msg(CATALOG[key], params)


def event_name(kind: str, lang: str = "zh") -> str:
    return render(Msg(EVENT_NAMES[kind]), lang) if kind in EVENT_NAMES else kind


def flag_name(flag: str, lang: str = "zh") -> str:
    return render(Msg(FLAG_NAMES[flag]), lang) if flag in FLAG_NAMES else flag
