"""Label images for the web pages: GET /api/v1/items/<code>/label.png and .pdf."""

from __future__ import annotations

import bottle

from custody import settings
from custody.errors import InvalidInput
from custody.reports import lookup
from labels import ItemLabel, label_bytes
from web.api import ApiRequest, snapshot

TYPES = {"png": "image/png", "pdf": "application/pdf"}


def _label(req: ApiRequest) -> ItemLabel:
    with snapshot(req.store):
        it = lookup.item(req.store, req.args["code"])
        unit = settings.get(req.store, "unit_name")
    return ItemLabel(
        code=it.code,
        level=it.level,
        period=it.period,
        copy_no=it.copy_no,
        kind=it.kind,
        doc_no=it.doc_no,
        unit=unit,
        received=it.received_at.astimezone(req.tz()).date(),
    )


def _dpi(req: ApiRequest) -> int:
    text = req.query.get("dpi", "300")
    if text not in ("203", "300"):
        raise InvalidInput("dpi {dpi!r} is invalid; allowed: 203, 300", dpi=text)
    return int(text)


def _answer(req: ApiRequest, fmt: str) -> bottle.HTTPResponse:
    label = _label(req)
    data = label_bytes(
        [label], fmt, size=req.query.get("size", "50x30"), dpi=_dpi(req), sheet=None, lang=req.lang
    )
    return bottle.HTTPResponse(
        body=data,
        status=200,
        headers={
            "Content-Type": TYPES[fmt],
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="{label.code}.{fmt}"',
        },
    )


def label_png(req: ApiRequest) -> bottle.HTTPResponse:
    return _answer(req, "png")


def label_pdf(req: ApiRequest) -> bottle.HTTPResponse:
    return _answer(req, "pdf")
