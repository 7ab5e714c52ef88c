"""`custody agent` and `custody emulate`: parse options, start a station agent, print.

The main CLI adds both with `add_command`. Its context object (a dict, or an
object with these attributes) may carry `start_local_service(station_name)
-> (url, token, stop)` for `emulate` without `--server`, `home` (or
`cfg.home`: the default place of agent spools) and `lang` ("zh" or "en").
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

import click

from custody.errors import CustodyError, InvalidInput
from custody.messages import DEFAULT_LANG, N_, Msg, msg
from devices.backoff import Backoff
from devices.emulate import parse_script, run_emulation
from devices.framing import DEFAULT_MAX_LENGTH, TERMINATORS
from devices.layouts import LAYOUTS, layout_named
from devices.profiles import DEFAULT, load_profile, profile_names
from devices.station import (
    HidOptions,
    SerialOptions,
    StationAgent,
    hid_driver,
    rdm6300_driver,
    serial_driver,
)

log = logging.getLogger(__name__)

StartLocalService = Callable[[str], tuple[str, str, Callable[[], None]]]


def _from_obj(ctx: click.Context, name: str) -> Any:
    """`name` from the main CLI's context object: a dict, or an object with that
    attribute (`home` is also looked up as `cfg.home`)."""
    obj = ctx.obj
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    value = getattr(obj, name, None)
    if value is None and name == "home":
        value = getattr(getattr(obj, "cfg", None), "home", None)
    return value


def _chosen_lang(ctx: click.Context) -> str | None:
    """The language asked for by --lang or CUSTODY_LANG (None: the service answers in its setting)."""
    return getattr(_from_obj(ctx, "cfg"), "lang", None)


def _lang(ctx: click.Context) -> str:
    """The reader's language, from the main CLI's context object (Chinese without one)."""
    return _from_obj(ctx, "lang") or DEFAULT_LANG


def _usage_error(ctx: click.Context, message: Msg) -> click.UsageError:
    return click.UsageError(message.render(_lang(ctx)))


def _token(token: str | None, token_file: Path | None) -> str | None:
    if token_file is not None:
        try:
            return token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CustodyError(
                "cannot read token file {path}: {reason}", path=token_file, reason=exc.strerror
            ) from exc
    return token


def _escapes(text: str) -> bytes:
    """`\\x02`-style escapes in a command-line value, as bytes."""
    return codecs.escape_decode(text.encode("utf-8"))[0]


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "agent"


def _default_spool(ctx: click.Context, station: str, device: str) -> Path:
    home = _from_obj(ctx, "home")
    base = Path(home) / "spool" if home else Path.home() / ".local" / "state" / "custody"
    return base / f"agent-{_safe(station)}-{_safe(Path(device).name)}.db"


@contextlib.contextmanager
def _logging(verbose: int, level: int) -> Iterator[None]:
    """Log to stderr unless the entry point already set logging up."""
    logger = logging.getLogger("devices")
    old_level = logger.level
    logger.setLevel(logging.DEBUG if verbose else level)
    handler = None
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    try:
        yield
    finally:
        logger.setLevel(old_level)
        if handler is not None:
            root.removeHandler(handler)


@contextlib.contextmanager
def _stop_on_sigterm(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stdin_lines(stream: TextIO) -> Iterator[str]:
    """Lines as they are typed (not read ahead in blocks, as `for line in file` may)."""
    while True:
        line = stream.readline()
        if not line:
            return
        yield line


def _backoff(ctx: click.Context, initial: float, maximum: float) -> Backoff:
    if not 0 < initial <= maximum:
        raise click.BadParameter(Msg("need 0 < --retry-initial ≤ --retry-max").render(_lang(ctx)))
    return Backoff(initial, maximum)


_retry_options = [
    click.option("--retry-initial", default=0.5, show_default=True, help="First wait (s) before resending."),
    click.option("--retry-max", default=30.0, show_default=True, help="Longest wait (s) between resends."),
]


def _with(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def apply(func: Any) -> Any:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


def _layout_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return layout_named(value).name
    except InvalidInput as exc:
        raise click.BadParameter(exc.message(_lang(ctx))) from None


def _given(ctx: click.Context, name: str) -> bool:
    """Whether the option was set on the command line (or by the environment), not left at its default."""
    source = ctx.get_parameter_source(name)
    return source not in (None, click.core.ParameterSource.DEFAULT)


_FIXED_FRAMES = N_(
    "an RDM6300 reader's frames are fixed (STX, 10 hex digits, checksum, ETX): no prefix, suffix or terminator"
)
_KEYBOARD_ONLY = N_("a keyboard layout applies to keyboard-wedge scanners (--evdev) only")


def _refuse_options(ctx: click.Context, device: str, why: str, options: dict[str, str]) -> None:
    """One usage error naming the first of `options` given that `device` cannot apply."""
    for param, option in options.items():
        if _given(ctx, param):
            why_not = msg(
                "{option} does not apply to {device}: {why}", option=option, device=device, why=Msg(why)
            )
            raise _usage_error(ctx, why_not)


def _typed_affix(ctx: click.Context, option: str, value: bytes) -> str:
    """A prefix or suffix a keyboard-wedge scanner can type: printable ASCII."""
    if not all(0x20 <= b <= 0x7E for b in value):
        why_not = msg(
            "{option} {value!r} does not apply to --evdev: a keyboard-wedge scanner types printable ASCII only",
            option=option,
            value=value,
        )
        raise _usage_error(ctx, why_not)
    return value.decode("ascii")


AGENT_HELP = """Run the scanner agent of one station.

