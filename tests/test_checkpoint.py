"""Signed checkpoints (issue 16): a history rewritten by an insider who can write the database
file — triggers dropped, hashes recomputed, the head fixed — passes the chain walk of plain
`custody verify`, but not `custody verify --checkpoint` with a checkpoint kept off the machine.
Every test here runs the real console script on real files; the test itself is the insider."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from closing_support import WebhookReceiver, office_at
from test_notify import NO_WAIT, MailReceiver, closing_record, configure_mail

from custody.actions import core as actions
from custody.closing import notify
from custody.config import DB_FILE
from custody.ledger.chain import GENESIS, event_hash
from custody.ledger.checkpoint import Checkpoint, Keeper, extension_problem, signature_problem

CUSTODY = shutil.which("custody") or str(Path(sys.executable).with_name("custody"))


def run(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env["CUSTODY_HOME"] = str(home)
    proc = subprocess.run(
        [CUSTODY, "--lang", "en", *args], capture_output=True, text=True, env=env, timeout=60
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A home with history: two items, each lent and returned (the last pair at the end), and a
    checkpoint of the head taken (by `custody checkpoint --out`) after all of it."""
    home = tmp_path_factory.mktemp("checkpoint") / "home"
    run(home, "init")
    run(home, "station", "add", "保密室", "--kind", "safe")
    run(home, "person", "add", "张三", "--badge", "B001", "--clearance", "secret")
    run(home, "person", "add", "李四", "--badge", "B002", "--clearance", "secret")
    codes = run(
        home, "item", "receive", "--title", "要点", "--level", "secret", "--copies", "2"
    ).stdout.split()
    for code, badge in zip(codes, ("B001", "B002"), strict=True):
        run(home, "check-out", code, "--to", badge)
        run(home, "return", code, "--by", badge)
    run(home, "checkpoint", "--out", str(home.parent / "off-machine.json"))
    (home.parent / "office.pub").write_text(run(home, "checkpoint", "--public-key").stdout)
    return home


@pytest.fixture
def home(template, tmp_path) -> Path:
    """A copy of the template home (database, key and checkpoints); `tmp_path/off` holds the
    checkpoint and public key kept off the machine."""
    copy = tmp_path / "home"
    shutil.copytree(template, copy)
    off = tmp_path / "off"
    off.mkdir()
    for name in ("off-machine.json", "office.pub"):
        shutil.copy(template.parent / name, off / name)
    return copy


COLUMNS = ("seq", "at", "kind", "item", "person", "station", "actor", "data")


def events(home: Path) -> list[dict]:
    db = sqlite3.connect(home / DB_FILE)
    try:
        return [
            dict(zip(COLUMNS, row, strict=True))
            for row in db.execute(f"SELECT {', '.join(COLUMNS)} FROM event ORDER BY seq")
        ]
    finally:
        db.close()


def rewrite(home: Path, history: list[dict]) -> None:
    """The insider: drop the append-only triggers, replace the whole event table by `history`
    renumbered from 1 with every hash recomputed, and fix the chain head."""
    db = sqlite3.connect(home / DB_FILE)
    try:
        db.execute("DROP TRIGGER IF EXISTS event_no_update")
        db.execute("DROP TRIGGER IF EXISTS event_no_delete")
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("DELETE FROM event")
        prev = GENESIS
        for seq, e in enumerate(history, start=1):
            values = (seq, e["at"], e["kind"], e["item"], e["person"], e["station"], e["actor"], e["data"])
            digest = event_hash(*values, prev)
            db.execute(
                "INSERT INTO event (seq, at, kind, item, person, station, actor, data, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, prev, digest),
            )
            prev = digest
        db.execute("UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1", (len(history), prev))
        db.commit()
    finally:
        db.close()


def pair_of(history: list[dict], n: int) -> list[int]:
    """Indexes of the n-th check-out and the return after it."""
    outs = [i for i, e in enumerate(history) if e["kind"] == "checked_out"]
    i = outs[n]
    j = next(k for k in range(i + 1, len(history)) if history[k]["kind"] == "returned")
    return [i, j]


def truncated(history):
    return history[:-2]  # the last check-out and return


def changed(history):
    """Who borrowed the first item: 张三 (person 1) becomes 李四 (person 2); hashes after it recomputed."""
    i, j = pair_of(history, 0)
    out = [dict(e) for e in history]
    for k in (i, j):
        out[k]["person"] = 2
    return out


def pair_removed(history):
    drop = set(pair_of(history, 0))
    return [e for k, e in enumerate(history) if k not in drop]


def whole_chain_rewritten(history):
    """Every event signed off by someone else. (Moving every event an hour earlier is caught without
    a checkpoint since verify rebuilds every table: the rows keep their times; tests/test_verify_full.py.)"""
    return [{**e, "actor": "cli:forger"} for e in history]


TAMPERS = {
    "truncated": truncated,
    "changed and rehashed": changed,
    "pair removed, renumbered": pair_removed,
    "whole chain rewritten": whole_chain_rewritten,
}


