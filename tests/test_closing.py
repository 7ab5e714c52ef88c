"""Closing time: the automatic sweep (a simulated day on a fixed clock), holidays, the closing
check sheet, and the scheduler thread delivering to a real local webhook."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from closing_support import BACKENDS, MONDAY, WebhookReceiver, local, office_at, run_cli

from custody.actions import closing as closing_actions
from custody.actions import core as actions
from custody.clock import FixedClock
from custody.closing import schedule as closing
from custody.errors import Refused
from custody.models.closing import SweepRecord
from custody.reports import sweep


@pytest.fixture(params=BACKENDS)
def office(request, tmp_path):
    with office_at(tmp_path, backend=request.param) as o:
        yield o


def outstanding(record: SweepRecord) -> list[str]:
    return [i["code"] for i in json.loads(record.data)["outstanding"]]


def test_a_simulated_day(office):
    """Out at closing: in the automatic sweep and in --at replays; returned ones are not; no duplicates."""
    office.at("09:30")
    office.lend(office.secret[0], "zhang")
    office.lend(office.secret[1], "zhang")
    office.lend(office.reading[0], "li", station="阅文室")
    office.at("14:00")
    office.lend(office.secret[2], "zhang")
    office.at("16:30")
    office.give_back(office.secret[2])
    office.at("17:29")
    assert closing.run_due_sweeps(office.store, office.clock.now()) == []
    office.at("17:30")
    records = closing.run_due_sweeps(office.store, office.clock.now())
    assert [(r.kind, r.station.name) for r in records] == [("closing", "保密室"), ("closing", "阅文室")]
    safe, room = records
    assert sorted(outstanding(safe)) == sorted(office.secret[:2]) and outstanding(room) == [office.reading[0]]
    assert safe.at == local(MONDAY, "17:30") and safe.day == MONDAY.date()
    assert safe.notify_status == "pending"
    office.at("17:40")
    office.give_back(office.secret[1])
    office.at("17:45")
    assert closing.run_due_sweeps(office.store, office.clock.now()) == []  # idempotent
    assert office.store.m.SweepRecord.select().count() == 2
    at_closing = sweep.sweep(office.store, at=local(MONDAY, "17:30"))
    assert sorted(e.item.code for e in at_closing.entries) == sorted(office.secret[:2] + office.reading[:1])
    after = sweep.sweep(office.store, at=local(MONDAY, "17:41"))
    assert sorted(e.item.code for e in after.entries) == sorted([office.secret[0], office.reading[0]])
    # the safe is never closed: at closing time + 30 minutes of grace one more record flags it
    office.at("18:00")
    grace = closing.run_due_sweeps(office.store, office.clock.now())
    assert [(r.kind, r.station.name, r.unclosed) for r in grace] == [("grace", "保密室", 1)]
    assert json.loads(grace[0].data)["unclosed_safes"][0]["flags"] == ["safe_not_closed"]
    assert outstanding(grace[0]) == [office.secret[0]]
    assert closing.run_due_sweeps(office.store, office.clock.now() + timedelta(hours=3)) == []
    kinds = [
        e.data
        for e in office.store.m.Event.select()
        .where(office.store.m.Event.kind == "sweep_recorded")
        .order_by(office.store.m.Event.seq)
    ]
    assert [json.loads(d)["kind"] for d in kinds] == ["closing", "closing", "grace"]


def test_a_late_run_records_the_closing_moment_from_the_ledger(office):
    """The service was down at 17:30: the record still says what was out at 17:30."""
    office.at("10:00")
    office.lend(office.secret[0], "zhang")
    office.at("17:40")
    office.give_back(office.secret[0])
    office.at("19:00")
    safe = [
        r
        for r in closing.run_due_sweeps(office.store, office.clock.now())
        if r.kind == "closing" and r.station.name == "保密室"
    ][0]
    assert outstanding(safe) == [office.secret[0]] and safe.at == local(MONDAY, "17:30")
    assert safe.recorded_at == local(MONDAY, "19:00")


def test_safe_closed_in_time_gets_no_grace_record(office):
    office.at("17:50")
    closing_actions.close_safe(office.store, office.station("保密室"), office.people["zhao"], "test")
    office.at("18:30")
    kinds = [r.kind for r in closing.run_due_sweeps(office.store, office.clock.now())]
    assert kinds == ["closing", "closing"]
    assert closing.run_due_sweeps(office.store, office.clock.now()) == []


def test_holidays_weekends_and_exchanged_workdays(office):
    saturday = MONDAY - timedelta(days=2)
    assert closing.run_due_sweeps(office.store, local(saturday, "18:00").astimezone(UTC)) == []
    actions.set_setting(office.store, "holidays", "2026-11-30", actor="test")
    office.at("18:30")
    assert closing.run_due_sweeps(office.store, office.clock.now()) == []
    assert sweep.sweep(office.store).safes == []
    actions.set_setting(office.store, "extra_workdays", "2026-11-28", actor="test")  # that Saturday is worked
    records = closing.run_due_sweeps(office.store, local(saturday, "17:31").astimezone(UTC))
    assert {r.day for r in records} == {saturday.date()}
    actions.set_setting(office.store, "holidays", "", actor="test")
    assert len(closing.run_due_sweeps(office.store, office.clock.now())) == 3  # two closing, one grace


def test_each_station_closes_at_its_own_time(office):
    actions.set_station_closing_time(office.store, "阅文室", "17:00", actor="test")
    office.at("17:05")
    assert [r.station.name for r in closing.run_due_sweeps(office.store, office.clock.now())] == ["阅文室"]
    actions.set_setting(office.store, "closing_time", "18:00", actor="test")
    office.at("17:45")
    assert closing.run_due_sweeps(office.store, office.clock.now()) == []
    office.at("18:00")
    assert [r.station.name for r in closing.run_due_sweeps(office.store, office.clock.now())] == ["保密室"]


def test_close_safe_records_who_when_and_what_was_out(office):
    office.at("10:00")
    office.lend(office.top, "zhao")
    office.lend(office.reading[0], "li", station="阅文室")
    office.at("17:35")
    out = closing_actions.close_safe(
        office.store, office.station("保密室"), office.people["zhao"], "scan:保密室"
    )
    assert (
        out.outcome == "command" and "仍有1件未归还" in out.message("zh") and office.top in out.message("zh")
    )
    check = office.store.m.ClosingCheck.get_by_id(out.extra["closing_check"])
    assert check.closed_by_id == office.people["zhao"].id and check.closed_at == local(MONDAY, "17:35")
    assert [o["code"] for o in json.loads(check.outstanding)] == [office.top] and check.out_count == 1
    event = office.store.m.Event.get(office.store.m.Event.seq == out.seq)
    assert event.kind == "safe_closed" and json.loads(event.data)["outstanding"] == [office.top]


def test_second_check(office):
    room = office.station("保密室")
    assert (
        closing_actions.second_check(office.store, room, office.people["wang"], "t") is None
    )  # nothing to check
    office.at("17:35")
    closing_actions.close_safe(office.store, room, office.people["zhao"], "t")
    same = closing_actions.second_check(office.store, room, office.people["zhao"], "t")
    assert same is not None and same.outcome == "refused" and same.reason == "second_check_same_person"
    office.at("17:38")
    ok = closing_actions.second_check(office.store, room, office.people["wang"], "t")
    assert ok is not None and ok.outcome == "command" and "王主任" in ok.message("zh")
    check = office.store.m.ClosingCheck.get()
    assert check.checker_id == office.people["wang"].id and check.checked_at == local(MONDAY, "17:38")
    assert (
        closing_actions.second_check(office.store, room, office.people["qian"], "t") is None
    )  # already checked
    office.at("18:00")
    closing_actions.close_safe(office.store, room, office.people["qian"], "t")
    office.at("18:11")  # the window (10 minutes) has passed
    assert closing_actions.second_check(office.store, room, office.people["wang"], "t") is None


def test_staff_may_not_close_the_safe_and_the_refusal_is_recorded(office):
    before = office.events()
    with pytest.raises(Refused) as err:
        closing_actions.close_safe(office.store, office.station("保密室"), office.people["zhang"], "t")
    assert "张三" in err.value.message("zh") and err.value.reason == "close_safe_not_allowed"
    assert office.store.m.ClosingCheck.select().count() == 0
    events = list(office.store.m.Event.select().where(office.store.m.Event.seq > before))
    assert [(e.kind, json.loads(e.data)["reason"]) for e in events] == [("refused", "close_safe_not_allowed")]


def test_scheduler_thread_records_and_notifies_a_real_webhook(tmp_path):
    hook = WebhookReceiver(statuses=(503,))  # the first delivery fails: retried on the spot
    try:
        with office_at(tmp_path) as office:
            actions.set_setting(office.store, "notify_webhook_url", hook.url, actor="test")
            office.at("10:00")
            office.lend(office.secret[0], "zhang")
            office.at("17:30")
            clock = FixedClock(office.clock.now())
            scheduler = closing.ClosingScheduler(
                lambda: office.store,
                clock,
                interval=0.05,
                deliver=lambda store, rec: closing_deliver(store, rec),
            )
            scheduler.start()
            try:
                assert hook.wait_for(1)
                assert scheduler.wait_for_ticks(3, 20)
            finally:
                scheduler.stop()
            assert scheduler.last_error is None
            assert office.store.m.SweepRecord.select().count() == 2  # many passes, one record per station
            body = hook.bodies[0]
            assert body["event"] == "sweep" and body["station"] == "保密室" and body["kind"] == "closing"
            assert [i["code"] for i in body["sweep"]["outstanding"]] == [office.secret[0]]
            assert hook.requests == 2 and len(hook.bodies) == 1  # the 503, then the one delivery
            statuses = {r.station.name: r.notify_status for r in office.store.m.SweepRecord.select()}
            assert statuses == {"保密室": "sent", "阅文室": "none"}
    finally:
        hook.close()


def closing_deliver(store, record):
    from custody.closing import notify

    return notify.deliver(store, record, sleep=lambda _s: None)


def test_cli_closing_commands(tmp_path):
    from closing_support import recent_morning

    with office_at(tmp_path, recent_morning()) as office:
        office.at("10:00")
        office.lend(office.secret[0], "zhang")
        office.at("11:00")
        r = run_cli(office, "closing", "close", "保密室", "--by", "C001")
        assert r.exit_code == 0 and "仍有1件未归还" in r.stdout
        assert run_cli(office, "closing", "check", "保密室", "--by", "C001").exit_code == 1
        refused = run_cli(office, "closing", "close", "保密室", "--by", "B001")
        assert refused.exit_code == 1 and "张三" in refused.stderr
        listed = json.loads(
            run_cli(office, "closing", "list", "--from", "2000-01-01", "--to", "2999-12-31", "--json").stdout
        )
        assert [(c["closed_by"], c["out_count"]) for c in listed["checks"]] == [("赵保密员", 1)]
        assert run_cli(office, "closing", "set-time", "阅文室", "16:45").stdout.strip() == "阅文室: 16:45"
        assert "阅文室: 默认" in run_cli(office, "closing", "set-time", "阅文室", "default").stdout
        assert run_cli(office, "closing", "set-time", "阅文室", "25:00").exit_code == 1


def test_every_closing_command_has_help_with_an_example():
    from click.testing import CliRunner
    from closing_support import cli_command

    from custody.cli import closing as cli_closing

    cli = cli_command()

    def walk(cmd, path):
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                yield from walk(sub, path + [name])
        else:
            yield path, cmd

    ours = [
        c.name
        for c in (
            cli_closing.sweep_cmd,
            cli_closing.count,
            cli_closing.closing_cmd,
            cli_closing.register_cmd,
            cli_closing.review,
            cli_closing.import_cmd,
            cli_closing.notify_cmd,
        )
    ]
    paths = [p for name in ours for p, _ in walk(cli.commands[name], [name])]
    assert len(paths) == 15
    for path in paths:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, path


def test_the_domain_modules_import_no_pil_bottle_serial_or_evdev():
    """DESIGN.md layout rule: custody/ imports none of them (only the CLI wires labels/ in)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import custody.reports.sweep, custody.closing.schedule, custody.actions.inventory, "
        "custody.reports.registers, custody.importer.core, custody.closing.notify, custody.closing.workdays, "
        "custody.models.closing, custody.cli.closing\n"
        "bad = [m for m in ('PIL', 'bottle', 'serial', 'evdev', 'labels') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- the closing rules on plain data (custody.rules.closing) ---------------------------------


