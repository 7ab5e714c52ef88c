"""The station table (custody.rules.places, P11/P15) pinned whole: each item's column, each station
kind's purposes (none at an unknown kind), and each refusal in full."""

import pytest
from test_rules_facts import item

from custody.rules import places
from custody.rules.facts import Refusal

TS = item("top-secret", code="111", title="甲")
ARCHIVE = item(code="111", title="甲", kind="archive")
TS_ARCHIVE = item("top-secret", code="111", title="甲", kind="archive")
PLAIN = item(code="111", title="甲")
ANY = frozenset({"reading", "outside", "external"})


def at(it, station_kind, station="S1") -> dict:
    return {
        "code": "111",
        "title": "甲",
        "level": it.level,
        "kind": it.kind,
        "station": station,
        "station_kind": station_kind,
    }


def test_each_items_column():
    assert places.item_class(TS) == "top-secret"
    assert places.item_class(TS_ARCHIVE) == "top-secret"  # top secret first
    assert places.item_class(ARCHIVE) == "archive"
    for kind in ("document", "seal", "letter", "medium", "other"):
        assert places.item_class(item(kind=kind)) == "other"


@pytest.mark.parametrize(
    "kind,ts,archive,plain",
    [
        ("reading-room", {"reading"}, set(), ANY),
        ("safe", {"reading"}, set(), ANY),
        ("desk", {"reading"}, set(), ANY),
        ("archive-room", set(), ANY, ANY),
        ("garage", set(), set(), set()),  # an unknown kind allows nothing
    ],
)
def test_the_purposes_of_each_station_kind(kind, ts, archive, plain):
    assert places.allowed_purposes(kind, TS) == frozenset(ts)
    assert places.allowed_purposes(kind, ARCHIVE) == frozenset(archive)
    assert places.allowed_purposes(kind, PLAIN) == frozenset(plain)
    assert isinstance(places.allowed_purposes(kind, ARCHIVE), frozenset)


@pytest.mark.parametrize("kind", ["reading-room", "safe", "desk", "archive-room", "garage"])
@pytest.mark.parametrize("purpose", ["outside", "external"])
def test_top_secret_never_leaves_anywhere(kind, purpose):
    assert places.place_refusal(TS, "S1", kind, purpose) == Refusal(
        "top_secret_not_outside", at(TS, kind), "P11"
    )


@pytest.mark.parametrize(
    "kind,refused",
    [("reading-room", False), ("safe", False), ("desk", False), ("archive-room", True), ("garage", True)],
)
def test_top_secret_is_read_where_the_table_says(kind, refused):
    r = places.place_refusal(TS, "S1", kind, "reading")
    assert r == (Refusal("top_secret_on_site", at(TS, kind), "P11") if refused else None)


@pytest.mark.parametrize(
    "kind,refused",
    [("reading-room", True), ("safe", True), ("desk", True), ("archive-room", False), ("garage", True)],
)
@pytest.mark.parametrize("purpose", ["reading", "outside"])
def test_an_archive_file_only_at_the_archive_room(kind, refused, purpose):
    r = places.place_refusal(ARCHIVE, "S1", kind, purpose)
    assert r == (Refusal("archive_in_archive_room", at(ARCHIVE, kind), "P15") if refused else None)


@pytest.mark.parametrize("kind", ["reading-room", "safe", "desk", "archive-room"])
@pytest.mark.parametrize("purpose", ["reading", "outside", "external"])
def test_everything_else_goes_anywhere_for_any_purpose(kind, purpose):
    assert places.place_refusal(PLAIN, "S1", kind, purpose) is None
