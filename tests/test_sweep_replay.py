"""Property: a sweep replayed from the ledger equals the current-state answer, on random histories.

At random moments of a random day of lending and returning, the present-moment sweep (tables)
is kept; at the end every one of those moments is replayed from the ledger and must give the
same JSON, and the replay of the present moment must equal the present one.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from closing_support import MONDAY, office_at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custody.actions import closing
from custody.actions import core as actions
from custody.ledger import chain as ledger
from custody.ledger import replay
from custody.models.core import to_text
from custody.reports import sweep

TZ = ZoneInfo("Asia/Shanghai")

step = st.one_of(
    st.tuples(
        st.just("lend"),
        st.integers(0, 20),
        st.sampled_from(["zhang", "li", "zhao", "wang"]),
        st.sampled_from(["保密室", "阅文室"]),
    ),
    st.tuples(st.just("return"), st.integers(0, 20), st.sampled_from(["保密室", "阅文室"])),
    st.tuples(st.just("wait"), st.integers(1, 400)),
    st.tuples(st.just("receive"), st.sampled_from(["top-secret", "secret", "confidential", "internal"])),
    st.tuples(
        st.just("close"),
    ),
    st.tuples(
        st.just("snapshot"),
    ),
)


def replayed_json(store, at):
    return sweep.to_json(store, sweep.assemble(store, at, sweep.replayed_items(store, at)), TZ)


def naive_json(store, at):
    """The reference: every event up to `at` through replay.replay, all items."""
    states = replay.replay(ledger.walk(store, until=to_text(at)))
    rows = [
        sweep.Outstanding(
            s.code,
            s.title,
            s.kind,
            s.level,
            s.period,
            s.copy_no,
            s.doc_no,
            s.issuer,
            s.home,
            s.status,
            s.holder,
            datetime.fromisoformat(s.since) if s.since else None,
            s.location,
        )
        for s in states.values()
        if s.status in sweep.OUTSTANDING_STATUSES
    ]
    return sweep.to_json(store, sweep.assemble(store, at, rows), TZ)


def present_json(store):
    now = store.now()
    return sweep.to_json(store, sweep.assemble(store, now, sweep.present_items(store)), TZ)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=5, max_size=40))
def test_replay_equals_present(history):
    with tempfile.TemporaryDirectory() as tmp, office_at(Path(tmp), MONDAY) as office:
        store = office.store
        items = office.secret + [office.top, office.seal] + office.reading
        snapshots = []
        for op in history:
            kind = op[0]
            Item = store.m.Item
            status = dict(Item.select(Item.code, Item.status).tuples())
            home = [c for c in items if status[c] == "in"]
            out = [c for c in items if status[c] == "out"]
            if kind == "lend" and home:
                code = home[op[1] % len(home)]
                approver = office.people["wang"]  # a leader at the desk: top secret may go out too
                actions.check_out(
                    store,
                    code,
                    office.people[op[2]],
                    office.station(op[3]),
                    actor="t",
                    approver=approver if op[2] != "wang" else None,
                )
            elif kind == "return" and out:
                actions.return_item(store, out[op[1] % len(out)], office.station(op[2]), actor="t")
            elif kind == "wait":
                office.clock.advance(minutes=op[1])
            elif kind == "receive":
                items += [
                    i.code
                    for i in actions.receive(store, title="新件", level=op[1], home="保密室", actor="t")
                ]
            elif kind == "close":
                closing.close_safe(store, office.station("保密室"), office.people["zhao"], "t")
            elif kind == "snapshot":
                snapshots.append((store.now(), present_json(store)))
            office.clock.advance(seconds=1)
        snapshots.append((store.now(), present_json(store)))
        office.clock.advance(minutes=5)
        for at, seen in snapshots:
            assert replayed_json(store, at) == seen == naive_json(store, at)
        assert replayed_json(store, store.now()) == present_json(store)
        assert sweep.to_json(store, sweep.sweep(store, at=snapshots[0][0]), TZ) == snapshots[0][1]


def test_replay_and_present_agree_across_days(tmp_path):
    """Overdue and reading-limit flags depend on the moment, not on where the answer came from."""
    with office_at(tmp_path) as office:
        office.at("10:00")
        office.lend(office.top, "zhao")
        office.lend(office.secret[0], "zhang")
        office.clock.advance(days=3)
        now = office.store.now()
        assert replayed_json(office.store, now) == present_json(office.store)
        office.clock.advance(minutes=1)
        data = replayed_json(office.store, now)
        assert all(i["overdue"] for i in data["outstanding"])
        assert data["outstanding"][0]["flags"] == ["top_secret_out", "over_reading_limit"]
        assert data["at"] == (now.astimezone(TZ) + timedelta(0)).isoformat(timespec="seconds")
