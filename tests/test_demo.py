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


def replay(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [CUSTODY, "demo", "--replay", *args],
        capture_output=True,
        text=True,
        env=env or env_for(tmp_path),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_replay_plays_the_day_and_ends_with_the_sweep(tmp_path):
    demo_dir = tmp_path / "demo"
    out = replay(tmp_path, "--dir", str(demo_dir))
    for word in ("刷卡", "借出", "拒绝", "批准", "归还", "清点", "指令"):
        assert re.search(rf"^{word}  ", out, re.M), f"no {word} line in the replay"
    assert "许可级别为秘密" in out  # the refusal for clearance
    assert "须经办公室领导批准" in out  # the refused top-secret borrow, then the approval
    assert "不得代转" in out  # the hand-on, accepted and flagged
    sweep = out[out.index("== 17:40 下班清查") :]
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


def test_the_replayed_day_reads_true(tmp_path):
    """Issue 17: every record showed the real clock (借出时间 15:44, 已借出 0小时00分, 关闭 15:44),
    station lines began with the API's words (`checked_out`), receipts showed only a code, and
    the count reported five items "missing" that the script never scanned."""
    out = replay(tmp_path, "--dir", str(tmp_path / "demo"))
    for word in ("badge", "checked_out", "refused", "approved", "returned", "inventory_seen", "command"):
        assert not re.search(rf"^{word} ", out, re.M), f"an untranslated {word} line"
    assert re.search(r"^收文“关于开展保密自查的通知”第000001份，机密★10年：\d{12}$", out, re.M)
    assert "保密室已关闭（赵敏，17:35）" in out
    assert "在位 14，缺失 0" in out  # the count scans everything that is in
    sweep = out[out.index("== 17:40 下班清查") :]
    assert "清查时间 " in sweep and " 17:40：5 件未归还（绝密 1，机密 3，内部 1）" in sweep
    rows = {
        line.split()[2]: line for line in sweep.splitlines() if line.startswith(("绝密 ", "机密 ", "内部 "))
    }
    assert " 14:30 " in rows["重大项目专题会议纪要"] and "3小时10分" in rows["重大项目专题会议纪要"]
    assert (
        " 08:40 " in rows["关于加强年度保密工作的通知"] and "9小时00分" in rows["关于加强年度保密工作的通知"]
    )
    assert " 15:30 " in rows["县委办公室公章"] and "2小时10分" in rows["县委办公室公章"]


def test_the_replay_in_english(tmp_path):
    """Issue 17: with --lang en the headings, the station lines and the sweep stayed Chinese, and
    the sweep's summary used a Chinese comma."""
    out = replay(tmp_path, "--lang", "en")
    assert "== 08:30 receiving: 3 copies arrive, registered and labelled" in out
    assert "Secret★10 years" in out
    assert re.search(r"^checked out  李华 checked out the secret document", out, re.M)
    assert re.search(r"^badge read  ", out, re.M) and re.search(r"^counted  ", out, re.M)
    assert "== 17:40 closing sweep" in out
    assert "5 out (Top secret 1, Secret 3, Internal 1)" in out
    assert "，" not in "".join(line for line in out.splitlines() if line.startswith("=="))


def test_the_hint_works_as_printed_and_a_temporary_home_is_removed(tmp_path):
    """Issue 17: `查看：CUSTODY_HOME=… custody out` failed with `command not found` (the venv is
    not active after the README's command), and every run left a custody-demo-* folder behind."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**env_for(tmp_path), "TMPDIR": str(temp), "PATH": "/usr/bin:/bin"}
    out = replay(tmp_path, env=env)
    assert list(temp.iterdir()) == [], "the demo left its temporary home behind"
    assert "演示结束时删除演示数据目录" in out and "查看：" not in out
    out = replay(tmp_path, "--dir", str(tmp_path / "kept"), env=env)
    command = next(line for line in out.splitlines() if line.startswith("查看："))[len("查看：") :]
    shown = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "重大项目专题会议纪要" in shown.stdout


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
        while not any("CMD-CLOSE-SAFE" in ln for ln in lines):  # up to the scanner's prompt
            line = proc.stdout.readline()
            assert line, f"demo ended early: {''.join(lines)} {proc.stderr.read()}"
            lines.append(line)
        shown = "".join(lines)
        token = re.search(r"保密室 令牌：(\S+)", shown).group(1)
        assert requests.get(f"{url}/api/v1/health", timeout=10).status_code == 200
        assert "指令：CMD-END 结束会话，CMD-UNDO" in shown
        people = requests.get(
            f"{url}/api/v1/people", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert people.status_code == 403  # a station's device token reads no people (P23, issue 15)
        # the web pages: a login printed once, signed in through the real form
        m = re.search(r"网页：(\S+)/login —— 用户 (.+)，密码 (\S+)", shown)
        assert m and m.group(1) == url and "admin" in m.group(2) and "zhaomin" in m.group(2)
        with requests.Session() as browser:
            form = browser.get(f"{url}/login", timeout=10)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            signed = browser.post(
                f"{url}/login",
                data={"username": "zhaomin", "password": m.group(3), "csrf_token": csrf, "next": "/"},
                headers={"Origin": url},
                timeout=10,
            )
            assert signed.status_code == 200 and "当前借出" in signed.text, signed.text[:500]
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
