"""Inventory counts (P22): a frozen list against scripted scans gives exactly the expected sets,
barcode by barcode and as an RFID burst of 5,000 reads; the bad inputs of issue 6."""

from __future__ import annotations

import json
import random

import pytest
from closing_support import BACKENDS, office_at, recent_morning, run_cli

from custody.actions import core as actions
from custody.actions import inventory
from custody.errors import Conflict, Refused
from custody.rules import inventory as inventory_rules
from custody.store.core import Store


@pytest.fixture(params=BACKENDS)
def office(request, tmp_path):
    with office_at(tmp_path, backend=request.param) as o:
        yield o


def codes_of(entries: list[dict]) -> set[str]:
    return {e["code"] for e in entries}


# --- the pure part ------------------------------------------------------------------------------------


def test_reconcile_sorts_each_kind_of_finding():
    seen = {
        "A": inventory_rules.SeenFacts("保密室", "in"),
        "B": inventory_rules.SeenFacts("阅文室", "in"),
        "C": inventory_rules.SeenFacts("保密室", "out"),
        "D": inventory_rules.SeenFacts("保密室", "destroyed"),
    }
    r = inventory_rules.reconcile(
        "保密室", {"A", "E", "F"}, seen, {"999": 2}, {"A": 3, "B": 1, "C": 1, "D": 1}
    )
    assert (r.found, r.missing, r.misplaced, r.out_but_seen, r.not_in_stock, r.unknown) == (
        ["A"],
        ["E", "F"],
        ["B"],
        ["C"],
        ["D"],
        ["999"],
    )
    assert r.duplicates == {"A": 3, "999": 2}


def test_reconcile_of_nothing_seen_is_all_missing():
    r = inventory_rules.reconcile("保密室", {"A", "B"}, {}, {}, {})
    assert r.missing == ["A", "B"] and r.found == [] and r.duplicates == {}


# --- a count, scan by scan ------------------------------------------------------------------------------


def test_a_count_scan_by_scan(office):
    store = office.store
    safe = office.station("保密室")
    actions.tag_item(store, office.secret[0], "0A00112233", actor="t")
    office.at("10:00")
    office.lend(office.secret[2], "zhang")  # out before the count: not expected
    out = inventory.start_count(store, safe, office.people["zhao"], "t")
    assert out.outcome == "command" and out.extra["expected"] == 4  # secret 0,1, top, seal
    count = inventory.open_count(office.store, safe)
    assert count is not None and count.id == out.extra["count"]
    office.lend(office.reading[0], "li", station="阅文室")
    scans = [
        (office.secret[0], "found"),
        ("0001122867", "found"),  # the same item's RFID fob, in its decimal form: a duplicate read
        (office.seal, "found"),
        (office.reading[1], "misplaced"),  # home is the reading room
        (office.secret[2], "out_but_seen"),  # out to 张三, physically here: a return never scanned
        (office.reading[0], "out_but_seen"),
        ("123456789012", "unknown"),  # fails its check digit
        ("FFFF000000", "unknown"),
    ]
    for code, category in scans:
        seen = inventory.mark_seen(store, count, code, f"s-{code}", "t")
        assert seen.outcome == "inventory_seen" and seen.extra["category"] == category, (
            code,
            seen.message("zh"),
        )
    assert inventory.mark_seen(store, count, office.seal, None, "t").extra["duplicate"] is True
    assert "应存放于“阅文室”" in inventory.mark_seen(store, count, office.reading[1], None, "t").message("zh")
    closed = inventory.close_count(store, safe, office.people["zhao"], "t")
    assert closed.extra["found"] == 2 and closed.extra["missing"] == 2
    result = json.loads(office.store.m.InventoryCount.get_by_id(count.id).result)
    assert codes_of(result["found"]) == {office.secret[0], office.seal}
    assert codes_of(result["missing"]) == {office.secret[1], office.top}
    assert codes_of(result["misplaced"]) == {office.reading[1]}
    assert codes_of(result["out_but_seen"]) == {office.secret[2], office.reading[0]}
    assert codes_of(result["unknown"]) == {"123456789012", "FFFF000000"}
    assert {d["code"]: d["reads"] for d in result["duplicates"]} == {
        office.secret[0]: 2,
        office.seal: 2,
        office.reading[1]: 2,
    }
    assert [e["holder"] for e in result["out_but_seen"] if e["code"] == office.secret[2]] == ["张三"]
    assert (
        office.store.m.Item.get(office.store.m.Item.code == office.secret[2]).status == "out"
    )  # reported, not silently returned
    assert inventory.open_count(office.store, safe) is None
    kinds = [
        e.kind
        for e in office.store.m.Event.select()
        .where(office.store.m.Event.kind.startswith("count_"))
        .order_by(office.store.m.Event.seq)
    ]
    assert kinds == ["count_started", "count_closed"]