def _facts(pid: int = 1, role: str = "custodian", active: bool = True):
    from custody.rules.facts import PersonFacts

    return PersonFacts(id=pid, name=f"p{pid}", role=role, clearance="secret", active=active)


def test_who_may_close_a_safe_on_plain_data():
    from custody.rules import closing as rules
    from custody.rules.facts import Allowed, Refusal

    for role in ("custodian", "leader"):
        assert isinstance(rules.decide_close_safe(_facts(role=role), "保密室"), Allowed)
    for person in (_facts(role="staff"), _facts(role="custodian", active=False)):
        refusal = rules.decide_close_safe(person, "保密室")
        assert isinstance(refusal, Refusal) and refusal.reason == "close_safe_not_allowed"
        assert refusal.params == {"person": person.name, "station": "保密室"} and refusal.rule == "P23"


def test_the_second_check_on_plain_data_to_its_boundaries():
    from datetime import UTC, datetime, timedelta

    from custody.rules import closing as rules
    from custody.rules.facts import Allowed

    closed = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    window = timedelta(minutes=30)
    check = rules.CheckFacts(closed_by=1, closed_at=closed, checked=False)
    assert rules.awaits_second_check(check, closed + window, window)  # at the window's end: still
    assert not rules.awaits_second_check(check, closed + window + timedelta(microseconds=1), window)
    assert not rules.awaits_second_check(None, closed, window)
    assert not rules.awaits_second_check(rules.CheckFacts(1, closed, True), closed, window)
    assert rules.decide_second_check(_facts(1), check).reason == "second_check_same_person"
    assert rules.decide_second_check(_facts(2, active=False), check).reason == "second_check_inactive"
    assert rules.decide_second_check(_facts(1, active=False), check).reason == "second_check_same_person"
    assert isinstance(rules.decide_second_check(_facts(2, role="staff"), check), Allowed)  # anyone else
