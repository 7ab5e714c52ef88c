"""A person's role and department change by actions with their `person_changed` events (issue 16
follow-up): `custody person set-role BADGE ROLE` and `custody person set-dept BADGE DEPT`.

Regression: DESIGN.md says every change to people is an action with its event, but a role or a
department could be changed only in the table — and `verify` then had no event to hold it against.
"""

from __future__ import annotations

import json
import uuid

import pytest
from core_support import BACKENDS, build_office, open_store
from test_cli import prepared_home, run
from test_verify_full import tamper

from custody.actions import core as actions
from custody.actions import departments, people, requests
from custody.errors import InvalidInput, NotFound
from custody.ledger.verify import verify
from custody.scan.station import ScanInput, submit

T = "test"


@pytest.fixture(params=BACKENDS)
def office(request, tmp_path):
    with open_store(request.param, tmp_path) as store:
        built = build_office(store, "closing")
        departments.add_department(store, "机要科", actor=T)
        yield built


def head(store) -> int:
    return store.m.LedgerHead.get_by_id(1).seq


def last_event(store):
    m = store.m
    return m.Event.select().order_by(m.Event.seq.desc()).first()


def scan(office, code: str, station: str = "保密室") -> dict:
    return submit(office.store, office.station(station), ScanInput(code, uuid.uuid4().hex))


def test_a_role_change_is_an_event_that_verifies_and_a_tampered_role_is_named(office):
    store = office.store
    li = people.set_role(store, "B002", "custodian", actor=T)
    assert li.role == "custodian"
    ev = last_event(store)
    assert (ev.kind, ev.person, json.loads(ev.data)) == ("person_changed", li.id, {"role": "custodian"})
    assert verify(store).ok
    tamper(store, "UPDATE person SET role = 'leader' WHERE id = ?", li.id)
    report = verify(store)
    assert not report.ok
    assert (report.table, report.row, report.column) == ("person", "B002", "role"), report.problem
    assert (report.stored, report.replayed) == ("leader", "custodian")


def test_a_role_by_its_chinese_name_and_the_same_role_again(office):
    store = office.store
    assert people.set_role(store, "B002", "保密员", actor=T).role == "custodian"
    before = head(store)
    assert people.set_role(store, "B002", "custodian", actor=T).role == "custodian"
    assert head(store) == before  # nothing changed, nothing recorded


def test_unknown_role_or_badge_is_refused_and_nothing_is_written(office):
    store = office.store
    before = head(store)
    with pytest.raises(InvalidInput) as bad_role:
        people.set_role(store, "B002", "boss", actor=T)
    assert "'boss'" in bad_role.value.msg.render("en") and "leader" in bad_role.value.msg.render("en")
    with pytest.raises(NotFound):
        people.set_role(store, "NO-SUCH-BADGE", "leader", actor=T)
    with pytest.raises(NotFound) as bad_dept:
        people.set_dept(store, "B002", "暗设科", actor=T)
    assert "暗设科" in bad_dept.value.msg.render("en")
    with pytest.raises(NotFound):
        people.set_dept(store, "NO-SUCH-BADGE", "机要科", actor=T)
    assert head(store) == before
    assert store.m.Person.get_by_id(office.people["li"].id).role == "staff"
    assert verify(store).ok


def test_a_department_change_is_an_event_that_verifies_and_a_tampered_dept_is_named(office):
    store = office.store
    li = people.set_dept(store, "B002", " 机要科 ", actor=T)
    assert li.dept == "机要科"
    ev = last_event(store)
    assert (ev.kind, json.loads(ev.data)) == ("person_changed", {"dept": "机要科"})
    assert verify(store).ok
    tamper(store, "UPDATE person SET dept = '' WHERE id = ?", li.id)
    report = verify(store)
    assert (report.table, report.row, report.column) == ("person", "B002", "dept"), report.problem


