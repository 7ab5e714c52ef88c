"""The one office builder of the tests, and the stores it is built in: a real SQLite file, or a fresh
PostgreSQL database when CUSTODY_TEST_PG names a server (CI starts one; see .ci/pg-start). With
CUSTODY_TEST_BACKEND=postgresql as well, the whole suite's offices and stores are PostgreSQL ones.

Every office is built by `build_office` from one of the `LAYOUTS` (which people and which items; the
scan tests, the closing-time tests and the core tests each start from theirs). On SQLite an office is
built once per layout and start time into a template file, and each test gets a copy of that file
(`fresh_office`): the same rows, events and ledger as a fresh build, without repeating `init`, the
people, the stations and the items for every test. On PostgreSQL the template is a database, and each
test gets `CREATE DATABASE … TEMPLATE` of it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest

from custody.actions import core as actions
from custody.clock import Clock, FixedClock
from custody.config import DB_FILE
from custody.models.core import Event, Item, Person, Station
from custody.store.core import Store
from custody.store.db import is_sqlite

PG_URL = os.environ.get("CUSTODY_TEST_PG", "")
# CUSTODY_TEST_BACKEND=postgresql runs the suite on PostgreSQL: the office fixtures and
# `fresh_office` build in a fresh database on CUSTODY_TEST_PG's server (a copy of a template database
# built once per layout), the backend-parametrized tests run on PostgreSQL only, and the tests that are
# about SQLite files skip (`sqlite_only`). CI: CUSTODY_TEST_BACKEND=postgresql pytest -x
ON_POSTGRES = os.environ.get("CUSTODY_TEST_BACKEND", "sqlite").lower() in ("postgres", "postgresql")
if ON_POSTGRES and not PG_URL:
    raise RuntimeError(
        "CUSTODY_TEST_BACKEND=postgresql needs CUSTODY_TEST_PG (a PostgreSQL URL; see .ci/pg-start)"
    )
DEFAULT_BACKEND = "postgres" if ON_POSTGRES else "sqlite"
BACKENDS = ["postgres"] if ON_POSTGRES else ["sqlite"] + (["postgres"] if PG_URL else [])
sqlite_only = pytest.mark.skipif(
    ON_POSTGRES, reason="about SQLite files (WAL, locks, copies): CUSTODY_TEST_BACKEND=postgresql"
)
START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float = 30.0, what: str = "the condition") -> T:
    """Poll `condition()` until it gives a true value, and return that value; fail the test after
    `timeout` seconds. Tests wait on conditions this way, never on a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.005)


def postgres_missing() -> str:
    """Why the PostgreSQL tests cannot run here ("" when they can)."""
    if not PG_URL:
        return "CUSTODY_TEST_PG is not set (a PostgreSQL URL)"
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "psycopg2 is not installed (pip install 'custody[postgres]')"
    return ""


def pg_url(name: str) -> str:
    """The URL of database `name` on CUSTODY_TEST_PG's server."""
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def pg_database(template: str | None = None) -> Iterator[str]:
    """A fresh PostgreSQL database (empty, or a copy of the database `template`); dropped
    afterwards. Skips the test, naming the reason, without CUSTODY_TEST_PG or psycopg2."""
    if reason := postgres_missing():
        pytest.skip(reason)
    import psycopg2

    name = "t_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    try:
        yield pg_url(name)  # as url_of names it
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def url_of(store: Store) -> str:
    """The URL another process opens `store`'s database by (a file, or a database on CUSTODY_TEST_PG's server)."""
    name = store.db.database
    return f"sqlite:///{name}" if is_sqlite(store.db) else PG_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def opened(url: str, clock: Clock | None = None, create: bool = True) -> Iterator[Store]:
    store = Store.open(url, clock=clock, create=create)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def open_store(backend: str | None, tmp_path: Path, clock: FixedClock | None = None) -> Iterator[Store]:
    """An initialised, empty store: `tmp_path`'s SQLite file, or a fresh PostgreSQL database
    (backend None: the suite's, DEFAULT_BACKEND)."""
    clock = clock or FixedClock(START)
    if (backend or DEFAULT_BACKEND) == "sqlite":
        with opened(f"sqlite:///{tmp_path / DB_FILE}", clock) as store:
            yield store
    else:
        with pg_database() as url, opened(url, clock) as store:
            yield store


# --- the office -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Which office: people `(key, name, badge, clearance, role, dept, rfid)` and items
    `(attribute, receive keywords)`; an attribute ending in `[]` keeps every copy's code."""

    people: tuple[tuple[str, str, str, str, str, str, str | None], ...]
    items: tuple[tuple[str, dict[str, Any]], ...] = ()


_STAFF = (
    ("zhang", "张三", "B001", "secret", "staff", "综合科", None),
    ("li", "李四", "B002", "confidential", "staff", "", None),
    ("wang", "王主任", "L001", "top-secret", "leader", "", None),
)
_CUSTODIAN = ("zhao", "赵保密员", "C001", "top-secret", "custodian", "", None)

