"""The administrators' page of logins `/users` (Can.MANAGE_USERS): every user with role, person,
active and created; a new user (user name, role, the person's badge, the password twice), a new
password, a deactivation — through `custody.actions.users`, as `custody user add / passwd /
deactivate` do. A password is never shown back, never kept in the page nor in the ledger (the action
records the sha256 of its argon2 hash).

A user's name travels in the form (`username`), never in the path: a name may hold any printable
character but a space, `/` among them."""

from __future__ import annotations

from typing import Any

import bottle

from custody import vocab
from custody.actions import users as user_actions
from custody.errors import CustodyError, InvalidInput
from custody.messages import Msg
from custody.reports import shapes
from web.api import snapshot
from web.pages.common import actor, form, refuse, tz, viewer
from web.pages.render import as_json, page, wants_json


def _data(
    req: Any, message: str = "", problem: str = "", values: dict[str, str] | None = None
) -> dict[str, Any]:
    zone = tz(req)
    with snapshot(req.store):
        rows = [
            {
                **user_actions.user_json(req.store, u),
                "created_at": shapes.iso(u.created_at, zone),
                "changed_at": shapes.iso(u.changed_at, zone),
            }
            for u in user_actions.list_users(req.store)
        ]
    return {
        "title": Msg("Users").render(req.lang),
        "users": rows,
        "roles": [r.slug for r in vocab.ROLES],
        "message": message,
        "error": problem,
        # what was typed in the add form, to fill it again after a refusal: never a password
        "_values": {k: v for k, v in (values or {}).items() if k in ("username", "role", "person")},
    }


def users(req: Any) -> bottle.HTTPResponse:
    return page(req, "users", _data(req))


def _passwords(values: dict[str, str]) -> str:
    """The new password, typed twice alike (not trimmed: spaces may belong to it)."""
    first, second = values.get("password", ""), values.get("password2", "")
    if first != second:
        raise InvalidInput("the two passwords differ: type the same password twice")
    return first


def _raw(req: Any) -> dict[str, str]:
    """The form untrimmed (a password keeps its spaces); the other fields trimmed."""
    raw = req.form()
    values = form(req)
    for name in ("password", "password2"):
        values[name] = raw.get(name, "")
    values.pop("csrf_token", None)
    return values


def _answer(req: Any, act: Any, done: Any, values: dict[str, str], status: int = 200) -> bottle.HTTPResponse:
    """Do `act()`; the page again with what it did (`done(user)`), or with the reason it failed."""
    try:
        user = act()
    except CustodyError as exc:
        if wants_json(req):
            return refuse(req, exc)
        return page(
            req, "users", _data(req, problem=exc.message(req.lang), values=values), status=exc.http_status
        )
    text = done(user).render(req.lang)
    if wants_json(req):
        with snapshot(req.store):
            shown = user_actions.user_json(req.store, user)
        return as_json({"user": shown, "message": text}, status)
    return page(req, "users", _data(req, message=text), status=status)


def add_user(req: Any) -> bottle.HTTPResponse:
    values = _raw(req)
    return _answer(
        req,
        lambda: user_actions.add_user(
            req.store,
            values.get("username", ""),
            values.get("role", ""),
            _passwords(values),
            person=values.get("person") or None,
            actor=actor(req),
        ),
        lambda u: Msg(
            "user {name} added ({role})",
            {"name": u.username, "role": vocab.ROLE_BY_SLUG[u.role].name(req.lang)},
        ),
        values,
        201,
    )


def set_password(req: Any) -> bottle.HTTPResponse:
    """A new password for a user; their open sessions end (they sign in again with it)."""
    values = _raw(req)
    return _answer(
        req,
        lambda: user_actions.set_password(
            req.store, values.get("username", ""), _passwords(values), actor=actor(req)
        ),
        lambda u: Msg("password of {name} changed", {"name": u.username}),
        {},
    )


def deactivate(req: Any) -> bottle.HTTPResponse:
    """The user can no longer sign in; their open sessions end at once."""
    values = _raw(req)

    def act() -> Any:
        name = values.get("username", "")
        me = viewer(req)
        if me is not None and me.kind == "user" and name == me.username:
            raise InvalidInput("you may not deactivate your own login: another administrator can")
        return user_actions.deactivate(req.store, name, actor=actor(req))

    return _answer(
        req,
        act,
        lambda u: Msg("user {name} deactivated", {"name": u.username}),
        {},
    )