@pytest.mark.parametrize("case", list(TAMPERS))
def test_a_rewritten_history_passes_the_chain_walk_but_not_the_checkpoint(home, case):
    """Regression (issue 16): deleting the last events and fixing the head, changing an event and
    recomputing the hashes after it, removing a check-out/return pair and renumbering, or rewriting
    the whole chain all passed `custody verify`."""
    off = home.parent / "off"
    assert run(home, "verify", "--checkpoint", str(off / "off-machine.json")).returncode == 0
    rewrite(home, TAMPERS[case](events(home)))
    plain = run(home, "verify")  # the chain walk and the state check still pass: the chain alone is no proof
    assert "ledger intact" in plain.stdout
    caught = run(
        home,
        "verify",
        "--checkpoint",
        str(off / "off-machine.json"),
        "--public-key",
        str(off / "office.pub"),
        ok=False,
    )
    assert caught.returncode == 1
    lines = caught.stderr.strip().splitlines()
    assert len(lines) == 1 and "off-machine.json" in lines[0], caught.stderr
    shorter = case in ("truncated", "pair removed, renumbered")  # the signed seq is past the new end
    expected = "no event #" if shorter else "the history up to it was rewritten"
    assert expected in lines[0].partition(" fails: ")[2], lines[0]
    # the checkpoint kept under the home catches it as well (the insider did not remove it)
    kept = sorted((home / "checkpoints").glob("*.json"))
    assert run(home, "verify", *[a for p in kept for a in ("--checkpoint", str(p))], ok=False).returncode == 1


def test_an_untouched_ledger_extends_its_checkpoints_and_verify_prints_the_head(home):
    off = home.parent / "off"
    cp = json.loads((off / "off-machine.json").read_text())
    run(home, "item", "receive", "--title", "later", "--level", "secret")  # the ledger grows past it
    proc = run(
        home, "verify", "--checkpoint", str(off / "off-machine.json"), "--public-key", str(off / "office.pub")
    )
    head = sqlite3.connect(home / DB_FILE).execute("SELECT seq, hash FROM ledger_head").fetchone()
    assert f"head: #{head[0]} {head[1]}" in proc.stdout
    assert f"(#{cp['seq']}): signed, and the ledger extends it" in proc.stdout


@pytest.mark.parametrize("field", ["seq", "hash", "at"])
def test_a_forged_checkpoint_fails_its_signature(home, field):
    """An insider who truncated the ledger edits the checkpoint to match: its signature fails."""
    off = home.parent / "off"
    history = events(home)
    rewrite(home, truncated(history))
    cp = json.loads((off / "off-machine.json").read_text())
    head = sqlite3.connect(home / DB_FILE).execute("SELECT seq, hash FROM ledger_head").fetchone()
    forged = {"seq": head[0], "hash": head[1], "at": "2026-01-01T00:00:00+00:00"}
    cp[field] = forged[field]
    if field == "seq":
        cp["hash"] = head[1]
    path = off / "forged.json"
    path.write_text(json.dumps(cp))
    proc = run(home, "verify", "--checkpoint", str(path), "--public-key", str(off / "office.pub"), ok=False)
    assert proc.returncode == 1 and "forged.json" in proc.stderr and "signature" in proc.stderr, proc.stderr


def test_a_checkpoint_signed_by_another_key_fails_against_the_offices_public_key(home, tmp_path):
    """Root on the machine can make a new key and sign a checkpoint of a rewritten chain: checked
    against the public key kept off the machine, it fails."""
    off = home.parent / "off"
    rewrite(home, whole_chain_rewritten(events(home)))
    (home / "checkpoint.key").unlink()
    run(home, "checkpoint", "--out", str(tmp_path / "resigned.json"))  # a new key is made for it
    assert (
        run(home, "verify", "--checkpoint", str(tmp_path / "resigned.json")).returncode == 0
    )  # home's new key
    proc = run(
        home,
        "verify",
        "--checkpoint",
        str(tmp_path / "resigned.json"),
        "--public-key",
        str(off / "office.pub"),
        ok=False,
    )
    assert proc.returncode == 1 and "not by this key" in proc.stderr


def test_not_a_checkpoint_is_one_clear_line(home, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"seq": 1}')
    proc = run(home, "verify", "--checkpoint", str(bad), ok=False)
    assert proc.returncode == 1 and proc.stderr.strip().splitlines() == [
        f"custody: {bad} is not a custody checkpoint"
    ]


def test_the_key_is_made_at_init_0600_and_never_overwritten(tmp_path):
    home = tmp_path / "home"
    first = run(home, "init").stdout
    assert "checkpoint signing key created" in first
    key = (home / "checkpoint.key").read_bytes()
    assert (home / "checkpoint.key").stat().st_mode & 0o777 == 0o600
    assert "signing key" not in run(home, "init").stdout
    assert (home / "checkpoint.key").read_bytes() == key
    pem = run(home, "checkpoint", "--public-key").stdout
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in pem


def test_a_sweep_record_writes_a_checkpoint_sent_by_webhook_and_mail(tmp_path):
    """Every closing sweep record leaves a signed checkpoint under the home, and its notification
    carries it (webhook JSON and mail body), so that a copy lives off the machine."""
    mail = MailReceiver(tmp_path)
    hook = WebhookReceiver()
    try:
        with office_at(tmp_path) as office:
            keeper = Keeper(office.home)
            keeper.ensure_key()
            office.store.checkpoints = keeper
            configure_mail(office, mail, tmp_path)
            actions.set_setting(office.store, "notify_webhook_url", hook.url, actor="test")
            record = closing_record(office)
            kept = keeper.find(record.event_seq)
            assert kept is not None and signature_problem(kept, keeper.public_key()) is None
            assert notify.deliver(office.store, record, **NO_WAIT) == {"webhook": "sent", "mail": "sent"}
            assert hook.wait_for(1) and mail.wait_for(1)
            sent = Checkpoint.from_json(hook.bodies[0]["checkpoint"], "webhook")
            assert sent == kept and extension_problem(office.store, sent) is None
            body = mail.messages[0].get_content()
            assert kept.signature in body and f'"seq": {kept.seq}' in body
    finally:
        hook.close()
        mail.close()
