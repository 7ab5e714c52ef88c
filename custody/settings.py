"""Settings kept in the database and changed through the write path (recorded as events)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from custody.errors import InvalidInput
from custody.models import Setting

if TYPE_CHECKING:
    from custody.store import Store


def _hhmm(v: Any) -> str:
    if not isinstance(v, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v):
        raise ValueError("HH:MM, 00:00–23:59")
    return v


def _minutes(v: Any) -> int:
    n = int(v)
    if not 1 <= n <= 24 * 60:
        raise ValueError("1–1440")
    return n


def _seconds(v: Any) -> int:
    n = int(v)
    if not 10 <= n <= 3600:
        raise ValueError("10–3600")
    return n


def _lang(v: Any) -> str:
    if v not in ("zh", "en"):
        raise ValueError("zh, en")
    return v


def _tz(v: Any) -> str:
    try:
        ZoneInfo(str(v))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone such as Asia/Shanghai") from None
    return str(v)


def _text(v: Any) -> str:
    return str(v)[:200]


# key: (default, parse, Chinese description)
SETTINGS: dict[str, tuple[Any, Callable[[Any], Any], str]] = {
    "closing_time": ("17:30", _hhmm, "下班收回时间（本地时间）"),
    "reading_limit_minutes": (120, _minutes, "绝密文件阅读时限（分钟）"),
    "session_timeout_seconds": (120, _seconds, "站点会话超时（秒）"),
    "language": ("zh", _lang, "界面语言"),
    "timezone": ("Asia/Shanghai", _tz, "时区"),
    "unit_name": ("", _text, "单位名称（标签与登记簿上）"),
}


def get(store: Store, key: str) -> Any:
    default = SETTINGS[key][0]
    row = Setting.get_or_none(Setting.key == key)
    return json.loads(row.value) if row else default


def all_settings(store: Store) -> dict[str, Any]:
    stored = {s.key: json.loads(s.value) for s in Setting.select()}
    return {k: stored.get(k, d) for k, (d, _, _) in SETTINGS.items()}


def parse(key: str, value: Any) -> Any:
    if key not in SETTINGS:
        raise InvalidInput(f"未知的设置项“{key}”；可用：{', '.join(SETTINGS)}",
                           f"unknown setting {key!r}; allowed: {', '.join(SETTINGS)}")
    try:
        return SETTINGS[key][1](value)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"设置项 {key} 的值“{value}”无效；允许：{exc}",
                           f"invalid value {value!r} for {key}; allowed: {exc}") from None
