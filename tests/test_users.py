"""Users (issue 15): adding one, its password (argon2, rehashed at the next sign-in when the hasher's
parameters change), roles and the person it is, the ledger payload a replay can rebuild the table
from (never the password), deactivation ending sessions; the `custody user` commands; the CLI's
actor is the process's OS account, not the USER variable."""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from auth_support import FAST, PASSWORD, user
from conftest import Office

from custody.actions import users
from custody.errors import Conflict, InvalidInput, NotFound

ROOT = Path(__file__).resolve().parent.parent


def _events(office: Office, kind: str) -> list[dict]:
    m = office.store.m
    return [json.loads(e.data) for e in m.Event.select().where(m.Event.kind == kind).order_by(m.Event.seq)]


def test_add_user_keeps_an_argon2_hash_and_records_everything_but_the_password(office: Office) -> None:
    u = user(office.store, "zhao", "保密员", "C001")  # the role by its Chinese name
    assert u.role == "custodian" and u.person_id == office.people["zhao"].id and u.active
    assert u.password_hash.startswith("$argon2id$") and PASSWORD not in u.password_hash
    (event,) = _events(office, "user_added")
    assert event == {
        "username": "zhao",
        "role": "custodian",
        "person": "C001",
        "active": True,
        "password_digest": hashlib.sha256(u.password_hash.encode()).hexdigest(),
    }
    m = office.store.m
    assert not any(PASSWORD in e.data for e in m.Event.select())


@pytest.mark.parametrize(
    "name, role, password, badge, error",
    [
        ("zhao", "root", PASSWORD, None, InvalidInput),  # no such role
        ("zhao", "staff", "short", None, InvalidInput),  # under 8
        ("zhao", "staff", "x" * 257, None, InvalidInput),  # over 256
        ("two words", "staff", PASSWORD, None, InvalidInput),
        ("", "staff", PASSWORD, None, InvalidInput),
        ("zhao", "staff", PASSWORD, "NO-SUCH-BADGE", NotFound),
    ],
)
def test_bad_users_are_refused_with_one_clear_message(
    office: Office, name, role, password, badge, error
) -> None:
    with pytest.raises(error) as caught:
        users.add_user(office.store, name, role, password, person=badge, actor="test", hasher=FAST)
    text = caught.value.message("en")
    assert text and password not in text  # one message, never the password
    assert office.store.m.AppUser.select().count() == 0


def test_a_user_name_is_taken_once(office: Office) -> None:
    user(office.store, "zhao", "custodian")
    with pytest.raises(Conflict):
        user(office.store, "zhao", "staff")


def test_a_hash_made_with_other_parameters_is_replaced_at_the_next_sign_in(office: Office) -> None:
    old = user(office.store, "zhao", "custodian")  # made with FAST's parameters
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    assert stronger.check_needs_rehash(old.password_hash)
    signed = users.authenticate(office.store, "zhao", PASSWORD, "10.0.0.1", hasher=stronger)
    assert signed.password_hash != old.password_hash and not stronger.check_needs_rehash(signed.password_hash)
    (change,) = _events(office, "user_changed")
    assert change == {
        "username": "zhao",
        "password_digest": hashlib.sha256(signed.password_hash.encode()).hexdigest(),
    }
    again = users.authenticate(office.store, "zhao", PASSWORD, "10.0.0.1", hasher=stronger)
    assert again.password_hash == signed.password_hash  # same parameters: kept as it is
    assert len(_events(office, "user_changed")) == 1


def test_a_new_password_role_or_deactivation_ends_the_open_sessions(office: Office) -> None:
    u = user(office.store, "zhao", "custodian")
    token, _ = users.start_session(office.store, u, "10.0.0.1")
    assert users.session_for(office.store, token) is not None
    users.set_password(office.store, "zhao", "another good password", actor="test", hasher=FAST)
    assert users.session_for(office.store, token) is None
    with pytest.raises(users.LoginRefused):
        users.authenticate(office.store, "zhao", PASSWORD, "10.0.0.1", hasher=FAST)
    token, _ = users.start_session(office.store, u, "10.0.0.1")
    users.set_role(office.store, "zhao", "leader", actor="test")
    assert users.session_for(office.store, token) is None
    token, _ = users.start_session(office.store, u, "10.0.0.1")
    users.deactivate(office.store, "zhao", actor="test")
    assert users.session_for(office.store, token) is None
    assert [e.get("role") or e.get("active") for e in _events(office, "user_changed")[1:]] == [
        "leader",
        False,
    ]


def _cli(
    home: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from custody.cli.main import main\nmain()\n", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "CUSTODY_HOME": str(home), **(env or {})},
    )


def test_user_add_with_password_stdin_and_json(live_office: Office) -> None:
    home = live_office.home
    r = _cli(
        home,
        "user",
        "add",
        "zhao",
        "--role",
        "custodian",
        "--person",
        "C001",
        "--password-stdin",
        "--json",
        stdin="a long enough password\n",
        env={"USER": "mallory", "LOGNAME": "mallory"},
    )
    assert r.returncode == 0, r.stderr
    made = json.loads(r.stdout)
    assert made["username"] == "zhao" and made["role"] == "custodian" and made["person"] == "C001"
    assert made["active"] is True and "password" not in json.dumps(made)
    signed = users.authenticate(live_office.store, "zhao", "a long enough password", "10.0.0.1")
    assert signed.username == "zhao"
    m = live_office.store.m
    added = m.Event.select().where(m.Event.kind == "user_added").get()
    assert added.actor == f"cli:{pwd.getpwuid(os.getuid()).pw_name}"  # the OS account, not USER

    short = _cli(home, "user", "add", "li", "--role", "staff", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "8–256" in short.stderr and "Traceback" not in short.stderr
    listed = _cli(home, "user", "list", "--json")
    assert [u["username"] for u in json.loads(listed.stdout)] == ["zhao"]
    assert (
        _cli(home, "user", "passwd", "zhao", "--password-stdin", stdin="yet another password\n").returncode
        == 0
    )
    assert _cli(home, "user", "deactivate", "zhao").returncode == 0
    with pytest.raises(users.LoginRefused):
        users.authenticate(live_office.store, "zhao", "yet another password", "10.0.0.1")
