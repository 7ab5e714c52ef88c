"""Random receive / check-out / return / approve sequences against a real database.

After every step: each item is in exactly one state; the current-state tables
equal a replay of the ledger; verify passes; events == actions (refusals included).
"""

import tempfile
from pathlib import Path

from core_support import BACKENDS, office, open_store
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from custody.actions import core as actions
from custody.ledger import chain as ledger
from custody.ledger.replay import replay
from custody.ledger.verify import verify
from custody.models.core import to_text

PEOPLE = ("zhang", "li", "wang", "zhao")
LEVELS = ("top-secret", "secret", "confidential", "internal", "unclassified")


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
                self.o[who],
                self.o["safe"],
                actor="sm",
                approver=self.o["wang"] if with_leader else None,
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

        @invariant()
        def each_item_in_exactly_one_state(self):
            for it in self.store.m.Item.select():
                assert it.status in ("in", "out")
                assert (it.status == "out") == (it.holder_id is not None) == (it.since is not None)

        @invariant()
        def tables_equal_a_replay(self):
            states = replay(ledger.walk(self.store))
            rows = {i.code: i for i in self.store.m.Item.select()}
            assert set(states) == set(rows)
            for code, s in states.items():
                row = rows[code]
                assert (s.status, s.holder, s.since) == (
                    row.status,
                    row.holder_id,
                    to_text(row.since) if row.since else None,
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
    globals()[f"TestCustody_{_backend}"] = _machine.TestCase
