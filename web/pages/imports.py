"""The register import `/registers/import`: an old register (CSV or XLSX) uploaded, every row
checked first (custody.importer.plan), imported in one transaction only when no row fails.

The upload is size-capped twice: the route's body limit (`BODY_LIMIT`, this route's own instead of
the service's 16 KiB) refuses a longer body before it is read (413), and this page refuses a file
over `MAX_UPLOAD` bytes (413).
"""

from __future__ import annotations

import email.parser
import email.policy
import tempfile
from pathlib import Path
from typing import Any

import bottle

from custody.errors import CustodyError, InvalidInput
from custody.importer import plan as importer_plan
from custody.importer import run as importer_run
from custody.messages import Msg
from web.api import snapshot
from web.pages.common import actor, refuse
from web.pages.render import as_json, page, wants_json

MAX_UPLOAD = 2 * 1024 * 1024  # the register file
BODY_LIMIT = MAX_UPLOAD + 64 * 1024  # the whole form: the file, its fields and the multipart framing
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


def _data(req: Any, **extra: Any) -> dict[str, Any]:
    m = req.store.m
    with snapshot(req.store):
        stations = [s.name for s in m.Station.select().order_by(m.Station.name)]
    return {
        "title": Msg("Import a register").render(req.lang),
        "stations": stations,
        "max_upload": MAX_UPLOAD,
        "errors": [],
        "summary": "",
        "imported": [],
        "error": "",
        **extra,
    }


def import_form(req: Any) -> bottle.HTTPResponse:
    return page(req, "import", _data(req))


def parts(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a `multipart/form-data` body: name -> (file name or None, bytes)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidInput("the register must be sent as a file upload (multipart/form-data)")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    out: dict[str, tuple[str | None, bytes]] = {}
    if not message.is_multipart():
        raise InvalidInput("the upload is not a valid multipart form")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        out[str(name)] = (part.get_filename(), payload)
    return out


def import_post(req: Any) -> bottle.HTTPResponse:
    body = req.read_body()
    if len(body) > MAX_UPLOAD:
        return _too_large(req)
    fields = parts(bottle.request.get_header("Content-Type") or "", body)
    filename, content = fields.get("file", (None, b""))
    if not filename or not content:
        raise InvalidInput("choose a register file (.csv or .xlsx) to import")
    if len(content) > MAX_UPLOAD:
        return _too_large(req)
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput("unsupported file type “{suffix}”: use .csv or .xlsx", suffix=suffix)
    home = fields.get("home", (None, b""))[1].decode("utf-8", "replace").strip() or None
    dry_run = fields.get("dry_run", (None, b""))[1] == b"1"
    with tempfile.TemporaryDirectory(prefix="custody-import-") as tmp:
        path = Path(tmp) / f"register{suffix}"
        path.write_bytes(content)
        path.chmod(0o600)
        try:
            checked = importer_plan.plan(req.store, path, mapping={}, sheet=None, home=home)
        except CustodyError as exc:
            return (
                refuse(req, exc)
                if wants_json(req)
                else page(req, "import", _data(req, error=exc.message(req.lang)), status=exc.http_status)
            )
    errors = [e.message(req.lang) for e in checked.errors]
    summary = Msg(
        "{rows} rows can be imported ({items} items), {errors} rows fail",
        {"rows": len(checked.rows), "items": checked.items, "errors": len(errors)},
    ).render(req.lang)
    imported: list[str] = []
    if not errors and not dry_run:
        imported = [i.code for i in importer_run.run(req.store, checked, actor=actor(req))]
    status = 400 if errors else (201 if imported else 200)
    data = _data(req, errors=errors, summary=summary, imported=imported, dry_run=dry_run)
    if wants_json(req):
        return as_json({k: v for k, v in data.items() if k not in ("stations", "title")}, status)
    return page(req, "import", data, status=status)


def _too_large(req: Any) -> bottle.HTTPResponse:
    from web.pages.render import error

    return error(req, 413, Msg("the file is too large: at most {limit} bytes", {"limit": MAX_UPLOAD}))
