"""Files and secrets (issue 16): what custody writes — the home, the database and its WAL and
shared-memory files, backups, label files, register exports, checkpoints and the signing key —
is private (0700 / 0600) whatever the umask; no token reaches a log."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CUSTODY = shutil.which("custody") or str(Path(sys.executable).with_name("custody"))


def under_umask(umask: int, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env["CUSTODY_HOME"] = str(home)
    proc = subprocess.run(
        [CUSTODY, "--lang", "en", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=lambda: os.umask(umask),
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_everything_custody_writes_is_private(tmp_path, umask):
    home = tmp_path / "home"
    out = tmp_path / "out"
    out.mkdir()
    under_umask(umask, home, "init")
    under_umask(umask, home, "station", "add", "保密室", "--kind", "safe")
    code = under_umask(
        umask, home, "item", "receive", "--title", "要点", "--level", "secret", "--labels", str(out / "l.zpl")
    ).stdout.split()[0]
    under_umask(umask, home, "label", code, "--out", str(out / "again.zpl"))
    under_umask(umask, home, "backup", str(out / "copy.db"))
    under_umask(umask, home, "checkpoint", "--out", str(out / "cp.json"))
    under_umask(umask, home, "sweep", "--record")
    under_umask(umask, home, "register", "receipts", "--csv", str(out / "register.csv"))
    files = {
        "home": (home, 0o700),
        "database": (home / "custody.db", 0o600),
        "signing key": (home / "checkpoint.key", 0o600),
        "checkpoints": (home / "checkpoints", 0o700),
        "label file": (out / "l.zpl", 0o600),
        "label file (custody label)": (out / "again.zpl", 0o600),
        "backup": (out / "copy.db", 0o600),
        "checkpoint --out": (out / "cp.json", 0o600),
        "register CSV": (out / "register.csv", 0o600),
    }
    kept = list((home / "checkpoints").glob("*.json"))
    assert len(kept) >= 2  # custody checkpoint, and the sweep record's
    files.update({f"kept {p.name}": (p, 0o600) for p in kept})
    files.update({p.name: (p, 0o600) for p in home.glob("custody.db-*")})  # lock files
    wrong = {name: oct(mode(p)) for name, (p, want) in files.items() if mode(p) != want}
    assert wrong == {}


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_the_wal_and_shared_memory_files_are_0600(tmp_path, umask):
    """SQLite gives them the database's mode: created 0600 before SQLite opens it."""
    db = tmp_path / "home" / "custody.db"
    script = textwrap.dedent(
        f"""
        import os, stat
        os.umask({umask})
        from custody.store.core import Store
        store = Store.open("sqlite:///{db}", create=True)
        with store.writing():
            store.db.execute_sql("CREATE TABLE scratch (x)")
        for suffix in ("", "-wal", "-shm"):
            print(suffix or "db", oct(stat.S_IMODE(os.stat("{db}" + suffix).st_mode)))
        print("dir", oct(stat.S_IMODE(os.stat("{db.parent}").st_mode)))
        store.close()
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:4] == ["db 0o600", "-wal 0o600", "-shm 0o600", "dir 0o700"]


def test_init_tightens_an_existing_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    under_umask(0o022, home, "init")
    assert mode(home) == 0o700


def test_no_station_token_in_the_logs_of_a_serve_run(serve_process, live_office):
    """A service run with --debug and the access log: scans with the right token, a wrong one and
    a malformed header; neither token appears in anything it logged."""
    token = live_office.tokens["保密室"]
    wrong = "not-the-token-" + "x" * 20
    serve_process.args = ["--access-log", "--debug"]
    serve_process.start()
    good = serve_process.client(token)
    assert good.post_scan("B001").status_code == 200
    assert good.post_scan("nonsense code").status_code == 200
    assert good.post("/api/v1/scans", data=b'{"code": 1').status_code == 400
    assert serve_process.client(wrong).post_scan("B001").status_code == 401
    assert serve_process.stop() == 0
    logged = "\n".join(serve_process.stderr_lines)
    assert "/api/v1/scans" in logged  # the access log was on
    assert token not in logged and wrong not in logged
    assert token[:12] not in logged


def test_no_password_or_session_token_in_the_logs_of_a_serve_run(serve_process, live_office):
    """Sign-ins with the right password, a wrong one and an unknown user, then a page with the
    session: neither a password nor the session's token appears in anything the service logged."""
    import re

    import requests

    from custody.actions import users

    right, wrong = "correct horse battery", "wrong-password-" + "y" * 12
    users.add_user(live_office.store, "zhao", "custodian", right, person="C001", actor="test")
    serve_process.args = ["--access-log", "--debug"]
    url = serve_process.start()
    with requests.Session() as browser:
        for username, password in (("zhao", wrong), ("nobody", wrong), ("zhao", right)):
            form = browser.get(f"{url}/login", timeout=10)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            browser.post(
                f"{url}/login",
                data={"username": username, "password": password, "csrf_token": csrf, "next": "/"},
                headers={"Origin": url},
                timeout=10,
            )
        session = browser.cookies.get("custody_session")
        assert session, "the right password signed in"
        assert browser.get(f"{url}/", timeout=10).status_code == 200
    assert serve_process.stop() == 0
    logged = "\n".join(serve_process.stderr_lines)
    assert "/login" in logged  # the access log was on
    for secret in (right, wrong, session, session[:12]):
        assert secret not in logged
