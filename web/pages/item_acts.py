"""What the item page `/items/CODE` lets the viewer do, each a form posted to its own route and done
by the one action of `custody.actions` that the CLI and the API call: a check-out with its terms
(P11, P13–P15, P28), copies (P16), the return to the issuer and its due day (P17), destruction
(P18, with a confirmation step), loss and its resolution (P19).

Every act names the signed-in user as its actor (`user:NAME`) and, where the rules ask who does it,
the person the login is tied to. A refusal is recorded by the action (P24) and nothing else is
written; the page answers the item page again with the reason in the reader's language and the form
open with what was typed (409; the JSON twin `{"error", "rule", "reason"}`). Done: back to the item
page (303), or with `Accept: application/json` the outcomes.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

import bottle

from custody.actions import core as actions
from custody.actions import lifecycle as life
from custody.actions import requests as reqs
from custody.actions.outcome import Outcome
from custody.errors import CustodyError, InvalidInput
from custody.messages import Msg
from custody.models.core import Person
from custody.reports import lookup
from custody.rules.places import PURPOSES, LoanTerms
from web.api import snapshot
from web.pages.common import acting_person, actor, form, tz
from web.pages.items import item_again
from web.pages.render import as_json, page, redirect, wants_json

MAX_COPIES = 1000  # one copy form at most (the rules' own bound, P16)


class _Refusal(CustodyError):
    """An action's recorded refusal, as the pages answer it: 409 with its rule and reason."""

    http_status = 409

    def __init__(self, outcomes: list[Outcome]) -> None:
        refused = [o for o in outcomes if o.outcome == "refused"]
        super().__init__(refused[0].msg)
        self.outcomes = refused
        self.rule, self.reason = refused[0].rule, refused[0].reason

    def message(self, lang: str = "zh") -> str:
        return ("; " if lang == "en" else "；").join(o.message(lang) for o in self.outcomes)


def _values(req: Any) -> dict[str, str]:
    values = form(req)
    values.pop("csrf_token", None)
    return values


def _badge(req: Any, values: dict[str, str], name: str) -> Person | None:
    """The person whose badge was typed in field `name` (None: left empty)."""
    text = values.get(name, "")
    return lookup.person_by_badge(req.store, text) if text else None


def _approval(req: Any, values: dict[str, str]) -> tuple[Person | None, str | None]:
    """`approved_by`: a leader's badge (present at the desk), or an approved request (`R12`)."""
    text = values.get("approved_by", "")
    if not text:
        return None, None
    if reqs.is_request_ref(text):
        return None, text.upper()
    return lookup.person_by_badge(req.store, text), None


def _whole(values: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = values.get(name, "") or str(default)
    if not text.isdigit() or len(text) > len(str(high)) or not low <= int(text) <= high:
        raise InvalidInput(
            "{name} {value!r} is not a whole number {low}–{high}", name=name, value=text, low=low, high=high
        )
    return int(text)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("date {value!r} is invalid: use YYYY-MM-DD", value=text) from None


def _due(req: Any, text: str) -> datetime | None:
    """A loan's due time as the form gives it: `YYYY-MM-DDTHH:MM` in the office's time zone, or a
    day (its last second), as `custody check-out --due` takes it."""
    if not text:
        return None
    zone = tz(req)
    try:
        return datetime.combine(date.fromisoformat(text), time(23, 59, 59), zone)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "due time {value!r} is invalid: use YYYY-MM-DDTHH:MM or YYYY-MM-DD", value=text
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=zone)


