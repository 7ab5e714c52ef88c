"""Every decision, pure: facts in (`custody.rules.facts`), `Allowed` or `Refusal(reason, params,
rule)` out. No database, no clock reads (`now` is a fact); `custody.actions` builds the facts
from rows, asks, records refusals (P24) and writes.

Where each decision lives, and its table (rules run in order, the first refusal wins):

- `people`: P8, who may hold an item — `HOLD_RULES` (active, not off post, cleared). Asked by
  every path that gives someone an item: check-out, a recorded loan, undoing a return.
- `loans`: check-out — `CHECK_OUT_RULES`; which of them an approval lifts — `APPROVAL_RULES`
  (`needs_approval`); a recorded loan — `LOAN_RULES`; a return — `decide_return` (P7, P12 flags).
- `approvals`: who may approve (`decide_approve`), when an approval given beforehand counts
  (`is_valid`: its window, both ends included), a leader present at the station.
- `receive`: P5, where an item may live — `RECEIVE_RULES`.
- `undo`: CMD-UNDO at a station — `UNDO_RULES` (nothing changed since; a re-lend asks P8).
- `closing`, `inventory`: closing time and counts (their own tables).

A new rule is one function (facts → `Refusal | None`), one entry in its table, its catalog key
(`custody.messages.catalog`) and its tests (tests/test_rules_*.py, on plain data).
"""
