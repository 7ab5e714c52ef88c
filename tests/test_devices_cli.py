"""`custody emulate` and `custody agent` end to end: the real pty, driver, agent
and HTTP, against the local receiver (the lead adds runs against the service)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from devices.cli import agent_command, emulate_command
from devices.emulate import Step, parse_script

try:
    from test_devices_receiver import TOKEN, Receiver, receiver  # noqa: F401 - fixture
except ImportError:  # tests/ is a package
    from tests.test_devices_receiver import TOKEN, Receiver, receiver  # noqa: F401

REPO = Path(__file__).resolve().parent.parent


def run_devices(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m devices …`: the same click commands the main CLI registers."""
    return subprocess.run(
        [sys.executable, "-m", "devices", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        timeout=timeout,
    )


def test_emulate_scans_each_line_and_prints_each_outcome(receiver: Receiver, tmp_path: Path) -> None:
    receiver.outcomes["1001"] = ("badge", "张三 已刷卡，会话开始")
    receiver.outcomes["123456789012"] = ("checked_out", "张三借出机密文件“年度预算”（123456789012）")
    receiver.rejects["REJECT-ME"] = (400, "编码格式错误")
    script = tmp_path / "morning.txt"
    script.write_text("# 早上借阅\n1001\n#pause 0.05\n123456789012\n\nREJECT-ME\n999\n", encoding="utf-8")
    done = run_devices(
        "emulate", "--station", "机要室", "--server", receiver.url, "--token", TOKEN, "--script", str(script)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "badge 张三 已刷卡，会话开始",
        "checked_out 张三借出机密文件“年度预算”（123456789012）",
        "rejected 服务拒收此次扫描（HTTP 400）：编码格式错误",
        "unknown 未登记的编码 999",
    ]
    assert receiver.codes() == ["1001", "123456789012", "999"]
    assert [e["event"] for e in receiver.events] == ["connected", "disconnected"]


def test_emulate_sends_every_piped_line_even_a_quick_repeat(receiver: Receiver) -> None:
    """Guards against badge, item, item piped quickly losing the return to the 2 s repeat filter."""
    receiver.outcomes["B001"] = ("badge", "张三 已刷卡")
    done = run_devices(
        "emulate", "--station", "S", "--server", receiver.url, "--token", TOKEN,
        stdin="B001\n123456789012\n123456789012\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert receiver.codes() == ["B001", "123456789012", "123456789012"]
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["badge", "unknown", "unknown"]
    assert "重复读取" not in done.stderr


def test_emulate_suppresses_a_quick_repeat_only_with_dedup_window(receiver: Receiver) -> None:
    done = run_devices(
        "emulate", "--station", "S", "--server", receiver.url, "--token", TOKEN, "--dedup-window", "2",
        stdin="A1\nA1\nB2\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert receiver.codes() == ["A1", "B2"]
    assert "重复读取 A1" in done.stderr


def test_emulate_rfid_presents_a_tag_scanned_twice_twice(receiver: Receiver) -> None:
    done = run_devices(
        "emulate", "--rfid", "--station", "S", "--server", receiver.url, "--token", TOKEN,
        stdin="010063E9AE\n010063e9ae\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert receiver.codes() == ["010063E9AE", "010063E9AE"]


def test_the_agent_emulator_strips_a_prefix_and_suffix_on_the_serial_path(
    receiver: Receiver, tmp_path: Path
) -> None:
    """Guards against --prefix/--suffix being ignored: the emulated scanner sends `]C0…|` framed
    with CR LF and the service receives the bare code."""
    result = CliRunner().invoke(
        agent_command,
        ["--station", "S", "--server", receiver.url, "--token", TOKEN, "--emulate",
         "--prefix", "]C0", "--suffix", "|", "--terminator", "crlf", "--spool", str(tmp_path / "s.db")],
        input="123456789012\n123456789012\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert receiver.codes() == ["123456789012", "123456789012"]


@pytest.mark.parametrize(
    "device_args, extra, option, device",
    [
        (["--rfid-rdm6300", "/dev/null"], ["--prefix", "]C0"], "--prefix", "--rfid-rdm6300"),
        (["--rfid-rdm6300", "/dev/null"], ["--suffix", "x"], "--suffix", "--rfid-rdm6300"),
        (["--rfid-rdm6300", "/dev/null"], ["--terminator", "crlf"], "--terminator", "--rfid-rdm6300"),
        (["--serial", "/dev/null"], ["--layout", "fr"], "--layout", "--serial"),
        (["--emulate"], ["--layout", "de"], "--layout", "--emulate"),
        (["--evdev", "/dev/null"], ["--prefix", "\\x02"], "--prefix", "--evdev"),
    ],
)
def test_options_a_driver_cannot_apply_are_refused_naming_both(
    device_args: list[str], extra: list[str], option: str, device: str
) -> None:
    args = ["--station", "S", "--server", "http://127.0.0.1:9", "--token", "T", *device_args, *extra]
    result = CliRunner().invoke(agent_command, args)
    assert result.exit_code == 2, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert option in line and device in line


def test_emulate_rfid_refuses_a_terminator() -> None:
    result = CliRunner().invoke(
        emulate_command,
        ["--station", "S", "--rfid", "--terminator", "lf", "--server", "http://x", "--token", "T"],
    )
    assert result.exit_code == 2
    assert "--terminator" in result.output and "--rfid" in result.output


def test_a_bad_layout_is_one_line_naming_the_value_and_the_allowed_ones() -> None:
    args = ["--station", "S", "--server", "http://127.0.0.1:9", "--token", "T", "--evdev", "/dev/null"]
    result = CliRunner().invoke(agent_command, [*args, "--layout", "dvorak"])
    assert result.exit_code == 2
    [line] = [line for line in result.output.splitlines() if "dvorak" in line]
    assert "us, fr, de" in line and "--layout" in line


def test_emulate_help_documents_the_dedup_window_with_an_example() -> None:
    result = CliRunner().invoke(emulate_command, ["--help"])
    assert "--dedup-window SECONDS" in result.output
    example = result.output.split("Example:")[1]
    assert "123456789012\\n123456789012\\n' | custody emulate" in example and "--dedup-window 2" in example
    agent_help = CliRunner().invoke(agent_command, ["--help"]).output
    assert "--layout" in agent_help and "--layout fr" in agent_help


def test_emulate_rfid_sends_rdm6300_frames_and_counts_a_tag_once(receiver: Receiver) -> None:
    receiver.outcomes["010063E9AE"] = ("badge", "李四 已刷卡")
    done = run_devices(
        "emulate", "--rfid", "--station", "S", "--server", receiver.url, "--token", TOKEN,
        stdin="010063e9ae\nnot-a-tag\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["badge 李四 已刷卡"]
    assert receiver.codes() == ["010063E9AE"]
    assert "not-a-tag" in done.stderr


def test_emulate_fails_with_one_line_when_scans_stay_undelivered(receiver: Receiver) -> None:
    receiver.fail_status = 500
    done = run_devices(
        "emulate", "--station", "S", "--server", receiver.url, "--token", TOKEN,
        "--wait", "0.5", "--retry-initial", "0.05", "--retry-max", "0.1",
        stdin="A1\n",
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == ""
    assert "还有 1 次扫描未送达服务" in done.stderr.splitlines()[-1]


def test_emulate_starts_a_local_service_through_the_hook(receiver: Receiver) -> None:
    started: list[str] = []
    stopped: list[bool] = []

    def start_local_service(station: str) -> tuple[str, str, object]:
        started.append(station)
        return receiver.url, TOKEN, lambda: stopped.append(True)

    result = CliRunner().invoke(
        emulate_command,
        ["--station", "机要室"],
        input="1001\n",
        obj={"start_local_service": start_local_service},
    )
    assert result.exit_code == 0, result.output
    assert started == ["机要室"] and stopped == [True]
    assert result.stdout.splitlines() == ["unknown 未登记的编码 1001"]


class MainContext:
    """Shaped like the main CLI's context object: attributes, configuration under `cfg`."""

    def __init__(self, home: Path, receiver: Receiver, lang: str) -> None:
        self.cfg = SimpleNamespace(home=home)
        self.lang = lang
        self.started: list[str] = []
        self.receiver = receiver

    def start_local_service(self, station: str) -> tuple[str, str, object]:
        self.started.append(station)
        return self.receiver.url, TOKEN, lambda: None


def test_commands_take_hook_home_and_language_from_an_object_context(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.rejects["BAD"] = (400, "malformed code")
    obj = MainContext(tmp_path, receiver, "en")
    group = click.Group()
    group.add_command(emulate_command)
    group.add_command(agent_command)
    result = CliRunner().invoke(group, ["emulate", "--station", "Safe"], input="BAD\n", obj=obj)
    assert result.exit_code == 0, result.output
    assert obj.started == ["Safe"]
    assert result.stdout.splitlines() == [
        "rejected the service rejected this scan (HTTP 400): malformed code"
    ]
    result = CliRunner().invoke(
        group,
        ["agent", "--station", "Safe", "--server", receiver.url, "--token", TOKEN, "--emulate"],
        input="A1\n",
        obj=obj,
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spool" / "agent-Safe-emulated.db").exists()
    assert receiver.codes() == ["A1"]


@pytest.mark.parametrize(
    "args, obj, message",
    [
        (["--station", "S"], None, "--server"),
        (["--station", "S", "--server", "http://127.0.0.1:9"], None, "--token"),
        (["--station", "S", "--token", "T"], {"start_local_service": lambda s: None}, "--server"),
    ],
)
def test_emulate_usage_errors(args: list[str], obj: dict | None, message: str) -> None:
    result = CliRunner().invoke(emulate_command, args, obj=obj)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    "device_args",
    [[], ["--serial", "/dev/null", "--evdev", "/dev/null"], ["--emulate", "--rfid-rdm6300", "/dev/null"]],
)
def test_agent_needs_exactly_one_device(device_args: list[str]) -> None:
    args = ["--station", "S", "--server", "http://127.0.0.1:9", "--token", "T", *device_args]
    result = CliRunner().invoke(agent_command, args)
    assert result.exit_code == 2
    assert "--serial" in result.output


def test_agent_needs_a_token() -> None:
    result = CliRunner().invoke(
        agent_command, ["--station", "S", "--server", "http://x", "--serial", "/dev/null"]
    )
    assert result.exit_code == 2 and "--token" in result.output


def test_agent_reads_the_token_from_a_file(receiver: Receiver, tmp_path: Path) -> None:
    token_file = tmp_path / "station.token"
    token_file.write_text(TOKEN + "\n")
    result = CliRunner().invoke(
        agent_command,
        ["--station", "S", "--server", receiver.url, "--token-file", str(token_file), "--emulate",
         "--spool", str(tmp_path / "spool.db")],
        input="T1\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert receiver.codes() == ["T1"]


def test_unknown_profile_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    done = run_devices(
        "agent", "--station", "S", "--server", "http://127.0.0.1:9", "--token", "T",
        "--serial", "loop://", "--profile", "nokia", "--spool", str(tmp_path / "s.db"),
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("没有扫描枪型号配置“nokia”")
    assert "honeywell-xenon" in done.stderr


@pytest.mark.parametrize("command", [agent_command, emulate_command])
def test_help_has_an_example(command) -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "custody " + command.name in result.output


def test_emulate_refuses_codes_no_scanner_could_send(receiver: Receiver) -> None:
    lines = "机要文件\n" + "9" * 200 + "\nOK\n"
    done = run_devices("emulate", "--station", "S", "--server", receiver.url, "--token", TOKEN, stdin=lines)
    assert done.returncode == 0, done.stderr
    assert receiver.codes() == ["OK"]
    assert "ASCII" in done.stderr and "128" in done.stderr


def test_script_pauses_and_comments() -> None:
    assert list(parse_script(["A1\n", "#pause 1.5\n", "# note\n", "\n", "  B2  \n"])) == [
        Step(code="A1"),
        Step(pause=1.5),
        Step(code="B2"),
    ]
    with pytest.raises(Exception, match="#pause"):
        list(parse_script(["#pause soon"]))


def test_custody_emulate_through_the_console_script(receiver: Receiver, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("custody")
    done = subprocess.run(
        [
            str(script),
            "--home",
            str(tmp_path),
            "emulate",
            "--station",
            "S",
            "--server",
            receiver.url,
            "--token",
            TOKEN,
        ],
        input="C1\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["unknown 未登记的编码 C1"]
    assert receiver.codes() == ["C1"]