def _run(req: Any, name: str, act: Any) -> bottle.HTTPResponse:
    """Do `act(values)` (it returns the outcomes, what to add to the JSON answer and where to go
    afterwards, "" for the item page); a refusal or a bad value answers the item page again with
    its reason, the form `name` open."""
    code = req.args["code"]
    values = _values(req)
    try:
        outcomes, extra, location = act(values)
        if any(o.outcome == "refused" for o in outcomes):
            raise _Refusal(outcomes)
    except CustodyError as exc:
        if wants_json(req):
            body: dict[str, Any] = {"error": exc.message(req.lang)}
            if isinstance(exc, _Refusal):
                body.update(rule=exc.rule, reason=exc.reason)
            return as_json(body, exc.http_status)
        return item_again(req, code, name, exc.message(req.lang), values, exc.http_status)
    if wants_json(req):
        shown = [
            {"outcome": o.outcome, "message": o.message(req.lang), "code": o.item.code if o.item else None}
            for o in outcomes
        ]
        return as_json({"outcomes": shown, **extra})
    return redirect(location or "/items/" + quote(code))


# --- P11, P13–P15, P28: a check-out with its terms --------------------------------------------------


def check_out(req: Any) -> bottle.HTTPResponse:
    """Lend the item at the desk to the person whose badge is `to`, as `custody check-out` does."""

    def act(values: dict[str, str]) -> tuple[list[Outcome], dict[str, Any], str]:
        purpose = values.get("purpose", "") or "reading"
        if purpose not in PURPOSES:
            raise InvalidInput(
                "purpose {value!r} is invalid; allowed: {allowed}", value=purpose, allowed=", ".join(PURPOSES)
            )
        if not values.get("to"):
            raise InvalidInput("name the borrower by badge")
        approver, _request = _approval(req, values)  # an approved request is found without naming it
        station = values.get("station", "")
        terms = LoanTerms(
            purpose=purpose,
            due=_due(req, values.get("due", "")),
            unit=values.get("unit", ""),
            recipient=values.get("recipient", ""),
            letter=values.get("letter", ""),
            use=values.get("use", ""),
        )
        out = actions.check_out(
            req.store,
            req.args["code"],
            lookup.person_by_badge(req.store, values["to"]),
            lookup.station(req.store, station) if station else actions.default_home(req.store),
            actor=actor(req),
            approver=approver,
            terms=terms,
            second=_badge(req, values, "with"),
        )
        return [out], {}, ""

    return _run(req, "check_out", act)


# --- P16 copies -----------------------------------------------------------------------------------------


def copy(req: Any) -> bottle.HTTPResponse:
    """Register copies of the item's document; by the viewer's person unless another badge is named."""

    def act(values: dict[str, str]) -> tuple[list[Outcome], dict[str, Any], str]:
        copies = _whole(values, "copies", 1, 1, MAX_COPIES)
        approver, request = _approval(req, values)
        out, made = life.copy(
            req.store,
            req.args["code"],
            copies,
            by=_badge(req, values, "by") or acting_person(req),
            approver=approver,
            request=request,
            issuer_ref=values.get("issuer_ref", ""),
            for_whom=values.get("for", ""),
            actor=actor(req),
        )
        codes = [i.code for i in made]
        where = "/items/" + quote(req.args["code"]) + "?made=" + ",".join(codes)
        return [out], {"codes": codes, "labels_url": "/labels.pdf?codes=" + ",".join(codes)}, where

    return _run(req, "copy", act)


# --- P17 return to issuer, the day it is due back ------------------------------------------------------


def return_to_issuer(req: Any) -> bottle.HTTPResponse:
    def act(values: dict[str, str]) -> tuple[list[Outcome], dict[str, Any], str]:
        outs = life.return_to_issuer(
            req.store, [req.args["code"]], by=acting_person(req), ref=values.get("ref", ""), actor=actor(req)
        )
        return outs, {}, ""

    return _run(req, "return_to_issuer", act)


def due_back(req: Any) -> bottle.HTTPResponse:
    def act(values: dict[str, str]) -> tuple[list[Outcome], dict[str, Any], str]:
        text = values.get("date", "")
        if not text:
            raise InvalidInput("give the day it is due back, YYYY-MM-DD")
        outs = life.set_due_back(
            req.store, [req.args["code"]], _day(text), by=acting_person(req), actor=actor(req)
        )
        return outs, {}, ""

    return _run(req, "due_back", act)


