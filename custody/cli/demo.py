"""`custody demo`: a ready office on a fresh home, the service and an emulated scanner."""

from __future__ import annotations

import io
import signal
import sys
import tempfile
import threading
from pathlib import Path

import click

from custody import config
from custody.cli import demo_data
from custody.store.core import Store


def register(cli: click.Group) -> None:
    cli.add_command(demo)


def _print(text: str = "") -> None:
    click.echo(text)


@click.command()
@click.option(
    "--replay", is_flag=True, help="Play a scripted working day through the emulated scanner, then exit."
)
@click.option(
    "--dir", "demo_dir", type=click.Path(file_okay=False), help="Demo home (default: a new temporary one)."
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
    home.mkdir(parents=True, exist_ok=True)
    store = obj.use(Store.open(f"sqlite:///{home / config.DB_FILE}", create=True))
    office = demo_data.seed(store)
    running = start_in_thread(store, "127.0.0.1", port, 4)
    try:
        _print(obj.t("demo home: {home}", home=str(home)))
        _print(obj.t("service: {url}", url=running.url))
        for name, token in office.tokens.items():
            _print(obj.t("station {name} token: {token}", name=name, token=token))
        _print(obj.t("look: CUSTODY_HOME={home} custody out", home=str(home)))
        if replay:
            _replay(obj, store, home, running.url, office)
        else:
            _interactive(obj, home, running.url, office)
    finally:
        running.stop()


def _scan(obj, home: Path, url: str, token: str, lines: list[str], name: str) -> None:
    from devices.emulate import Step, run_emulation

    left = run_emulation(
        [Step(code=c) for c in lines],
        server=url,
        token=token,
        spool_path=home / f"spool-{name}.db",
        out=sys.stdout,
        err=io.StringIO(),
        dedup_window=0.0,
        lang=obj.lang,
        settle_timeout=20.0,
    )
    if left:
        raise click.ClickException(f"{left} scans were not delivered")


def _replay(obj, store: Store, home: Path, url: str, office: demo_data.Office) -> None:
    from custody.actions import core as actions
    from custody.cli.closing import print_sweep
    from custody.cli.labels import write_item_labels
    from custody.reports import sweep

    _print()
    _print(obj.t("== 08:30 receiving: 3 copies arrive, registered and labelled"))
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
    for c in codes:
        _print(f"received {c}")
    write_item_labels(obj, codes, home / "labels.pdf")
    for clock, heading, station, lines in demo_data.day_script(office, codes):
        _print()
        _print(f"== {clock} {heading}")
        _scan(obj, home, url, office.tokens[station], lines, station)
    _print()
    _print(obj.t("== 17:40 closing sweep"))
    print_sweep(obj, sweep.to_json(store, sweep.sweep(store), obj.tz()))


def _interactive(obj, home: Path, url: str, office: demo_data.Office) -> None:
    from devices.emulate import parse_script, run_emulation

    _print()
    _print(
        obj.t(
            "The emulated scanner at the safe is ready: type one code a line (badge, item, command); Ctrl-C quits."
        )
    )
    _print(
        obj.t("badges: {badges}", badges=", ".join(f"{p.name} {badge}" for badge, p in office.people.items()))
    )
    sample = [(title, items[0].code) for title, items in list(office.items.items())[:4]]
    _print(obj.t("items: {items}", items=", ".join(f"{t} {c}" for t, c in sample)))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_emulation(
            parse_script(sys.stdin),
            server=url,
            token=office.tokens["保密室"],
            spool_path=home / "spool-interactive.db",
            out=sys.stdout,
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