def test_a_demoted_leader_approves_nothing_afterwards(office):
    """The rules read the role when they decide: at the desk, at the station, on a request."""
    store, p = office.store, office.people
    given = actions.approve(store, office.secret[0], p["li"], p["wang"], actor=T)
    assert given.outcome == "approved"
    people.set_role(store, "L001", "staff", actor=T)
    refused = actions.approve(
        store, office.secret[1], p["li"], store.m.Person.get_by_id(p["wang"].id), actor=T
    )
    assert (refused.outcome, refused.reason) == ("refused", "approver_not_leader")
    # at the station: the badge no longer approves 张三's session, it opens one of its own
    assert scan(office, "B001")["outcome"] == "badge"
    assert scan(office, "L001")["outcome"] == "badge"
    ref = requests.make_request(store, "copy", person=p["zhao"], requested_by=p["zhao"], actor=T).extra[
        "request"
    ]
    decided = requests.decide(
        store, ref, leader=store.m.Person.get_by_id(p["wang"].id), approve=True, actor=T
    )
    assert decided.outcome == "refused"
    # made leader again, the same badge approves at once
    people.set_role(store, "L001", "leader", actor=T)
    assert scan(office, "B001")["outcome"] == "badge"
    assert scan(office, "L001")["outcome"] == "approved"
    assert verify(store).ok


def test_an_approval_given_before_the_demotion_lapses_with_it(office):
    """An approval given beforehand counts only while its giver is an active leader (read when the
    loan is decided): demoted, it lets nothing out; made leader again, it counts again."""
    store, p = office.store, office.people
    safe = office.station("保密室")
    zhang = people.set_clearance(store, "B001", "top-secret", actor=T)
    assert actions.approve(store, office.top, zhang, p["wang"], actor=T).outcome == "approved"
    people.set_role(store, "L001", "staff", actor=T)
    refused = actions.check_out(store, office.top, zhang, safe, actor=T)
    assert (refused.outcome, refused.reason) == ("refused", "needs_leader")
    people.set_role(store, "L001", "leader", actor=T)
    lent = actions.check_out(store, office.top, zhang, safe, actor=T)
    assert lent.outcome == "checked_out", lent.message("en")
    assert verify(store).ok


def test_a_department_change_leaves_held_items_and_the_next_loan_reads_the_new_one(office):
    """P9 is decided at borrowing: a scoped item held stays held; borrowing it again is refused."""
    store, p = office.store, office.people
    safe = office.station("保密室")
    code = office.secret[0]
    departments.set_scope(store, code, depts=["综合科"], badges=[], by=p["wang"], actor=T)
    assert actions.check_out(store, code, p["zhang"], safe, actor=T).outcome == "checked_out"
    zhang = people.set_dept(store, "B001", "机要科", actor=T)
    assert store.m.Item.get(store.m.Item.code == code).holder_id == zhang.id
    actions.return_item(store, code, safe, actor=T)
    again = actions.check_out(store, code, zhang, safe, actor=T)
    assert (again.outcome, again.reason) == ("refused", "outside_scope")
    assert verify(store).ok


def test_a_web_login_keeps_its_own_role(office):
    from argon2 import PasswordHasher

    from custody.actions import users

    store = office.store
    quick = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    users.add_user(store, "zhao", "custodian", "a-password", person="C001", actor=T, hasher=quick)
    people.set_role(store, "C001", "staff", actor=T)
    assert store.m.AppUser.get(store.m.AppUser.username == "zhao").role == "custodian"
    assert verify(store).ok


def test_the_cli_sets_role_and_dept(tmp_path):
    home = prepared_home(
        tmp_path / "home",
        ("person", "add", "张三", "--badge", "B001", "--clearance", "secret"),
        ("dept", "add", "机要科"),
    )
    done = run(home, "--lang", "en", "person", "set-role", "B001", "leader")
    assert done.stdout.strip() == "张三 is now Office leader"
    shown = json.loads(run(home, "person", "set-dept", "B001", "机要科", "--json").stdout)
    assert (shown["badge"], shown["role"], shown["dept"]) == ("B001", "leader", "机要科")
    bad = run(home, "--lang", "en", "person", "set-role", "B001", "boss", ok=False)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and "'boss'" in bad.stderr
    bad = run(home, "--lang", "en", "person", "set-dept", "B001", "暗设科", ok=False)
    assert bad.returncode == 1 and "暗设科" in bad.stderr and "Traceback" not in bad.stderr
    bad = run(home, "--lang", "en", "person", "set-dept", "B404", "机要科", ok=False)
    assert bad.returncode == 1 and "B404" in bad.stderr
    assert "ledger intact" in run(home, "--lang", "en", "verify").stdout
