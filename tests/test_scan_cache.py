"""The scan service keeps stations and settings between scans, and never serves them stale.

`custody.scan.config` keeps, per process, the stations looked up by token and the settings a scan
needs, with the configuration's version (a counter every station, token and setting change bumps
in its own transaction); each scan reads the version in its first query. These tests change the
configuration through ANOTHER store on the same database (what another worker process or the CLI
sees), or another process, and check that the very next scan obeys it; and they count statements
per scan (a count, not a time). Each test names the failure it guards against.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import Office, new_id

from custody.actions import core as actions
from custody.store.core import Store
from custody.store.db import is_sqlite
from web.app import make_app

ROOT = Path(__file__).resolve().parent.parent


def post(
    app: Callable[..., Any], token: str, code: str, lang: str | None = None
) -> tuple[int, dict[str, Any]]:
    """One scan through the real WSGI app, in this process (no server): status and JSON body."""
    body = json.dumps({"code": code, "scan_id": new_id()}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/scans",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8750",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if lang:
        environ["HTTP_ACCEPT_LANGUAGE"] = lang
    status: list[str] = []
    out = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    return int(status[0].split()[0]), json.loads(out)


@contextmanager
def other_store(office: Office) -> Iterator[Store]:
    """The same database as another process sees it: a second Store, its own connection."""
    other = Store.open(office.url)
    try:
        yield other
    finally:
        other.close()


@contextmanager
def counting(store: Store) -> Iterator[list[str]]:
    """Every statement the store's database runs (through `execute_sql`), in order."""
    seen: list[str] = []
    db = store.db
    original = db.execute_sql

    def execute_sql(sql: str, *args: Any, **kw: Any) -> Any:
        seen.append(sql)
        return original(sql, *args, **kw)

    db.execute_sql = execute_sql  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del db.execute_sql


def test_a_token_revoked_by_another_store_is_refused_on_the_very_next_scan(office: Office) -> None:
    """Guards against a worker process answering a revoked scanner from the station it kept: the
    revocation (another process's write) bumps the version, the next scan's first query sees it."""
    app = make_app(office.store)
    token = office.tokens["保密室"]
    assert post(app, token, "B001")[0] == 200
    assert post(app, token, "B001")[0] == 200  # now let in on the kept station
    with other_store(office) as other:
        actions.revoke_token(other, "保密室", actor="test")
    status, body = post(app, token, office.secret[0])
    assert status == 401 and "error" in body
    assert office.item(office.secret[0]).status == "in"  # nothing was done with the revoked token
    assert post(app, office.tokens["阅文室"], "B001")[0] == 200  # the other station's token still works


def test_a_token_rotated_in_another_process_takes_effect_on_the_next_scan(office: Office) -> None:
    """Guards against the old token living on in a process's cache after a rotation made by another
    process (here a real one, as the CLI would be), and against the new token being unknown."""
    app = make_app(office.store)
    old = office.tokens["阅文室"]
    assert post(app, old, "B001")[0] == 200
    code = (
        "from custody.store.core import Store\n"
        "from custody.actions import core as actions\n"
        f"store = Store.open({office.url!r})\n"
        "print(actions.rotate_token(store, '阅文室', actor='cli'))\n"
        "store.close()\n"
    )
    new = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, timeout=60
    ).stdout.strip()
    assert post(app, old, "B001")[0] == 401
    status, body = post(app, new, "B001")
    assert status == 200 and body["outcome"] == "badge"


def test_a_setting_changed_by_another_store_is_used_by_the_very_next_scan(office: Office) -> None:
    """Guards against a process answering in the language (or with the session timeout) it read
    before another process changed the setting."""
    app = make_app(office.store)
    token = office.tokens["保密室"]
    status, body = post(app, token, "B001")
    assert status == 200 and "张三" in body["message"] and not body["message"].isascii()
    with other_store(office) as other:
        actions.set_setting(other, "language", "en", actor="test")
    status, body = post(app, token, "B001")
    assert status == 200
    english = body["message"]
    with other_store(office) as other:
        actions.set_setting(other, "language", "zh", actor="test")
    status, body = post(app, token, "B001")
    assert status == 200 and body["message"] != english
    # an Accept-Language header still wins over the setting
    status, body = post(app, token, "B001", lang="en")
    assert body["message"] == english


def test_a_session_timeout_changed_elsewhere_applies_to_the_next_scan(office: Office) -> None:
    """Guards against the kept timeout outliving a change: 120 s kept, 10 s set elsewhere, a scan
    30 s after the badge finds no session."""
    app = make_app(office.store)
    token = office.tokens["阅文室"]
    assert post(app, token, "B001")[1]["outcome"] == "badge"
    with other_store(office) as other:
        actions.set_setting(other, "session_timeout_seconds", 10, actor="test")
    office.clock.advance(seconds=30)
    status, body = post(app, token, office.confidential[0])
    assert status == 200 and body["outcome"] == "refused"  # scan a badge first
    assert office.item(office.confidential[0]).status == "in"


def test_a_check_out_scan_runs_at_most_six_statements(office: Office) -> None:
    """Guards against the scan path growing statements back: a check-out scan on the kept station
    reads the station, session, code, item and version in ONE query (the token is not looked up
    again), then the ledger head, the event, the new head, the item and the stored answer; a
    reading loan writes no loan terms that are unchanged. Before the configuration cache it was
    eight (with the loan terms' own update); on PostgreSQL the writers' turn (an advisory lock) is one
    more. The bound is a count, not a time."""
    app = make_app(office.store)
    token = office.tokens["保密室"]
    assert post(app, token, "B001")[0] == 200  # warm: the station is kept
    with counting(office.store) as seen:
        status, body = post(app, token, office.secret[0])
    assert status == 200 and body["outcome"] == "checked_out"
    bound = 6 if is_sqlite(office.store.db) else 7  # PostgreSQL: the writers' turn, one more statement
    assert len(seen) <= bound, seen
    assert not any('token_hash" = ' in sql for sql in seen), "the kept station's token was looked up again"
    assert sum(' FROM "setting"' in sql or " FROM setting" in sql for sql in seen) <= 1  # the version only
    with counting(office.store) as seen:
        status, body = post(app, token, office.secret[0])
    assert status == 200 and body["outcome"] == "returned"
    assert len(seen) <= bound, seen


def test_the_answer_sent_is_the_answer_stored(office: Office) -> None:
    """Guards against the answer being serialised once for the record and differently for the wire:
    the duplicate (read back from the record) equals the first answer but for `duplicate`."""
    app = make_app(office.store)
    token = office.tokens["保密室"]
    body = json.dumps({"code": "B001", "scan_id": new_id()}).encode()
    answers = []
    for _ in range(2):
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/scans",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8750",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
        }
        headers: list[Any] = []
        out = b"".join(app(environ, lambda s, h, e=None, seen=headers: seen.append(h)))
        assert ("Content-Type", "application/json; charset=utf-8") in headers[0]
        answers.append(json.loads(out))
    first, again = answers
    assert first["duplicate"] is False and again["duplicate"] is True
    assert {**first, "duplicate": True} == again


@pytest.mark.parametrize("change", ["add_station", "closing_time"])
def test_every_station_change_bumps_the_version(office: Office, change: str) -> None:
    """Guards against an action that changes stations without telling the other processes."""
    from custody.scan import config

    before = config.current_version(office.store)
    if change == "add_station":
        actions.add_station(office.store, "新站点", "reading-room", actor="test")
    else:
        actions.set_station_closing_time(office.store, "阅文室", "17:30", actor="test")
    assert config.current_version(office.store) == before + 1
