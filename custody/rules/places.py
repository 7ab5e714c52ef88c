"""What each kind of station allows (P11, P13–P15, P28): ONE table, read by every check-out.

`PLACES[station_kind][item_class]` is the set of loan purposes an item of that class may be lent
for at a station of that kind; a class missing from a kind's row is not lent there at all.
`reading` is read on site; `outside` leaves the office (P13); `external` goes to another unit
(P14). Pure: the rules below read plain facts and answer a `Refusal` or None.

| station kind   | top secret | archive                | everything else             |
|----------------|------------|------------------------|-----------------------------|
| `reading-room` | reading    | —                      | reading, outside, external  |
| `safe`         | reading    | —                      | reading, outside, external  |
| `desk`         | reading    | —                      | reading, outside, external  |
| `archive-room` | —          | reading (special case: outside, external with a leader) | reading, outside, external |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from custody.rules.facts import ItemFacts, PersonFacts, Refusal, item_params

PURPOSES = ("reading", "outside", "external")
ON_SITE = frozenset({"reading"})
ANY = frozenset(PURPOSES)

PLACES: dict[str, dict[str, frozenset[str]]] = {
    "reading-room": {"top-secret": ON_SITE, "other": ANY},
    "safe": {"top-secret": ON_SITE, "other": ANY},
    "desk": {"top-secret": ON_SITE, "other": ANY},
    "archive-room": {"archive": ANY, "other": ANY},
}
"""station kind -> item class -> the purposes allowed there. An archive file leaves the archive room
(`outside`, `external`) only as a special case a leader approves (`archive_stays`)."""

TOP_SECRET_PLACES = tuple(k for k, row in PLACES.items() if "top-secret" in row)
ARCHIVE_PLACES = tuple(k for k, row in PLACES.items() if "archive" in row)
CARRIED = ("seal", "letter")  # P28: go out only for a stated use with a leader's approval


@dataclass(frozen=True)
class LoanTerms:
    """What a check-out says besides who and what: the purpose, the due time, the second person
    carrying it (P13), the unit and recipient (P14), the letter of introduction's number (P15) and
    the stated use of a seal or letter (P28)."""

    purpose: str = "reading"
    due: datetime | None = None
    second: PersonFacts | None = None
    unit: str = ""
    recipient: str = ""
    letter: str = ""
    use: str = ""


def item_class(item: ItemFacts) -> str:
    """Which column of `PLACES` an item reads: top secret first, then archive files."""
    if item.level == "top-secret":
        return "top-secret"
    if item.kind == "archive":
        return "archive"
    return "other"


def allowed_purposes(station_kind: str, item: ItemFacts) -> frozenset[str]:
    """The purposes `item` may be lent for at a station of `station_kind` (empty: not there)."""
    return PLACES.get(station_kind, {}).get(item_class(item), frozenset())


def place_refusal(item: ItemFacts, station: str, station_kind: str, purpose: str) -> Refusal | None:
    """P11/P15: the station table's answer, naming the rule."""
    allowed = allowed_purposes(station_kind, item)
    cls = item_class(item)
    params = {**item_params(item), "station": station, "station_kind": station_kind}
    if cls == "top-secret":
        if purpose != "reading":
            return Refusal("top_secret_not_outside", params, "P11")
        if not allowed:
            return Refusal("top_secret_on_site", params, "P11")
        return None
    if cls == "archive" and not allowed:
        return Refusal("archive_in_archive_room", params, "P15")
    return None  # the purpose of an archive file's loan: `custody.rules.loans.archive_stays`
