"""`custody serve --workers N`: N granian worker processes answer on one port under granian's
supervising parent, share sessions and the ledger through the database, are replaced when one
dies, and all drain on SIGTERM or Ctrl-C; the writers of several processes take turns on the
database's lock file."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Client, Office, ServeProcess, new_id, open_live_office
from core_support import BACKENDS, wait_for

from custody.cli.serve import wait_healthy
from custody.ledger.verify import verify
from custody.store.db import LOCK_SUFFIX, writing


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    return found


def started_children(pid: int, count: int = 2, gone: int | None = None) -> set[int]:
    """The children of `pid` once all `count` are forked (and `gone` is not among them): the parent
    announces its address before it forks them, and a worker may answer the health check before
    the last one is forked. (The closing sweep runs in worker 1: no process of its own.)"""
    return wait_for(
        lambda: (lambda kids: kids if len(kids) == count and gone not in kids else None)(children(pid)),
        what=f"{count} child processes",
    )


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie or a process already reaped is not alive."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # reaped, possibly between two looks
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_workers_share_sessions_and_the_ledger_under_load(
    live_office: Office, serve_process: ServeProcess
) -> None:
    o = live_office
    serve_process.args = ["--workers", "2", "--threads", "4", "--pin-cpus"]
    serve_process.start()
    assert serve_process.proc is not None
    kids = started_children(serve_process.proc.pid)  # two workers
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) >= 2:  # each worker on a CPU of its own
        pinned = sorted(
            cpu for k in kids if len(os.sched_getaffinity(k)) == 1 for cpu in os.sched_getaffinity(k)
        )
        assert pinned == allowed[:2]

    failures: list[str] = []

    def station(name: str, badge: str, codes: list[str], rounds: int) -> None:
        # each station its own connection, reaching whichever worker accepts it
        c = Client(serve_process.url, o.tokens[name])
        for _ in range(rounds):
            for code, expected in (
                (badge, "badge"),
                *((x, "checked_out") for x in codes),
                *((x, "returned") for x in codes),
            ):
                answer = c.scan(code)
                if answer["outcome"] != expected:
                    failures.append(f"{name} {code}: {answer['outcome']} {answer['message']}")

    threads = [
        threading.Thread(target=station, args=("保密室", "B001", o.secret, 5)),
        threading.Thread(target=station, args=("阅文室", "B002", o.confidential, 5)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures
    assert serve_process.stop() == 0
    assert o.store.m.Event.select().where(o.store.m.Event.kind == "checked_out").count() == 5 * (
        len(o.secret) + len(o.confidential)
    )
    assert o.store.m.Item.select().where(o.store.m.Item.status == "out").count() == 0
    assert verify(o.store).ok


@pytest.fixture(params=BACKENDS)
def any_live_office(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Office]:
    """The live office on SQLite and, when CUSTODY_TEST_PG names a server, on PostgreSQL."""
    with open_live_office(tmp_path / "home", request.param) as office:
        yield office


def test_one_scan_posted_at_once_to_every_worker_is_recorded_once(any_live_office: Office) -> None:
    o = any_live_office
    serve = ServeProcess(o.home, args=["--workers", "2", "--threads", "8"], db=o.url)
    try:
        serve.start()
        assert Client(serve.url, o.tokens["保密室"]).scan("B001")["outcome"] == "badge"
        sid, posts = new_id(), 16
        together = threading.Barrier(posts)
        answers: list[dict] = []

        def post() -> None:
            c = Client(serve.url, o.tokens["保密室"])  # a connection of its own: any worker may take it
            together.wait(30)
            answers.append(c.scan(o.secret[0], scan_id=sid))

        threads = [threading.Thread(target=post) for _ in range(posts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(answers) == posts
        first = [a for a in answers if not a["duplicate"]]
        assert len(first) == 1 and first[0]["outcome"] == "checked_out"
        assert all(a == {**first[0], "duplicate": True} for a in answers if a["duplicate"])
        assert serve.stop() == 0
    finally:
        if serve.proc is not None and serve.proc.poll() is None:
            serve.proc.kill()
            serve.proc.wait(10)
    assert (
        o.store.m.Event.select()
        .where((o.store.m.Event.kind == "checked_out") & (o.store.m.Event.item == o.secret[0]))
        .count()
        == 1
    )
    assert o.store.m.Scan.select().where(o.store.m.Scan.scan_id == sid).count() == 1
    assert not any("Traceback" in line for line in serve.stderr_lines)
    assert verify(o.store).ok


def test_a_worker_that_dies_is_replaced_and_sigterm_stops_them_all(
    live_office: Office, serve_process: ServeProcess
) -> None:
    o = live_office
    serve_process.args = ["--workers", "2", "--threads", "2"]
    serve_process.start()
    assert serve_process.proc is not None
    parent = serve_process.proc.pid
    first = started_children(parent)
    c = serve_process.client(o.tokens["保密室"])
    sid = new_id()
    opened = c.scan("B001", scan_id=sid)
    assert opened["outcome"] == "badge"

    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    now = started_children(parent, gone=victim)  # with a replacement
    assert len(now - first) == 1
    # granian may refuse connections for a moment while it takes the replacement in (seen under
    # load in CI): wait until the service answers again, as an agent retrying would
    wait_healthy(serve_process.url)
    # whichever worker answers, the stored answer and the open session are the database's
    for _ in range(4):
        assert Client(serve_process.url, o.tokens["保密室"]).scan("B001", scan_id=sid) == {
            **opened,
            "duplicate": True,
        }
    assert Client(serve_process.url, o.tokens["保密室"]).scan(o.secret[0])["outcome"] == "checked_out"
    assert any(
        "ended with status -9" in line and "starting another" in line for line in serve_process.stderr_lines
    )

    assert serve_process.stop(signal.SIGTERM) == 0
    assert not any(alive(pid) for pid in now)
    assert o.store.m.Scan.select().count() == 2
    assert verify(o.store).ok


def test_workers_that_cannot_start_give_up_with_one_line(tmp_path: Path) -> None:
    from conftest import SERVE_BOOT

    env = {**os.environ, "CUSTODY_HOME": str(tmp_path / "empty")}
    r = subprocess.run(
        [sys.executable, "-c", SERVE_BOOT, "serve", "--port", "0", "--workers", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 1  # checked before any worker starts
    assert r.stderr.strip().splitlines() == ["custody: 数据库尚未初始化：请先运行 custody init"]


HOLDER = r"""
import sys
from custody.store.core import Store
store = Store.open(sys.argv[1])
with store.db.write_lock:
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def test_writers_of_two_processes_take_turns_on_the_lock_file(live_office: Office) -> None:
    o = live_office
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, o.url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "held"
        lock_file = o.store.db.database + LOCK_SUFFIX
        fd = os.open(lock_file, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the other process holds it
        finally:
            os.close(fd)
        entered = threading.Event()

        def write() -> None:
            with writing(o.store.db):
                entered.set()

        writer = threading.Thread(target=write)
        writer.start()
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        writer.join(30)
        assert entered.is_set()
    finally:
        holder.kill()
        holder.wait(10)


GIVING_UP = r"""
import logging, sys
from web.server import serve
logging.basicConfig(level=logging.INFO)

def fails(number):
    raise RuntimeError("cannot start")

sys.exit(serve(fails, "127.0.0.1", 0, workers=1, threads=1, announce=lambda url: None))
"""


def test_workers_that_keep_dying_at_once_give_up() -> None:
    """granian replaces a worker that dies, but one dying again within seconds of being replaced
    stops the service (exit 1), each failure logged with its reason."""
    r = subprocess.run([sys.executable, "-c", GIVING_UP], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.count("cannot start") >= 2
    assert "ended with status 1" in r.stderr and "crash loop detected" in r.stderr


def test_ctrl_c_reaching_every_process_stops_them_all_cleanly(
    live_office: Office, serve_process: ServeProcess
) -> None:
    serve_process.args = ["--workers", "2"]
    serve_process.start()
    assert serve_process.proc is not None
    parent = serve_process.proc.pid
    kids = started_children(parent)
    for pid in kids:  # as Ctrl-C in a terminal signals the whole process group (the parent last here)
        os.kill(pid, signal.SIGINT)
    wait_for(lambda: not any(alive(pid) for pid in kids) or None, what="the workers to stop")
    assert serve_process.proc.wait(30) == 0  # none left: the parent stops without being told
    assert serve_process.stop(signal.SIGINT) == 0
    assert not any(
        "Traceback" in line or "Aborted" in line or "starting another" in line
        for line in serve_process.stderr_lines
    )


def test_ctrl_c_in_a_terminal_stops_every_process_at_once(
    live_office: Office, serve_process: ServeProcess
) -> None:
    """Regression: Ctrl-C reaches the parent and every worker together, and the parent then tells the
    workers to stop again; granian's worker signal, set twice, blocked the worker for ever."""
    serve_process.args = ["--workers", "2"]
    serve_process.start()
    assert serve_process.proc is not None
    kids = started_children(serve_process.proc.pid)
    c = serve_process.client(live_office.tokens["保密室"])
    assert c.scan("B001")["outcome"] == "badge"
    os.killpg(serve_process.proc.pid, signal.SIGINT)  # its own process group (ServeProcess)
    assert serve_process.proc.wait(30) == 0
    assert not any(alive(pid) for pid in kids)
    assert not any(
        "Traceback" in line or "Killing" in line or "starting another" in line
        for line in serve_process.stderr_lines
    )
