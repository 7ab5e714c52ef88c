"""`custody demo`: a ready office on a fresh home, the service and an emulated scanner."""

from __future__ import annotations

import io
import os
import secrets
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from custody import config, settings, vocab
from custody.actions import core as actions
from custody.cli import demo_data
from custody.cli.table import listing
from custody.clock import FixedClock, SystemClock
from custody.messages import N_
from custody.store.core import Store

# the outcome word a station line starts with (the scan API's `outcome`, or the agent's `rejected`)
OUTCOME_WORDS = {
    "badge": N_("badge read"),
    "approved": N_("approved"),
    "checked_out": N_("checked out"),
    "returned": N_("returned"),
    "command": N_("station command"),
    "inventory_seen": N_("counted"),
    "refused": N_("refused"),
    "unknown": N_("unknown code"),
    "rejected": N_("not accepted"),
}

DAY_STARTS = time(8, 0)  # the demo office is filled then; the replayed day ends with the sweep at 17:40
DAY_ENDS = time(17, 40)


def register(cli: click.Group) -> None:
    cli.add_command(demo)


def _print(text: str = "") -> None:
    click.echo(text)


@click.command()
@click.option(
    "--replay", is_flag=True, help="Play a scripted working day through the emulated scanner, then exit."
)
@click.option(
    "--dir",
    "--demo-dir",
    "demo_dir",
    type=click.Path(file_okay=False),
    help="Demo home, kept afterwards (default: a new temporary one, removed at the end).",
)
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Service port (0: a free one).",
)
@click.pass_obj
def demo(obj, replay: bool, demo_dir: str | None, port: int) -> None:
    """A ready office on a fresh demo home — never your real one.

    Fills it with people of each role and clearance, a safe, a reading room and
    an archive room, documents of each level in several copies, a seal, letters
    of introduction and USB media; starts the service on 127.0.0.1 and an
    emulated scanner at the safe that reads codes you type (Ctrl-C stops all).
    With --replay it plays a whole working day and prints the closing sweep.

    \b
    Example:
      custody demo --replay
      custody demo            # then type S3001 and an item code, one a line
    """
    from web.server import start_in_thread

    if demo_dir and Path(demo_dir).exists() and any(Path(demo_dir).iterdir()):
        raise click.UsageError(f"--dir {demo_dir} is not empty; the demo only uses a fresh directory")
    home = Path(demo_dir or tempfile.mkdtemp(prefix="custody-demo-"))
    try:
        home.mkdir(parents=True, exist_ok=True)
        # the replayed day runs on its own clock (08:00 … 17:40), so times and durations read true;
        # the service below shares the store, and so the clock (the scanner's scanned_at too)
        tz = ZoneInfo(settings.SETTINGS["timezone"][0])  # a fresh database has the default
        day = _replayed_day(SystemClock().now().astimezone(tz))
        clock = FixedClock(datetime.combine(day, DAY_STARTS, tz)) if replay else SystemClock()
        store = obj.use(Store.open(f"sqlite:///{home / config.DB_FILE}", clock=clock, create=True))
        password = secrets.token_urlsafe(9)  # the demo's logins share it; shown once below
        office = demo_data.seed(store, password=password)
        if obj.cfg.lang:  # the stations answer in the database's language: the reader's, here
            actions.set_setting(store, "language", obj.cfg.lang, actor=demo_data.ACTOR)
        running = start_in_thread(store, "127.0.0.1", port, 4)
        try:
            _print(obj.t("demo home: {home}", home=str(home)))
            _print(obj.t("service: {url}", url=running.url))
            for name, token in office.tokens.items():
                _print(obj.t("station {name} token: {token}", name=name, token=token))
            _print(
                obj.t(
                    "web pages: {url}/login — users {users}, password {password}",
                    url=running.url,
                    users=listing(office.logins, obj.lang),
                    password=password,
                )
            )
            if demo_dir or not replay:  # the live demo's home is there while it runs
                _print(obj.t("look: {command}", command=look_command(home)))
            if not demo_dir:
                _print(obj.t("the demo home is removed at the end; keep it with --dir DIR"))
            if replay:
                _replay(obj, store, home, running.url, office, clock, day, tz)
            else:
                _interactive(obj, home, running.url, office)
        finally:
            running.stop()
            store.close()
    finally:
        if not demo_dir:
            shutil.rmtree(home, ignore_errors=True)


def _replayed_day(now: datetime) -> date:
    """The last day whose working hours are over: today after 17:45, else yesterday, so that
    nothing the demo records lies in the future of a later `custody out`."""
    return now.date() if now.time() >= time(17, 45) else now.date() - timedelta(days=1)


def custody_command() -> str:
    """How to run the `custody` that runs now, as a shell would need it (the venv need not be active)."""
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) == "custody" and os.path.exists(argv0):
        return shlex.quote(os.path.abspath(argv0))
    found = shutil.which("custody")
    if found:
        return shlex.quote(found)
    return f"{shlex.quote(sys.executable)} -m custody.cli.main"


