"""The closing sweep (P6, P11): what is out, flagged, ordered; --at from the ledger; bad input."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from closing_support import BACKENDS, MONDAY, local, office_at, recent_morning, run_cli

from custody.actions import closing
from custody.actions import core as actions
from custody.errors import InvalidInput, NotFound
from custody.reports import sweep


@pytest.fixture(params=BACKENDS)
def office(request, tmp_path):
    with office_at(tmp_path, backend=request.param) as o:
        yield o


def codes(s: sweep.Sweep) -> list[str]:
    return [e.item.code for e in s.entries]


def test_top_secret_first_then_longest_out_with_flags(office):
    office.at("09:10")
    office.lend(office.secret[0], "zhang")
    office.at("09:20")
    office.lend(office.seal, "zhao")
    office.at("10:00")
    office.lend(office.top, "zhao")
    office.at("10:30")
    office.lend(office.secret[1], "zhang")
    office.at("11:00")
    s = sweep.sweep(office.store)
    assert codes(s) == [office.top, office.secret[0], office.secret[1], office.seal]
    flags = {e.item.code: e.flags for e in s.entries}
    assert flags == {
        office.top: ("top_secret_out",),
        office.secret[0]: (),
        office.secret[1]: (),
        office.seal: ("seal_out",),
    }
    assert s.counts == {"top-secret": 1, "secret": 2, "confidential": 0, "internal": 1, "unclassified": 0}
    assert not any(e.overdue for e in s.entries)


def test_top_secret_past_the_reading_limit_is_flagged(office):
    office.at("09:00")
    office.lend(office.top, "zhao")
    office.at("11:00")
    assert sweep.sweep(office.store).entries[0].flags == ("top_secret_out",)
    office.at("11:01")
    assert sweep.sweep(office.store).entries[0].flags == ("top_secret_out", "over_reading_limit")
    actions.set_setting(office.store, "reading_limit_minutes", 200, actor="test")
    assert sweep.sweep(office.store).entries[0].flags == ("top_secret_out",)


def test_overdue_means_out_across_a_closing_time(office):
    office.at("16:00")
    office.lend(office.secret[0], "zhang")
    office.at("17:29")
    assert not sweep.sweep(office.store).entries[0].overdue
    office.at("17:30")
    assert sweep.sweep(office.store).entries[0].overdue
    office.at("18:00")
    office.lend(office.secret[1], "zhang")  # overtime: not overdue until the next closing
    office.at("18:10")
    assert {e.item.code: e.overdue for e in sweep.sweep(office.store).entries} == {
        office.secret[0]: True,
        office.secret[1]: False,
    }


def test_at_answers_from_the_ledger_as_it_stood(office):
    office.at("10:00")
    office.lend(office.secret[0], "zhang")
    office.lend(office.secret[1], "zhang")
    office.at("17:40")
    office.give_back(office.secret[1])
    office.at("18:00")
    late = actions.receive(office.store, title="晚到文件", level="secret", home="保密室", actor="test")[
        0
    ].code
    office.lend(late, "zhang")
    office.at("19:00")
    then = sweep.sweep(office.store, at=local(MONDAY, "17:30"))
    assert sorted(codes(then)) == sorted([office.secret[0], office.secret[1]])
    assert all(e.overdue for e in then.entries)
    assert codes(sweep.sweep(office.store)) == [office.secret[0], late]
    before = sweep.sweep(office.store, at=MONDAY.replace(hour=8))
    assert before.entries == [] and before.clear


def test_at_in_the_future_is_refused_and_writes_nothing(office):
    office.at("12:00")
    n = office.events()
    with pytest.raises(InvalidInput) as err:
        sweep.sweep(office.store, at=office.clock.now() + timedelta(minutes=1))
    assert "将来" in err.value.message("zh") and "future" in err.value.message("en")
    assert office.events() == n


def test_unknown_station_is_refused(office):
    with pytest.raises(NotFound) as err:
        sweep.sweep(office.store, station="机要室")
    assert "机要室" in err.value.message("zh") and "保密室" in err.value.message("zh")


def test_station_filter_is_by_home(office):
    office.at("10:00")
    office.lend(office.secret[0], "zhang")
    office.lend(office.reading[0], "li", station="阅文室")
    assert codes(sweep.sweep(office.store, station="阅文室")) == [office.reading[0]]
    assert codes(sweep.sweep(office.store, station="保密室")) == [office.secret[0]]


def test_a_safe_not_closed_by_closing_time_plus_grace_is_flagged(office):
    office.at("17:59")
    assert sweep.sweep(office.store).safes == []
    office.at("18:00")
    flagged = sweep.sweep(office.store).safes
    assert [(f.station, f.flags) for f in flagged] == [("保密室", ("safe_not_closed",))]
    assert not sweep.sweep(office.store).clear
    office.at("18:10")
    closing.close_safe(office.store, office.station("保密室"), office.people["zhao"], "test")
    office.at("18:20")
    late = sweep.sweep(office.store).safes
    assert [(f.station, f.flags, f.closed_by) for f in late] == [
        ("保密室", ("safe_closed_late",), office.people["zhao"].id)
    ]
    assert sweep.sweep(office.store, at=local(MONDAY, "18:05")).safes[0].flags == ("safe_not_closed",)


def test_a_safe_closed_in_time_is_not_flagged(office):
    office.at("17:45")
    closing.close_safe(office.store, office.station("保密室"), office.people["zhao"], "test")
    office.at("18:30")
    assert sweep.sweep(office.store).safes == []


def test_no_safe_flag_on_a_day_off(tmp_path):
    with office_at(tmp_path, MONDAY - timedelta(days=2)) as office:  # Saturday
        office.at("20:00")
        assert sweep.sweep(office.store).safes == []


def test_json_shape(office):
    office.at("10:00")
    office.lend(office.top, "zhao")
    office.at("18:01")
    data = sweep.to_json(office.store, sweep.sweep(office.store), sweep.ZoneInfo("Asia/Shanghai"))
    assert set(data) >= {"at", "outstanding", "counts"}
    assert data["at"] == "2026-11-30T18:01:00+08:00"
    item = data["outstanding"][0]
    assert {
        "code",
        "title",
        "kind",
        "level",
        "copy_no",
        "doc_no",
        "issuer",
        "home",
        "status",
        "holder",
        "since",
        "station",
        "overdue",
        "flags",
    } <= set(item)
    assert item["holder"] == {
        "name": "赵保密员",
        "badge": "C001",
        "role": "custodian",
        "clearance": "top-secret",
        "dept": "",
    }
    assert item["since"] == "2026-11-30T10:00:00+08:00" and item["station"] == "保密室"
    assert item["flags"] == ["top_secret_out", "over_reading_limit"] and item["overdue"] is True
    assert data["unclosed_safes"][0]["flags"] == ["safe_not_closed"]
    assert json.loads(json.dumps(data)) == data


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def cli_office(tmp_path):
    with office_at(tmp_path, recent_morning()) as o:
        yield o


def test_cli_sweep_fail_if_out_exits_3_and_json(cli_office):
    o = cli_office
    assert run_cli(o, "sweep", "--fail-if-out").exit_code == 0
    o.at("10:00")
    o.lend(o.secret[0], "zhang")
    o.lend(o.top, "zhao")
    result = run_cli(o, "sweep", "--json", "--fail-if-out")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert [i["code"] for i in data["outstanding"]] == [o.top, o.secret[0]]
    table = run_cli(o, "sweep").stdout
    assert "绝密未还" in table and "年度工作要点" in table and table.index(o.top) < table.index(o.secret[0])
    rows = list(csv.reader(io.StringIO(run_cli(o, "sweep", "--csv").stdout)))
    assert rows[0][:2] == ["code", "title"] and [r[0] for r in rows[1:]] == [o.top, o.secret[0]]


def test_cli_sweep_at_a_past_moment_and_station(cli_office):
    o = cli_office
    o.at("10:00")
    o.lend(o.secret[0], "zhang")
    o.at("11:00")
    o.give_back(o.secret[0])
    at = (o.clock.now() - timedelta(minutes=30)).isoformat()
    data = json.loads(run_cli(o, "sweep", "--at", at, "--json").stdout)
    assert [i["code"] for i in data["outstanding"]] == [o.secret[0]]
    now = json.loads(run_cli(o, "sweep", "--json").stdout)
    assert now["outstanding"] == []
    data = json.loads(run_cli(o, "sweep", "--at", at, "--json", "--station", "阅文室").stdout)
    assert data["outstanding"] == [] and data["station"] == "阅文室"


def test_cli_bad_input_is_one_clear_line(cli_office):
    o = cli_office
    n = o.events()
    future = run_cli(o, "sweep", "--at", "2999-01-01T17:30")
    assert future.exit_code == 1 and future.stderr.count("\n") == 1 and "将来" in future.stderr
    unknown = run_cli(o, "sweep", "--station", "机要室")
    assert unknown.exit_code == 1 and "机要室" in unknown.stderr and "Traceback" not in unknown.stderr
    assert run_cli(o, "sweep", "--json", "--csv").exit_code == 2
    english = run_cli(o, "sweep", "--at", "2999-01-01T17:30", lang="en")
    assert "in the future" in english.stderr
    assert o.events() == n


def test_cli_sweep_record_stores_a_manual_record(cli_office):
    o = cli_office
    o.at("10:00")
    o.lend(o.secret[0], "zhang")
    assert run_cli(o, "sweep", "--record").exit_code == 0
    listed = json.loads(
        run_cli(
            o,
            "closing",
            "list",
            "--from",
            (o.clock.now() - timedelta(days=30)).date().isoformat(),
            "--to",
            "2999-12-31",
            "--json",
        ).stdout
    )
    assert [(r["kind"], r["outstanding"]) for r in listed["sweeps"]] == [("manual", 1)]
    assert o.store.m.Event.select().where(o.store.m.Event.kind == "sweep_recorded").count() == 1
