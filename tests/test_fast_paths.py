"""The scan path's fast queries and group commit give what the slow ways gave.

`custody.store.fastsql` compiles a peewee query once per kind of database and builds model instances
from its rows itself; `custody.store.db.write_grouped` lets several threads' write transactions share
one commit. Each test names the failure it guards against. The database tests run on SQLite and,
when CUSTODY_TEST_PG names a server, on PostgreSQL too (the `office` fixture).
"""

from __future__ import annotations

import threading
from datetime import date

import peewee
import pytest
from conftest import Office, new_id
from core_support import wait_for

from custody import codes
from custody.actions import core as actions
from custody.ledger import chain as ledger
from custody.reports import lookup
from custody.scan import state as scan_state
from custody.scan import station as scan
from custody.scan.station import ScanInput
from custody.store import fastsql
from custody.store.db import write_grouped
from custody.store.fastsql import Compiled, param


def same_row(fast: peewee.Model | None, slow: peewee.Model | None) -> None:
    """The same instance as peewee builds it: same values, nothing marked dirty."""
    assert (fast is None) == (slow is None)
    if fast is not None:
        assert type(fast) is type(slow)
        assert fast.__data__ == slow.__data__
        assert {k: type(v) for k, v in fast.__data__.items()} == {
            k: type(v) for k, v in slow.__data__.items()
        }
        assert not fast.dirty_fields


# --- compiled queries ---------------------------------------------------------------


def test_compiled_sql_is_kept_per_kind_of_database() -> None:
    """Guards against SQLite's text (`?`, its quoting) being reused on PostgreSQL or the reverse:
    one compiled query asked by both kinds gives each its own SQL, as peewee would build it."""
    by_token = Compiled(lambda m: m.Station.select().where(m.Station.token_hash == param("hash")).limit(1))
    from types import SimpleNamespace

    from custody.models import Models

    def bare(db: peewee.Database) -> SimpleNamespace:  # a store's database and tables, never connected
        return SimpleNamespace(db=db, m=Models(db))

    sqlite = bare(peewee.SqliteDatabase(":memory:"))
    postgres = bare(peewee.PostgresqlDatabase("unused"))  # never connected: SQL is built without a connection
    for store in (sqlite, postgres, sqlite):
        text, _ = by_token.sql(store)
        expected, _ = (
            store.db.get_sql_context()
            .sql(store.m.Station.select().where(store.m.Station.token_hash == "x").limit(1))
            .query()
        )
        assert text == expected
    assert "?" in by_token.sql(sqlite)[0] and "%s" in by_token.sql(postgres)[0]
    assert (
        fastsql.placeholders(postgres.db, "SELECT 1 WHERE a = ? AND b = ?")
        == "SELECT 1 WHERE a = %s AND b = %s"
    )


def test_named_values_are_converted_as_peewee_converts_them(office: Office) -> None:
    """Guards against a value reaching the database unconverted (a model for a key, a datetime
    for a time column): `set_state` must store what `office.store.m.Item.update(...)` stored."""
    it = office.item(office.secret[0])
    person, station = office.people["zhang"], office.station("保密室")
    now = office.store.now()
    with office.store.writing():
        actions.set_state(office.store, it, "out", person, now, station)
    fresh = office.store.m.Item.get_by_id(it.id)
    assert (fresh.status, fresh.holder_id, fresh.since, fresh.location_id) == (
        "out",
        person.id,
        now,
        station.id,
    )
    with office.store.writing():
        actions.set_state(office.store, it, "in", None, None, station)
    fresh = office.store.m.Item.get_by_id(it.id)
    assert (fresh.status, fresh.holder_id, fresh.since) == ("in", None, None)


def test_item_lookup_builds_what_peewee_builds(office: Office) -> None:
    """Guards against instances that differ from peewee's (a type not converted, a dirty field,
    a relation not attached): the compiled item lookup against peewee's own join, lent and home."""
    code = office.secret[0]
    station = office.station("保密室")
    for lend in (True, False):
        if lend:
            actions.check_out(office.store, code, office.people["zhang"], station, actor="test")
        holder, location = office.store.m.Person.alias(), office.store.m.Station.alias()
        slow = (
            office.store.m.Item.select(office.store.m.Item, office.store.m.Station, holder, location)
            .join(office.store.m.Station, on=office.store.m.Item.home)
            .switch(office.store.m.Item)
            .join(holder, peewee.JOIN.LEFT_OUTER, on=office.store.m.Item.holder)
            .switch(office.store.m.Item)
            .join(location, peewee.JOIN.LEFT_OUTER, on=office.store.m.Item.location)
            .where(office.store.m.Item.code == code)
            .first()
        )
        fast = lookup.item(office.store, code)
        same_row(fast, slow)
        same_row(fast.home, slow.home)
        same_row(fast.holder, slow.holder)
        same_row(fast.location, slow.location)
        assert fast.since == slow.since and (fast.since is not None) == lend
        state = scan_state.station_state(office.store, station, new_id(), code)
        same_row(state.tag, office.store.m.Tag.get(office.store.m.Tag.code == code))
        same_row(state.item, slow)
        same_row(state.item.holder, slow.holder)
        if lend:
            actions.return_item(office.store, code, station, actor="test")


