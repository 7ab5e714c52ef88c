"""Issue 14 at the command line: check-out's options, dept, scope, person set-clearance/leaving,
handover — one clear line and exit 1 on a refusal."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from closing_support import office_at, run_cli


@pytest.fixture
def office(tmp_path):
    with office_at(tmp_path) as o:
        yield o


def later(hours: int = 3) -> str:
    return (datetime.now().astimezone() + timedelta(hours=hours)).isoformat(timespec="seconds")


def test_check_out_outside_needs_the_leader_the_due_time_and_the_second_person(office):
    o = office
    code = o.secret[0]
    r = run_cli(o, "check-out", code, "--to", "B001", "--purpose", "outside", "--approved-by", "L001")
    assert r.exit_code == 1 and "归还时间" in r.output
    r = run_cli(
        o, "check-out", code, "--to", "B001", "--purpose", "outside", "--due", later(), "--approver", "L001"
    )
    assert r.exit_code == 1 and "两人以上" in r.output
    r = run_cli(
        o,
        "check-out",
        code,
        "--to",
        "B001",
        "--purpose",
        "outside",
        "--due",
        later(),
        "--approved-by",
        "L001",
        "--with",
        "C001",
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["outcome"] == "checked_out"
    r = run_cli(o, "person", "leaving", "C001", "--json")
    assert r.exit_code == 1
    assert [(h["code"], h["as"]) for h in json.loads(r.output)["holds"]] == [(code, "second")]
    r = run_cli(o, "person", "deactivate", "C001")
    assert r.exit_code == 1 and code in r.output and "须先交回" in r.output
    assert run_cli(o, "verify").exit_code == 0


def test_check_out_external_and_a_date_means_its_end(office):
    o = office
    day = (datetime.now().astimezone() + timedelta(days=2)).date().isoformat()
    r = run_cli(
        o,
        "check-out",
        o.secret[1],
        "--to",
        "B001",
        "--purpose",
        "external",
        "--unit",
        "县财政局",
        "--due",
        day,
        "--approved-by",
        "L001",
        lang="en",
    )
    assert r.exit_code == 1 and "named recipient" in r.output
    r = run_cli(
        o,
        "check-out",
        o.secret[1],
        "--to",
        "B001",
        "--purpose",
        "external",
        "--unit",
        "县财政局",
        "--recipient",
        "王五",
        "--due",
        day,
        "--approved-by",
        "L001",
        "--json",
    )
    assert r.exit_code == 0, r.output
    m = o.store.m
    due = m.Item.get(m.Item.code == o.secret[1]).loan_due
    assert due.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M:%S") == "23:59:59"  # the office's day


def test_top_secret_at_the_desk_is_refused_outside(office):
    r = run_cli(
        office,
        "check-out",
        office.top,
        "--to",
        "C001",
        "--purpose",
        "outside",
        "--due",
        later(),
        "--approved-by",
        "L001",
        "--with",
        "C002",
    )
    assert r.exit_code == 1 and "绝密文件只能在阅文室阅读" in r.output


def test_dept_scope_and_set_clearance(office):
    o = office
    assert run_cli(o, "dept", "add", "办公室").exit_code == 0
    r = run_cli(o, "dept", "add", "办公室")
    assert r.exit_code == 1
    r = run_cli(o, "dept", "list", "--json")
    assert [d["name"] for d in json.loads(r.output)] == ["办公室", "综合科"]
    r = run_cli(o, "scope", "set", o.secret[2], "--dept", "办公室", "--by", "C001")
    assert r.exit_code == 1 and "领导" in r.output
    r = run_cli(
        o, "scope", "set", o.secret[2], "--dept", "办公室", "--badge", "B002", "--by", "L001", "--json"
    )
    assert r.exit_code == 0 and json.loads(r.output)["scope"] == ["办公室", "B002"]
    r = run_cli(o, "check-out", o.secret[2], "--to", "B001")
    assert r.exit_code == 1 and "知悉范围" in r.output
    assert run_cli(o, "check-out", o.reading[0], "--to", "B001", "--station", "阅文室").exit_code == 0
    r = run_cli(o, "person", "set-clearance", "B001", "非密")
    assert r.exit_code == 1 and o.reading[0] in r.output
    r = run_cli(o, "person", "set-clearance", "B001", "internal")  # equal to what is held
    assert r.exit_code == 0 and "内部" in r.output


def test_handover_lists_what_is_missing_then_records_it(office, tmp_path):
    o = office
    counted = tmp_path / "counted.txt"
    counted.write_text("\n".join(o.secret[:2]) + "\n", encoding="utf-8")
    base = ("handover", "保密室", "--from", "C001", "--to", "C002", "--supervisor", "L001")
    r = run_cli(o, *base, "--seen-file", str(counted), "--json")
    assert r.exit_code == 1
    assert set(json.loads(r.output)["missing"]) == {o.secret[2], o.top, o.seal}
    counted.write_text("\n".join([*o.secret, o.top, o.seal]) + "\n", encoding="utf-8")
    r = run_cli(o, *base, "--seen-file", str(counted))
    assert r.exit_code == 0 and "移交人赵保密员" in r.output
    r = run_cli(o, "person", "leaving", "B002")
    assert r.exit_code == 0 and "可以离岗" in r.output
