"""Changing a setting (recorded as an event)."""

from __future__ import annotations

import json
from typing import Any

from custody import settings
from custody.ledger import chain as ledger
from custody.store.core import Store


def set_setting(store: Store, key: str, value: Any, *, actor: str) -> Any:
    parsed = settings.parse(key, value)
    m = store.m
    with store.writing():
        m.Setting.insert(key=key, value=json.dumps(parsed)).on_conflict(
            conflict_target=[m.Setting.key], update={m.Setting.value: json.dumps(parsed)}
        ).execute()
        ledger.append(store, "setting_changed", store.now(), actor=actor, data={"key": key, "value": parsed})
    return parsed
