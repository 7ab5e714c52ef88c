"""Changing a setting (recorded as an event), and the configuration's version.

The version (`setting` row `config_version`, a counter; `custody.scan.config`) is what the scan
service's processes check, on every scan, before using the stations and settings they keep: every
action that changes a setting, a station or its token bumps it in its own transaction.
"""

from __future__ import annotations

import json
from typing import Any

from custody import settings
from custody.ledger import chain as ledger
from custody.store import fastsql
from custody.store.core import Store

CONFIG_VERSION_KEY = "config_version"  # reserved: no setting has this name (settings.parse refuses it)


def bump_config_version(store: Store) -> None:
    """Inside the caller's write transaction: the configuration has changed (one statement)."""
    if not store.db.in_transaction():
        raise RuntimeError("bump_config_version outside a write transaction")
    fastsql.execute(
        store.db,
        "INSERT INTO setting (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE "
        "SET value = CAST(CAST(setting.value AS INTEGER) + 1 AS TEXT)",
        (CONFIG_VERSION_KEY,),
    )


def set_setting(store: Store, key: str, value: Any, *, actor: str) -> Any:
    parsed = settings.parse(key, value)
    m = store.m
    with store.writing():
        m.Setting.insert(key=key, value=json.dumps(parsed)).on_conflict(
            conflict_target=[m.Setting.key], update={m.Setting.value: json.dumps(parsed)}
        ).execute()
        bump_config_version(store)
        ledger.append(store, "setting_changed", store.now(), actor=actor, data={"key": key, "value": parsed})
    return parsed