# --- P18 destruction, with a confirmation step ------------------------------------------------------------

DESTROY_FIELDS = ("approved_by", "witness1", "witness2", "method", "place")


def _destroy_preview(req: Any, values: dict[str, str]) -> dict[str, Any]:
    """Who and what the destruction names, for the viewer to confirm (badges resolved to names)."""
    code = req.args["code"]
    with snapshot(req.store):
        it = lookup.item(req.store, code)
        by = acting_person(req)
        approver, request = _approval(req, values)
        witnesses = [p for p in (_badge(req, values, "witness1"), _badge(req, values, "witness2")) if p]
        return {
            "title": Msg("Destroy this item?").render(req.lang),
            "confirm_needed": True,
            "item": {"code": it.code, "title": it.title, "level": it.level, "copy_no": f"{it.copy_no:06d}"},
            "by": by.name,
            "approver": approver.name if approver is not None else request,
            "witnesses": [w.name for w in witnesses],
            "method": values.get("method", ""),
            "place": values.get("place", ""),
            "_code_q": quote(it.code),
            "_fields": {k: values.get(k, "") for k in DESTROY_FIELDS},
        }


def destroy(req: Any) -> bottle.HTTPResponse:
    """P18: the first post shows what will be destroyed, by whom, approved and witnessed by whom; the
    second (`confirm=1`) destroys it. A destroyed item is never checked out again."""
    code = req.args["code"]
    values = _values(req)
    if values.get("confirm") != "1":
        try:
            data = _destroy_preview(req, values)
        except CustodyError as exc:
            if wants_json(req):
                return as_json({"error": exc.message(req.lang)}, exc.http_status)
            return item_again(req, code, "destroy", exc.message(req.lang), values, exc.http_status)
        return page(req, "destroy_confirm", data)

    def act(values: dict[str, str]) -> tuple[list[Outcome], dict[str, Any], str]:
        approver, request = _approval(req, values)
        witnesses = [p for p in (_badge(req, values, "witness1"), _badge(req, values, "witness2")) if p]
        outs = life.destroy(
            req.store,
            [code],
            by=acting_person(req),
            witnesses=witnesses,
            approver=approver,
            request=request,
            method=values.get("method", ""),
            place=values.get("place", ""),
            actor=actor(req),
        )
        return outs, {}, ""

    return _run(req, "destroy", act)


# --- P19 loss -------------------------------------------------------------------------------------------


def report_lost(req: Any) -> bottle.HTTPResponse:
    """P19: reported lost by the viewer's person; the custodian and the leaders are notified at once
    through the configured channels (a channel that fails is recorded, the report stands)."""

    def act(values: dict[str, str]) -> tuple[list[Outcome], dict[str, Any], str]:
        from custody.closing import notify

        out = life.report_loss(
            req.store, req.args["code"], by=acting_person(req), actor=actor(req), note=values.get("note", "")
        )
        sent: tuple[str, ...] = ()
        if out.outcome != "refused" and out.item is not None:
            sent = notify.send_loss(req.store, out.item, out.message(req.lang), lang=req.lang)
        return [out], {"notified": list(sent)}, ""

    return _run(req, "report_lost", act)


def resolve_loss(req: Any) -> bottle.HTTPResponse:
    """P19: a leader resolves a loss report: found (back where it was) or the loss confirmed."""

    def act(values: dict[str, str]) -> tuple[list[Outcome], dict[str, Any], str]:
        out = life.resolve_loss(
            req.store,
            req.args["code"],
            by=acting_person(req),
            actor=actor(req),
            found=values.get("found", "1") == "1",
            note=values.get("note", ""),
        )
        return [out], {}, ""

    return _run(req, "resolve_loss", act)