Every scan is first written to a local spool, then posted in order to the
service's scan API; nothing is lost when the network or the service is down.
Each outcome is printed as one line starting with the outcome word.
Give exactly one of --serial, --evdev, --rfid-rdm6300, --emulate.
--prefix and --suffix are stripped from every code on --serial, --evdev
and --emulate; an RDM6300 reader's fixed frames take neither, nor a
--terminator. A keyboard-wedge scanner (--evdev) types in the keyboard
layout it is set to: give the same --layout (us, fr, de).

\b
Example:
  custody agent --station 机要室 --server http://127.0.0.1:8750 \\
      --token-file /etc/custody/agents/safe.token \\
      --serial /dev/custody/scanner-safe --profile honeywell-xenon
  custody agent --station 机要室 --server http://127.0.0.1:8750 \\
      --token-file /etc/custody/agents/safe.token \\
      --evdev /dev/custody/hid-scanner --layout fr --prefix ']C0'
"""


@click.command("agent", help=AGENT_HELP)
@click.option("--station", required=True, help="Station name (as in `custody station add`).")
@click.option("--server", required=True, metavar="URL", help="The service, e.g. http://127.0.0.1:8750.")
@click.option("--token", metavar="T", help="The station's API token.")
@click.option(
    "--token-file", type=click.Path(dir_okay=False, path_type=Path), help="Read the token from a file."
)
@click.option(
    "--ca",
    type=click.Path(exists=True, dir_okay=False),
    help="CA certificate (PEM) an https --server must be signed by (custody serve --tls-cert).",
)
@click.option(
    "--serial", "serial_dev", metavar="DEV", help="Serial line scanner: path or pyserial URL (spy://…)."
)
@click.option(
    "--evdev", "evdev_dev", metavar="DEV", help="Keyboard-wedge (USB HID) scanner: /dev/input/… path."
)
@click.option(
    "--rfid-rdm6300", "rfid_dev", metavar="DEV", help="RDM6300/EM4100 125 kHz reader on a serial port."
)
@click.option("--emulate", is_flag=True, help="Read codes from stdin through an emulated serial scanner.")
@click.option("--baud", default=9600, show_default=True, help="Serial speed (8N1).")
@click.option("--terminator", type=click.Choice(sorted(TERMINATORS)), default="cr", show_default=True)
@click.option("--prefix", default="", help="Bytes before each code to strip, e.g. '\\x02'.")
@click.option("--suffix", default="", help="Bytes after each code to strip.")
@click.option("--max-length", default=DEFAULT_MAX_LENGTH, show_default=True, help="Longest frame accepted.")
@click.option(
    "--profile",
    default=DEFAULT,
    show_default=True,
    help=f"Scanner model for beeps: {', '.join(profile_names())}.",
)
@click.option(
    "--layout",
    callback=_layout_option,
    metavar="|".join(LAYOUTS),
    help="Keyboard scanner (--evdev): the keyboard layout it types in (default: the profile's, else us).",
)
@click.option(
    "--dedup-window",
    type=float,
    help="Ignore the same code again within (s); default 2, 0 with --emulate (each line is a deliberate scan).",
)
@click.option(
    "--hid-timeout", default=0.3, show_default=True, help="Keyboard scanner: drop a scan idle this long (s)."
)
@click.option(
    "--hid-timeout-ends-scan",
    is_flag=True,
    help="Keyboard scanner sends no Enter/Tab: the pause ends a scan.",
)
@click.option(
    "--spool", type=click.Path(dir_okay=False, path_type=Path), help="Spool file (default under the home)."
)
@_with(_retry_options)
@click.option("-v", "--verbose", count=True, help="Log raw scanner bytes (DEBUG).")
@click.pass_context
def agent_command(
    ctx: click.Context,
    station: str,
    server: str,
    token: str | None,
    token_file: Path | None,
    ca: str | None,
    serial_dev: str | None,
    evdev_dev: str | None,
    rfid_dev: str | None,
    emulate: bool,
    baud: int,
    terminator: str,
    prefix: str,
    suffix: str,
    max_length: int,
    profile: str,
    layout: str | None,
    dedup_window: float | None,
    hid_timeout: float,
    hid_timeout_ends_scan: bool,
    spool: Path | None,
    retry_initial: float,
    retry_max: float,
    verbose: int,
) -> None:
    chosen = [
        name
        for name, value in (
            ("--serial", serial_dev),
            ("--evdev", evdev_dev),
            ("--rfid-rdm6300", rfid_dev),
            ("--emulate", emulate),
        )
        if value
    ]
    if len(chosen) != 1:
        raise _usage_error(
            ctx, msg("give exactly one device: --serial, --evdev, --rfid-rdm6300 or --emulate")
        )
    secret = _token(token, token_file)
    if not secret:
        raise _usage_error(ctx, msg("--token or --token-file is required"))
    if rfid_dev:
        affixes = {"prefix": "--prefix", "suffix": "--suffix", "terminator": "--terminator"}
        _refuse_options(ctx, "--rfid-rdm6300", _FIXED_FRAMES, affixes)
    if not evdev_dev:
        _refuse_options(ctx, chosen[0], _KEYBOARD_ONLY, {"layout": "--layout"})
    lang = _lang(ctx)
    backoff = _backoff(ctx, retry_initial, retry_max)
    if dedup_window is None:
        dedup_window = 0.0 if emulate else 2.0
    with _logging(verbose, logging.INFO):
        if emulate:
            left = run_emulation(
                parse_script(_stdin_lines(sys.stdin)),
                server=server,
                token=secret,
                spool_path=spool or _default_spool(ctx, station, "emulated"),
                out=sys.stdout,
                err=sys.stderr,
                terminator=TERMINATORS[terminator],
                prefix=_escapes(prefix),
                suffix=_escapes(suffix),
                dedup_window=dedup_window,
                backoff=backoff,
                lang=lang,
                answer_lang=_chosen_lang(ctx),
                ca=ca,
            )
            _report_left(left)
            return
        if evdev_dev:
            options = HidOptions(
                hid_timeout,
                max_length,
                hid_timeout_ends_scan,
                layout=layout or load_profile(profile).layout or "us",
                prefix=_typed_affix(ctx, "--prefix", _escapes(prefix)),
                suffix=_typed_affix(ctx, "--suffix", _escapes(suffix)),
            )
            _require_evdev()
            device = evdev_dev
            make = hid_driver(evdev_dev, options)
        elif rfid_dev:
            device = rfid_dev
            make = rdm6300_driver(rfid_dev, baud)
        else:
            assert serial_dev is not None
            device = serial_dev
            options = SerialOptions(
                baud, TERMINATORS[terminator], _escapes(prefix), _escapes(suffix), max_length, profile
            )
            make = serial_driver(serial_dev, options)
        agent = StationAgent(
            make_driver=make,
            spool_path=spool or _default_spool(ctx, station, device),
            server=server,
            token=secret,
            out=sys.stdout,
            err=sys.stderr,
            profile=profile,
            dedup_window=dedup_window,
            backoff=backoff,
            lang=lang,
            answer_lang=_chosen_lang(ctx),
            ca=ca,
        )
        log.info("agent for station %s reads %s and sends to %s", station, device, server)
        stop = threading.Event()
        with _stop_on_sigterm(stop):
            agent.start()
            try:
                while not stop.wait(1.0):
                    pass
            except KeyboardInterrupt:
                pass
            finally:
                agent.stop(drain=2.0)


def _require_evdev() -> None:
    try:
        import evdev  # noqa: F401
    except ImportError:
        raise CustodyError(
            "keyboard-wedge scanners need python-evdev (Linux only): pip install 'custody[evdev]'"
        ) from None


def _report_left(left: int) -> None:
    if left:
        raise CustodyError("{count} scans were not delivered to the service", count=left)


EMULATE_HELP = """A virtual serial scanner for tests, demos and training.