def test_the_list_is_frozen_when_the_count_starts(office):
    safe = office.station("保密室")
    inventory.start_count(office.store, safe, office.people["zhao"], "t")
    late = actions.receive(office.store, title="清点中收到", level="secret", home="保密室", actor="t")[0].code
    count = inventory.open_count(office.store, safe)
    for code in office.secret + [office.top, office.seal]:
        inventory.mark_seen(office.store, count, code, None, "t")
    inventory.mark_seen(office.store, count, late, None, "t")
    inventory.close_count(office.store, safe, office.people["zhao"], "t")
    result = json.loads(office.store.m.InventoryCount.get_by_id(count.id).result)
    assert result["missing"] == [] and late in codes_of(result["found"])
    assert office.store.m.InventoryCount.get_by_id(count.id).expected_count == 5


# --- the RFID burst -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_rfid_batch_of_5000_reads(office):
    store: Store = office.store
    safe = office.station("保密室")
    rng = random.Random(6)
    with store.writing():  # set up fast: one transaction for everything
        at_safe = [
            i.code
            for i in actions.receive(
                store, title="档案盒", level="confidential", copies=1600, home="保密室", actor="t"
            )
        ]
        elsewhere = [
            i.code
            for i in actions.receive(
                store, title="阅文材料", level="internal", copies=20, home="阅文室", actor="t"
            )
        ]
        tags = {}
        for n, code in enumerate(at_safe + elsewhere):
            tags[code] = f"E2{n:08X}"
            actions.tag_item(store, code, tags[code], actor="t")
    office.at("10:00")
    lent = at_safe[:5]
    for code in lent:
        office.lend(code, "zhang")
    inventory.start_count(store, safe, office.people["zhao"], "t")
    count = inventory.open_count(office.store, safe)
    expected = set(at_safe[5:]) | set(office.secret) | {office.top, office.seal}
    assert count.expected_count == len(expected)
    missing = set(rng.sample(sorted(expected), 100))
    present = sorted(expected - missing)
    unknown = [f"DEAD{n:06X}" for n in range(10)]
    reads = (
        [tags.get(c, c) for c in present] * 3
        + [tags[c] for c in elsewhere]
        + [tags[c] for c in lent]
        + unknown
    )
    reads += [tags.get(c, c) for c in present[: 5000 - len(reads)]]
    assert len(reads) == 5000
    rng.shuffle(reads)
    before = office.store.m.Event.select().count()
    out = inventory.mark_seen_batch(store, count, reads, "scan:保密室")
    assert office.store.m.Event.select().count() == before + 1  # one transaction, one event
    assert out.outcome == "inventory_seen" and out.extra["reads"] == 5000
    assert out.extra["unknown"] == 10 and out.extra["items"] == len(present) + 20 + 5
    closed = inventory.close_count(store, safe, office.people["qian"], "t")  # another custodian may close
    result = json.loads(office.store.m.InventoryCount.get_by_id(count.id).result)
    assert codes_of(result["found"]) == set(present)
    assert codes_of(result["missing"]) == missing
    assert codes_of(result["misplaced"]) == set(elsewhere)
    assert codes_of(result["out_but_seen"]) == set(lent)
    assert codes_of(result["unknown"]) == set(unknown)
    assert all(d["reads"] >= 3 for d in result["duplicates"]) and len(result["duplicates"]) == len(present)
    assert closed.extra["duplicates"] == len(present)
    assert (
        office.store.m.InventorySeen.select().where(office.store.m.InventorySeen.count == count).count()
        == len(present) + 35
    )


# --- bad input ---------------------------------------------------------------------------------------


def test_a_second_count_at_a_station_is_refused_and_recorded(office):
    safe = office.station("保密室")
    inventory.start_count(office.store, safe, office.people["zhao"], "t")
    with pytest.raises(Refused) as err:
        inventory.start_count(office.store, safe, office.people["qian"], "t")
    assert "已有一次清点正在进行" in err.value.message("zh") and "赵保密员" in err.value.message("zh")
    assert office.store.m.InventoryCount.select().count() == 1
    last = office.store.m.Event.select().order_by(office.store.m.Event.seq.desc()).first()
    assert last.kind == "refused" and json.loads(last.data)["reason"] == "count_already_open"
    inventory.start_count(
        office.store, office.station("阅文室"), office.people["qian"], "t"
    )  # another station: fine


