"""The CLI through its real console script, including every bad input of issue 2."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from custody.config import DB_FILE

CUSTODY = shutil.which("custody") or str(Path(sys.executable).with_name("custody"))


def run(home: Path, *args: str, ok: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env["CUSTODY_HOME"] = str(home)
    proc = subprocess.run([CUSTODY, *args], capture_output=True, text=True, env=env, input=stdin, timeout=60)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


_TEMPLATES: dict[tuple[tuple[str, ...], ...], Path] = {}


def prepared_home(home: Path, *commands: tuple[str, ...]) -> Path:
    """`home` as the console script leaves it after `custody init` and `commands`: run once per
    session into a template home, whose database file is then copied (the same rows and ledger)."""
    if commands not in _TEMPLATES:
        template = Path(tempfile.mkdtemp(prefix="custody-cli-")) / "home"
        run(template, "init")
        for args in commands:
            run(template, *args)
        _TEMPLATES[commands] = template
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATES[commands] / DB_FILE, home / DB_FILE)
    return home


SAFE = ("station", "add", "保密室", "--kind", "safe")


@pytest.fixture
def home(tmp_path):
    return prepared_home(
        tmp_path / "home",
        SAFE,
        ("person", "add", "张三", "--badge", "B001", "--clearance", "机密", "--dept", "综合科"),
        ("person", "add", "王主任", "--badge", "L001", "--clearance", "top-secret", "--role", "leader"),
    )


def test_a_working_session(home):
    codes = run(
        home,
        "item",
        "receive",
        "--title",
        "年度工作要点",
        "--level",
        "机密",
        "--copies",
        "2",
        "--period",
        "10y",
        "--doc-no",
        "办发〔2026〕12号",
    ).stdout.split()
    assert len(codes) == 2 and all(len(c) == 12 for c in codes)
    out = run(home, "check-out", codes[0], "--to", "B001")
    assert out.stdout.startswith("checked_out ") and "张三" in out.stdout
    listed = json.loads(run(home, "out", "--json").stdout)
    assert [i["code"] for i in listed] == [codes[0]]
    assert listed[0]["holder"]["name"] == "张三" and listed[0]["status"] == "out"
    assert listed[0]["since"].endswith("+08:00")
    shown = json.loads(run(home, "item", "show", codes[0], "--json").stdout)
    assert [e["kind"] for e in shown["history"]] == ["received", "checked_out"]
    assert "年度工作要点" in run(home, "out").stdout
    assert "台账完好" in run(home, "verify").stdout
    assert "ledger intact" in run(home, "--lang", "en", "verify").stdout


def test_json_of_what_is_created(home):
    p = json.loads(
        run(home, "person", "add", "李四", "--badge", "B002", "--clearance", "秘密", "--json").stdout
    )
    assert p == {"name": "李四", "badge": "B002", "role": "staff", "clearance": "confidential", "dept": ""}
    st = json.loads(run(home, "station", "add", "阅文室", "--kind", "阅文室", "--json").stdout)
    assert st["kind"] == "reading-room" and len(st["token"]) > 30
    items = json.loads(run(home, "item", "receive", "--title", "t", "--level", "internal", "--json").stdout)
    assert items[0]["copy_no"] == "000001" and items[0]["home"] == "保密室"
    listed = run(home, "station", "list").stdout
    assert st["token"] not in listed and st["token"][:6] in listed


def test_refused_check_out_exits_1_and_is_recorded(home):
    code = run(home, "item", "receive", "--title", "绝密件", "--level", "绝密").stdout.strip()
    proc = run(home, "check-out", code, "--to", "B001", ok=False)
    assert proc.returncode == 1 and proc.stdout.startswith("refused ") and "许可级别" in proc.stdout
    history = json.loads(run(home, "item", "show", code, "--json").stdout)["history"]
    assert history[-1]["kind"] == "refused" and history[-1]["data"]["reason"] == "clearance_too_low"


@pytest.mark.parametrize(
    "args,needle",
    [
        (["item", "receive", "--title", "x", "--level", "bogus"], "bogus"),
        (["item", "receive", "--title", "x", "--level", "secret", "--kind", "scroll"], "scroll"),
        (["item", "receive", "--title", "x", "--level", "secret", "--period", "forever"], "forever"),
        (["person", "add", "某", "--badge", "B001", "--clearance", "secret"], "B001"),
        (["item", "show", "123456789010"], "123456789010"),
        (["--db", "mysql://nowhere/x", "out"], "mysql://nowhere/x"),
    ],
)
def test_bad_input_gets_one_line_and_writes_nothing(home, args, needle):
    before = sqlite3.connect(home / DB_FILE).execute("SELECT count(*) FROM event").fetchone()[0]
    proc = run(home, *args, ok=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr
    after = sqlite3.connect(home / DB_FILE).execute("SELECT count(*) FROM event").fetchone()[0]
    assert after == before


def test_wrong_check_digit_is_mistyped_not_matched(home):
    code = run(home, "item", "receive", "--title", "x", "--level", "secret").stdout.strip()
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    proc = run(home, "check-out", wrong, "--to", "B001", ok=False)
    assert proc.returncode == 1 and "校验位" in proc.stderr


def test_usage_errors_exit_2(home):
    assert run(home, "item", "receive", "--level", "secret", ok=False).returncode == 2
    assert run(home, "no-such-command", ok=False).returncode == 2


def test_newer_schema_is_refused(home):
    db = sqlite3.connect(home / DB_FILE)
    db.execute("UPDATE schema_info SET version = version + 5")
    db.commit()
    proc = run(home, "--lang", "en", "out", ok=False)
    assert proc.returncode == 1 and "newer" in proc.stderr


def test_uninitialised_home_says_run_init(tmp_path):
    proc = run(tmp_path / "fresh", "out", ok=False)
    assert proc.returncode == 1 and "custody init" in proc.stderr


def test_verify_names_the_tampered_event(home):
    run(home, "item", "receive", "--title", "x", "--level", "secret")
    db = sqlite3.connect(home / DB_FILE)
    db.execute("DROP TRIGGER event_no_update")
    db.execute("UPDATE event SET actor = 'forger' WHERE seq = 2")
    db.commit()
    proc = run(home, "verify", ok=False)
    assert proc.returncode == 1 and "#2" in proc.stderr


def test_backup_while_in_use(home, tmp_path):
    run(home, "item", "receive", "--title", "x", "--level", "secret", "--copies", "3")
    target = tmp_path / "copy.db"
    run(home, "backup", str(target))
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM item").fetchone()[0] == 3
    assert run(home, "backup", str(target), ok=False).returncode == 1  # never overwrites


def test_every_command_has_help_with_an_example():
    from custody.cli.main import cli

    def walk(group, prefix):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                yield from walk(cmd, prefix + [name])
            else:
                yield prefix + [name], cmd

    missing = [" ".join(path) for path, cmd in walk(cli, []) if "Example" not in (cmd.help or "")]
    assert not missing, f"commands without an example in --help: {missing}"
