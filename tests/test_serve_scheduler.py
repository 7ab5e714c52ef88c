"""`custody serve` runs the automatic closing sweep itself (P6), without cron."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from core_support import wait_for

from custody.actions import core as actions


def test_serve_records_the_sweep_once_closing_time_has_passed(live_office, serve_process):
    store = live_office.store
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    if now.hour == 0 and now.minute < 5:
        pytest.skip("closing time two minutes ago would fall on yesterday")
    closing = (now - timedelta(minutes=2)).strftime("%H:%M")
    actions.set_setting(store, "closing_time", closing, actor="test")
    actions.set_setting(store, "extra_workdays", [now.date().isoformat()], actor="test")
    zhang = next(p for p in live_office.people.values() if p.clearance in ("secret", "top-secret"))
    actions.check_out(store, live_office.secret[0], zhang, live_office.station("保密室"), actor="test")
    serve_process.start()

    def recorded() -> bool:
        store.db.close()
        return store.m.Event.select().where(store.m.Event.kind == "sweep_recorded").count() > 0

    wait_for(recorded, timeout=30, what="the automatic sweep record")
    assert serve_process.stop() == 0
    rows = list(store.m.Event.select().where(store.m.Event.kind == "sweep_recorded"))
    assert sorted(r.station for r in rows) == sorted(live_office.tokens)  # one record per station and day