def look_command(home: Path) -> str:
    return f"CUSTODY_HOME={shlex.quote(str(home))} {custody_command()} out"


class _StationLines(io.TextIOBase):
    """The agent's console lines with the outcome word in the reader's language
    (`custody emulate` keeps the scan API's word, for scripts; a story is read by people)."""

    def __init__(self, obj, out) -> None:
        self.obj = obj
        self.out = out
        self._partial = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._partial += text
            *lines, self._partial = self._partial.split("\n")
            for line in lines:
                self.out.write(self.shown(line) + "\n")
            self.out.flush()
        return len(text)

    def shown(self, line: str) -> str:
        word, _, rest = line.partition(" ")
        if word not in OUTCOME_WORDS:
            return line
        return f"{self.obj.t(OUTCOME_WORDS[word])}  {rest}".rstrip()


def _scan(obj, home: Path, url: str, token: str, lines: list[str], name: str, clock: FixedClock) -> None:
    from devices.emulate import Step, run_emulation

    left = run_emulation(
        [Step(code=c) for c in lines],
        server=url,
        token=token,
        spool_path=home / f"spool-{name}.db",
        out=_StationLines(obj, sys.stdout),
        wall_clock=lambda: clock.now().isoformat(timespec="milliseconds"),
        err=io.StringIO(),
        dedup_window=0.0,
        lang=obj.lang,
        settle_timeout=20.0,
    )
    if left:
        raise click.ClickException(f"{left} scans were not delivered")


def _replay(
    obj,
    store: Store,
    home: Path,
    url: str,
    office: demo_data.Office,
    clock: FixedClock,
    day: date,
    tz: ZoneInfo,
) -> None:
    from custody.cli.closing import print_sweep
    from custody.cli.labels import write_item_labels
    from custody.reports import sweep

    def at(hh_mm: str) -> None:
        hours, minutes = hh_mm.split(":")
        clock.set(datetime.combine(day, time(int(hours), int(minutes)), tz))

    _print()
    at("08:30")
    _print(obj.t("== {time} receiving: 3 copies arrive, registered and labelled", time="08:30"))
    new = actions.receive(
        store,
        title="关于开展保密自查的通知",
        level="secret",
        copies=3,
        doc_no="县保发〔2026〕5号",
        issuer="县保密局",
        period="10y",
        received_by="C1001",
        actor="demo",
    )
    codes = [i.code for i in new]
    for i in new:
        marking = vocab.marking(vocab.LEVEL_BY_SLUG[i.level], vocab.Period(i.period), obj.lang)
        _print(
            obj.t(
                "received “{title}” copy {copy_no}, {marking}: {code}",
                title=i.title,
                copy_no=f"{i.copy_no:06d}",
                marking=marking,
                code=i.code,
            )
        )
    write_item_labels(obj, codes, home / "labels.pdf")
    for hh_mm, heading, station, lines in demo_data.day_script(office, codes):
        _print()
        at(hh_mm)
        _print(f"== {hh_mm} {obj.t(heading)}")
        _scan(obj, home, url, office.tokens[station], lines, station, clock)
    _print()
    closing = DAY_ENDS.strftime("%H:%M")
    at(closing)
    _print(obj.t("== {time} closing sweep", time=closing))
    print_sweep(obj, sweep.to_json(store, sweep.sweep(store), tz))


def _interactive(obj, home: Path, url: str, office: demo_data.Office) -> None:
    from devices.emulate import parse_script, run_emulation

    _print()
    _print(
        obj.t(
            "The emulated scanner at the safe is ready: type one code a line (badge, item, command); Ctrl-C quits."
        )
    )
    _print(
        obj.t(
            "badges: {badges}",
            badges=listing((f"{p.name} {badge}" for badge, p in office.people.items()), obj.lang),
        )
    )
    sample = [(title, items[0].code) for title, items in list(office.items.items())[:4]]
    _print(obj.t("items: {items}", items=listing((f"{t} {c}" for t, c in sample), obj.lang)))
    _print(obj.t("commands: {commands}", commands=command_list(obj.lang)))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_emulation(
            parse_script(sys.stdin),
            server=url,
            token=office.tokens["保密室"],
            spool_path=home / "spool-interactive.db",
            out=_StationLines(obj, sys.stdout),
            err=sys.stderr,
            lang=obj.lang,
        )
        # standard input ended (not a terminal): the service keeps running until Ctrl-C or SIGTERM
        threading.Event().wait()
    except KeyboardInterrupt:
        _print()
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print(obj.t("demo stopped."))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def command_list(lang: str) -> str:
    """The station's command codes with their captions: `CMD-END 结束会话，CMD-UNDO …`."""
    from custody.scan.commands import sheet_rows

    return listing((f"{code} {caption}" for code, caption in sheet_rows(lang)), lang)
