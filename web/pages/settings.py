"""The administrators' page of settings `/settings` (Can.MANAGE_SETTINGS): every setting with its
value and what it is for, each changed by one form through `custody.actions.settings.set_setting`,
as `custody setting set KEY VALUE` does (recorded in the ledger as `setting_changed`). A value the
setting does not take is refused with the setting's own message, and nothing changes.

Label printers (`custody printer add`) and the mail password (a file outside the database) are
shown but not edited here: they name files and devices of the machine."""

from __future__ import annotations

import json
from typing import Any

import bottle

from custody import settings
from custody.actions import core as actions
from custody.errors import CustodyError, InvalidInput
from custody.messages import Msg
from web.api import snapshot
from web.pages.common import actor, form, refuse
from web.pages.render import as_json, page, wants_json

READ_ONLY = frozenset({"printers", "smtp_password_file"})  # changed on the machine (the CLI)


def shown(value: Any) -> str:
    """A value as the form shows it and takes it back: lists comma-separated, others as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _data(
    req: Any, message: str = "", problem: str = "", typed: dict[str, str] | None = None
) -> dict[str, Any]:
    with snapshot(req.store):
        values = settings.all_settings(req.store)
    typed = typed or {}
    return {
        "title": Msg("Settings").render(req.lang),
        "settings": [
            {
                "key": key,
                "value": value,
                "text": typed.get(key, shown(value)),
                "about": settings.describe(key, req.lang),
                "editable": key not in READ_ONLY,
            }
            for key, value in values.items()
        ],
        "message": message,
        "error": problem,
    }


def settings_page(req: Any) -> bottle.HTTPResponse:
    return page(req, "settings", _data(req))


def change(req: Any) -> bottle.HTTPResponse:
    values = form(req)
    key, text = values.get("key", ""), values.get("value", "")
    try:
        if key in READ_ONLY:
            raise InvalidInput(
                "the setting {key} is changed on the machine: custody printer / custody notify", key=key
            )
        parsed = actions.set_setting(req.store, key, text, actor=actor(req))
    except CustodyError as exc:
        if wants_json(req):
            return refuse(req, exc)
        return page(
            req,
            "settings",
            _data(req, problem=exc.message(req.lang), typed={key: text}),
            status=exc.http_status,
        )
    done = Msg("{key} is now {value}", {"key": key, "value": shown(parsed)}).render(req.lang)
    if wants_json(req):
        return as_json({"key": key, "value": parsed, "message": done})
    return page(req, "settings", _data(req, message=done))
