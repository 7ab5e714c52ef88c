"""The one write path: every change of state is one function, one transaction.

Each action builds the facts (`custody.rules.facts`) from rows, asks the rules (pure,
`custody.rules`), records a refusal (P24, `record_refusal`) or appends its event(s) to the
ledger and updates the current-state tables, all inside `store.writing()`. CLI, web pages and
the scan service call these; nothing else writes models (tests/test_layout.py).

This module is the facade: `from custody.actions import core as actions` then
`actions.check_out(store, …)`. The actions live in:

- `refusals`: `record_refusal`, `record_scan_refusal`
- `settings`: `set_setting`
- `stations`: `add_station`, `rotate_token`, `revoke_token`, `station_for_token`,
  `set_station_closing_time`, `record_device_event`
- `people`: `add_person`, `tag_item`, `off_post`, `set_active`
- `items`: `receive`, `default_home`
- `loans`: `check_out`, `return_item`, `approve`, `approve_session`,
  `withdraw_session_approval`, `undo_custody_event`
- `imports`: `receive_imported`, `record_loan`, `loan_problem`
- `inventory`, `scan`, `closing`, `notify`: counts, the scan path, closing time, notifications
"""

from __future__ import annotations

from custody.actions.imports import loan_problem, receive_imported, record_loan
from custody.actions.items import default_home, item_facts, receive
from custody.actions.loans import (
    approve,
    approve_session,
    check_out,
    return_item,
    set_state,
    undo_custody_event,
    withdraw_session_approval,
)
from custody.actions.outcome import Outcome
from custody.actions.people import COMMAND_PREFIX, add_person, off_post, person_facts, set_active, tag_item
from custody.actions.refusals import record_refusal, record_scan_refusal
from custody.actions.settings import set_setting
from custody.actions.stations import (
    DEVICE_EVENTS,
    _hash_token,
    add_station,
    hash_token,
    record_device_event,
    revoke_token,
    rotate_token,
    set_station_closing_time,
    station_for_token,
)

__all__ = [
    "COMMAND_PREFIX",
    "DEVICE_EVENTS",
    "Outcome",
    "_hash_token",
    "add_person",
    "add_station",
    "approve",
    "approve_session",
    "check_out",
    "default_home",
    "hash_token",
    "item_facts",
    "loan_problem",
    "off_post",
    "person_facts",
    "receive",
    "receive_imported",
    "record_device_event",
    "record_loan",
    "record_refusal",
    "record_scan_refusal",
    "return_item",
    "revoke_token",
    "rotate_token",
    "set_active",
    "set_setting",
    "set_state",
    "set_station_closing_time",
    "station_for_token",
    "tag_item",
    "undo_custody_event",
    "withdraw_session_approval",
]
