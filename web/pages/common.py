"""What every page handler needs: the viewer, the actor, the person behind the login, form fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import bottle

from custody import settings
from custody.errors import CustodyError, InvalidInput
from custody.messages import Msg
from custody.models.core import Person
from custody.reports import shapes
from custody.rules.access import Can, Viewer, may
from web.pages.render import error


class Forbidden(CustodyError):
    """The viewer may see this page but not this object (another's loan, another station)."""

    http_status = 403


def viewer(req: Any) -> Viewer | None:
    return getattr(req, "viewer", None)


def actor(req: Any) -> str:
    """The name an action records: the signed-in user (web.api.ApiRequest.actor)."""
    return str(req.actor)


def allowed(req: Any, can: Can, **kw: Any) -> bool:
    return may(viewer(req), can, **kw)


def person_of(req: Any) -> Person | None:
    """The person the signed-in user is (None: a login tied to nobody)."""
    v = viewer(req)
    if v is None or v.person_id is None:
        return None
    m = req.store.m
    return m.Person.get_or_none(m.Person.id == v.person_id)  # type: ignore[no-any-return]


def acting_person(req: Any) -> Person:
    """The person an act at the desk is done by: the signed-in user's own (P23: every action is
    attributed to a person)."""
    p = person_of(req)
    if p is None:
        raise InvalidInput(
            "your login is tied to no person: an administrator can tie it (custody user add --person)"
        )
    return p


def form(req: Any) -> dict[str, str]:
    """The posted form's text fields (web.api.ApiRequest.form: urlencoded or multipart), trimmed."""
    return {name: value.strip() for name, value in req.form().items()}


def tz(req: Any) -> ZoneInfo:
    return ZoneInfo(settings.get(req.store, "timezone"))


def when(req: Any, value: datetime | str | None) -> str:
    return shapes.when(value, tz(req))


def refuse(req: Any, exc: CustodyError) -> bottle.HTTPResponse:
    """A domain error as the page shows it (JSON twin: `{"error": …}`)."""
    return error(req, exc.http_status, exc.message(req.lang))


def forbidden(req: Any) -> bottle.HTTPResponse:
    return error(req, 403, Msg("you may not see this"))