def test_staff_may_not_start_a_count(office):
    with pytest.raises(Refused):
        inventory.start_count(office.store, office.station("保密室"), office.people["zhang"], "t")
    assert office.store.m.InventoryCount.select().count() == 0


def test_closed_only_by_its_starter_or_a_custodian(office):
    safe = office.station("保密室")
    inventory.start_count(office.store, safe, office.people["wang"], "t")  # a leader starts it
    for who in ("zhang", "li"):
        with pytest.raises(Refused) as err:
            inventory.close_count(office.store, safe, office.people[who], "t")
        assert "王主任" in err.value.message("zh")
    assert inventory.open_count(office.store, safe) is not None  # nothing half-written
    inventory.close_count(office.store, safe, office.people["wang"], "t")
    count = office.store.m.InventoryCount.get()
    assert count.closed_by_id == office.people["wang"].id and count.result is not None
    with pytest.raises(Conflict):
        inventory.close_count(office.store, safe, office.people["wang"], "t")
    with pytest.raises(Conflict):
        inventory.mark_seen(office.store, count, office.seal, None, "t")


def test_cli_count(tmp_path):
    with office_at(tmp_path, recent_morning()) as office:
        assert "应在 5 件" in run_cli(office, "count", "start", "保密室", "--by", "C001").stdout
        again = run_cli(office, "count", "start", "保密室", "--by", "C001")
        assert again.exit_code == 1 and again.stderr.count("\n") == 1
        dump = tmp_path / "rfid.txt"
        dump.write_text("\n".join(office.secret + ["NOTACODE"]) + "\n", encoding="utf-8")
        assert "4 次读取" in run_cli(office, "count", "seen", "保密室", "--file", str(dump)).stdout
        assert "清点" in run_cli(office, "count", "seen", "保密室", office.top).stdout
        shown = json.loads(run_cli(office, "count", "show", "保密室", "--json").stdout)
        assert shown["open"] and shown["progress"] == {"seen_items": 4, "unknown": 1}
        refused = run_cli(office, "count", "close", "保密室", "--by", "B001")
        assert refused.exit_code == 1 and "赵保密员" in refused.stderr
        closed = run_cli(office, "count", "close", "保密室", "--by", "C002")
        assert closed.exit_code == 0 and "缺失 1" in closed.stdout and office.seal in closed.stdout
        report = json.loads(run_cli(office, "count", "show", "保密室", "--json").stdout)
        assert report["summary"]["missing"] == 1 and not report["open"]
        assert run_cli(office, "count", "seen", "保密室", office.top).exit_code == 1


# --- who may start and close a count, on plain data (custody.rules.inventory) ------------------


def _person(pid: int = 1, role: str = "custodian", active: bool = True):
    from custody.rules.facts import PersonFacts

    return PersonFacts(id=pid, name=f"p{pid}", role=role, clearance="secret", active=active)


def test_starting_and_closing_a_count_on_plain_data():
    from custody.rules import inventory as rules
    from custody.rules.facts import Allowed

    open_ = rules.OpenCount(starter_id=1, starter="p1", since="2026-11-30 10:00")
    for role in ("custodian", "leader"):
        assert isinstance(rules.decide_start_count(_person(role=role), "保密室", None), Allowed)
    assert rules.decide_start_count(_person(role="staff"), "保密室", None).reason == "count_start_not_allowed"
    assert rules.decide_start_count(_person(active=False), "保密室", None).reason == "count_start_not_allowed"
    already = rules.decide_start_count(_person(2), "保密室", open_)
    assert already.reason == "count_already_open" and already.params == {
        "station": "保密室",
        "starter": "p1",
        "since": "2026-11-30 10:00",
    }
    assert isinstance(rules.decide_close_count(_person(1, role="leader"), open_), Allowed)  # its starter
    assert isinstance(rules.decide_close_count(_person(1, role="staff", active=False), open_), Allowed)
    assert isinstance(rules.decide_close_count(_person(2, role="custodian"), open_), Allowed)
    assert rules.decide_close_count(_person(2, role="custodian", active=False), open_).reason == (
        "count_close_not_allowed"
    )
    assert rules.decide_close_count(_person(2, role="leader"), open_).reason == "count_close_not_allowed"