Opens a pseudo-terminal pair, runs the real serial driver and agent on one
side and writes each line of standard input (or of --script) into the other,
terminated like a real scanner. Each outcome is printed as one line starting
with the outcome word (badge, approved, checked_out, returned, command,
inventory_seen, refused, unknown; rejected when the service refuses the
request). In a script, `#pause 1.5` waits 1.5 s and other `#` lines are
comments. Each line, typed or piped, is one deliberate scan: the same code
twice in a row is sent twice (a check-out, then a return). Give
--dedup-window SECONDS to ignore the same code again within that time, as
an agent does for a real scanner. Without --server it starts the service
of the current home on a free port with a device token of its own, revoked
when it ends (the station's other scanners keep working).

\b
Example:
  printf '1001\\n#pause 1\\n123456789012\\n' | custody emulate --station 机要室
  printf '1001\\n123456789012\\n123456789012\\n' | custody emulate --station 机要室 \\
      --dedup-window 2      # the second read of the item is ignored
  custody emulate --station 机要室 --rfid --script tags.txt \\
      --server http://127.0.0.1:8750 --token "$TOKEN"
"""


@click.command("emulate", help=EMULATE_HELP)
@click.option("--station", required=True, help="Station name (as in `custody station add`).")
@click.option("--server", metavar="URL", help="A running service; default: start one for the current home.")
@click.option("--token", metavar="T", help="The station's API token (with --server).")
@click.option(
    "--token-file", type=click.Path(dir_okay=False, path_type=Path), help="Read the token from a file."
)
@click.option(
    "--ca",
    type=click.Path(exists=True, dir_okay=False),
    help="CA certificate (PEM) an https --server must be signed by (custody serve --tls-cert).",
)
@click.option(
    "--script", type=click.File("r", encoding="utf-8"), help="Read codes from FILE instead of stdin."
)
@click.option("--rfid", is_flag=True, help="Emulate an RDM6300 RFID reader (lines are 10-hex-digit tag ids).")
@click.option("--terminator", type=click.Choice(sorted(TERMINATORS)), default="cr", show_default=True)
@click.option(
    "--dedup-window",
    default=0.0,
    metavar="SECONDS",
    help="Ignore the same code again within SECONDS, as a real scanner's agent does; default: never.",
)
@click.option(
    "--spool", type=click.Path(dir_okay=False, path_type=Path), help="Spool file (default: a temporary one)."
)
@click.option(
    "--wait", "settle", default=30.0, show_default=True, help="At the end, wait this long (s) for answers."
)
@_with(_retry_options)
@click.option("-v", "--verbose", count=True, help="Log raw scanner bytes (DEBUG).")
@click.pass_context
def emulate_command(
    ctx: click.Context,
    station: str,
    server: str | None,
    token: str | None,
    token_file: Path | None,
    ca: str | None,
    script: TextIO | None,
    rfid: bool,
    terminator: str,
    dedup_window: float,
    spool: Path | None,
    settle: float,
    retry_initial: float,
    retry_max: float,
    verbose: int,
) -> None:
    if rfid:
        _refuse_options(ctx, "--rfid", _FIXED_FRAMES, {"terminator": "--terminator"})
    secret = _token(token, token_file)
    backoff = _backoff(ctx, retry_initial, retry_max)
    start: StartLocalService | None = _from_obj(ctx, "start_local_service")
    if server is None:
        if secret:
            raise _usage_error(ctx, msg("--token goes with --server"))
        if start is None:
            raise _usage_error(ctx, msg("give --server and --token (no local service can be started here)"))
    elif not secret:
        raise _usage_error(ctx, msg("--server needs --token or --token-file"))
    lines = _stdin_lines(script or sys.stdin)
    with _logging(verbose, logging.WARNING), contextlib.ExitStack() as stack:
        if server is None and start is not None:
            server, secret, stop_service = start(station)
            stack.callback(stop_service)
        assert server is not None
        if spool is None:
            spool = (
                Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="custody-emulate-"))) / "spool.db"
            )
        left = run_emulation(
            parse_script(lines),
            server=server,
            token=secret or "",
            spool_path=spool,
            out=sys.stdout,
            err=sys.stderr,
            rfid=rfid,
            terminator=TERMINATORS[terminator],
            dedup_window=dedup_window,
            backoff=backoff,
            lang=_lang(ctx),
            answer_lang=_chosen_lang(ctx),
            ca=ca,
            settle_timeout=settle,
        )
    _report_left(left)
