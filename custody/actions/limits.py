"""How long a text an action accepts: a title, a name, a department, a purpose, a note, a reference.

Checked before anything is written, with one message naming the field, the value (its start),
its length and the limit. Characters are counted as Python counts them (a Chinese character is
one). `LIMITS` is every free-text field an action takes from the CLI or the API, and its limit;
`texts(unit=…, note=…)` checks several at once. The API's body fields are at most `web`'s
200 characters anyway (a body is at most 16 KiB), so a field's limit here is what the CLI, which
has no such bound, meets.
"""

from __future__ import annotations

from collections.abc import Sequence

from custody.errors import InvalidInput
from custody.messages import Msg

TITLE = 200
NAME = 64  # a person's name, a recipient
DEPT = 64  # a department, also in a distribution scope
DOC_NO = 64
ISSUER = 100
PURPOSE = 200  # a purpose, a stated use of a seal or letter
NOTE = 500  # a note, a reason
REFERENCE = 100  # the issuer's reference, a letter of introduction's number, a request's reference
UNIT = 100  # another unit's name (P14), whom copies are for
PLACE = 100  # a destruction's method and place
PERIOD = 100  # a secrecy period, `condition:TEXT` included
SCOPE_ENTRIES = 100  # departments and badges in one distribution scope
SHOWN = 20  # characters of a too-long value repeated in the message

FIELDS = {
    "title": Msg("the title"),
    "name": Msg("the name"),
    "dept": Msg("the department"),
    "doc_no": Msg("the document number"),
    "issuer": Msg("the issuer"),
    "purpose": Msg("the purpose"),
    "note": Msg("the note"),
    "scope": Msg("a distribution scope entry"),
    "unit": Msg("the unit"),
    "recipient": Msg("the recipient"),
    "letter": Msg("the letter of introduction's number"),
    "use": Msg("the stated use"),
    "reference": Msg("the reference"),
    "for_whom": Msg("whom the copies are for"),
    "method": Msg("the method"),
    "place": Msg("the place"),
    "reason": Msg("the reason"),
    "period": Msg("the secrecy period"),
}

LIMITS: dict[str, int] = {  # field -> its limit, for `texts`
    "title": TITLE,
    "name": NAME,
    "dept": DEPT,
    "doc_no": DOC_NO,
    "issuer": ISSUER,
    "purpose": PURPOSE,
    "note": NOTE,
    "scope": DEPT,
    "unit": UNIT,
    "recipient": NAME,
    "letter": REFERENCE,
    "use": PURPOSE,
    "reference": REFERENCE,
    "for_whom": UNIT,
    "method": PLACE,
    "place": PLACE,
    "reason": NOTE,
    "period": PERIOD,
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


def texts(**values: str | None) -> None:
    """Check each named field against its limit in `LIMITS` (`texts(unit=u, recipient=r)`); None
    and "" pass. The first too long is refused."""
    for field, value in values.items():
        if value:
            check(field, value.strip(), LIMITS[field])


def count(field: str, values: Sequence[str], most: int) -> None:
    """At most `most` entries (a distribution scope's departments and badges)."""
    if len(values) > most:
        raise InvalidInput(
            "{field}: {count} entries, at most {most}", field=FIELDS[field], count=len(values), most=most
        )
