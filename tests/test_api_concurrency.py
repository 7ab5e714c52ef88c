"""Concurrency through a real server: one scan posted 50 times at once is recorded once; 20 stations
posting at once (while others read) keep their sessions apart and the chain unbroken."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from conftest import Client, Service, new_id

from custody.actions import core as actions
from custody.ledger.verify import verify


def test_the_same_scan_50_times_from_10_threads_is_one_event_and_49_duplicates(service: Service) -> None:
    o = service.office
    service.client().scan("B001")
    sid = new_id()
    mark = o.last_seq()
    start = threading.Barrier(10)

    def post_five(_: int) -> list[dict]:
        c = service.client()
        start.wait(30)
        return [c.scan(o.secret[0], scan_id=sid) for _ in range(5)]

    with ThreadPoolExecutor(10) as pool:
        answers = [a for batch in pool.map(post_five, range(10)) for a in batch]
    assert len(answers) == 50
    assert sorted(a["duplicate"] for a in answers) == [False] + [True] * 49
    first = next(a for a in answers if not a["duplicate"])
    assert first["outcome"] == "checked_out"
    assert all({**a, "duplicate": False} == first for a in answers)
    assert [e.kind for e in o.events_since(mark)] == ["checked_out"]
    m = o.store.m
    assert m.Scan.select().where(m.Scan.scan_id == sid).count() == 1
    assert verify(o.store).ok


def test_twenty_stations_at_once_keep_their_sessions_apart(service: Service) -> None:
    o = service.office
    stations = []
    for n in range(20):
        _, token = actions.add_station(o.store, f"阅文室{n:02d}", "reading-room", actor="test")
        person = actions.add_person(
            o.store, f"人员{n:02d}", badge=f"P{n:03d}", clearance="secret", actor="test"
        )
        codes = [
            i.code
            for i in actions.receive(
                o.store, title=f"文件{n}", level="secret", copies=3, home=f"阅文室{n:02d}", actor="test"
            )
        ]
        stations.append((token, person, codes))
    mark = o.last_seq()
    start = threading.Barrier(20)

    def station_day(n: int) -> list[dict]:
        token, _, codes = stations[n]
        c = Client(service.url, token)
        start.wait(30)
        answers = []
        for _ in range(3):
            answers.append(c.scan(f"P{n:03d}"))
            answers += [c.scan(code) for code in codes]  # check out
            answers += [c.scan(code) for code in codes]  # and back
            answers.append(c.scan("CMD-END"))
        return answers

    done = threading.Event()
    reads: list[int] = []

    def reader() -> None:
        c = service.client()
        while not done.is_set():
            for path in ("/api/v1/out", "/api/v1/items", "/api/v1/stations"):
                reads.append(c.get(path, limit=5).status_code)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(station_day, range(20)))
    finally:
        done.set()
        for t in readers:
            t.join(30)
    assert reads and set(reads) == {200}  # reading while 20 stations write: no busy errors
    for n, answers in enumerate(results):
        outcomes = [a["outcome"] for a in answers]
        assert outcomes == (["badge"] + ["checked_out"] * 3 + ["returned"] * 3 + ["command"]) * 3, (
            n,
            outcomes,
        )
        assert all(a["person"]["badge"] == f"P{n:03d}" for a in answers)
    events = o.events_since(mark)
    assert len(events) == 20 * 3 * 6
    by_station: dict[str, set[int]] = {}
    for e in events:
        by_station.setdefault(e.station, set()).add(e.person)
    assert all(people == {stations[int(name[-2:])][1].id} for name, people in by_station.items())
    assert [e.seq for e in events] == list(range(mark + 1, mark + 1 + len(events)))
    assert all(json.loads(e.data).get("flags", []) == [] for e in events)
    m = o.store.m
    assert m.Event.select().where(m.Event.kind == "checked_out").count() == 180
    report = verify(o.store)
    assert report.ok, report.problem
