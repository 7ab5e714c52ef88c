"""How long a text an action accepts: a title, a name, a department, a purpose, a note.

Checked before anything is written, with one message naming the field, the value (its start)
and the limit. Characters are counted as Python counts them (a Chinese character is one)."""

from __future__ import annotations

from custody.errors import InvalidInput
from custody.messages import Msg

TITLE = 200
NAME = 64  # a person's name
DEPT = 64  # a department, also in a distribution scope
DOC_NO = 64
ISSUER = 100
PURPOSE = 200
NOTE = 500
SHOWN = 20  # characters of a too-long value repeated in the message

FIELDS = {
    "title": Msg("the title"),
    "name": Msg("the name"),
    "dept": Msg("the department"),
    "doc_no": Msg("the document number"),
    "issuer": Msg("the issuer"),
    "purpose": Msg("the purpose"),
    "note": Msg("the note"),
}


def check(field: str, value: str, limit: int) -> str:
    """`value` if it is at most `limit` characters long; else InvalidInput naming all three."""
    if len(value) <= limit:
        return value
    start = value[:SHOWN] + "…"
    raise InvalidInput(
        "{field} “{value}” is too long: {length} characters, at most {limit}",
        field=FIELDS[field],
        value=start,
        length=len(value),
        limit=limit,
    )
