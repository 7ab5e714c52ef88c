"""udev rules and systemd units: linted here, and checked by udevadm and
systemd-analyze where those exist (skipped otherwise)."""

from __future__ import annotations

import configparser
import grp
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

UDEV = Path(__file__).resolve().parent.parent / "udev"
RULES = UDEV / "70-custody-scanners.rules"
AGENT_UNIT = UDEV / "custody-agent@.service"
SERVICE_UNIT = UDEV / "custody.service"

MATCH_KEYS = {
    "ACTION",
    "SUBSYSTEM",
    "SUBSYSTEMS",
    "KERNEL",
    "KERNELS",
    "DRIVER",
    "DRIVERS",
    "DEVPATH",
    "TAG",
    "TAGS",
}
MATCH_KEYS_WITH_ATTR = {"ATTR", "ATTRS", "ENV"}
ASSIGN_KEYS = {"SYMLINK", "GROUP", "MODE", "OWNER", "TAG", "GOTO", "LABEL"}
ASSIGN_KEYS_WITH_ATTR = {"ENV", "IMPORT"}
KNOWN_ENV = {
    "ID_BUS", "ID_SERIAL_SHORT", "ID_VENDOR_ID", "ID_MODEL_ID", "ID_INPUT_KEYBOARD", "ID_PATH",
    "LIBINPUT_IGNORE_DEVICE", "SYSTEMD_WANTS",
}  # fmt: skip

PAIR = re.compile(
    r'(?P<key>[A-Z_]+)(?:\{(?P<attr>[A-Za-z0-9_]+)\})?(?P<op>==|!=|\+=|-=|:=|=)"(?P<value>[^"]*)"'
)


def parse_rule(line: str) -> list[tuple[str, str | None, str, str]]:
    """`KEY=="…", KEY{attr}="…", …` → (key, attr, op, value); fails on anything else."""
    pairs = []
    rest = line.strip()
    while rest:
        match = PAIR.match(rest)
        assert match, f"cannot parse {rest!r} in: {line}"
        pairs.append((match["key"], match["attr"], match["op"], match["value"]))
        rest = rest[match.end() :].lstrip()
        if rest:
            assert rest.startswith(","), f"pairs must be separated by commas: {rest!r}"
            rest = rest[1:].lstrip()
            assert rest, f"trailing comma in: {line}"
    return pairs