LAYOUTS = {
    # the core tests: two stations and staff of each clearance, no items
    "core": Layout(people=(*_STAFF, _CUSTODIAN)),
    # the scan service's tests: the custodian has an RFID fob; items at home in the safe and the reading room
    "scan": Layout(
        people=(*_STAFF, (*_CUSTODIAN[:6], "010063E9AE")),
        items=(
            ("secret[]", dict(title="年度工作要点", level="secret", copies=3, home="保密室")),
            ("top", dict(title="绝密通知", level="top-secret", home="保密室")),
            ("confidential[]", dict(title="会议纪要", level="confidential", copies=2, home="阅文室")),
        ),
    ),
    # the closing-time tests (sweeps, counts, registers, imports): a second custodian, periods, a seal
    "closing": Layout(
        people=(*_STAFF, _CUSTODIAN, ("qian", "钱保密员", "C002", "top-secret", "custodian", "", None)),
        items=(
            (
                "secret[]",
                dict(
                    title="年度工作要点",
                    level="secret",
                    copies=3,
                    period="10y",
                    doc_no="办发〔2026〕12号",
                    issuer="县委办公室",
                    home="保密室",
                ),
            ),
            ("top", dict(title="绝密通知", level="top-secret", period="30y", home="保密室")),
            ("seal", dict(title="办公室印章", level="internal", kind="seal", home="保密室")),
            ("reading[]", dict(title="学习材料", level="internal", copies=2, home="阅文室")),
        ),
    ),
}
STATIONS = (("保密室", "safe"), ("阅文室", "reading-room"))


@dataclass
class Office:
    """An office built by `build_office`: its store, stations (with their tokens), people and items."""

    store: Store
    url: str = ""
    home: Path = Path()
    clock: Any = None
    tokens: dict[str, str] = field(default_factory=dict)
    stations: dict[str, Station] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    secret: list[str] = field(default_factory=list)  # three secret copies in the safe
    top: str = ""  # one top-secret document in the safe
    confidential: list[str] = field(default_factory=list)  # "scan": two confidential documents, reading room
    seal: str = ""  # "closing": the office seal, in the safe
    reading: list[str] = field(default_factory=list)  # "closing": two internal documents, reading room

    @property
    def top_secret(self) -> str:
        return self.top

    def as_dict(self) -> dict[str, Any]:
        """The core tests' shape: {"safe", "room", and each person by key}."""
        return {"safe": self.stations["保密室"], "room": self.stations["阅文室"], **self.people}

    # reads
    def station(self, name: str) -> Station:
        m = self.store.m
        return m.Station.get(m.Station.name == name)

    def item(self, code: str) -> Item:
        m = self.store.m
        return m.Item.get(m.Item.code == code)

    def last_seq(self) -> int:
        m = self.store.m
        return m.Event.select(m.Event.seq).order_by(m.Event.seq.desc()).limit(1).scalar() or 0

    def events_since(self, seq: int) -> list[Event]:
        m = self.store.m
        return list(m.Event.select().where(m.Event.seq > seq).order_by(m.Event.seq))

    def events(self) -> int:
        return self.store.m.Event.select().count()

    def counts(self) -> tuple[int, int]:
        """(events, scans) stored: for asserting that nothing was written."""
        return self.store.m.Event.select().count(), self.store.m.Scan.select().count()

    # the closing-time tests' shortcuts (a FixedClock in Shanghai)
    def at(self, hhmm: str, day: datetime | None = None) -> datetime:
        h, mi = (int(x) for x in hhmm.split(":"))
        when = (day or self.clock.now().astimezone(SHANGHAI)).replace(
            hour=h, minute=mi, second=0, microsecond=0
        )
        self.clock.set(when.astimezone(UTC))
        return when

    def lend(self, code: str, who: str, station: str = "保密室") -> Any:
        approver = self.people["wang"] if self.item(code).level == "top-secret" else None
        out = actions.check_out(
            self.store, code, self.people[who], self.station(station), actor="test", approver=approver
        )
        assert out.outcome == "checked_out", out.message("en")
        return out

    def give_back(self, code: str, station: str = "保密室") -> Any:
        out = actions.return_item(self.store, code, self.station(station), actor="test")
        assert out.outcome == "returned", out.message("en")
        return out


def build_office(
    store: Store, layout: str = "scan", *, home: Path | None = None, url: str = "", clock: Any = None
) -> Office:
    """THE office builder: `layout`'s stations, people and items, through the write path."""
    spec = LAYOUTS[layout]
    office = Office(store, url, home or Path(), clock if clock is not None else store.clock)
    for name, kind in STATIONS:
        office.stations[name], office.tokens[name] = actions.add_station(store, name, kind, actor="test")
    for key, name, badge, clearance, role, dept, rfid in spec.people:
        office.people[key] = actions.add_person(
            store, name, badge=badge, clearance=clearance, role=role, dept=dept, rfid=rfid, actor="test"
        )
    for attribute, receive in spec.items:
        codes = [i.code for i in actions.receive(store, actor="test", **receive)]
        if attribute.endswith("[]"):
            setattr(office, attribute[:-2], codes)
        else:
            setattr(office, attribute, codes[0])
    return office