def test_people_stations_and_tags_as_peewee_finds_them(office: Office) -> None:
    """Guards against the compiled lookups finding something else than the peewee queries they
    replace: a station by token, a person with their badge, tags by any form of their code."""
    token = office.tokens["阅文室"]
    same_row(
        actions.station_for_token(office.store, token),
        office.store.m.Station.select()
        .join(
            office.store.m.DeviceToken, on=(office.store.m.DeviceToken.station == office.store.m.Station.id)
        )
        .where(office.store.m.DeviceToken.token_hash == actions._hash_token(token))
        .get_or_none(),
    )
    assert actions.station_for_token(office.store, "wrong") is None
    station, language = scan_state.station_and_language(office.store, token)
    same_row(station, office.store.m.Station.get(office.store.m.Station.name == "阅文室"))
    assert language == "zh"
    assert scan_state.station_and_language(office.store, "wrong")[0] is None

    zhao = office.people["zhao"]
    actions.off_post(office.store, "C001", date(2027, 1, 31), actor="test")  # a date column with a value
    badges: dict[int, str] = {}
    same_row(scan_state.load_person(office.store, zhao.id, badges), office.store.m.Person.get_by_id(zhao.id))
    assert badges == {zhao.id: "C001"} and lookup.badge_of(office.store, zhao) == "C001"
    for code in ("C001", "010063E9AE", "0006547886", "c001"):  # exact, RFID (hex, decimal), letter case
        slow = office.store.m.Tag.get_or_none(
            office.store.m.Tag.code == code
        ) or office.store.m.Tag.get_or_none(office.store.m.Tag.code == code.upper())
        if slow is None:
            low, dec = codes.rfid_keys(code)
            slow = office.store.m.Tag.get_or_none(
                office.store.m.Tag.dec_value == low
            ) or office.store.m.Tag.get_or_none(office.store.m.Tag.hex_low32 == dec)
        same_row(lookup.tag_for_scan(office.store, code), slow)
    assert lookup.tag_for_scan(office.store, "NOSUCHCODE") is None


def test_the_station_state_is_what_the_tables_hold(office: Office) -> None:
    """Guards against the one-query station state reading another station's session, a stale
    session person, or a stored answer under another scan_id."""
    client_id = new_id()
    station = office.station("保密室")
    first = scan.submit(office.store, station, ScanInput("B001", client_id))
    with office.store.reading():
        state = scan_state.station_state(office.store, station, client_id)
        row = office.store.m.StationSession.get(office.store.m.StationSession.station == station)
        same_row(
            state.session,
            office.store.m.StationSession.select(
                office.store.m.StationSession.id,
                office.store.m.StationSession.station,
                office.store.m.StationSession.person,
                office.store.m.StationSession.opened_at,
                office.store.m.StationSession.last_scan_at,
                office.store.m.StationSession.approver,
                office.store.m.StationSession.uid,
            )
            .where(office.store.m.StationSession.id == row.id)
            .get(),
        )
        same_row(state.person, office.store.m.Person.get_by_id(office.people["zhang"].id))
        assert state.badge == "B001" and state.timeout_seconds == 120 and state.timezone == "Asia/Shanghai"
        assert (state.counting, state.closing_unchecked) == (False, False)
        assert state.stored_answer(station, client_id) == {**first, "duplicate": True}
        other = scan_state.station_state(office.store, office.station("阅文室"), new_id())
        assert other.session is None and other.person is None and other.stored is None
        assert other.tag is None and other.item is None
        # the tag the scanned code names, and its item as lookup.item loads it, come with the state
        code = office.secret[0]
        found = scan_state.station_state(office.store, station, new_id(), code)
        same_row(found.tag, office.store.m.Tag.get(office.store.m.Tag.code == code))
        slow = lookup.item(office.store, code)
        same_row(found.item, slow)
        for part in ("home", "holder", "location"):
            same_row(getattr(found.item, part), getattr(slow, part))
        badge = scan_state.station_state(office.store, station, new_id(), "B001")
        same_row(badge.tag, office.store.m.Tag.get(office.store.m.Tag.code == "B001"))
        assert (
            badge.item is None and badge.target(office.store, "B001").person_id == office.people["zhang"].id
        )
        assert scan_state.station_state(office.store, station, new_id(), "b001").tag is None  # exact only


# --- group commit -------------------------------------------------------------------


