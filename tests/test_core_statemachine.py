"""Random receive / check-out / return / approve sequences, and an item's whole life (copy,
destroy, return to issuer, lost/found, review: issue 13), loans out of the office, scope changes
and changes to people (issue 14), against a real database.

After every step: each item is in exactly one state; the current-state tables
equal a replay of the ledger; verify passes; events == actions (refusals included);
a destroyed or returned item never comes back.
"""

import json
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from core_support import BACKENDS, office, open_store
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from custody.actions import core as actions
from custody.actions import departments, requests
from custody.actions import lifecycle as life
from custody.actions import people as people_actions
from custody.errors import Refused
from custody.ledger import chain as ledger
from custody.ledger.replay import replay
from custody.ledger.verify import verify
from custody.models.core import to_text
from custody.rules.places import LoanTerms

PEOPLE = ("zhang", "li", "wang", "zhao")
LEVELS = ("top-secret", "secret", "confidential", "internal", "unclassified")
ENDED = ("destroyed", "returned-to-issuer")


def make_machine(backend: str):
    class Custody(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            self._tmp = tempfile.TemporaryDirectory()
            self._ctx = open_store(backend, Path(self._tmp.name))
            self.store = self._ctx.__enter__()
            self.o = office(self.store)
            self.base_events = self.store.m.Event.select().count()
            self.actions_done = 0
            self.codes: list[str] = []
            self.gone: set[str] = set()  # destroyed or returned to the issuer: never back

        def fresh(self, who):
            """The person's row as it is now (issue 14 changes people during a run)."""
            return self.store.m.Person.get_by_id(self.o[who].id)

        def teardown(self):
            if hasattr(self, "_ctx"):
                self._ctx.__exit__(None, None, None)
                self._tmp.cleanup()

        @rule(level=st.sampled_from(LEVELS), copies=st.integers(1, 3))
        def receive(self, level, copies):
            items = actions.receive(self.store, title="文件", level=level, copies=copies, actor="sm")
            self.codes += [i.code for i in items]
            self.actions_done += copies  # one event per copy

        @precondition(lambda self: self.codes)
        @rule(data=st.data(), who=st.sampled_from(PEOPLE), with_leader=st.booleans())
        def check_out(self, data, who, with_leader):
            code = data.draw(st.sampled_from(self.codes))
            self.store.clock.advance(minutes=1)
            actions.check_out(
                self.store,
                code,
                self.fresh(who),  # as the station and the CLI load them: now, not at setup
                self.o["safe"],
                actor="sm",
                approver=self.fresh("wang") if with_leader else None,
            )
            self.actions_done += 1

        @precondition(lambda self: self.codes)
        @rule(data=st.data(), who=st.sampled_from(PEOPLE + (None,)), at_room=st.booleans())
        def return_item(self, data, who, at_room):
            code = data.draw(st.sampled_from(self.codes))
            self.store.clock.advance(minutes=1)
            actions.return_item(
                self.store,
                code,
                self.o["room"] if at_room else self.o["safe"],
                actor="sm",
                presenter=self.o[who] if who else None,
            )
            self.actions_done += 1

        @precondition(lambda self: self.codes)
        @rule(data=st.data(), who=st.sampled_from(PEOPLE), approver=st.sampled_from(PEOPLE))
        def approve(self, data, who, approver):
            code = data.draw(st.sampled_from(self.codes))
            actions.approve(self.store, code, self.o[who], self.o[approver], actor="sm", hours=1)
            self.actions_done += 1

        # --- an item's whole life (issue 13) ---

        @precondition(lambda self: self.codes)
        @rule(data=st.data(), copies=st.integers(1, 2), with_leader=st.booleans())
        def copy(self, data, copies, with_leader):
            code = data.draw(st.sampled_from(self.codes))
            out, made = life.copy(
                self.store,
                code,
                copies,
                by=self.o["zhao"],
                approver=self.o["wang"] if with_leader else None,
                issuer_ref=data.draw(st.sampled_from(("", "国保3号"))),
                actor="sm",
            )
            self.codes += [i.code for i in made]
            self.actions_done += len(made) or 1  # one event per copy, or the refusal

        @precondition(lambda self: self.codes)
        @rule(data=st.data(), witnesses=st.sampled_from((("zhang", "li"), ("zhao", "li"), ("zhang",))))
        def destroy(self, data, witnesses):
            codes = data.draw(st.lists(st.sampled_from(self.codes), min_size=1, max_size=2, unique=True))
            outs = life.destroy(
                self.store,
                codes,
                by=self.o["zhao"],
                approver=self.o["wang"],
                witnesses=[self.o[w] for w in witnesses],
                actor="sm",
            )
            self.gone |= {o.item.code for o in outs if o.outcome == "destroyed"}
            self.actions_done += len(outs)

        @precondition(lambda self: self.codes)
        @rule(data=st.data())
        def return_to_issuer(self, data):
            code = data.draw(st.sampled_from(self.codes))
            outs = life.return_to_issuer(self.store, [code], by=self.o["zhao"], actor="sm")
            self.gone |= {o.item.code for o in outs if o.outcome == "returned_to_issuer"}
            self.actions_done += len(outs)

        @precondition(lambda self: self.codes)
        @rule(data=st.data(), who=st.sampled_from(PEOPLE))
        def report_lost(self, data, who):
            code = data.draw(st.sampled_from(self.codes))
            life.report_loss(self.store, code, by=self.o[who], actor="sm")
            self.actions_done += 1

        @precondition(lambda self: self.codes)
        @rule(data=st.data(), who=st.sampled_from(PEOPLE), found=st.booleans())
        def resolve_loss(self, data, who, found):
            code = data.draw(st.sampled_from(self.codes))
            life.resolve_loss(self.store, code, by=self.o[who], found=found, actor="sm")
            self.actions_done += 1

        @precondition(lambda self: self.codes)
        @rule(
            data=st.data(),
            outcome=st.sampled_from(("declassify", "extend", "keep")),
            period=st.sampled_from(("", "5y", "until:2099-01-01")),
        )
        def review(self, data, outcome, period):
            code = data.draw(st.sampled_from(self.codes))
            life.review_item(self.store, code, by=self.o["wang"], outcome=outcome, period=period, actor="sm")
            self.actions_done += 1

        @rule(
            asker=st.sampled_from(PEOPLE),
            leader=st.sampled_from(PEOPLE),
            approve=st.booleans(),
            with_item=st.booleans(),
            data=st.data(),
        )
        def request_and_decide(self, asker, leader, approve, with_item, data):
            """The one approval model asked in advance: a request, then a decision (own ones refused)."""
            code = data.draw(st.sampled_from(self.codes)) if with_item and self.codes else None
            made = requests.make_request(
                self.store, "destroy", person=self.o[asker], requested_by=self.o[asker], item=code, actor="sm"
            )
            requests.decide(
                self.store,
                made.extra["request"],
                leader=self.o[leader],
                approve=approve,
                reason="否",
                actor="sm",
            )
            self.actions_done += 2

        # --- issue 14: loans beyond the desk, scopes, people ---

        @precondition(lambda self: self.codes)
        @rule(
            data=st.data(),
            who=st.sampled_from(PEOPLE),
            second=st.sampled_from(PEOPLE + (None,)),
            purpose=st.sampled_from(("outside", "external")),
            with_leader=st.booleans(),
            hours=st.integers(-1, 3),
        )
        def check_out_beyond(self, data, who, second, purpose, with_leader, hours):
            code = data.draw(st.sampled_from(self.codes))
            self.store.clock.advance(minutes=1)
            terms = LoanTerms(
                purpose=purpose,
                due=self.store.now() + timedelta(hours=hours),
                unit="县财政局" if purpose == "external" else "",
                recipient="王五" if purpose == "external" else "",
            )
            actions.check_out(
                self.store,
                code,
                self.fresh(who),
                self.o["safe"],
                actor="sm",
                approver=self.fresh("wang") if with_leader else None,
                terms=terms,
                second=self.fresh(second) if second else None,
            )
            self.actions_done += 1

        @rule(
            who=st.sampled_from(PEOPLE),
            change=st.sampled_from(("deactivate", "activate", "off-post", "on-post", "clearance")),
            level=st.sampled_from(LEVELS),
        )
        def change_person(self, who, change, level):
            badge = {"zhang": "B001", "li": "B002", "wang": "L001", "zhao": "C001"}[who]
            today = self.store.now().date()
            try:
                if change in ("deactivate", "activate"):
                    people_actions.set_active(self.store, badge, change == "activate", actor="sm")
                elif change in ("off-post", "on-post"):
                    until = today + timedelta(days=30) if change == "off-post" else None
                    people_actions.off_post(self.store, badge, until, actor="sm")
                else:
                    people_actions.set_clearance(self.store, badge, level, actor="sm")
            except Refused:  # P8: holding items; the refusal is an event too
                held = people_actions.held_by(self.store, self.fresh(who))
                assert held
            self.actions_done += 1

        @precondition(lambda self: self.codes)
        @rule(data=st.data(), by=st.sampled_from(("wang", "zhao")), dept=st.booleans(), badge=st.booleans())
        def set_scope(self, data, by, dept, badge):
            code = data.draw(st.sampled_from(self.codes))
            try:
                departments.set_scope(
                    self.store,
                    code,
                    depts=["综合科"] if dept else [],
                    badges=["B002"] if badge else [],
                    by=self.fresh(by),
                    actor="sm",
                )
            except Refused:  # only an active leader changes a scope (P9): wang, unless deactivated
                assert by != "wang" or not self.fresh("wang").active
            else:
                assert by == "wang" and self.fresh("wang").active
            self.actions_done += 1

        @invariant()
        def nobody_holds_what_p8_forbids_them(self):
            """Issue 14: a person was deactivated or had their clearance lowered while holding items."""
            from custody.rules.facts import rank

            for it in self.store.m.Item.select().where(self.store.m.Item.status == "out"):
                for p in (it.holder, it.second_holder):
                    if p is not None:
                        assert p.active and rank(p.clearance) >= rank(it.level)

        @invariant()
        def each_item_in_exactly_one_state(self):
            for it in self.store.m.Item.select():
                assert it.status in ("in", "out", "lost", *ENDED)
                held = it.status == "out" or (it.status == "lost" and it.lost_from == "out")
                assert held == (it.holder_id is not None) == (it.since is not None)
                assert (it.lost_from is not None) <= (it.status == "lost")
                assert (it.loan_purpose is not None or it.second_holder_id is not None) <= held

        @invariant()
        def a_destroyed_or_returned_item_never_comes_back(self):
            rows = {i.code: i.status for i in self.store.m.Item.select()}
            assert all(rows[code] in ENDED for code in self.gone)

        @invariant()
        def tables_equal_a_replay(self):
            states = replay(ledger.walk(self.store))
            rows = {i.code: i for i in self.store.m.Item.select()}
            assert set(states) == set(rows)
            for code, s in states.items():
                row = rows[code]
                assert (s.status, s.holder, s.since, s.lost_from, s.level, s.period, s.copy_of) == (
                    row.status,
                    row.holder_id,
                    to_text(row.since) if row.since else None,
                    row.lost_from,
                    row.level,
                    row.period,
                    row.copy_of,
                )
                assert (s.loan_purpose, s.second_holder, s.scope) == (
                    row.loan_purpose,
                    row.second_holder_id,
                    tuple(json.loads(row.scope)),
                )

        @invariant()
        def verify_passes_and_every_action_is_an_event(self):
            assert verify(self.store).ok
            assert self.store.m.Event.select().count() - self.base_events == self.actions_done

    return Custody


SETTINGS = settings(
    max_examples=15, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

for _backend in BACKENDS:
    _machine = make_machine(_backend)
    _machine.TestCase.settings = SETTINGS
    if _backend == "postgres":  # 13 s against a real server: in the slow step
        _machine.TestCase.pytestmark = [pytest.mark.slow]
    globals()[f"TestCustody_{_backend}"] = _machine.TestCase