def office(store: Store) -> dict[str, Any]:
    """The core tests' office on `store`: a safe, a reading room, staff of each clearance and a leader."""
    return build_office(store, "core").as_dict()


# --- templates: each office built once per session, copied per test ------------------------------------

_templates: dict[tuple[str, datetime], tuple[Path, Office]] = {}
_templates_lock = threading.Lock()
_template_dir: Path | None = None
_pg_templates: dict[tuple[str, datetime], tuple[str, Office]] = {}


def _template(layout: str, start: datetime) -> tuple[Path, Office]:
    """The SQLite file of `layout` built at `start` (once per session), and the office as built."""
    global _template_dir
    with _templates_lock:
        key = (layout, start)
        if key not in _templates:
            if _template_dir is None:
                _template_dir = Path(tempfile.mkdtemp(prefix="custody-templates-"))
            path = _template_dir / f"{layout}-{len(_templates)}.db"
            with opened(f"sqlite:///{path}", FixedClock(start)) as store:
                built = build_office(store, layout)
            for suffix in ("-wal", "-shm"):  # closed: everything is in the main file
                assert not Path(f"{path}{suffix}").exists() or Path(f"{path}{suffix}").stat().st_size == 0
            _templates[key] = (path, built)
        return _templates[key]


def _pg_template(layout: str, start: datetime) -> tuple[str, Office]:
    """The PostgreSQL database of `layout` built at `start` (once per session, dropped at exit),
    and the office as built: each test's database is a copy of it (CREATE DATABASE … TEMPLATE)."""
    with _templates_lock:
        key = (layout, start)
        if key not in _pg_templates:
            import psycopg2

            name = f"tmpl_{os.getpid()}_{len(_pg_templates)}_{uuid.uuid4().hex[:6]}"
            admin = psycopg2.connect(PG_URL)
            admin.autocommit = True
            admin.cursor().execute(f"CREATE DATABASE {name}")
            admin.close()
            atexit.register(_drop_database, name)
            with opened(pg_url(name), FixedClock(start)) as store:  # closed: a template has no sessions
                built = build_office(store, layout)
            _pg_templates[key] = (name, built)
        return _pg_templates[key]


def _drop_database(name: str) -> None:
    import psycopg2

    try:
        admin = psycopg2.connect(PG_URL)
        admin.autocommit = True
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
    except psycopg2.Error:
        pass


def _rebind(office: Office, store: Store, url: str, home: Path, clock: Any) -> Office:
    """The template's office on the copy's store: the same ids, rows bound to `store.m`."""
    m = store.m
    return Office(
        store,
        url,
        home,
        clock,
        dict(office.tokens),
        {name: m.Station.get_by_id(st.id) for name, st in office.stations.items()},
        {key: m.Person.get_by_id(p.id) for key, p in office.people.items()},
        list(office.secret),
        office.top,
        list(office.confidential),
        office.seal,
        list(office.reading),
    )


@contextmanager
def fresh_office(
    home: Path, layout: str = "scan", clock: Clock | None = None, backend: str | None = None
) -> Iterator[Office]:
    """`layout`'s office in `home`'s SQLite file or in a fresh PostgreSQL database (backend None:
    the suite's, DEFAULT_BACKEND) — a copy of the session's template built at the clock's time —
    on `clock` (default: a FixedClock at START; with a moving clock, a SystemClock for servers in
    other processes, the office is built afresh, as they will see it)."""
    clock = clock if clock is not None else FixedClock(START)
    home.mkdir(parents=True, exist_ok=True)
    backend = backend or DEFAULT_BACKEND
    if backend == "sqlite":
        path = home / DB_FILE
        url = f"sqlite:///{path}"
        if not isinstance(clock, FixedClock):  # a moving clock: built now, as the servers will see it
            with opened(url, clock) as store:
                yield build_office(store, layout, home=home, url=url, clock=clock)
            return
        template, built = _template(layout, clock.now())
        shutil.copyfile(template, path)
        with opened(url, clock, create=False) as store:
            yield _rebind(built, store, url, home, clock)
    elif not isinstance(clock, FixedClock):
        with pg_database() as url, opened(url, clock) as store:
            yield build_office(store, layout, home=home, url=url, clock=clock)
    else:
        if reason := postgres_missing():
            pytest.skip(reason)
        template, built = _pg_template(layout, clock.now())
        with pg_database(template) as url, opened(url, clock, create=False) as store:
            yield _rebind(built, store, url, home, clock)