def rule_lines(text: str) -> list[str]:
    """Active rules, and commented templates (`# KEY…`) which must parse once uncommented."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            body = line.lstrip("#").strip()
            if re.match(r"[A-Z_]+(\{[A-Za-z0-9_]+\})?(==|!=|\+=|=)\"", body):
                lines.append(body)
            continue
        lines.append(line)
    return lines


def check_pair(key: str, attr: str | None, op: str, value: str) -> None:
    if op in ("==", "!="):
        assert key in MATCH_KEYS or (key in MATCH_KEYS_WITH_ATTR and attr), f"{key} is no match key"
    else:
        assert key in ASSIGN_KEYS or (key in ASSIGN_KEYS_WITH_ATTR and attr), f"{key} is no assignment key"
    if key == "ENV":
        assert attr in KNOWN_ENV, f"unexpected ENV{{{attr}}}"
    if key == "IMPORT":
        assert attr == "builtin" and value == "usb_id"
    assert "RUN" != key


def test_every_rule_parses_with_known_keys() -> None:
    lines = rule_lines(RULES.read_text(encoding="utf-8"))
    assert len(lines) >= 8  # active rules and templates
    for line in lines:
        for pair in parse_rule(line):
            check_pair(*pair)


def test_the_linter_refuses_malformed_rules() -> None:
    for bad in ('SUBSYSTEM=="tty" GROUP="custody"', "SUBSYSTEM==tty", 'SUBSYSTEM=="tty",', 'RUN+="/bin/x"'):
        with pytest.raises(AssertionError):
            for pair in parse_rule(bad):
                check_pair(*pair)


def test_device_rules_use_the_custody_group_stable_links_and_systemd() -> None:
    device_rules = [
        dict(((k, a), v) for k, a, _, v in parse_rule(line))
        for line in rule_lines(RULES.read_text(encoding="utf-8"))
        if "SYMLINK+=" in line
    ]
    assert len(device_rules) >= 6
    for rule in device_rules:
        assert rule[("GROUP", None)] == "custody"
        assert rule[("MODE", None)] == "0660"
        assert rule[("SYMLINK", None)].startswith("custody/")
        assert rule[("TAG", None)] == "systemd"
        link = rule[("SYMLINK", None)].removeprefix("custody/")
        assert rule[("ENV", "SYSTEMD_WANTS")] == f"custody-agent@{link}.service"
        if rule.get(("SUBSYSTEM", None)) == "input":
            assert rule[("ENV", "LIBINPUT_IGNORE_DEVICE")] == "1"
            assert rule[("KERNEL", None)] == "event*"


def test_rules_never_use_the_input_group_or_run() -> None:
    text = RULES.read_text(encoding="utf-8")
    rules = "\n".join(rule_lines(text))
    assert 'GROUP="input"' not in rules
    assert "RUN" not in {k for line in rule_lines(text) for k, *_ in parse_rule(line)}
    assert 'GOTO="custody_end"' in rules and 'LABEL="custody_end"' in rules


def test_usb_serial_chips_are_templates_only() -> None:
    """Guards against grabbing every FTDI/CH340/CP210x device (GPS, UPS…) by vendor alone."""
    active = [
        line for line in RULES.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]
    for vendor in ("0403", "067b", "10c4", "1a86"):
        assert not any(vendor in line for line in active), vendor
        assert vendor in RULES.read_text(encoding="utf-8")


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("path", [AGENT_UNIT, SERVICE_UNIT])
def test_units_restart_keep_state_run_unprivileged_and_are_hardened(path: Path) -> None:
    service = _unit(path)["Service"]
    assert service["Restart"] == "always"
    assert service["StateDirectory"] == "custody"
    assert service["User"] == "custody" and service["User"] != "root"
    for option in (
        "NoNewPrivileges",
        "ProtectSystem",
        "ProtectHome",
        "PrivateTmp",
        "RestrictAddressFamilies",
    ):
        assert option in service, option
    assert service["CapabilityBoundingSet"] == ""
    assert _unit(path)["Install"]["WantedBy"] == "multi-user.target"


def test_agent_unit_spools_in_its_state_directory_and_reads_its_configuration() -> None:
    unit = _unit(AGENT_UNIT)
    start = unit["Service"]["ExecStart"]
    assert " agent " in start and "--spool %S/custody/" in start and "/dev/custody/%i" in start
    assert "--token-file" in start and "--token " not in start  # a token on the command line shows in ps
    assert unit["Unit"]["ConditionPathExists"] == "/etc/custody/agents/%i.conf"
    assert unit["Service"]["DevicePolicy"] == "closed"


def test_service_unit_binds_to_localhost() -> None:
    start = _unit(SERVICE_UNIT)["Service"]["ExecStart"]
    assert "serve --host 127.0.0.1" in start
    assert _unit(SERVICE_UNIT)["Service"]["PrivateDevices"] == "yes"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    executable = shutil.which("true")
    assert executable
    for unit, name in ((SERVICE_UNIT, "custody.service"), (AGENT_UNIT, "custody-agent@scanner-safe.service")):
        (tmp_path / name).write_text(
            unit.read_text(encoding="utf-8").replace("/usr/local/bin/custody", executable)
        )
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "custody.service"),
         str(tmp_path / "custody-agent@scanner-safe.service")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    output = (done.stdout + done.stderr).strip()
    assert done.returncode == 0 and output == "", output


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _udevadm_verify_supported() -> bool:
    if shutil.which("udevadm") is None:
        return False
    done = subprocess.run(["udevadm", "verify", "--help"], capture_output=True, text=True, timeout=30)
    return done.returncode == 0


@pytest.mark.skipif(shutil.which("udevadm") is None, reason="udevadm is not installed")
def test_udevadm_accepts_the_rules() -> None:
    if _udevadm_verify_supported():  # systemd >= 254 checks a rules file by itself
        done = subprocess.run(["udevadm", "verify", str(RULES)], capture_output=True, text=True, timeout=60)
        output = done.stdout + done.stderr
        ours = output.splitlines()
    else:  # older udevadm reads rules only from the system's directories
        if os.geteuid() != 0:
            pytest.skip("udevadm test needs root to place the rules in /run/udev/rules.d")
        device = next((p for p in ("/sys/class/tty/ttyS0", "/sys/class/tty/tty0") if Path(p).exists()), None)
        if device is None:
            pytest.skip("no tty device to run udevadm test on")
        placed = Path("/run/udev/rules.d") / f"70-custody-scanners-test-{os.getpid()}.rules"
        placed.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(RULES, placed)
        try:
            done = subprocess.run(
                ["udevadm", "test", "--action=add", device], capture_output=True, text=True, timeout=60
            )
        finally:
            placed.unlink()
        output = done.stdout + done.stderr
        assert placed.name in output, "udevadm test did not read the rules file"
        ours = [line for line in output.splitlines() if placed.name in line]
    if not _group_exists("custody"):  # made at install time (docs/scanners.md), not on a test machine
        ours = [line for line in ours if "Unknown group 'custody'" not in line]
    bad = [line for line in ours if "Invalid" in line or "invalid" in line or "ignoring" in line]
    assert not bad, "\n".join(bad)
    assert done.returncode == 0, output
