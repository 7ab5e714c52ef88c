"""Settings kept in the database and changed through the write path (recorded as events)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from custody.errors import InvalidInput
from custody.messages import N_, translate

if TYPE_CHECKING:
    from custody.store.core import Store


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


def _days(v: Any) -> int:
    n = int(v)
    if not 0 <= n <= 365:
        raise ValueError("0–365")
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


def _printers(v: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(v, dict) or not all(isinstance(c, dict) for c in v.values()):
        raise ValueError("a mapping of printer name to its settings")
    return v


def _text(v: Any) -> str:
    return str(v)[:200]


def _dates(v: Any) -> list[str]:
    """Dates as a JSON list or text: `2026-10-01,2026-10-02` or a range `2026-10-01..2026-10-07`."""
    if isinstance(v, str):
        text = v.strip()
        parts = json.loads(text) if text.startswith("[") else re.split(r"[\s,，;；]+", text)
    elif isinstance(v, list | tuple):
        parts = list(v)
    else:
        raise ValueError("dates YYYY-MM-DD, separated by commas; a range as YYYY-MM-DD..YYYY-MM-DD")
    days: set[date] = set()
    for part in (str(p).strip() for p in parts):
        if not part:
            continue
        try:
            if ".." in part:
                first, last = (date.fromisoformat(x.strip()) for x in part.split("..", 1))
                if not 0 <= (last - first).days <= 366:
                    raise ValueError(part)
                days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
            else:
                days.add(date.fromisoformat(part))
        except ValueError:
            raise ValueError(
                "dates YYYY-MM-DD, separated by commas; a range as YYYY-MM-DD..YYYY-MM-DD"
            ) from None
    return sorted(d.isoformat() for d in days)


def _bounded(low: int, high: int) -> Callable[[Any], int]:
    def parse(v: Any) -> int:
        n = int(v)
        if not low <= n <= high:
            raise ValueError(f"{low}–{high}")
        return n

    return parse


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    text = str(v).strip().lower()
    if text in ("1", "true", "yes", "on", "是"):
        return True
    if text in ("0", "false", "no", "off", "否"):
        return False
    raise ValueError("true, false")


def _url(v: Any) -> str:
    text = str(v).strip()
    if text and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", text):
        raise ValueError("an http:// or https:// URL, or empty")
    return text


def _host(v: Any) -> str:
    text = str(v).strip()
    if text and not re.fullmatch(r"[A-Za-z0-9.:\-\[\]]{1,253}", text):
        raise ValueError("a host name or address, or empty")
    return text


def _address(v: Any) -> str:
    text = str(v).strip()
    if text and not re.fullmatch(r"[^@\s,]+@[^@\s,]+", text):
        raise ValueError("an e-mail address, or empty")
    return text


def _addresses(v: Any) -> list[str]:
    parts = (
        v
        if isinstance(v, list | tuple)
        else (
            json.loads(v)
            if isinstance(v, str) and v.strip().startswith("[")
            else re.split(r"[\s,，;；]+", str(v))
        )
    )
    out = [_address(p) for p in parts if str(p).strip()]
    if any(not a for a in out):
        raise ValueError("e-mail addresses separated by commas")
    return out


# key: (default, parse, what it is for: a message id, `describe(key, lang)`)
SETTINGS: dict[str, tuple[Any, Callable[[Any], Any], str]] = {
    "closing_time": ("17:30", _hhmm, N_("time items must be back by (local time)")),
    "reading_limit_minutes": (120, _minutes, N_("reading limit for top-secret documents (minutes)")),
    "session_timeout_seconds": (120, _seconds, N_("station session timeout (seconds)")),
    "web_session_idle_minutes": (  # issue 15: a signed-in browser, custody.actions.users
        30,
        _bounded(5, 720),
        N_("a signed-in web session ends after this many minutes without a request"),
    ),
    "due_back_ahead_days": (
        7,
        _days,
        N_("days ahead an item due back to its issuer is listed in the sweep (P17)"),
    ),
    "language": ("zh", _lang, N_("interface language")),
    "timezone": ("Asia/Shanghai", _tz, N_("time zone")),
    "unit_name": ("", _text, N_("name of the unit (on labels and registers)")),
    "printers": ({}, _printers, N_("label printers (custody printer add)")),
    # closing time (issue 6)
    "holidays": ([], _dates, N_("holidays, no closing sweep (e.g. 2026-10-01..2026-10-07)")),
    "extra_workdays": ([], _dates, N_("weekend days worked in lieu, swept as usual")),
    "closing_grace_minutes": (
        30,
        _bounded(0, 720),
        N_("grace for closing a safe (minutes); not closed by then is flagged"),
    ),
    "second_check_minutes": (
        10,
        _bounded(1, 120),
        N_("time for the second person to badge after a safe is closed (minutes)"),
    ),
    "notify_webhook_url": ("", _url, N_("address the sweep result is pushed to (JSON POST)")),
    "notify_retries": (3, _bounded(1, 10), N_("retries when sending a notification fails")),
    "smtp_host": ("", _host, N_("mail server")),
    "smtp_port": (587, _bounded(1, 65535), N_("mail server port")),
    "smtp_starttls": (True, _bool, N_("mail encrypted with STARTTLS")),
    "smtp_user": ("", _text, N_("mail login user name")),
    "smtp_password_file": (
        "",
        _text,
        N_(
            "file holding the mail login password (the password is kept in neither the database nor the ledger)"
        ),
    ),
    "smtp_ca_file": (
        "",
        _text,
        N_("CA file for the mail server's certificate (empty: the system's certificates)"),
    ),
    "smtp_from": ("", _address, N_("sender address")),
    "smtp_to": ([], _addresses, N_("recipient addresses (separated by commas)")),
}


def describe(key: str, lang: str = "zh") -> str:
    """What the setting `key` is for, in `lang` (`custody setting list`)."""
    return translate(SETTINGS[key][2], lang)


def get(store: Store, key: str) -> Any:
    """The value of `key` in `store`'s database, or its default."""
    default = SETTINGS[key][0]
    Setting = store.m.Setting
    row = Setting.get_or_none(Setting.key == key)
    return json.loads(row.value) if row else default


def all_settings(store: Store) -> dict[str, Any]:
    stored = {s.key: json.loads(s.value) for s in store.m.Setting.select()}
    return {k: stored.get(k, d) for k, (d, _, _) in SETTINGS.items()}


def parse(key: str, value: Any) -> Any:
    if key not in SETTINGS:
        raise InvalidInput(
            "unknown setting {key!r}; allowed: {allowed}", key=key, allowed=", ".join(SETTINGS)
        )
    try:
        return SETTINGS[key][1](value)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            "invalid value {value!r} for {key}; allowed: {allowed}", value=value, key=key, allowed=str(exc)
        ) from None