def sqlite_only(office: Office) -> None:
    if getattr(office.store.db, "write_group", None) is None:
        pytest.skip("group commit is for SQLite (PostgreSQL groups commits itself)")


def test_waiting_writes_share_one_commit_and_each_answer_follows_it(office: Office) -> None:
    """Guards against group commit answering before the commit, or not grouping at all: five
    scans queued behind a held transaction are committed together, once, and each caller sees
    its answer only after that commit (read back from a separate connection)."""
    sqlite_only(office)
    db = office.store.db
    commits: list[int] = []
    original = db.commit
    db.commit = lambda: (commits.append(1), original())[1]  # type: ignore[method-assign]
    release = threading.Event()
    first_running = threading.Event()
    results: dict[int, object] = {}
    group = db.write_group

    def hold() -> str:
        first_running.set()
        assert release.wait(10)
        return "first"

    def scan_at(i: int) -> None:
        station = office.station("保密室" if i % 2 else "阅文室")
        results[i] = scan.submit(office.store, station, ScanInput(f"UNKNOWN-{i}", new_id()))

    try:
        leader = threading.Thread(target=lambda: results.__setitem__(0, write_grouped(db, hold)))
        leader.start()
        assert first_running.wait(10)
        others = [threading.Thread(target=scan_at, args=(i,)) for i in range(1, 6)]
        for t in others:
            t.start()
        wait_for(lambda: len(group._queue) == 6)  # all five wait behind the held transaction
        assert len(results) == 0
        release.set()
        for t in [leader, *others]:
            t.join(10)
    finally:
        db.commit = original  # type: ignore[method-assign]
    assert results[0] == "first"
    assert len(commits) == 2  # the held transaction, then the five scans in one
    assert all(results[i]["outcome"] == "unknown" for i in range(1, 6))
    with peewee.SqliteDatabase(db.database) as other:
        stored = {r[0] for r in other.execute_sql("SELECT scan_id FROM scan").fetchall()}
    assert {results[i]["scan_id"] for i in range(1, 6)} <= stored


def test_a_failing_write_in_a_group_spoils_no_other(office: Office) -> None:
    """Guards against one job's error rolling back or changing the others' work: the group is
    rolled back and each job runs again alone; the failing one gets its error, the others
    commit with their results."""
    sqlite_only(office)
    db = office.store.db
    release = threading.Event()
    first_running = threading.Event()
    results: dict[str, object] = {}
    runs: list[str] = []
    group = db.write_group

    def writer(name: str, fail: bool = False):
        def job() -> str:
            runs.append(name)
            if name == "a":
                first_running.set()
                assert release.wait(10)
            ledger.append(
                office.store, "device_connected", office.store.now(), actor="test", data={"device": name}
            )
            if fail:
                raise ValueError(f"{name} fails")
            return name

        return job

    def run(name: str, fail: bool = False) -> None:
        try:
            results[name] = write_grouped(db, writer(name, fail))
        except ValueError as exc:
            results[name] = exc

    before = office.last_seq()
    threads = [threading.Thread(target=run, args=("a",))]
    threads[0].start()
    assert first_running.wait(10)
    for name, fail in (("b", False), ("c", True), ("d", False)):
        threads.append(threading.Thread(target=run, args=(name, fail)))
        threads[-1].start()
        wait_for(lambda: len(group._queue) == len(threads))  # queued in this order
    release.set()
    for t in threads:
        t.join(10)
    assert results["b"] == "b" and results["d"] == "d" and isinstance(results["c"], ValueError)
    assert runs[:2] == ["a", "b"]  # the group first: a, then b, ...
    events = office.events_since(before)
    assert sorted(e.data for e in events) == sorted(f'{{"device":"{n}"}}' for n in "abd")
    assert len(events) == 3 and events[-1].seq == before + 3  # the chain goes on from where it was


def test_concurrent_scans_through_the_group_keep_the_chain(office: Office) -> None:
    """Guards against grouped transactions interleaving the chain or losing a scan: eight threads
    post badge and item scans at two stations; every scan is stored once and the chain verifies."""
    from custody.ledger.verify import verify

    before_scans = office.store.m.Scan.select().count()
    errors: list[BaseException] = []

    def station_loop(name: str, badge: str, codes: list[str]) -> None:
        try:
            station = office.station(name)
            for _ in range(3):
                for code in (badge, *codes, *codes):
                    scan.submit(office.store, station, ScanInput(code, new_id()))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=station_loop, args=("保密室", "B001", office.secret[:2])),
        threading.Thread(target=station_loop, args=("阅文室", "B002", office.confidential)),
    ]
    threads += [threading.Thread(target=station_loop, args=("阅文室", "B002", [])) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert office.store.m.Scan.select().count() - before_scans == 3 * (5 + 5) + 6 * 3
    report = verify(office.store)
    assert report.ok, report.problem
    assert office.store.m.Event.select().count() >= report.events > 0
