"""Helpers for the closing-time tests (issue 6): an office on a fixed clock in a SQLite file
under tmp_path, shortcuts for lending and returning at given local times, and the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner, Result
from core_support import BACKENDS, pg_database

from custody.actions import core as actions
from custody.clock import FixedClock
from custody.config import DB_FILE
from custody.models.core import Person, Station
from custody.reports import lookup
from custody.rules.places import LoanTerms
from custody.store.core import Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)  # a working Monday
__all__ = ["BACKENDS"]


def local(day: datetime, hhmm: str) -> datetime:
    """That day at HH:MM in Shanghai."""
    h, m = (int(x) for x in hhmm.split(":"))
    return day.replace(hour=h, minute=m, second=0, microsecond=0)


@dataclass
class Office:
    store: Store
    clock: FixedClock
    url: str
    home: Path
    people: dict[str, Person]
    secret: list[str]  # three secret copies in the safe
    top: str  # a top-secret document in the safe
    seal: str  # the office seal, in the safe
    reading: list[str]  # two internal documents whose home is the reading room

    def station(self, name: str) -> Station:
        return lookup.station(self.store, name)

    def at(self, hhmm: str, day: datetime | None = None) -> datetime:
        when = local(day or self.clock.now().astimezone(SHANGHAI), hhmm)
        self.clock.set(when.astimezone(UTC))
        return when

    def lend(self, code: str, who: str, station: str = "保密室") -> actions.Outcome:
        m = self.store.m
        it = m.Item.get(m.Item.code == code)
        carried = it.kind in ("seal", "letter")  # P28: a stated use and a leader's approval
        approver = self.people["wang"] if it.level == "top-secret" or carried else None
        out = actions.check_out(
            self.store,
            code,
            self.people[who],
            self.station(station),
            actor="test",
            approver=approver,
            terms=LoanTerms(use="合同用印") if carried else None,
        )
        assert out.outcome == "checked_out", out.message("en")
        return out

    def give_back(self, code: str, station: str = "保密室") -> actions.Outcome:
        out = actions.return_item(self.store, code, self.station(station), actor="test")
        assert out.outcome == "returned", out.message("en")
        return out

    def events(self) -> int:
        return self.store.m.Event.select().count()


def build(store: Store, clock: FixedClock, url: str, home: Path) -> Office:
    actions.add_station(store, "保密室", "safe", actor="test")
    actions.add_station(store, "阅文室", "reading-room", actor="test")
    people = {
        "zhang": actions.add_person(
            store, "张三", badge="B001", clearance="secret", dept="综合科", actor="test"
        ),
        "li": actions.add_person(store, "李四", badge="B002", clearance="confidential", actor="test"),
        "wang": actions.add_person(
            store, "王主任", badge="L001", clearance="top-secret", role="leader", actor="test"
        ),
        "zhao": actions.add_person(
            store, "赵保密员", badge="C001", clearance="top-secret", role="custodian", actor="test"
        ),
        "qian": actions.add_person(
            store, "钱保密员", badge="C002", clearance="top-secret", role="custodian", actor="test"
        ),
    }
    secret = [
        i.code
        for i in actions.receive(
            store,
            title="年度工作要点",
            level="secret",
            copies=3,
            period="10y",
            doc_no="办发〔2026〕12号",
            issuer="县委办公室",
            home="保密室",
            actor="test",
        )
    ]
    top = actions.receive(
        store, title="绝密通知", level="top-secret", period="30y", home="保密室", actor="test"
    )[0].code
    seal = actions.receive(
        store, title="办公室印章", level="internal", kind="seal", home="保密室", actor="test"
    )[0].code
    reading = [
        i.code
        for i in actions.receive(
            store, title="学习材料", level="internal", copies=2, home="阅文室", actor="test"
        )
    ]
    return Office(store, clock, url, home, people, secret, top, seal, reading)


@contextmanager
def office_at(tmp_path: Path, start: datetime = MONDAY, backend: str = "sqlite") -> Iterator[Office]:
    """The office in a SQLite file under tmp_path, or (backend "postgres") a fresh PostgreSQL database."""
    clock = FixedClock(start.astimezone(UTC))
    home = tmp_path / "home"
    with ExitStack() as stack:
        url = f"sqlite:///{home / DB_FILE}" if backend == "sqlite" else stack.enter_context(pg_database())
        store = Store.open(url, clock=clock, create=True)
        try:
            yield build(store, clock, url, home)
        finally:
            store.close()


def cli_command():
    """The real `custody` group."""
    from custody.cli.main import cli

    return cli


def run_cli(office: Office, *args: str, lang: str = "zh") -> Result:
    """Run a command in-process against the office's database (on the system clock: the CLI's own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env["CUSTODY_HOME"] = str(office.home)
    return CliRunner().invoke(cli_command(), ["--lang", lang, *args], env=env, catch_exceptions=False)


def recent_morning(days_back: int = 7) -> datetime:
    """09:00 Shanghai, some days before now: for CLI tests, whose clock is the system's."""
    return (datetime.now(SHANGHAI) - timedelta(days=days_back)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )


class WebhookReceiver:
    """A real HTTP server on a free loopback port that keeps every POSTed JSON body.
    `statuses` answers the first requests with those codes (then 200): for retry tests."""

    def __init__(self, statuses: tuple[int, ...] = ()) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.bodies: list[dict] = []
        self.requests = 0
        self._statuses = list(statuses)
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._cond:
                    receiver.requests += 1
                    status = receiver._statuses.pop(0) if receiver._statuses else 200
                    if status == 200:
                        receiver.bodies.append(json.loads(body))
                    receiver._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, n: int, timeout: float = 20.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.bodies) >= n, timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)
