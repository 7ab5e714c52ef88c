"""`custody demo`: the replayed day ends in the expected closing sweep; the live demo stops cleanly."""

import os
import re
import signal
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import requests
from test_cli import CUSTODY

from custody.config import DB_FILE


def env_for(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env["CUSTODY_HOME"] = str(tmp_path / "real-home")  # must stay untouched
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_replay_plays_the_day_and_ends_with_the_sweep(tmp_path):
    demo_dir = tmp_path / "demo"
    proc = subprocess.run(
        [CUSTODY, "demo", "--replay", "--dir", str(demo_dir)],
        capture_output=True,
        text=True,
        env=env_for(tmp_path),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for word in (
        "received",
        "badge",
        "checked_out",
        "refused",
        "approved",
        "returned",
        "inventory_seen",
        "command",
    ):
        assert re.search(rf"^{word} ", out, re.M), f"no {word} line in the replay"
    assert "许可级别为秘密" in out  # the refusal for clearance
    assert "须经办公室领导批准" in out  # the refused top-secret borrow, then the approval
    assert "不得代转" in out  # the hand-on, accepted and flagged
    assert "缺失 5" in out  # the count found the five items that are out
    sweep = out[out.index("下班清查（closing sweep）") :]
    assert "5 件未归还" in sweep and "绝密 1" in sweep and "绝密未还" in sweep and "印章未还" in sweep
    assert (demo_dir / "labels.pdf").stat().st_size > 0
    assert not (tmp_path / "real-home").exists()
    verify = subprocess.run(
        [CUSTODY, "--home", str(demo_dir), "verify"],
        capture_output=True,
        text=True,
        env=env_for(tmp_path),
        timeout=60,
    )
    assert verify.returncode == 0, verify.stderr


def test_live_demo_serves_until_ctrl_c_and_leaves_nothing_running(tmp_path):
    proc = subprocess.Popen(
        [CUSTODY, "demo", "--dir", str(tmp_path / "demo")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(tmp_path),
    )
    try:
        url = None
        lines = []
        while url is None:
            line = proc.stdout.readline()
            assert line, f"demo ended early: {''.join(lines)} {proc.stderr.read()}"
            lines.append(line)
            m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            url = m.group(1) if m else None
        token = next(
            re.search(r"令牌：(\S+)", ln).group(1)
            for ln in lines + [proc.stdout.readline() for _ in range(3)]
            if "保密室 令牌" in ln
        )
        assert requests.get(f"{url}/api/v1/health", timeout=10).status_code == 200
        people = requests.get(
            f"{url}/api/v1/people", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert people.status_code == 200 and "赵敏" in people.text
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    port = urlparse(url).port
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the service still listens after Ctrl-C"
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.strip()
    assert children == ""
    assert not (tmp_path / "real-home").exists()


def test_demo_refuses_a_used_directory(tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / DB_FILE).write_text("")
    proc = subprocess.run(
        [CUSTODY, "demo", "--dir", str(used)],
        capture_output=True,
        text=True,
        env=env_for(tmp_path),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2 and "not empty" in proc.stderr
